//! Writing a lock: PEP 751's key order, one `[[packages]]` table per entry with its files as
//! inline tables (as pip and uv write them), so a diff of two locks reads line by line.

use std::fmt::Write;

use crate::{File, Lock, Package, Source};

impl Lock {
    /// The lock as TOML text.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        line(&mut out, "lock-version", &s(&self.lock_version));
        if !self.environments.is_empty() {
            line(&mut out, "environments", &list(&self.environments));
        }
        if let Some(rp) = &self.requires_python {
            line(&mut out, "requires-python", &s(rp));
        }
        if !self.extras.is_empty() {
            line(&mut out, "extras", &list(&self.extras));
        }
        if !self.dependency_groups.is_empty() {
            line(
                &mut out,
                "dependency-groups",
                &list(&self.dependency_groups),
            );
        }
        if !self.default_groups.is_empty() {
            line(&mut out, "default-groups", &list(&self.default_groups));
        }
        line(&mut out, "created-by", &s(&self.created_by));
        for p in &self.packages {
            out.push('\n');
            package(&mut out, p);
        }
        if self.wheelhouse.is_some() || !self.levels.is_empty() {
            out.push_str("\n[tool.wheelhouse]\n");
            if let Some(w) = &self.wheelhouse {
                line(&mut out, "wheelhouse", &s(w));
            }
            if !self.levels.is_empty() {
                line(&mut out, "levels", &list(&self.levels));
            }
        }
        out
    }
}

fn package(out: &mut String, p: &Package) {
    out.push_str("[[packages]]\n");
    line(out, "name", &s(&p.name));
    if let Some(v) = &p.version {
        line(out, "version", &s(v));
    }
    if let Some(m) = &p.marker {
        line(out, "marker", &s(m));
    }
    if let Some(rp) = &p.requires_python {
        line(out, "requires-python", &s(rp));
    }
    if let Some(i) = &p.index {
        line(out, "index", &s(i));
    }
    match &p.source {
        Source::Files { wheels, sdist } => {
            if let Some(sd) = sdist {
                line(out, "sdist", &file(sd));
            }
            if !wheels.is_empty() {
                out.push_str("wheels = [\n");
                for w in wheels {
                    let _ = writeln!(out, "    {},", file(w));
                }
                out.push_str("]\n");
            }
        }
        Source::Archive(a) => line(out, "archive", &file(a)),
        Source::Directory {
            path,
            editable,
            subdirectory,
        } => {
            let mut parts = vec![format!("path = {}", s(path))];
            if *editable {
                parts.push("editable = true".into());
            }
            if let Some(sub) = subdirectory {
                parts.push(format!("subdirectory = {}", s(sub)));
            }
            line(out, "directory", &format!("{{ {} }}", parts.join(", ")));
        }
        Source::Vcs {
            kind,
            url,
            path,
            requested_revision,
            commit_id,
            subdirectory,
        } => {
            let mut parts = vec![format!("type = {}", s(kind))];
            let optional = [
                ("url", url),
                ("path", path),
                ("requested-revision", requested_revision),
            ];
            for (k, v) in optional {
                if let Some(v) = v {
                    parts.push(format!("{k} = {}", s(v)));
                }
            }
            parts.push(format!("commit-id = {}", s(commit_id)));
            if let Some(sub) = subdirectory {
                parts.push(format!("subdirectory = {}", s(sub)));
            }
            line(out, "vcs", &format!("{{ {} }}", parts.join(", ")));
        }
    }
    if !p.levels.is_empty() {
        out.push_str("[packages.tool.wheelhouse]\n");
        line(out, "levels", &list(&p.levels));
    }
}

fn file(f: &File) -> String {
    let mut parts = Vec::new();
    for (k, v) in [("name", &f.name), ("url", &f.url), ("path", &f.path)] {
        if let Some(v) = v {
            parts.push(format!("{k} = {}", s(v)));
        }
    }
    if let Some(t) = &f.upload_time {
        // A TOML date-time is written bare.
        parts.push(format!("upload-time = {t}"));
    }
    if let Some(size) = f.size {
        parts.push(format!("size = {size}"));
    }
    let hashes: Vec<String> = f
        .hashes
        .iter()
        .map(|(k, v)| format!("{} = {}", key(k), s(v)))
        .collect();
    parts.push(format!("hashes = {{ {} }}", hashes.join(", ")));
    if let Some(sub) = &f.subdirectory {
        parts.push(format!("subdirectory = {}", s(sub)));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn line(out: &mut String, k: &str, value: &str) {
    let _ = writeln!(out, "{k} = {value}");
}

/// A TOML basic string, escaped by the toml crate.
fn s(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn key(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        k.to_string()
    } else {
        s(k)
    }
}

fn list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|i| s(i)).collect();
    format!("[{}]", inner.join(", "))
}
