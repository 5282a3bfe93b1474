//! Unpacking one wheel into a staging tree that mirrors the environment, in steps that can
//! each be tested: [`archive::open`] checks the archive's structure and reads the
//! `.dist-info`; [`members::map_members`] maps each member to its place, proven inside the
//! environment, with the RECORD hash it must have; [`write::write_members`] decompresses,
//! verifies and writes; then entry-point launchers and the installed `.dist-info` files
//! (`INSTALLER`, `REQUESTED`, `direct_url.json`, `RECORD`) are written as pip writes them.

mod archive;
mod cached;
pub(crate) mod io;
mod mapped;
mod members;
mod summary;
mod write;

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use wheel_metadata::{hash_bytes, write_record, RecordEntry};

pub use archive::{MAX_MEMBER_RATIO, MAX_TOTAL_RATIO, TOTAL_FLOOR};
pub use cached::{pyc_path, CacheUse, EntrySources};
pub use io::{io_threads, IO_THREADS};
pub use summary::remembered_metadata;

use crate::error::InstallError;
use crate::paths::{Confinement, Modes};
use crate::scripts::entry_point_script;
use crate::Layout;

/// How one wheel is to be unpacked.
#[derive(Clone, Debug, Default)]
pub struct UnpackOptions {
    /// Asked for by name: a `REQUESTED` file is written.
    pub requested: bool,
    /// Installed from a file named directly: `direct_url.json` (PEP 610) records it.
    pub direct: bool,
    /// The `direct_url.json` to write, when it is not the wheel file's own (see
    /// `WheelToInstall::direct_url`).
    pub direct_url: Option<String>,
    /// Install members that RECORD does not list or lists without a hash, with a warning,
    /// instead of refusing the wheel (for legacy wheels a site cannot rebuild).
    pub allow_incomplete_record: bool,
    /// The unpacked-wheel cache to place members from and fill.
    pub cache: Option<std::sync::Arc<CacheUse>>,
    /// The install's proof of containment for the environment, shared by its wheels so that
    /// each directory of the environment is resolved once per install (a fresh one is made
    /// when absent, or when it is for another root).
    pub confinement: Option<std::sync::Arc<Confinement>>,
}

/// A wheel unpacked into staging, ready to be moved into place.
#[derive(Debug)]
pub struct StagedWheel {
    pub name: String,
    pub version: String,
    /// The staging directory that mirrors the environment root.
    pub stage: PathBuf,
    /// Number of files installed.
    pub files: usize,
    /// Members installed unverified (only with `allow_incomplete_record`).
    pub warnings: Vec<String>,
    /// The staged directories (relative to `stage`, `""` for itself) that hold only the
    /// directories leading to the wheel's files (`lib`, `lib/python3.X`), with those
    /// directories' names: moving the tree into place needs not read them back.
    pub prefixes: HashMap<PathBuf, Vec<OsString>>,
    /// The Python sources installed (paths relative to the environment root, sizes) whose
    /// byte code was not placed from the cache: what a byte-compiling install compiles.
    pub modules: Vec<(PathBuf, u64)>,
}

/// Unpacks `wheel` into `stage` (a fresh directory mirroring `layout.root`).
///
/// A wheel the cache remembers (this file, unchanged since an install read it) and holds the
/// entry of is placed from the entry without being opened; otherwise it is opened, and once
/// its entry is in the cache, what was read of it is remembered for the next install.
pub fn unpack_wheel(
    wheel: &Path,
    layout: &Layout,
    stage: &Path,
    options: &UnpackOptions,
    cancel: &AtomicBool,
) -> Result<StagedWheel, InstallError> {
    if let Some(staged) = from_remembered(wheel, layout, stage, options, cancel)? {
        return Ok(staged);
    }
    let file = std::fs::File::open(wheel).map_err(InstallError::io(wheel, "open"))?;
    // Taken before reading: a change while it is read gives the file another identity, and
    // what was read is then never handed back for it.
    let identity = file
        .metadata()
        .map(|m| wheel_cache::FileIdentity::of(&m))
        .map_err(InstallError::io(wheel, "examine"))?;
    let map = mapped::MappedWheel::map(&file, wheel, identity.size)
        .map_err(InstallError::io(wheel, "map"))?;
    let opened = archive::open(wheel, &map[..])?;
    let (staged, entry_in_place) = unpack_opened(
        wheel,
        &opened,
        Some(&map[..]),
        layout,
        stage,
        options,
        cancel,
    )?
    .ok_or_else(|| InstallError::BadWheel {
        wheel: wheel.to_path_buf(),
        message: "it could not be unpacked".into(),
    })?;
    if let Some(cache) = options
        .cache
        .as_deref()
        .filter(|c| c.write && entry_in_place)
    {
        if let Some(bytes) = summary::write(&opened) {
            cache.cache.remember(wheel, &identity, &bytes);
        }
    }
    Ok(staged)
}

/// The wheel placed from its cache entry without opening it, when the cache remembers the
/// file and holds the entry and nothing needs the archive (scripts to rewrite, a
/// `direct_url.json` to hash the file for); `None` leaves `stage` as it was.
fn from_remembered(
    wheel: &Path,
    layout: &Layout,
    stage: &Path,
    options: &UnpackOptions,
    cancel: &AtomicBool,
) -> Result<Option<StagedWheel>, InstallError> {
    let Some(cache) = options.cache.as_deref() else {
        return Ok(None);
    };
    if !cache.read_allowed() || (options.direct && options.direct_url.is_none()) {
        return Ok(None);
    }
    let Some((members, dist_info, texts)) = cache
        .cache
        .remembered_in(wheel, &cache.remembered)
        .and_then(|bytes| summary::read(&bytes))
    else {
        return Ok(None);
    };
    let opened = archive::checked(wheel, None, members, dist_info, texts)?;
    let staged = unpack_opened(wheel, &opened, None, layout, stage, options, cancel)?;
    if staged.is_some() {
        cache
            .unopened
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(staged.map(|(s, _)| s))
}

/// Unpacks an opened wheel: `Ok(None)` only without the archive (`bytes` and
/// `opened.archive` are `None`), when its members cannot all be placed from the cache
/// (`stage` is then left empty). With the staged wheel: whether its entry is in the cache.
fn unpack_opened(
    wheel: &Path,
    opened: &archive::OpenedWheel<'_>,
    bytes: Option<&[u8]>,
    layout: &Layout,
    stage: &Path,
    options: &UnpackOptions,
    cancel: &AtomicBool,
) -> Result<Option<(StagedWheel, bool)>, InstallError> {
    let own;
    let confinement = match &options.confinement {
        Some(shared) if shared.root() == crate::paths::normalize(&layout.root) => shared,
        _ => {
            own = Confinement::new(&layout.root);
            &own
        }
    };
    let (members, warnings) = members::map_members(
        wheel,
        opened,
        layout,
        confinement,
        options.allow_incomplete_record,
    )?;
    let dist_info_target = relative(
        wheel,
        confinement,
        &lib_dir(layout, opened).join(&opened.dist_info),
    )?;
    let scripts_dir = relative(wheel, confinement, &layout.scripts.join("x"))?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();

    // Directories first, once each; then the files in parallel.
    let mut dirs: BTreeSet<PathBuf> = members
        .iter()
        .filter_map(|m| m.target.parent().map(Path::to_path_buf))
        .collect();
    dirs.insert(dist_info_target.clone());
    if !opened.entry_points.is_empty() {
        dirs.insert(scripts_dir.clone());
    }
    let make_dirs = || io::create_dirs(stage, dirs.iter().map(PathBuf::as_path));
    let modes = Modes::for_umask(crate::paths::umask_cached());
    // Wheels let through with unverified members are never cached nor served from it.
    let cache = options.cache.as_deref().filter(|_| warnings.is_empty());
    let mut written = None;
    let mut pycs_placed = std::collections::HashSet::new();
    let readable = cache.filter(|c| c.read_allowed());
    let found = readable.and_then(|c| c.cache.lookup_with_pyc(&opened.key, c.pyc_store.as_deref()));
    // Without the archive, every member must come from the entry.
    let unopened = opened.archive.is_none();
    if unopened && (found.is_none() || members.iter().any(|m| m.script)) {
        return Ok(None);
    }
    // The `__pycache__` directories of cached byte code are made with the others: one
    // `mkdir` each, level by level.
    let pyc_dirs = found
        .as_ref()
        .map(|entry| cached::pyc_dirs(entry, &members))
        .unwrap_or_default();
    io::create_dirs(stage, dirs.iter().chain(&pyc_dirs).map(PathBuf::as_path))?;
    if let Some(entry) = found {
        let cache = cache.expect("looked up in it");
        written = cached::place_from_entry(
            wheel,
            opened,
            &members,
            &entry,
            stage,
            &layout.python,
            modes,
            cache,
            cancel,
        )?
        .map(|placed| {
            pycs_placed = placed.pycs;
            placed.rows
        });
        if written.is_none() {
            // A changed entry: dropped, and this wheel decompressed into a clean stage
            // (after opening it, when it was not).
            cache.cache.discard(&opened.key);
            std::fs::remove_dir_all(stage).map_err(InstallError::io(stage, "remove"))?;
            std::fs::create_dir(stage).map_err(InstallError::io(stage, "create directory"))?;
            if unopened {
                return Ok(None);
            }
            make_dirs()?;
        }
    }
    let (written, entry_in_place) = match written {
        Some(rows) => (rows, true),
        None => cached::write_and_fill(
            wheel,
            opened,
            &members,
            stage,
            &layout.python,
            modes,
            cancel,
            cache,
        )?,
    };
    let mut rows = write::record_rows(written);

    for ep in &opened.entry_points {
        let target = launcher_target(wheel, confinement, &scripts_dir, &ep.name)?;
        let content = entry_point_script(&layout.python, &ep.module, &ep.object);
        write::write_new(&stage.join(&target), content.as_bytes(), modes.launcher)?;
        rows.push((target, entry(content.as_bytes())));
    }
    let mut extra = vec![("INSTALLER", b"wheelhouse\n".to_vec())];
    if let Some(json) = &options.direct_url {
        extra.push(("direct_url.json", json.clone().into_bytes()));
    } else if options.direct {
        // `from_remembered` opens no wheel for which this is needed.
        let bytes = bytes.ok_or_else(|| InstallError::BadWheel {
            wheel: wheel.to_path_buf(),
            message: "its bytes are needed for direct_url.json but it was not read".into(),
        })?;
        extra.push((
            "direct_url.json",
            direct_url_json(wheel, bytes).into_bytes(),
        ));
    }
    if options.requested {
        extra.push(("REQUESTED", Vec::new()));
    }
    for (file, content) in extra {
        let target = dist_info_target.join(file);
        write::write_new(&stage.join(&target), &content, modes.file)?;
        rows.push((target, entry(&content)));
    }
    let record_target = dist_info_target.join("RECORD");
    rows.push((
        record_target.clone(),
        RecordEntry {
            path: String::new(),
            hash: String::new(),
            size: String::new(),
        },
    ));
    let mut records: Vec<RecordEntry> = rows
        .into_iter()
        .map(|(target, mut e)| {
            e.path = layout.record_path(&target, &dist_info_target);
            e
        })
        .collect();
    // pip sorts the rows as tuples of (path, hash, size).
    records.sort_by(|a, b| (&a.path, &a.hash, &a.size).cmp(&(&b.path, &b.hash, &b.size)));
    write::write_new(
        &stage.join(&record_target),
        write_record(&records).as_bytes(),
        modes.file,
    )?;
    let modules = members
        .iter()
        .filter(|m| cached::is_source(m) && !pycs_placed.contains(&m.name))
        .map(|m| (m.target.clone(), m.size))
        .collect();
    let staged = StagedWheel {
        name: opened.metadata.name.clone(),
        version: opened.metadata.version.clone(),
        stage: stage.to_path_buf(),
        files: records.len(),
        warnings,
        prefixes: prefix_children(&dirs),
        modules,
    };
    Ok(Some((staged, entry_in_place)))
}

/// Of the directories created in a stage (`dirs`, each one a file is written into, and their
/// parents), those that hold no file, each with the directories in it. Every file of a stage
/// goes into one of `dirs` (members, launchers and `.dist-info` files; byte code into a
/// `__pycache__` below a member's directory), so a directory that is only a parent holds
/// exactly the children listed here.
fn prefix_children(dirs: &BTreeSet<PathBuf>) -> HashMap<PathBuf, Vec<OsString>> {
    let mut children: HashMap<PathBuf, BTreeSet<OsString>> = HashMap::new();
    for dir in dirs {
        let mut child = dir.as_path();
        while let (Some(parent), Some(name)) = (child.parent(), child.file_name()) {
            children
                .entry(parent.to_path_buf())
                .or_default()
                .insert(name.to_os_string());
            child = parent;
        }
    }
    children
        .into_iter()
        .filter(|(dir, _)| !dirs.contains(dir))
        .map(|(dir, names)| (dir, names.into_iter().collect()))
        .collect()
}

fn lib_dir<'l>(layout: &'l Layout, opened: &archive::OpenedWheel<'_>) -> &'l Path {
    if opened.info.root_is_purelib {
        &layout.purelib
    } else {
        &layout.platlib
    }
}

fn relative(wheel: &Path, confinement: &Confinement, path: &Path) -> Result<PathBuf, InstallError> {
    confinement
        .check(path)
        .ok()
        .and_then(|p| {
            p.strip_prefix(confinement.root())
                .ok()
                .map(Path::to_path_buf)
        })
        .ok_or_else(|| InstallError::BadWheel {
            wheel: wheel.to_path_buf(),
            message: format!(
                "the install path {} is outside the environment",
                path.display()
            ),
        })
}

/// An entry point's launcher path: a plain file name in the scripts directory.
fn launcher_target(
    wheel: &Path,
    confinement: &Confinement,
    scripts_dir: &Path,
    name: &str,
) -> Result<PathBuf, InstallError> {
    let refuse = |why| InstallError::UnsafePath {
        wheel: wheel.to_path_buf(),
        member: format!("entry point `{}`", name.escape_debug()),
        why,
    };
    if name.is_empty()
        || name.starts_with('.')
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control)
    {
        return Err(refuse("names a script path instead of a plain file name"));
    }
    confinement
        .check_relative(&scripts_dir.join(name))
        .map_err(refuse)
}

fn entry(content: &[u8]) -> RecordEntry {
    RecordEntry {
        path: String::new(),
        hash: hash_bytes(content),
        size: content.len().to_string(),
    }
}

/// PEP 610 `direct_url.json` for a wheel installed from a local file, byte for byte as pip
/// writes it (`json.dumps(..., sort_keys=True)`).
fn direct_url_json(wheel: &Path, bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let absolute = std::path::absolute(wheel).unwrap_or_else(|_| wheel.to_path_buf());
    format!(
        "{{\"archive_info\": {{\"hash\": \"sha256={digest}\", \"hashes\": {{\"sha256\": \
         \"{digest}\"}}}}, \"url\": \"{}\"}}",
        json_escape(&file_url(&absolute))
    )
}

/// `file://` URL of an absolute path, percent-encoded as Python's `urllib.parse.quote`
/// (everything but unreserved characters and `/`).
pub fn file_url(path: &Path) -> String {
    let mut out = String::from("file://");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `text` as the inside of a JSON string.
pub fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
