//! `wheelhouse hash`: pip's `hash`, the `--hash=` line of a file for a requirements file
//! (`--require-hashes`), in pip's format.

use std::path::PathBuf;

/// Options of `wheelhouse hash`.
#[derive(clap::Args, Debug)]
pub struct HashArgs {
    /// Wheels or source archives to hash
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The hash algorithm
    #[arg(short = 'a', long = "algorithm", value_enum, default_value = "sha256")]
    algorithm: Algorithm,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }
}

pub fn run(args: HashArgs) -> i32 {
    if args.files.is_empty() {
        crate::out::print_error(
            "wheelhouse hash",
            "give the files to hash: `wheelhouse hash dist/pkg-1.0-py3-none-any.whl`",
        );
        // pip prints its usage and exits 1.
        return 1;
    }
    for path in &args.files {
        let hex = wheel_metadata::RecordHash::file_hex_digest(args.algorithm.name(), path)
            .map(|d| d.expect("every algorithm offered is supported"));
        match hex {
            Ok(hex) => {
                outln!(
                    "{}:\n--hash={}:{hex}",
                    path.display(),
                    args.algorithm.name()
                );
            }
            Err(e) => {
                crate::out::print_error(
                    "wheelhouse hash",
                    &format!(
                        "cannot read {}: {e}; nothing after it was hashed. Check the path.",
                        path.display()
                    ),
                );
                // pip fails here with its "unknown error" code.
                return 2;
            }
        }
    }
    0
}
