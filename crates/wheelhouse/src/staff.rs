//! Staff commands: `inspect`, `add`, `edit`, `audit`. The work is in the `admin` (publishing
//! wheels) and `audit` crates.

use std::path::PathBuf;

use admin::{AddOptions, ArchChoice, ReqEdit};
use audit::AuditOptions;
use serde_json::json;
use site_config::{ProcessVars, SiteConfig};
use wheel_name::PythonVersion;

use crate::staff_args::{existing_root, fail, pip_config_views};

/// Options of `wheelhouse inspect`.
#[derive(clap::Args)]
pub struct InspectArgs {
    /// The wheel file
    wheel: PathBuf,
    /// Output format
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

/// Options of `wheelhouse add`.
#[derive(clap::Args)]
pub struct AddArgs {
    /// The wheel files to publish
    #[arg(required = true)]
    wheels: Vec<PathBuf>,
    /// The wheelhouse root [default: $WHEELHOUSE]
    #[arg(long)]
    wheelhouse: Option<PathBuf>,
    /// CPU level: auto (pure wheels to generic/, binary ones by the RPATHs of their shared
    /// objects) or a level
    #[arg(long, default_value = "auto", value_parser = ["auto", "generic", "sse3", "avx", "avx2", "avx512", "x86-64-v3", "x86-64-v4"])]
    arch: String,
    /// Compatibility layer directory for binary wheels [default: gentoo2023, gentoo2020 for
    /// the 2020 levels]
    #[arg(long)]
    layer: Option<String>,
    /// Add this local version label (1.0 becomes 1.0+LABEL)
    #[arg(long, value_name = "LABEL")]
    local_version: Option<String>,
    /// Rename manylinux…_x86_64 platform tags to linux_x86_64 (after patching RPATHs)
    #[arg(long)]
    retag_manylinux: bool,
    /// Publish a wheel that keeps a manylinux tag (users need --allow-manylinux to install
    /// it)
    #[arg(long)]
    allow_manylinux: bool,
    /// Replace an existing file; allow a generic copy beside CPU-level copies, or the reverse
    #[arg(long)]
    force: bool,
    /// Output format
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

/// Options of `wheelhouse edit`.
#[derive(clap::Args)]
pub struct EditArgs {
    /// The wheel file, edited in place
    wheel: PathBuf,
    /// Add a requirement
    #[arg(long, value_name = "REQ")]
    add_req: Vec<String>,
    /// Remove every requirement on NAME
    #[arg(long, value_name = "NAME")]
    remove_req: Vec<String>,
    /// Replace the requirement on REQ's name
    #[arg(long, value_name = "REQ")]
    update_req: Vec<String>,
    /// Rename a dependency, keeping its specifier and marker
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    rename_req: Vec<String>,
    /// Add an upper bound <VERSION to NAME
    #[arg(long, num_args = 2, value_names = ["NAME", "VERSION"])]
    set_max: Vec<String>,
    /// Output format
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

/// Options of `wheelhouse audit`.
#[derive(clap::Args)]
pub struct AuditArgs {
    /// The wheelhouse root [default: $WHEELHOUSE]
    wheelhouse: Option<PathBuf>,
    /// Pythons to check, `3.11` or `3.11.7` [default: the site's Pythons (PYTHON_DIRS)]. A
    /// series without a micro version is checked as the site's newest module of it (for
    /// `Requires-Python >=3.11.5`), else as 3.11.0. Repeat for several: --python 3.11
    /// --python 3.12
    #[arg(long, value_name = "VERSION")]
    python: Vec<String>,
    /// Only the CPU levels whose name ends with this; may be repeated
    #[arg(long)]
    arch: Vec<String>,
    /// Also check every wheel's RECORD hashes and METADATA (opens every wheel)
    #[arg(long)]
    deep: bool,
    /// Also resolve `pip install NAME` for every package of every Python and level, with the
    /// installer's resolver; failures are `unresolvable` findings, one per cause
    #[arg(long)]
    resolve: bool,
    /// With --resolve, also `pip install NAME[EXTRA]` for every extra each package declares
    #[arg(long)]
    resolve_extras: bool,
    /// The site's pip configuration files (or directories of `pip-*.conf`): each is one CPU
    /// level, named after the file (`pip-x86-64-v3.conf` is `x86-64-v3`), searching its
    /// `find-links` in order; may be repeated [default: the levels of the wheelhouse layout]
    #[arg(long, value_name = "FILE")]
    pip_config: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

pub fn run_inspect(args: InspectArgs) -> i32 {
    let report = match admin::inspect_wheel(&args.wheel) {
        Ok(r) => r,
        Err(e) => return fail("wheelhouse inspect", &e),
    };
    let placement = admin::choose_placement(&report, &ArchChoice::Auto, None);
    if args.format == "json" {
        let elf: Vec<_> = report
            .elf
            .iter()
            .map(|e| {
                json!({
                    "path": e.path,
                    "rpath": e.rpath,
                    "runpath": e.runpath,
                    "needed": e.needed,
                    "max_glibc": e.max_glibc,
                    "isa_needed": e.isa_needed,
                    "extensions": e.extensions,
                    "code_level": e.code_level_name(),
                    "problem": e.problem,
                })
            })
            .collect();
        let value = json!({
            "filename": report.filename,
            "name": report.name,
            "version": report.version,
            "tags": report.tags,
            "root_is_purelib": report.root_is_purelib,
            "pure": report.pure,
            "elf": elf,
            "unsafe_members": report.unsafe_members,
            "placement": crate::staff_json::placement(&placement),
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return 0;
    }
    outln!("{}", report.filename);
    outln!("  tags: {}", report.tags.join(" "));
    outln!(
        "  {}",
        if report.pure {
            "pure Python"
        } else {
            "compiled code"
        }
    );
    for e in &report.elf {
        outln!("  {}", e.path);
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.join(":")
            }
        };
        outln!(
            "    RPATH: {}  RUNPATH: {}",
            list(&e.rpath),
            list(&e.runpath)
        );
        outln!(
            "    needs: {}",
            if e.needed.is_empty() {
                "-".into()
            } else {
                e.needed.join(", ")
            }
        );
        outln!(
            "    GLIBC: {}  ISA level (note): {}  code: {}",
            e.max_glibc.as_deref().unwrap_or("-"),
            e.isa_needed.as_deref().unwrap_or("-"),
            e.code_level_name()
        );
        if !e.extensions.is_empty() {
            outln!(
                "    extensions: {}",
                e.extensions.iter().cloned().collect::<Vec<_>>().join(" ")
            );
        }
        if let Some(p) = &e.problem {
            outln!("    problem: {p}");
        }
    }
    for m in &report.unsafe_members {
        outln!("  unsafe member: {m}");
    }
    outln!(
        "  add would choose: {}/ ({})",
        placement.dir,
        placement.reason
    );
    if let Some(w) = &placement.warning {
        outln!("  warning: {w}");
    }
    0
}

pub fn run_add(args: AddArgs) -> i32 {
    let root = match existing_root("wheelhouse add", args.wheelhouse, "with --wheelhouse") {
        Ok(root) => root,
        Err(code) => return code,
    };
    let opts = AddOptions {
        arch: if args.arch == "auto" {
            ArchChoice::Auto
        } else {
            ArchChoice::Fixed(args.arch)
        },
        layer: args.layer,
        local_version: args.local_version,
        retag_manylinux: args.retag_manylinux,
        allow_manylinux: args.allow_manylinux,
        force: args.force,
    };
    let json = args.format == "json";
    let mut code = 0;
    let mut added = 0;
    let mut entries = Vec::new();
    for wheel in &args.wheels {
        match admin::add_wheel(&root, wheel, &opts) {
            Ok(done) => {
                added += 1;
                if json {
                    entries.push(crate::staff_json::added(wheel, &done));
                } else {
                    outln!(
                        "{} -> {} ({})",
                        wheel.display(),
                        done.path.display(),
                        done.placement.reason
                    );
                }
                for w in &done.warnings {
                    errln!("wheelhouse add: warning: {w}");
                }
            }
            Err(e) => {
                code = code.max(fail("wheelhouse add", &e));
                if json {
                    entries.push(crate::staff_json::add_failed(wheel, &e));
                }
            }
        }
    }
    let mut catalog = Ok(None);
    if added > 0 {
        catalog = admin::update_catalog(&root, true);
        if let Err(e) = &catalog {
            code = fail("wheelhouse add", e);
        }
    }
    if json {
        let mut doc = json!({
            "ok": code == 0,
            "wheelhouse": root,
            "added": added,
            "failed": args.wheels.len() - added,
            "wheels": entries,
            "catalog": catalog.as_ref().ok().and_then(|c| c.as_ref()),
        });
        if let Err(e) = &catalog {
            doc["error"] = crate::staff_json::error(e);
        }
        crate::staff_json::print(&doc);
    }
    code
}

pub fn run_edit(args: EditArgs) -> i32 {
    let mut edits = Vec::new();
    edits.extend(args.remove_req.into_iter().map(ReqEdit::Remove));
    edits.extend(
        args.rename_req
            .chunks(2)
            .map(|p| ReqEdit::Rename(p[0].clone(), p[1].clone())),
    );
    edits.extend(args.update_req.into_iter().map(ReqEdit::Update));
    edits.extend(
        args.set_max
            .chunks(2)
            .map(|p| ReqEdit::SetMax(p[0].clone(), p[1].clone())),
    );
    edits.extend(args.add_req.into_iter().map(ReqEdit::Add));
    if edits.is_empty() {
        crate::out::print_error(
            "wheelhouse edit",
            "no edit given. Say what to change, e.g. --set-max numpy 2 or --add-req 'packaging>=21'",
        );
        return 2;
    }
    let json = args.format == "json";
    let done = match admin::edit_wheel(&args.wheel, &edits) {
        Ok(done) => done,
        Err(e) => {
            if json {
                crate::staff_json::print(&crate::staff_json::edit_failed(&args.wheel, &e));
            }
            return fail("wheelhouse edit", &e);
        }
    };
    let mut doc = json.then(|| crate::staff_json::edited(&args.wheel, &done));
    if !json {
        outln!("{}: Requires-Dist is now:", args.wheel.display());
        for r in &done.requires {
            outln!("  {r}");
        }
    }
    // Edits rename a new file over the old: the directory changed, so refresh the catalog of
    // the wheelhouse holding it (the nearest ancestor with one).
    let dir = args.wheel.canonicalize().unwrap_or(args.wheel.clone());
    let mut code = 0;
    let mut catalog = None;
    if let Some(root) = dir
        .ancestors()
        .skip(1)
        .take(3)
        .find(|d| d.join(catalog::CATALOG_FILE).is_file())
    {
        match admin::update_catalog(root, false) {
            Ok(path) => catalog = path,
            Err(e) => {
                code = fail("wheelhouse edit", &e);
                if let Some(doc) = doc.as_mut() {
                    doc["ok"] = json!(false);
                    doc["error"] = crate::staff_json::error(&e);
                }
            }
        }
    }
    if let Some(mut doc) = doc {
        doc["catalog"] = json!(catalog);
        crate::staff_json::print(&doc);
    }
    code
}

pub fn run_audit(args: AuditArgs) -> i32 {
    let root = match existing_root("wheelhouse audit", args.wheelhouse, "as an argument") {
        Ok(root) => root,
        Err(code) => return code,
    };
    let views = match pip_config_views(&args.pip_config) {
        Ok(v) => v,
        Err(e) => return fail("wheelhouse audit", &e),
    };
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    let mut pythons = Vec::new();
    // `3.11.7` is checked as 3.11.7; `3.11` as the site's newest 3.11 module, else 3.11.0.
    let mut micro = std::collections::HashMap::new();
    for p in &args.python {
        match PythonVersion::parse(p) {
            Some(v) => {
                pythons.push(v);
                if let Some(m) = p.trim().split('.').nth(2) {
                    match m.parse::<u32>() {
                        Ok(m) => {
                            micro.insert(v, m);
                        }
                        Err(_) => {
                            crate::out::print_error(
                                "wheelhouse audit",
                                &format!("--python {p}: not a Python version; write it as 3.11 or 3.11.7"),
                            );
                            return 2;
                        }
                    }
                }
            }
            None => {
                crate::out::print_error(
                    "wheelhouse audit",
                    &format!("--python {p}: not a Python version; write it as 3.11 or 3.11.7"),
                );
                return 2;
            }
        }
    }
    if pythons.is_empty() {
        pythons = site.available_pythons();
    }
    if pythons.is_empty() {
        crate::out::print_error(
            "wheelhouse audit",
            "no Python to check the dependency closure for: PYTHON_DIRS names none. Give them with --python 3.11 --python 3.12",
        );
        return 2;
    }
    for p in &pythons {
        if !micro.contains_key(p) {
            if let Some(m) = site.newest_micro(*p) {
                micro.insert(*p, m);
            }
        }
    }
    let report = audit::audit(
        &root,
        &AuditOptions {
            pythons,
            micro,
            archs: args.arch,
            deep: args.deep,
            resolve: if args.resolve_extras {
                audit::ResolveScope::DeclaredExtras
            } else if args.resolve {
                audit::ResolveScope::Packages
            } else {
                audit::ResolveScope::Off
            },
            views,
        },
    );
    if args.format == "json" {
        let findings: Vec<_> = report
            .findings
            .iter()
            .map(|f| json!({ "kind": f.kind, "message": f.message, "path": f.path }))
            .collect();
        let value = json!({
            "wheels": report.wheels,
            "checked": report.checked.iter().map(|(p, a)| json!({"python": p, "level": a})).collect::<Vec<_>>(),
            "catalog_used": report.catalog_used,
            "findings": findings,
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        for f in &report.findings {
            outln!("{}: {}", f.kind, f.message);
        }
        errln!(
            "wheelhouse audit: {} wheels, {} Python/level pairs checked{}: {} problem{}",
            report.wheels,
            report.checked.len(),
            if report.catalog_used {
                " (from the catalog)".to_string()
            } else {
                format!(
                    " (no fresh catalog: wheels opened; run `wheelhouse index {}`)",
                    crate::argv::shell_word(&root.to_string_lossy())
                )
            },
            report.findings.len(),
            if report.findings.len() == 1 { "" } else { "s" }
        );
    }
    i32::from(!report.findings.is_empty())
}
