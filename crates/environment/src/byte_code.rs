//! Whether an install byte-compiles: always (`--compile`), never (`--no-compile`), or by
//! where the environment lives (the command line's default).
//!
//! # Why the default depends on the file system
//! On a network file system (NFS, Lustre, GPFS, CVMFS and other FUSE mounts) every lookup an
//! import makes is a round trip, and a module without byte code costs a compile at each import
//! where the `.pyc` cannot be written (a read-only tree, or a user other than the owner) and
//! a write of it where it can (more round trips, and races between the jobs of an array that
//! import at once). Measured on `bench/slowfs.sh` at 1 ms a round trip, importing numpy,
//! scipy, pandas and matplotlib from an environment without byte code took 1.6–2.4× as long
//! as from pip's, which compiles at install. There the install compiles, once, and with the
//! unpacked-wheel cache the byte code is placed from the cache on the next install.
//! On a node-local disk (`$SLURM_TMPDIR`, the seed's recipe) the environment lives for one
//! job: a job imports a small part of what it installs, and compiling that at first import on
//! a local disk is cheaper than compiling everything up front, so the install does not.

use std::path::Path;

pub use installer::on_network_file_system;

/// When to byte-compile the installed modules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ByteCode {
    /// Never (`--no-compile`; build environments, which live for one build).
    #[default]
    Skip,
    /// Always (`--compile`; stack modules, published to trees users cannot write).
    Compile,
    /// When the environment is on a network file system (the command line's default).
    OnNetworkFileSystem,
}

impl ByteCode {
    /// The command line's choice: `--compile`, `--no-compile`, or neither (by file system).
    pub fn from_flags(compile: bool, no_compile: bool) -> ByteCode {
        match (compile, no_compile) {
            (_, true) => ByteCode::Skip,
            (true, false) => ByteCode::Compile,
            (false, false) => ByteCode::OnNetworkFileSystem,
        }
    }

    /// The choice made for the environment at `root`: `Compile` or `Skip`, so that later
    /// questions cost no `statfs` (a round trip on a network file system).
    pub fn decided(self, root: &Path) -> ByteCode {
        if self.applies_to(root) {
            ByteCode::Compile
        } else {
            ByteCode::Skip
        }
    }

    /// Whether an environment rooted at `root` is compiled.
    pub fn applies_to(self, root: &Path) -> bool {
        match self {
            ByteCode::Skip => false,
            ByteCode::Compile => true,
            ByteCode::OnNetworkFileSystem => on_network_file_system(root),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_choose_and_no_compile_wins() {
        assert_eq!(
            ByteCode::from_flags(false, false),
            ByteCode::OnNetworkFileSystem
        );
        assert_eq!(ByteCode::from_flags(true, false), ByteCode::Compile);
        assert_eq!(ByteCode::from_flags(true, true), ByteCode::Skip);
        assert_eq!(ByteCode::from_flags(false, true), ByteCode::Skip);
    }

    #[test]
    fn a_local_directory_is_not_compiled_by_default() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!ByteCode::OnNetworkFileSystem.applies_to(dir.path()));
        assert!(ByteCode::Compile.applies_to(dir.path()));
        assert!(!ByteCode::Skip.applies_to(dir.path()));
        assert_eq!(
            ByteCode::OnNetworkFileSystem.decided(dir.path()),
            ByteCode::Skip
        );
        assert_eq!(ByteCode::Compile.decided(dir.path()), ByteCode::Compile);
    }
}
