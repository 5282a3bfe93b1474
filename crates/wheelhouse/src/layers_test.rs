//! The command line's modules import one way: leaves, then shared helpers, then the
//! subcommands (which never borrow from one another), then the root that dispatches. A helper
//! two subcommands need goes into a leaf or helper module, never into one of them.

use std::path::Path;

/// From the bottom up; a module may name (`crate::m`) only modules before it. Subcommands
/// share a rank: none may name another.
const LAYERS: &[&[&str]] = &[
    &["out"],
    &["exit"],
    &["argv"],
    &["signals"],
    &["env_arg"],
    &["file_args"],
    &["cache_args"],
    &["staff_args"],
    &["staff_json"],
    &[
        "index_flags",
        "freeze_lock",
        "download_progress",
        "lock_sources",
    ],
    // `sync` is a subcommand and the lock installer that `install -r pylock.toml` and
    // `venv -r pylock.toml` share.
    &["sync"],
    &[
        "avail", "cache", "cpus", "doctor", "download", "index", "lock", "modules", "pyenv",
        "serve", "staff", "wheel",
    ],
    &["lib", "main"],
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_import_runs_back_up() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap();
        let module = first.as_os_str().to_str().unwrap().trim_end_matches(".rs");
        if module == "bin" || module == "layers_test" {
            continue;
        }
        let from = rank(module).unwrap_or_else(|| panic!("{module}: add it to LAYERS"));
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("crate::") {
            if text[..at].ends_with('$') {
                continue; // a macro's `$crate::`
            }
            let rest = &text[at + "crate::".len()..];
            // `crate::{a, b::c}` names each of a and b.
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(group.len())]
                    .split(',')
                    .map(|n| n.trim().split("::").next().unwrap_or(""))
                    .collect(),
                None => vec![rest
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("")],
            };
            for name in names {
                // Anything else is an item of the root (`crate::print_error` once was).
                let to = rank(name).unwrap_or(LAYERS.len() - 1);
                if name != module && to >= from && from < LAYERS.len() - 1 {
                    wrong.push(format!("{}: crate::{name}", relative.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports that run back up: {wrong:#?}");
}
