//! Failures in words a cluster user can act on: the seed's troubleshooting section, answered
//! by the tool itself.

use std::fmt;
use std::str::FromStr;

use pubgrub::{DefaultStringReporter, DerivationTree, External, Ranges, Reporter};

use crate::names::{did_you_mean, did_you_mean_sentence, glob_word, near_names_in};
use crate::{Index, Pkg, Provider, Rejection, Request};

/// Why a package has no usable wheel at all, with the next step.
#[derive(Debug)]
pub struct NoCandidates {
    pub name: String,
    pub message: String,
}

impl fmt::Display for NoCandidates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Explains why `key` has no wheel this target can use.
pub fn explain_no_candidates(
    key: &str,
    name: &str,
    index: &Index,
    request: &Request,
) -> NoCandidates {
    let python = &request.python_version;
    let searched = if index.search_paths.is_empty() {
        "no search path (set PIP_CONFIG_FILE or WHEELHOUSE, or pass --find-links)".to_string()
    } else {
        index
            .search_paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let avail = format!("avail_wheels {name} --all-versions --all-pythons");
    let rejected = index.rejected.get(key).map(Vec::as_slice).unwrap_or(&[]);
    let installed_elsewhere = request.installed.get(key);
    let message = if rejected.iter().any(|r| r.why == Rejection::NoBinary) {
        let mut files: Vec<&str> = rejected
            .iter()
            .filter(|r| r.why == Rejection::NoBinary)
            .map(|r| r.filename.as_str())
            .collect();
        files.sort_unstable();
        files.dedup();
        files.truncate(3);
        format!(
            "No matching distribution found for {name}: --no-binary asks to build it from a \
             source distribution, and the search paths hold only wheels of it ({}). Leave \
             {name} out of --no-binary to install the wheel, or name its source to build \
             (a project directory, a .tar.gz source archive, or git+https://…).",
            files.join(", ")
        )
    } else if let Some(inst) = installed_elsewhere {
        // Installed but excluded by a constraint.
        format!(
            "No matching distribution found for {name}: {} {} is installed but does not satisfy \
             the constraints, and the wheelhouse has no other wheel of it for this Python \
             (searched: {searched}). Run `{avail}` to see what exists.",
            inst.name, inst.version
        )
    } else if rejected.is_empty() && index.sdists.contains_key(key) {
        format!(
            "No matching distribution found for {name}: the search paths hold only source \
             distributions of it ({}), and {}. Build it from source by naming the file (it is \
             built in an isolated environment; a C extension needs the compiler and library \
             modules loaded): `{} {}`. Better, ask your site's support to build a wheel of \
             {name} for the wheelhouse (reproducible on every node); `{avail}` checks for one.",
            index.sdists[key].join(", "),
            index
                .sdists_left_out
                .as_deref()
                .unwrap_or("a package asked for by name is installed from wheels"),
            index
                .build_command
                .as_deref()
                .unwrap_or("wheelhouse install"),
            index
                .sdist_paths
                .get(key)
                .and_then(|p| p.last())
                .map(|p| shell_word(&p.display().to_string()))
                .unwrap_or_else(|| index.sdists[key].join(" "))
        )
    } else if rejected.is_empty() {
        // A single near miss is most likely the name meant: its versions for this Python are
        // the next command (`--all-pythons` lists nothing where PYTHON_DIRS names no module).
        // Otherwise a search by the name's longest word (a glob avail_wheels accepts).
        let next = match near_names_in(name, index).as_slice() {
            [one] => format!(
                " Did you mean {one}? See its versions with `avail_wheels {one} --all-versions`."
            ),
            near => format!(
                "{} Search the names with `avail_wheels \"*{}*\"`; if it is not there, ask \
                 your site's support to add it to the wheelhouse.",
                did_you_mean_sentence(near),
                glob_word(name)
            ),
        };
        format!(
            "No matching distribution found for {name}: the wheelhouse has no wheel named \
             {name} (searched: {searched}).{next}"
        )
    } else if rejected.iter().all(|r| r.why == Rejection::Manylinux) {
        let files: Vec<&str> = rejected
            .iter()
            .take(3)
            .map(|r| r.filename.as_str())
            .collect();
        format!(
            "No matching distribution found for {name}: the only wheels of it are `manylinux` \
             builds ({}), and this site refuses `manylinux` wheels by policy: they bundle their \
             own libraries, are not built for the cluster's CPUs and software stack, and may \
             crash or run slowly. Ask your site's support to build {name} for the wheelhouse. \
             To install it anyway, at your own risk, pass --allow-manylinux (or set \
             `allow-manylinux = true` under [install] in your pip configuration).",
            files.join(", ")
        )
    } else if rejected
        .iter()
        .all(|r| !matches!(r.why, Rejection::OtherPython(_)))
    {
        let mut platforms: Vec<String> = rejected
            .iter()
            .filter_map(|r| match &r.why {
                Rejection::OtherPlatform(p) => Some(p.clone()),
                _ => None,
            })
            .flat_map(|t| t.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect();
        platforms.sort();
        platforms.dedup();
        format!(
            "No matching distribution found for {name}: the wheelhouse has {name} for Python \
             {python}, but only built for platforms this node cannot run ({}: a musllinux \
             build, a manylinux newer than this node's C library, or another machine). Ask \
             your site's support for a build for this cluster. Run `{avail}` to see every build.",
            platforms.join(", ")
        )
    } else {
        let mut pythons: Vec<String> = rejected
            .iter()
            .filter_map(|r| match &r.why {
                Rejection::OtherPython(tags) => Some(tags.clone()),
                Rejection::Manylinux | Rejection::OtherPlatform(_) | Rejection::NoBinary => None,
            })
            .flat_map(|t| t.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect();
        // Newest Python first, by number (cp310 after cp39).
        let number = |t: &str| -> (u32, u32) {
            let digits = t.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            if digits.len() < 2 {
                return (0, 0);
            }
            let (major, minor) = digits.split_at(1);
            (major.parse().unwrap_or(0), minor.parse().unwrap_or(0))
        };
        pythons.sort_by_key(|t| std::cmp::Reverse(number(t)));
        pythons.dedup();
        let modules: Vec<String> = pythons
            .iter()
            .filter_map(|t| {
                let digits = t.strip_prefix("cp")?;
                let (major, minor) = digits.split_at(1);
                Some(format!("module load python/{major}.{minor}"))
            })
            .collect();
        let hint = match modules.first() {
            Some(line) => format!(" Load a Python it exists for (`{line}`), make a new environment with it, and install again;"),
            None => String::new(),
        };
        format!(
            "No matching distribution found for {name}: the wheelhouse has {name} only for \
             other Pythons or platforms ({}), not for Python {python}.{hint} or ask your \
             site's support for a build for Python {python}. Run `{avail}` to see every build.",
            pythons.join(", ")
        )
    };
    NoCandidates {
        name: name.to_string(),
        message,
    }
}

/// Explains a failed resolution: for a package with no usable wheel, the reason; otherwise
/// the chain of requirements that clash.
pub(crate) fn explain_conflict(
    provider: &Provider<'_>,
    tree: DerivationTree<Pkg, Ranges<u32>, String>,
) -> String {
    let mut missing = Vec::new();
    collect_missing(&tree, provider, &mut missing);
    let mut out = String::new();
    for key in &missing {
        out.push_str(&explain_missing(key, &tree, provider));
        out.push('\n');
    }
    let python = python_advice(&tree, provider);
    let formatter = crate::chain::Words { provider };
    let chain = DefaultStringReporter::report_with_formatter(&tree, &formatter);
    if !missing.is_empty() {
        out.push_str("How the requirements lead there:\n");
    } else if python.is_some() {
        out.push_str(&format!(
            "Cannot install these requirements on Python {}:\n",
            provider.request.python_version
        ));
    } else {
        out.push_str("Cannot install these requirements together, because they conflict:\n");
    }
    for line in chain.lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    if !missing.is_empty() {
        // The missing package's paragraph already says what to do: nothing to loosen.
        out.pop();
        return out;
    }
    if let Some(advice) = python {
        out.push_str(&advice);
        return out;
    }
    out.push_str(
        provider
            .request
            .conflict_advice
            .as_deref()
            .unwrap_or(WHEELHOUSE_ADVICE),
    );
    out
}

/// Why a dependency has no candidate, naming who needs it: a name the wheelhouse lacks is
/// no conflict between requirements, and nothing the user can loosen.
fn explain_missing(
    key: &str,
    tree: &DerivationTree<Pkg, Ranges<u32>, String>,
    provider: &Provider<'_>,
) -> String {
    let index = provider.index;
    let plain = !index.rejected.contains_key(key)
        && !index.sdists.contains_key(key)
        && !provider.request.installed.contains_key(key);
    let mut parents = Vec::new();
    collect_parents(tree, key, &mut parents);
    let needed = if parents.is_empty() {
        String::new()
    } else {
        format!(", needed by {},", parents.join(" and "))
    };
    if !plain {
        let why = explain_no_candidates(key, key, index, provider.request).message;
        return match why.strip_prefix(&format!("No matching distribution found for {key}: ")) {
            Some(rest) => format!("{key}{needed} cannot be installed: {rest}"),
            None => why,
        };
    }
    // The directories, not the wheel files the user named (those were not searched for it).
    let searched = index
        .search_paths
        .iter()
        .filter(|p| p.extension().is_none_or(|e| e != "whl"))
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    // Another version of the package that needs it is the way out, unless that package came
    // only from a file the user gave (downloaded): then its versions are not in the wheelhouse.
    let requester = parents.iter().find(|p| *p != ROOT_PARENT);
    let given_as_file = |name: &str| {
        index.usable.get(name).is_some_and(|wheels| {
            wheels.iter().all(|w| {
                index.search_paths.contains(&w.path)
                    && !index
                        .search_paths
                        .iter()
                        .any(|dir| dir != &w.path && w.path.starts_with(dir))
            })
        })
    };
    let other_way = match requester {
        None => String::new(),
        Some(r) if given_as_file(r) => format!(
            " Or download {key} too, as you did {r} (`wheelhouse download --no-deps {key}`), \
             and install both files."
        ),
        Some(r) => format!(
            " Or choose a version of {r} that does not need it \
             (`avail_wheels {r} --all-versions`)."
        ),
    };
    format!(
        "{key}{needed} is not in the wheelhouse (searched: {searched}).{} Ask your site's \
         support to add {key} to the wheelhouse. If a module provides {key} (`module spider \
         {key}`), load it and install again: a package a module puts on the Python path counts \
         as installed.{other_way}",
        did_you_mean(key, index)
    )
}

/// How the tree names the user's own requirements among the packages that need one.
const ROOT_PARENT: &str = "your requirements";

/// The packages whose requirements name `key`, as the tree says.
fn collect_parents(
    tree: &DerivationTree<Pkg, Ranges<u32>, String>,
    key: &str,
    out: &mut Vec<String>,
) {
    match tree {
        DerivationTree::External(External::FromDependencyOf(p, _, d, _)) => {
            if pkg_key(d) == Some(key) {
                let name = match p {
                    Pkg::Root => ROOT_PARENT.to_string(),
                    _ => pkg_key(p).unwrap_or_default().to_string(),
                };
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        DerivationTree::External(_) => {}
        DerivationTree::Derived(d) => {
            collect_parents(&d.cause1, key, out);
            collect_parents(&d.cause2, key, out);
        }
    }
}

/// When `Requires-Python` ruled candidates out: the Pythons the site offers that they accept,
/// as `module load` lines, as a tag mismatch gets.
fn python_advice(
    tree: &DerivationTree<Pkg, Ranges<u32>, String>,
    provider: &Provider<'_>,
) -> Option<String> {
    let mut keys = Vec::new();
    collect_custom(tree, &mut keys);
    let recorded = provider.requires_python.borrow();
    let specs: Vec<(&str, &str)> = recorded
        .iter()
        .filter(|(k, _)| keys.iter().any(|c| c == &**k))
        .map(|(k, rp)| (&**k, rp.as_str()))
        .collect();
    let (name, _) = specs.first()?;
    let this = &provider.request.python_version;
    let fits = |v: &str| {
        let Ok(version) = pep440_rs::Version::from_str(v) else {
            return false;
        };
        specs.iter().all(|(_, rp)| {
            pep440_rs::VersionSpecifiers::from_str(rp).is_ok_and(|s| s.contains(&version))
        })
    };
    let mut fitting: Vec<&String> = provider
        .index
        .available_pythons
        .iter()
        .filter(|v| fits(v))
        .collect();
    fitting.sort_by_key(|v| {
        std::cmp::Reverse(
            v.split('.')
                .map(|p| p.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>(),
        )
    });
    let wants: Vec<String> = specs.iter().map(|(k, rp)| format!("{k}: {rp}")).collect();
    let versions = format!("`avail_wheels {name} --all-versions`");
    Some(match fitting.first() {
        Some(v) => {
            let minor: Vec<&str> = v.split('.').take(2).collect();
            format!(
                "Load a Python they support (`module load python/{}`), make a new environment \
                 with it and install again; or require a version that supports Python {this} \
                 (see {versions}).",
                minor.join(".")
            )
        }
        None if provider.index.available_pythons.is_empty() => format!(
            "Use a Python they support ({}) for the environment, or require a version that \
             supports Python {this} (see {versions}).",
            wants.join("; ")
        ),
        None => format!(
            "None of the Pythons this site offers ({}) fits ({}): require a version that \
             supports Python {this} (see {versions}), or ask your site's support.",
            provider.index.available_pythons.join(", "),
            wants.join("; ")
        ),
    })
}

fn collect_custom(tree: &DerivationTree<Pkg, Ranges<u32>, String>, out: &mut Vec<String>) {
    match tree {
        DerivationTree::External(External::Custom(p, _, _)) => {
            if let Some(k) = pkg_key(p) {
                out.push(k.to_string());
            }
        }
        DerivationTree::External(_) => {}
        DerivationTree::Derived(d) => {
            collect_custom(&d.cause1, out);
            collect_custom(&d.cause2, out);
        }
    }
}

/// The last line of a conflict's explanation when resolving against the wheelhouse.
const WHEELHOUSE_ADVICE: &str = "Loosen one of the requirements above, or check which \
    versions exist with `avail_wheels NAME --all-versions`.";

fn collect_missing(
    tree: &DerivationTree<Pkg, Ranges<u32>, String>,
    provider: &Provider<'_>,
    out: &mut Vec<String>,
) {
    match tree {
        DerivationTree::External(External::NoVersions(pkg, _)) => {
            if let Some(key) = pkg_key(pkg) {
                if provider.candidate_count(key) == 0 && !out.iter().any(|k| k == key) {
                    out.push(key.to_string());
                }
            }
        }
        // A requirement on a name with no candidate at all is an empty range, which the
        // solver reports as the requirement itself, not as a package without versions.
        DerivationTree::External(External::FromDependencyOf(_, _, pkg, _)) => {
            if let Some(key) = pkg_key(pkg) {
                if provider.candidate_count(key) == 0 && !out.iter().any(|k| k == key) {
                    out.push(key.to_string());
                }
            }
        }
        DerivationTree::External(_) => {}
        DerivationTree::Derived(d) => {
            collect_missing(&d.cause1, provider, out);
            collect_missing(&d.cause2, provider, out);
        }
    }
}

pub(crate) fn pkg_key(pkg: &Pkg) -> Option<&str> {
    match pkg {
        Pkg::Root => None,
        Pkg::Dist(k) | Pkg::Extra(k, _) => Some(k),
    }
}

/// `word` as one shell word: quoted when it holds anything a shell would split or expand.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
