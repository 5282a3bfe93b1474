//! Requirement strings whose names may hold `*` globs, parsed as the reference does.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use regex::Regex;

use crate::glob::NameGlob;
use crate::marker;
use crate::specifier::SpecifierSet;

/// A requirement that does not parse; the message says what was expected where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequirementError {
    pub requirement: String,
    pub message: String,
}

impl fmt::Display for RequirementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid requirement \"{}\": {}",
            self.requirement, self.message
        )
    }
}

impl std::error::Error for RequirementError {}

/// A PEP 508 requirement where the name may contain `*` (`"*cdf*"`, `netCDF*>=1.5`).
#[derive(Clone, Debug)]
pub struct WildRequirement {
    /// Canonical name: `-` replaced by `_`, lower-cased; dots are kept, as the reference does.
    pub name: String,
    /// The name as written.
    pub raw_name: String,
    pub extras: Vec<String>,
    pub specifier: SpecifierSet,
    pub url: Option<String>,
    /// The marker text (validated, never evaluated: listings ignore markers).
    pub marker: Option<String>,
}

fn identifier_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // The reference's IDENTIFIER: leading stars, a word, separators and stars, then words
    // (with separators) but no further stars.
    RE.get_or_init(|| {
        Regex::new(r"^\**[A-Za-z0-9]+[-_.*]*(?:[-_.]*[A-Za-z0-9]+)*").expect("valid regex")
    })
}

/// One specifier's extent: the longer of the PEP 440 and legacy token patterns.
fn specifier_token_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?:===\s*[^\s]*|(?:~=|==|!=|<=|>=|<|>)\s*[^,;\s)]*)").expect("valid regex")
    })
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn take(&mut self, re: &Regex) -> Option<&'a str> {
        self.skip_ws();
        let m = re.find(self.rest())?;
        let found = &self.rest()[..m.end()];
        self.pos += m.end();
        Some(found)
    }
}

impl WildRequirement {
    /// Parses a requirement.
    pub fn parse(text: &str) -> Result<WildRequirement, RequirementError> {
        let error = |message: String| RequirementError {
            requirement: text.to_string(),
            message,
        };
        let near = |c: &Cursor| {
            let rest = c.rest();
            if rest.is_empty() {
                "at the end".to_string()
            } else {
                format!("at \"{}\"", rest.chars().take(12).collect::<String>())
            }
        };
        let mut c = Cursor { text, pos: 0 };
        let raw_name = c
            .take(identifier_regex())
            .ok_or_else(|| {
                error(format!(
                    "expected a package name (letters, digits, - _ . and * globs) {}",
                    near(&c)
                ))
            })?
            .to_string();
        let mut extras = Vec::new();
        if c.eat('[') && !c.eat(']') {
            {
                loop {
                    let extra = c
                        .take(identifier_regex())
                        .ok_or_else(|| error(format!("expected an extra name {}", near(&c))))?;
                    extras.push(extra.to_string());
                    if c.eat(']') {
                        break;
                    }
                    if !c.eat(',') {
                        return Err(error(format!(
                            "expected `,` or `]` in the extras {}",
                            near(&c)
                        )));
                    }
                }
            }
        }
        let mut url = None;
        let mut specifier = SpecifierSet::default();
        if c.eat('@') {
            c.skip_ws();
            let rest = c.rest();
            let end = rest.find(' ').unwrap_or(rest.len());
            if end == 0 {
                return Err(error("expected a URL after `@`".into()));
            }
            url = Some(rest[..end].to_string());
            c.pos += end;
        } else {
            let parenthesised = c.eat('(');
            c.skip_ws();
            let start = c.pos;
            let mut end = start;
            if c.take(specifier_token_regex()).is_some() {
                end = c.pos;
                loop {
                    let save = c.pos;
                    if c.eat(',') && c.take(specifier_token_regex()).is_some() {
                        end = c.pos;
                    } else {
                        c.pos = save;
                        break;
                    }
                }
            }
            if parenthesised && !c.eat(')') {
                return Err(error(format!(
                    "expected `)` after the version specifiers {}",
                    near(&c)
                )));
            }
            specifier =
                SpecifierSet::from_str(&text[start..end]).map_err(|e| error(e.to_string()))?;
        }
        let mut marker = None;
        if c.eat(';') {
            c.skip_ws();
            let rest = c.rest().trim_end();
            marker::validate(rest)
                .map_err(|m| error(format!("bad environment marker \"{rest}\": {m}")))?;
            marker = Some(rest.to_string());
            c.pos = text.len();
        }
        c.skip_ws();
        if !c.rest().is_empty() {
            return Err(error(format!(
                "unexpected text {}; a requirement is NAME[extras] followed by version specifiers such as >=1.2,<2",
                near(&c)
            )));
        }
        Ok(WildRequirement {
            name: raw_name.replace('-', "_").to_lowercase(),
            raw_name,
            extras,
            specifier,
            url,
            marker,
        })
    }

    /// Parses after dropping everything from the first `+`: pins copied from `pip freeze`
    /// (`numpy==1.26.4+computecanada`) select on the public version, as the reference does.
    pub fn parse_dropping_local(text: &str) -> Result<WildRequirement, RequirementError> {
        let public = text.split('+').next().unwrap_or(text);
        WildRequirement::parse(public).map_err(|mut e| {
            e.requirement = text.to_string();
            e
        })
    }

    /// Whether the name holds a `*`.
    pub fn is_glob(&self) -> bool {
        self.name.contains('*')
    }

    /// The (canonical) name as a glob.
    pub fn name_glob(&self) -> NameGlob {
        NameGlob::new(&self.name)
    }

    /// `re.match(fnmatch.translate(name), candidate, re.IGNORECASE)`: the whole candidate
    /// matches the (canonical) name, `*` matching anything.
    pub fn matches_name(&self, candidate: &str) -> bool {
        self.name_glob().matches(candidate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_examples() {
        let ok = |s: &str| WildRequirement::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok("Foo.Bar-baz").name, "foo.bar_baz");
        assert_eq!(ok("a-").name, "a_");
        assert_eq!(ok("*cdf*").name, "*cdf*");
        assert_eq!(ok("numpy >= 1.0 , <2").specifier.to_string(), "<2,>=1.0");
        assert_eq!(ok("numpy (>=1.0)").specifier.to_string(), ">=1.0");
        assert_eq!(ok("numpy>>1").specifier.to_string(), ">>1");
        assert_eq!(ok("numpy>=").specifier.to_string(), ">=");
        let r = ok("numpy[x,y]>=1; python_version<\"3.8\"");
        assert_eq!(r.extras, ["x", "y"]);
        assert_eq!(r.marker.as_deref(), Some("python_version<\"3.8\""));
        assert_eq!(
            ok("pkg @ https://x/y.whl").url.as_deref(),
            Some("https://x/y.whl")
        );
        for bad in [
            "a*b*c",
            "a*b*",
            "num py",
            "numpy[",
            "?x",
            "numpy~=1",
            "numpy;",
            "numpy; bogus",
            "",
        ] {
            assert!(WildRequirement::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_say_where() {
        let e = WildRequirement::parse("num py").unwrap_err().to_string();
        assert!(e.contains("\"num py\"") && e.contains("at \"py\""), "{e}");
    }

    #[test]
    fn globs() {
        let r = WildRequirement::parse("*cdf*").unwrap();
        assert!(r.matches_name("netCDF4") && r.matches_name("h5netcdf") && r.matches_name("cdf"));
        assert!(!r.matches_name("numpy"));
        let r = WildRequirement::parse("numpy").unwrap();
        assert!(r.matches_name("NumPy") && !r.matches_name("numpy2"));
        assert!(WildRequirement::parse("a*b").unwrap().matches_name("axxb"));
        assert!(!WildRequirement::parse("ab*ba").unwrap().matches_name("aba"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            if let Ok(r) = WildRequirement::parse(&s) { let _ = r.matches_name(&s); }
            let _ = WildRequirement::parse_dropping_local(&s);
        }
    }
}
