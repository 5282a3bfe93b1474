//! The static index: for each CPU level the site serves, its search directories merged in the
//! site's order (the level's own directory, the layer's `generic`, the top-level `generic`;
//! each file name once, the first directory winning as in `wheelhouse install`), written as
//! PEP 503 HTML and PEP 691 JSON pages with PEP 658 metadata files. With `--pip-config` the
//! levels and their directories come from the site's pip configuration files instead (module
//! `views`).
//!
//! ```text
//! OUT/<level>/simple/index.html, index.json                 the project list
//! OUT/<level>/simple/<project>/index.html, index.json       its files
//! OUT/files/<dir>/<wheel>          the published wheel: a link or a copy (see FilesMode)
//! OUT/files/<dir>/<wheel>.metadata the wheel's METADATA (PEP 658)
//! ```
//!
//! Page links are relative (`../../../files/…`), so `OUT` works as a `file://` index and behind
//! any static web server. Every file is written to a temporary name and renamed into place, so
//! a server publishing `OUT` never serves half a page or half a wheel; files of wheels no
//! longer published, and pages of projects no longer published, are removed.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use catalog::{MetaMap, Tree};
use rayon::prelude::*;
use serde_json::json;
use wheel_name::WheelFilename;

pub use crate::index_files::FilesMode;
use crate::index_files::{place, prune, temp_name, Placed};
use crate::published::PublishRoot;
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
                name: if clash {
                    format!("{layer}-{level}")
                } else {
                    level.clone()
                },
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
    /// Wheels whose file in `OUT/files` was written (linked or copied) by this run; the others
    /// were already in place.
    pub written: usize,
    /// In [`FilesMode::Hardlink`], wheels copied because they are on another file system.
    pub copied_not_linked: usize,
    /// Files and directories of `OUT/files` and project pages removed as no longer published.
    pub removed: usize,
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

/// One file of a project page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexFile {
    /// Path relative to the wheelhouse root (`gentoo2023/generic/x-1.0-py3-none-any.whl`).
    pub rel: String,
    pub filename: String,
    pub version: String,
    pub size: u64,
    pub sha256: String,
    pub requires_python: Option<String>,
    /// sha256 of METADATA, when the wheel has a readable one (PEP 658).
    pub metadata_sha256: Option<String>,
}

/// A level's projects (PEP 503 normalised names) and their files.
pub type LevelProjects = BTreeMap<String, Vec<IndexFile>>;

/// Every level of a wheelhouse with its projects (PEP 503 normalised names, sorted) and their
/// files, the first search directory winning for a file name; built from the catalog
/// without opening wheels. The levels are the layout's ([`site_views`]), or `configured`
/// (from the site's pip configuration files) when given: then a directory outside the
/// wheelhouse is an error, as only the wheelhouse is published.
pub fn index_levels(
    tree: &Tree,
    root: &Path,
    metas: &MetaMap,
    configured: Option<&[View]>,
) -> Result<Vec<(String, LevelProjects)>, AdminError> {
    let (views, outside) = crate::views::chosen(tree, configured);
    if let Some((level, dir)) = outside.first() {
        return Err(AdminError::input(format!(
            "the pip configuration of level {level} searches {}, which is outside the \
             wheelhouse {}: only the wheelhouse is published, so this index would not be what \
             users of that level see. Publish from a root holding every directory the \
             configuration lists, or fix its find-links",
            dir.display(),
            root.display()
        )));
    }
    let mut out = Vec::new();
    for view in views {
        let mut projects: BTreeMap<String, Vec<IndexFile>> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for dir in &view.dirs {
            let Some(node) = tree.node_of(dir) else {
                continue;
            };
            for name in tree.nodes[node].files.iter() {
                if !name.ends_with(".whl") || !seen.insert(name.to_string()) {
                    continue;
                }
                let Ok(parsed) = WheelFilename::parse(name) else {
                    continue;
                };
                // Only real wheels are published: a file the catalog could not read as one
                // (not a zip, no METADATA) or did not read at all (a link) is left out.
                let Some(meta) = metas
                    .get(&(dir.clone(), name.to_string()))
                    .filter(|m| m.is_readable())
                else {
                    continue;
                };
                let rel_dir = dir.strip_prefix(root).unwrap_or(dir);
                projects
                    .entry(wheel_metadata::normalize_name(parsed.name()))
                    .or_default()
                    .push(IndexFile {
                        rel: format!("{}/{name}", rel_dir.to_string_lossy()),
                        filename: name.to_string(),
                        version: parsed.version_text().to_string(),
                        size: meta.size,
                        sha256: meta.sha256.clone(),
                        requires_python: meta.requires_python.clone(),
                        metadata_sha256: (!meta.metadata_sha256.is_empty())
                            .then(|| meta.metadata_sha256.clone()),
                    });
            }
        }
        out.push((view.name, projects));
    }
    Ok(out)
}

/// Writes the static index of the wheelhouse at `root` into `out`, the wheels placed in
/// `out/files` as `mode` says.
/// The levels are the layout's, or `configured` (see [`index_levels`]).
pub fn write_static_index(
    root: &Path,
    out: &Path,
    mode: FilesMode,
    configured: Option<&[View]>,
) -> Result<IndexStats, AdminError> {
    let house = catalog::Wheelhouse::open(root);
    // A fresh catalog already holds the walk: no directory is read.
    let tree = house
        .catalog()
        .map(|c| c.tree().clone())
        .unwrap_or_else(|| catalog::walk(root));
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
    let out_root = root.canonicalize().map_err(|e| AdminError::io(root, e))?;
    if out.starts_with(&out_root) || out.canonicalize().is_ok_and(|o| o.starts_with(&out_root)) {
        return Err(AdminError::input(format!(
            "{} is inside the wheelhouse {}; write the index elsewhere (it would be listed as \
             part of the wheelhouse)",
            out.display(),
            root.display()
        )));
    }
    let files_dir = out.join("files");
    let levels = index_levels(&tree, root, metas, configured)?;
    // Every wheel once: its link and its metadata file, shared by all levels.
    let mut unique: BTreeMap<&str, &IndexFile> = BTreeMap::new();
    for (_, projects) in &levels {
        for file in projects.values().flatten() {
            unique.insert(file.rel.as_str(), file);
        }
    }
    let unique: Vec<&IndexFile> = unique.into_values().collect();
    let written = AtomicUsize::new(0);
    let not_linked = AtomicUsize::new(0);
    let house = PublishRoot::new(root);
    unique
        .par_iter()
        .try_for_each(|file| -> Result<(), AdminError> {
            // The catalog read only regular files; one replaced since (by a link, say) is
            // refused here rather than copied or linked.
            let (wheel, target) = house.open(Path::new(&file.rel)).map_err(|refusal| {
                AdminError::exists(format!(
                    "{refusal}. (The catalog listed it as a wheel: it changed since; run                      `wheelhouse index` again.)"
                ))
            })?;
            let dest = files_dir.join(&file.rel);
            let dest_dir = dest.parent().unwrap_or(&files_dir);
            std::fs::create_dir_all(dest_dir).map_err(|e| AdminError::io(dest_dir, e))?;
            let wheel_stat = wheel.metadata().map_err(|e| AdminError::io(&target, e))?;
            match place(&wheel, &wheel_stat, &target, &dest, mode)? {
                Placed::Unchanged => {}
                Placed::Written => {
                    written.fetch_add(1, Ordering::Relaxed);
                }
                Placed::CopiedNotLinked => {
                    written.fetch_add(1, Ordering::Relaxed);
                    not_linked.fetch_add(1, Ordering::Relaxed);
                }
            }
            if file.metadata_sha256.is_some() {
                sidecar(
                    wheel,
                    &wheel_stat,
                    &target,
                    &dest_dir.join(format!("{}.metadata", file.filename)),
                )?;
            }
            Ok(())
        })?;
    let mut keep: HashSet<PathBuf> = HashSet::new();
    for file in &unique {
        keep.insert(PathBuf::from(&file.rel));
        if file.metadata_sha256.is_some() {
            keep.insert(PathBuf::from(format!("{}.metadata", file.rel)));
        }
    }
    let mut stats = IndexStats {
        files: unique.len(),
        metadata_files: unique
            .iter()
            .filter(|f| f.metadata_sha256.is_some())
            .count(),
        written: written.into_inner(),
        copied_not_linked: not_linked.into_inner(),
        ..IndexStats::default()
    };
    let mut removed = 0;
    for (name, projects) in &levels {
        let simple = out.join(name).join("simple");
        write_level(&simple, projects)?;
        removed += prune_pages(&simple, projects)?;
        stats.projects = stats.projects.max(projects.len());
        stats.levels.push(name.clone());
    }
    // Only now that no page links to them are unpublished wheels removed.
    if files_dir.is_dir() {
        prune(&files_dir, Path::new(""), &keep, &mut removed)?;
    }
    if out.is_dir() {
        removed += prune_levels(out, &stats.levels)?;
    }
    stats.removed = removed;
    Ok(stats)
}

/// Removes the directories of levels the wheelhouse no longer has: those holding nothing but
/// a `simple` directory with an `index.json`, as [`write_level`] leaves them, so nothing else
/// a staff member put in `OUT` is touched.
fn prune_levels(out: &Path, levels: &[String]) -> Result<usize, AdminError> {
    let mut removed = 0;
    for entry in std::fs::read_dir(out).map_err(|e| AdminError::io(out, e))? {
        let entry = entry.map_err(|e| AdminError::io(out, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "files" || levels.contains(&name) || !entry.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let path = entry.path();
        let only_simple = std::fs::read_dir(&path).is_ok_and(|d| {
            let names: Vec<_> = d.flatten().map(|e| e.file_name()).collect();
            names == ["simple"]
        });
        if only_simple && path.join("simple/index.json").is_file() {
            std::fs::remove_dir_all(&path).map_err(|e| AdminError::io(&path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes the pages of projects a level no longer has: the directories under `simple` that
/// hold only `index.html`/`index.json` and are not a project now.
fn prune_pages(
    simple: &Path,
    projects: &BTreeMap<String, Vec<IndexFile>>,
) -> Result<usize, AdminError> {
    let mut removed = 0;
    for entry in std::fs::read_dir(simple).map_err(|e| AdminError::io(simple, e))? {
        let entry = entry.map_err(|e| AdminError::io(simple, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_dir()) || projects.contains_key(&name) {
            continue;
        }
        let ours = std::fs::read_dir(&path).is_ok_and(|d| {
            d.flatten().all(|e| {
                let n = e.file_name();
                n == "index.html" || n == "index.json"
            })
        });
        if ours {
            std::fs::remove_dir_all(&path).map_err(|e| AdminError::io(&path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Writes the METADATA of a wheel (opened by [`PublishRoot::open`], its real path `real`)
/// next to its link, unless one at least as new as the wheel is there already.
fn sidecar(
    wheel: std::fs::File,
    stat: &std::fs::Metadata,
    real: &Path,
    path: &Path,
) -> Result<(), AdminError> {
    let side = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if matches!((side, stat.modified().ok()), (Some(side), Some(whl)) if side >= whl) {
        return Ok(());
    }
    let bytes = catalog::metadata_bytes_of(wheel)
        .map_err(|e| AdminError::input(format!("{}: {e}", real.display())))?;
    write_atomic(path, &bytes)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AdminError> {
    let tmp = temp_name(path);
    std::fs::write(&tmp, bytes).map_err(|e| AdminError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        AdminError::io(path, e)
    })
}

fn write_level(
    simple: &Path,
    projects: &BTreeMap<String, Vec<IndexFile>>,
) -> Result<(), AdminError> {
    std::fs::create_dir_all(simple).map_err(|e| AdminError::io(simple, e))?;
    let names: Vec<&str> = projects.keys().map(String::as_str).collect();
    write_atomic(&simple.join("index.html"), root_html(&names).as_bytes())?;
    write_atomic(&simple.join("index.json"), root_json(&names).as_bytes())?;
    projects.par_iter().try_for_each(|(name, files)| {
        let dir = simple.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| AdminError::io(&dir, e))?;
        let base = "../../../files/";
        write_atomic(
            &dir.join("index.html"),
            project_html(name, files, base).as_bytes(),
        )?;
        write_atomic(
            &dir.join("index.json"),
            project_json(name, files, base).as_bytes(),
        )
    })
}

/// The PEP 503 project list.
pub fn root_html(names: &[&str]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Simple index</title></head>\n<body>\n",
    );
    for name in names {
        html.push_str(&format!(
            "<a href=\"{}/\">{}</a><br/>\n",
            url_path(name),
            escape(name)
        ));
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// The PEP 691 project list.
pub fn root_json(names: &[&str]) -> String {
    let list: Vec<_> = names.iter().map(|n| json!({ "name": n })).collect();
    json!({ "meta": { "api-version": "1.1" }, "projects": list }).to_string()
}

/// A PEP 503 project page; `base` is prefixed to each file's path (`../../../files/`).
pub fn project_html(name: &str, files: &[IndexFile], base: &str) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Links for {0}</title></head>\n<body>\n<h1>Links for {0}</h1>\n",
        escape(name)
    );
    for f in files {
        let mut attrs = String::new();
        if let Some(rp) = &f.requires_python {
            attrs.push_str(&format!(" data-requires-python=\"{}\"", escape(rp)));
        }
        if let Some(m) = &f.metadata_sha256 {
            attrs.push_str(&format!(
                " data-dist-info-metadata=\"sha256={m}\" data-core-metadata=\"sha256={m}\""
            ));
        }
        html.push_str(&format!(
            "<a href=\"{base}{}#sha256={}\"{attrs}>{}</a><br/>\n",
            url_path(&f.rel),
            f.sha256,
            escape(&f.filename)
        ));
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// A PEP 691 project page (API 1.1: sizes and versions included).
pub fn project_json(name: &str, files: &[IndexFile], base: &str) -> String {
    let mut versions: Vec<&str> = Vec::new();
    let list: Vec<_> = files
        .iter()
        .map(|f| {
            if !versions.contains(&f.version.as_str()) {
                versions.push(&f.version);
            }
            let mut file = json!({
                "filename": f.filename,
                "url": format!("{base}{}", url_path(&f.rel)),
                "hashes": { "sha256": f.sha256 },
                "size": f.size,
                "yanked": false,
            });
            if let Some(rp) = &f.requires_python {
                file["requires-python"] = json!(rp);
            }
            if let Some(m) = &f.metadata_sha256 {
                file["core-metadata"] = json!({ "sha256": m });
                file["dist-info-metadata"] = json!({ "sha256": m });
            }
            file
        })
        .collect();
    json!({
        "meta": { "api-version": "1.1" },
        "name": name,
        "files": list,
        "versions": versions,
    })
    .to_string()
}
