//! `avail_wheels`: the cluster command, the same code as `wheelhouse avail`.
fn main() {
    std::process::exit(wheelhouse_cli::run_avail_wheels(
        std::env::args_os().collect(),
    ));
}
