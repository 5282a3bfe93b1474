//! What we install is what pip 26 installs: real PyPI wheels and test-built ones with every
//! kind of content (scripts, `#!python` rewriting, headers, data, entry points of both kinds,
//! `.pth` files, namespace packages, executable members, a build tag) are installed by pip and
//! by us into the same path, one after the other, under `umask 022` and `002`, and the trees
//! must match file for file: names, contents, modes, RECORD rows and `direct_url.json`. The
//! one expected difference is `INSTALLER` (and its RECORD row).

use std::path::{Path, PathBuf};

use crate::common::*;

fn kitchen_sink(dir: &Path) -> Vec<PathBuf> {
    let mut k = WheelSpec::pure("kitchen", "1.0")
        .file("kitchen/tool.py", b"def run():\n    return 0\n")
        .file(
            "kitchen-1.0.data/scripts/kitchen-run",
            b"#!python\nprint('run')\n",
        )
        .file(
            "kitchen-1.0.data/scripts/kitchen-args",
            b"#!python3 -E\nprint('args')\n",
        )
        .file(
            "kitchen-1.0.data/scripts/plain.sh",
            b"#!/bin/sh\necho plain\n",
        )
        .file("kitchen-1.0.data/headers/kitchen.h", b"#define KITCHEN 1\n")
        .file("kitchen-1.0.data/data/share/kitchen/data.txt", b"data\n")
        .file("kitchen.pth", b"import sys\n")
        .file("nspkg/sub/__init__.py", b"")
        .file("kitchen/__main__.py", b"from kitchen import main\nmain()\n");
    k.files[0].1 = b"def main():\n    return 0\n".to_vec();
    k.executable.push("kitchen/tool.py".into());
    k.console_scripts
        .push(("kitchen-cli".into(), "kitchen:main".into()));
    k.gui_scripts
        .push(("kitchen-gui".into(), "kitchen.tool:run".into()));
    let kitchen = k.write(dir);
    let mut p = WheelSpec::pure("platty", "2.0").tag("cp311-cp311-linux_x86_64");
    p.files.push((
        "platty-2.0.data/purelib/platty_pure.py".into(),
        b"X = 1\n".to_vec(),
    ));
    let platty = p.write(dir);
    // A build tag in the file name.
    let tagged = dir.join("buildtag-1.0-7-py3-none-any.whl");
    std::fs::rename(WheelSpec::pure("buildtag", "1.0").write(dir), &tagged).unwrap();
    vec![kitchen, platty, tagged]
}

fn wheels(site: &Site) -> Vec<PathBuf> {
    let mut all = kitchen_sink(&site.path("built"));
    for entry in std::fs::read_dir(real_wheels()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".whl") && !name.starts_with("pip-") {
            all.push(entry.path());
        }
    }
    all.sort();
    all
}

fn under_umask(site: &Site, umask: &str, program: &Path, args: &[String]) {
    let out = site
        .command("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$@\""))
        .arg("sh")
        .arg(program)
        .args(args)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{}\n{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

/// The state of an environment, with INSTALLER (the expected difference) left out.
fn state(env: &Path) -> Vec<String> {
    let mut lines = contents(env);
    lines.retain(|l| !l.contains(".dist-info/INSTALLER") && !l.contains(".dist-info/RECORD "));
    let mut dirs = Vec::new();
    collect_dir_modes(env, env, &mut dirs);
    lines.extend(dirs);
    for record in glob_records(env) {
        let text = std::fs::read_to_string(&record).unwrap();
        for row in text.lines() {
            if !row.contains(".dist-info/INSTALLER,") {
                lines.push(format!(
                    "RECORD {}: {row}",
                    record
                        .parent()
                        .unwrap()
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                ));
            }
        }
    }
    lines.sort();
    lines
}

fn collect_dir_modes(base: &Path, dir: &Path, out: &mut Vec<String>) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = std::fs::symlink_metadata(e.path()).unwrap();
        if meta.is_dir() {
            let rel = e.path().strip_prefix(base).unwrap().display().to_string();
            out.push(format!(
                "dir {rel} {:o}",
                meta.permissions().mode() & 0o7777
            ));
            collect_dir_modes(base, &e.path(), out);
        }
    }
}

fn glob_records(env: &Path) -> Vec<PathBuf> {
    let sp = site_packages(env);
    std::fs::read_dir(&sp)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("RECORD"))
        .filter(|p| p.exists())
        .collect()
}

fn fresh_env(site: &Site, env: &Path, umask: &str) {
    let _ = std::fs::remove_dir_all(env);
    let python = site.python_root.join("bin/python3");
    under_umask(
        site,
        umask,
        &python,
        &[
            "-m".into(),
            "venv".into(),
            "--without-pip".into(),
            env.display().to_string(),
        ],
    );
}

#[test]
fn we_install_the_files_pip_installs() {
    let site = Site::new();
    let wheels = wheels(&site);
    let env = site.path("twin");
    let e = env.display().to_string();
    let python = site.python_root.join("bin/python3");
    let pip = pip26_wheel().join("pip").display().to_string();
    let files: Vec<String> = wheels.iter().map(|w| w.display().to_string()).collect();
    for umask in ["022", "002", "077"] {
        fresh_env(&site, &env, umask);
        let mut args = vec![
            pip.clone(),
            "--python".into(),
            format!("{e}/bin/python"),
            "install".into(),
            "--quiet".into(),
            "--no-index".into(),
            "--no-deps".into(),
            "--no-compile".into(),
            "--disable-pip-version-check".into(),
        ];
        args.extend(files.iter().cloned());
        under_umask(&site, umask, &python, &args);
        let by_pip = state(&env);

        fresh_env(&site, &env, umask);
        let mut args = vec![
            "install".into(),
            "-p".into(),
            e.clone(),
            "--no-deps".into(),
            "--allow-manylinux".into(),
        ];
        // Through the unpacked-wheel cache: filled by the first run (umask 022), read by
        // every later one (hard links under the same umask, copies under another).
        args.extend([
            "--cache-dir".into(),
            site.path("cache").display().to_string(),
        ]);
        args.extend(files.iter().cloned());
        under_umask(
            &site,
            umask,
            Path::new(env!("CARGO_BIN_EXE_wheelhouse")),
            &args,
        );
        let by_us = state(&env);
        fresh_env(&site, &env, umask);
        under_umask(
            &site,
            umask,
            Path::new(env!("CARGO_BIN_EXE_wheelhouse")),
            &args,
        );
        assert_eq!(
            state(&env),
            by_us,
            "umask {umask}: a warm-cache install differs"
        );
        assert!(site.path("cache/v1/entries").read_dir().unwrap().count() >= files.len());
        if umask == "022" {
            // pip freeze reads our direct_url.json as its own: `name @ file:///...#sha256=...`.
            let out = site
                .command(&python)
                .args([
                    pip.as_str(),
                    "--python",
                    &format!("{e}/bin/python"),
                    "freeze",
                    "--all",
                ])
                .env("PIP_CONFIG_FILE", "/dev/null")
                .output()
                .unwrap();
            let theirs = String::from_utf8(out.stdout).unwrap();
            assert!(theirs.contains("six @ file:///"), "{theirs}");
            assert_eq!(site.ok(&["freeze", "--all", "-p", &e]), theirs);
        }
        let only_pip: Vec<_> = by_pip.iter().filter(|l| !by_us.contains(l)).collect();
        let only_us: Vec<_> = by_us.iter().filter(|l| !by_pip.contains(l)).collect();
        assert!(
            only_pip.is_empty() && only_us.is_empty(),
            "umask {umask}: the trees differ\nonly pip:\n{}\nonly us:\n{}",
            only_pip
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            only_us
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
