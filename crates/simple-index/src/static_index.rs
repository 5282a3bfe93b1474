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
//! OUT/index.html                   the human page: every package, a search box (module
//! OUT/wheels/<project>.html        `wheels_page`), and one page per package
//! ```
//!
//! Page links are relative (`../../../files/…`), so `OUT` works as a `file://` index and behind
//! any static web server. Every file is written to a temporary name and renamed into place, so
//! a server publishing `OUT` never serves half a page or half a wheel; files of wheels no
//! longer published, and pages of projects no longer published, are removed.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use catalog::MetaMap;
use rayon::prelude::*;

use crate::error::IndexError;
use crate::index_files::FilesMode;
use crate::index_files::{place, prune, temp_name, Placed};
use crate::levels::{index_levels, IndexFile};
use crate::pages::{project_html, project_json, root_html, root_json};
use crate::published::PublishRoot;
use crate::views::View;
use crate::wheels_page::{package_page_html, summarize, wheels_html, PACKAGE_PAGES_DIR};

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

/// Writes the static index of the wheelhouse at `root` into `out`, the wheels placed in
/// `out/files` as `mode` says.
/// The levels are the layout's, or `configured` (see [`index_levels`]).
pub fn write_static_index(
    root: &Path,
    out: &Path,
    mode: FilesMode,
    configured: Option<&[View]>,
) -> Result<IndexStats, IndexError> {
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
            built =
                catalog::Catalog::rebuild(root, previous.as_ref()).map_err(IndexError::Catalog)?;
            built.metadata().expect("a rebuilt catalog has metadata")
        }
    };
    let out_root = root.canonicalize().map_err(|e| IndexError::io(root, e))?;
    if out.starts_with(&out_root) || out.canonicalize().is_ok_and(|o| o.starts_with(&out_root)) {
        return Err(IndexError::OutputInside {
            out: out.to_path_buf(),
            root: root.to_path_buf(),
        });
    }
    let files_dir = out.join("files");
    let levels = index_levels(&tree, root, metas, configured)?;
    if let Some((name, _)) = levels
        .iter()
        .find(|(name, _)| ["files", PACKAGE_PAGES_DIR, "index.html"].contains(&name.as_str()))
    {
        return Err(IndexError::ReservedLevel { name: name.clone() });
    }
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
        .try_for_each(|file| -> Result<(), IndexError> {
            // The catalog read only regular files; one replaced since (by a link, say) is
            // refused here rather than copied or linked.
            let (wheel, target) =
                house
                    .open(Path::new(&file.rel))
                    .map_err(|refusal| IndexError::CatalogStale {
                        refusal: refusal.to_string(),
                    })?;
            let dest = files_dir.join(&file.rel);
            let dest_dir = dest.parent().unwrap_or(&files_dir);
            std::fs::create_dir_all(dest_dir).map_err(|e| IndexError::io(dest_dir, e))?;
            let wheel_stat = wheel.metadata().map_err(|e| IndexError::io(&target, e))?;
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
    removed += write_wheels_pages(out, &levels)?;
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

/// Writes the human pages (`OUT/index.html`, `OUT/wheels/<project>.html`) and removes the
/// pages of packages no longer published; returns how many were removed.
fn write_wheels_pages(
    out: &Path,
    levels: &[(String, crate::levels::LevelProjects)],
) -> Result<usize, IndexError> {
    let packages = summarize(levels);
    let names: Vec<String> = levels.iter().map(|(n, _)| n.clone()).collect();
    let dir = out.join(PACKAGE_PAGES_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| IndexError::io(&dir, e))?;
    packages.par_iter().try_for_each(|package| {
        let page = dir.join(format!("{}.html", package.name));
        write_atomic(&page, package_page_html(package, &names).as_bytes())
    })?;
    // The main page last: it links to the package pages.
    write_atomic(
        &out.join("index.html"),
        wheels_html(&packages, &names).as_bytes(),
    )?;
    let current: HashSet<String> = packages
        .iter()
        .map(|p| format!("{}.html", p.name))
        .collect();
    let mut removed = 0;
    for entry in std::fs::read_dir(&dir).map_err(|e| IndexError::io(&dir, e))? {
        let entry = entry.map_err(|e| IndexError::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".html")
            && !current.contains(&name)
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| IndexError::io(&path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes the directories of levels the wheelhouse no longer has: those holding nothing but
/// a `simple` directory with an `index.json`, as [`write_level`] leaves them, so nothing else
/// a staff member put in `OUT` is touched.
fn prune_levels(out: &Path, levels: &[String]) -> Result<usize, IndexError> {
    let mut removed = 0;
    for entry in std::fs::read_dir(out).map_err(|e| IndexError::io(out, e))? {
        let entry = entry.map_err(|e| IndexError::io(out, e))?;
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
            std::fs::remove_dir_all(&path).map_err(|e| IndexError::io(&path, e))?;
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
) -> Result<usize, IndexError> {
    let mut removed = 0;
    for entry in std::fs::read_dir(simple).map_err(|e| IndexError::io(simple, e))? {
        let entry = entry.map_err(|e| IndexError::io(simple, e))?;
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
            std::fs::remove_dir_all(&path).map_err(|e| IndexError::io(&path, e))?;
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
) -> Result<(), IndexError> {
    let side = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if matches!((side, stat.modified().ok()), (Some(side), Some(whl)) if side >= whl) {
        return Ok(());
    }
    let bytes = catalog::metadata_bytes_of(wheel).map_err(|reason| IndexError::Metadata {
        wheel: real.to_path_buf(),
        reason,
    })?;
    write_atomic(path, &bytes)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    let tmp = temp_name(path);
    std::fs::write(&tmp, bytes).map_err(|e| IndexError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        IndexError::io(path, e)
    })
}

fn write_level(
    simple: &Path,
    projects: &BTreeMap<String, Vec<IndexFile>>,
) -> Result<(), IndexError> {
    std::fs::create_dir_all(simple).map_err(|e| IndexError::io(simple, e))?;
    let names: Vec<&str> = projects.keys().map(String::as_str).collect();
    write_atomic(&simple.join("index.html"), root_html(&names).as_bytes())?;
    write_atomic(&simple.join("index.json"), root_json(&names).as_bytes())?;
    projects.par_iter().try_for_each(|(name, files)| {
        let dir = simple.join(name);
        std::fs::create_dir_all(&dir).map_err(|e| IndexError::io(&dir, e))?;
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
