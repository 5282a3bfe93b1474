//! `wheelhouse install ./pkg.whl`: an argument that is a file's path, not a requirement. A
//! missing file is said as such (before, it reached the requirement grammar and got "URL
//! requirement must be preceded by a package name").

use std::path::Path;

/// The paragraph for the first argument that names a wheel or archive file that is not there.
pub(crate) fn missing_file(requirements: &[String]) -> Option<String> {
    requirements.iter().find_map(|r| {
        let archive = [".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2"]
            .iter()
            .any(|ext| r.ends_with(ext));
        let url = r.contains("://") || r.contains('@');
        if !archive || url || Path::new(r).exists() {
            return None;
        }
        Some(match nearest(r) {
            Some(near) => format!(
                "{r}: no such file. Did you mean {near}? To install it: {}",
                crate::argv::replaced_positional(r, &near)
            ),
            None => format!(
                "{r}: no such file. Give the path of an existing wheel file, or a package name \
                 to install from the wheelhouse (`avail_wheels {}` shows what it holds)",
                project_name(r)
            ),
        })
    })
}

/// The project a file name stands for: `numpy` of `dist/numpy-1.26.4-...whl`.
fn project_name(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('-').next().unwrap_or(name);
    let stem = stem.split(".tar").next().unwrap_or(stem);
    let stem = stem.trim_end_matches(".whl").trim_end_matches(".zip");
    crate::argv::shell_word(stem)
}

/// A file beside the missing one whose name is a small typo away.
fn nearest(missing: &str) -> Option<String> {
    let path = Path::new(missing);
    let name = path.file_name()?.to_string_lossy().into_owned();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut best: Option<(usize, String)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let other = entry.file_name().to_string_lossy().into_owned();
        let distance = crate::env_arg::edit_distance(&name, &other);
        if distance <= 2 + name.len() / 10 && best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, other));
        }
    }
    let (_, other) = best?;
    Some(match missing.rfind('/') {
        Some(i) => format!("{}{other}", &missing[..=i]),
        None => other,
    })
}
