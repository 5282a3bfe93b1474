//! Wheel file names as the site's `avail_wheels` parses them.

use std::fmt;
use std::sync::OnceLock;

use loose_version::LooseVersion;
use regex::Regex;

use crate::tags::{CompatibleTags, Tag};

/// The one regular expression the reference tool applies to every file name. It is anchored at
/// the start only, so `x-1-py3-none-any.whl.metadata` parses too; that is kept on purpose:
/// listings must contain what the reference lists.
const WHEEL_PATTERN: &str =
    r"^(?P<name>.+?)-(?P<version>.+?)(-(?P<build>\d[^-]*))?-(?P<tags>.+?-.+?-.+?)\.whl";

fn wheel_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(WHEEL_PATTERN).expect("valid wheel pattern"))
}

/// Why a file name is not a wheel name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The name does not have the `name-version(-build)-python-abi-platform.whl` shape.
    NotAWheelName(String),
    /// The shape matched but the tag part does not split into exactly python, abi and platform
    /// (for example `foo-1.0-py3-none-any-extra.whl`).
    BadTags { filename: String, tags: String },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NotAWheelName(name) => write!(
                f,
                "{name}: not a wheel file name (expected name-version[-build]-python-abi-platform.whl)"
            ),
            ParseError::BadTags { filename, tags } => write!(
                f,
                "{filename}: the tag part `{tags}` is not python-abi-platform"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// A parsed wheel file name.
#[derive(Clone, Debug)]
pub struct WheelFilename {
    filename: String,
    /// Byte ranges of the name, the version and the build tag within `filename`: one
    /// allocation per wheel instead of four.
    name: (u16, u16),
    version_text: (u16, u16),
    version: LooseVersion,
    build: Option<(u16, u16)>,
    /// Expanded, lower-cased, sorted and de-duplicated.
    tags: Vec<Tag>,
}

impl WheelFilename {
    /// Parses a file name with the reference tool's rules: the permissive regular expression,
    /// then `packaging.tags.parse_tag` on the tag part (split on `-` into exactly three parts,
    /// each expanded on `.`, lower-cased). Versions that are not PEP 440 are kept as legacy
    /// versions, which sort below every PEP 440 version.
    ///
    /// # Performance
    /// Called once per file of a wheelhouse (40,000 on a large site). Well-formed names take a
    /// split-on-dash fast path that gives the same answer as the regular expression; only odd
    /// names pay for the regex engine.
    pub fn parse(filename: &str) -> Result<WheelFilename, ParseError> {
        let parts = split(filename)?;
        WheelFilename::from_parts(filename, parts)
    }

    /// Parses only when one of the file's tags is in `compatible`: `Ok(None)` otherwise.
    ///
    /// # Performance
    /// A full listing meets every wheel of every Python; most are rejected here from the
    /// file name alone, without allocating or parsing a version.
    pub fn parse_compatible(
        filename: &str,
        compatible: &CompatibleTags,
    ) -> Result<Option<WheelFilename>, ParseError> {
        let parts = split(filename)?;
        let tags = parts.3;
        let mut pieces = tags.split('-');
        let (Some(pythons), Some(abis), Some(platforms), None) =
            (pieces.next(), pieces.next(), pieces.next(), pieces.next())
        else {
            return Err(ParseError::BadTags {
                filename: filename.to_string(),
                tags: tags.to_string(),
            });
        };
        let mut text = String::with_capacity(tags.len() + 8);
        let mut any = false;
        'search: for python in pythons.split('.') {
            for abi in abis.split('.') {
                for platform in platforms.split('.') {
                    text.clear();
                    for (i, part) in [python, abi, platform].iter().enumerate() {
                        if i > 0 {
                            text.push('-');
                        }
                        if part.is_ascii() {
                            text.extend(part.chars().map(|c| c.to_ascii_lowercase()));
                        } else {
                            text.push_str(&part.to_lowercase());
                        }
                    }
                    if compatible.contains_text(&text) {
                        any = true;
                        break 'search;
                    }
                }
            }
        }
        if !any {
            return Ok(None);
        }
        WheelFilename::from_parts(filename, parts).map(Some)
    }

    fn from_parts(filename: &str, parts: Parts<'_>) -> Result<WheelFilename, ParseError> {
        let (name, version, build, tags) = parts;
        let tags = parse_tag_set(tags).ok_or_else(|| ParseError::BadTags {
            filename: filename.to_string(),
            tags: tags.to_string(),
        })?;
        // Every part is a slice of `filename`; keep its offsets.
        let range = |part: &str| {
            let start = part.as_ptr() as usize - filename.as_ptr() as usize;
            (start as u16, (start + part.len()) as u16)
        };
        if filename.len() > u16::MAX as usize {
            return Err(ParseError::NotAWheelName(filename.to_string()));
        }
        Ok(WheelFilename {
            filename: filename.to_string(),
            name: range(name),
            version_text: range(version),
            version: LooseVersion::parse(version),
            build: build.map(range),
            tags,
        })
    }

    /// The file name as found on disk.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The distribution name as spelled in the file name (case kept).
    pub fn name(&self) -> &str {
        self.slice(self.name)
    }

    fn slice(&self, (start, end): (u16, u16)) -> &str {
        &self.filename[start as usize..end as usize]
    }

    /// The version as written in the file name.
    pub fn version_text(&self) -> &str {
        self.slice(self.version_text)
    }

    /// The parsed version (PEP 440 or legacy).
    pub fn version(&self) -> &LooseVersion {
        &self.version
    }

    /// The build tag, if any (`1` in `foo-1.0-1-py3-none-any.whl`).
    pub fn build(&self) -> Option<&str> {
        self.build.map(|range| self.slice(range))
    }

    /// The expanded tag set.
    pub fn tags(&self) -> &[Tag] {
        &self.tags
    }

    /// Distinct python tags, sorted, joined with `,` (`py2,py3`).
    pub fn python_column(&self) -> String {
        self.join_distinct(|t| t.interpreter())
    }

    /// Distinct ABI tags, sorted, joined with `,`.
    pub fn abi_column(&self) -> String {
        self.join_distinct(|t| t.abi())
    }

    /// Distinct platform tags, sorted, joined with `,`.
    pub fn platform_column(&self) -> String {
        self.join_distinct(|t| t.platform())
    }

    fn join_distinct<'a>(&'a self, part: impl Fn(&'a Tag) -> &'a str) -> String {
        let mut parts: Vec<&str> = self.tags.iter().map(part).collect();
        parts.sort_unstable();
        parts.dedup();
        parts.join(",")
    }
}

type Parts<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);

fn split(filename: &str) -> Result<Parts<'_>, ParseError> {
    match split_fast(filename) {
        Some(parts) => Ok(parts),
        None => {
            split_regex(filename).ok_or_else(|| ParseError::NotAWheelName(filename.to_string()))
        }
    }
}

/// The common case, without the regex engine: the name ends with the only `.whl` in it, and the
/// stem splits on `-` into five non-empty parts, or six whose third starts with an ASCII digit
/// (the build tag). For exactly those names the regular expression's lazy groups settle on the
/// same split; every other name goes to the regex so odd names keep the reference's answer.
fn split_fast(filename: &str) -> Option<Parts<'_>> {
    let stem = filename.strip_suffix(".whl")?;
    if stem.contains(".whl") || stem.contains('\n') {
        return None;
    }
    let mut parts = stem.split('-');
    let mut fields: [&str; 6] = [""; 6];
    let mut count = 0;
    for part in parts.by_ref() {
        if count == 6 || part.is_empty() {
            return None;
        }
        fields[count] = part;
        count += 1;
    }
    let tags_start = |index: usize| {
        let offset: usize = fields[..index].iter().map(|f| f.len() + 1).sum();
        &stem[offset..]
    };
    match count {
        5 => Some((fields[0], fields[1], None, tags_start(2))),
        6 if fields[2].as_bytes()[0].is_ascii_digit() => {
            Some((fields[0], fields[1], Some(fields[2]), tags_start(3)))
        }
        _ => None,
    }
}

fn split_regex(filename: &str) -> Option<Parts<'_>> {
    let caps = wheel_regex().captures(filename)?;
    Some((
        caps.name("name")?.as_str(),
        caps.name("version")?.as_str(),
        caps.name("build").map(|m| m.as_str()),
        caps.name("tags")?.as_str(),
    ))
}

/// `packaging.tags.parse_tag`: exactly three `-`-separated parts, each a `.`-separated set.
fn parse_tag_set(tags: &str) -> Option<Vec<Tag>> {
    let mut parts = tags.split('-');
    let (pythons, abis, platforms) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let mut out = Vec::new();
    for python in pythons.split('.') {
        for abi in abis.split('.') {
            for platform in platforms.split('.') {
                out.push(Tag::new(python, abi, platform));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(name: &str) -> (String, String, Option<String>, String) {
        let w = WheelFilename::parse(name).unwrap();
        let tags: Vec<String> = w.tags().iter().map(|t| t.to_string()).collect();
        (
            w.name().to_string(),
            w.version_text().to_string(),
            w.build().map(str::to_string),
            tags.join(" "),
        )
    }

    #[test]
    fn plain_names() {
        assert_eq!(
            parts("numpy-1.26.4-cp311-cp311-linux_x86_64.whl"),
            (
                "numpy".into(),
                "1.26.4".into(),
                None,
                "cp311-cp311-linux_x86_64".into()
            )
        );
        assert_eq!(
            parts("foo-1.0-1-py3-none-any.whl"),
            (
                "foo".into(),
                "1.0".into(),
                Some("1".into()),
                "py3-none-any".into()
            )
        );
    }

    #[test]
    fn compressed_tag_sets_expand_sorted_and_lowercased() {
        let w = WheelFilename::parse("six-1.16.0-py2.py3-none-any.whl").unwrap();
        assert_eq!(w.python_column(), "py2,py3");
        let w = WheelFilename::parse("x-1-CP36.cp35-ABI3-Linux_X86_64.whl").unwrap();
        assert_eq!(w.python_column(), "cp35,cp36");
        assert_eq!(w.abi_column(), "abi3");
        assert_eq!(w.platform_column(), "linux_x86_64");
    }

    #[test]
    fn odd_names_follow_the_reference_regex() {
        // A dash in the name makes the second part the "version": the reference does that too.
        assert_eq!(
            parts("foo-bar-1.0-py3-none-any.whl"),
            (
                "foo".into(),
                "bar".into(),
                Some("1.0".into()),
                "py3-none-any".into()
            )
        );
        // Anchored at the start only.
        assert_eq!(parts("x-1-py3-none-any.whl.metadata").3, "py3-none-any");
        assert!(matches!(
            WheelFilename::parse("broken.whl"),
            Err(ParseError::NotAWheelName(_))
        ));
        assert!(matches!(
            WheelFilename::parse("foo-1.0-py3-none-any-x.whl"),
            Err(ParseError::BadTags { .. })
        ));
        assert!(WheelFilename::parse("README.txt").is_err());
    }

    #[test]
    fn fast_path_agrees_with_regex_on_samples() {
        assert!(split_fast("a-b-c-d-e.whl").is_some());
        assert!(split_fast("a-b-1c-d-e-f.whl").is_some());
        assert!(split_fast("a-b-c-d-e-f.whl").is_none());
        for name in [
            "numpy-1.26.4+computecanada-cp311-cp311-linux_x86_64.whl",
            "a-b-c-d-e.whl",
            "a-b-1c-d-e-f.whl",
            "a-b-c-d-e-f.whl",
            "-a-b-c-d-e.whl",
            "a--b-c-d-e.whl",
            "a-b-c-d-e.whl.whl",
        ] {
            if let Some(fast) = split_fast(name) {
                assert_eq!(Some(fast), split_regex(name), "{name}");
            }
        }
    }

    #[test]
    fn parse_compatible_agrees_with_parse() {
        let set = crate::CompatibleTags::for_python(crate::PythonVersion::new(3, 11));
        for name in [
            "numpy-1.26.4-cp311-cp311-linux_x86_64.whl",
            "numpy-1.26.4-CP311-cp311-LINUX_X86_64.whl",
            "numpy-1.26.4-cp310-cp310-linux_x86_64.whl",
            "six-1.16.0-py2.py3-none-any.whl",
            "x-1-cp38-abi3-linux_x86_64.whl",
            "x-1-cp311-cp311-manylinux2014_x86_64.whl",
            "broken.whl",
            "foo-1.0-py3-none-any-x.whl",
        ] {
            let full = WheelFilename::parse(name)
                .map(|w| set.is_compatible(&w).then(|| w.filename().to_string()));
            let fast = WheelFilename::parse_compatible(name, &set)
                .map(|w| w.map(|w| w.filename().to_string()));
            assert_eq!(full.is_ok(), fast.is_ok(), "{name}");
            assert_eq!(full.ok(), fast.ok(), "{name}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_path_never_disagrees(name in "[a-c1.+_-]{0,6}(-[a-c1.+_-]{1,5}){0,6}(\\.whl)?(\\.whl)?") {
            if let Some(fast) = split_fast(&name) {
                proptest::prop_assert_eq!(Some(fast), split_regex(&name));
            }
        }

        #[test]
        fn parse_never_panics(name in "\\PC{0,60}") {
            let _ = WheelFilename::parse(&name);
        }
    }
}
