//! The static index: for each CPU level the site serves, its search directories merged in the
//! site's order (the level's own directory, the layer's `generic`, the top-level `generic`;
//! each file name once, the first directory winning as in `wheelhouse install`), written as
//! PEP 503 HTML and PEP 691 JSON pages with PEP 658 metadata files.
//!
//! ```text
//! OUT/<level>/simple/index.html, index.json                 the project list
//! OUT/<level>/simple/<project>/index.html, index.json       its files
//! OUT/files/<dir>/<wheel>          a symbolic link to the published wheel
//! OUT/files/<dir>/<wheel>.metadata the wheel's METADATA (PEP 658)
//! ```
//!
//! Links are relative (`../../../files/…`), so `OUT` works as a `file://` index and behind any
//! static web server; the wheels themselves are never copied.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use catalog::{MetaMap, Tree};
use rayon::prelude::*;
use serde_json::json;
use wheel_name::WheelFilename;

use crate::AdminError;

/// One CPU level's search directories, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    /// `x86-64-v3`, or `gentoo2020-generic` when two layers have a level of that name.
    pub name: String,
    pub dirs: Vec<PathBuf>,
}

/// The levels a wheelhouse serves, from its layout: every directory two levels down (`layer/
/// level`) is a level; its search path is that directory, then the layer's `generic`, then
/// the top-level `generic`.
pub fn site_views(tree: &Tree) -> Vec<View> {
    let Some(top) = tree.nodes.first() else {
        return Vec::new();
    };
    let top_generic = top
        .subdirs
        .iter()
        .find(|(n, c)| n == "generic" && c.is_some())
        .map(|_| top.path.join("generic"));
    let mut raw: Vec<(String, String, Vec<PathBuf>)> = Vec::new();
    for (layer, child) in &top.subdirs {
        let Some(child) = child else { continue };
        if layer == "generic" {
            continue;
        }
        let node = &tree.nodes[*child];
        let layer_generic = node
            .subdirs
            .iter()
            .any(|(n, c)| n == "generic" && c.is_some())
            .then(|| node.path.join("generic"));
        for (level, c) in &node.subdirs {
            if c.is_none() {
                continue;
            }
            let mut dirs = vec![node.path.join(level)];
            if level != "generic" {
                dirs.extend(layer_generic.clone());
            }
            dirs.extend(top_generic.clone());
            raw.push((layer.clone(), level.clone(), dirs));
        }
    }
    if raw.is_empty() {
        if let Some(g) = top_generic {
            raw.push((String::new(), "generic".into(), vec![g]));
        }
    }
    let mut views: Vec<View> = raw
        .iter()
        .map(|(layer, level, dirs)| {
            let clash = raw.iter().filter(|(_, l, _)| l == level).count() > 1;
            View {
                name: if clash { format!("{layer}-{level}") } else { level.clone() },
                dirs: dirs.clone(),
            }
        })
        .collect();
    views.sort_by(|a, b| a.name.cmp(&b.name));
    views
}

/// What [`write_static_index`] wrote.
#[derive(Clone, Debug, Default)]
pub struct IndexStats {
    pub levels: Vec<String>,
    pub projects: usize,
    pub files: usize,
    pub metadata_files: usize,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn url_path(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct Entry {
    rel: String,
    filename: String,
    version: String,
    size: u64,
    sha256: String,
    requires_python: Option<String>,
    metadata_sha256: Option<String>,
}

/// Writes the static index of the wheelhouse at `root` into `out`.
pub fn write_static_index(root: &Path, out: &Path) -> Result<IndexStats, AdminError> {
    let house = catalog::Wheelhouse::open(root);
    let tree = catalog::walk(root);
    let built;
    let metas: &MetaMap = match house.catalog().and_then(|c| c.metadata()) {
        Some(m) => m,
        None => {
            let previous = catalog::Catalog::load(root).ok().flatten();
            built = catalog::Catalog::rebuild(root, previous.as_ref())
                .map_err(|e| AdminError::input(e.to_string()))?;
            built.metadata().expect("a rebuilt catalog has metadata")
        }
    };
    let out_root = root
        .canonicalize()
        .map_err(|e| AdminError::io(root, e))?;
    if out.starts_with(&out_root) || out.canonicalize().is_ok_and(|o| o.starts_with(&out_root)) {
        return Err(AdminError::input(format!(
            "{} is inside the wheelhouse {}; write the index elsewhere (it would be listed as \
             part of the wheelhouse)",
            out.display(),
            root.display()
        )));
    }
    let files_dir = out.join("files");
    // Every wheel once: its link and its metadata file, shared by all levels.
    let mut wheels: Vec<(PathBuf, String)> = Vec::new();
    tree.for_each_file(|dir, name| {
        if name.ends_with(".whl") && WheelFilename::parse(name).is_ok() {
            wheels.push((dir.to_path_buf(), name.to_string()));
        }
    });
    let entries: Vec<Option<Entry>> = wheels
        .par_iter()
        .map(|(dir, name)| -> Result<Option<Entry>, AdminError> {
            let Some(meta) = metas.get(&(dir.clone(), name.clone())) else {
                return Ok(None);
            };
            let rel_dir = dir.strip_prefix(root).unwrap_or(dir);
            let link_dir = files_dir.join(rel_dir);
            std::fs::create_dir_all(&link_dir).map_err(|e| AdminError::io(&link_dir, e))?;
            let link = link_dir.join(name);
            let target = dir.join(name);
            let target = target.canonicalize().unwrap_or(target);
            if std::fs::read_link(&link).ok().as_deref() != Some(target.as_path()) {
                let _ = std::fs::remove_file(&link);
                std::os::unix::fs::symlink(&target, &link).map_err(|e| AdminError::io(&link, e))?;
            }
            let metadata_sha256 = if meta.is_readable() {
                sidecar(&dir.join(name), &link_dir.join(format!("{name}.metadata")), meta)
            } else {
                None
            };
            let parsed = WheelFilename::parse(name).map_err(|e| AdminError::input(e.to_string()))?;
            Ok(Some(Entry {
                rel: format!("{}/{name}", rel_dir.to_string_lossy()),
                filename: name.clone(),
                version: parsed.version_text().to_string(),
                size: meta.size,
                sha256: meta.sha256.clone(),
                requires_python: meta.requires_python.clone(),
                metadata_sha256,
            }))
        })
        .collect::<Result<_, _>>()?;
    let by_path: BTreeMap<PathBuf, &Entry> = wheels
        .iter()
        .zip(&entries)
        .filter_map(|((dir, name), e)| e.as_ref().map(|e| (dir.join(name), e)))
        .collect();
    let mut stats = IndexStats {
        files: by_path.len(),
        metadata_files: by_path.values().filter(|e| e.metadata_sha256.is_some()).count(),
        ..IndexStats::default()
    };
    for view in site_views(&tree) {
        let mut projects: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for dir in &view.dirs {
            for ((wdir, name), _) in wheels.iter().zip(&entries).filter(|((d, _), _)| d == dir) {
                let Some(entry) = by_path.get(&wdir.join(name)) else { continue };
                if !seen.insert(name.as_str()) {
                    continue;
                }
                let project = wheel_metadata::normalize_name(
                    WheelFilename::parse(name).map(|w| w.name().to_string()).unwrap_or_default().as_str(),
                );
                projects.entry(project).or_default().push(entry);
            }
        }
        let simple = out.join(&view.name).join("simple");
        write_level(&simple, &projects)?;
        stats.projects = stats.projects.max(projects.len());
        stats.levels.push(view.name);
    }
    Ok(stats)
}

/// Writes the METADATA of a wheel next to its link, unless an up-to-date one is there;
/// returns its sha256.
fn sidecar(wheel: &Path, path: &Path, meta: &catalog::WheelMeta) -> Option<String> {
    use sha2::{Digest, Sha256};
    let fresh = std::fs::metadata(path)
        .ok()
        .and_then(|m| m.modified().ok())
        .zip(std::fs::metadata(wheel).ok().and_then(|m| m.modified().ok()))
        .is_some_and(|(side, whl)| side >= whl);
    let bytes = if fresh {
        std::fs::read(path).ok()?
    } else {
        let file = std::fs::File::open(wheel).ok()?;
        let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
        let dist_info = wheel_metadata::wheel_dist_info(&archive)?;
        let member = archive.by_name(&format!("{dist_info}/METADATA")).ok()?;
        let mut bytes = Vec::new();
        member.take(16 << 20).read_to_end(&mut bytes).ok()?;
        write_atomic(path, &bytes).ok()?;
        bytes
    };
    let _ = meta;
    Some(crate::html::hex(&Sha256::digest(&bytes)))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AdminError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| AdminError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| AdminError::io(path, e))
}

fn write_level(simple: &Path, projects: &BTreeMap<String, Vec<&Entry>>) -> Result<(), AdminError> {
    std::fs::create_dir_all(simple).map_err(|e| AdminError::io(simple, e))?;
    let mut html = String::from(
        "<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Simple index</title></head>\n<body>\n",
    );
    let mut list = Vec::new();
    for name in projects.keys() {
        html.push_str(&format!("<a href=\"{}/\">{}</a><br/>\n", url_path(name), escape(name)));
        list.push(json!({ "name": name }));
    }
    html.push_str("</body>\n</html>\n");
    write_atomic(&simple.join("index.html"), html.as_bytes())?;
    let root_json = json!({ "meta": { "api-version": "1.1" }, "projects": list });
    write_atomic(&simple.join("index.json"), root_json.to_string().as_bytes())?;
    projects
        .par_iter()
        .try_for_each(|(name, entries)| write_project(&simple.join(name), name, entries))
}

fn write_project(dir: &Path, name: &str, entries: &[&Entry]) -> Result<(), AdminError> {
    std::fs::create_dir_all(dir).map_err(|e| AdminError::io(dir, e))?;
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Links for {0}</title></head>\n<body>\n<h1>Links for {0}</h1>\n",
        escape(name)
    );
    let mut files = Vec::new();
    let mut versions: Vec<&str> = Vec::new();
    for e in entries {
        let href = format!("../../../files/{}", url_path(&e.rel));
        let mut attrs = String::new();
        if let Some(rp) = &e.requires_python {
            attrs.push_str(&format!(" data-requires-python=\"{}\"", escape(rp)));
        }
        if let Some(m) = &e.metadata_sha256 {
            attrs.push_str(&format!(
                " data-dist-info-metadata=\"sha256={m}\" data-core-metadata=\"sha256={m}\""
            ));
        }
        html.push_str(&format!(
            "<a href=\"{href}#sha256={}\"{attrs}>{}</a><br/>\n",
            e.sha256,
            escape(&e.filename)
        ));
        let mut file = json!({
            "filename": e.filename,
            "url": href,
            "hashes": { "sha256": e.sha256 },
            "size": e.size,
            "yanked": false,
        });
        if let Some(rp) = &e.requires_python {
            file["requires-python"] = json!(rp);
        }
        if let Some(m) = &e.metadata_sha256 {
            file["core-metadata"] = json!({ "sha256": m });
            file["dist-info-metadata"] = json!({ "sha256": m });
        }
        files.push(file);
        if !versions.contains(&e.version.as_str()) {
            versions.push(&e.version);
        }
    }
    html.push_str("</body>\n</html>\n");
    write_atomic(&dir.join("index.html"), html.as_bytes())?;
    let page = json!({
        "meta": { "api-version": "1.1" },
        "name": name,
        "files": files,
        "versions": versions,
    });
    write_atomic(&dir.join("index.json"), page.to_string().as_bytes())
}
