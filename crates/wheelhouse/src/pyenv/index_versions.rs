//! `wheelhouse index versions NAME`: pip's `index versions` against the wheelhouse, for this
//! environment's Python, in pip's words (or its JSON with --json).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;
use environment::available::Available;
use site_config::{ProcessVars, SiteConfig};

/// Options of `wheelhouse index versions`.
#[derive(Parser, Debug)]
#[command(
    name = "wheelhouse index versions",
    about = "Show the versions of a package the wheelhouse has for this Python (pip index \
             versions).",
    long_about = "Show the versions of a package the wheelhouse has for this Python (pip \
                  index versions).\n\n\
                  The versions of wheels this environment's Python can install (site policy \
                  on manylinux included), newest first, and the installed version. \
                  Pre-releases only with --pre. `avail_wheels NAME --all-versions \
                  --all-pythons` shows every Python and CPU level.\n\n\
                  Exit codes: 0 found; 1 no version for this Python; 2 bad arguments or no \
                  environment.",
    after_help = "Examples:\n  \
        wheelhouse index versions numpy\n  \
        wheelhouse index versions --pre --json numpy | jq -r .latest\n  \
        wheelhouse index versions -p $SLURM_TMPDIR/env six"
)]
pub struct VersionsArgs {
    /// The package name
    #[arg(value_name = "PACKAGE")]
    name: String,
    /// Include pre-releases and development versions
    #[arg(long)]
    pre: bool,
    /// Print pip's JSON: {"name", "versions", "latest", "installed_version"}
    #[arg(long)]
    json: bool,
    /// Also search these directories for wheels (pip's --find-links)
    #[arg(short = 'f', long = "find-links", value_name = "DIR")]
    find_links: Vec<PathBuf>,
    /// The virtual environment: its directory or its bin/python, as pip's --python (not a
    /// Python version) [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    python: Option<PathBuf>,
}

/// `args` is the whole command line; `wheelhouse index versions` is its first three words.
pub fn run(args: &[OsString]) -> i32 {
    let mut argv = vec![OsString::from("wheelhouse index versions")];
    argv.extend(args.iter().skip(3).cloned());
    let args = match VersionsArgs::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    let command = "wheelhouse index versions";
    let target = match super::show::open(command, args.python.as_deref()) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    let available = match Available::open(&site, &target.interpreter, &args.find_links) {
        Ok(a) => a,
        Err(e) => {
            crate::out::print_error(command, &e.to_string());
            return crate::exit::environment(e.kind());
        }
    };
    for w in &available.warnings {
        errln!("warning: {w}");
    }
    let versions: Vec<String> = available
        .versions(&args.name, args.pre)
        .iter()
        .map(|o| o.version.to_string())
        .collect();
    let Some(latest) = versions.first().cloned() else {
        // A misspelt name: the name meant, whose versions are the next command; else every
        // build of this one, for other Pythons and levels.
        let next = match available.near_names(&args.name).as_slice() {
            [one] => {
                format!(" Did you mean {one}? Its versions: `wheelhouse index versions {one}`.")
            }
            _ => format!(
                " See every Python and CPU level with `avail_wheels {} --all-versions \
                 --all-pythons`.",
                args.name
            ),
        };
        crate::out::print_error(
            command,
            &format!(
                "No matching distribution found for {}: the wheelhouse has no version of it \
                 for this Python{}.{next}",
                args.name,
                if args.pre { "" } else { " (without --pre)" },
            ),
        );
        return 1;
    };
    let key = wheel_metadata::normalize_name(&args.name);
    let installed = environment::inspect::installed_first(&target.interpreter)
        .into_iter()
        .find(|d| d.key == key)
        .map(|d| {
            <pep440_rs::Version as std::str::FromStr>::from_str(&d.version)
                .map(|v| v.to_string())
                .unwrap_or(d.version)
        });
    if args.json {
        let text = |t: &str| serde_json::Value::from(t).to_string();
        let listed: Vec<String> = versions.iter().map(|v| text(v)).collect();
        let mut doc = format!(
            "{{\"name\": {}, \"versions\": [{}], \"latest\": {}",
            text(&args.name),
            listed.join(", "),
            text(&latest)
        );
        if let Some(v) = installed {
            doc.push_str(&format!(", \"installed_version\": {}", text(&v)));
        }
        outln!("{doc}}}");
        return 0;
    }
    outln!("{} ({latest})", args.name);
    outln!("Available versions: {}", versions.join(", "));
    if let Some(v) = installed {
        outln!("  INSTALLED: {v}");
        let pre = <pep440_rs::Version as std::str::FromStr>::from_str(&latest)
            .is_ok_and(|l| l.pre().is_some());
        if pre {
            outln!("  LATEST:    {latest} (pre-release; install with `pip install --pre`)");
        } else {
            outln!("  LATEST:    {latest}");
        }
    }
    0
}
