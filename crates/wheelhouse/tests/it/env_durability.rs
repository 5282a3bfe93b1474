//! Power loss: a completed install has made everything the environment needs durable, in the
//! order the journal's sync protocol gives (crates/installer/src/journal.rs). A real install
//! (an upgrade, so the commit moves old files aside too; with the cache, so files come both
//! decompressed and from cache entries) runs under `strace -f -y`, and the recorded order of
//! creations, writes, syncs and renames is checked:
//!
//! 1. every staged file was written before a sync of the file system began, and that sync
//!    ended before the journal was created;
//! 2. the journal and then the staging directory were `fsync`ed before the first rename;
//! 3. after the last rename of the commit, the renames were made durable (a `syncfs`, or an
//!    `fsync` of every directory a rename changed) before `COMMITTED` was written;
//! 4. `COMMITTED` was `fsync`ed before the staging directory was discarded.
//!
//! Needs `strace` (Debian: `apt-get install -y strace`; scripts/durability-test-setup.sh).

use std::collections::HashMap;
use std::path::Path;

use crate::common::*;

/// One completed system call from the trace: its text (with `-y` paths), where it began and
/// where it ended (line numbers of the trace, which is in time order).
#[derive(Debug)]
struct Call {
    text: String,
    begin: usize,
    end: usize,
}

/// Joins `<unfinished ...>` and `<... resumed>` halves, so each call has a begin and an end.
fn calls(trace: &str) -> Vec<Call> {
    let mut open: HashMap<String, (String, usize)> = HashMap::new();
    let mut out = Vec::new();
    for (i, line) in trace.lines().enumerate() {
        let (pid, rest) = line.split_once(' ').unwrap_or(("", line));
        let rest = rest.trim_start();
        if let Some(start) = rest.strip_suffix(" <unfinished ...>") {
            open.insert(pid.to_string(), (start.to_string(), i));
        } else if rest.starts_with("<... ") {
            if let Some((start, begin)) = open.remove(pid) {
                let tail = rest.split_once("resumed>").map(|x| x.1).unwrap_or("");
                out.push(Call {
                    text: format!("{start}{tail}"),
                    begin,
                    end: i,
                });
            }
        } else {
            out.push(Call {
                text: rest.to_string(),
                begin: i,
                end: i,
            });
        }
    }
    out.sort_by_key(|c| c.end);
    out
}

fn wheel(site: &Site, version: &str) {
    let mut spec = WheelSpec::pure("durable", version);
    for i in 0..40 {
        spec.files.push((
            format!("durable/m{i}.py"),
            format!("V = {version:?}\n").into_bytes(),
        ));
    }
    spec.files.push((
        format!("durable_top_{}.py", version.replace('.', "_")),
        b"X = 1\n".to_vec(),
    ));
    spec.console_scripts
        .push(("durable-cli".into(), "durable:main".into()));
    spec.write(&site.generic);
}

/// Runs `wheelhouse ARGS` under strace and checks the protocol on its trace.
#[allow(clippy::disallowed_macros)] // the test's own report, on stderr
fn check_traced_install(site: &Site, env: &Path, args: &[&str]) {
    let trace_file = site.path("trace.txt");
    let _ = std::fs::remove_file(&trace_file);
    let mut strace_args: Vec<&str> = vec![
        "-f",
        "-qq",
        "-y",
        "-s",
        "16",
        "-o",
        trace_file.to_str().unwrap(),
        "-e",
        "trace=openat,write,fsync,fdatasync,syncfs,sync,rename,renameat,renameat2,linkat,\
         ioctl,copy_file_range",
        env!("CARGO_BIN_EXE_wheelhouse"),
    ];
    strace_args.extend_from_slice(args);
    let out = site
        .command("strace")
        .args(&strace_args)
        .output()
        .expect("strace is installed (scripts/durability-test-setup.sh)");
    assert!(out.status.success(), "{}", stderr(&out));
    let trace = std::fs::read_to_string(&trace_file).unwrap();
    let calls = calls(&trace);
    let env = env.to_str().unwrap();

    // The staging directory, from the journal's creation.
    let journal_open = calls
        .iter()
        .find(|c| {
            c.text.starts_with("openat(")
                && c.text.contains("/journal\"")
                && c.text.contains("O_CREAT")
        })
        .expect("the journal is created");
    let journal_path = journal_open.text.split('"').nth(1).unwrap().to_string();
    let stage = journal_path.strip_suffix("/journal").unwrap().to_string();
    assert!(stage.starts_with(env), "{stage}");
    let in_stage = |s: &str| s.contains(&format!("{stage}/")) && !s.contains(&journal_path);

    // 1. Staged files written, then a sync of the file system, then the journal.
    let last_staged = calls
        .iter()
        .filter(|c| {
            (c.text.starts_with("openat(") && c.text.contains("O_CREAT") && in_stage(&c.text))
                || (c.text.starts_with("write(") && in_stage(&c.text))
                || (c.text.starts_with("linkat(") && in_stage(&c.text))
                || (c.text.starts_with("ioctl(") && in_stage(&c.text))
                || (c.text.starts_with("copy_file_range(") && in_stage(&c.text))
        })
        .map(|c| c.end)
        .max()
        .expect("files were staged");
    let staged_sync = calls.iter().find(|c| {
        c.text.starts_with("syncfs(") && c.begin > last_staged && c.end < journal_open.begin
    });
    assert!(
        staged_sync.is_some(),
        "no sync of the staged files between the last staged write (trace line {}) and the \
         journal's creation (line {}):\n{}",
        last_staged + 1,
        journal_open.begin + 1,
        syncs(&calls)
    );

    // 2. The journal's fsync, then its directory's, before the first rename of a step.
    let is_step = |c: &Call| {
        c.text.starts_with("rename")
            && (c.text.contains(&format!("{stage}/w"))
                || c.text.contains(&format!("{stage}/backup/")))
    };
    let steps: Vec<&Call> = calls.iter().filter(|c| is_step(c)).collect();
    assert!(!steps.is_empty(), "no rename of a commit step in the trace");
    let first_rename = steps[0].begin;
    let last_rename = steps.last().unwrap().end;
    let journal_fsync = calls
        .iter()
        .find(|c| c.text.starts_with("fsync(") && c.text.contains(&format!("<{journal_path}>")))
        .expect("the journal is fsynced");
    let stage_fsync = calls
        .iter()
        .find(|c| {
            c.text.starts_with("fsync(")
                && c.text.contains(&format!("<{stage}>"))
                && c.begin > journal_fsync.end
        })
        .expect("the staging directory is fsynced after the journal");
    assert!(
        stage_fsync.end < first_rename,
        "the first rename (line {}) began before the journal was durable (line {})",
        first_rename + 1,
        stage_fsync.end + 1
    );

    // 3. The renames durable before COMMITTED is written.
    let committed = calls
        .iter()
        .find(|c| {
            c.text.starts_with("write(")
                && c.text.contains(&journal_path)
                && c.text.contains("COMMITTED")
        })
        .expect("COMMITTED is written");
    let between = |c: &&Call| c.begin > last_rename && c.end < committed.begin;
    let synced_fs = calls
        .iter()
        .filter(between)
        .any(|c| c.text.starts_with("syncfs("));
    if !synced_fs {
        // Else every directory a rename changed must have been fsynced in between.
        let fsynced: Vec<&str> = calls
            .iter()
            .filter(between)
            .filter(|c| c.text.starts_with("fsync("))
            .filter_map(|c| {
                c.text
                    .split_once('<')
                    .and_then(|x| x.1.split_once('>'))
                    .map(|x| x.0)
            })
            .collect();
        for step in &steps {
            for path in step.text.split('"').skip(1).step_by(2) {
                let dir = Path::new(path).parent().unwrap().to_str().unwrap();
                assert!(
                    fsynced.contains(&dir),
                    "the rename {} was not made durable before COMMITTED ({dir} not synced):\n{}",
                    step.text,
                    syncs(&calls)
                );
            }
        }
    }

    // 4. COMMITTED durable before the staging directory goes.
    let committed_fsync = calls
        .iter()
        .find(|c| {
            c.text.starts_with("fsync(")
                && c.text.contains(&format!("<{journal_path}>"))
                && c.begin > committed.end
        })
        .expect("COMMITTED is fsynced");
    let discard = calls
        .iter()
        .find(|c| c.text.starts_with("rename") && c.text.contains(&format!("\"{stage}\"")))
        .expect("the staging directory is discarded");
    assert!(committed_fsync.end < discard.begin);
    eprintln!(
        "{args:?}: {} commit renames; sync protocol held ({} trace lines)",
        steps.len(),
        trace.lines().count()
    );
}

fn syncs(calls: &[Call]) -> String {
    calls
        .iter()
        .filter(|c| c.text.contains("sync") || c.text.starts_with("rename"))
        .take(40)
        .map(|c| format!("  {}-{}: {}\n", c.begin + 1, c.end + 1, c.text))
        .collect()
}

#[test]
fn a_completed_install_made_every_file_durable_in_order() {
    let site = Site::new();
    wheel(&site, "1.0");
    wheel(&site, "2.0");
    let env = site.path("env");
    let e = env.to_str().unwrap();
    site.ok(&["venv", "--without-pip", e]);
    site.ok(&["install", "-p", e, "durable==1.0"]);
    // An upgrade: old files moved aside, new ones decompressed (and cached).
    check_traced_install(&site, &env, &["install", "-p", e, "durable==2.0", "six"]);
    // A fresh environment filled from the cache entries just written.
    let env2 = site.path("env2");
    let e2 = env2.to_str().unwrap();
    site.ok(&["venv", "--without-pip", e2]);
    check_traced_install(&site, &env2, &["install", "-p", e2, "durable==2.0", "six"]);
    site.run_ok(&env2.join("bin/python"), &["-c", "import durable.m1, six"]);
}
