//! `install --upgrade-strategy`, `--only-binary` and `--no-binary`, as pip takes them.

/// pip's `--upgrade-strategy`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeStrategy {
    /// Upgrade dependencies only when the installed version does not fit
    OnlyIfNeeded,
    /// Upgrade every dependency to the newest version
    Eager,
}

/// pip's reading of `--no-binary`/`--only-binary` values (comma-separated names, `:all:`,
/// `:none:`), applied to `target` and taken from `other`.
fn apply(value: &str, target: &mut Vec<String>, other: &mut Vec<String>) {
    let mut names: Vec<&str> = value.split(',').collect();
    while let Some(at) = names.iter().position(|n| *n == ":all:") {
        other.clear();
        target.clear();
        target.push(":all:".into());
        names.drain(..=at);
        if !names.contains(&":none:") {
            return;
        }
    }
    for name in names {
        if name == ":none:" {
            target.clear();
            continue;
        }
        let key = wheel_metadata::normalize_name(name);
        other.retain(|n| *n != key);
        if !target.contains(&key) {
            target.push(key);
        }
    }
}

/// The packages whose source distributions are not candidates (`:all:` for every one), as
/// `--only-binary` and `--no-binary` leave them in pip's order.
pub fn wheels_only(only_binary: &[String], no_binary: &[String]) -> Vec<String> {
    let mut no: Vec<String> = Vec::new();
    let mut only: Vec<String> = Vec::new();
    for value in no_binary {
        apply(value, &mut no, &mut only);
    }
    for value in only_binary {
        apply(value, &mut only, &mut no);
    }
    only
}

/// Whether the flags ask for something the wheelhouse can do. Packages come from the
/// wheelhouse as wheels, so `--only-binary` always holds for them (a source named directly is
/// still built, as the user asked for it); `--no-binary` for anything but `:none:` would need
/// a package's source from an index, which the wheelhouse does not have: refused, with the
/// way to build from a source.
pub fn check(only_binary: &[String], no_binary: &[String]) -> Result<(), String> {
    let mut no: Vec<String> = Vec::new();
    let mut only: Vec<String> = Vec::new();
    for value in no_binary {
        apply(value, &mut no, &mut only);
    }
    for value in only_binary {
        apply(value, &mut only, &mut no);
    }
    if no.is_empty() {
        return Ok(());
    }
    let which = if no.iter().any(|n| n == ":all:") {
        "every package".to_string()
    } else {
        no.join(", ")
    };
    Err(format!(
        "--no-binary asks to build {which} from source instead of wheels; wheelhouse \
         installs packages asked for by name from wheels, and builds only the sources it is \
         given. To build a package from its source, name the source directly: `wheelhouse \
         install ./pkg-1.0.tar.gz` or `wheelhouse install ./project-dir` (or `wheelhouse \
         wheel` it first, for staff)."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_binary_is_accepted_and_no_binary_refused_unless_none() {
        assert!(check(&v(&[":all:"]), &[]).is_ok());
        assert!(check(&v(&["numpy,scipy"]), &v(&[":none:"])).is_ok());
        assert!(check(&[], &v(&[":all:,:none:"])).is_ok());
        let e = check(&[], &v(&["NumPy,six"])).unwrap_err();
        assert!(e.contains("build numpy, six from source"), "{e}");
        assert!(check(&[], &v(&[":all:"]))
            .unwrap_err()
            .contains("every package"));
        // --only-binary takes a name back from --no-binary, as pip's mutual exclusion does.
        assert!(check(&v(&["six"]), &v(&["six"])).is_ok());
    }
}
