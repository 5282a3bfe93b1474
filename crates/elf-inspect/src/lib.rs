//! ELF inspection, this crate's one job (what to do about the answer is `admin`'s, which
//! places and refuses wheels by it). What a shared object needs from the machine: its
//! RPATH/RUNPATH (where the site's wheels
//! find their libraries, and so which CPU level they were built for), its needed libraries,
//! the highest `GLIBC_` symbol version it links against, the x86 ISA level its GNU property
//! note declares, and the instruction-set extensions its code really uses.
//!
//! The last one is found by decoding every executable section with a disassembler: the
//! property note is optional and compilers often leave it out, while one AVX-512 instruction
//! in a wheel headed for `generic` crashes jobs on older nodes with `SIGILL`.
//!
//! ```
//! use elf_inspect::{inspect_elf, rank_of_arch, rank_of_extension, LEVELS};
//! // A directory's level allows code up to its rank.
//! assert_eq!(LEVELS[rank_of_arch("avx2").unwrap()], "x86-64-v3");
//! assert!(rank_of_extension("AVX512F") > rank_of_arch("x86-64-v3").unwrap());
//! // Malformed input is reported, never a panic.
//! let report = inspect_elf("lib/_x.so", b"\x7fELF garbage");
//! assert!(report.problem.is_some());
//! ```

use std::collections::BTreeSet;

use goblin::elf::Elf;
use iced_x86::{Decoder, DecoderOptions, Instruction};

/// CPU levels in increasing order; a wheel's code needs the highest level of any extension
/// it uses. `avx` sits between the x86-64-v2 and v3 levels (2020 layout).
pub const LEVELS: &[&str] = &["generic", "x86-64-v2", "avx", "x86-64-v3", "x86-64-v4"];

/// The level rank (index in [`LEVELS`]) a directory's arch name allows.
pub fn rank_of_arch(arch: &str) -> Option<usize> {
    Some(match arch {
        "generic" => 0,
        "sse3" | "x86-64-v2" => 1,
        "avx" => 2,
        "avx2" | "x86-64-v3" => 3,
        "avx512" | "x86-64-v4" => 4,
        _ => return None,
    })
}

/// The level rank an extension needs, by the x86-64 psABI level definitions (AVX-512 of any
/// kind counts as v4); 0 for the baseline and for extensions outside the levels (AES, SHA…,
/// which the site's nodes all have).
pub fn rank_of_extension(name: &str) -> usize {
    match name {
        "SSE3" | "SSSE3" | "SSE4_1" | "SSE4_2" | "POPCNT" | "CMPXCHG16B" => 1,
        "AVX" | "XSAVE" => 2,
        "AVX2" | "FMA" | "BMI1" | "BMI2" | "F16C" | "LZCNT" | "MOVBE" => 3,
        n if n.starts_with("AVX512") => 4,
        _ => 0,
    }
}

/// Extensions every x86-64 CPU has; not worth listing.
const BASELINE: &[&str] = &[
    "INTEL8086",
    "INTEL186",
    "INTEL286",
    "INTEL386",
    "INTEL486",
    "X64",
    "FPU",
    "FPU287",
    "FPU387",
    "CMOV",
    "CX8",
    "SSE",
    "SSE2",
    "MMX",
    "MULTIBYTENOP",
    "PAUSE",
    "RDTSC",
    "SYSCALL",
    "CPUID",
    "CLFSH",
    "FXSAVE_FXRSTOR",
    "LAHF_SAHF",
    "TSC",
    "SMM",
    // endbr64: a no-op on processors without CET, so not a requirement.
    "CET_IBT",
];

/// What one ELF file needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElfReport {
    /// Path of the member inside the wheel.
    pub path: String,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    pub needed: Vec<String>,
    /// Highest `GLIBC_x.y` version needed, as text (`2.17`).
    pub max_glibc: Option<String>,
    /// The ISA level the GNU property note says is needed (`x86-64-v3`), if any.
    pub isa_needed: Option<String>,
    /// Extensions beyond the x86-64 baseline used by the code, sorted (`AVX2`, `FMA`…).
    pub extensions: BTreeSet<String>,
    /// Rank in [`LEVELS`] of the highest level the code needs.
    pub code_level: usize,
    /// Set when the file could not be parsed or decoded in full.
    pub problem: Option<String>,
}

impl ElfReport {
    /// The name of [`ElfReport::code_level`].
    pub fn code_level_name(&self) -> &'static str {
        LEVELS[self.code_level.min(LEVELS.len() - 1)]
    }
}

/// Whether bytes start like an ELF file.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

const NT_GNU_PROPERTY_TYPE_0: u32 = 5;
const GNU_PROPERTY_X86_ISA_1_NEEDED: u32 = 0xc000_8002;

/// Inspects one ELF file. Never panics on malformed input: what cannot be parsed is reported
/// in [`ElfReport::problem`].
pub fn inspect_elf(path: &str, bytes: &[u8]) -> ElfReport {
    let mut report = ElfReport {
        path: path.to_string(),
        ..ElfReport::default()
    };
    let elf = match Elf::parse(bytes) {
        Ok(elf) => elf,
        Err(e) => {
            report.problem = Some(format!("not a readable ELF file: {e}"));
            return report;
        }
    };
    report.rpath = elf.rpaths.iter().map(|s| s.to_string()).collect();
    report.runpath = elf.runpaths.iter().map(|s| s.to_string()).collect();
    report.needed = elf.libraries.iter().map(|s| s.to_string()).collect();
    report.max_glibc = max_glibc(&elf);
    report.isa_needed = isa_needed(&elf, bytes);
    let bitness = if elf.is_64 { 64 } else { 32 };
    let mut seen = [false; 512];
    for sh in elf.section_headers.iter() {
        let executable = sh.sh_flags & u64::from(goblin::elf::section_header::SHF_EXECINSTR) != 0;
        if !executable || sh.sh_type != goblin::elf::section_header::SHT_PROGBITS {
            continue;
        }
        let start = sh.sh_offset as usize;
        let Some(code) = start
            .checked_add(sh.sh_size as usize)
            .and_then(|end| bytes.get(start..end))
        else {
            report.problem = Some("an executable section lies outside the file".into());
            continue;
        };
        decode(code, bitness, &mut seen);
    }
    for (index, used) in seen.iter().enumerate() {
        if !used {
            continue;
        }
        let Some(feature) = feature_name(index) else {
            continue;
        };
        report.code_level = report.code_level.max(rank_of_extension(&feature));
        if !BASELINE.contains(&feature.as_str()) {
            report.extensions.insert(feature);
        }
    }
    report
}

/// Marks every CPUID feature the instructions of `code` need.
///
/// # Performance
/// A linear sweep with a reused instruction; a few hundred MB/s, so even a 100 MB library
/// takes well under a second per core.
fn decode(code: &[u8], bitness: u32, seen: &mut [bool; 512]) {
    let mut decoder = Decoder::new(bitness, code, DecoderOptions::NONE);
    let mut instruction = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut instruction);
        if instruction.is_invalid() {
            continue;
        }
        for feature in instruction.cpuid_features() {
            if let Some(slot) = seen.get_mut(*feature as usize) {
                *slot = true;
            }
        }
    }
}

fn feature_name(index: usize) -> Option<String> {
    // CpuidFeature is a dense enum; walk it once to map indices back to names.
    iced_x86::CpuidFeature::values()
        .find(|f| *f as usize == index)
        .map(|f| format!("{f:?}"))
}

fn max_glibc(elf: &Elf) -> Option<String> {
    let verneed = elf.verneed.as_ref()?;
    let mut best: Option<(u32, u32, String)> = None;
    for need in verneed.iter() {
        for aux in need.iter() {
            let Some(name) = elf.dynstrtab.get_at(aux.vna_name) else {
                continue;
            };
            let Some(version) = name.strip_prefix("GLIBC_") else {
                continue;
            };
            let mut parts = version.split('.');
            let major = parts.next().and_then(|p| p.parse().ok());
            let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
            if let Some(major) = major {
                if best
                    .as_ref()
                    .is_none_or(|(a, b, _)| (major, minor) > (*a, *b))
                {
                    best = Some((major, minor, version.to_string()));
                }
            }
        }
    }
    best.map(|(_, _, v)| v)
}

/// The ISA level from a `.note.gnu.property` `X86_ISA_1_NEEDED` property (bit 0 baseline,
/// 1 v2, 2 v3, 3 v4).
fn isa_needed(elf: &Elf, bytes: &[u8]) -> Option<String> {
    let align = if elf.is_64 { 8 } else { 4 };
    let notes = elf.iter_note_sections(bytes, Some(".note.gnu.property"))?;
    for note in notes.flatten() {
        if note.n_type != NT_GNU_PROPERTY_TYPE_0 || note.name != "GNU" {
            continue;
        }
        let desc = note.desc;
        let mut at = 0usize;
        while at + 8 <= desc.len() {
            let kind = u32::from_le_bytes(desc[at..at + 4].try_into().ok()?);
            let size = u32::from_le_bytes(desc[at + 4..at + 8].try_into().ok()?) as usize;
            let data = desc.get(at + 8..at + 8 + size)?;
            if kind == GNU_PROPERTY_X86_ISA_1_NEEDED && size >= 4 {
                let bits = u32::from_le_bytes(data[..4].try_into().ok()?);
                let level = (0..4).rev().find(|b| bits & (1 << b) != 0)?;
                return Some(
                    ["x86-64-baseline", "x86-64-v2", "x86-64-v3", "x86-64-v4"][level].into(),
                );
            }
            at += 8 + size.div_ceil(align) * align;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_of_extensions() {
        assert_eq!(rank_of_extension("AVX512F"), 4);
        assert_eq!(rank_of_extension("AVX512_VNNI"), 4);
        assert_eq!(rank_of_extension("FMA"), 3);
        assert_eq!(rank_of_extension("SSE2"), 0);
        assert_eq!(rank_of_arch("avx2"), rank_of_arch("x86-64-v3"));
    }

    #[test]
    fn garbage_is_reported_not_a_panic() {
        let r = inspect_elf("x.so", b"\x7fELF\x02\x01\x01garbage");
        assert!(r.problem.is_some());
        let r = inspect_elf(
            "y.so",
            &[
                0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 62, 0, 1, 0, 0,
                0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ],
        );
        assert!(r.problem.is_some() || r.extensions.is_empty());
    }

    /// A real executable, damaged in many deterministic ways: parsing and decoding must
    /// report problems, never panic.
    #[test]
    fn damaged_elf_files_never_panic() {
        let original = std::fs::read("/bin/true").expect("/bin/true");
        assert!(inspect_elf("true", &original).problem.is_none());
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..300 {
            let mut bytes = original.clone();
            match round % 3 {
                0 => {
                    // Scribble over the ELF and program headers.
                    for _ in 0..8 {
                        let at = (next() % 128) as usize;
                        bytes[at] = next() as u8;
                    }
                }
                1 => {
                    // Scribble anywhere, including the section headers at the end.
                    for _ in 0..32 {
                        let at = (next() as usize) % bytes.len();
                        bytes[at] = next() as u8;
                    }
                }
                _ => bytes.truncate((next() as usize) % bytes.len()),
            }
            let result = std::panic::catch_unwind(|| inspect_elf("damaged", &bytes));
            assert!(result.is_ok(), "round {round} panicked");
        }
    }

    #[test]
    fn decodes_avx2_and_avx512() {
        let mut seen = [false; 512];
        // vpaddd ymm0, ymm1, ymm2 (AVX2); vaddps zmm0, zmm1, zmm2 (AVX512F)
        decode(
            &[0xc5, 0xf5, 0xfe, 0xc2, 0x62, 0xf1, 0x74, 0x48, 0x58, 0xc2],
            64,
            &mut seen,
        );
        let names: Vec<String> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .filter_map(|(i, _)| feature_name(i))
            .collect();
        assert!(names.contains(&"AVX2".to_string()), "{names:?}");
        assert!(names.contains(&"AVX512F".to_string()), "{names:?}");
    }
}
