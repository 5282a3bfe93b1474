//! The ordered tag list an installer uses: which wheels a target interpreter accepts, and which
//! of them fits best.
//!
//! The order is `packaging.tags.sys_tags()`: interpreter-specific ABI first, then `abi3`, then
//! `none`, each over the platforms from most to least specific; then the pure-Python tags. A
//! lower rank is a better fit. Site policy decides the platforms: `linux_x86_64` only (the
//! cluster's wheels), or also the `manylinux` family for the node's glibc when the site opts in.

use std::collections::HashMap;

use crate::filename::WheelFilename;
use crate::PythonVersion;

/// What the tags are generated for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagTarget {
    /// `cpython` or `pypy` (`sys.implementation.name`).
    pub implementation: String,
    pub python: PythonVersion,
    /// The interpreter's ABI tag (`cp311`, `pypy39_pp73`): `SOABI`'s first part, normalised.
    pub abi: String,
    /// The generic platform (`linux_x86_64`).
    pub platform: String,
    /// The C library version that `manylinux_2_X` tags are checked against, when known.
    pub glibc: Option<(u32, u32)>,
}

/// Every tag a target accepts, with its rank (0 is the best fit).
#[derive(Clone, Debug, Default)]
pub struct TagPriority {
    ranks: HashMap<Box<str>, u32>,
    /// `python-abi` pairs accepted on some platform, to tell "wrong platform" from "wrong
    /// Python" in messages.
    python_abi: std::collections::HashSet<Box<str>>,
}

impl TagPriority {
    /// The tags for a target; `manylinux` adds the `manylinux` platforms the glibc allows.
    pub fn new(target: &TagTarget, manylinux: bool) -> TagPriority {
        let platforms = platforms(target, manylinux);
        let mut ordered: Vec<String> = Vec::new();
        let py = target.python;
        let interpreter = match target.implementation.as_str() {
            "cpython" => format!("cp{}{}", py.major, py.minor),
            "pypy" => format!("pp{}{}", py.major, py.minor),
            other => format!("{}{}{}", &other[..other.len().min(2)], py.major, py.minor),
        };
        let mut abis = vec![target.abi.clone()];
        let is_cpython = target.implementation == "cpython";
        if is_cpython && py.major >= 3 && py.minor >= 2 {
            abis.push("abi3".into());
        }
        abis.push("none".into());
        for abi in &abis {
            for platform in &platforms {
                ordered.push(format!("{interpreter}-{abi}-{platform}"));
            }
        }
        if is_cpython {
            for minor in (2..py.minor).rev() {
                for platform in &platforms {
                    ordered.push(format!("cp{}{}-abi3-{platform}", py.major, minor));
                }
            }
        }
        let mut versions = vec![
            format!("py{}{}", py.major, py.minor),
            format!("py{}", py.major),
        ];
        versions.extend((0..py.minor).rev().map(|m| format!("py{}{}", py.major, m)));
        for version in &versions {
            for platform in &platforms {
                ordered.push(format!("{version}-none-{platform}"));
            }
        }
        ordered.push(format!("{interpreter}-none-any"));
        for version in &versions {
            ordered.push(format!("{version}-none-any"));
        }
        let mut ranks = HashMap::with_capacity(ordered.len());
        let mut python_abi = std::collections::HashSet::new();
        for (rank, tag) in ordered.into_iter().enumerate() {
            if let Some((pa, _)) = tag.rsplit_once('-') {
                python_abi.insert(pa.to_string().into_boxed_str());
            }
            ranks.entry(tag.into_boxed_str()).or_insert(rank as u32);
        }
        TagPriority { ranks, python_abi }
    }

    /// Whether one of the wheel's tags names a Python and ABI the target runs, whatever the
    /// platform: a wheel refused only for its platform (musllinux, a newer manylinux, another
    /// machine) is not a wheel "for another Python".
    pub fn accepts_python_abi(&self, wheel: &WheelFilename) -> bool {
        wheel.tags().iter().any(|t| {
            let text = t.to_string();
            text.rsplit_once('-')
                .is_some_and(|(pa, _)| self.python_abi.contains(pa))
        })
    }

    /// The best rank among a wheel's tags, or `None` when the target accepts none of them.
    pub fn rank(&self, wheel: &WheelFilename) -> Option<u32> {
        wheel
            .tags()
            .iter()
            .filter_map(|t| self.ranks.get(t.to_string().as_str()).copied())
            .min()
    }

    /// Number of accepted tags.
    pub fn len(&self) -> usize {
        self.ranks.len()
    }

    /// Whether no tag is accepted.
    pub fn is_empty(&self) -> bool {
        self.ranks.is_empty()
    }
}

/// Platforms in the order the newest `packaging` (pip 26's) gives for glibc Linux: the plain
/// `linux_<arch>` first (on a cluster, the site's own builds), then the `manylinux` family
/// from the newest glibc down.
fn platforms(target: &TagTarget, manylinux: bool) -> Vec<String> {
    let mut out = vec![target.platform.clone()];
    let arch = target.platform.strip_prefix("linux_").map(str::to_string);
    if let (true, Some(arch), Some((2, glibc_minor))) = (manylinux, &arch, target.glibc) {
        let oldest = if arch == "x86_64" || arch == "i686" {
            5
        } else {
            17
        };
        for minor in (oldest..=glibc_minor).rev() {
            out.push(format!("manylinux_2_{minor}_{arch}"));
            let legacy = match minor {
                17 => Some("manylinux2014"),
                12 => Some("manylinux2010"),
                5 => Some("manylinux1"),
                _ => None,
            };
            if let Some(legacy) = legacy {
                out.push(format!("{legacy}_{arch}"));
            }
        }
    }
    out
}

/// Whether a platform tag belongs to the `manylinux` family (the site refuses these by default).
pub fn is_manylinux(platform: &str) -> bool {
    platform.starts_with("manylinux")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp311() -> TagTarget {
        TagTarget {
            implementation: "cpython".into(),
            python: PythonVersion::new(3, 11),
            abi: "cp311".into(),
            platform: "linux_x86_64".into(),
            glibc: Some((2, 36)),
        }
    }

    fn rank(p: &TagPriority, name: &str) -> Option<u32> {
        p.rank(&WheelFilename::parse(name).unwrap())
    }

    #[test]
    fn specific_tags_rank_before_generic_ones() {
        let p = TagPriority::new(&cp311(), false);
        let native = rank(&p, "numpy-1.0-cp311-cp311-linux_x86_64.whl").unwrap();
        let abi3 = rank(&p, "x-1.0-cp38-abi3-linux_x86_64.whl").unwrap();
        let pure = rank(&p, "six-1.0-py2.py3-none-any.whl").unwrap();
        assert!(native < abi3 && abi3 < pure);
        assert_eq!(rank(&p, "numpy-1.0-cp310-cp310-linux_x86_64.whl"), None);
    }

    #[test]
    fn manylinux_only_with_the_policy_opt_in() {
        let name = "numpy-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
        assert_eq!(rank(&TagPriority::new(&cp311(), false), name), None);
        let allowed = TagPriority::new(&cp311(), true);
        assert!(rank(&allowed, name).is_some());
        assert!(
            rank(&allowed, "a-1-cp311-cp311-manylinux_2_38_x86_64.whl").is_none(),
            "newer glibc than the node's"
        );
        let local = rank(&allowed, "a-1-cp311-cp311-linux_x86_64.whl").unwrap();
        assert!(
            local < rank(&allowed, name).unwrap(),
            "the site's build comes first"
        );
    }

    #[test]
    fn pypy_tags() {
        let target = TagTarget {
            implementation: "pypy".into(),
            python: PythonVersion::new(3, 9),
            abi: "pypy39_pp73".into(),
            platform: "linux_x86_64".into(),
            glibc: None,
        };
        let p = TagPriority::new(&target, false);
        assert!(rank(&p, "a-1-pp39-pypy39_pp73-linux_x86_64.whl").is_some());
        assert!(rank(&p, "a-1-py3-none-any.whl").is_some());
        assert!(rank(&p, "a-1-cp39-abi3-linux_x86_64.whl").is_none());
    }
}
