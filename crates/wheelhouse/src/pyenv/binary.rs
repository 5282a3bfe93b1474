//! `install --upgrade-strategy`, as pip takes it (`--only-binary` and `--no-binary` are
//! `crate::binary_args`', shared with `download`).

/// pip's `--upgrade-strategy`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeStrategy {
    /// Upgrade dependencies only when the installed version does not fit
    OnlyIfNeeded,
    /// Upgrade every dependency to the newest version
    Eager,
}
