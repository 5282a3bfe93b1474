//! Real wheel archives written by tests: METADATA, WHEEL, entry points and a RECORD with
//! correct hashes, unless a test asks for a broken one.

use std::io::Write;
use std::path::{Path, PathBuf};

use wheel_metadata::{hash_bytes, write_record, RecordEntry};

/// A wheel to write.
#[derive(Clone, Debug)]
pub struct WheelSpec {
    pub name: String,
    pub version: String,
    /// `py3-none-any`, `cp311-cp311-linux_x86_64`, ...
    pub tag: String,
    pub requires: Vec<String>,
    pub requires_python: Option<String>,
    /// `Provides-Extra` lines.
    pub provides_extra: Vec<String>,
    /// `(archive path, content)`; `.data/scripts/...` paths are written as given.
    pub files: Vec<(String, Vec<u8>)>,
    pub console_scripts: Vec<(String, String)>,
    pub root_is_purelib: bool,
    /// Members whose RECORD hash is deliberately wrong.
    pub corrupt: Vec<String>,
    /// Extra raw members added after the RECORD, unlisted (for path-escape tests).
    pub raw_members: Vec<(String, Vec<u8>)>,
    /// Symbolic-link members `(name, target)`, unlisted (for path-escape tests).
    pub symlinks: Vec<(String, String)>,
    /// Members of `files` left out of RECORD, or listed without a hash.
    pub unlisted: Vec<String>,
    pub unhashed: Vec<String>,
    /// RECORD hashes with this algorithm (`sha256`, `sha384`, `sha512`).
    pub record_algorithm: String,
    /// Raw METADATA or RECORD content instead of the generated one.
    pub metadata_override: Option<Vec<u8>>,
    pub record_override: Option<Vec<u8>>,
    /// Members to mark executable in the archive (besides `.data/scripts/`).
    pub executable: Vec<String>,
    /// GUI entry points `(name, target)`.
    pub gui_scripts: Vec<(String, String)>,
}

impl WheelSpec {
    /// A pure-Python wheel with one module, `<name>/__init__.py`, holding `__version__`.
    pub fn pure(name: &str, version: &str) -> WheelSpec {
        let module = name.replace('-', "_");
        WheelSpec {
            name: name.to_string(),
            version: version.to_string(),
            tag: "py3-none-any".into(),
            requires: Vec::new(),
            requires_python: None,
            provides_extra: Vec::new(),
            files: vec![(
                format!("{module}/__init__.py"),
                format!("__version__ = {version:?}\n").into_bytes(),
            )],
            console_scripts: Vec::new(),
            root_is_purelib: true,
            corrupt: Vec::new(),
            raw_members: Vec::new(),
            symlinks: Vec::new(),
            unlisted: Vec::new(),
            unhashed: Vec::new(),
            record_algorithm: "sha256".into(),
            metadata_override: None,
            record_override: None,
            executable: Vec::new(),
            gui_scripts: Vec::new(),
        }
    }

    pub fn tag(mut self, tag: &str) -> Self {
        self.tag = tag.to_string();
        self.root_is_purelib = tag.ends_with("none-any");
        self
    }

    pub fn requires(mut self, req: &str) -> Self {
        self.requires.push(req.to_string());
        self
    }

    pub fn provides(mut self, extra: &str) -> Self {
        self.provides_extra.push(extra.to_string());
        self
    }

    pub fn file(mut self, path: &str, content: &[u8]) -> Self {
        self.files.push((path.to_string(), content.to_vec()));
        self
    }

    fn record_hash(&self, content: &[u8]) -> String {
        if self.record_algorithm == "sha256" {
            return hash_bytes(content);
        }
        let probe = wheel_metadata::RecordHash {
            algorithm: self.record_algorithm.clone(),
            digest: Vec::new(),
        };
        probe.of_same_kind(content).expect("a supported algorithm")
    }

    /// The file name: `name-version-tag.whl`, the name's dashes as underscores.
    pub fn filename(&self) -> String {
        format!(
            "{}-{}-{}.whl",
            self.name.replace('-', "_"),
            self.version,
            self.tag
        )
    }

    /// Writes the wheel into `dir` and returns its path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(self.filename());
        let dist_info = format!("{}-{}.dist-info", self.name.replace('-', "_"), self.version);
        let mut meta = format!(
            "Metadata-Version: 2.1\nName: {}\nVersion: {}\n",
            self.name, self.version
        );
        if let Some(rp) = &self.requires_python {
            meta.push_str(&format!("Requires-Python: {rp}\n"));
        }
        for e in &self.provides_extra {
            meta.push_str(&format!("Provides-Extra: {e}\n"));
        }
        for r in &self.requires {
            meta.push_str(&format!("Requires-Dist: {r}\n"));
        }
        let wheel = format!(
            "Wheel-Version: 1.0\nGenerator: wheelhouse-tests\nRoot-Is-Purelib: {}\nTag: {}\n",
            self.root_is_purelib, self.tag
        );
        let mut members: Vec<(String, Vec<u8>)> = self.files.clone();
        members.push((
            format!("{dist_info}/METADATA"),
            self.metadata_override.clone().unwrap_or(meta.into_bytes()),
        ));
        members.push((format!("{dist_info}/WHEEL"), wheel.into_bytes()));
        if !self.console_scripts.is_empty() || !self.gui_scripts.is_empty() {
            let mut eps = String::from("[console_scripts]\n");
            for (name, target) in &self.console_scripts {
                eps.push_str(&format!("{name} = {target}\n"));
            }
            eps.push_str("\n[gui_scripts]\n");
            for (name, target) in &self.gui_scripts {
                eps.push_str(&format!("{name} = {target}\n"));
            }
            members.push((format!("{dist_info}/entry_points.txt"), eps.into_bytes()));
        }
        let hash = |content: &[u8]| self.record_hash(content);
        let mut record: Vec<RecordEntry> = members
            .iter()
            .filter(|(name, _)| !self.unlisted.contains(name))
            .map(|(name, content)| RecordEntry {
                path: name.clone(),
                hash: if self.unhashed.contains(name) {
                    String::new()
                } else if self.corrupt.contains(name) {
                    hash(b"something else")
                } else {
                    hash(content)
                },
                size: if self.unhashed.contains(name) {
                    String::new()
                } else {
                    content.len().to_string()
                },
            })
            .collect();
        record.push(RecordEntry {
            path: format!("{dist_info}/RECORD"),
            hash: String::new(),
            size: String::new(),
        });
        members.push((
            format!("{dist_info}/RECORD"),
            self.record_override
                .clone()
                .unwrap_or_else(|| write_record(&record).into_bytes()),
        ));
        members.extend(self.raw_members.iter().cloned());
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (name, content) in members {
            let executable = name.contains(".data/scripts/") || self.executable.contains(&name);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(if executable { 0o755 } else { 0o644 });
            zip.start_file(name, opts).unwrap();
            zip.write_all(&content).unwrap();
        }
        for (name, target) in &self.symlinks {
            zip.add_symlink(
                name.as_str(),
                target.as_str(),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
        }
        zip.finish().unwrap();
        path
    }
}
