//! Unpacking an sdist (`.tar.gz`, `.zip`) into a build directory: untrusted input.
//!
//! Every member's name is proven to be a plain relative path (no `..`, no root, no drive)
//! before anything is created, so each lands inside the destination. Links are the other way
//! out, so they are handled apart: a hard link becomes a copy of a member already unpacked
//! (a regular file, never a link), and symbolic links are created only after every file and
//! directory, each under parents that are real directories, and each must then resolve, all
//! links followed, to a path inside the destination. No file is ever written through a link.
//! Device files, FIFOs and sparse members are refused. Sizes declared by the archive are never
//! trusted: the bytes actually written are counted against [`UnpackLimits`], as are members.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use crate::error::BuildError;

/// How much an sdist may unpack to. A `.tar.gz` of zeros expands a thousandfold, so the total
/// is bounded by the archive's own size as well as absolutely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnpackLimits {
    /// Members (files, directories, links) at most.
    pub max_members: u64,
    /// Unpacked bytes at most, whatever the archive's size.
    pub max_bytes: u64,
    /// Unpacked bytes at most per byte of archive (above [`UnpackLimits::min_bytes`]).
    pub max_ratio: u64,
    /// Unpacked bytes always allowed (up to `max_bytes`), however small the archive.
    pub min_bytes: u64,
}

impl Default for UnpackLimits {
    fn default() -> UnpackLimits {
        // Real sdists unpack to 3–10× their size; a numpy or scipy sdist is 20,000 members.
        UnpackLimits {
            max_members: 200_000,
            max_bytes: 8 << 30,
            max_ratio: 100,
            min_bytes: 256 << 20,
        }
    }
}

impl UnpackLimits {
    /// The byte budget for an archive of `archive_len` bytes.
    pub fn budget(&self, archive_len: u64) -> u64 {
        archive_len
            .saturating_mul(self.max_ratio)
            .max(self.min_bytes)
            .min(self.max_bytes)
    }
}

/// The archive formats of sdists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdistFormat {
    TarGz,
    Zip,
}

impl SdistFormat {
    /// The format from the file name (`.tar.gz`/`.tgz`, `.zip`), case-insensitively.
    pub fn from_path(path: &Path) -> Option<SdistFormat> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(SdistFormat::TarGz)
        } else if name.ends_with(".zip") {
            Some(SdistFormat::Zip)
        } else {
            None
        }
    }
}

/// Unpacks `archive` into `dest` (an existing empty directory) and returns the project's root:
/// the one top-level directory when every member is under it (as in every sdist), else `dest`.
/// On error `dest` may hold part of the archive; the caller removes it.
pub fn unpack_sdist(
    archive: &Path,
    dest: &Path,
    limits: &UnpackLimits,
) -> Result<PathBuf, BuildError> {
    let format = SdistFormat::from_path(archive).ok_or_else(|| BuildError::Archive {
        archive: archive.to_path_buf(),
        detail: "is not a .tar.gz or .zip file, the two formats of source distributions".into(),
    })?;
    let file = File::open(archive).map_err(|e| BuildError::io("read", archive, e))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut writer = Writer::new(archive, dest, limits, len);
    match format {
        SdistFormat::TarGz => unpack_tar(file, &mut writer)?,
        SdistFormat::Zip => unpack_zip(file, &mut writer)?,
    }
    writer.finish_links()?;
    project_root(dest)
}

/// A member's name as a relative path of plain components, or why it is refused.
/// `./` components are dropped; an empty result (the archive's `./`) is `Ok(None)`.
pub fn member_path(name: &Path) -> Result<Option<PathBuf>, &'static str> {
    if name.as_os_str().as_encoded_bytes().contains(&0) {
        return Err("its name contains a NUL byte");
    }
    let mut clean = PathBuf::new();
    for component in name.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("its name climbs out with `..`"),
            Component::RootDir | Component::Prefix(_) => return Err("its name is absolute"),
        }
    }
    Ok((!clean.as_os_str().is_empty()).then_some(clean))
}

/// What kind of member, as both archive formats describe them.
enum Member {
    Directory,
    File { executable: bool },
    Symlink,
    Hardlink,
}

/// Creates members inside `dest`, counting members and bytes; symbolic links wait for
/// [`Writer::finish_links`].
struct Writer<'a> {
    archive: &'a Path,
    dest: &'a Path,
    max_members: u64,
    budget: u64,
    members: u64,
    written: u64,
    links: Vec<(PathBuf, PathBuf)>,
    link_paths: HashSet<PathBuf>,
}

impl<'a> Writer<'a> {
    fn new(archive: &'a Path, dest: &'a Path, limits: &UnpackLimits, len: u64) -> Writer<'a> {
        Writer {
            archive,
            dest,
            max_members: limits.max_members,
            budget: limits.budget(len),
            members: 0,
            written: 0,
            links: Vec::new(),
            link_paths: HashSet::new(),
        }
    }

    fn unsafe_member(&self, member: &Path, reason: impl Into<String>) -> BuildError {
        BuildError::UnsafeArchive {
            archive: self.archive.to_path_buf(),
            member: member.display().to_string(),
            reason: reason.into(),
        }
    }

    fn io_error(&self, e: io::Error) -> BuildError {
        BuildError::Archive {
            archive: self.archive.to_path_buf(),
            detail: format!("could not be unpacked: {e}"),
        }
    }

    /// Counts one member and proves its name; `None` for the archive's root entry.
    fn admit(&mut self, name: &Path) -> Result<Option<PathBuf>, BuildError> {
        self.members += 1;
        if self.members > self.max_members {
            return Err(self.unsafe_member(
                name,
                format!("the archive has more than {} members", self.max_members),
            ));
        }
        let Some(path) = member_path(name).map_err(|why| self.unsafe_member(name, why))? else {
            return Ok(None);
        };
        // A member under a symbolic link of the archive would be written through it.
        if path
            .ancestors()
            .skip(1)
            .any(|a| self.link_paths.contains(a))
        {
            return Err(self.unsafe_member(name, "it lies under a symbolic link of the archive"));
        }
        Ok(Some(path))
    }

    /// Creates one member; `data` gives a file's bytes, a link's target or a hard link's
    /// member name.
    fn add(&mut self, name: &Path, kind: Member, data: &mut dyn Read) -> Result<(), BuildError> {
        let Some(path) = self.admit(name)? else {
            return Ok(());
        };
        let full = self.dest.join(&path);
        match kind {
            Member::Directory => fs::create_dir_all(&full).map_err(|e| self.io_error(e)),
            Member::File { executable } => {
                self.create_parent(&full)?;
                let mut out = self.create_file(&path, &full, executable)?;
                self.copy_limited(&path, data, &mut out)
            }
            Member::Hardlink => {
                let target = self.read_small(&path, data)?;
                let target = member_path(&target)
                    .ok()
                    .flatten()
                    .ok_or_else(|| self.unsafe_member(&path, "its hard link leaves the archive"))?;
                let source = self.dest.join(&target);
                // No symbolic link exists yet, so this names a file the archive made here.
                let is_file = fs::symlink_metadata(&source).is_ok_and(|m| m.is_file());
                if !is_file {
                    return Err(self.unsafe_member(
                        &path,
                        format!(
                            "its hard link names {}, not a file unpacked before it",
                            target.display()
                        ),
                    ));
                }
                self.create_parent(&full)?;
                let mut input = File::open(&source).map_err(|e| self.io_error(e))?;
                let executable = is_executable(&source);
                let mut out = self.create_file(&path, &full, executable)?;
                self.copy_limited(&path, &mut input, &mut out)
            }
            Member::Symlink => {
                let target = self.read_small(&path, data)?;
                self.check_link_target(&path, &target)?;
                self.link_paths.insert(path.clone());
                self.links.push((path, target));
                Ok(())
            }
        }
    }

    fn create_parent(&self, full: &Path) -> Result<(), BuildError> {
        match full.parent() {
            Some(parent) => fs::create_dir_all(parent).map_err(|e| self.io_error(e)),
            None => Ok(()),
        }
    }

    fn create_file(&self, path: &Path, full: &Path, executable: bool) -> Result<File, BuildError> {
        let mode = if executable { 0o777 } else { 0o666 };
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(full)
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => {
                    self.unsafe_member(path, "the archive holds it twice")
                }
                _ => self.io_error(e),
            })
    }

    /// Copies a member's bytes, refusing once the archive's budget is spent.
    fn copy_limited(
        &mut self,
        path: &Path,
        data: &mut dyn Read,
        out: &mut File,
    ) -> Result<(), BuildError> {
        let left = self.budget - self.written;
        let copied = io::copy(&mut data.take(left + 1), out).map_err(|e| self.io_error(e))?;
        self.written += copied;
        if self.written > self.budget {
            return Err(self.unsafe_member(
                path,
                format!(
                    "the archive expands beyond {} MiB (a decompression bomb?)",
                    self.budget >> 20
                ),
            ));
        }
        Ok(())
    }

    /// A link's target, at most 4 KiB (a path).
    fn read_small(&self, path: &Path, data: &mut dyn Read) -> Result<PathBuf, BuildError> {
        let mut bytes = Vec::new();
        data.take(4097)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io_error(e))?;
        if bytes.len() > 4096 || bytes.is_empty() {
            return Err(self.unsafe_member(path, "its link target is empty or too long"));
        }
        use std::os::unix::ffi::OsStringExt;
        Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }

    /// A symbolic link's target must be relative and, read from the link's directory, stay
    /// inside the destination. (Checked again, all links followed, once they exist.)
    fn check_link_target(&self, path: &Path, target: &Path) -> Result<(), BuildError> {
        if target.is_absolute() {
            return Err(self.unsafe_member(path, "it is a symbolic link to an absolute path"));
        }
        let mut depth: i64 = path.components().count() as i64 - 1;
        for component in target.components() {
            match component {
                Component::ParentDir => depth -= 1,
                Component::Normal(_) => depth += 1,
                _ => {}
            }
            if depth < 0 {
                return Err(self.unsafe_member(
                    path,
                    format!(
                        "it is a symbolic link to {}, outside the source tree",
                        target.display()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Creates the symbolic links, each under real directories, then proves that each one,
    /// every link followed, resolves inside the destination.
    fn finish_links(&mut self) -> Result<(), BuildError> {
        let links = std::mem::take(&mut self.links);
        for (path, target) in &links {
            let full = self.dest.join(path);
            let mut parent = self.dest.to_path_buf();
            for part in path.parent().into_iter().flat_map(Path::components) {
                parent.push(part);
                match fs::symlink_metadata(&parent) {
                    Ok(meta) if meta.is_dir() => {}
                    Ok(_) => return Err(self.unsafe_member(path, "its parent is not a directory")),
                    Err(_) => fs::create_dir(&parent).map_err(|e| self.io_error(e))?,
                }
            }
            std::os::unix::fs::symlink(target, &full).map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => {
                    self.unsafe_member(path, "the archive holds it twice")
                }
                _ => self.io_error(e),
            })?;
        }
        let root = self.dest.canonicalize().map_err(|e| self.io_error(e))?;
        for (path, target) in &links {
            match self.dest.join(path).canonicalize() {
                Ok(real) if real.starts_with(&root) => {}
                Ok(_) => {
                    return Err(self.unsafe_member(
                        path,
                        format!(
                            "its symbolic link to {} leads outside the source tree",
                            target.display()
                        ),
                    ))
                }
                Err(_) => {
                    return Err(self.unsafe_member(
                        path,
                        format!(
                            "its symbolic link to {} leads nowhere inside the source tree",
                            target.display()
                        ),
                    ))
                }
            }
        }
        Ok(())
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

fn unpack_tar(file: File, writer: &mut Writer) -> Result<(), BuildError> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(io::BufReader::new(file)));
    let entries = tar.entries().map_err(|e| writer.io_error(e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| writer.io_error(e))?;
        let name = entry.path().map_err(|e| writer.io_error(e))?.into_owned();
        let kind = match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let mode = entry.header().mode().unwrap_or(0o644);
                Member::File {
                    executable: mode & 0o111 != 0,
                }
            }
            tar::EntryType::Directory => Member::Directory,
            tar::EntryType::Symlink => Member::Symlink,
            tar::EntryType::Link => Member::Hardlink,
            // Headers describing the next member or the archive, already applied by `tar`.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => continue,
            other => {
                return Err(writer.unsafe_member(
                    &name,
                    format!("it is a {other:?} member (a device, FIFO or sparse file)"),
                ))
            }
        };
        let mut link = Vec::new();
        if matches!(kind, Member::Symlink | Member::Hardlink) {
            let target = entry.link_name_bytes().unwrap_or_default();
            link.extend_from_slice(&target);
            writer.add(&name, kind, &mut link.as_slice())?;
        } else {
            writer.add(&name, kind, &mut entry)?;
        }
    }
    Ok(())
}

fn unpack_zip(file: File, writer: &mut Writer) -> Result<(), BuildError> {
    let mut zip =
        zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| BuildError::Archive {
            archive: writer.archive.to_path_buf(),
            detail: format!("is not a readable zip archive ({e})"),
        })?;
    if zip.len() as u64 > writer.max_members {
        return Err(writer.unsafe_member(
            Path::new(""),
            format!("the archive has more than {} members", writer.max_members),
        ));
    }
    for index in 0..zip.len() {
        let mut member = zip.by_index(index).map_err(|e| BuildError::Archive {
            archive: writer.archive.to_path_buf(),
            detail: format!("has an unreadable member ({e})"),
        })?;
        let name = PathBuf::from(
            member
                .name()
                .map_err(|e| BuildError::Archive {
                    archive: writer.archive.to_path_buf(),
                    detail: format!("has a member whose name cannot be read ({e})"),
                })?
                .as_ref(),
        );
        let mode = member.unix_mode().unwrap_or(0o644);
        let kind = if member.is_symlink() {
            Member::Symlink
        } else if member.is_dir() {
            Member::Directory
        } else if mode & 0o170000 != 0 && mode & 0o170000 != 0o100000 {
            return Err(writer.unsafe_member(&name, "it is a device, FIFO or other special file"));
        } else {
            Member::File {
                executable: mode & 0o111 != 0,
            }
        };
        writer.add(&name, kind, &mut member)?;
    }
    Ok(())
}

/// The one top-level directory when it holds everything (as an sdist's `name-version/`).
fn project_root(dest: &Path) -> Result<PathBuf, BuildError> {
    let mut entries = fs::read_dir(dest)
        .map_err(|e| BuildError::io("read", dest, e))?
        .filter_map(Result::ok);
    let first = entries.next();
    let more = entries.next().is_some();
    match first {
        Some(entry) if !more && entry.file_type().is_ok_and(|t| t.is_dir()) => Ok(entry.path()),
        _ => Ok(dest.to_path_buf()),
    }
}

/// Reads `<top>/PKG-INFO` of an sdist without unpacking it (at most 16 MiB, strictly UTF-8).
/// `Ok(None)` when the archive has none at its top level.
pub fn read_pkg_info(archive: &Path, limits: &UnpackLimits) -> Result<Option<String>, BuildError> {
    const MAX: u64 = 16 << 20;
    let bad = |detail: String| BuildError::Archive {
        archive: archive.to_path_buf(),
        detail,
    };
    let is_pkg_info = |name: &Path| {
        member_path(name).ok().flatten().is_some_and(|p| {
            let parts: Vec<_> = p.components().collect();
            parts.len() == 2 && parts[1].as_os_str() == "PKG-INFO"
        })
    };
    let read = |data: &mut dyn Read| -> Result<String, BuildError> {
        let mut bytes = Vec::new();
        data.take(MAX + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| bad(format!("could not be read: {e}")))?;
        if bytes.len() as u64 > MAX {
            return Err(bad("has a PKG-INFO larger than 16 MiB".into()));
        }
        String::from_utf8(bytes).map_err(|_| bad("has a PKG-INFO that is not UTF-8".into()))
    };
    let file = File::open(archive).map_err(|e| BuildError::io("read", archive, e))?;
    match SdistFormat::from_path(archive) {
        Some(SdistFormat::TarGz) => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(io::BufReader::new(file)));
            let entries = tar
                .entries()
                .map_err(|e| bad(format!("is unreadable: {e}")))?;
            for (count, entry) in entries.enumerate() {
                if count as u64 >= limits.max_members {
                    break;
                }
                let mut entry = entry.map_err(|e| bad(format!("is unreadable: {e}")))?;
                let regular = entry.header().entry_type() == tar::EntryType::Regular;
                let name = entry.path().map(|p| p.into_owned());
                if regular && name.is_ok_and(|n| is_pkg_info(&n)) {
                    return read(&mut entry).map(Some);
                }
            }
            Ok(None)
        }
        Some(SdistFormat::Zip) => {
            let mut zip = zip::ZipArchive::new(io::BufReader::new(file))
                .map_err(|e| bad(format!("is not a readable zip archive ({e})")))?;
            let name = zip
                .file_names()
                .flatten()
                .find(|n| is_pkg_info(Path::new(n.as_ref())))
                .map(|n| n.into_owned());
            let Some(name) = name else { return Ok(None) };
            let mut member = zip
                .by_name(&name)
                .map_err(|e| bad(format!("has an unreadable PKG-INFO ({e})")))?;
            if member.is_symlink() {
                return Ok(None);
            }
            read(&mut member).map(Some)
        }
        None => Ok(None),
    }
}
