//! `wheelhouse list --outdated`: pip's `list --outdated` against the wheelhouse, in pip's
//! columns or JSON (scripts parse both).

use environment::available::{outdated, Available, Outdated};
use site_config::{ProcessVars, SiteConfig};

use super::inspect::ListFormat;

/// Lists what has a newer version in the wheelhouse; pip's exit codes.
pub fn run(
    python: Option<&std::path::Path>,
    format: ListFormat,
    find_links: &[std::path::PathBuf],
    pre: bool,
) -> i32 {
    let command = "wheelhouse list";
    if format == ListFormat::Freeze {
        crate::out::print_error(
            command,
            "List format 'freeze' cannot be used with the --outdated option.",
        );
        return 1;
    }
    let target = match super::show::open(command, python) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    let available = match Available::open(&site, &target.interpreter, find_links) {
        Ok(a) => a,
        Err(e) => {
            crate::out::print_error(command, &e.to_string());
            return crate::exit::environment(e.kind());
        }
    };
    for w in &available.warnings {
        errln!("warning: {w}");
    }
    let rows = outdated(&target.interpreter, &available, pre);
    match format {
        ListFormat::Json => outln!("{}", json(&rows)),
        _ => columns(&rows),
    }
    0
}

fn editable(row: &Outdated) -> Option<&str> {
    match &row.dist.direct_reference {
        Some(installer::direct_url::DirectReference::Editable(p)) => Some(p),
        _ => None,
    }
}

/// The `Build` of an installed wheel's WHEEL file, as pip's Build column shows it.
fn build_tag(row: &Outdated) -> String {
    let text = std::fs::read_to_string(row.dist.metadata_dir.join("WHEEL")).unwrap_or_default();
    let headers = wheel_metadata::parse_headers(&text);
    wheel_metadata::header(&headers, "Build")
        .unwrap_or("")
        .to_string()
}

/// pip's table: columns padded to their widest cell, one space apart, a dashed rule under
/// the header, trailing spaces cut; nothing at all when there are no rows.
fn columns(rows: &[Outdated]) {
    if rows.is_empty() {
        return;
    }
    let builds: Vec<String> = rows.iter().map(build_tag).collect();
    let with_build = builds.iter().any(|b| !b.is_empty());
    let with_editable = rows.iter().any(|r| editable(r).is_some());
    let mut table: Vec<Vec<String>> = vec![["Package", "Version", "Latest", "Type"]
        .map(String::from)
        .to_vec()];
    if with_build {
        table[0].push("Build".into());
    }
    if with_editable {
        table[0].push("Editable project location".into());
    }
    for (row, build) in rows.iter().zip(&builds) {
        let mut cells = vec![
            row.dist.name.clone(),
            row.dist.version.clone(),
            row.latest.to_string(),
            if row.wheel { "wheel" } else { "sdist" }.to_string(),
        ];
        if with_build {
            cells.push(build.clone());
        }
        if with_editable {
            cells.push(editable(row).unwrap_or("").to_string());
        }
        table.push(cells);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join(" ").trim_end().to_string()
    };
    outln!("{}", line(&table[0]));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    outln!("{}", rule.join(" "));
    for cells in &table[1..] {
        outln!("{}", line(cells));
    }
}

/// A string as Python's `json.dumps` writes it (non-ASCII escaped).
fn py_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// pip's `--format json`: `json.dumps` of a list of objects, keys in pip's order.
fn json(rows: &[Outdated]) -> String {
    let items: Vec<String> = rows
        .iter()
        .map(|r| {
            let version = <pep440_rs::Version as std::str::FromStr>::from_str(&r.dist.version)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| r.dist.version.clone());
            let mut fields = vec![
                format!("\"name\": {}", py_string(&r.dist.name)),
                format!("\"version\": {}", py_string(&version)),
                format!("\"latest_version\": {}", py_string(&r.latest.to_string())),
                format!(
                    "\"latest_filetype\": {}",
                    py_string(if r.wheel { "wheel" } else { "sdist" })
                ),
            ];
            if let Some(p) = editable(r) {
                fields.push(format!("\"editable_project_location\": {}", py_string(p)));
            }
            format!("{{{}}}", fields.join(", "))
        })
        .collect();
    format!("[{}]", items.join(", "))
}
