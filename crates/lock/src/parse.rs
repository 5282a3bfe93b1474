//! Reading a lock: the TOML, then every key PEP 751 defines, checked for its type, the
//! required ones for presence, and the rules between them (one kind of source, file names
//! that agree with the package, a hash for every file).

use std::collections::BTreeMap;
use std::str::FromStr;

use toml::{Table, Value};

use crate::{normalize, File, Lock, LockError, Package, Source};

type Result<T> = std::result::Result<T, LockError>;

impl Lock {
    /// Reads a lock file's text. Every error names the entry it is about
    /// (`packages[2] (numpy): wheels[0]: missing required key "hashes"`).
    pub fn parse(text: &str) -> Result<Lock> {
        let table: Table = text.parse().map_err(|e: toml::de::Error| {
            LockError::new("", format!("not valid TOML: {}", e.to_string().trim_end()))
        })?;
        let lock_version = required_str(&table, "", "lock-version")?;
        let mut warnings = Vec::new();
        check_lock_version(&lock_version, &mut warnings)?;
        let mut lock = Lock {
            lock_version,
            environments: str_list(&table, "", "environments")?,
            requires_python: opt_str(&table, "", "requires-python")?,
            extras: str_list(&table, "", "extras")?,
            dependency_groups: str_list(&table, "", "dependency-groups")?,
            default_groups: str_list(&table, "", "default-groups")?,
            created_by: required_str(&table, "", "created-by")?,
            warnings,
            ..Lock::default()
        };
        for (i, env) in lock.environments.iter().enumerate() {
            check_marker(env, &format!("environments[{i}]"))?;
        }
        if let Some(rp) = &lock.requires_python {
            check_specifiers(rp, "requires-python")?;
        }
        if let Some(tool) = wheelhouse_tool(&table, "")? {
            lock.wheelhouse = opt_str(tool, "tool.wheelhouse", "wheelhouse")?;
            lock.levels = str_list(tool, "tool.wheelhouse", "levels")?;
        }
        let Some(packages) = table.get("packages") else {
            return Err(LockError::new("", "missing required key \"packages\""));
        };
        let Value::Array(packages) = packages else {
            return Err(wrong_type("", "packages", "an array of tables"));
        };
        for (i, p) in packages.iter().enumerate() {
            let Value::Table(p) = p else {
                return Err(LockError::new(format!("packages[{i}]"), "not a table"));
            };
            lock.packages.push(package(p, i)?);
        }
        Ok(lock)
    }
}

fn check_lock_version(version: &str, warnings: &mut Vec<String>) -> Result<()> {
    let parsed = pep440_rs::Version::from_str(version).ok();
    let major = parsed.as_ref().and_then(|v| v.release().first().copied());
    if major != Some(1) {
        return Err(LockError::new(
            "lock-version",
            format!(
                "this lock is version {version:?}; wheelhouse reads version 1 lock files \
                 (PEP 751). Make the lock again with a tool that writes lock-version \"1.0\" \
                 (`wheelhouse lock`, `pip lock`), or use a newer wheelhouse."
            ),
        ));
    }
    if parsed.is_some_and(|v| v > pep440_rs::Version::from_str("1.0").expect("valid")) {
        warnings.push(format!(
            "lock-version {version} is newer than the 1.0 this wheelhouse knows; keys it does \
             not know are ignored"
        ));
    }
    Ok(())
}

fn package(p: &Table, i: usize) -> Result<Package> {
    let raw_name = required_str(p, &format!("packages[{i}]"), "name")?;
    let entry = format!("packages[{i}] ({raw_name})");
    if normalize(&raw_name) != raw_name {
        return Err(LockError::new(
            &entry,
            format!(
                "the name {raw_name:?} is not normalised (PEP 503); write {:?}",
                normalize(&raw_name)
            ),
        ));
    }
    let version = opt_str(p, &entry, "version")?;
    if let Some(v) = &version {
        pep440_rs::Version::from_str(v).map_err(|e| {
            LockError::new(
                &entry,
                format!("version {v:?} is not a PEP 440 version: {e}"),
            )
        })?;
    }
    let marker = opt_str(p, &entry, "marker")?;
    if let Some(m) = &marker {
        check_marker(m, &format!("{entry}: marker"))?;
    }
    let requires_python = opt_str(p, &entry, "requires-python")?;
    if let Some(rp) = &requires_python {
        check_specifiers(rp, &format!("{entry}: requires-python"))?;
    }
    let levels = match wheelhouse_tool(p, &entry)? {
        Some(tool) => str_list(tool, &format!("{entry}: tool.wheelhouse"), "levels")?,
        None => Vec::new(),
    };
    let package = Package {
        index: opt_str(p, &entry, "index")?,
        source: source(p, &entry)?,
        name: raw_name,
        version,
        marker,
        requires_python,
        levels,
    };
    check_file_names(&package, &entry)?;
    Ok(package)
}

fn source(p: &Table, entry: &str) -> Result<Source> {
    let wheels = match p.get("wheels") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(j, w)| match w {
                Value::Table(t) => file(t, &format!("{entry}: wheels[{j}]")),
                _ => Err(LockError::new(
                    format!("{entry}: wheels[{j}]"),
                    "not a table",
                )),
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(wrong_type(entry, "wheels", "an array of tables")),
    };
    let sdist = sub_table(p, entry, "sdist")?
        .map(|t| file(t, &format!("{entry}: sdist")))
        .transpose()?;
    let vcs = sub_table(p, entry, "vcs")?;
    let directory = sub_table(p, entry, "directory")?;
    let archive = sub_table(p, entry, "archive")?;
    let files = !wheels.is_empty() || sdist.is_some();
    let direct = [vcs.is_some(), directory.is_some(), archive.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if files && direct > 0 {
        return Err(LockError::new(
            entry,
            "has both wheels/sdist and a vcs, directory or archive; PEP 751 allows one kind \
             of source per entry",
        ));
    }
    if !files && direct != 1 {
        return Err(LockError::new(
            entry,
            "needs exactly one source: wheels and/or sdist, or one of vcs, directory, archive",
        ));
    }
    if files {
        return Ok(Source::Files { wheels, sdist });
    }
    if let Some(v) = vcs {
        let e = format!("{entry}: vcs");
        let source = Source::Vcs {
            kind: required_str(v, &e, "type")?,
            url: opt_str(v, &e, "url")?,
            path: opt_str(v, &e, "path")?,
            requested_revision: opt_str(v, &e, "requested-revision")?,
            commit_id: required_str(v, &e, "commit-id")?,
            subdirectory: opt_str(v, &e, "subdirectory")?,
        };
        if let Source::Vcs {
            url: None,
            path: None,
            ..
        } = source
        {
            return Err(LockError::new(e, "needs a url or a path"));
        }
        return Ok(source);
    }
    if let Some(d) = directory {
        let e = format!("{entry}: directory");
        return Ok(Source::Directory {
            path: required_str(d, &e, "path")?,
            editable: match d.get("editable") {
                None => false,
                Some(Value::Boolean(b)) => *b,
                Some(_) => return Err(wrong_type(&e, "editable", "a boolean")),
            },
            subdirectory: opt_str(d, &e, "subdirectory")?,
        });
    }
    let a = archive.expect("one source kind");
    Ok(Source::Archive(file(a, &format!("{entry}: archive"))?))
}

fn file(t: &Table, entry: &str) -> Result<File> {
    let size = match t.get("size") {
        None => None,
        Some(Value::Integer(n)) if *n >= 0 => Some(*n as u64),
        Some(_) => return Err(wrong_type(entry, "size", "a non-negative integer")),
    };
    let upload_time = match t.get("upload-time") {
        None => None,
        Some(Value::Datetime(d)) => Some(d.to_string()),
        Some(_) => return Err(wrong_type(entry, "upload-time", "a TOML date-time")),
    };
    let hashes = match t.get("hashes") {
        None => {
            return Err(LockError::new(
                entry,
                "missing required key \"hashes\" (every file needs one, e.g. sha256)",
            ))
        }
        Some(Value::Table(h)) => {
            let mut out = BTreeMap::new();
            for (algo, digest) in h {
                let Value::String(d) = digest else {
                    return Err(wrong_type(entry, &format!("hashes.{algo}"), "a string"));
                };
                if d.is_empty() || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(LockError::new(
                        entry,
                        format!("hashes.{algo} = {d:?} is not a hexadecimal digest"),
                    ));
                }
                out.insert(algo.to_ascii_lowercase(), d.to_ascii_lowercase());
            }
            if out.is_empty() {
                return Err(LockError::new(entry, "hashes is empty: give at least one"));
            }
            out
        }
        Some(_) => return Err(wrong_type(entry, "hashes", "a table")),
    };
    let f = File {
        name: opt_str(t, entry, "name")?,
        url: opt_str(t, entry, "url")?,
        path: opt_str(t, entry, "path")?,
        size,
        upload_time,
        hashes,
        subdirectory: opt_str(t, entry, "subdirectory")?,
    };
    if f.url.is_none() && f.path.is_none() {
        return Err(LockError::new(entry, "needs a url or a path"));
    }
    Ok(f)
}

/// Wheel names must name the package (and its version, when given).
fn check_file_names(p: &Package, entry: &str) -> Result<()> {
    let Source::Files { wheels, .. } = &p.source else {
        return Ok(());
    };
    let version = p
        .version
        .as_deref()
        .and_then(|v| pep440_rs::Version::from_str(v).ok());
    for (j, w) in wheels.iter().enumerate() {
        let e = format!("{entry}: wheels[{j}]");
        let name = w
            .file_name()
            .ok_or_else(|| LockError::new(&e, "cannot tell the wheel's file name"))?;
        let parsed = wheel_name::WheelFilename::parse(name).map_err(|err| {
            LockError::new(&e, format!("{name:?} is not a wheel file name: {err}"))
        })?;
        if normalize(parsed.name()) != p.name {
            return Err(LockError::new(
                &e,
                format!("{name:?} is not a wheel of {}", p.name),
            ));
        }
        let wheel_version = pep440_rs::Version::from_str(parsed.version_text()).ok();
        if let (Some(want), Some(got)) = (&version, &wheel_version) {
            if want != got {
                return Err(LockError::new(
                    &e,
                    format!("{name:?} is version {got}, but the entry says {want}"),
                ));
            }
        }
    }
    Ok(())
}

fn check_marker(text: &str, entry: &str) -> Result<()> {
    pep508_rs::MarkerTree::from_str(text)
        .map(|_| ())
        .map_err(|e| LockError::new(entry, format!("{text:?} is not a marker: {e}")))
}

fn check_specifiers(text: &str, entry: &str) -> Result<()> {
    pep440_rs::VersionSpecifiers::from_str(text)
        .map(|_| ())
        .map_err(|e| LockError::new(entry, format!("{text:?} is not a version specifier: {e}")))
}

fn wheelhouse_tool<'a>(t: &'a Table, entry: &str) -> Result<Option<&'a Table>> {
    let Some(tool) = sub_table(t, entry, "tool")? else {
        return Ok(None);
    };
    let e = if entry.is_empty() {
        "tool".to_string()
    } else {
        format!("{entry}: tool")
    };
    sub_table(tool, &e, "wheelhouse")
}

fn sub_table<'a>(t: &'a Table, entry: &str, key: &str) -> Result<Option<&'a Table>> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::Table(sub)) => Ok(Some(sub)),
        Some(_) => Err(wrong_type(entry, key, "a table")),
    }
}

fn required_str(t: &Table, entry: &str, key: &str) -> Result<String> {
    opt_str(t, entry, key)?
        .ok_or_else(|| LockError::new(entry, format!("missing required key {key:?}")))
}

fn opt_str(t: &Table, entry: &str, key: &str) -> Result<Option<String>> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong_type(entry, key, "a string")),
    }
}

fn str_list(t: &Table, entry: &str, key: &str) -> Result<Vec<String>> {
    match t.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                _ => Err(wrong_type(entry, key, "an array of strings")),
            })
            .collect(),
        Some(_) => Err(wrong_type(entry, key, "an array of strings")),
    }
}

fn wrong_type(entry: &str, key: &str, expected: &str) -> LockError {
    LockError::new(entry, format!("{key:?} must be {expected}"))
}
