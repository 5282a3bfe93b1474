//! Reading a wheel as staff see it: its name and tags, whether it holds compiled code, what
//! each shared object needs, and which wheelhouse directory it belongs in.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use wheel_name::WheelFilename;

use crate::error::{AdminError, WheelProblem};
use elf_inspect::{inspect_elf, is_elf, rank_of_arch, ElfReport, LEVELS};

/// Largest member decompressed for inspection; a bigger one is reported, not read (a crafted
/// wheel must not make us allocate without bound).
const MAX_MEMBER: u64 = 2 << 30;

/// What `wheelhouse inspect` tells about a wheel.
#[derive(Clone, Debug)]
pub struct WheelReport {
    pub filename: String,
    pub name: String,
    pub version: String,
    /// Expanded tags, `py3-none-any` style.
    pub tags: Vec<String>,
    pub root_is_purelib: bool,
    /// `true` when every tag is `none-any` and no member is an ELF file.
    pub pure: bool,
    pub elf: Vec<ElfReport>,
    /// Members whose names are absolute or climb out with `..` (such a wheel is refused).
    pub unsafe_members: Vec<String>,
}

impl WheelReport {
    /// Highest level rank the code of any ELF member needs, with that member.
    pub fn code_level(&self) -> (usize, Option<&ElfReport>) {
        let top = self.elf.iter().max_by_key(|e| e.code_level);
        (top.map_or(0, |e| e.code_level), top)
    }
}

/// Reads a wheel and inspects its ELF members.
pub fn inspect_wheel(path: &Path) -> Result<WheelReport, AdminError> {
    let filename = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| AdminError::NotAWheelName {
            path: path.to_path_buf(),
        })?
        .to_string();
    let parsed =
        WheelFilename::parse(&filename).map_err(|source| AdminError::WheelName { source })?;
    let file = File::open(path).map_err(|e| AdminError::io(path, e))?;
    let mut archive =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|source| AdminError::NotAZip {
            path: path.to_path_buf(),
            source,
        })?;
    let wheel_text = wheel_metadata::read_dist_info_member(&mut archive, "WHEEL").ok();
    let root_is_purelib = wheel_text
        .as_deref()
        .and_then(|t| wheel_metadata::WheelInfo::parse(t).ok())
        .is_none_or(|w| w.root_is_purelib);
    let mut report = WheelReport {
        filename: filename.clone(),
        name: parsed.name().to_string(),
        version: parsed.version_text().to_string(),
        tags: parsed.tags().iter().map(|t| t.to_string()).collect(),
        root_is_purelib,
        pure: false,
        elf: Vec::new(),
        unsafe_members: Vec::new(),
    };
    for index in 0..archive.len() {
        let unreadable = |source| AdminError::broken(path, WheelProblem::Member { index, source });
        let mut member = archive.by_index(index).map_err(unreadable)?;
        let name = member.name().map(|n| n.to_string()).map_err(unreadable)?;
        if member.enclosed_name().is_none() {
            report.unsafe_members.push(name);
            continue;
        }
        if member.is_dir() || member.size() < 64 {
            continue;
        }
        let mut head = [0u8; 4];
        if member.read_exact(&mut head).is_err() || !is_elf(&head) {
            continue;
        }
        if member.size() > MAX_MEMBER {
            report.elf.push(ElfReport {
                path: name,
                problem: Some("larger than 2 GiB; not inspected".into()),
                ..ElfReport::default()
            });
            continue;
        }
        let mut bytes = Vec::with_capacity(member.size() as usize);
        bytes.extend_from_slice(&head);
        if let Err(e) = member.by_ref().take(MAX_MEMBER).read_to_end(&mut bytes) {
            report.elf.push(ElfReport {
                path: name,
                problem: Some(format!("cannot decompress: {e}")),
                ..ElfReport::default()
            });
            continue;
        }
        report.elf.push(inspect_elf(&name, &bytes));
    }
    report.pure = report.elf.is_empty() && report.tags.iter().all(|t| t.ends_with("-none-any"));
    Ok(report)
}

/// How `add` picks the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArchChoice {
    /// Pure wheels to `generic/`; binary ones from the RPATHs of their shared objects.
    Auto,
    /// A CPU level given by staff (`generic`, `x86-64-v3`, `avx2`…).
    Fixed(String),
}

/// Where a wheel goes, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Relative to the wheelhouse root: `generic`, `gentoo2023/x86-64-v3`, …
    pub dir: String,
    /// The CPU level of that directory.
    pub arch: String,
    pub reason: String,
    /// The RPATH/RUNPATH entry that named the level, when that decided it.
    pub evidence: Option<RpathEvidence>,
    /// Set when the code uses instructions beyond the directory's level.
    pub warning: Option<String>,
}

/// An RPATH/RUNPATH entry naming a CPU level, and the shared object carrying it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpathEvidence {
    /// Path of the ELF member inside the wheel.
    pub member: String,
    pub entry: String,
}

/// Arch names a path component may carry, most specific first.
const ARCH_NAMES: &[&str] = &["x86-64-v4", "x86-64-v3", "avx512", "avx2", "avx", "sse3"];

/// Picks the directory of a wheel, as the site's scripts do: pure wheels to the top-level
/// `generic/`; a binary wheel to the CPU level named by a component of one of its
/// RPATH/RUNPATH entries (the site's libraries live under `…/x86-64-v3/…`), under the
/// compatibility layer (`gentoo2023`, or `gentoo2020` for the 2020 level names, unless
/// `layer` says otherwise); else `<layer>/generic`.
pub fn choose_placement(
    report: &WheelReport,
    choice: &ArchChoice,
    layer: Option<&str>,
) -> Placement {
    let layer_for = |arch: &str| {
        layer.map(str::to_string).unwrap_or_else(|| {
            if wheel_name::ARCHITECTURES_2020.contains(&arch) && arch != "generic" {
                "gentoo2020".into()
            } else {
                "gentoo2023".into()
            }
        })
    };
    let mut evidence = None;
    let (dir, arch, reason) = match choice {
        ArchChoice::Fixed(arch) if report.pure && arch == "generic" => (
            "generic".to_string(),
            arch.clone(),
            "pure Python wheel; --arch generic given".to_string(),
        ),
        ArchChoice::Fixed(arch) => (
            format!("{}/{arch}", layer_for(arch)),
            arch.clone(),
            format!("--arch {arch} given"),
        ),
        ArchChoice::Auto if report.pure => (
            "generic".into(),
            "generic".into(),
            "pure Python wheel: every tag is none-any, no compiled code".into(),
        ),
        ArchChoice::Auto => {
            let found = report.elf.iter().find_map(|elf| {
                elf.rpath.iter().chain(&elf.runpath).find_map(|entry| {
                    let arch = entry
                        .split([':', '/'])
                        .find_map(|component| ARCH_NAMES.iter().find(|a| **a == component))?;
                    Some((*arch, entry.clone(), elf.path.clone()))
                })
            });
            match found {
                Some((arch, entry, member)) => {
                    let reason = format!("RPATH {entry} of {member} names {arch}");
                    evidence = Some(RpathEvidence { member, entry });
                    (
                        format!("{}/{arch}", layer_for(arch)),
                        arch.to_string(),
                        reason,
                    )
                }
                None => (
                    format!("{}/generic", layer_for("generic")),
                    "generic".into(),
                    "compiled code whose RPATHs name no CPU level".into(),
                ),
            }
        }
    };
    let allowed = rank_of_arch(&arch).unwrap_or(LEVELS.len());
    let warning = match report.code_level() {
        (level, Some(elf)) if level > allowed => Some(format!(
            "{} uses {} ({}) but goes to {dir}, whose nodes may lack them: jobs would die with \
             'Illegal instruction'. Build it for that level or add it with --arch {}",
            elf.path,
            elf.extensions
                .iter()
                .filter(|e| elf_inspect::rank_of_extension(e) > allowed)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            LEVELS[level],
            match level {
                4 => "x86-64-v4",
                3 => "x86-64-v3",
                _ => "x86-64-v3",
            }
        )),
        _ => None,
    };
    Placement {
        dir,
        arch,
        reason,
        evidence,
        warning,
    }
}
