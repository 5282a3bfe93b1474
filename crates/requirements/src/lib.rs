//! What users ask for: requirement strings, version specifiers and requirement files.
//!
//! Four pieces, each matching the tool users already know:
//! - [`SpecifierSet`]: version specifiers with packaging 21.3's semantics (the reference
//!   `avail_wheels` runs on it), including its pre-release rule and its fallback to legacy
//!   specifiers for versions that are not PEP 440 (`numpy>=1.21.*` is accepted that way).
//! - [`WildRequirement`]: PEP 508 requirements whose name may hold `*` globs (`"*cdf*"`).
//! - [`NameGlob`]: the one `*` name glob (requirement names, listing filters, file names).
//! - [`read_requirement_files`]: pip requirement files (nested `-r`/`-c`, comments,
//!   continuation lines, `${VAR}` from the variables the caller passes, options lines) and
//!   `pyproject.toml` dependencies.
//!
//! ```
//! use loose_version::LooseVersion;
//! use requirements::WildRequirement;
//!
//! let req = WildRequirement::parse_dropping_local("jaxlib==0.4.20+cuda12.computecanada").unwrap();
//! assert_eq!(req.name, "jaxlib");
//! assert!(req.specifier.contains(&LooseVersion::parse("0.4.20")));
//!
//! let glob = WildRequirement::parse("*CDF*").unwrap();
//! assert!(glob.is_glob() && glob.matches_name("netCDF4"));
//! // Pre-releases are left out unless asked for.
//! assert!(!glob.specifier.contains(&LooseVersion::parse("2.0rc1")));
//! ```

mod file;
mod glob;
mod marker;
mod specifier;
mod wild;

pub use file::{
    excerpt, parse_requirements_text, read_constraint_file, read_requirement_files, FileError,
    RequirementLine, RequirementsFile, MAX_LINE_BYTES,
};
pub use glob::NameGlob;
pub use specifier::{Specifier, SpecifierError, SpecifierSet};
pub use wild::{RequirementError, WildRequirement};
