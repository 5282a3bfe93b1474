//! `wheelhouse serve`: the wheelhouse as a package index over HTTP (the `index-server` crate).

use std::net::SocketAddr;
use std::path::PathBuf;

/// Options of `wheelhouse serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The wheelhouse root [default: $WHEELHOUSE]
    wheelhouse: Option<PathBuf>,
    /// Address and port to listen on (port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// No access log on standard error
    #[arg(long, short)]
    quiet: bool,
    /// The CPU levels and their directories from the site's pip configuration files (or
    /// directories of `pip-*.conf`), each file one level named after it (`pip-x86-64-v3.conf`
    /// is `x86-64-v3`) serving its `find-links` in order; every directory must be inside the
    /// wheelhouse; may be repeated [default: the levels of the wheelhouse layout]
    #[arg(long, value_name = "FILE")]
    pip_config: Vec<PathBuf>,
}

pub fn run(args: ServeArgs) -> i32 {
    let root = match crate::staff_args::existing_root(
        "wheelhouse serve",
        args.wheelhouse,
        "as an argument",
    ) {
        Ok(root) => root,
        Err(code) => return code,
    };
    let views = match crate::staff_args::pip_config_views(&args.pip_config) {
        Ok(v) => v,
        Err(e) => return crate::staff_args::fail("wheelhouse serve", &e),
    };
    let config = index_server::ServerConfig {
        views,
        root: root.clone(),
        bind: args.bind,
        access_log: !args.quiet,
        write_stall: index_server::WRITE_STALL_TIMEOUT,
        max_connections: None,
    };
    let result = index_server::serve(config, |addr| {
        outln!(
            "Serving {} on http://{addr}/ (every package at /, pip's index for each level at \
             /LEVEL/simple/; Ctrl-C or SIGTERM stops)",
            root.display()
        );
        crate::out::flush();
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            crate::out::print_error("wheelhouse serve", &e.to_string());
            match e {
                index_server::ServeError::Load(_) => 2,
                _ => 3,
            }
        }
    }
}
