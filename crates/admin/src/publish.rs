//! Putting wheels into the wheelhouse (`add`) and editing published ones (`edit`).

use std::path::{Path, PathBuf};

use catalog::Catalog;
use wheel_name::WheelFilename;

use crate::error::AdminError;
use crate::reqedit::{ReqChanges, ReqEdit};
use crate::rewrite::{confined, house_confinement, new_filename, rewrite_wheel, Rewrite};
use crate::wheel::{choose_placement, inspect_wheel, ArchChoice, Placement, WheelReport};

/// Options of [`add_wheel`].
#[derive(Clone, Debug)]
pub struct AddOptions {
    pub arch: ArchChoice,
    /// The compatibility layer (`gentoo2023`); by default from the level's generation.
    pub layer: Option<String>,
    /// A local version label to add (`computecanada`).
    pub local_version: Option<String>,
    pub retag_manylinux: bool,
    /// Publish a wheel that keeps a `manylinux` tag (users need `--allow-manylinux`).
    pub allow_manylinux: bool,
    /// Replace an existing file, and allow a generic copy beside CPU-level ones (or the
    /// reverse).
    pub force: bool,
}

/// What [`add_wheel`] did.
#[derive(Clone, Debug)]
pub struct Added {
    pub path: PathBuf,
    pub placement: Placement,
    /// Things staff should know (code beyond the directory's level, a manylinux tag kept).
    pub warnings: Vec<String>,
    /// The source wheel as inspected: its name, version and tags, and for each shared object
    /// the instruction-set extensions its code uses (the evidence behind a level warning).
    pub source: WheelReport,
    /// The published file name and version (with the local label, if one was added).
    pub filename: String,
    pub version: String,
    /// The published file's expanded tags (`manylinux` renamed when asked).
    pub tags: Vec<String>,
    /// An existing file of that name was replaced (`--force`).
    pub replaced: bool,
}

/// Adds one wheel to the wheelhouse at `root`. The catalog is not updated here (adding many
/// wheels updates it once): call [`update_catalog`] after.
pub fn add_wheel(root: &Path, src: &Path, opts: &AddOptions) -> Result<Added, AdminError> {
    let report = inspect_wheel(src)?;
    if let Some(member) = report.unsafe_members.first() {
        return Err(AdminError::UnsafeMember {
            path: src.to_path_buf(),
            member: member.clone(),
        });
    }
    let placement = choose_placement(&report, &opts.arch, opts.layer.as_deref());
    let mut warnings: Vec<String> = placement.warning.iter().cloned().collect();
    let manylinux = !opts.retag_manylinux
        && report
            .tags
            .iter()
            .any(|t| t.rsplit('-').next().is_some_and(wheel_name::is_manylinux));
    if manylinux && !opts.allow_manylinux {
        // Published as it is, it would sit in the wheelhouse unused: the site's pip and
        // `wheelhouse install` refuse manylinux wheels.
        return Err(AdminError::Manylinux {
            filename: report.filename.clone(),
            dir: placement.dir.clone(),
        });
    }
    if manylinux {
        warnings.push(format!(
            "{} keeps a manylinux tag: the site's pip and `wheelhouse install` refuse such \
             wheels unless users pass --allow-manylinux. Patch its RPATHs and add it with \
             --retag-manylinux",
            report.filename
        ));
    }
    let plan = Rewrite {
        local_version: opts.local_version.clone(),
        retag_manylinux: opts.retag_manylinux,
        requires_dist: None,
    };
    let (name, version) = new_filename(&report.filename, &plan)?;
    if let Some(layer) = &opts.layer {
        check_layer(layer)?;
    }
    // Every path written below is proven inside the wheelhouse: the directory the placement
    // names, the new file, and the temporary file beside it.
    let house = house_confinement(root);
    let dest_dir = root.join(&placement.dir);
    confined(&house, &dest_dir.join(&name))?;
    if !opts.force {
        check_one_level(root, &placement, &name, &version)?;
    }
    std::fs::create_dir_all(&dest_dir).map_err(|e| AdminError::io(&dest_dir, e))?;
    // Only reported: without --force an existing file makes the rewrite refuse.
    let replaced = dest_dir.join(&name).exists();
    let path = rewrite_wheel(src, &house, &dest_dir, &plan, opts.force)?;
    let tags = WheelFilename::parse(&name)
        .map(|w| w.tags().iter().map(|t| t.to_string()).collect())
        .unwrap_or_default();
    Ok(Added {
        path,
        placement,
        warnings,
        source: report,
        filename: name,
        version,
        tags,
        replaced,
    })
}

/// A `--layer` is one directory name below the root (`gentoo2023`), never a path.
fn check_layer(layer: &str) -> Result<(), AdminError> {
    let valid = !layer.is_empty()
        && !layer.starts_with('.')
        && layer
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if valid {
        return Ok(());
    }
    Err(AdminError::Layer {
        layer: layer.to_string(),
    })
}

/// A version of a package lives either in `generic` or in CPU-level directories, never both:
/// pip and `wheelhouse install` would pick different files on different nodes. Refused in
/// both orders (the audit reports the mix).
fn check_one_level(
    root: &Path,
    placement: &Placement,
    name: &str,
    version: &str,
) -> Result<(), AdminError> {
    let generic = placement.arch == "generic";
    if !generic && elf_inspect::rank_of_arch(&placement.arch).is_none() {
        return Ok(());
    }
    let Some(other) = copies(root, name, version, generic).into_iter().next() else {
        return Ok(());
    };
    Err(AdminError::MixedLevels {
        name: name.to_string(),
        dir: placement.dir.clone(),
        other,
        generic,
    })
}

/// Wheels of the same name and version in CPU-level directories (`cpu_level`), or in
/// `generic` ones.
fn copies(root: &Path, filename: &str, version: &str, cpu_level: bool) -> Vec<PathBuf> {
    let Ok(new) = WheelFilename::parse(filename) else {
        return Vec::new();
    };
    let key = wheel_metadata::normalize_name(new.name());
    let tree = catalog::walk(root);
    let mut found = Vec::new();
    tree.for_each_file(|dir, name| {
        let arch = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let level = arch != "generic" && elf_inspect::rank_of_arch(arch).is_some();
        if (cpu_level && !level) || (!cpu_level && arch != "generic") {
            return;
        }
        if let Ok(w) = WheelFilename::parse(name) {
            if wheel_metadata::normalize_name(w.name()) == key && w.version_text() == version {
                found.push(dir.join(name));
            }
        }
    });
    found
}

/// Rewrites the catalog of `root`, reusing the metadata of unchanged directories. Does
/// nothing (and says so) when `root` has no catalog yet and `create` is false.
pub fn update_catalog(root: &Path, create: bool) -> Result<Option<PathBuf>, AdminError> {
    let old = Catalog::load(root).ok().flatten();
    if old.is_none() && !create {
        return Ok(None);
    }
    let old = old.filter(|c| c.format() >= 3);
    let catalog = Catalog::rebuild(root, old.as_ref()).map_err(AdminError::Catalog)?;
    catalog.write().map(Some).map_err(AdminError::Catalog)
}

/// What [`edit_wheel`] did.
#[derive(Clone, Debug)]
pub struct Edited {
    /// The rewritten wheel (an edit keeps the file name).
    pub path: PathBuf,
    /// `Requires-Dist` before and after.
    pub before: Vec<String>,
    pub requires: Vec<String>,
}

impl Edited {
    /// The requirement lines added, removed and changed.
    pub fn changes(&self) -> ReqChanges {
        crate::reqedit::diff(&self.before, &self.requires)
    }
}

/// The sha256 of a file, in hex (as indexes publish it).
pub fn file_sha256(path: &Path) -> Result<String, AdminError> {
    wheel_metadata::RecordHash::file_hex_digest("sha256", path)
        .map(|digest| digest.expect("sha256 is a supported algorithm"))
        .map_err(|e| AdminError::io(path, e))
}

/// Edits the `Requires-Dist` of a wheel in place: a new file, renamed over the old one.
pub fn edit_wheel(path: &Path, edits: &[ReqEdit]) -> Result<Edited, AdminError> {
    // Check the requirements staff typed before touching the wheel.
    crate::reqedit::check(edits)?;
    let meta = catalog::read_wheel_meta(path).map_err(|e| {
        if catalog::is_link_refusal(&e.source) {
            AdminError::SymbolicLink {
                path: path.to_path_buf(),
            }
        } else {
            AdminError::io(path, e.source)
        }
    })?;
    if let Some(why) = &meta.error {
        return Err(AdminError::NotEditable {
            path: path.to_path_buf(),
            why: why.clone(),
        });
    }
    let requires = crate::reqedit::apply(&meta.requires_dist, edits)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let plan = Rewrite {
        requires_dist: Some(requires.clone()),
        ..Rewrite::default()
    };
    // The edited wheel replaces the file in its own directory, and nothing else.
    let path = rewrite_wheel(path, &house_confinement(&dir), &dir, &plan, true)?;
    Ok(Edited {
        path,
        before: meta.requires_dist,
        requires,
    })
}
