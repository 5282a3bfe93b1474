//! Edits of a wheel's `Requires-Dist` list, as staff make them: relax a pin, add `numpy<2`,
//! drop a dependency the site provides otherwise, follow a rename.
//!
//! Requirements are edited as text where possible, so a line that is not touched stays as the
//! wheel's author wrote it; the ones given by staff are checked with the PEP 508 parser first.

use std::str::FromStr;

use pep508_rs::{Requirement, VerbatimUrl};

use crate::error::AdminError;

/// One edit, applied in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReqEdit {
    /// Append a requirement.
    Add(String),
    /// Remove every requirement on a name.
    Remove(String),
    /// Replace the requirements on the name of the given one (those not conditional on an
    /// extra); append it when there was none.
    Update(String),
    /// Rename a dependency, keeping its specifier and marker.
    Rename(String, String),
    /// Add an upper bound `<V` to every requirement on a name (`numpy<2`); append `NAME<V`
    /// when there was none.
    SetMax(String, String),
}

fn parse(text: &str) -> Result<Requirement<VerbatimUrl>, AdminError> {
    Requirement::<VerbatimUrl>::from_str(text.trim()).map_err(|source| {
        AdminError::InvalidRequirement {
            text: text.to_string(),
            source: Box::new(source),
        }
    })
}

/// PEP 503 normalised name of a requirement line; `None` when it does not parse.
pub fn req_name(line: &str) -> Option<String> {
    Requirement::<VerbatimUrl>::from_str(line.trim())
        .ok()
        .map(|r| r.name.to_string())
}

fn normalize(name: &str) -> String {
    wheel_metadata::normalize_name(name)
}

/// Where the name ends in a requirement line (before extras, specifiers, `@` or `;`).
fn name_end(line: &str) -> usize {
    line.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len())
}

fn has_extra_marker(line: &str) -> bool {
    line.split_once(';')
        .is_some_and(|(_, marker)| marker.contains("extra"))
}

/// An edit of a requirement the wheel does not have: a typo, most likely, that would
/// otherwise change nothing without a word.
fn no_such_requirement(flag: &'static str, name: &str, requires: &[String]) -> AdminError {
    AdminError::NoSuchRequirement {
        flag,
        name: name.to_string(),
        requires: requires.to_vec(),
    }
}

/// Checks the requirements and versions staff typed, before any wheel is read.
pub fn check(edits: &[ReqEdit]) -> Result<(), AdminError> {
    edit(&[], edits, false).map(drop)
}

/// Applies the edits to a `Requires-Dist` list. Removing or renaming a requirement the list
/// does not have is an error.
pub fn apply(requires: &[String], edits: &[ReqEdit]) -> Result<Vec<String>, AdminError> {
    edit(requires, edits, true)
}

fn edit(requires: &[String], edits: &[ReqEdit], strict: bool) -> Result<Vec<String>, AdminError> {
    let mut out: Vec<String> = requires.to_vec();
    for edit in edits {
        match edit {
            ReqEdit::Add(text) => {
                parse(text)?;
                out.push(text.trim().to_string());
            }
            ReqEdit::Remove(name) => {
                let key = normalize(name);
                let before = out.len();
                out.retain(|line| req_name(line).as_deref() != Some(key.as_str()));
                if strict && out.len() == before {
                    return Err(no_such_requirement("--remove-req", name, &out));
                }
            }
            ReqEdit::Update(text) => {
                let new = parse(text)?;
                let name = new.name.to_string();
                let mut replaced = false;
                for line in out.iter_mut() {
                    if req_name(line).as_deref() == Some(name.as_str()) && !has_extra_marker(line) {
                        *line = text.trim().to_string();
                        replaced = true;
                    }
                }
                if !replaced {
                    out.push(text.trim().to_string());
                }
                out.dedup();
            }
            ReqEdit::Rename(old, new) => {
                parse(new)?;
                let key = normalize(old);
                if strict
                    && !out
                        .iter()
                        .any(|l| req_name(l).as_deref() == Some(key.as_str()))
                {
                    return Err(no_such_requirement("--rename-req", old, &out));
                }
                for line in out.iter_mut() {
                    if req_name(line).as_deref() == Some(key.as_str()) {
                        let trimmed = line.trim_start();
                        *line = format!("{new}{}", &trimmed[name_end(trimmed)..]);
                    }
                }
            }
            ReqEdit::SetMax(name, max) => {
                let bound = format!("<{max}");
                pep440_rs::VersionSpecifier::from_str(&bound).map_err(|e| {
                    AdminError::MaxVersion {
                        name: name.clone(),
                        max: max.clone(),
                        source: Box::new(e),
                    }
                })?;
                let key = normalize(name);
                let mut found = false;
                for line in out.iter_mut() {
                    if req_name(line).as_deref() != Some(key.as_str()) {
                        continue;
                    }
                    found = true;
                    *line = add_bound(line, &bound);
                }
                if !found {
                    out.push(format!("{name}{bound}"));
                }
            }
        }
        for line in &out {
            Requirement::<VerbatimUrl>::from_str(line.trim()).map_err(|source| {
                AdminError::InvalidEdit {
                    edit: edit.clone(),
                    line: line.clone(),
                    source: Box::new(source),
                }
            })?;
        }
    }
    Ok(out)
}

/// How a `Requires-Dist` list changed, for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReqChanges {
    /// Lines that are new, on a name no removed line had.
    pub added: Vec<String>,
    /// Lines that are gone, on a name no added line has.
    pub removed: Vec<String>,
    /// A line replaced by another on the same name, `(old, new)`.
    pub changed: Vec<(String, String)>,
}

impl ReqChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares two `Requires-Dist` lists line by line (a line kept verbatim is no change); a
/// removed and an added line on the same name are reported as one change. A renamed
/// dependency is a removal and an addition.
pub fn diff(before: &[String], after: &[String]) -> ReqChanges {
    let mut removed: Vec<&String> = Vec::new();
    let mut unmatched: Vec<&String> = after.iter().collect();
    for line in before {
        match unmatched.iter().position(|a| *a == line) {
            Some(at) => {
                unmatched.remove(at);
            }
            None => removed.push(line),
        }
    }
    let mut changes = ReqChanges::default();
    for old in removed {
        let name = req_name(old);
        let pair = name.as_ref().and_then(|n| {
            unmatched
                .iter()
                .position(|a| req_name(a).as_ref() == Some(n))
        });
        match pair {
            Some(at) => {
                let new = unmatched.remove(at);
                changes.changed.push((old.clone(), new.clone()));
            }
            None => changes.removed.push(old.clone()),
        }
    }
    changes.added = unmatched.into_iter().cloned().collect();
    changes
}

/// Adds `<V` to a requirement's specifiers, keeping its extras, its marker and the bounds it
/// has (an existing upper bound stays, so the tighter one wins).
fn add_bound(line: &str, bound: &str) -> String {
    let (spec_part, marker) = match line.split_once(';') {
        Some((s, m)) => (s.trim_end(), Some(m.trim())),
        None => (line.trim_end(), None),
    };
    // name[extras] (specifiers) — parentheses are legal around specifiers.
    let mut head_end = name_end(spec_part);
    if spec_part[head_end..].starts_with('[') {
        if let Some(close) = spec_part[head_end..].find(']') {
            head_end += close + 1;
        }
    }
    let head = spec_part[..head_end].trim_end();
    let specs = spec_part[head_end..]
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    let specs = if specs.is_empty() {
        bound.to_string()
    } else {
        format!("{specs},{bound}")
    };
    match marker {
        Some(m) => format!("{head}{specs}; {m}"),
        None => format!("{head}{specs}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_edit() {
        let reqs = v(&[
            "numpy>=1.21",
            "scipy (>=1.8)",
            "pytest; extra == 'test'",
            "Old_Name>=2; python_version >= '3.9'",
        ]);
        let out = apply(
            &reqs,
            &[
                ReqEdit::SetMax("NumPy".into(), "2".into()),
                ReqEdit::Remove("pytest".into()),
                ReqEdit::Rename("old-name".into(), "new-name".into()),
                ReqEdit::Update("scipy>=1.10".into()),
                ReqEdit::Add("packaging".into()),
                ReqEdit::SetMax("torch".into(), "2.3".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            v(&[
                "numpy>=1.21,<2",
                "scipy>=1.10",
                "new-name>=2; python_version >= '3.9'",
                "packaging",
                "torch<2.3"
            ])
        );
    }

    #[test]
    fn diff_pairs_changes_by_name() {
        let before = v(&["numpy>=1.21", "dropme", "old>=2", "same"]);
        let after = v(&["numpy>=1.21,<2", "new>=2", "same", "packaging"]);
        let d = diff(&before, &after);
        assert_eq!(
            d.changed,
            vec![("numpy>=1.21".to_string(), "numpy>=1.21,<2".to_string())]
        );
        assert_eq!(d.removed, v(&["dropme", "old>=2"]));
        assert_eq!(d.added, v(&["new>=2", "packaging"]));
        assert!(diff(&before, &before).is_empty());
    }

    #[test]
    fn an_edit_of_a_requirement_the_wheel_lacks_is_refused_naming_the_ones_it_has() {
        let reqs = v(&["numpy>=1.21", "scipy"]);
        let e = apply(&reqs, &[ReqEdit::Remove("nunpy".into())]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--remove-req nunpy: the wheel has no requirement on nunpy (its requirements: \
             numpy>=1.21, scipy). Check the name; nothing was changed."
        );
        let e = apply(&reqs, &[ReqEdit::Rename("sipy".into(), "scipy2".into())]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--rename-req sipy: the wheel has no"),
            "{e}"
        );
        let e = apply(&[], &[ReqEdit::Remove("x".into())]).unwrap_err();
        assert!(e.to_string().contains("(it has no requirements)"), "{e}");
    }

    #[test]
    fn bad_requirements_are_refused() {
        let e = apply(&[], &[ReqEdit::Add("numpy>=>1".into())]).unwrap_err();
        assert!(e.to_string().contains("not a valid requirement"), "{e}");
        assert!(apply(&[], &[ReqEdit::SetMax("numpy".into(), "x y".into())]).is_err());
        let bounded = apply(
            &v(&["a[x]>=1; os_name == 'posix'"]),
            &[ReqEdit::SetMax("a".into(), "3".into())],
        )
        .unwrap();
        assert_eq!(bounded, v(&["a[x]>=1,<3; os_name == 'posix'"]));
    }
}
