//! The levels a wheelhouse serves ("views": one CPU level's search directories, in order):
//! from its layout ([`site_views`]), or from the site's pip configuration files
//! (`--pip-config`): what users on each CPU level actually search, rather than what the
//! wheelhouse layout suggests.
//!
//! Each file is one view, named after it (`pip-x86-64-v3.conf` → `x86-64-v3`, else the file
//! stem), whose directories are its `find-links` as an install reads them: `[install]`, else
//! `[global]` ([`site_config::install_find_links`]; `avail_wheels`' `[wheel]` section is
//! not what installs search). A directory given instead of a file
//! stands for every `pip-*.conf` in it (the site's `pip/` as `wheelhouse site init` lays
//! it out).

use std::path::{Path, PathBuf};

use catalog::Tree;
use site_config::IniFile;

use crate::error::IndexError;

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

/// The views of `paths` (files, or directories of `pip-*.conf`), sorted by name.
pub fn views_from_pip_configs(paths: &[PathBuf]) -> Result<Vec<View>, IndexError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| IndexError::io(path, e))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("pip-") && n.ends_with(".conf"))
                })
                .collect();
            if found.is_empty() {
                return Err(IndexError::NoPipConfigs { dir: path.clone() });
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut views: Vec<View> = Vec::new();
    for file in &files {
        let view = view_of(file)?;
        if let Some(other) = views.iter().find(|v| v.name == view.name) {
            return Err(IndexError::LevelTwice {
                level: view.name.clone(),
                file: file.clone(),
                other_dirs: join(&other.dirs),
            });
        }
        views.push(view);
    }
    views.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(views)
}

/// The view name of a configuration file.
fn view_name(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match (
        file.extension().and_then(|e| e.to_str()),
        stem.strip_prefix("pip-"),
    ) {
        (Some("conf"), Some(level)) if !level.is_empty() => level.to_string(),
        _ => stem,
    }
}

fn view_of(file: &Path) -> Result<View, IndexError> {
    let ini = IniFile::read(file).map_err(|e| IndexError::ConfigUnreadable {
        file: file.to_path_buf(),
        reason: e.to_string(),
    })?;
    let links = site_config::install_find_links(&ini).ok_or_else(|| IndexError::NoFindLinks {
        file: file.to_path_buf(),
    })?;
    let mut dirs = Vec::new();
    for link in links {
        // pip takes `file://` URLs and paths alike; anything else (an HTTP index page) is
        // not a wheelhouse directory this command can read.
        let text = link.to_string_lossy();
        let dir = match text.strip_prefix("file://") {
            Some(rest) => PathBuf::from(rest),
            None => link.clone(),
        };
        if !dir.is_absolute() {
            return Err(IndexError::RelativeFindLinks {
                file: file.to_path_buf(),
                link: text.to_string(),
            });
        }
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    // The name is the level's directory in the static index and its URL path in `serve`: a
    // plain path component, and not `files`, where both keep the wheels.
    let name = view_name(file);
    if name.is_empty() || name.contains('/') || name.starts_with('.') || name == "files" {
        return Err(IndexError::BadLevelName {
            file: file.to_path_buf(),
        });
    }
    Ok(View { name, dirs })
}

fn join(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits the directories of `views` into those inside the wheelhouse whose top directory is
/// `top` (rewritten under `top` as the catalog spells it, so a config naming the root
/// through a symbolic link still matches) and those outside it, as `(view, dir)`.
pub fn rebase_views(views: &[View], top: &Path) -> (Vec<View>, Vec<(String, PathBuf)>) {
    let canon_top = top.canonicalize().unwrap_or_else(|_| top.to_path_buf());
    let mut outside = Vec::new();
    let rebased = views
        .iter()
        .map(|v| {
            let mut dirs = Vec::new();
            for dir in &v.dirs {
                let canon = dir.canonicalize().unwrap_or_else(|_| dir.clone());
                let rel = canon
                    .strip_prefix(&canon_top)
                    .or_else(|_| dir.strip_prefix(top));
                match rel {
                    Ok(rel) if rel.as_os_str().is_empty() => dirs.push(top.to_path_buf()),
                    Ok(rel) => dirs.push(top.join(rel)),
                    Err(_) => outside.push((v.name.clone(), dir.clone())),
                }
            }
            View {
                name: v.name.clone(),
                dirs,
            }
        })
        .collect();
    (rebased, outside)
}

/// The view list a command works on: the configuration's, when given, else the layout's.
pub fn chosen_views(
    tree: &Tree,
    configured: Option<&[View]>,
) -> (Vec<View>, Vec<(String, PathBuf)>) {
    match (configured, tree.nodes.first()) {
        (Some(views), Some(top)) => rebase_views(views, &top.path),
        (Some(views), None) => (Vec::new(), outside_all(views)),
        (None, _) => (site_views(tree), Vec::new()),
    }
}

fn outside_all(views: &[View]) -> Vec<(String, PathBuf)> {
    views
        .iter()
        .flat_map(|v| v.dirs.iter().map(|d| (v.name.clone(), d.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_file() {
        assert_eq!(
            view_name(Path::new("/s/pip/pip-x86-64-v3.conf")),
            "x86-64-v3"
        );
        assert_eq!(view_name(Path::new("/s/pip/cluster.ini")), "cluster");
        assert_eq!(view_name(Path::new("/s/pip/pip-.conf")), "pip-");
        let tmp = tempfile::tempdir().unwrap();
        let conf = tmp.path().join("pip-files.conf");
        std::fs::write(&conf, "[install]\nfind-links = /a\n").unwrap();
        let err = views_from_pip_configs(&[conf]).unwrap_err().to_string();
        assert!(err.contains("name it pip-LEVEL.conf"), "{err}");
    }

    #[test]
    fn find_links_in_installer_order_once_each_as_urls_or_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let conf = tmp.path().join("pip-v3.conf");
        std::fs::write(
            &conf,
            "[global]\nfind-links = /g\n[install]\nfind-links = file:///a /b\n    /a\n",
        )
        .unwrap();
        let views = views_from_pip_configs(&[conf]).unwrap();
        assert_eq!(
            views,
            [View {
                name: "v3".into(),
                dirs: vec!["/a".into(), "/b".into()]
            }]
        );
    }

    /// `[wheel]` is what `avail_wheels` reads; an install reads `[install]`, else `[global]`.
    #[test]
    fn the_wheel_section_is_not_what_installs_search() {
        let tmp = tempfile::tempdir().unwrap();
        let conf = tmp.path().join("pip-v3.conf");
        std::fs::write(
            &conf,
            "[wheel]\nfind-links = /w\n[global]\nfind-links = /g\n",
        )
        .unwrap();
        let views = views_from_pip_configs(std::slice::from_ref(&conf)).unwrap();
        assert_eq!(views[0].dirs, vec![PathBuf::from("/g")]);
        std::fs::write(&conf, "[wheel]\nfind-links = /w\n").unwrap();
        let err = views_from_pip_configs(&[conf]).unwrap_err().to_string();
        assert!(err.contains("[install] or [global]"), "{err}");
    }

    #[test]
    fn directories_are_rebased_onto_the_root_as_given() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir_all(real.join("gentoo2023/generic")).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let view = View {
            name: "generic".into(),
            dirs: vec![
                real.join("gentoo2023/generic"),
                link.join("missing"),
                tmp.path().join("other"),
            ],
        };
        let (views, outside) = rebase_views(&[view], &link);
        assert_eq!(
            views[0].dirs,
            [link.join("gentoo2023/generic"), link.join("missing")]
        );
        assert_eq!(outside, [("generic".to_string(), tmp.path().join("other"))]);
    }
}
