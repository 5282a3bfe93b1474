//! `--only-binary` and `--no-binary`, as pip reads them, for `install` and `download`.

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

/// What `--only-binary` and `--no-binary` leave: the packages whose source distributions
/// are not candidates, and those whose wheels are not (`:all:` for every one), as pip reads
/// the flags (a name given to one is taken from the other).
pub fn binary_choices(only_binary: &[String], no_binary: &[String]) -> (Vec<String>, Vec<String>) {
    let mut no: Vec<String> = Vec::new();
    let mut only: Vec<String> = Vec::new();
    for value in no_binary {
        apply(value, &mut no, &mut only);
    }
    for value in only_binary {
        apply(value, &mut only, &mut no);
    }
    (only, no)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_binary_and_no_binary_take_names_from_each_other() {
        assert_eq!(binary_choices(&v(&[":all:"]), &[]), (v(&[":all:"]), v(&[])));
        assert_eq!(
            binary_choices(&v(&["numpy,scipy"]), &v(&[":none:"])),
            (v(&["numpy", "scipy"]), v(&[]))
        );
        assert_eq!(binary_choices(&[], &v(&[":all:,:none:"])), (v(&[]), v(&[])));
        assert_eq!(
            binary_choices(&[], &v(&["NumPy,six"])),
            (v(&[]), v(&["numpy", "six"]))
        );
        // --only-binary takes a name back from --no-binary, as pip's mutual exclusion does.
        assert_eq!(
            binary_choices(&v(&["six"]), &v(&["six"])),
            (v(&["six"]), v(&[]))
        );
    }
}
