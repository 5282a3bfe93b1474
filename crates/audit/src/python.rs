//! The Python a (Python, level) pair is checked as: its full version and marker values.

use std::collections::HashMap;

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use wheel_name::PythonVersion;

/// The full version a Python is checked as: its micro version from `micro`, else `.0`.
pub(crate) fn full_version(python: PythonVersion, micro: &HashMap<PythonVersion, u32>) -> Version {
    let micro = micro.get(&python).copied().unwrap_or(0);
    Version::new([python.major as u64, python.minor as u64, micro as u64])
}

pub(crate) fn markers_for(
    python: PythonVersion,
    micro: &HashMap<PythonVersion, u32>,
) -> Option<MarkerEnvironment> {
    let full = full_version(python, micro).to_string();
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: "Linux",
        platform_version: "",
        python_full_version: &full,
        python_version: &format!("{}.{}", python.major, python.minor),
        sys_platform: "linux",
    })
    .ok()
}
