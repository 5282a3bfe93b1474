//! Queries over the wheelhouse: which wheels a listing request selects.
//!
//! `avail_wheels` (and `wheelhouse avail`) asks this crate, then prints (the table is the
//! `table` crate's, the columns and flags the command line's). A [`Query`] holds
//! the names asked for (globs allowed, matched by [`requirements::NameGlob`]), the Pythons
//! and CPU levels, and whether to keep only each name's latest version; [`run`] lists the
//! site's wheelhouse through [`catalog`] and returns the wheels grouped by lower-cased name,
//! in the walk order the reference's stable sorts depend on.
//!
//! ```
//! # let root = std::env::temp_dir().join(format!("query-doc-{}", std::process::id()));
//! # let dir = root.join("gentoo2023/generic");
//! # std::fs::create_dir_all(&dir).unwrap();
//! # for f in ["netCDF4-1.6.5-cp311-cp311-linux_x86_64.whl", "netCDF4-1.7.0-cp311-cp311-linux_x86_64.whl", "six-1.16.0-py2.py3-none-any.whl"] {
//! #     std::fs::write(dir.join(f), "").unwrap();
//! # }
//! use catalog_query::{requirement_set, run, Query};
//! use site_config::{ProcessVars, PythonVersion, SiteConfig};
//!
//! let vars = ProcessVars::from_pairs([("WHEELHOUSE", root.to_str().unwrap())]);
//! let site = SiteConfig::from_env(&vars);
//! let names = ["*cdf*".to_string()];
//! let requirements = requirement_set(&[], &names, &[], None, &|_| None, &mut |_| {}).unwrap();
//! let request = Query {
//!     requirements,
//!     pythons: vec![PythonVersion::parse("3.11").unwrap()],
//!     archs: Vec::new(),
//!     latest_only: true,
//!     not_available: false,
//!     not_available_only: false,
//! };
//! let result = run(&request, &site).unwrap();
//! assert_eq!(result.groups.len(), 1);
//! assert_eq!(result.groups[0].0, "netcdf4");
//! assert_eq!(result.groups[0].1.len(), 1); // 1.7.0 only
//! # std::fs::remove_dir_all(&root).unwrap();
//! ```

mod request;
mod select;

pub use request::{requirement_set, Query, RequirementSet};
pub use select::{run, version_of, Entry, QueryResult};
