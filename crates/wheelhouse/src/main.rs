fn main() {
    std::process::exit(wheelhouse_cli::run_wheelhouse(
        std::env::args_os().collect(),
    ));
}
