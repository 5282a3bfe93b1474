//! The command line's one exit-code table: what each library's kinds of failure exit with,
//! and their names in `--format json` error objects. Libraries say what went wrong (a typed
//! kind); only this module says which number a script sees.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | done |
//! | 1 | cannot do it as asked: no wheel, a conflict, site policy, a refusal, a failed build |
//! | 2 | bad input or usage (argparse's code, so `avail_wheels`' too) |
//! | 3 | the work itself failed: an install (environment unchanged), the network, a write |
//! | 130 | interrupted (Ctrl-C, SIGTERM) |

/// Cannot do it as asked: nothing matches, a conflict, a policy, a refusal.
pub const RESOLUTION: i32 = 1;
/// Bad input or usage.
pub const INPUT: i32 = 2;
/// Usage errors, as argparse (and so the reference `avail_wheels`) exits on them.
pub const USAGE: i32 = INPUT;
/// The work failed: an install (the environment was left as it was), the network, a write.
pub const FAILED: i32 = 3;
/// Interrupted by a signal.
pub const INTERRUPTED: i32 = 130;

/// The environment commands (`venv`, `install`, `uninstall`, `stack build`).
pub fn environment(kind: environment::ErrorKind) -> i32 {
    use environment::ErrorKind;
    match kind {
        ErrorKind::Resolution => RESOLUTION,
        ErrorKind::Input => INPUT,
        ErrorKind::Install => FAILED,
        ErrorKind::Interrupted => INTERRUPTED,
    }
}

/// `wheelhouse download`: a file that cannot be fetched or checked exits as the network does.
pub fn download(kind: download::ErrorKind) -> i32 {
    use download::ErrorKind;
    match kind {
        ErrorKind::Input => INPUT,
        ErrorKind::NotFound => RESOLUTION,
        ErrorKind::Cancelled => INTERRUPTED,
        ErrorKind::Network
        | ErrorKind::Index
        | ErrorKind::Integrity
        | ErrorKind::Interrupted
        | ErrorKind::Io => FAILED,
    }
}

/// The staff commands `add`, `edit`, `inspect`.
pub fn admin(kind: admin::ErrorKind) -> i32 {
    use admin::ErrorKind;
    match kind {
        ErrorKind::Input => INPUT,
        ErrorKind::Refused => RESOLUTION,
        ErrorKind::Io => FAILED,
    }
}

/// An `admin` kind's name in `--format json` error objects.
pub fn admin_name(kind: admin::ErrorKind) -> &'static str {
    use admin::ErrorKind;
    match kind {
        ErrorKind::Input => "input",
        ErrorKind::Refused => "refused",
        ErrorKind::Io => "io",
    }
}

/// `index --html` and `serve`.
pub fn simple_index(kind: simple_index::ErrorKind) -> i32 {
    use simple_index::ErrorKind;
    match kind {
        ErrorKind::Input => INPUT,
        ErrorKind::Changed => RESOLUTION,
        ErrorKind::Io => FAILED,
    }
}

/// `wheelhouse wheel`: a backend that fails is a build that cannot be done as asked.
pub fn build(kind: build_frontend::ErrorKind) -> i32 {
    use build_frontend::ErrorKind;
    match kind {
        ErrorKind::Input => INPUT,
        ErrorKind::Io => FAILED,
        ErrorKind::Build | ErrorKind::Environment => RESOLUTION,
    }
}

/// `module python`, `site init`, `stack build`: a file in the way or unusable input changes
/// nothing (2); a failed write is 3; a stack's install exits as the install did.
pub fn modules(e: &modules::ModulesError) -> i32 {
    use modules::ModulesError;
    match e {
        ModulesError::Io { .. } => FAILED,
        ModulesError::StackTarget(e) | ModulesError::StackInstall { source: e, .. } => {
            environment(e.kind())
        }
        ModulesError::StackInterrupted { .. } => INTERRUPTED,
        _ => INPUT,
    }
}
