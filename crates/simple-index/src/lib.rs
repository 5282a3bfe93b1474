//! The wheelhouse as a package index: which wheels each CPU level publishes, and the pages
//! that publish them. `wheelhouse index --html` writes them as a static tree and `wheelhouse
//! serve` answers them over HTTP (the `index-server` crate); both take everything from here.
//!
//! - [`site_views`], [`views_from_pip_configs`]: the levels and their search directories,
//!   from the wheelhouse layout or from the site's pip configuration files.
//! - [`index_levels`]: every level's projects and files, from the catalog, each file name
//!   once (the first search directory wins, as in `wheelhouse install`).
//! - [`root_html`], [`project_json`], …: PEP 503 HTML and PEP 691 JSON pages (PEP 658
//!   metadata attributes included).
//! - [`wheels_html`], [`package_page_html`]: the human page of every package ("Available
//!   Python wheels") and one page per package, with a search box.
//! - [`write_static_index`]: the static tree (`OUT/<level>/simple/…`, `OUT/files/…`,
//!   `OUT/index.html`, `OUT/wheels/…`).
//! - [`PublishRoot`]: what may be published at all (regular files inside the root, never
//!   through a link), checked when a file is copied, linked or served.
//!
//! ```
//! use simple_index::{project_html, root_json, IndexFile};
//! let file = IndexFile {
//!     rel: "generic/six-1.16.0-py2.py3-none-any.whl".into(),
//!     filename: "six-1.16.0-py2.py3-none-any.whl".into(),
//!     version: "1.16.0".into(),
//!     size: 11053,
//!     sha256: "ab".repeat(32),
//!     requires_python: Some(">=2.7".into()),
//!     metadata_sha256: None,
//! };
//! let page = project_html("six", &[file], "/files/");
//! assert!(page.contains("href=\"/files/generic/six-1.16.0-py2.py3-none-any.whl#sha256=abab"));
//! assert!(page.contains("data-requires-python=\"&gt;=2.7\""));
//! assert!(root_json(&["six"]).contains("\"projects\":[{\"name\":\"six\"}]"));
//! ```

mod error;
mod index_files;
mod levels;
mod pages;
mod published;
mod static_index;
mod views;
mod wheels_page;

pub use error::{ErrorKind, IndexError};
pub use index_files::FilesMode;
pub use levels::{index_levels, IndexFile, LevelProjects};
pub use pages::{project_html, project_json, root_html, root_json};
pub use published::{PublishRoot, Refusal};
pub use static_index::{write_static_index, IndexStats};
pub use views::{chosen_views, rebase_views, site_views, views_from_pip_configs, View};
pub use wheels_page::{
    package_page_html, summarize, wheels_html, PackageSummary, VersionSummary, PACKAGE_PAGES_DIR,
};
