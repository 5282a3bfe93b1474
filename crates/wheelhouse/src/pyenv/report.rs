//! What `install` hands to scripts: pip's installation report (`--report FILE`) and the
//! result as one JSON document (`--format json`); `freeze --format json`.

use std::path::Path;

/// How `install` and `freeze` print their result.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultFormat {
    /// pip's lines
    Text,
    /// One JSON document on standard output
    Json,
}

/// Writes pip's installation report to `file` (`-`: standard output, with a newline).
pub fn write_report(
    file: &Path,
    target: &environment::Target,
    report: &environment::Report,
) -> Result<(), environment::Error> {
    let text = environment::report::installation_report(
        target,
        &report.planned,
        &report.requested_extras,
    )?;
    if file == Path::new("-") {
        outln!("{text}");
        return Ok(());
    }
    std::fs::write(file, text).map_err(|source| environment::Error::ReportNotWritten {
        path: file.to_path_buf(),
        source,
    })
}

/// `{"dry_run": …, "installed": [{"name", "version"}], "would_install": ["name-version"]}`.
pub fn result_json(report: &environment::Report) -> String {
    let installed: Vec<serde_json::Value> = report
        .installed
        .iter()
        .map(|(name, version)| serde_json::json!({"name": name, "version": version}))
        .collect();
    serde_json::json!({
        "dry_run": report.dry_run,
        "installed": installed,
        "would_install": report.would_install,
    })
    .to_string()
}

/// `freeze --format json`: one object per line freeze prints, `{"name", "version",
/// "requirement"}` (the requirement line itself, a direct reference included).
pub fn freeze_json(dists: &[installer::InstalledDist], python: (u32, u32), all: bool) -> String {
    let mut kept = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for d in dists {
        if seen.insert(d.key.clone()) {
            kept.push(d.clone());
        }
    }
    let items: Vec<serde_json::Value> = kept
        .iter()
        .filter_map(|d| {
            let line = installer::freeze_lines(std::slice::from_ref(d), python, all)
                .into_iter()
                .next()?;
            // An editable project's comment line is left out: the requirement is `-e PATH`.
            Some((d, line.lines().last().unwrap_or("").to_string()))
        })
        .map(|(d, line)| {
            serde_json::json!({"name": d.name, "version": d.version, "requirement": line})
        })
        .collect();
    let mut items = items;
    items.sort_by_key(|v| v["name"].as_str().unwrap_or("").to_lowercase());
    serde_json::Value::Array(items).to_string()
}
