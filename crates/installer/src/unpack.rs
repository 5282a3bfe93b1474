//! Unpacking one wheel into a staging tree that mirrors the environment.
//!
//! # Performance
//! The archive is memory-mapped and its central directory parsed once; members are then
//! decompressed on every core (each worker holds a cheap clone of the parsed archive over the
//! same mapping). Each file costs three system calls: an exclusive create with its final mode,
//! one write, one close. Directories are made once, before the parallel part.

use std::collections::{BTreeSet, HashMap};
use std::fs::OpenOptions;
use std::io::{Cursor, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;
use wheel_metadata::{
    hash_bytes, parse_entry_points, parse_record, write_record, CoreMetadata, RecordEntry,
    WheelInfo,
};

use crate::error::InstallError;
use crate::scripts::{entry_point_script, rewrite_shebang};
use crate::Layout;

/// A wheel unpacked into staging, ready to be moved into place.
#[derive(Debug)]
pub struct StagedWheel {
    pub name: String,
    pub version: String,
    /// The staging directory that mirrors the environment root.
    pub stage: PathBuf,
    /// Final paths of every installed file (for the summary and tests).
    pub files: usize,
}

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

struct Member {
    index: usize,
    /// Where the file goes, relative to the environment root.
    target: PathBuf,
    mode: u32,
    /// Scripts from `.data/scripts` whose `#!python` line is rewritten.
    script: bool,
    /// The archive path, as RECORD names it.
    name: String,
}

/// Unpacks `wheel` into `stage` (a fresh directory mirroring `layout.root`).
pub fn unpack_wheel(
    wheel: &Path,
    layout: &Layout,
    stage: &Path,
    requested: bool,
    cancel: &AtomicBool,
) -> Result<StagedWheel, InstallError> {
    let bad = |message: String| InstallError::BadWheel {
        wheel: wheel.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(wheel).map_err(InstallError::io(wheel, "open"))?;
    // SAFETY: the wheelhouse is read-only for users; a wheel changing under us would at worst
    // give a bad hash, which is checked.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(InstallError::io(wheel, "map"))?;
    let archive: Archive<'_> =
        zip::ZipArchive::new(Cursor::new(&map[..])).map_err(|e| bad(e.to_string()))?;
    let dist_info = wheel_metadata::wheel_dist_info(&archive)
        .ok_or_else(|| bad("it has no .dist-info/METADATA".into()))?;
    let mut small = archive.clone();
    let read_member = |archive: &mut Archive<'_>, name: &str| -> Result<String, InstallError> {
        let mut text = String::new();
        archive
            .by_name(name)
            .map_err(|e| bad(format!("{name}: {e}")))?
            .read_to_string(&mut text)
            .map_err(|e| bad(format!("{name}: {e}")))?;
        Ok(text)
    };
    let metadata = CoreMetadata::parse(&read_member(&mut small, &format!("{dist_info}/METADATA"))?);
    let info =
        WheelInfo::parse(&read_member(&mut small, &format!("{dist_info}/WHEEL"))?).map_err(bad)?;
    let record = read_member(&mut small, &format!("{dist_info}/RECORD"))?;
    let expected: HashMap<String, String> = parse_record(&record)
        .into_iter()
        .filter(|e| !e.hash.is_empty())
        .map(|e| (e.path, e.hash))
        .collect();
    let entry_points = small
        .by_name(&format!("{dist_info}/entry_points.txt"))
        .ok()
        .map(|mut f| {
            let mut s = String::new();
            let _ = f.read_to_string(&mut s);
            s
        })
        .map(|s| parse_entry_points(&s))
        .unwrap_or_default();
    let data_prefix = format!("{}.data/", dist_info.trim_end_matches(".dist-info"));
    let root_lib = if info.root_is_purelib {
        &layout.purelib
    } else {
        &layout.platlib
    };

    let mut members = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = small
            .by_index_raw(index)
            .map_err(|e| bad(format!("member {index}: {e}")))?;
        let name = entry
            .name()
            .map_err(|e| bad(format!("member {index}: {e}")))?
            .into_owned();
        check_member_name(wheel, &name)?;
        if entry.is_symlink() {
            return Err(InstallError::UnsafePath {
                wheel: wheel.to_path_buf(),
                member: name,
                why: "is a symbolic link",
            });
        }
        if entry.is_dir() || name.ends_with('/') {
            continue;
        }
        let is_exec = entry.unix_mode().is_some_and(|m| m & 0o111 != 0);
        drop(entry);
        if name == format!("{dist_info}/RECORD")
            || name == format!("{dist_info}/RECORD.jws")
            || name == format!("{dist_info}/RECORD.p7s")
            || name == format!("{dist_info}/INSTALLER")
            || name == format!("{dist_info}/REQUESTED")
        {
            continue;
        }
        let (base, rest, script) = if let Some(rest) = name.strip_prefix(&data_prefix) {
            let (key, rest) = rest.split_once('/').unwrap_or((rest, ""));
            let base = match key {
                "purelib" => layout.purelib.clone(),
                "platlib" => layout.platlib.clone(),
                "scripts" => layout.scripts.clone(),
                "headers" => layout.include.join(&metadata.name),
                "data" => layout.data.clone(),
                other => {
                    return Err(bad(format!(
                        "`{name}` uses the unknown .data directory `{other}`"
                    )))
                }
            };
            (base, rest.to_string(), key == "scripts")
        } else {
            (root_lib.clone(), name.clone(), false)
        };
        if rest.is_empty() {
            continue;
        }
        let absolute = base.join(&rest);
        let target = absolute
            .strip_prefix(&layout.root)
            .map_err(|_| InstallError::UnsafePath {
                wheel: wheel.to_path_buf(),
                member: name.clone(),
                why: "maps outside the environment's install paths",
            })?
            .to_path_buf();
        members.push(Member {
            index,
            target,
            mode: if is_exec || script { 0o755 } else { 0o644 },
            script,
            name,
        });
    }

    // Directories first, once each; then the files in parallel.
    let dist_info_target = root_lib
        .join(&dist_info)
        .strip_prefix(&layout.root)
        .map(Path::to_path_buf)
        .map_err(|_| bad("its install path is outside the environment".into()))?;
    let mut dirs: BTreeSet<PathBuf> = members
        .iter()
        .filter_map(|m| m.target.parent().map(Path::to_path_buf))
        .collect();
    dirs.insert(dist_info_target.clone());
    if !entry_points.is_empty() {
        dirs.insert(
            layout
                .scripts
                .strip_prefix(&layout.root)
                .unwrap_or(Path::new("bin"))
                .to_path_buf(),
        );
    }
    for dir in &dirs {
        let path = stage.join(dir);
        std::fs::create_dir_all(&path).map_err(InstallError::io(&path, "create directory"))?;
    }

    let records: Mutex<Vec<RecordEntry>> = Mutex::new(Vec::with_capacity(members.len() + 8));
    let python = layout.python.clone();
    members
        .par_chunks(32)
        .try_for_each(|chunk| -> Result<(), InstallError> {
            let mut archive = archive.clone();
            let mut buffer = Vec::new();
            let mut local = Vec::with_capacity(chunk.len());
            for member in chunk {
                if cancel.load(Ordering::Relaxed) {
                    return Err(InstallError::Interrupted);
                }
                let mut entry = archive
                    .by_index(member.index)
                    .map_err(|e| bad(format!("{}: {e}", member.name)))?;
                buffer.clear();
                buffer.reserve(entry.size() as usize);
                entry
                    .read_to_end(&mut buffer)
                    .map_err(|e| bad(format!("{}: {e}", member.name)))?;
                drop(entry);
                let digest = hash_bytes(&buffer);
                if let Some(want) = expected.get(&member.name) {
                    if *want != digest {
                        return Err(InstallError::HashMismatch {
                            wheel: wheel.to_path_buf(),
                            member: member.name.clone(),
                        });
                    }
                }
                let (content, digest) = if member.script {
                    match rewrite_shebang(&buffer, &python) {
                        Some(new) => {
                            let d = hash_bytes(&new);
                            (std::borrow::Cow::Owned(new), d)
                        }
                        None => (std::borrow::Cow::Borrowed(&buffer[..]), digest),
                    }
                } else {
                    (std::borrow::Cow::Borrowed(&buffer[..]), digest)
                };
                let path = stage.join(&member.target);
                write_new(&path, &content, member.mode)?;
                local.push(RecordEntry {
                    path: layout.record_path(&member.target, &dist_info_target),
                    hash: digest,
                    size: content.len().to_string(),
                });
            }
            records.lock().unwrap().extend(local);
            Ok(())
        })?;
    let mut records = records.into_inner().unwrap();

    let scripts_dir = layout
        .scripts
        .strip_prefix(&layout.root)
        .unwrap_or(Path::new("bin"));
    for ep in &entry_points {
        if ep.name.contains(['/', '\\']) || ep.name.is_empty() || ep.name.starts_with('.') {
            return Err(InstallError::UnsafePath {
                wheel: wheel.to_path_buf(),
                member: format!("entry point {}", ep.name),
                why: "names a script path instead of a file name",
            });
        }
        let target = scripts_dir.join(&ep.name);
        let content = entry_point_script(&python, &ep.module, &ep.object);
        let path = stage.join(&target);
        write_new(&path, content.as_bytes(), 0o755)?;
        records.push(RecordEntry {
            path: layout.record_path(&target, &dist_info_target),
            hash: hash_bytes(content.as_bytes()),
            size: content.len().to_string(),
        });
    }
    let mut extra = vec![("INSTALLER", b"wheelhouse\n".to_vec())];
    if requested {
        extra.push(("REQUESTED", Vec::new()));
    }
    for (file, content) in extra {
        let target = dist_info_target.join(file);
        write_new(&stage.join(&target), &content, 0o644)?;
        records.push(RecordEntry {
            path: layout.record_path(&target, &dist_info_target),
            hash: hash_bytes(&content),
            size: content.len().to_string(),
        });
    }
    let record_target = dist_info_target.join("RECORD");
    records.sort_by(|a, b| a.path.cmp(&b.path));
    records.push(RecordEntry {
        path: layout.record_path(&record_target, &dist_info_target),
        hash: String::new(),
        size: String::new(),
    });
    write_new(
        &stage.join(&record_target),
        write_record(&records).as_bytes(),
        0o644,
    )?;
    Ok(StagedWheel {
        name: metadata.name,
        version: metadata.version,
        stage: stage.to_path_buf(),
        files: records.len(),
    })
}

fn write_new(path: &Path, content: &[u8], mode: u32) -> Result<(), InstallError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .map_err(InstallError::io(path, "create"))?;
    file.write_all(content)
        .map_err(InstallError::io(path, "write"))
}

/// Archive member names must stay inside the wheel: relative, no `..`, no drive or root.
fn check_member_name(wheel: &Path, name: &str) -> Result<(), InstallError> {
    let unsafe_path = |why| InstallError::UnsafePath {
        wheel: wheel.to_path_buf(),
        member: name.to_string(),
        why,
    };
    if name.starts_with('/')
        || name.starts_with('\\')
        || name.contains(':') && name.find(':') == Some(1)
    {
        return Err(unsafe_path("is an absolute path"));
    }
    if name.contains('\0') {
        return Err(unsafe_path("contains a NUL byte"));
    }
    for component in Path::new(name).components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_path("climbs out with `..`")),
            _ => return Err(unsafe_path("is an absolute path")),
        }
    }
    if name.split('\\').any(|part| part == "..") {
        return Err(unsafe_path("climbs out with `..`"));
    }
    Ok(())
}
