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
    let result = Catalog::build(&root).and_then(|c| c.write().map(|path| (c, path)));
    match result {
        Ok((catalog, path)) => {
            let (files, dirs) = catalog.counts();
            println!(
                "Indexed {files} files in {dirs} directories in {:.2?}: {}",
                started.elapsed(),
                path.display()
            );
            0
        }
        Err(e) => {
            crate::print_error("wheelhouse index", &e.to_string());
            1
        }
    }
}
