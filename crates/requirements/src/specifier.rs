//! Version specifiers with packaging 21.3's semantics.
//!
//! Written against packaging 21.3 rather than delegated to a PEP 440 crate's `contains`,
//! because listings must match the reference exactly: 21.3 falls back to setuptools-style
//! "legacy" specifiers for anything not PEP 440, and its wildcard and compatible-release
//! comparisons work on the specifier text as written.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use loose_version::{LegacyVersion, LooseVersion};
use pep440_rs::Version;
use regex::Regex;

/// The operators, longest first so `===` is not read as `==`.
const OPERATORS: [&str; 8] = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];
const LEGACY_OPERATORS: [&str; 6] = ["==", "!=", "<=", ">=", "<", ">"];

const RELEASE: &str = r"v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*";
const PRE: &str = r"(?:[-_\.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_\.]?[0-9]*)?";
const POST: &str = r"(?:(?:-[0-9]+)|(?:[-_\.]?(?:post|rev|r)[-_\.]?[0-9]*))?";
const DEV: &str = r"(?:[-_\.]?dev[-_\.]?[0-9]*)?";

/// The version part allowed after each operator in a PEP 440 specifier (packaging 21.3).
fn version_regex(op: &str) -> &'static Regex {
    static EQUAL: OnceLock<Regex> = OnceLock::new();
    static COMPATIBLE: OnceLock<Regex> = OnceLock::new();
    static ORDERED: OnceLock<Regex> = OnceLock::new();
    static ARBITRARY: OnceLock<Regex> = OnceLock::new();
    let build = |body: String| Regex::new(&format!("(?i)^(?:{body})$")).expect("valid regex");
    match op {
        "===" => ARBITRARY.get_or_init(|| build(r"[^\s]*".into())),
        "==" | "!=" => EQUAL.get_or_init(|| {
            build(format!(
                r"{RELEASE}{PRE}{POST}(?:{DEV}(?:\+[a-z0-9]+(?:[-_\.][a-z0-9]+)*)?|\.\*)?"
            ))
        }),
        "~=" => COMPATIBLE.get_or_init(|| {
            build(format!(
                r"v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+{PRE}{POST}{DEV}"
            ))
        }),
        _ => ORDERED.get_or_init(|| build(format!("{RELEASE}{PRE}{POST}{DEV}"))),
    }
}

/// A specifier that does not parse, PEP 440 or legacy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecifierError {
    pub text: String,
}

impl fmt::Display for SpecifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a version specifier (expected an operator ==, !=, <=, >=, <, >, ~= or === followed by a version)",
            self.text
        )
    }
}

impl std::error::Error for SpecifierError {}

/// One specifier.
#[derive(Clone, Debug)]
pub enum Specifier {
    /// A PEP 440 specifier: operator and the version text as written.
    Pep440 { op: &'static str, version: String },
    /// A legacy specifier, compared with setuptools-style keys.
    Legacy { op: &'static str, version: String },
}

impl FromStr for Specifier {
    type Err = SpecifierError;

    fn from_str(text: &str) -> Result<Specifier, SpecifierError> {
        let trimmed = text.trim();
        let error = || SpecifierError {
            text: text.to_string(),
        };
        for op in OPERATORS {
            let Some(rest) = trimmed.strip_prefix(op) else {
                continue;
            };
            let version = rest.trim_start();
            if version_regex(op).is_match(version) {
                return Ok(Specifier::Pep440 {
                    op,
                    version: version.to_string(),
                });
            }
            break;
        }
        for op in LEGACY_OPERATORS {
            let Some(rest) = trimmed.strip_prefix(op) else {
                continue;
            };
            let version = rest.trim_start();
            if !version.contains(|c: char| c == ',' || c == ';' || c == ')' || c.is_whitespace()) {
                return Ok(Specifier::Legacy {
                    op,
                    version: version.to_string(),
                });
            }
            return Err(error());
        }
        Err(error())
    }
}

impl fmt::Display for Specifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Specifier::Pep440 { op, version } | Specifier::Legacy { op, version } => {
                write!(f, "{op}{version}")
            }
        }
    }
}

impl Specifier {
    /// Whether this specifier lets pre-releases in: an inclusive operator whose own version
    /// is a pre-release (`>=2.0rc1`). Legacy specifiers never do.
    pub fn allows_prereleases(&self) -> bool {
        match self {
            Specifier::Pep440 { op, version }
                if matches!(*op, "==" | ">=" | "<=" | "~=" | "===") =>
            {
                let version = if *op == "==" {
                    version.strip_suffix(".*").unwrap_or(version)
                } else {
                    version
                };
                LooseVersion::parse(version).is_prerelease()
            }
            _ => false,
        }
    }

    /// packaging 21.3's `Specifier.contains(item, prereleases)`.
    pub fn contains(&self, item: &LooseVersion, prereleases: bool) -> bool {
        match self {
            Specifier::Legacy { op, version } => {
                let item = LooseVersion::Legacy(LegacyVersion::new(&item.to_string()));
                let spec = LooseVersion::Legacy(LegacyVersion::new(version));
                compare(op, &item, &spec)
            }
            Specifier::Pep440 { op, version } => {
                if item.is_prerelease() && !prereleases {
                    return false;
                }
                if *op == "===" {
                    return item.to_string().to_lowercase() == version.to_lowercase();
                }
                // Every other operator requires a PEP 440 item.
                let Some(item) = item.as_pep440() else {
                    return false;
                };
                pep440_contains(op, item, version)
            }
        }
    }
}

fn compare(op: &str, a: &LooseVersion, b: &LooseVersion) -> bool {
    match op {
        "==" => a == b,
        "!=" => a != b,
        "<=" => a <= b,
        ">=" => a >= b,
        "<" => a < b,
        ">" => a > b,
        _ => false,
    }
}

fn parse_version(text: &str) -> Option<Version> {
    Version::from_str(text.trim()).ok()
}

fn public(v: &Version) -> Version {
    v.clone().without_local()
}

fn base(v: &Version) -> Version {
    Version::new(v.release().iter().copied()).with_epoch(v.epoch())
}

fn pep440_contains(op: &str, item: &Version, spec: &str) -> bool {
    match op {
        "~=" => compatible(item, spec),
        "==" => equal(item, spec),
        "!=" => !equal(item, spec),
        "<=" => parse_version(spec).is_some_and(|s| public(item) <= s),
        ">=" => parse_version(spec).is_some_and(|s| public(item) >= s),
        "<" => {
            let Some(s) = parse_version(spec) else {
                return false;
            };
            if *item >= s {
                return false;
            }
            !(!s.any_prerelease() && item.any_prerelease() && base(item) == base(&s))
        }
        ">" => {
            let Some(s) = parse_version(spec) else {
                return false;
            };
            if *item <= s {
                return false;
            }
            if !s.is_post() && item.is_post() && base(item) == base(&s) {
                return false;
            }
            item.local().is_empty() || base(item) != base(&s)
        }
        _ => false,
    }
}

/// `~=X.Y.Z`: `>=X.Y.Z` and `==X.Y.*`, the prefix taken from the text before any suffix.
fn compatible(item: &Version, spec: &str) -> bool {
    let segments: Vec<String> = version_split(spec)
        .into_iter()
        .take_while(|s| {
            !["dev", "a", "b", "rc", "post"]
                .iter()
                .any(|p| s.starts_with(p))
        })
        .collect();
    let prefix = segments[..segments.len().saturating_sub(1)].join(".");
    pep440_contains(">=", item, spec) && equal(item, &format!("{prefix}.*"))
}

fn equal(item: &Version, spec: &str) -> bool {
    if let Some(prefix) = spec.strip_suffix(".*") {
        let split_spec = version_split(prefix);
        let split_item = version_split(&public(item).to_string());
        let shortened: Vec<String> = split_item.into_iter().take(split_spec.len()).collect();
        let (padded_spec, padded_item) = pad_version(&split_spec, &shortened);
        return padded_spec == padded_item;
    }
    let Some(s) = parse_version(spec) else {
        return false;
    };
    if s.local().is_empty() {
        public(item) == s
    } else {
        *item == s
    }
}

/// packaging's `_version_split`: dot-separated parts, `1rc2` split into `1` and `rc2`.
fn version_split(version: &str) -> Vec<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"^([0-9]+)((?:a|b|c|rc)[0-9]+)$").expect("valid regex"));
    let mut out = Vec::new();
    for item in version.split('.') {
        match re.captures(item) {
            Some(c) => {
                out.push(c[1].to_string());
                out.push(c[2].to_string());
            }
            None => out.push(item.to_string()),
        }
    }
    out
}

/// packaging's `_pad_version`: pad the shorter numeric release with zeros.
fn pad_version(left: &[String], right: &[String]) -> (Vec<String>, Vec<String>) {
    let digits = |v: &[String]| {
        v.iter()
            .take_while(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .count()
    };
    let (l, r) = (digits(left), digits(right));
    let pad = |v: &[String], n: usize, to: usize| {
        let mut out: Vec<String> = v[..n].to_vec();
        out.extend(std::iter::repeat_n("0".to_string(), to.saturating_sub(n)));
        out.extend(v[n..].iter().cloned());
        out
    };
    (pad(left, l, r), pad(right, r, l))
}

/// A comma-separated set of specifiers.
#[derive(Clone, Debug, Default)]
pub struct SpecifierSet {
    specifiers: Vec<Specifier>,
}

impl FromStr for SpecifierSet {
    type Err = SpecifierError;

    fn from_str(text: &str) -> Result<SpecifierSet, SpecifierError> {
        let specifiers = text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Specifier::from_str)
            .collect::<Result<_, _>>()?;
        Ok(SpecifierSet { specifiers })
    }
}

impl SpecifierSet {
    /// The specifiers.
    pub fn specifiers(&self) -> &[Specifier] {
        &self.specifiers
    }

    /// Whether the set is empty (any version, but no pre-releases).
    pub fn is_empty(&self) -> bool {
        self.specifiers.is_empty()
    }

    /// packaging 21.3's `version in specifier_set`: pre-releases (including dev releases) are
    /// excluded unless a specifier asks for one; an empty set excludes them too.
    pub fn contains(&self, item: &LooseVersion) -> bool {
        let prereleases = self.specifiers.iter().any(Specifier::allows_prereleases);
        if !prereleases && item.is_prerelease() {
            return false;
        }
        self.specifiers
            .iter()
            .all(|s| s.contains(item, prereleases))
    }
}

impl fmt::Display for SpecifierSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.specifiers.iter().map(|s| s.to_string()).collect();
        parts.sort();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(spec: &str, version: &str) -> bool {
        SpecifierSet::from_str(spec)
            .unwrap()
            .contains(&LooseVersion::parse(version))
    }

    #[test]
    fn basics() {
        assert!(contains(">=1.21", "1.26.4"));
        assert!(contains("==1.26.4", "1.26.4"));
        assert!(contains("==1.26.*", "1.26.4"));
        assert!(!contains("<1.23", "1.23.0"));
        assert!(contains("~=1.26.0", "1.26.4"));
        assert!(!contains("~=1.26.0", "1.27"));
        assert!(!contains("", "2.0rc1"));
        assert!(contains(">=2.0rc1", "2.0rc1"));
        assert!(!contains("<2.0", "2.0rc1"));
        assert!(contains("", "foo"));
        assert!(!contains(">=1", "foo"));
    }

    #[test]
    fn legacy_fallback() {
        let set = SpecifierSet::from_str(">=1.21.*").unwrap();
        assert!(matches!(set.specifiers()[0], Specifier::Legacy { .. }));
        assert!(SpecifierSet::from_str(">= 1.0 x").is_err());
        assert!(SpecifierSet::from_str("~=1").is_err());
        assert_eq!(
            SpecifierSet::from_str("<2, >=1").unwrap().to_string(),
            "<2,>=1"
        );
    }
}
