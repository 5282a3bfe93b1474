//! `wheelhouse index`: write the catalog file of a wheelhouse.

use std::path::PathBuf;
use std::time::Instant;

use catalog::Catalog;

/// Options of `wheelhouse index`; its help text is on the subcommand.
#[derive(clap::Args)]
pub struct IndexArgs {
    /// The wheelhouse root [default: $WHEELHOUSE]
    wheelhouse: Option<PathBuf>,
    /// Only report whether the catalog is present and fresh (exit 1 when it is not)
    #[arg(long)]
    check: bool,
    /// Also write a static package index (PEP 503 HTML, PEP 691 JSON, PEP 658 metadata) per
    /// CPU level into this directory, with OUT/index.html listing every package for people (a
    /// search box, one page per package in OUT/wheels/)
    #[arg(long, value_name = "OUT")]
    html: Option<PathBuf>,
    /// How OUT/files holds the wheels. symlink: links to the wheels' absolute paths, for a web
    /// server on this host that follows links. hardlink: when OUT is on the wheelhouse's file
    /// system and must survive a copy (rsync -a) or a server that does not follow links; a
    /// wheel on another file system is copied, with a warning. copy: a self-contained tree to
    /// copy elsewhere. A later run replaces files of another mode, removes those of wheels no
    /// longer published and leaves unchanged ones alone
    #[arg(long, value_name = "MODE", value_enum, default_value_t = FilesArg::Symlink, requires = "html")]
    files: FilesArg,
    /// With --html: the CPU levels and their directories from the site's pip configuration
    /// files (or directories of `pip-*.conf`), each file one level named after it
    /// (`pip-x86-64-v3.conf` is `x86-64-v3`) publishing its `find-links` in order; every
    /// directory must be inside the wheelhouse; may be repeated [default: the levels of the
    /// wheelhouse layout]
    #[arg(long, value_name = "FILE", requires = "html")]
    pip_config: Vec<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FilesArg {
    Symlink,
    Hardlink,
    Copy,
}

impl From<FilesArg> for simple_index::FilesMode {
    fn from(arg: FilesArg) -> simple_index::FilesMode {
        match arg {
            FilesArg::Symlink => simple_index::FilesMode::Symlink,
            FilesArg::Hardlink => simple_index::FilesMode::Hardlink,
            FilesArg::Copy => simple_index::FilesMode::Copy,
        }
    }
}

pub fn run(args: IndexArgs) -> i32 {
    let root = match crate::staff_args::existing_root(
        "wheelhouse index",
        args.wheelhouse,
        "as an argument",
    ) {
        Ok(root) => root,
        Err(code) => return code,
    };
    // Read before anything is written: a bad configuration leaves the catalog as it was.
    let views = match crate::staff_args::pip_config_views(&args.pip_config) {
        Ok(v) => v,
        Err(e) => return crate::staff_args::fail("wheelhouse index", &e),
    };
    if args.check {
        return match Catalog::load(&root) {
            Ok(Some(catalog)) => match catalog.check_fresh() {
                Ok(()) => {
                    outln!("{}: fresh", catalog.path().display());
                    0
                }
                Err(why) => {
                    outln!(
                        "{}: stale ({why}); run `wheelhouse index {}`",
                        catalog.path().display(),
                        crate::argv::shell_word(&root.to_string_lossy())
                    );
                    1
                }
            },
            Ok(None) => {
                outln!(
                    "{}: no catalog; run `wheelhouse index {}`",
                    root.display(),
                    crate::argv::shell_word(&root.to_string_lossy())
                );
                1
            }
            Err(e) => {
                outln!("{e}");
                1
            }
        };
    }
    let started = Instant::now();
    // The previous catalog's metadata is reused for unchanged directories; an old or broken
    // one is rebuilt from scratch, and the user is told why it takes longer.
    let previous = match Catalog::load(&root) {
        Ok(Some(old)) if old.format() < 3 => {
            errln!(
                "wheelhouse index: {} is in the old format (no wheel metadata); rebuilding it, \
                 reading every wheel once",
                old.path().display()
            );
            None
        }
        Ok(Some(old)) => match old.metadata_error() {
            Some(why) => {
                errln!("wheelhouse index: {why}; rebuilding it, reading every wheel once");
                None
            }
            None => Some(old),
        },
        Ok(None) => None,
        Err(e) => {
            errln!("wheelhouse index: {e}; rebuilding it, reading every wheel once");
            None
        }
    };
    let result =
        Catalog::rebuild(&root, previous.as_ref()).and_then(|c| c.write().map(|path| (c, path)));
    match result {
        Ok((catalog, path)) => {
            let (files, dirs) = catalog.counts();
            let stats = catalog.meta_stats();
            outln!(
                "Indexed {files} files in {dirs} directories in {:.2?}: {}",
                started.elapsed(),
                path.display()
            );
            outln!(
                "Wheel metadata: {} read, {} unchanged{}",
                stats.read,
                stats.reused,
                if stats.unreadable > 0 {
                    format!(
                        ", {} unreadable (files named like wheels that do not open as wheels: \
                         empty, truncated or not zip archives; avail_wheels still lists them \
                         by name, but nothing can install them; `wheelhouse audit --deep {}` \
                         names each)",
                        stats.unreadable,
                        crate::argv::shell_word(&root.to_string_lossy())
                    )
                } else {
                    String::new()
                }
            );
            // Links and other non-files named like wheels were not read: say why each is
            // not published.
            for refusal in simple_index::PublishRoot::new(&root).explain(&stats.not_files) {
                errln!("wheelhouse index: warning: {refusal}");
            }
            if let Some(out) = args.html {
                return write_html(&root, &out, args.files.into(), views.as_deref());
            }
            0
        }
        Err(e) => {
            crate::out::print_error("wheelhouse index", &e.to_string());
            1
        }
    }
}

fn write_html(
    root: &std::path::Path,
    out: &std::path::Path,
    mode: simple_index::FilesMode,
    views: Option<&[simple_index::View]>,
) -> i32 {
    let started = Instant::now();
    match simple_index::write_static_index(root, out, mode, views) {
        Ok(stats) => {
            if stats.copied_not_linked > 0 {
                errln!(
                    "wheelhouse index: {} wheels copied, not hard-linked: {} is on another file \
                     system than the wheelhouse",
                    stats.copied_not_linked,
                    out.display()
                );
            }
            outln!(
                "Static index of {} files ({} with metadata) for {} in {:.2?}: {}",
                stats.files,
                stats.metadata_files,
                stats.levels.join(", "),
                started.elapsed(),
                out.display()
            );
            outln!(
                "  files: {} written, {} unchanged, {} removed",
                stats.written,
                stats.files - stats.written,
                stats.removed
            );
            let shown = out.canonicalize().unwrap_or(out.to_path_buf());
            outln!(
                "  every package, with a search box: {}",
                shown.join("index.html").display()
            );
            if let Some(level) = stats.levels.first() {
                outln!(
                    "  pip install --index-url file://{}/{level}/simple/ PACKAGE",
                    shown.display()
                );
            }
            0
        }
        Err(e) => crate::staff_args::fail("wheelhouse index", &e),
    }
}
