//! The metadata files of a wheel and of an installed distribution (`.dist-info`): reading
//! them is this crate's one job, with no I/O beyond a wheel's own archive (finding installed
//! distributions is `installer`'s, a catalog's stored copies `catalog`'s).
//!
//! - `METADATA` (core metadata, an email-header format): name, version, `Requires-Dist`,
//!   `Requires-Python`, `Provides-Extra`.
//! - `WHEEL`: `Root-Is-Purelib` and the format version.
//! - `entry_points.txt`: console and GUI scripts.
//! - `RECORD`: a CSV of path, `sha256=` digest, size, as Python's `csv` module writes it.
//!
//! ```
//! let meta = wheel_metadata::CoreMetadata::parse(
//!     "Metadata-Version: 2.1\nName: Demo\nVersion: 1.0\nRequires-Dist: six>=1.0\n\nbody",
//! );
//! assert_eq!(meta.name, "Demo");
//! assert_eq!(meta.requires_dist, ["six>=1.0"]);
//! ```

mod archive;
mod headers;
mod record;

pub use archive::{
    read_dist_info_file, read_dist_info_member, wheel_dist_info, ArchiveError, MAX_METADATA_FILE,
};
pub use headers::{body, header, header_all, importlib_headers, parse_headers};
pub use record::{
    hash_bytes, parse_record, parse_record_strict, write_record, RecordEntry, RecordHash,
};

/// The fields of core metadata an installer uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    pub name: String,
    pub version: String,
    pub requires_dist: Vec<String>,
    pub requires_python: Option<String>,
    pub provides_extra: Vec<String>,
}

impl CoreMetadata {
    /// Parses the header part of a `METADATA` or `PKG-INFO` file (RFC 822 style; continuation
    /// lines start with whitespace; the body after the first blank line is ignored).
    pub fn parse(text: &str) -> CoreMetadata {
        let mut meta = CoreMetadata::default();
        let mut current: Option<(String, String)> = None;
        let flush = |field: Option<(String, String)>, meta: &mut CoreMetadata| {
            let Some((key, value)) = field else { return };
            let value = value.trim().to_string();
            match key.to_ascii_lowercase().as_str() {
                "name" => meta.name = value,
                "version" => meta.version = value,
                "requires-dist" => meta.requires_dist.push(value),
                "requires-python" => meta.requires_python = Some(value),
                "provides-extra" => meta.provides_extra.push(value),
                _ => {}
            }
        };
        for line in text.lines() {
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = current.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            flush(current.take(), &mut meta);
            if let Some((key, value)) = line.split_once(':') {
                current = Some((key.trim().to_string(), value.to_string()));
            }
        }
        flush(current, &mut meta);
        meta
    }
}

/// The `WHEEL` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WheelInfo {
    /// Whether the archive root goes to purelib (`true`) or platlib.
    pub root_is_purelib: bool,
    /// `Wheel-Version`, `(major, minor)`.
    pub version: (u32, u32),
}

impl WheelInfo {
    /// Parses a `WHEEL` file; a missing `Wheel-Version` is an error because the spec requires
    /// refusing wheels of an unknown major version.
    pub fn parse(text: &str) -> Result<WheelInfo, String> {
        let mut root_is_purelib = true;
        let mut version = None;
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "root-is-purelib" => root_is_purelib = value.eq_ignore_ascii_case("true"),
                "wheel-version" => {
                    let mut parts = value.split('.');
                    let major = parts.next().and_then(|p| p.parse().ok());
                    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                    version = major.map(|m| (m, minor));
                }
                _ => {}
            }
        }
        let version = version.ok_or("the WHEEL file has no Wheel-Version")?;
        if version.0 != 1 {
            return Err(format!(
                "Wheel-Version {}.{} is not supported (only 1.x)",
                version.0, version.1
            ));
        }
        Ok(WheelInfo {
            root_is_purelib,
            version,
        })
    }
}

/// A script entry point: `name = module:object` in `[console_scripts]` or `[gui_scripts]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryPoint {
    pub name: String,
    pub module: String,
    /// The attribute path after `:` (`main`, `cli.run`).
    pub object: String,
    pub gui: bool,
}

/// Reads the script entry points of an `entry_points.txt`.
pub fn parse_entry_points(text: &str) -> Vec<EntryPoint> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let gui = match section.as_str() {
            "console_scripts" => false,
            "gui_scripts" => true,
            _ => continue,
        };
        let Some((name, target)) = line.split_once('=') else {
            continue;
        };
        // `module:object [extra]`: extras on entry points are deprecated and ignored.
        let target = target.split('[').next().unwrap_or("").trim();
        let (module, object) = target.split_once(':').unwrap_or((target, ""));
        out.push(EntryPoint {
            name: name.trim().to_string(),
            module: module.trim().to_string(),
            object: object.trim().to_string(),
            gui,
        });
    }
    out
}

/// PEP 503 normalised name: lower case, runs of `-_.` become `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !last_sep {
                out.push('-');
            }
            last_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            last_sep = false;
        }
    }
    out
}

/// Whether `name` is a valid distribution name (PEP 508: ASCII letters, digits, `.`, `_`,
/// `-`, starting and ending with a letter or digit). Names go into paths (`.dist-info`,
/// headers), so nothing else is accepted.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_fields_and_continuations() {
        let m = CoreMetadata::parse(
            "Metadata-Version: 2.1\nName: python-dateutil\nVersion: 2.9.0.post0\n\
             Requires-Python: !=3.0.*,>=2.7\nRequires-Dist: six >=1.5\n\
             Requires-Dist: pytest ; extra == 'test'\nProvides-Extra: test\n\
             Description: long\n  continued\n\nRequires-Dist: not-a-header",
        );
        assert_eq!(m.name, "python-dateutil");
        assert_eq!(m.version, "2.9.0.post0");
        assert_eq!(m.requires_python.as_deref(), Some("!=3.0.*,>=2.7"));
        assert_eq!(m.requires_dist, ["six >=1.5", "pytest ; extra == 'test'"]);
        assert_eq!(m.provides_extra, ["test"]);
    }

    #[test]
    fn wheel_file() {
        let w = WheelInfo::parse("Wheel-Version: 1.0\nRoot-Is-Purelib: false\n").unwrap();
        assert!(!w.root_is_purelib);
        assert!(WheelInfo::parse("Wheel-Version: 2.0\n").is_err());
        assert!(WheelInfo::parse("Root-Is-Purelib: true\n").is_err());
    }

    #[test]
    fn entry_points() {
        let eps = parse_entry_points(
            "[console_scripts]\nf2py = numpy.f2py.f2py2e:main\n\n[gui_scripts]\nw = a.b:c.d\n\
             [other]\nx = y:z\n",
        );
        assert_eq!(eps.len(), 2);
        assert_eq!(eps[0].module, "numpy.f2py.f2py2e");
        assert_eq!(eps[1].object, "c.d");
        assert!(eps[1].gui);
    }

    #[test]
    fn names_normalise() {
        assert_eq!(normalize_name("Python_Dateutil"), "python-dateutil");
        assert_eq!(normalize_name("zope..interface"), "zope-interface");
    }
}
