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
            files: vec![(
                format!("{module}/__init__.py"),
                format!("__version__ = {version:?}\n").into_bytes(),
            )],
            console_scripts: Vec::new(),
            root_is_purelib: true,
            corrupt: Vec::new(),
            raw_members: Vec::new(),
            symlinks: Vec::new(),
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

    pub fn file(mut self, path: &str, content: &[u8]) -> Self {
        self.files.push((path.to_string(), content.to_vec()));
        self
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
        for r in &self.requires {
            meta.push_str(&format!("Requires-Dist: {r}\n"));
        }
        let wheel = format!(
            "Wheel-Version: 1.0\nGenerator: wheelhouse-tests\nRoot-Is-Purelib: {}\nTag: {}\n",
            self.root_is_purelib, self.tag
        );
        let mut members: Vec<(String, Vec<u8>)> = self.files.clone();
        members.push((format!("{dist_info}/METADATA"), meta.into_bytes()));
        members.push((format!("{dist_info}/WHEEL"), wheel.into_bytes()));
        if !self.console_scripts.is_empty() {
            let mut eps = String::from("[console_scripts]\n");
            for (name, target) in &self.console_scripts {
                eps.push_str(&format!("{name} = {target}\n"));
            }
            members.push((format!("{dist_info}/entry_points.txt"), eps.into_bytes()));
        }
        let mut record: Vec<RecordEntry> = members
            .iter()
            .map(|(name, content)| RecordEntry {
                path: name.clone(),
                hash: if self.corrupt.contains(name) {
                    hash_bytes(b"something else")
                } else {
                    hash_bytes(content)
                },
                size: content.len().to_string(),
            })
            .collect();
        record.push(RecordEntry {
            path: format!("{dist_info}/RECORD"),
            hash: String::new(),
            size: String::new(),
        });
        members.push((
            format!("{dist_info}/RECORD"),
            write_record(&record).into_bytes(),
        ));
        members.extend(self.raw_members.iter().cloned());
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (name, content) in members {
            let executable = name.contains(".data/scripts/");
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
