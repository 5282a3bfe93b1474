//! pip configuration files: the INI dialect of Python's `configparser`.
//!
//! Written by hand because it must read site files exactly as pip and the reference do:
//! case-insensitive keys, `=` or `:` separators, `#`/`;` full-line comments, and values that
//! continue on more-indented lines (site files split long `find-links` that way).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// A parse or read failure, with the line when there is one.
#[derive(Debug)]
pub enum IniError {
    Io(std::io::Error),
    Syntax { line: usize, message: String },
}

impl fmt::Display for IniError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IniError::Io(e) => write!(f, "{e}"),
            IniError::Syntax { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

impl std::error::Error for IniError {}

/// A parsed INI file: section → key → value.
#[derive(Clone, Debug, Default)]
pub struct IniFile {
    sections: HashMap<String, HashMap<String, String>>,
}

impl IniFile {
    /// Reads and parses a file.
    pub fn read(path: &Path) -> Result<IniFile, IniError> {
        let text = std::fs::read_to_string(path).map_err(IniError::Io)?;
        IniFile::parse(&text)
    }

    /// Parses INI text.
    pub fn parse(text: &str) -> Result<IniFile, IniError> {
        let mut ini = IniFile::default();
        let mut section: Option<String> = None;
        // The key being written and the indentation of its line, for continuations.
        let mut current: Option<(String, usize)> = None;
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let trimmed = raw.trim();
            let indent = raw.len() - raw.trim_start().len();
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if let (Some((key, key_indent)), Some(name)) = (&current, &section) {
                if indent > *key_indent && !trimmed.is_empty() {
                    let value = ini.sections.get_mut(name).and_then(|s| s.get_mut(key));
                    if let Some(value) = value {
                        value.push('\n');
                        value.push_str(trimmed);
                    }
                    continue;
                }
            }
            if trimmed.is_empty() {
                continue;
            }
            if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                let name = name.to_string();
                ini.sections.entry(name.clone()).or_default();
                section = Some(name);
                current = None;
                continue;
            }
            let Some(name) = &section else {
                return Err(IniError::Syntax {
                    line: line_no,
                    message: format!("`{trimmed}` comes before any [section] header"),
                });
            };
            let split = trimmed.find(['=', ':']).ok_or_else(|| IniError::Syntax {
                line: line_no,
                message: format!("`{trimmed}` is neither `[section]` nor `key = value`"),
            })?;
            let key = trimmed[..split].trim().to_lowercase();
            let value = trimmed[split + 1..].trim().to_string();
            ini.sections
                .entry(name.clone())
                .or_default()
                .insert(key.clone(), value);
            current = Some((key, indent));
        }
        Ok(ini)
    }

    /// A value; section names are case-sensitive, keys are not (as in `configparser`).
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections
            .get(section)?
            .get(&key.to_lowercase())
            .map(String::as_str)
    }

    /// Every key of a section.
    pub fn section(&self, section: &str) -> Option<&HashMap<String, String>> {
        self.sections.get(section)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_file() {
        let ini = IniFile::parse(
            "# site file\n[global]\ndisable-pip-version-check = true\n\n[wheel]\nFind-Links = /a /b\n    /c\n; note\n[install]\nprefer-binary: true\n",
        )
        .unwrap();
        assert_eq!(ini.get("wheel", "find-links"), Some("/a /b\n/c"));
        assert_eq!(ini.get("install", "prefer-binary"), Some("true"));
        assert_eq!(ini.get("global", "disable-pip-version-check"), Some("true"));
        assert_eq!(ini.get("download", "find-links"), None);
    }

    #[test]
    fn errors_name_the_line() {
        let err = IniFile::parse("key = 1\n").unwrap_err().to_string();
        assert!(err.starts_with("line 1:"), "{err}");
        let err = IniFile::parse("[a]\njunk\n").unwrap_err().to_string();
        assert!(err.starts_with("line 2:"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            if let Ok(ini) = IniFile::parse(&text) {
                let _ = ini.get("wheel", "find-links");
            }
        }
    }
}
