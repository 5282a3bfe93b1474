//! Rendering a query result: tables (byte-identical to the reference), raw names, JSON.

use std::collections::HashMap;

use loose_version::LooseVersion;
use serde_json::{json, Value};

use catalog_query::{version_of, Entry, QueryResult};

/// Groups sorted by name (case-insensitively), and within a group by version, then arch, then
/// python, all descending. The sorts are stable, as the reference's are: ties keep walk order.
pub fn sorted(mut groups: Vec<(String, Vec<Entry>)>) -> Vec<(String, Vec<Entry>)> {
    groups.sort_by_cached_key(|(key, _)| key.to_lowercase());
    // A listing has a few dozen distinct python columns: parse each once.
    let mut python_keys: HashMap<String, LooseVersion> = HashMap::new();
    for (_, entries) in groups.iter_mut() {
        // Keys computed once per row: a full listing sorts 40,000 rows.
        let mut keyed: Vec<(LooseVersion, String, Entry)> = entries
            .drain(..)
            .map(|e| {
                let column = cell(&e, "python").unwrap_or_default();
                let python = python_keys
                    .entry(column)
                    .or_insert_with_key(|c| LooseVersion::parse(c))
                    .clone();
                (python, cell(&e, "arch").unwrap_or_default(), e)
            })
            .collect();
        // The reference sorts three times (python, arch, version); stable sorts composed that
        // way are one sort on (version, arch, python).
        keyed.sort_by(|a, b| {
            version_of(&b.2)
                .cmp(version_of(&a.2))
                .then_with(|| b.1.cmp(&a.1))
                .then_with(|| b.0.cmp(&a.0))
        });
        entries.extend(keyed.into_iter().map(|(_, _, e)| e));
    }
    groups
}

/// One column of one row, as the reference's `getattr(wheel, column)`; `None` is Python's None.
pub fn cell(entry: &Entry, column: &str) -> Option<String> {
    match entry {
        Entry::Wheel { wheel, arch, .. } => match column {
            "name" => Some(wheel.name().to_string()),
            "version" => Some(wheel.version().public()),
            "localversion" => wheel.version().local(),
            "build" => Some(wheel.build().unwrap_or("").to_string()),
            "python" => Some(wheel.python_column()),
            "abi" => Some(wheel.abi_column()),
            "platform" => Some(wheel.platform_column()),
            "arch" => Some(arch.to_string()),
            _ => None,
        },
        Entry::NotAvailable { name } => match column {
            "name" => Some(name.clone()),
            "localversion" => None,
            _ => Some(String::new()),
        },
    }
}

/// The table: one row per wheel, or with `condense` one row per name whose cells join the
/// distinct values (sorted as versions, descending) with ", ".
pub fn table(
    groups: &[(String, Vec<Entry>)],
    columns: &[String],
    condense: bool,
    format: table::Format,
) -> String {
    let mut rows: Vec<Vec<Option<String>>> = Vec::new();
    for (_, entries) in groups {
        if condense {
            let row = columns
                .iter()
                .map(|column| {
                    let mut values: Vec<String> = Vec::new();
                    for entry in entries {
                        let value = cell(entry, column).unwrap_or_default();
                        if !values.contains(&value) {
                            values.push(value);
                        }
                    }
                    let mut keyed: Vec<(LooseVersion, String)> = values
                        .into_iter()
                        .map(|v| (LooseVersion::parse(&v), v))
                        .collect();
                    keyed.sort_by(|a, b| b.0.cmp(&a.0));
                    let joined: Vec<String> = keyed.into_iter().map(|(_, v)| v).collect();
                    Some(joined.join(", "))
                })
                .collect();
            rows.push(row);
        } else {
            rows.extend(
                entries
                    .iter()
                    .map(|e| columns.iter().map(|c| cell(e, c)).collect()),
            );
        }
    }
    let headers: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut text = table::render(&headers, &rows, format);
    text.push('\n');
    text
}

/// File names, groups in first-seen order (the reference does not sort `--raw`).
pub fn raw(result: &QueryResult) -> String {
    let mut text = String::new();
    for (_, entries) in &result.groups {
        for entry in entries {
            match entry {
                Entry::Wheel { wheel, .. } => text.push_str(wheel.filename()),
                Entry::NotAvailable { name } => text.push_str(name),
            }
            text.push('\n');
        }
    }
    text
}

/// A JSON array, one object per wheel with every column, the file name and its path; a
/// requested name that matched nothing has `"available": false`.
pub fn json(groups: &[(String, Vec<Entry>)]) -> String {
    let mut items = Vec::new();
    for (_, entries) in groups {
        for entry in entries {
            let mut object = serde_json::Map::new();
            for column in super::COLUMNS {
                let value = cell(entry, column)
                    .map(Value::String)
                    .unwrap_or(Value::Null);
                object.insert(column.to_string(), value);
            }
            let (filename, path, available) = match entry {
                Entry::Wheel { wheel, dir, .. } => (
                    json!(wheel.filename()),
                    json!(dir.join(wheel.filename()).to_string_lossy()),
                    true,
                ),
                Entry::NotAvailable { .. } => (Value::Null, Value::Null, false),
            };
            object.insert("filename".into(), filename);
            object.insert("path".into(), path);
            object.insert("available".into(), json!(available));
            items.push(Value::Object(object));
        }
    }
    let mut text = serde_json::to_string_pretty(&Value::Array(items)).expect("JSON of strings");
    text.push('\n');
    text
}
