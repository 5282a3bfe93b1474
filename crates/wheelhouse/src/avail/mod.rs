//! `avail_wheels` / `wheelhouse avail`: list the wheels the wheelhouse holds.
//!
//! Flags, defaults and standard output follow the site's `avail_wheels` 2.1.x, so scripts and
//! wiki instructions keep working; errors go further and say what to type instead.

mod check;
mod greedy;
mod output;

use std::ffi::OsString;
use std::path::PathBuf;

use catalog_query as query;
use clap::{ArgAction, Parser};
use site_config::{ProcessVars, PythonVersion, SiteConfig};

use crate::exit;
use crate::out::print_error;

/// The reference release whose behaviour this command reproduces (`-V` prints it).
pub const COMPATIBLE_VERSION: &str = "2.1.3";

pub const COLUMNS: &[&str] = &[
    "name",
    "version",
    "localversion",
    "build",
    "python",
    "abi",
    "platform",
    "arch",
];
const DEFAULT_COLUMNS: &[&str] = &["name", "version", "python", "arch"];

const ABOUT: &str = "List currently available wheels patterns from the wheelhouse. By default, it will:
    - only show you the latest version of a specific package (unless versions are given);
    - only show you versions that are compatible with the python module (if one loaded) or virtual environment (if activated), otherwise all python versions will be shown;
    - only show you versions that are compatible with the CPU architecture and software environment (StdEnv) that you are currently running on.";

const EXAMPLES: &str = "Examples:
    avail_wheels \"*cdf*\"
    avail_wheels numpy -v \"1.21.*\"
    avail_wheels numpy --all-versions
    avail_wheels numpy==1.21
    avail_wheels 'numpy>=1.21'
    avail_wheels numpy --python 3.10 3.11
    avail_wheels -r requirements.txt
    avail_wheels 'dgl-cpu<0.6.0' -r requirements.txt
    avail_wheels numpy --format json

Environment: WHEELHOUSE (wheelhouse root), PIP_CONFIG_FILE ([wheel] find-links: the directories
searched, the arch being each one's last component), PYTHON_DIRS (where Python modules live),
EBVERSIONPYTHON or VIRTUAL_ENV (the current Python), EBVERSIONGENTOO (CPU level names).";

#[derive(Parser, Debug)]
#[command(
    about = ABOUT,
    after_help = EXAMPLES,
    disable_version_flag = true,
    infer_long_args = true,
    max_term_width = 100
)]
struct AvailArgs {
    /// Show the avail_wheels version this command is compatible with, and exit
    #[arg(short = 'V', action = ArgAction::SetTrue)]
    show_version: bool,

    /// Names to look for, with optional version specifiers (case insensitive; `*` globs)
    #[arg(value_name = "wheel")]
    wheel: Vec<String>,

    /// Names to look for (case insensitive; `*` globs)
    #[arg(short = 'n', long = "name", num_args = 1.., action = ArgAction::Append, value_name = "NAME")]
    name: Vec<String>,

    /// Same as: --all-versions --all-pythons --all-archs
    #[arg(long)]
    all: bool,

    /// Requirements files (requirements.txt format, or pyproject.toml); may be repeated
    #[arg(short = 'r', long = "requirement", num_args = 1.., action = ArgAction::Append, value_name = "file")]
    requirements: Vec<PathBuf>,

    /// Version to look for (same as NAME==version)
    #[arg(
        short = 'v',
        long = "version",
        value_name = "version",
        conflicts_with = "all_versions",
        help_heading = "version"
    )]
    version: Option<String>,

    /// Show all versions of each wheel
    #[arg(
        long = "all-versions",
        visible_alias = "all_versions",
        help_heading = "version"
    )]
    all_versions: bool,

    /// Python versions to look for (3.11), not an environment; every word up to the next
    /// option is one, so name packages first [default: the loaded module's or the
    /// virtualenv's, else all]
    #[arg(short = 'p', long = "python", num_args = 1.., action = ArgAction::Append, conflicts_with = "all_pythons", help_heading = "python")]
    python: Vec<String>,

    /// Show wheels for every available Python
    #[arg(
        long = "all-pythons",
        visible_alias = "all_pythons",
        help_heading = "python"
    )]
    all_pythons: bool,

    /// Keep the search directories whose name ends with these CPU levels (every word up to
    /// the next option)
    #[arg(short = 'a', long = "arch", num_args = 1.., action = ArgAction::Append, conflicts_with = "all_archs", help_heading = "architecture")]
    arch: Vec<String>,

    /// Show wheels of every directory configured in PIP_CONFIG_FILE (the default)
    #[arg(
        long = "all-archs",
        visible_alias = "all_archs",
        help_heading = "architecture"
    )]
    all_archs: bool,

    /// Print a mediawiki table
    #[arg(long, help_heading = "display")]
    mediawiki: bool,

    /// Table format (simple, plain, github, pipe, grid, rst, tsv, html, ...), or json
    #[arg(long, default_value = "simple", help_heading = "display")]
    format: String,

    /// Print raw file names; has precedence over the other display options
    #[arg(long, help_heading = "display")]
    raw: bool,

    /// Columns to display, in order: name version localversion build python abi platform arch
    #[arg(long, num_args = 1.., action = ArgAction::Append, help_heading = "display")]
    column: Vec<String>,

    /// Condense wheel information into one line per name
    #[arg(long, help_heading = "display")]
    condense: bool,

    /// Also display requested names that matched no wheel
    #[arg(long = "not-available", help_heading = "display")]
    not_available: bool,

    /// Display only requested names that matched no wheel
    #[arg(long = "not-available-only", help_heading = "display")]
    not_available_only: bool,
}

/// What to print.
enum Output {
    Table(table::Format),
    Json,
}

/// Runs the command; `program` is the name it is invoked as (`avail_wheels` or
/// `wheelhouse avail`), used in usage lines and errors.
pub fn run(program: &'static str, argv: Vec<OsString>) -> i32 {
    let command = <AvailArgs as clap::CommandFactory>::command()
        .name(program)
        .bin_name(program);
    let (args, greedy) = match command.try_get_matches_from(&argv).and_then(|m| {
        <AvailArgs as clap::FromArgMatches>::from_arg_matches(&m)
            .map(|args| (args, greedy::Greedy::new(&m, &argv)))
    }) {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    if args.show_version {
        outln!("avail_wheels {COMPATIBLE_VERSION}");
        return 0;
    }
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    match plan(program, &args, &greedy, &site) {
        Ok(plan) => execute(program, plan, &site),
        Err(message) => {
            print_error(program, &message);
            exit::USAGE
        }
    }
}

/// A validated request.
struct Plan {
    requested: query::Query,
    output: Output,
    raw: bool,
    columns: Vec<String>,
    condense: bool,
    /// The names asked for on the command line, for a "did you mean" when one matches nothing.
    asked: Vec<String>,
}

fn plan(
    program: &str,
    args: &AvailArgs,
    greedy: &greedy::Greedy,
    site: &SiteConfig,
) -> Result<Plan, String> {
    let output = if args.mediawiki {
        Output::Table(table::Format::Mediawiki)
    } else if args.format == "json" {
        Output::Json
    } else {
        Output::Table(table::Format::from_name(&args.format).ok_or_else(|| {
            format!(
                "unknown --format '{}'. Valid formats: json, {}",
                args.format,
                table::Format::NAMES.join(", ")
            )
        })?)
    };

    let available = site.available_pythons();
    let available_text: Vec<String> = available.iter().map(|v| v.to_string()).collect();
    check::list_values(program, args, greedy, site, &available_text)?;

    let all_pythons = args.all || args.all_pythons;
    if args.all && !args.python.is_empty() {
        errln!("warning: --all shows every Python version; --python is ignored");
    }
    let pythons: Vec<PythonVersion> = if all_pythons {
        available.clone()
    } else if !args.python.is_empty() {
        args.python
            .iter()
            .filter_map(|p| PythonVersion::parse(p))
            .collect()
    } else {
        match site.current_python() {
            Some(current) => vec![current],
            None => available.clone(),
        }
    };
    if pythons.is_empty() {
        // The original prints an empty table here and says nothing; the table stays as it is.
        let remedy = if all_pythons {
            ""
        } else {
            "Load a Python module (module load python/3.11), or "
        };
        errln!(
            "warning: no Python versions were found in PYTHON_DIRS ({}), and wheels are listed \
             for the site's Python versions, so none is listed. {remedy}{}et PYTHON_DIRS to the \
             directories holding the Python modules (one subdirectory per version, like 3.11.5)",
            site.python_dirs,
            if remedy.is_empty() { "S" } else { "s" }
        );
    }

    let requirements = query::requirement_set(
        &args.requirements,
        &args.wheel,
        &args.name,
        args.version.as_deref(),
        &|name| site.variables.raw(name).map(str::to_string),
        &mut |warning| errln!("warning: {warning}"),
    )?;
    let columns = if args.column.is_empty() {
        DEFAULT_COLUMNS.iter().map(|s| s.to_string()).collect()
    } else {
        args.column.clone()
    };
    Ok(Plan {
        requested: query::Query {
            requirements,
            pythons,
            archs: args.arch.clone(),
            latest_only: !(args.all || args.all_versions) && args.version.is_none(),
            not_available: args.not_available || args.not_available_only,
            not_available_only: args.not_available_only,
        },
        output,
        raw: args.raw,
        columns,
        condense: args.condense,
        asked: args.wheel.iter().chain(&args.name).cloned().collect(),
    })
}

fn execute(program: &str, plan: Plan, site: &SiteConfig) -> i32 {
    let result = match query::run(&plan.requested, site) {
        Ok(result) => result,
        Err(message) => {
            print_error(program, &message);
            return 1;
        }
    };
    for warning in &result.warnings {
        errln!("warning: {warning}");
    }
    near_misses(&plan, &result, site);
    let text = if plan.raw {
        output::raw(&result)
    } else {
        let groups = output::sorted(result.groups);
        let text = match plan.output {
            Output::Json => output::json(&groups),
            Output::Table(format) => output::table(&groups, &plan.columns, plan.condense, format),
        };
        // Freeing 40,000 parsed wheels one by one costs more than the process exit that
        // reclaims them anyway.
        std::mem::forget(groups);
        text
    };
    out!("{text}");
    crate::out::flush();
    // A closed pipe (`avail_wheels | head`) is not an error worth a message; exit 1 as
    // Python does.
    if crate::out::stdout_closed() {
        1
    } else {
        0
    }
}

/// For each name asked for that matched no wheel at all, the wheelhouse's names that look
/// like a misspelling of it, on stderr: standard output stays the reference's table.
fn near_misses(plan: &Plan, result: &query::QueryResult, site: &SiteConfig) {
    let canonical = |n: &str| n.to_ascii_lowercase().replace(['-', '.'], "_");
    let found: std::collections::HashSet<String> = result
        .groups
        .iter()
        .filter(|(_, entries)| {
            entries
                .iter()
                .any(|e| matches!(e, query::Entry::Wheel { .. }))
        })
        .map(|(name, _)| canonical(name))
        .collect();
    let unmatched: Vec<&str> = plan
        .asked
        .iter()
        .filter_map(|text| {
            // A plain name, before any version specifier or marker.
            let end = text
                .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
                .unwrap_or(text.len());
            let rest = text[end..].trim_start();
            let plain = !rest.starts_with('*') && !text[..end].is_empty();
            (plain && !found.contains(&canonical(&text[..end]))).then_some(&text[..end])
        })
        .collect();
    if unmatched.is_empty() {
        return;
    }
    // Every name, for every Python and CPU level: a near miss built for another Python is
    // still the name the user meant.
    let everything = query::Query {
        requirements: None,
        pythons: site.available_pythons(),
        archs: Vec::new(),
        latest_only: true,
        not_available: false,
        not_available_only: false,
    };
    let Ok(all) = query::run(&everything, site) else {
        return;
    };
    for name in unmatched {
        let near = resolver::near_names(name, all.groups.iter().map(|(n, _)| n.as_str()));
        match near.as_slice() {
            [] => {}
            [one] => errln!("note: no wheel is named {name}; did you mean {one}?"),
            many => errln!(
                "note: no wheel is named {name}; did you mean one of {}?",
                many.join(", ")
            ),
        }
    }
}
