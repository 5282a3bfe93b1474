//! The CPU level of this node (`RSNT_ARCH`), from the flags `/proc/cpuinfo` lists.
//!
//! The levels are the x86-64 micro-architecture levels the gentoo2023 software environment is
//! built for. `profile.sh` repeats this test in shell, so each node that sources it gets its
//! own level; [`SHELL_FLAGS_V3`] and [`SHELL_FLAGS_V4`] are shared with it.

/// Flags a CPU needs for `x86-64-v3` (AVX2 generation; `lzcnt` shows as `abm`).
pub const FLAGS_V3: &[&str] = &[
    "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave",
];
/// Flags a CPU needs, beyond [`FLAGS_V3`], for `x86-64-v4` (AVX-512).
pub const FLAGS_V4: &[&str] = &["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"];

/// The level for a `flags` line: `x86-64-v4`, `x86-64-v3` or `generic`.
pub fn arch_from_flags(flags: &str) -> &'static str {
    let have: std::collections::HashSet<&str> = flags.split_whitespace().collect();
    let all = |set: &[&str]| set.iter().all(|f| have.contains(f));
    if all(FLAGS_V3) && all(FLAGS_V4) {
        "x86-64-v4"
    } else if all(FLAGS_V3) {
        "x86-64-v3"
    } else {
        "generic"
    }
}

/// The level of this machine, from the first `flags` line of a cpuinfo text.
pub fn arch_from_cpuinfo(cpuinfo: &str) -> &'static str {
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v)
        .unwrap_or("");
    arch_from_flags(flags)
}

/// This node's level, read from `/proc/cpuinfo` (`generic` when it cannot be read).
pub fn this_node_arch() -> &'static str {
    arch_from_cpuinfo(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default())
}

/// The v3 flags as one space-separated word list, for the shell profiles.
pub fn shell_flags_v3() -> String {
    FLAGS_V3.join(" ")
}

/// The v4 flags as one space-separated word list, for the shell profiles.
pub fn shell_flags_v4() -> String {
    FLAGS_V4.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        let v3 = "fpu sse2 avx avx2 bmi1 bmi2 f16c fma abm movbe xsave";
        assert_eq!(arch_from_flags(v3), "x86-64-v3");
        let v4 = format!("{v3} avx512f avx512bw avx512cd avx512dq avx512vl");
        assert_eq!(arch_from_flags(&v4), "x86-64-v4");
        assert_eq!(arch_from_flags("fpu sse2 avx"), "generic");
        assert_eq!(
            arch_from_cpuinfo(&format!("processor: 0\nflags\t\t: {v3}\n")),
            "x86-64-v3"
        );
        assert_eq!(arch_from_cpuinfo(""), "generic");
    }
}
