//! Unpacking one wheel into the staging directory (its entries named by install location,
//! see [`parts`]), in steps that can each be tested: [`archive::open`] checks the archive's
//! structure and reads the `.dist-info`; [`members::map_members`] maps each member to its
//! place, proven inside the environment, with the RECORD hash it must have;
//! [`write::write_members`] decompresses, verifies and writes; then entry-point launchers and
//! the installed `.dist-info` files (`INSTALLER`, `REQUESTED`, `direct_url.json`, `RECORD`)
//! are written as pip writes them.

mod archive;
mod cached;
mod fill_pyc;
pub(crate) mod io;
mod mapped;
mod members;
mod parts;
mod summary;
mod write;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use wheel_metadata::{hash_bytes, write_record, RecordEntry};

pub use archive::{MAX_MEMBER_RATIO, MAX_TOTAL_RATIO, TOTAL_FLOOR};
pub use cached::{pyc_path, CacheUse, EntrySources};
pub use io::{io_threads, IO_THREADS};
pub use mapped::READ_BELOW;
pub use parts::{stageable_locations, StagedEntry, StagedPart};
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
    /// The wheel's content, already read by the caller: not read from `wheel` again.
    pub bytes: Option<crate::ReadWheel>,
    /// Install members that RECORD does not list or lists without a hash, with a warning,
    /// instead of refusing the wheel (for legacy wheels a site cannot rebuild).
    pub allow_incomplete_record: bool,
    /// The unpacked-wheel cache to place members from and fill.
    pub cache: Option<std::sync::Arc<CacheUse>>,
    /// The install's proof of containment for the environment, shared by its wheels so that
    /// each directory of the environment is resolved once per install (a fresh one is made
    /// when absent, or when it is for another root).
    pub confinement: Option<std::sync::Arc<Confinement>>,
    /// The install locations whose files are staged in a directory of their own
    /// ([`stageable_locations`]); none when empty: everything is staged mirroring the root.
    pub locations: Option<std::sync::Arc<Vec<PathBuf>>>,
    /// The prefix of this wheel's names in the stage (`w3-`: `w3-0.numpy`, `w3-r.share`),
    /// unique among the wheels staged in one directory.
    pub stage_name: String,
}

/// A wheel unpacked into staging, ready to be moved into place.
#[derive(Debug)]
pub struct StagedWheel {
    pub name: String,
    pub version: String,
    /// Its staged entries, by the directory they go into.
    pub parts: Vec<StagedPart>,
    /// Number of files installed.
    pub files: usize,
    /// Members installed unverified (only with `allow_incomplete_record`).
    pub warnings: Vec<String>,
    /// The Python sources installed (paths relative to the environment root, sizes) whose
    /// byte code was not placed from the cache: what a byte-compiling install compiles.
    pub modules: Vec<(PathBuf, u64)>,
}

/// Unpacks `wheel` into `stage` (a directory that exists), in directories named after
/// `options.stage_name` (see [`StagedPart`]).
///
/// A wheel the cache remembers (this file, unchanged since an install read it) and holds the
/// entry of is placed from the entry without being opened; otherwise it is read (or its
/// bytes taken from `options.bytes`), and once its entry is in the cache, what was read of
/// it is remembered for the next install.
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
    // The file's identity is taken before reading it (by the caller too): a change while it
    // is read gives the file another identity, and what was read is then never handed back
    // for it.
    let read = options.bytes.as_ref();
    let (map, identity) = match read.and_then(|r| Some((r.bytes.clone()?, r.identity))) {
        Some((bytes, identity)) => (mapped::WheelBytes::Shared(bytes), identity),
        None => {
            let mut file = std::fs::File::open(wheel).map_err(InstallError::io(wheel, "open"))?;
            let identity = file
                .metadata()
                .map(|m| wheel_cache::FileIdentity::of(&m))
                .map_err(InstallError::io(wheel, "examine"))?;
            if read.is_some_and(|r| r.identity != identity) {
                return Err(InstallError::BadWheel {
                    wheel: wheel.to_path_buf(),
                    message: "it changed after its hash was checked; run the command again".into(),
                });
            }
            let map = mapped::WheelBytes::load(&mut file, wheel, identity.size)
                .map_err(InstallError::io(wheel, "read"))?;
            (map, identity)
        }
    };
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
    let cache = options
        .cache
        .as_deref()
        .filter(|c| c.write && entry_in_place);
    if let Some(cache) = cache {
        if let Some(bytes) = summary::write(&opened) {
            let sha256 = digest_while(options, &identity);
            cache.cache.remember(wheel, &identity, sha256, &bytes);
        }
    }
    Ok(staged)
}

/// The SHA-256 the caller found for the wheel file, when the file had `identity` then.
fn digest_while<'o>(
    options: &'o UnpackOptions,
    identity: &wheel_cache::FileIdentity,
) -> Option<&'o str> {
    options
        .bytes
        .as_ref()
        .filter(|r| r.identity == *identity)
        .and_then(|r| r.sha256.as_deref())
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
    let Some(remembered) = cache.cache.remembered_in(wheel, &cache.remembered) else {
        return Ok(None);
    };
    let Some((members, dist_info, texts)) = summary::read(&remembered.bytes) else {
        return Ok(None);
    };
    let opened = archive::checked(wheel, None, members, dist_info, texts)?;
    let staged = unpack_opened(wheel, &opened, None, layout, stage, options, cancel)?;
    if staged.is_some() {
        cache
            .unopened
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Remembered without its digest (by an install that did not hash the file), and
        // hashed now with the same identity: remembered with it from now on.
        let digest = digest_while(options, &remembered.identity);
        if let (None, Some(digest), true) = (&remembered.sha256, digest, cache.write) {
            let identity = remembered.identity;
            cache
                .cache
                .remember(wheel, &identity, Some(digest), &remembered.bytes);
        }
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
    let (mut members, warnings) = members::map_members(
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

    let locations = options.locations.as_deref().map_or(&[][..], Vec::as_slice);
    let parts = parts::StageParts {
        locations,
        name: &options.stage_name,
    };
    for member in &mut members {
        member.staged = parts.staged(&member.target);
        if cached::is_source(member) {
            if let Some(dir) = member.target.parent() {
                member.pycache = parts.staged(&dir.join("__pycache__"));
            }
        }
    }
    let dist_info_staged = parts.staged(&dist_info_target);
    let launchers: Vec<(PathBuf, PathBuf)> = opened
        .entry_points
        .iter()
        .map(|ep| {
            let target = launcher_target(wheel, confinement, &scripts_dir, &ep.name)?;
            Ok((parts.staged(&target), target))
        })
        .collect::<Result<_, InstallError>>()?;

    // Directories first, once each; then the files in parallel.
    let dirs = parent_dirs(
        members
            .iter()
            .map(|m| &m.staged)
            .chain(launchers.iter().map(|(s, _)| s)),
        &dist_info_staged,
    );
    // The same directories in the environment, for the commit's list of what each part holds.
    let dir_targets = parent_dirs(
        members
            .iter()
            .map(|m| &m.target)
            .chain(launchers.iter().map(|(_, t)| t)),
        &dist_info_target,
    );
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
    let mut pyc_dirs = found
        .as_ref()
        .map(|entry| cached::pyc_dirs(entry, &members))
        .unwrap_or_default();
    io::create_dirs(
        stage,
        dirs.iter()
            .chain(pyc_dirs.iter().map(|(s, _)| s))
            .map(PathBuf::as_path),
    )?;
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
            // A changed entry: dropped, and this wheel decompressed into clean directories
            // (after opening it, when it was not).
            cache.cache.discard(&opened.key);
            let staged = dirs
                .iter()
                .chain(pyc_dirs.iter().map(|(s, _)| s))
                .chain(members.iter().map(|m| &m.staged));
            remove_tops(stage, staged)?;
            if unopened {
                return Ok(None);
            }
            pyc_dirs.clear();
            make_dirs()?;
        }
    }
    let (written, entry_in_place) = match written {
        Some(rows) => (rows, true),
        None => {
            let (rows, pycs, in_place) = cached::write_and_fill(
                wheel, opened, &members, stage, layout, modes, cancel, cache,
            )?;
            // Byte code compiled at fill made its `__pycache__` directories: listed with the
            // others, so the commit moves a top-level module's byte code too.
            pyc_dirs.extend(
                members
                    .iter()
                    .filter(|m| pycs.contains(&m.name))
                    .filter_map(cached::pycache_of),
            );
            pycs_placed = pycs;
            (rows, in_place)
        }
    };
    let mut rows = write::record_rows(written);

    for (ep, (staged, target)) in opened.entry_points.iter().zip(&launchers) {
        let content = entry_point_script(&layout.python, &ep.module, &ep.object);
        write::write_new(&stage.join(staged), content.as_bytes(), modes.launcher)?;
        rows.push((target.clone(), entry(content.as_bytes())));
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
    let record_rows = write_dist_info(
        stage,
        layout,
        (&dist_info_target, &dist_info_staged),
        extra,
        rows,
        modes,
    )?;
    let modules = members
        .iter()
        .filter(|m| cached::is_source(m) && !pycs_placed.contains(&m.name))
        .map(|m| (m.target.clone(), m.size))
        .collect();
    let files = members
        .iter()
        .map(|m| m.target.as_path())
        .chain(launchers.iter().map(|(_, t)| t.as_path()));
    let dir_targets = dir_targets
        .iter()
        .chain(pyc_dirs.iter().map(|(_, t)| t))
        .map(PathBuf::as_path);
    let parts = parts.parts(stage, &layout.root, dir_targets, files);
    let staged = StagedWheel {
        name: opened.metadata.name.clone(),
        version: opened.metadata.version.clone(),
        parts,
        files: record_rows,
        warnings,
        modules,
    };
    Ok(Some((staged, entry_in_place)))
}

/// The directories of `paths`, and `dist_info`.
fn parent_dirs<'p>(
    paths: impl Iterator<Item = &'p PathBuf>,
    dist_info: &Path,
) -> BTreeSet<PathBuf> {
    let mut dirs: BTreeSet<PathBuf> = paths
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    dirs.insert(dist_info.to_path_buf());
    dirs
}

/// Removes what was staged at `staged` (relative to `stage`): the top-level entry of each
/// path, a directory with all it holds.
fn remove_tops<'p>(
    stage: &Path,
    staged: impl IntoIterator<Item = &'p PathBuf>,
) -> Result<(), InstallError> {
    let tops: BTreeSet<&std::ffi::OsStr> = staged
        .into_iter()
        .filter_map(|p| p.components().next())
        .map(|c| c.as_os_str())
        .collect();
    for top in tops {
        let path = stage.join(top);
        let removed = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        };
        removed.map_err(InstallError::io(&path, "remove"))?;
    }
    Ok(())
}

/// Writes the installed `.dist-info` files (`target` in the environment, `staged_dir` in the
/// stage): `extra` (`INSTALLER`, `REQUESTED`, `direct_url.json`), then RECORD, listing `rows`,
/// them and itself. Returns the number of RECORD rows.
fn write_dist_info(
    stage: &Path,
    layout: &Layout,
    (target, staged_dir): (&Path, &Path),
    extra: Vec<(&str, Vec<u8>)>,
    mut rows: Vec<(PathBuf, RecordEntry)>,
    modes: Modes,
) -> Result<usize, InstallError> {
    for (file, content) in extra {
        let path = target.join(file);
        let staged = stage.join(staged_dir).join(file);
        if file == "direct_url.json" {
            write::write_new(&staged, &content, modes.file)?;
        } else {
            write::link_shared(stage, file, &content, &staged, modes.file)?;
        }
        rows.push((path, entry(&content)));
    }
    rows.push((
        target.join("RECORD"),
        RecordEntry {
            path: String::new(),
            hash: String::new(),
            size: String::new(),
        },
    ));
    let mut records: Vec<RecordEntry> = rows
        .into_iter()
        .map(|(row, mut e)| {
            e.path = layout.record_path(&row, target);
            e
        })
        .collect();
    // pip sorts the rows as tuples of (path, hash, size).
    records.sort_by(|a, b| (&a.path, &a.hash, &a.size).cmp(&(&b.path, &b.hash, &b.size)));
    write::write_new(
        &stage.join(staged_dir).join("RECORD"),
        write_record(&records).as_bytes(),
        modes.file,
    )?;
    Ok(records.len())
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
