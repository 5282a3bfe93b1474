//! Where wheels are searched, and the wheelhouse as an index for one interpreter.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use catalog::{Walks, Wheelhouse};
use interpreter::Interpreter;
use resolver::Index;
use site_config::{PipInstallOptions, SearchPaths, SiteConfig};
use wheel_name::TagPriority;

use crate::Error;

/// The search directories, in order of preference, with a warning for each listed one that
/// cannot be read (a typo in `-f` must not look like "no wheel named X").
///
/// pip layers `--find-links`: the configuration's directories come first and those given on
/// the command line are added after them. Without either, the site's layout under
/// `$WHEELHOUSE` is used, this node's CPU level first.
pub fn search_paths(
    site: &SiteConfig,
    options: &PipInstallOptions,
    find_links: &[PathBuf],
) -> Result<(Vec<PathBuf>, Vec<String>), Error> {
    let mut paths: Vec<PathBuf> = options.find_links.clone();
    for p in find_links {
        if !paths.contains(p) {
            paths.push(p.clone());
        }
    }
    if paths.is_empty() {
        paths = default_search_paths(site)?;
    }
    let house = wheelhouse(&site.wheelhouse);
    let warnings = paths
        .iter()
        .filter_map(|p| unreadable(&house, p).map(|why| (p, why)))
        .map(|(p, why)| {
            format!(
                "the wheel directory {} {why}; it is skipped. Check the path in -f/--find-links \
                 or in the pip configuration (PIP_CONFIG_FILE, PIP_FIND_LINKS).",
                p.display()
            )
        })
        .collect();
    Ok((paths, warnings))
}

/// What one command read of the wheelhouse: each search directory's walk and each wheelhouse
/// root's catalog, read once and shared by every step that lists them (the check in
/// [`search_paths`], `venv`'s search for pip, the index an install resolves over): on a
/// network file system each read is round trips, and a command asked them of the same
/// directories two to four times. Only inside [`with_shared_listings`]: a process that
/// installs twice (a library user, a test) must see wheels added in between.
#[derive(Default)]
struct Shared {
    walks: Walks,
    houses: Mutex<HashMap<PathBuf, Arc<Wheelhouse>>>,
}

thread_local! {
    static SHARED: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

/// Runs `f` with the wheelhouse's listings shared by every step in it on this thread (see
/// [`Shared`]); a scope already open is kept.
pub fn with_shared_listings<R>(f: impl FnOnce() -> R) -> R {
    let opened = SHARED.with(|s| {
        let mut s = s.borrow_mut();
        let fresh = s.is_none();
        if fresh {
            *s = Some(Arc::default());
        }
        fresh
    });
    let result = f();
    if opened {
        SHARED.with(|s| *s.borrow_mut() = None);
    }
    result
}

fn shared() -> Option<Arc<Shared>> {
    SHARED.with(|s| s.borrow().clone())
}

/// The wheelhouse at `root` with its catalog (loading a catalog reads it and checks every
/// directory's time): opened once per shared scope.
fn wheelhouse(root: &Path) -> Arc<Wheelhouse> {
    let Some(shared) = shared() else {
        return Arc::new(Wheelhouse::open(root));
    };
    let mut opened = shared.houses.lock().expect("no panics while held");
    opened
        .entry(root.to_path_buf())
        .or_insert_with(|| Arc::new(Wheelhouse::open(root)))
        .clone()
}

/// Why a search directory cannot be listed, from its (shared) walk: the listing that follows
/// reads nothing again.
fn unreadable(house: &Wheelhouse, path: &Path) -> Option<String> {
    if house.catalog_holds(path) {
        return None;
    }
    let kind_and_message = match shared() {
        Some(shared) => {
            let tree = shared.walks.get(path);
            if !tree.nodes.is_empty() {
                return None;
            }
            let warning = tree.warnings.first()?;
            (warning.kind, warning.message.clone())
        }
        None => match std::fs::read_dir(path) {
            Ok(_) => return None,
            Err(e) => (Some(e.kind()), e.to_string()),
        },
    };
    Some(match kind_and_message {
        (Some(std::io::ErrorKind::NotFound), _) => "does not exist".into(),
        (Some(std::io::ErrorKind::NotADirectory), _) => "is not a directory".into(),
        (_, message) => format!("cannot be read ({message})"),
    })
}

fn default_search_paths(site: &SiteConfig) -> Result<Vec<PathBuf>, Error> {
    match site.search_paths().map_err(Error::Config)? {
        SearchPaths::Listed { paths, .. } => Ok(paths),
        SearchPaths::UnderWheelhouse(root) => {
            let (mut paths, _) = wheelhouse(&root).resolve(&SearchPaths::UnderWheelhouse(root));
            // This node's CPU level first, then the generic wheels; other levels' wheels would
            // not run here when RSNT_ARCH says which one this is.
            if let Some(arch) = &site.current_arch {
                let known = site.architectures();
                let name = |p: &Path| site_config::arch_of_search_path(p);
                paths.retain(|p| {
                    let a = name(p);
                    a == *arch || a == "generic" || !known.contains(&a.as_str())
                });
                paths.sort_by_key(|p| if name(p) == *arch { 0 } else { 1 });
            }
            Ok(paths)
        }
    }
}

/// The wheelhouse as an index for one interpreter. `extra_wheels` are wheel files named on
/// the command line, searched before everything else.
pub fn build_index(
    site: &SiteConfig,
    paths: Vec<PathBuf>,
    interpreter: &Interpreter,
    allow_manylinux: bool,
    extra_wheels: &[PathBuf],
) -> Index {
    let house = wheelhouse(&site.wheelhouse);
    let listing = match shared() {
        Some(shared) => house.list_paths_shared(&paths, &shared.walks),
        None => house.list_paths(&paths),
    };
    let target = interpreter.tag_target();
    let allowed = TagPriority::new(&target, allow_manylinux);
    let with_manylinux = TagPriority::new(&target, true);
    let direct = extra_wheels.iter().filter_map(|p| {
        let name = p.file_name()?.to_str()?;
        Some((p.clone(), name, 0u32))
    });
    let found = listing
        .files
        .iter()
        .map(|f| (listing.path_of(f), listing.name(f), f.search_path + 1));
    let mut index = Index::build(direct.chain(found), &allowed, &with_manylinux, paths);
    // A wheel named directly is what gets installed for its name: never a look-alike of the
    // same version from the wheelhouse (`1.0+computecanada` also satisfies `==1.0`).
    for candidates in index.usable.values_mut() {
        if candidates.iter().any(|c| extra_wheels.contains(&c.path)) {
            candidates.retain(|c| extra_wheels.contains(&c.path));
        }
    }
    index.search_paths.extend(extra_wheels.iter().cloned());
    // For a `module load` line when `Requires-Python` rules this Python out.
    index.available_pythons = site
        .available_pythons()
        .into_iter()
        .map(|v| match site.newest_micro(v) {
            Some(micro) => format!("{v}.{micro}"),
            None => v.to_string(),
        })
        .collect();
    if house.catalog_in_use() {
        index.known_metadata = resolver::KnownMetadata(Some(Box::new(CatalogMetadata(house))));
    }
    index
}

/// The catalog's per-wheel metadata, for wheels whose size and modification time still match
/// what was indexed.
struct CatalogMetadata(Arc<Wheelhouse>);

impl resolver::StoredMetadata for CatalogMetadata {
    fn core_metadata(&self, wheel: &Path) -> Option<wheel_metadata::CoreMetadata> {
        let meta = self.0.wheel_meta(wheel)?;
        meta.is_readable().then(|| wheel_metadata::CoreMetadata {
            name: meta.name.clone(),
            version: meta.version.clone(),
            requires_dist: meta.requires_dist.clone(),
            requires_python: meta.requires_python.clone(),
            provides_extra: meta.provides_extra.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use site_config::ProcessVars;

    fn site(tmp: &Path, extra: &[(&str, String)]) -> SiteConfig {
        let mut pairs: Vec<(String, String)> =
            vec![("WHEELHOUSE".into(), tmp.join("wh").display().to_string())];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        SiteConfig::from_env(&ProcessVars::from_pairs(pairs))
    }

    #[test]
    fn command_line_find_links_come_after_the_configured_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            tmp.path().join("a"),
            tmp.path().join("b"),
            tmp.path().join("c"),
        );
        for d in [&a, &b] {
            std::fs::create_dir_all(d).unwrap();
        }
        let conf = tmp.path().join("pip.conf");
        std::fs::write(
            &conf,
            format!("[install]\nfind-links = {} {}\n", a.display(), b.display()),
        )
        .unwrap();
        let site = site(
            tmp.path(),
            &[("PIP_CONFIG_FILE", conf.display().to_string())],
        );
        let (paths, warnings) = search_paths(
            &site,
            &site.pip_install_options().unwrap(),
            &[c.clone(), a.clone()],
        )
        .unwrap();
        assert_eq!(paths, [a, b, c.clone()]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains(&format!("{} does not exist", c.display())));
    }

    #[test]
    fn a_shared_scope_reads_each_directory_once_and_ends_with_the_command() {
        let tmp = tempfile::tempdir().unwrap();
        let site = site(tmp.path(), &[]);
        let options = site.pip_install_options().unwrap();
        let late = tmp.path().join("late");
        let warnings = || {
            search_paths(&site, &options, std::slice::from_ref(&late))
                .unwrap()
                .1
        };
        with_shared_listings(|| {
            assert_eq!(warnings().len(), 1);
            // Made after the first look: within the scope the walk is not read again (one
            // read per directory per command)...
            std::fs::create_dir(&late).unwrap();
            assert_eq!(warnings().len(), 1);
            // ...nested scopes share it...
            with_shared_listings(|| assert_eq!(warnings().len(), 1));
        });
        // ...and the next command reads it afresh.
        assert!(warnings().is_empty());
        with_shared_listings(|| assert!(warnings().is_empty()));
    }

    #[test]
    fn without_configuration_this_nodes_level_comes_first() {
        let tmp = tempfile::tempdir().unwrap();
        for d in ["generic", "x86-64-v3", "x86-64-v4"] {
            std::fs::create_dir_all(tmp.path().join("wh/gentoo2023").join(d)).unwrap();
        }
        let site = site(
            tmp.path(),
            &[
                ("RSNT_ARCH", "x86-64-v3".into()),
                ("EBVERSIONGENTOO", "2023".into()),
            ],
        );
        let (paths, warnings) =
            search_paths(&site, &site.pip_install_options().unwrap(), &[]).unwrap();
        let names: Vec<String> = paths
            .iter()
            .map(|p| site_config::arch_of_search_path(p))
            .collect();
        assert_eq!(names, ["x86-64-v3", "generic"]);
        assert!(warnings.is_empty());
    }
}
