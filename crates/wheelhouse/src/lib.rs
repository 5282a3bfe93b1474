//! The `wheelhouse` command line: argument parsing, printing, and the one exit-code table
//! (`src/exit.rs`). The work is done by the library crates (`catalog-query` for `avail`,
//! `environment` for every change to an environment, `admin`, `audit`, `simple-index`,
//! `index-server`, `modules`, `download`, `doctor`, `build-frontend`, `locking`); this crate
//! turns their typed errors into exit codes and `--format json` kinds, and their events into
//! lines and progress bars.
//!
//! Modules import one way (`layers_test.rs` checks it): leaves (`out`, `exit`, `argv`,
//! `signals`), then helpers the subcommands share (`env_arg`, `file_args`, `cache_args`,
//! `staff_args`, `staff_json`), then the subcommands, which never borrow from one another,
//! then this root, which only dispatches. The same test checks that no crate of the
//! workspace depends on one in a higher layer (the layers are listed once, in the README's
//! "Layout").
//!
//! The two binaries are [`run_wheelhouse`] and [`run_avail_wheels`] with the process's
//! arguments; they return the exit code:
//!
//! ```
//! use std::ffi::OsString;
//! use wheelhouse_cli::run_wheelhouse;
//!
//! let args = |line: &str| line.split(' ').map(OsString::from).collect::<Vec<_>>();
//! # let root = std::env::temp_dir().join(format!("cli-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(root.join("gentoo2023/generic")).unwrap();
//! # std::fs::write(root.join("gentoo2023/generic/six-1.16.0-py2.py3-none-any.whl"), "").unwrap();
//! // What the site's modules set (only `site-config` reads it).
//! std::env::set_var("WHEELHOUSE", &root);
//! std::env::set_var("EBVERSIONGENTOO", "2023");
//! std::env::set_var("EBVERSIONPYTHON", "3.11.7");
//! // Under the name `avail_wheels`, the reference's command: prints its table
//! // (`six  1.16.0  py2,py3  generic`) and exits 0.
//! assert_eq!(run_wheelhouse(args("avail_wheels six")), 0);
//! // A usage error exits 2, as argparse (and so the reference) does.
//! assert_eq!(run_wheelhouse(args("wheelhouse install --no-such-option")), 2);
//! # std::fs::remove_dir_all(&root).unwrap();
//! ```

#[macro_use]
mod out;
mod argv;
mod avail;
mod binary_args;
mod build_args;
mod cache;
mod cache_args;
mod cpus;
mod doctor;
mod download;
mod download_progress;
mod env_arg;
mod exit;
mod file_args;
mod index;
mod index_flags;
mod lock;
mod modules;
mod pyenv;
mod serve;
mod signals;
mod staff;
mod staff_args;
mod staff_json;
mod sync;
mod wheel;

#[cfg(test)]
mod layers_test;
#[cfg(test)]
mod messages_test;

use std::ffi::OsString;
use std::path::Path;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "wheelhouse",
    version,
    about = "The Python software environment of an HPC cluster, in one fast binary.",
    long_about = "The Python software environment of an HPC cluster, in one fast binary.\n\n\
        Users list what the site's wheelhouse holds (`wheelhouse avail`, also installed as \
        `avail_wheels`), build environments from it (`wheelhouse venv ENV`, then \
        `wheelhouse install -r requirements.txt`), and record them (`wheelhouse freeze`); staff \
        index the wheelhouse so listings are instant (`wheelhouse index`), publish and fix wheels \
        (`wheelhouse add`, `edit`, `inspect`), check it (`wheelhouse audit`) and publish it as a \
        package index (`wheelhouse index --html OUT`, `wheelhouse serve`).\n\n\
        Configuration comes from the same environment as the cluster tools: WHEELHOUSE, \
        PIP_CONFIG_FILE and PIP_*, PYTHON_DIRS, EBROOTPYTHON, EBVERSIONPYTHON, EBVERSIONGENTOO, \
        RSNT_ARCH, VIRTUAL_ENV, PYTHONPATH, SLURM_CPUS_PER_TASK."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the wheels the wheelhouse holds (same flags and output as avail_wheels).
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Avail {
        /// avail_wheels arguments; see `wheelhouse avail --help`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Write the catalog file at the wheelhouse root so listings skip the directory scan.
    ///
    /// Walks the wheelhouse and writes its catalog file (.wheelhouse-catalog) at the root.
    /// `avail` then reads that one file instead of every directory, as long as no directory
    /// changed since; after publishing new wheels, run `wheelhouse index` again (a stale catalog
    /// is ignored, never trusted).
    ///
    /// The catalog also holds each wheel's size, sha256, Requires-Python and Requires-Dist
    /// (read once; later runs re-read only wheels in changed directories), so `audit`, `serve`
    /// and resolution never open wheels. With --html OUT, also writes a static index per CPU
    /// level: `pip install --index-url file://OUT/x86-64-v3/simple/ numpy`.
    ///
    /// `wheelhouse index versions NAME` is pip's `index versions` instead: the versions of a
    /// package for this environment's Python (see its --help). A wheelhouse directory named
    /// `versions` is given as `./versions`.
    #[command(after_help = "Examples:\n  \
        wheelhouse index /srv/wheelhouse\n  \
        wheelhouse index --check\n  \
        wheelhouse index /srv/wheelhouse --html /srv/index\n  \
        wheelhouse index /srv/wheelhouse --html /srv/www/index --files hardlink")]
    Index(index::IndexArgs),
    /// Create a virtual environment with the loaded module's Python, pip seeded offline.
    ///
    /// Like `virtualenv --no-download ENV`: a standard environment (pyvenv.cfg, python links,
    /// activate scripts for bash/zsh/sh, csh and fish, `deactivate`) with pip installed from
    /// the wheelhouse. The interpreter is the loaded Python module's (`module load
    /// python/3.11`); the operating system's Python is used only when given by path.
    #[command(after_help = "Examples:\n  \
        wheelhouse venv ENV && source ENV/bin/activate\n  \
        wheelhouse venv --python 3.11 $SLURM_TMPDIR/env\n  \
        wheelhouse venv $SLURM_TMPDIR/env -r requirements.txt   # create, install\n  \
        srun --ntasks $SLURM_NNODES --tasks-per-node=1 \\\n      \
        wheelhouse venv $SLURM_TMPDIR/env -r requirements.txt\n  \
        wheelhouse venv --without-pip --python /usr/bin/python3 ENV")]
    Venv(pyenv::venv::VenvArgs),
    /// Install packages from the wheelhouse into a virtual environment (pip-compatible).
    ///
    /// Resolves with the site's rules: the site's pip configuration (PIP_CONFIG_FILE,
    /// PIP_* variables: find-links, constraint, allow-manylinux), the highest version first (a
    /// +computecanada build before the public one), the most specific wheel, the CPU-level
    /// directory before the generic one. manylinux wheels are refused unless allowed.
    /// Packages already importable (the environment, a module's PYTHONPATH, system
    /// site-packages) count as installed when they fit. Installs are atomic: a failure or
    /// Ctrl-C leaves the environment as it was; two installs into one environment wait for
    /// each other.
    ///
    /// A package index (-i URL, pip's index-url, PIP_INDEX_URL; never PyPI unless named)
    /// serves only what the wheelhouse lacks, under the same policy (a manylinux-only
    /// package is built from its sdist); a job whose packages are all in the wheelhouse never
    /// touches the network. --index-strategy best-match takes pip's rule instead.
    ///
    /// Exit codes: 0 done; 1 cannot resolve (no wheel, conflict, policy, index unreachable);
    /// 2 bad input or no environment; 3 installation failed (environment unchanged); 130
    /// interrupted.
    #[command(after_help = "Examples:\n  \
        wheelhouse install numpy 'pandas>=2'\n  \
        wheelhouse install -r requirements.txt -c constraints.txt\n  \
        wheelhouse install -p $SLURM_TMPDIR/env --dry-run scipy\n  \
        wheelhouse install --upgrade numpy\n  \
        wheelhouse install -i https://pypi.org/simple -r requirements.txt\n  \
        wheelhouse install --dry-run --report report.json -r requirements.txt\n  \
        wheelhouse install --target $SLURM_TMPDIR/pkgs six")]
    Install(pyenv::install::InstallArgs),
    /// Write a PEP 751 lock file (pylock.toml) for every Python and CPU level.
    ///
    /// Resolves the requirements (names, -r requirements.txt or pyproject.toml with --extra,
    /// -c constraints) once per Python (--python, default the active environment's or the
    /// loaded module's) and CPU level (--arch, default every level the wheelhouse has), with
    /// the versions of the first as constraints for the others, so a job gets the same
    /// versions on any node; a level or Python that cannot have them is named. Each entry lists
    /// its wheel for every level (the level is the wheel's directory), with size and sha256.
    /// What the wheelhouse lacks comes from -f directories and package indexes as `install`
    /// finds it (-i, --extra-index-url, pip's index-url; --no-index): an index's wheel is
    /// locked by its URL, a package with only a source distribution by its sdist (path or
    /// URL, built now to learn its dependencies, built again by sync). --only-binary,
    /// --no-binary and --prefer-binary choose as they do for `install`.
    /// `wheelhouse sync pylock.toml` and `install -r pylock.toml` install it, each node its
    /// own level's file; pip 26 can too (`pip install -r pylock.toml`), but knows no CPU
    /// levels: it takes the best-tagged wheel (the lowest level's). --format requirements
    /// writes pinned lines with --hash, as `pip-compile --generate-hashes`.
    ///
    /// Exit codes: 0 written; 1 cannot resolve for a Python or level; 2 bad input; 3 cannot
    /// write.
    #[command(after_help = "Examples:\n  \
        wheelhouse lock -r requirements.txt\n  \
        wheelhouse lock -r pyproject.toml --extra test --python 3.11 --python 3.12\n  \
        wheelhouse lock numpy scipy --arch x86-64-v3 --arch x86-64-v4\n  \
        wheelhouse lock -i https://pypi.org/simple -r requirements.txt\n  \
        wheelhouse lock --no-index -f ./sdists -r requirements.txt\n  \
        wheelhouse lock -r requirements.in --format requirements -o requirements.txt")]
    Lock(lock::LockArgs),
    /// Install exactly what a lock file says, and remove what it does not name.
    ///
    /// Reads a PEP 751 lock (pylock.toml, from `wheelhouse lock`, `pip lock` or uv) and
    /// installs, for the environment's Python and this node's CPU level (RSNT_ARCH), the
    /// wheel each entry names: no resolution, every file checked against the lock's hash
    /// before anything changes, nothing else chosen. Packages the lock does not name are
    /// removed, except pip, setuptools and wheel. `install -r pylock.toml` does the same
    /// without removing anything. A wrong hash, a missing file, a lock for another Python
    /// or CPU level: an error naming the entry, and the environment unchanged.
    ///
    /// Exit codes: 0 done; 1 a file does not match its hash, or a module hides a locked
    /// package; 2 bad or unusable lock, or no environment; 3 installation failed
    /// (environment unchanged); 130 interrupted.
    #[command(after_help = "Examples:\n  \
        wheelhouse lock -r requirements.txt            # on the login node\n  \
        wheelhouse sync pylock.toml                    # the active environment\n  \
        wheelhouse sync -p $SLURM_TMPDIR/env pylock.toml --dry-run\n  \
        wheelhouse venv $SLURM_TMPDIR/env -r pylock.toml")]
    Sync(sync::SyncArgs),
    /// Show installed packages: metadata, requirements, who requires them, files (as pip).
    ///
    /// The same lines as `pip show`, for scripts that parse them. With -f, the files each
    /// package's RECORD lists. Exit codes: 0 shown; 1 none of the packages is installed.
    #[command(after_help = "Examples:\n  \
        wheelhouse show numpy\n  \
        wheelhouse show -f six | sed -n '/^Files:/,$p'\n  \
        wheelhouse show -p $SLURM_TMPDIR/env packaging six")]
    Show(pyenv::show::ShowArgs),
    /// Check that every installed package's requirements are installed (pip check).
    ///
    /// pip's lines and exit code: a requirement not installed, an installed version a
    /// requirement does not accept, a wheel built for another platform. `wheelhouse doctor`
    /// runs this check among others and says how to fix each problem.
    ///
    /// Exit codes: 0 no broken requirements; 1 problems found; 2 no environment.
    #[command(after_help = "Examples:\n  \
        wheelhouse check\n  \
        wheelhouse check -p $SLURM_TMPDIR/env || wheelhouse doctor")]
    Check(pyenv::check::CheckArgs),
    /// Print the --hash line of a file, for requirements files (pip hash).
    ///
    /// Exit codes: 0 done; 1 no file given; 2 a file cannot be read.
    #[command(after_help = "Examples:\n  \
        wheelhouse hash dist/pkg-1.0-py3-none-any.whl\n  \
        wheelhouse hash -a sha512 six-1.17.0-py2.py3-none-any.whl")]
    Hash(pyenv::hash::HashArgs),
    /// Print the installed packages as requirements (`pip freeze` lines, +local included).
    Freeze(pyenv::inspect::FreezeArgs),
    /// List the installed packages (a table, or --format json).
    ///
    /// With --outdated, pip's `list --outdated` against the wheelhouse: the packages with a
    /// newer version for this environment's Python, in pip's columns or JSON.
    #[command(after_help = "Examples:\n  \
        wheelhouse list\n  \
        wheelhouse list --outdated\n  \
        wheelhouse list --outdated --format json | jq -r '.[].name'\n  \
        wheelhouse list -p $SLURM_TMPDIR/env --format json")]
    List(pyenv::inspect::ListArgs),
    /// Remove packages from a virtual environment.
    Uninstall(pyenv::inspect::UninstallArgs),
    /// Print the number of cores this task may use (for multiprocessing pools and scripts).
    ///
    /// SLURM_CPUS_PER_TASK when set (never more than the cores the process may run on), else
    /// the smaller of the cgroup CPU quota and the affinity mask (taskset, srun binding); never
    /// the node's full count. The installer uses the same number of threads.
    #[command(after_help = "Examples:\n  \
        python -c \"import multiprocessing as mp; mp.Pool($(wheelhouse cpus))\"\n  \
        make -j \"$(wheelhouse cpus)\"\n  \
        wheelhouse cpus --explain")]
    Cpus(cpus::CpusArgs),
    /// Check this session and an environment against the troubleshooting list.
    ///
    /// Finds what breaks environments on a cluster: a module loaded after activation, PATH or
    /// PYTHONPATH changed by hand, a Python module that went away (broken bin/python), files
    /// missing from installed packages (the $SCRATCH purge), dependency conflicts (as `pip
    /// check`), packages for another Python, the numpy 1/2 ABI break, manylinux wheels, and an
    /// environment on a parallel file system used from a job. Each finding says what is wrong,
    /// why it matters and the command that fixes it. Only files are read: it works even when
    /// the environment's Python is gone.
    ///
    /// Exit codes: 0 healthy; 1 problems found.
    #[command(after_help = "Examples:\n  \
        wheelhouse doctor                      # the active environment and this shell\n  \
        wheelhouse doctor -p $SLURM_TMPDIR/env\n  \
        wheelhouse doctor --format json | jq '.findings[].check'")]
    Doctor(doctor::DoctorArgs),
    /// Download packages from a package index for the cluster's Python (pre-downloading).
    ///
    /// For a package the wheelhouse lacks: download it on a login node (compute nodes often
    /// have no network), then install the file in the job. Wheels are chosen for the loaded
    /// Python module (or --python-version), not this machine's python3. The index is read as
    /// PEP 691 JSON or PEP 503 HTML (PEP 658 metadata when offered); every file is checked
    /// against the index's sha256 and appears only when whole; an interrupted download resumes.
    /// Wheels that are not `none-any` get the site's warning.
    ///
    /// As pip: when the newest fitting version has no wheel for that Python, its source
    /// distribution (.tar.gz, .zip) is downloaded, to be built where it is installed
    /// (--prefer-binary takes an older wheel instead, --only-binary never takes sources,
    /// --no-binary only sources). Its dependencies come from its PKG-INFO when static
    /// (PEP 643), else from its build backend, run with the loaded Python.
    ///
    /// Index, certificates and proxy as pip takes them: --index-url, PIP_INDEX_URL, the pip
    /// configuration (index-url, extra-index-url, cert, proxy), HTTPS_PROXY, NO_PROXY,
    /// SSL_CERT_FILE.
    ///
    /// Exit codes: 0 done; 1 no matching file, a conflict, or an sdist whose dependencies
    /// cannot be read; 2 bad input; 3 the index is unreachable, broken, or a download failed
    /// (nothing half-written is left under a file's name).
    #[command(after_help = "Examples:\n  \
        wheelhouse download --no-deps tensorboardX\n  \
        wheelhouse download -d wheels -r requirements.txt --python-version 3.11\n  \
        wheelhouse install ./tensorboardX-2.6.2.2-py2.py3-none-any.whl  # in the job")]
    Download(download::DownloadArgs),
    /// Show what a wheel needs: tags, shared objects, RPATHs, GLIBC, CPU instructions.
    ///
    /// For every ELF file in the wheel: its RPATH/RUNPATH, needed libraries, the highest
    /// GLIBC_ symbol version, the ISA level its GNU property note declares, and the x86
    /// instruction-set extensions its code actually uses (decoded). Ends with the directory
    /// `wheelhouse add` would choose, and why.
    #[command(after_help = "Examples:\n  \
        wheelhouse inspect numpy-1.26.4-cp311-cp311-linux_x86_64.whl\n  \
        wheelhouse inspect --format json dist/*.whl")]
    Inspect(staff::InspectArgs),
    /// Build wheels of project directories and sdists into a directory (as `pip wheel -w`).
    ///
    /// For staff: build a package on the cluster, against its modules, then publish the
    /// wheel with `wheelhouse add`. Each source is built by its PEP 517 backend
    /// (pyproject.toml's [build-system], or setuptools for a project with only setup.py); a
    /// project directory is built in place, an sdist in a temporary directory (members that
    /// would leave it, links out and archive bombs are refused). Several sources build at
    /// once, within `wheelhouse cpus`. A failed build shows the backend's last lines and what
    /// usually fixes it (the compiler or library module to load).
    ///
    /// For now builds need --no-build-isolation: the build requirements must be installed in
    /// the target environment (the active one, or -p).
    ///
    /// Exit codes: 0 all built; 1 a build failed; 2 bad input (not a project, a hostile or
    /// unreadable archive, bad arguments); 3 cannot write.
    #[command(after_help = "Examples:\n  \
        wheelhouse wheel --no-build-isolation -w dist ./myproject\n  \
        wheelhouse wheel --no-build-isolation -w dist pkg-1.0.tar.gz -C key=value\n  \
        wheelhouse add --local-version computecanada dist/*.whl   # then publish")]
    Wheel(wheel::WheelArgs),
    /// Publish wheels into the wheelhouse: pick the directory, retag, never clobber.
    ///
    /// Pure wheels go to generic/; binary ones to the CPU level named by the RPATHs of their
    /// shared objects (e.g. gentoo2023/x86-64-v3/), or to --arch. Warns when the code uses
    /// instructions beyond the chosen level. Adds the local version (file name, .dist-info,
    /// METADATA, RECORD), renames manylinux to linux_x86_64 on request, refuses to overwrite
    /// a file or to put a generic copy beside CPU-level copies of the same version (--force
    /// does both), writes atomically and updates the catalog.
    ///
    /// With --format json, stdout is one document with an entry per wheel (where it went and
    /// why, the instruction-set evidence, the renaming, warnings, or the error).
    ///
    /// Exit codes: 0 done; 1 refused (exists, generic beside CPU-level); 2 bad wheel or
    /// arguments; 3 cannot write.
    #[command(after_help = "Examples:\n  \
        wheelhouse add --local-version computecanada dist/*.whl\n  \
        wheelhouse add --format json dist/*.whl \\\n      \
        | jq -r '.wheels[] | select(.ok) | .path'\n  \
        wheelhouse add --arch x86-64-v3 --retag-manylinux \\\n      \
        torch-2.3.0-cp311-cp311-manylinux_2_28_x86_64.whl\n  \
        wheelhouse add --wheelhouse /srv/wheelhouse --layer gentoo2023 \\\n      \
        --arch generic pkg.whl")]
    Add(staff::AddArgs),
    /// Edit the Requires-Dist of a wheel in place (atomically, RECORD kept valid).
    ///
    /// Edits apply in this order: --remove-req, --rename-req, --update-req, --set-max,
    /// --add-req. The new wheel replaces the old one by a rename, and the wheelhouse catalog
    /// above it is refreshed. With --format json, stdout tells the requirements added,
    /// removed and changed, and the new file's sha256.
    ///
    /// Exit codes: 0 done; 2 bad wheel, requirement or arguments; 3 cannot read or write.
    #[command(after_help = "Examples:\n  \
        wheelhouse edit pkg-1.0+computecanada-py3-none-any.whl --set-max numpy 2\n  \
        wheelhouse edit pkg.whl --remove-req nvidia-cudnn-cu12 \\\n      \
        --add-req 'packaging>=21'\n  \
        wheelhouse edit pkg.whl --rename-req sklearn scikit-learn \\\n      \
        --update-req 'scipy>=1.10'")]
    Edit(staff::EditArgs),
    /// Check the wheelhouse: dependency closure per Python and CPU level, layout mistakes.
    ///
    /// For each Python and CPU level, every requirement of every visible wheel must be met
    /// inside the wheelhouse (missing or unsatisfiable ones are named with who needs them).
    /// Also: invalid file names, manylinux wheels, the same file in several search
    /// directories of a level, the same version both generic and CPU-level, local-version
    /// inconsistencies, unreadable wheels; with --deep, RECORD hashes and METADATA of every
    /// wheel. The closure checks each requirement on its own; with --resolve, `pip install
    /// NAME` is also resolved (not installed) for every package a level shows, at the version
    /// pip picks first, with the installer's resolver: that finds conflicting pins and extras
    /// whose requirements are missing. Reads the catalog (run `wheelhouse index` first for
    /// speed).
    ///
    /// Exit codes: 0 clean; 1 problems found; 2 bad arguments.
    #[command(after_help = "Examples:\n  \
        wheelhouse audit --python 3.11 --python 3.12\n  \
        wheelhouse audit /srv/wheelhouse --python 3.11 --arch x86-64-v3 --deep\n  \
        wheelhouse audit --python 3.11 --python 3.12 --resolve\n  \
        wheelhouse audit --python 3.11 --format json | jq '.findings[].kind'")]
    Audit(staff::AuditArgs),
    /// Serve the wheelhouse as a package index over HTTP (read-only), for stock pip and uv.
    ///
    /// The same pages as `index --html`, rendered from the catalog (reloaded when it
    /// changes): PEP 691 JSON or PEP 503 HTML by the Accept header, PEP 658 metadata, wheels
    /// with Range and ETag. Each CPU level is an index of its own: /x86-64-v3/simple/. Needs
    /// a catalog with wheel metadata (`wheelhouse index`). Stops cleanly on SIGTERM or Ctrl-C.
    ///
    /// Exit codes: 0 stopped by a signal; 2 no catalog or bad arguments; 3 cannot listen.
    #[command(after_help = "Examples:\n  \
        wheelhouse index /srv/wheelhouse && wheelhouse serve /srv/wheelhouse\n  \
        pip install --index-url http://127.0.0.1:8080/x86-64-v3/simple/ numpy\n  \
        uv pip install --index-url http://127.0.0.1:8080/x86-64-v3/simple/ numpy\n  \
        wheelhouse serve --bind 0.0.0.0:8080 --quiet")]
    Serve(serve::ServeArgs),
    /// Write Lmod modulefiles (`wheelhouse module python PREFIX... --modulepath DIR`).
    #[command(subcommand)]
    Module(modules::ModuleCommand),
    /// Lay out a site in a box (`wheelhouse site init DIR`).
    #[command(subcommand)]
    Site(modules::SiteCommand),
    /// Build a package stack module (`wheelhouse stack build scipy-stack/2024a ...`).
    #[command(subcommand)]
    Stack(modules::StackCommand),
    /// Show, clean or prune the cache of unpacked wheels (`wheelhouse cache info`).
    #[command(subcommand)]
    Cache(cache::CacheCommand),
}

/// Entry point of the `wheelhouse` binary; returns the exit code. Invoked under the name
/// `avail_wheels` (a link to the binary), it behaves as that command.
pub fn run_wheelhouse(args: Vec<OsString>) -> i32 {
    let invoked_as = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if invoked_as == "avail_wheels" {
        return run_avail_wheels(args);
    }
    out::finish("wheelhouse", dispatch(args))
}

/// `wheelhouse NAME ARGS` parsed by a command of that subcommand's arguments alone: `sync`,
/// `install` and `venv` run on every node of every job, and building the whole tool's
/// command (every subcommand, every help text) was half a millisecond of a 16 ms warm sync.
/// `None` for another subcommand and for anything that command does not take as it is
/// (help, a mistake): the whole tool's parser then answers, as for any command.
fn parse_alone<T: clap::Args + clap::FromArgMatches>(
    name: &'static str,
    args: &[OsString],
) -> Option<T> {
    if args.get(1).is_none_or(|a| a != name) {
        return None;
    }
    let command = T::augment_args(clap::Command::new(name));
    let matches = command.try_get_matches_from(&args[1..]).ok()?;
    T::from_arg_matches(&matches).ok()
}

fn dispatch(args: Vec<OsString>) -> i32 {
    argv::set(&args);
    if args.get(1).is_some_and(|a| a == "index") && args.get(2).is_some_and(|a| a == "versions") {
        return pyenv::index_versions::run(&args);
    }
    // The binary did this before `main` already; here for callers of the library.
    if args
        .get(1)
        .is_some_and(|a| wants_small_pages(a.as_encoded_bytes()))
    {
        small_pages();
    }
    if let Some(a) = parse_alone::<sync::SyncArgs>("sync", &args) {
        return sync::run(a);
    }
    if let Some(a) = parse_alone::<pyenv::install::InstallArgs>("install", &args) {
        return pyenv::install::run(a);
    }
    if let Some(a) = parse_alone::<pyenv::venv::VenvArgs>("venv", &args) {
        return pyenv::venv::run(a);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(mut e) => {
            add_repeat_tip(&mut e);
            add_venv_python_tip(&mut e);
            let _ = e.print();
            return e.exit_code();
        }
    };
    match cli.command {
        Command::Avail { args: rest } => {
            let mut argv = vec![OsString::from("wheelhouse avail")];
            argv.extend(rest);
            avail::run("wheelhouse avail", argv)
        }
        Command::Index(index_args) => index::run(index_args),
        Command::Venv(a) => pyenv::venv::run(a),
        Command::Install(a) => pyenv::install::run(a),
        Command::Lock(a) => lock::run(a),
        Command::Sync(a) => sync::run(a),
        Command::Show(a) => pyenv::show::run(a),
        Command::Check(a) => pyenv::check::run(a),
        Command::Hash(a) => pyenv::hash::run(a),
        Command::Freeze(a) => pyenv::inspect::run_freeze(a),
        Command::List(a) => pyenv::inspect::run_list(a),
        Command::Uninstall(a) => pyenv::inspect::run_uninstall(a),
        Command::Cpus(a) => cpus::run(a),
        Command::Doctor(a) => doctor::run(a),
        Command::Download(a) => download::run(a),
        Command::Wheel(a) => wheel::run(a),
        Command::Inspect(a) => staff::run_inspect(a),
        Command::Add(a) => staff::run_add(a),
        Command::Edit(a) => staff::run_edit(a),
        Command::Audit(a) => staff::run_audit(a),
        Command::Serve(a) => serve::run(a),
        Command::Module(c) => modules::run_module(c),
        Command::Site(c) => modules::run_site(c),
        Command::Stack(c) => modules::run_stack(c),
        Command::Cache(c) => cache::run(c),
    }
}

/// `stack build --python 3.10 3.11 NAME`: 3.11 takes NAME's place and NAME is unexpected;
/// the tip writes the command with the option repeated.
fn add_repeat_tip(e: &mut clap::Error) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return;
    }
    let Some(ContextValue::String(word)) = e.get(ContextKind::InvalidArg) else {
        return;
    };
    if let Some(hint) = argv::repeated_option_hint(word) {
        e.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![hint.into()]),
        );
    }
}

/// `wheelhouse venv -p ~/env`: -p is the interpreter, the environment is the positional.
fn add_venv_python_tip(e: &mut clap::Error) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::MissingRequiredArgument {
        return;
    }
    if let Some(hint) = argv::venv_python_hint() {
        e.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![hint.into()]),
        );
    }
}

/// Entry point of the `avail_wheels` binary.
pub fn run_avail_wheels(mut args: Vec<OsString>) -> i32 {
    if let Some(first) = args.first_mut() {
        *first = OsString::from("avail_wheels");
    }
    out::finish("avail_wheels", avail::run("avail_wheels", args))
}

/// Whether the subcommand `name` (the first argument) changes environments and runs with
/// small pages ([`small_pages`]).
pub fn wants_small_pages(name: &[u8]) -> bool {
    matches!(
        name,
        b"venv" | b"install" | b"lock" | b"sync" | b"uninstall"
    )
}

/// Turns transparent huge pages off for this process. mimalloc reserves its arena with
/// `MADV_HUGEPAGE`, so each 2 MiB of it a thread first touches is zeroed whole: in a warm
/// sync of 209 wheels that zeroing was a fifth of the samples (18.8 ms instead of 20.9).
/// The binary calls this before `main` (see `src/main.rs`), `dispatch` again for callers of
/// the library, from the first argument alone ([`wants_small_pages`]). Commands that change
/// environments touch little memory in many threads and are short; listings (`avail`, the
/// staff side) keep huge pages, which pay off for their large heaps. The setting is
/// inherited by the processes started from here (interpreters, build backends), where it
/// changes nothing unless they ask for huge pages.
pub fn small_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours; a
    // kernel without it returns an error, which is ignored (huge pages are only slower).
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

// A listing parses and frees tens of thousands of small strings; mimalloc's thread-local
// free lists make that a fraction of glibc malloc's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
