//! Wheel file names and compatibility tags, read the way the cluster tools read them (what is
//! inside a wheel is `wheel-metadata`'s).
//!
//! A wheel file name is `name-version(-build)?-python-abi-platform.whl` (PEP 427), where each of
//! the three tag parts may be a compressed set (`py2.py3`). The site's `avail_wheels` does not use
//! a strict PEP 427 parser: it applies one permissive regular expression and expands the tag set
//! with `packaging.tags.parse_tag`. Listings must match that tool byte for byte, so
//! [`WheelFilename::parse`] reproduces its rules, quirks included (see its docs).
//!
//! ```
//! use wheel_name::{WheelFilename, CompatibleTags, PythonVersion};
//!
//! let wheel = WheelFilename::parse("numpy-1.26.4+computecanada-cp311-cp311-linux_x86_64.whl").unwrap();
//! assert_eq!(wheel.name(), "numpy");
//! assert_eq!(wheel.version().public(), "1.26.4");
//! assert_eq!(wheel.version().local().as_deref(), Some("computecanada"));
//! assert_eq!(wheel.python_column(), "cp311");
//!
//! let py311 = CompatibleTags::for_python(PythonVersion::new(3, 11));
//! assert!(py311.is_compatible(&wheel));
//! assert!(!CompatibleTags::for_python(PythonVersion::new(3, 10)).is_compatible(&wheel));
//! ```

mod arch;
mod filename;
mod priority;
mod tags;

pub use arch::{architectures_for_gentoo, ARCHITECTURES_2020, ARCHITECTURES_2023};
pub use filename::{ParseError, WheelFilename};
pub use priority::{is_manylinux, TagPriority, TagTarget};
pub use tags::{CompatibleTags, PythonVersion, Tag};
