//! Imports run one way, at two scales.
//!
//! Inside this crate: leaves, then shared helpers, then the subcommands (which never borrow
//! from one another), then the root that dispatches. A helper two subcommands need goes into
//! a leaf or helper module, never into one of them.
//!
//! Between the workspace's crates: the layers the README's "Layout" lists (the one place they
//! are written); a crate's `[dependencies]` name crates of its own layer or below, never one
//! above (Cargo itself refuses circles). Tests may use anything: `[dev-dependencies]` are not
//! checked, and `test-support` may be nothing else.

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
        "download_progress",
        "build_args",
        "binary_args",
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
        if module == "bin" || module == "layers_test" || module == "messages_test" {
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

/// The crate layers as the README's "Layout" lists them, from the bottom: the numbered items
/// of its "### Layers" part (an item may go on over indented lines), each naming its crates
/// in backticks after a colon.
fn readme_layers(readme: &str) -> Vec<Vec<String>> {
    let part = readme
        .split_once("\n### Layers\n")
        .expect("README.md has a \"### Layers\" part under \"## Layout\"")
        .1;
    let part = part.split("\n#").next().unwrap_or(part);
    let mut items: Vec<String> = Vec::new();
    let mut open = false;
    for line in part.lines() {
        let numbered = line
            .split_once(". ")
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if numbered {
            items.push(line.split_once(". ").unwrap().1.to_string());
            open = true;
        } else if open && line.starts_with(' ') {
            items.last_mut().unwrap().push_str(line);
        } else {
            open = false;
        }
    }
    items
        .iter()
        .map(|item| {
            let names = item.split_once(':').map_or("", |(_, names)| names);
            names
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// One crate of the workspace: its package name, and what its `[dependencies]` (with the
/// target-specific and build ones) name; `[dev-dependencies]` are left out.
struct Manifest {
    name: String,
    uses: Vec<String>,
}

fn dependency_names(table: Option<&toml::Value>) -> Vec<String> {
    let Some(toml::Value::Table(table)) = table else {
        return Vec::new();
    };
    table
        .iter()
        .map(|(key, spec)| {
            // `alias = { package = "real-name", ... }` depends on `real-name`.
            spec.get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key)
                .to_string()
        })
        .collect()
}

fn workspace_manifests(root: &Path) -> Vec<Manifest> {
    let mut manifests = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let path = entry.unwrap().path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let doc: toml::Table = text
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = doc["package"]["name"].as_str().unwrap().to_string();
        let mut uses = dependency_names(doc.get("dependencies"));
        uses.extend(dependency_names(doc.get("build-dependencies")));
        if let Some(toml::Value::Table(targets)) = doc.get("target") {
            for target in targets.values() {
                uses.extend(dependency_names(target.get("dependencies")));
                uses.extend(dependency_names(target.get("build-dependencies")));
            }
        }
        manifests.push(Manifest { name, uses });
    }
    manifests.sort_by(|a, b| a.name.cmp(&b.name));
    manifests
}

#[test]
fn no_crate_depends_on_a_higher_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let layers = readme_layers(&readme);
    let manifests = workspace_manifests(&root);
    let layer_of = |name: &str| layers.iter().position(|l| l.iter().any(|c| c == name));
    let ours: Vec<&str> = manifests.iter().map(|m| m.name.as_str()).collect();
    let mut wrong = Vec::new();
    for listed in layers.iter().flatten() {
        if !ours.contains(&listed.as_str()) {
            wrong.push(format!(
                "README lists `{listed}`, which is no crate of the workspace"
            ));
        }
    }
    for manifest in &manifests {
        let name = &manifest.name;
        let listed = layers.iter().flatten().filter(|c| *c == name).count();
        if listed != 1 {
            wrong.push(format!(
                "{name}: listed in {listed} layers of the README, not one"
            ));
            continue;
        }
        let from = layer_of(name).unwrap();
        for used in manifest.uses.iter().filter(|u| ours.contains(&u.as_str())) {
            if used == "test-support" {
                wrong.push(format!("{name}: test-support outside [dev-dependencies]"));
            } else if layer_of(used).is_some_and(|to| to > from) {
                wrong.push(format!(
                    "{name} (layer {}) depends on {used} (layer {})",
                    from + 1,
                    layer_of(used).unwrap() + 1
                ));
            }
        }
    }
    assert!(
        !layers.is_empty() && wrong.is_empty(),
        "crate layering (README.md, \"### Layers\"): {wrong:#?}"
    );
}
