//! What a listing asks for: names (globs allowed) with version specifiers, Pythons, CPU
//! levels, and which versions to keep.

use std::path::PathBuf;

use requirements::WildRequirement;
use site_config::PythonVersion;

/// The requested names, keyed by canonical name in first-seen order; a later requirement for
/// the same name replaces the earlier one in place (a Python dict assignment).
#[derive(Clone, Debug, Default)]
pub struct RequirementSet {
    pub(crate) entries: Vec<(String, WildRequirement)>,
}

impl RequirementSet {
    pub(crate) fn insert(&mut self, requirement: WildRequirement) {
        match self
            .entries
            .iter_mut()
            .find(|(k, _)| *k == requirement.name)
        {
            Some(slot) => slot.1 = requirement,
            None => self.entries.push((requirement.name.clone(), requirement)),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&WildRequirement> {
        self.entries.iter().find(|(k, _)| k == name).map(|(_, r)| r)
    }
}

/// A listing query, as `avail_wheels`' options give it.
pub struct Query {
    /// `None`: every name.
    pub requirements: Option<RequirementSet>,
    pub pythons: Vec<PythonVersion>,
    pub archs: Vec<String>,
    pub latest_only: bool,
    pub not_available: bool,
    pub not_available_only: bool,
}

/// Builds the request's names: requirement files first, then command-line names (which win),
/// `-v V` turning each command-line name into `name==V`. A `+local` suffix is dropped from
/// every requirement: listings filter on public versions. Editable lines of the files are
/// skipped, each with a `warn`ing.
pub fn requirement_set(
    files: &[PathBuf],
    wheels: &[String],
    names: &[String],
    version: Option<&str>,
    vars: &dyn Fn(&str) -> Option<String>,
    warn: &mut dyn FnMut(String),
) -> Result<Option<RequirementSet>, String> {
    let mut set = RequirementSet::default();
    for file in files {
        let parsed = requirements::read_requirement_files(file, vars)
            .map_err(|e| format!("{e}. Check the path given to -r/--requirement"))?;
        for line in parsed.lines {
            if line.editable {
                warn(format!(
                    "{}:{}: skipping editable requirement `{}`: it names a source tree, not a wheel",
                    line.file.display(),
                    line.line,
                    line.text
                ));
                continue;
            }
            let requirement = WildRequirement::parse_dropping_local(&line.text)
                .map_err(|e| format!("{}:{}: {e}", line.file.display(), line.line))?;
            set.insert(requirement);
        }
    }
    for text in wheels.iter().chain(names) {
        let requirement = WildRequirement::parse_dropping_local(text)
            .map_err(|e| format!("{e}. Give a name such as numpy, \"*cdf*\" or 'numpy>=1.21'"))?;
        let requirement = match version {
            Some(v) => WildRequirement::parse(&format!("{}=={v}", requirement.name))
                .map_err(|_| format!("--version {v}: not a valid version"))?,
            None => requirement,
        };
        set.insert(requirement);
    }
    Ok((!set.entries.is_empty()).then_some(set))
}
