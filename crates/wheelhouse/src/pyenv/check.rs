//! `wheelhouse check`: pip's `check`, in its words and exit code: requirements of installed
//! packages that are missing or not met, and installed wheels built for another platform.
//! (`wheelhouse doctor` runs the same check among others, with advice.)

use std::path::PathBuf;

/// Options of `wheelhouse check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The virtual environment: its directory or its bin/python, as pip's --python (not a
    /// Python version) [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    python: Option<PathBuf>,
}

pub fn run(args: CheckArgs) -> i32 {
    let target = match super::show::open("wheelhouse check", args.python.as_deref()) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let report = environment::inspect::check(&target.interpreter);
    for (name, why) in &report.unreadable {
        errln!("WARNING: Error parsing dependencies of {name}: {why}");
    }
    for (project, version, dep) in &report.missing {
        outln!("{project} {version} requires {dep}, which is not installed.");
    }
    for (project, version, req, dep, dep_version) in &report.conflicting {
        outln!("{project} {version} has requirement {req}, but you have {dep} {dep_version}.");
    }
    for (name, version) in &report.unsupported {
        outln!("{name} {version} is not supported on this platform");
    }
    if report.is_clean() {
        outln!("No broken requirements found.");
        0
    } else {
        1
    }
}
