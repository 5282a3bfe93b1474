//! Compatibility tags and the tag set a Python version accepts.

use std::collections::HashSet;
use std::fmt;

use crate::filename::WheelFilename;

/// One `python-abi-platform` triple, lower-cased as `packaging.tags.Tag` does.
///
/// # Performance
/// Stored as one `python-abi-platform` string with the two dash positions: one allocation
/// per tag, for the 40,000 wheels of a full listing.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    text: Box<str>,
    abi_start: u16,
    platform_start: u16,
}

impl Tag {
    /// A tag from its three parts; each is lower-cased.
    pub fn new(interpreter: &str, abi: &str, platform: &str) -> Tag {
        let mut text = String::with_capacity(interpreter.len() + abi.len() + platform.len() + 2);
        push_lower(&mut text, interpreter);
        text.push('-');
        let abi_start = text.len();
        push_lower(&mut text, abi);
        text.push('-');
        let platform_start = text.len();
        push_lower(&mut text, platform);
        Tag {
            text: text.into(),
            abi_start: abi_start as u16,
            platform_start: platform_start as u16,
        }
    }

    /// The python tag (`cp311`, `py3`).
    pub fn interpreter(&self) -> &str {
        &self.text[..self.abi_start as usize - 1]
    }

    /// The ABI tag (`cp311`, `abi3`, `none`).
    pub fn abi(&self) -> &str {
        &self.text[self.abi_start as usize..self.platform_start as usize - 1]
    }

    /// The platform tag (`linux_x86_64`, `any`).
    pub fn platform(&self) -> &str {
        &self.text[self.platform_start as usize..]
    }
}

fn push_lower(out: &mut String, part: &str) {
    if part.is_ascii() {
        out.extend(part.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        out.push_str(&part.to_lowercase());
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A Python `major.minor` version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PythonVersion {
    pub major: u32,
    pub minor: u32,
}

impl PythonVersion {
    pub const fn new(major: u32, minor: u32) -> PythonVersion {
        PythonVersion { major, minor }
    }

    /// Parses `3.11` (or `3.11.5`, keeping major.minor).
    pub fn parse(text: &str) -> Option<PythonVersion> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(PythonVersion { major, minor })
    }

    /// `cp311`-style digits: `311`.
    fn nodot(self) -> String {
        format!("{}{}", self.major, self.minor)
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The platform tag of this machine as `sysconfig.get_platform()` spells it, normalised.
fn generic_platform() -> String {
    format!("{}_{}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The set of tags under which a wheel shows for a Python version.
///
/// This is the set the site's `avail_wheels` builds with `packaging.tags`: CPython tags and the
/// generic compatible tags for the *generic* platform only (`linux_x86_64`, never `manylinux`,
/// which is why `manylinux` wheels never show), plus `none-any` for the `pyXY` family. Note
/// that `cpXY-none-any` is not in it: the reference passes no interpreter to
/// `compatible_tags`.
#[derive(Clone, Debug, Default)]
pub struct CompatibleTags {
    /// `python-abi-platform` texts, as [`Tag`] spells them, so a candidate can be looked up
    /// from a borrowed string without building a `Tag`.
    tags: HashSet<Box<str>>,
}

impl CompatibleTags {
    /// The tag set for one Python version.
    pub fn for_python(python: PythonVersion) -> CompatibleTags {
        let mut set = CompatibleTags::default();
        set.add_python(python);
        set
    }

    /// The union of the tag sets of several Python versions: a wheel shows when it is
    /// compatible with any of them.
    pub fn for_pythons<'a>(pythons: impl IntoIterator<Item = &'a PythonVersion>) -> CompatibleTags {
        let mut set = CompatibleTags::default();
        for python in pythons {
            set.add_python(*python);
        }
        set
    }

    fn add_python(&mut self, py: PythonVersion) {
        let platform = generic_platform();
        let interpreter = format!("cp{}", py.nodot());
        let abi3 = (py.major, py.minor) >= (3, 2);
        // The ABI flags come from the interpreter running the reference (a release build):
        // pymalloc `m` before 3.8, wide unicode `u` before 3.3.
        let mut abi = interpreter.clone();
        if (py.major, py.minor) < (3, 8) {
            abi.push('m');
        }
        if (py.major, py.minor) < (3, 3) {
            abi.push('u');
        }
        self.insert(&interpreter, &abi, &platform);
        if abi3 {
            self.insert(&interpreter, "abi3", &platform);
        }
        self.insert(&interpreter, "none", &platform);
        if abi3 {
            for minor in (2..py.minor).rev() {
                let older = format!("cp{}{}", py.major, minor);
                self.insert(&older, "abi3", &platform);
            }
        }
        let mut py_range = vec![format!("py{}", py.nodot()), format!("py{}", py.major)];
        py_range.extend((0..py.minor).rev().map(|m| format!("py{}{}", py.major, m)));
        for version in &py_range {
            self.insert(version, "none", &platform);
            self.insert(version, "none", "any");
        }
    }

    fn insert(&mut self, interpreter: &str, abi: &str, platform: &str) {
        self.tags.insert(Tag::new(interpreter, abi, platform).text);
    }

    /// Whether the set holds this tag.
    pub fn contains(&self, tag: &Tag) -> bool {
        self.tags.contains(&tag.text)
    }

    /// Whether the set holds the lower-cased `python-abi-platform` text.
    pub fn contains_text(&self, text: &str) -> bool {
        self.tags.contains(text)
    }

    /// Whether any of the wheel's tags is in the set.
    pub fn is_compatible(&self, wheel: &WheelFilename) -> bool {
        wheel.tags().iter().any(|t| self.contains(t))
    }

    /// Number of tags in the set.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// Whether the set is empty (no Python version was given).
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(py: (u32, u32), tag: &str) -> bool {
        let mut parts = tag.split('-');
        let t = Tag::new(
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        CompatibleTags::for_python(PythonVersion::new(py.0, py.1)).contains(&t)
    }

    #[test]
    fn cpython_311() {
        let plat = generic_platform();
        for tag in [
            "cp311-cp311",
            "cp311-abi3",
            "cp311-none",
            "cp32-abi3",
            "py311-none",
            "py3-none",
            "py30-none",
        ] {
            assert!(has((3, 11), &format!("{tag}-{plat}")), "{tag}");
        }
        for tag in ["py311-none-any", "py3-none-any", "py30-none-any"] {
            assert!(has((3, 11), tag), "{tag}");
        }
        for tag in [
            "cp311-none-any",
            "cp311-abi3-any",
            "py2-none-any",
            "cp312-cp312-linux_x86_64",
        ] {
            assert!(!has((3, 11), tag), "{tag}");
        }
        assert!(!has((3, 11), "cp311-cp311-manylinux2014_x86_64"));
    }

    #[test]
    fn old_abis() {
        let plat = generic_platform();
        assert!(has((3, 7), &format!("cp37-cp37m-{plat}")));
        assert!(!has((3, 7), &format!("cp37-cp37-{plat}")));
        assert!(has((2, 7), &format!("cp27-cp27mu-{plat}")));
        assert!(!has((2, 7), &format!("cp27-abi3-{plat}")));
        assert!(has((2, 7), "py2-none-any"));
    }

    #[test]
    fn python_version_parse() {
        assert_eq!(
            PythonVersion::parse("3.11.5"),
            Some(PythonVersion::new(3, 11))
        );
        assert_eq!(PythonVersion::parse("3"), None);
        assert_eq!(PythonVersion::new(3, 10).to_string(), "3.10");
    }
}
