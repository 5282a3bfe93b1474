//! `wheelhouse`: the whole command line is the library (`wheelhouse_cli`, `src/lib.rs`); this
//! file only hands it the arguments and exits with its code.
fn main() {
    std::process::exit(wheelhouse_cli::run_wheelhouse(
        std::env::args_os().collect(),
    ));
}
