//! `wheelhouse show`: pip's `show`, byte for byte (scripts parse it): the metadata of
//! installed packages, who requires them, and with -f the files their RECORD lists.

use std::path::PathBuf;

use site_config::{ProcessVars, SiteConfig};

/// Options of `wheelhouse show`.
#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// Installed package names
    #[arg(value_name = "PACKAGE")]
    names: Vec<String>,
    /// List the files each package installed (from its RECORD)
    #[arg(short = 'f', long = "files")]
    files: bool,
    /// Also print the metadata version, installer, classifiers, entry points, project URLs
    #[arg(short, long)]
    verbose: bool,
    /// The virtual environment: its directory or its bin/python, as pip's --python (not a
    /// Python version) [default: $VIRTUAL_ENV]
    #[arg(short = 'p', long = "python", value_name = "ENV")]
    python: Option<PathBuf>,
}

/// The environment a read-only command looks at (`-p ENV` or `$VIRTUAL_ENV`), or the exit
/// code after the error is printed.
pub(crate) fn open(
    command: &str,
    python: Option<&std::path::Path>,
) -> Result<environment::Target, i32> {
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    let answers = environment::answer_cache(&site, None);
    crate::env_arg::target_environment(&site, python, answers.as_ref()).map_err(|e| {
        crate::out::print_error(command, &e.to_string());
        crate::exit::environment(e.kind())
    })
}

pub fn run(args: ShowArgs) -> i32 {
    let command = "wheelhouse show";
    if args.names.is_empty() {
        crate::out::print_error(
            command,
            "give the names of installed packages: `wheelhouse show numpy`",
        );
        // pip's exit code.
        return 1;
    }
    let target = match open(command, args.python.as_deref()) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let (found, missing) = environment::inspect::show(&target.interpreter, &args.names, args.files);
    if !missing.is_empty() {
        errln!("WARNING: Package(s) not found: {}", missing.join(", "));
    }
    for (i, info) in found.iter().enumerate() {
        if i > 0 {
            outln!("---");
        }
        print_one(info, args.verbose, args.files);
    }
    if found.is_empty() {
        1
    } else {
        0
    }
}

fn print_one(info: &environment::inspect::ShowInfo, verbose: bool, files: bool) {
    outln!("Name: {}", info.name);
    outln!("Version: {}", info.version);
    outln!("Summary: {}", info.summary);
    outln!("Home-page: {}", info.homepage);
    outln!("Author: {}", info.author);
    outln!("Author-email: {}", info.author_email);
    outln!("{}: {}", info.license.0, info.license.1);
    outln!("Location: {}", info.location);
    if let Some(project) = &info.editable_project_location {
        outln!("Editable project location: {project}");
    }
    outln!("Requires: {}", info.requires.join(", "));
    outln!("Required-by: {}", info.required_by.join(", "));
    if verbose {
        outln!("Metadata-Version: {}", info.metadata_version);
        outln!("Installer: {}", info.installer);
        outln!("Classifiers:");
        for c in &info.classifiers {
            outln!("  {c}");
        }
        outln!("Entry-points:");
        for e in &info.entry_points {
            outln!("  {}", e.trim());
        }
        outln!("Project-URLs:");
        for u in &info.project_urls {
            outln!("  {u}");
        }
    }
    if files {
        outln!("Files:");
        match &info.files {
            None => outln!("Cannot locate RECORD or installed-files.txt"),
            Some(list) => {
                for f in list {
                    outln!("  {}", f.trim());
                }
            }
        }
    }
}
