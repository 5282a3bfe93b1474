//! Versions the way `packaging.version.parse()` of packaging 21.3 reads them (specifiers such
//! as `>=1.21` are the `requirements` crate's).
//!
//! The site's `avail_wheels` runs on packaging 21.3, where any string is a version: a valid
//! PEP 440 version becomes a `Version`, anything else a `LegacyVersion` ordered by the old
//! setuptools scheme and placed below every PEP 440 version. Listings sort wheels, their Python
//! tags (`cp311`) and even arch names with that order, so it is reproduced exactly here;
//! PEP 440 parsing and ordering come from the `pep440_rs` crate.
//!
//! ```
//! use loose_version::LooseVersion;
//!
//! let local = LooseVersion::parse("1.26.4+computecanada");
//! assert_eq!(local.public(), "1.26.4");
//! assert_eq!(local.local().as_deref(), Some("computecanada"));
//! assert!(local > LooseVersion::parse("1.26.4"));
//!
//! // Not PEP 440: a legacy version, below every PEP 440 one, compared part by part.
//! let cp311 = LooseVersion::parse("cp311");
//! assert!(cp311.as_pep440().is_none());
//! assert!(cp311 > LooseVersion::parse("cp39"));
//! assert!(cp311 < LooseVersion::parse("0.1"));
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use pep440_rs::{LocalSegment, Version};
use regex::Regex;

/// A version that is not PEP 440, with its setuptools-style comparison key.
#[derive(Clone, Debug)]
pub struct LegacyVersion {
    text: String,
    key: Vec<String>,
}

impl LegacyVersion {
    /// Builds the key of packaging's `_legacy_cmpkey`: numbers zero-padded to eight digits,
    /// words prefixed with `*`, `pre`/`preview`/`rc` → `c`, `dev` → `@`, `-` → `final-`, a
    /// closing `*final`, and trailing zeros of each numeric series dropped.
    pub fn new(text: &str) -> LegacyVersion {
        let mut key: Vec<String> = Vec::new();
        for part in legacy_parts(&text.to_lowercase()) {
            if part.starts_with('*') {
                if part.as_str() < "*final" {
                    while key.last().is_some_and(|p| p == "*final-") {
                        key.pop();
                    }
                }
                while key.last().is_some_and(|p| p == "00000000") {
                    key.pop();
                }
            }
            key.push(part);
        }
        LegacyVersion {
            text: text.to_string(),
            key,
        }
    }
}

fn legacy_component_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\d+|[a-z]+|\.|-").expect("valid regex"))
}

/// `re.split` with a capturing group: the text between matches and the matches themselves,
/// each mapped and padded as `_parse_version_parts` does.
fn legacy_parts(text: &str) -> Vec<String> {
    let mut pieces: Vec<&str> = Vec::new();
    let mut last = 0;
    for m in legacy_component_regex().find_iter(text) {
        pieces.push(&text[last..m.start()]);
        pieces.push(m.as_str());
        last = m.end();
    }
    pieces.push(&text[last..]);
    let mut parts = Vec::new();
    for piece in pieces {
        let piece = match piece {
            "pre" | "preview" | "rc" => "c",
            "-" => "final-",
            "dev" => "@",
            other => other,
        };
        if piece.is_empty() || piece == "." {
            continue;
        }
        if piece.starts_with(|c: char| c.is_ascii_digit()) {
            parts.push(format!("{piece:0>8}"));
        } else {
            parts.push(format!("*{piece}"));
        }
    }
    parts.push("*final".to_string());
    parts
}

/// A version as packaging 21.3 parses it.
#[derive(Clone, Debug)]
pub enum LooseVersion {
    Pep440(Version),
    Legacy(LegacyVersion),
}

impl LooseVersion {
    /// Parses any string; never fails.
    ///
    /// # Performance
    /// One PEP 440 parse; legacy keys are computed here, once, not at each comparison.
    pub fn parse(text: &str) -> LooseVersion {
        // packaging strips surrounding whitespace before matching the PEP 440 pattern.
        match Version::from_str(text.trim()) {
            Ok(version) if is_pep440_shaped(text.trim()) => LooseVersion::Pep440(version),
            _ => LooseVersion::Legacy(LegacyVersion::new(text)),
        }
    }

    /// packaging's `.public`: the version without its local part (legacy: the whole text).
    pub fn public(&self) -> String {
        match self {
            LooseVersion::Pep440(v) => v.clone().without_local().to_string(),
            LooseVersion::Legacy(l) => l.text.clone(),
        }
    }

    /// packaging's `.local`: the local segments joined with `.`, numbers without leading
    /// zeros (`cc.7` for `+cc.007`); `None` without a local part and for legacy versions.
    pub fn local(&self) -> Option<String> {
        match self {
            LooseVersion::Pep440(v) if !v.local().is_empty() => Some(
                v.local()
                    .iter()
                    .map(|segment| match segment {
                        LocalSegment::String(s) => s.clone(),
                        LocalSegment::Number(n) => n.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("."),
            ),
            _ => None,
        }
    }

    /// Pre-release or development release (legacy versions never are).
    pub fn is_prerelease(&self) -> bool {
        match self {
            LooseVersion::Pep440(v) => v.any_prerelease(),
            LooseVersion::Legacy(_) => false,
        }
    }

    /// The PEP 440 version, when it is one.
    pub fn as_pep440(&self) -> Option<&Version> {
        match self {
            LooseVersion::Pep440(v) => Some(v),
            LooseVersion::Legacy(_) => None,
        }
    }
}

/// pep440_rs accepts a few spellings packaging 21.3 rejects (`1.0.*`-style wildcards are not
/// versions there); keep those legacy.
fn is_pep440_shaped(text: &str) -> bool {
    !text.contains('*') && !text.is_empty()
}

impl Ord for LooseVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (LooseVersion::Pep440(a), LooseVersion::Pep440(b)) => a.cmp(b),
            (LooseVersion::Legacy(a), LooseVersion::Legacy(b)) => a.key.cmp(&b.key),
            // Legacy versions carry epoch -1: below every PEP 440 version.
            (LooseVersion::Legacy(_), LooseVersion::Pep440(_)) => Ordering::Less,
            (LooseVersion::Pep440(_), LooseVersion::Legacy(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for LooseVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for LooseVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for LooseVersion {}

impl fmt::Display for LooseVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LooseVersion::Pep440(v) => write!(f, "{v}"),
            LooseVersion::Legacy(l) => f.write_str(&l.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_packaging() {
        assert_eq!(LooseVersion::parse("1.0RC1").to_string(), "1.0rc1");
        assert_eq!(LooseVersion::parse("v1.0-1").public(), "1.0.post1");
        assert_eq!(
            LooseVersion::parse("1.0+CC.007").local().as_deref(),
            Some("cc.7")
        );
        assert!(LooseVersion::parse("1.0.dev1").is_prerelease());
        assert!(!LooseVersion::parse("1.0.post1").is_prerelease());
    }

    #[test]
    fn legacy_ordering() {
        let v = |s| LooseVersion::parse(s);
        assert!(v("cp311") > v("cp39"));
        assert!(v("py2,py3") < v("py3"));
        assert!(v("x86-64-v4") > v("x86-64-v3"));
        assert!(v("generic") < v("1.0"));
        assert_eq!(v("foo1.0"), v("foo1"));
        assert_eq!(v("").to_string(), "");
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics_and_orders_totally(a in "\\PC{0,20}", b in "\\PC{0,20}") {
            let (x, y) = (LooseVersion::parse(&a), LooseVersion::parse(&b));
            let _ = (x.public(), x.local(), x.is_prerelease());
            proptest::prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
        }
    }
}
