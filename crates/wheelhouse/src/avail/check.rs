//! The values of avail_wheels' list options, checked before the listing: each error names
//! the value, says what it was taken as (see greedy.rs) and what to type instead.

use std::path::{Path, PathBuf};

use site_config::SiteConfig;

use super::{greedy, AvailArgs, COLUMNS};

/// Every `-p`, `-a`, `--column` and `-r` value is one this site has; `available_text` are
/// the site's Python versions.
pub(super) fn list_values(
    program: &str,
    args: &AvailArgs,
    greedy: &greedy::Greedy,
    site: &SiteConfig,
    available_text: &[String],
) -> Result<(), String> {
    for python in &args.python {
        if !available_text.iter().any(|a| a == python)
            && (python.contains('/')
                || Path::new(python).is_file()
                || Path::new(python).join("pyvenv.cfg").is_file())
        {
            // (A directory that is no environment may be a package's source: `numpy`.)
            // `avail_wheels -p ~/env`: pip's and install's -p is an environment; here it is not.
            let given = Path::new(python);
            let env = if given.join("pyvenv.cfg").is_file() {
                given.to_path_buf()
            } else {
                given
                    .parent()
                    .and_then(Path::parent)
                    .filter(|e| e.join("pyvenv.cfg").is_file())
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("ENV"))
            };
            return Err(format!(
                "--python {python}: avail_wheels' -p (--python) takes Python versions such as \
                 3.11, not an environment or an interpreter. To list the wheels that fit an \
                 environment's Python, activate it first: source {}/bin/activate && {}",
                crate::argv::shell_word(&env.to_string_lossy()),
                greedy.without(program, "python", python)
            ));
        }
        if !available_text.iter().any(|a| a == python) {
            return Err(if available_text.is_empty() {
                format!(
                    "--python {python}: no Python versions were found in PYTHON_DIRS ({}). Set \
                     PYTHON_DIRS to the directories holding the Python modules (one \
                     subdirectory per version, like 3.11.5)",
                    site.python_dirs
                )
            } else {
                let choose = available_text.join(", ");
                greedy
                    .explain(
                        program,
                        "python",
                        python,
                        &format!("there is no Python {python} here (choose from: {choose})"),
                    )
                    .unwrap_or_else(|| {
                        format!(
                            "--python {python} is not an available Python version. Choose \
                             from: {choose}"
                        )
                    })
            });
        }
    }
    other_values(program, args, greedy, site)
}

/// `-a`, `--column` and `-r` values.
fn other_values(
    program: &str,
    args: &AvailArgs,
    greedy: &greedy::Greedy,
    site: &SiteConfig,
) -> Result<(), String> {
    let archs = site.architectures();
    for arch in &args.arch {
        if !archs.contains(&arch.as_str()) {
            let gentoo = site
                .gentoo_year
                .map(|y| y.to_string())
                .unwrap_or_else(|| "unset".into());
            let choose = archs.join(", ");
            return Err(greedy
                .explain(
                    program,
                    "arch",
                    arch,
                    &format!(
                        "this software environment (EBVERSIONGENTOO={gentoo}) has no CPU level \
                         {arch} (choose from: {choose})"
                    ),
                )
                .unwrap_or_else(|| {
                    format!(
                        "--arch {arch} is not a CPU level of this software environment \
                         (EBVERSIONGENTOO={gentoo}). Choose from: {choose}"
                    )
                }));
        }
    }
    for column in &args.column {
        if !COLUMNS.contains(&column.as_str()) {
            let choose = COLUMNS.join(", ");
            return Err(greedy
                .explain(
                    program,
                    "column",
                    column,
                    &format!("there is no column {column} (choose from: {choose})"),
                )
                .unwrap_or_else(|| {
                    format!("--column {column}: no such column. Choose from: {choose}")
                }));
        }
    }
    for file in &args.requirements {
        let word = file.to_string_lossy();
        if !file.exists() {
            if let Some(message) =
                greedy.explain(program, "requirements", &word, "there is no such file")
            {
                return Err(message);
            }
        }
    }
    Ok(())
}
