//! What a lock is made for: the requirements (a project's optional dependencies with
//! `--extra`), the Pythons, the CPU levels, and each level's search directories.

use std::collections::BTreeSet;
use std::path::PathBuf;

use interpreter::Interpreter;
use site_config::{PythonRequest, SiteConfig};

use crate::make::LockRequest;
use crate::Error;

/// Command-line requirements, and the optional dependencies `--extra` names from each
/// pyproject.toml given with -r.
pub(crate) fn requirement_texts(request: &LockRequest) -> Result<Vec<String>, Error> {
    let mut texts = request.requirements.clone();
    if request.extras.is_empty() {
        return Ok(texts);
    }
    let projects: Vec<&PathBuf> = request
        .requirement_files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "pyproject.toml"))
        .collect();
    if projects.is_empty() {
        return Err(Error::ExtraWithoutProject);
    }
    for extra in &request.extras {
        let mut found = false;
        for project in &projects {
            let text = std::fs::read_to_string(project).map_err(|source| Error::Unreadable {
                path: project.to_path_buf(),
                source,
            })?;
            let doc: toml::Table = text.parse().map_err(|source| Error::InvalidToml {
                path: project.to_path_buf(),
                source,
            })?;
            let group = doc
                .get("project")
                .and_then(|p| p.get("optional-dependencies"))
                .and_then(|o| o.get(extra.as_str()))
                .and_then(|g| g.as_array());
            if let Some(group) = group {
                found = true;
                texts.extend(group.iter().filter_map(|v| v.as_str().map(str::to_string)));
            }
        }
        if !found {
            return Err(Error::NoExtra {
                extra: extra.clone(),
                projects: projects.iter().map(|p| p.to_path_buf()).collect(),
            });
        }
    }
    Ok(texts)
}

/// The interpreters to lock for: each `--python`, else the active environment's Python,
/// else the loaded module's.
pub(crate) fn interpreters(
    site: &SiteConfig,
    pythons: &[String],
) -> Result<Vec<Interpreter>, Error> {
    let mut paths = Vec::new();
    for text in pythons {
        let path = match PythonRequest::parse(text) {
            PythonRequest::Version(v) => match site.module_python_for(&v) {
                Some(p) => p,
                None => site
                    .find_python(&PythonRequest::Version(v))
                    .map_err(Error::PythonNotFound)?,
            },
            request => site.find_python(&request).map_err(Error::PythonNotFound)?,
        };
        paths.push(path);
    }
    if paths.is_empty() {
        match &site.virtual_env {
            Some(env) if env.join("bin/python").exists() => paths.push(env.join("bin/python")),
            _ => paths.push(
                site.find_python(&PythonRequest::Default)
                    .map_err(Error::PythonNotFound)?,
            ),
        }
    }
    let mut out: Vec<Interpreter> = Vec::new();
    // The answer kept in the cache while the interpreter is unchanged, as every command does.
    let answers = environment::answer_cache(site, None);
    for p in paths {
        let it = Interpreter::query_cached(&p, None, answers.as_ref())
            .map_err(environment::Error::Interpreter)?;
        if !out.iter().any(|o| {
            python_of(o) == python_of(&it)
                && o.markers.implementation_name() == it.markers.implementation_name()
        }) {
            out.push(it);
        }
    }
    Ok(out)
}

/// The CPU levels to lock for: `--arch`, else those of the site's levels the search
/// directories have (none: a plain directory of wheels, locked as it is).
pub(crate) fn levels(
    site: &SiteConfig,
    paths: &[PathBuf],
    asked: &[String],
) -> Result<Vec<String>, Error> {
    let present: BTreeSet<String> = paths
        .iter()
        .map(|p| site_config::arch_of_search_path(p))
        .collect();
    if !asked.is_empty() {
        for a in asked {
            if !present.contains(a) {
                return Err(Error::LevelNotPresent {
                    asked: a.clone(),
                    present: present.iter().cloned().collect(),
                });
            }
        }
        return Ok(asked.to_vec());
    }
    // `generic` holds what every level shares: a level of its own only where the wheelhouse
    // has no other (no node of a split wheelhouse runs on generic alone).
    let levels: Vec<String> = site
        .architectures()
        .iter()
        .filter(|a| present.contains(**a))
        .map(|a| a.to_string())
        .collect();
    if levels.iter().any(|l| l != "generic") {
        return Ok(levels.into_iter().filter(|l| l != "generic").collect());
    }
    Ok(levels)
}

/// A level's directories: its own first, then generic and those that are no level.
pub(crate) fn paths_for(site: &SiteConfig, paths: &[PathBuf], level: Option<&str>) -> Vec<PathBuf> {
    let Some(level) = level else {
        return paths.to_vec();
    };
    let known = site.architectures();
    let mut kept: Vec<PathBuf> = paths
        .iter()
        .filter(|p| {
            let a = site_config::arch_of_search_path(p);
            a == level || a == "generic" || !known.contains(&a.as_str())
        })
        .cloned()
        .collect();
    kept.sort_by_key(|p| usize::from(site_config::arch_of_search_path(p) != level));
    kept
}

pub(crate) fn python_of(it: &Interpreter) -> String {
    format!("{}.{}", it.version.0, it.version.1)
}

pub(crate) fn describe(it: &Interpreter, level: Option<&String>) -> String {
    match level {
        Some(l) => format!("Python {} on {l}", python_of(it)),
        None => format!("Python {}", python_of(it)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use site_config::ProcessVars;

    fn site() -> SiteConfig {
        SiteConfig::from_env(&ProcessVars::from_pairs([("EBVERSIONGENTOO", "2023")]))
    }

    fn paths(names: &[&str]) -> Vec<PathBuf> {
        names
            .iter()
            .map(|n| PathBuf::from("/wh/gentoo2023").join(n))
            .collect()
    }

    #[test]
    fn generic_is_part_of_each_level_and_a_level_only_where_it_is_alone() {
        let all = paths(&["x86-64-v4", "x86-64-v3", "generic"]);
        assert_eq!(
            levels(&site(), &all, &[]).unwrap(),
            ["x86-64-v3", "x86-64-v4"]
        );
        let generic = paths(&["generic"]);
        assert_eq!(levels(&site(), &generic, &[]).unwrap(), ["generic"]);
        // A plain directory of wheels is no level: locked as it is.
        let plain = vec![PathBuf::from("/home/me/wheels")];
        assert!(levels(&site(), &plain, &[]).unwrap().is_empty());
    }

    #[test]
    fn an_asked_level_the_wheelhouse_lacks_is_refused_with_those_it_has() {
        let all = paths(&["x86-64-v3", "generic"]);
        let asked = ["x86-64-v4".to_string()];
        let e = levels(&site(), &all, &asked).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--arch x86-64-v4: no search directory is that CPU level; the wheelhouse has \
             generic, x86-64-v3"
        );
    }

    #[test]
    fn a_levels_directories_come_first_then_generic_and_plain_ones() {
        let mut all = paths(&["generic", "x86-64-v3", "x86-64-v4"]);
        all.push(PathBuf::from("/home/me/wheels"));
        let kept = paths_for(&site(), &all, Some("x86-64-v4"));
        let names: Vec<String> = kept.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            names,
            [
                "/wh/gentoo2023/x86-64-v4",
                "/wh/gentoo2023/generic",
                "/home/me/wheels"
            ]
        );
        assert_eq!(paths_for(&site(), &all, None), all);
    }
}
