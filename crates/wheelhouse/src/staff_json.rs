//! The `--format json` documents of the staff commands `add` and `edit` (shapes in README.md).
//!
//! A wheel that fails is still one entry, `"ok": false` with its error, so a script looping
//! over a batch learns which wheel failed and why without parsing stderr; the stderr paragraph
//! and the exit code stay as in text mode. Argument errors found before any wheel is read
//! print nothing on stdout, as with `inspect` and `audit`.

use std::path::Path;

use admin::{Added, AdminError, Edited, Placement};
use elf_inspect::ElfReport;
use serde_json::{json, Value};

pub fn print(value: &Value) {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// `{"kind": "refused", "message": "...", "exit_code": 1}`.
pub fn error(e: &AdminError) -> Value {
    json!({
        "kind": crate::exit::admin_name(e.kind()),
        "message": e.to_string(),
        "exit_code": crate::exit::admin(e.kind()),
    })
}

pub fn placement(p: &Placement) -> Value {
    json!({
        "dir": p.dir,
        "arch": p.arch,
        "reason": p.reason,
        "rpath_evidence": p.evidence.as_ref().map(|e| json!({ "member": e.member, "entry": e.entry })),
        "warning": p.warning,
    })
}

fn elf_summary(e: &ElfReport) -> Value {
    json!({
        "path": e.path,
        "code_level": e.code_level_name(),
        "extensions": e.extensions,
        "isa_needed": e.isa_needed,
        "rpath": e.rpath,
        "runpath": e.runpath,
        "problem": e.problem,
    })
}

/// One `add` entry for a wheel published.
pub fn added(src: &Path, done: &Added) -> Value {
    let (level, top) = done.source.code_level();
    // Baseline code needs nothing: no member to name.
    let top = top.filter(|_| level > 0);
    let version_changed = done.version != done.source.version;
    json!({
        "source": src,
        "ok": true,
        "path": done.path,
        "dir": done.placement.dir,
        "filename": done.filename,
        "original_filename": done.source.filename,
        "name": done.source.name,
        "version": done.version,
        "original_version": done.source.version,
        "local_version": if version_changed {
            done.version.split_once('+').map(|(_, l)| l)
        } else {
            None
        },
        "tags": done.tags,
        "original_tags": done.source.tags,
        "retagged": done.tags != done.source.tags,
        "replaced": done.replaced,
        "pure": done.source.pure,
        "placement": placement(&done.placement),
        // What the disassembler found: the highest level any shared object's code needs, and
        // which one needs it.
        "code": {
            "level": elf_inspect::LEVELS[level.min(elf_inspect::LEVELS.len() - 1)],
            "member": top.map(|e| e.path.as_str()),
            "extensions": top.map(|e| e.extensions.iter().collect::<Vec<_>>()).unwrap_or_default(),
        },
        "elf": done.source.elf.iter().map(elf_summary).collect::<Vec<_>>(),
        "warnings": done.warnings,
        "sha256": admin::file_sha256(&done.path).ok(),
    })
}

/// One `add` entry for a wheel refused or unreadable.
pub fn add_failed(src: &Path, e: &AdminError) -> Value {
    json!({ "source": src, "ok": false, "refused": e.kind() == admin::ErrorKind::Refused, "error": error(e) })
}

/// The `edit` document for a wheel rewritten.
pub fn edited(wheel: &Path, done: &Edited) -> Value {
    let changes = done.changes();
    json!({
        "wheel": wheel,
        "ok": true,
        "path": done.path,
        "filename": done.path.file_name().map(|n| n.to_string_lossy()),
        "sha256": admin::file_sha256(&done.path).ok(),
        "size": std::fs::metadata(&done.path).ok().map(|m| m.len()),
        "changed": !changes.is_empty(),
        "metadata_fields_changed": if changes.is_empty() { vec![] } else { vec!["Requires-Dist"] },
        "requires_dist": done.requires,
        "previous_requires_dist": done.before,
        "requirements": {
            "added": changes.added,
            "removed": changes.removed,
            "changed": changes.changed.iter().map(|(old, new)| json!({ "from": old, "to": new })).collect::<Vec<_>>(),
        },
    })
}

/// The `edit` document for a wheel not edited.
pub fn edit_failed(wheel: &Path, e: &AdminError) -> Value {
    json!({ "wheel": wheel, "ok": false, "error": error(e) })
}
