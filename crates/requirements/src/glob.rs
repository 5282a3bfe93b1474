//! The one name glob of the project: `*` matches any run of characters and nothing else is
//! special, as the site's `avail_wheels` reads `"*cdf*"` (`fnmatch.translate`, case
//! insensitive). Requirement names, listing filters and file-name prefilters all use it.

/// A `*` glob matched against a whole text, ASCII letters case-insensitively (package and
/// wheel names are ASCII: PEP 427, PEP 503); other characters compare exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameGlob {
    /// The `*`-separated pieces, ASCII-lower-cased; one piece means no `*`.
    pieces: Vec<String>,
}

impl NameGlob {
    pub fn new(pattern: &str) -> NameGlob {
        NameGlob {
            pieces: pattern
                .to_ascii_lowercase()
                .split('*')
                .map(str::to_string)
                .collect(),
        }
    }

    /// Whether the pattern holds a `*`.
    pub fn is_glob(&self) -> bool {
        self.pieces.len() > 1
    }

    /// Whether the whole `text` matches: the first piece is a prefix, the last a suffix, and
    /// the middle ones are found in order (the leftmost occurrence of each is enough when `*`
    /// is the only wildcard).
    ///
    /// # Performance
    /// Runs on every file of a wheelhouse (40,000 on a large site): byte comparisons, and a
    /// stack buffer for the middle pieces' search.
    pub fn matches(&self, text: &str) -> bool {
        let pieces = &self.pieces;
        let text = text.as_bytes();
        let (first, last) = (pieces[0].as_bytes(), pieces[pieces.len() - 1].as_bytes());
        if pieces.len() == 1 {
            return text.eq_ignore_ascii_case(first);
        }
        if text.len() < first.len() + last.len()
            || !text[..first.len()].eq_ignore_ascii_case(first)
            || !text[text.len() - last.len()..].eq_ignore_ascii_case(last)
        {
            return false;
        }
        if pieces.len() == 2 {
            return true;
        }
        // Middle pieces: search a lower-cased copy with the standard substring search.
        let middle = &text[first.len()..text.len() - last.len()];
        let mut buffer = [0u8; 512];
        let lowered: String;
        let haystack: &str = if middle.len() <= buffer.len() {
            buffer[..middle.len()].copy_from_slice(middle);
            buffer[..middle.len()].make_ascii_lowercase();
            match std::str::from_utf8(&buffer[..middle.len()]) {
                Ok(s) => s,
                Err(_) => return false,
            }
        } else {
            lowered = String::from_utf8_lossy(middle).to_ascii_lowercase();
            &lowered
        };
        let mut rest = haystack;
        for piece in &pieces[1..pieces.len() - 1] {
            match rest.find(piece.as_str()) {
                Some(i) => rest = &rest[i + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::NameGlob;

    #[test]
    fn whole_text_case_insensitive() {
        let glob = NameGlob::new("*cdf*");
        assert!(glob.is_glob());
        for name in ["netCDF4", "h5netcdf", "cdf", "CDF"] {
            assert!(glob.matches(name), "{name}");
        }
        assert!(!glob.matches("numpy"));
        let exact = NameGlob::new("NumPy");
        assert!(!exact.is_glob());
        assert!(exact.matches("numpy") && !exact.matches("numpy2"));
        assert!(NameGlob::new("a*b").matches("axxb"));
        assert!(!NameGlob::new("ab*ba").matches("aba"));
        let file = NameGlob::new("numpy-*.whl");
        assert!(file.matches("NumPy-1.0-py3-none-any.WHL"));
        assert!(!file.matches("numpy-1.0-py3-none-any.whl.metadata"));
        assert!(!file.matches("numpy_quaternion-1-py3-none-any.whl"));
        assert!(NameGlob::new("a*b*c-*.whl").matches("axbxc-1.whl"));
        assert!(!NameGlob::new("a*b*c-*.whl").matches("ab-1.whl"));
    }

    proptest::proptest! {
        /// Agrees with `fnmatch.translate` read as a regular expression, on ASCII texts.
        #[test]
        fn agrees_with_the_regex(pattern in "[a-c*]{0,6}", text in "[a-cA-C]{0,8}") {
            let pieces: Vec<String> = pattern.split('*').map(regex::escape).collect();
            let re = regex::Regex::new(&format!("(?is)^{}$", pieces.join(".*"))).unwrap();
            proptest::prop_assert_eq!(NameGlob::new(&pattern).matches(&text), re.is_match(&text));
        }

        #[test]
        fn never_panics(pattern in "\\PC{0,12}", text in "\\PC{0,40}") {
            let _ = NameGlob::new(&pattern).matches(&text);
        }
    }
}
