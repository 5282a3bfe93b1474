//! `wheelhouse index`: write the catalog file of a wheelhouse.

use std::path::PathBuf;
use std::time::Instant;

use catalog::Catalog;
use site_config::{Environment, SiteConfig};

/// Options of `wheelhouse index`; its help text is on the subcommand.
#[derive(clap::Args)]
pub struct IndexArgs {
    /// The wheelhouse root [default: $WHEELHOUSE]
    wheelhouse: Option<PathBuf>,
    /// Only report whether the catalog is present and fresh (exit 1 when it is not)
    #[arg(long)]
    check: bool,
}

pub fn run(args: IndexArgs) -> i32 {
    let root = args
        .wheelhouse
        .unwrap_or_else(|| SiteConfig::from_env(&Environment::from_process()).wheelhouse);
    if !root.is_dir() {
        crate::print_error(
            "wheelhouse index",
            &format!(
                "{} is not a directory. Give the wheelhouse root as an argument or set WHEELHOUSE",
                root.display()
            ),
        );
        return 2;
    }
    if args.check {
        return match Catalog::load(&root) {
            Ok(Some(catalog)) => match catalog.check_fresh() {
                Ok(()) => {
                    println!("{}: fresh", catalog.path().display());
                    0
                }
                Err(why) => {
                    println!(
                        "{}: stale ({why}); run `wheelhouse index`",
                        catalog.path().display()
                    );
                    1
                }
            },
            Ok(None) => {
                println!("{}: no catalog; run `wheelhouse index`", root.display());
                1
            }
            Err(e) => {
                println!("{e}");
                1
            }
        };
    }
    let started = Instant::now();
    // The previous catalog's metadata is reused for unchanged directories; an old or broken
    // one is rebuilt from scratch, and the user is told why it takes longer.
    let previous = match Catalog::load(&root) {
        Ok(Some(old)) if old.format() < 3 => {
            eprintln!(
                "wheelhouse index: {} is in the old format (no wheel metadata); rebuilding it,                  reading every wheel once",
                old.path().display()
            );
            None
        }
        Ok(Some(old)) => match old.metadata_error() {
            Some(why) => {
                eprintln!("wheelhouse index: {why}; rebuilding it, reading every wheel once");
                None
            }
            None => Some(old),
        },
        Ok(None) => None,
        Err(e) => {
            eprintln!("wheelhouse index: {e}; rebuilding it, reading every wheel once");
            None
        }
    };
    let result =
        Catalog::rebuild(&root, previous.as_ref()).and_then(|c| c.write().map(|path| (c, path)));
    match result {
        Ok((catalog, path)) => {
            let (files, dirs) = catalog.counts();
            let stats = catalog.meta_stats();
            println!(
                "Indexed {files} files in {dirs} directories in {:.2?}: {}",
                started.elapsed(),
                path.display()
            );
            println!(
                "Wheel metadata: {} read, {} unchanged{}",
                stats.read,
                stats.reused,
                if stats.unreadable > 0 {
                    format!(
                        ", {} unreadable (see `wheelhouse audit --deep`)",
                        stats.unreadable
                    )
                } else {
                    String::new()
                }
            );
            0
        }
        Err(e) => {
            crate::print_error("wheelhouse index", &e.to_string());
            1
        }
    }
}
