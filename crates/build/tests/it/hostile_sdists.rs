//! Hostile sdists are refused before anything lands outside the build directory, and no
//! backend runs: `..` members, absolute names, symbolic and hard links leading out, devices,
//! bombs, too many members; benign links inside the tree are kept.

use std::fs;
use std::path::{Path, PathBuf};

use build_frontend::{
    unpack_sdist, BuildEnvironmentMaker, BuildError, BuildOptions, Frontend, Isolation, MakerError,
    Source, UnpackLimits,
};
use tar::EntryType;

use crate::support::{self, raw_tar_gz, RawMember};

/// A maker that must never be reached: hostile archives stop before any build.
struct NeverMaker;

impl BuildEnvironmentMaker for NeverMaker {
    fn make_environment(&self, _: &Path, _: &Path, _: &[String]) -> Result<PathBuf, MakerError> {
        panic!("a build environment was made for a hostile sdist");
    }
}

fn file<'a>(name: &'a [u8], data: &'a [u8]) -> RawMember<'a> {
    RawMember {
        name,
        kind: EntryType::Regular,
        link: b"",
        data,
    }
}

fn link<'a>(name: &'a [u8], kind: EntryType, target: &'a [u8]) -> RawMember<'a> {
    RawMember {
        name,
        kind,
        link: target,
        data: b"",
    }
}

/// Every path under `dir`, sorted.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && !path.is_symlink() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Builds `archive` with the frontend and returns the refusal, checking that the build
/// directory is gone and nothing else appeared around it.
fn refused(root: &Path, archive: &Path, limits: UnpackLimits) -> String {
    let work = root.join("work");
    fs::create_dir_all(&work).unwrap();
    let before = tree(root);
    let python = support::python3();
    let mut options = BuildOptions::new(&python, Isolation::Isolated(&NeverMaker), &work);
    options.limits = limits;
    options.inherited_path = std::env::var_os("PATH");
    let frontend = Frontend::new(options);
    let source = Source::from_path(archive).unwrap();
    let err = frontend
        .build_wheel(&source, &root.join("out"))
        .expect_err("a hostile sdist was built");
    assert!(matches!(err, BuildError::UnsafeArchive { .. }), "{err}");
    assert_eq!(
        tree(root),
        before,
        "files appeared or vanished around the build"
    );
    err.to_string()
}

#[test]
fn climbing_absolute_and_special_members_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let outside = root.join("abs-evil");
    let absolute = outside.to_str().unwrap().as_bytes().to_vec();
    let cases: Vec<(&str, Vec<RawMember>, &str)> = vec![
        (
            "climb",
            vec![file(b"demo-1.0/setup.py", b""), file(b"../evil", b"x")],
            "`..`",
        ),
        (
            "climb-deep",
            vec![file(b"demo-1.0/../../../../evil", b"x")],
            "`..`",
        ),
        ("absolute", vec![file(&absolute, b"x")], "absolute"),
        (
            "device",
            vec![link(b"demo-1.0/dev", EntryType::Char, b"")],
            "device",
        ),
        (
            "fifo",
            vec![link(b"demo-1.0/fifo", EntryType::Fifo, b"")],
            "device",
        ),
    ];
    for (name, members, expect) in cases {
        let archive = root.join(format!("{name}.tar.gz"));
        raw_tar_gz(&archive, &members);
        let err = refused(root, &archive, UnpackLimits::default());
        assert!(err.contains(expect), "{name}: {err}");
        assert!(err.contains("Nothing was written outside"), "{err}");
        fs::remove_file(&archive).unwrap();
    }
    assert!(!outside.exists() && !root.join("evil").exists());
}

#[test]
fn links_leading_out_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("secret"), "outside").unwrap();
    let cases: Vec<(&str, Vec<RawMember>, &str)> = vec![
        (
            "symlink-up",
            vec![link(
                b"demo-1.0/l",
                EntryType::Symlink,
                b"../../../../secret",
            )],
            "outside the source tree",
        ),
        (
            "symlink-absolute",
            vec![link(b"demo-1.0/l", EntryType::Symlink, b"/etc")],
            "absolute",
        ),
        // A file written through a link of the archive (the link made first, then used).
        (
            "write-through-link",
            vec![
                link(b"demo-1.0/d", EntryType::Symlink, b"sub"),
                file(b"demo-1.0/d/x", b"x"),
            ],
            "under a symbolic link",
        ),
        // Lexically inside, really outside once `q -> .` is followed: caught after creation.
        (
            "symlink-chain",
            vec![
                file(b"demo-1.0/x/f", b""),
                link(b"demo-1.0/q", EntryType::Symlink, b"."),
                link(b"demo-1.0/l", EntryType::Symlink, b"q/x/../../.."),
            ],
            "leads outside",
        ),
        (
            "hardlink-up",
            vec![link(b"demo-1.0/h", EntryType::Link, b"../../secret")],
            "hard link leaves",
        ),
        (
            "hardlink-absolute",
            vec![link(b"demo-1.0/h", EntryType::Link, b"/etc/passwd")],
            "hard link leaves",
        ),
        (
            "hardlink-to-link",
            vec![
                link(b"demo-1.0/l", EntryType::Symlink, b"setup.py"),
                file(b"demo-1.0/setup.py", b""),
                link(b"demo-1.0/h", EntryType::Link, b"demo-1.0/l"),
            ],
            "not a file unpacked before it",
        ),
    ];
    for (name, members, expect) in cases {
        let archive = root.join(format!("{name}.tar.gz"));
        raw_tar_gz(&archive, &members);
        let err = refused(root, &archive, UnpackLimits::default());
        assert!(err.contains(expect), "{name}: {err}");
        fs::remove_file(&archive).unwrap();
    }
    assert_eq!(fs::read_to_string(root.join("secret")).unwrap(), "outside");
}

#[test]
fn bombs_and_member_floods_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let small = UnpackLimits {
        max_members: 50,
        max_bytes: 8 << 20,
        max_ratio: 10,
        min_bytes: 1 << 20,
    };
    // 32 MiB of zeros compresses to ~32 KiB: 10× that is below the 1 MiB floor. (Python's
    // C zlib writes it in a blink; the test profile's Rust deflate takes half a minute.)
    let archive = root.join("bomb.tar.gz");
    let script = "import io, sys, tarfile\n\
                  with tarfile.open(sys.argv[1], 'w:gz', compresslevel=1) as t:\n\
                  \x20   info = tarfile.TarInfo('demo-1.0/zeros'); info.size = 32 << 20\n\
                  \x20   t.addfile(info, io.BytesIO(bytes(info.size)))\n";
    let status = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&archive)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(fs::metadata(&archive).unwrap().len() < 1 << 20);
    let err = refused(root, &archive, small);
    assert!(err.contains("decompression bomb"), "{err}");
    fs::remove_file(&archive).unwrap();

    let names: Vec<Vec<u8>> = (0..60)
        .map(|i| format!("demo-1.0/f{i}").into_bytes())
        .collect();
    let members: Vec<RawMember> = names.iter().map(|n| file(n, b"x")).collect();
    let archive = root.join("flood.tar.gz");
    raw_tar_gz(&archive, &members);
    let err = refused(root, &archive, small);
    assert!(err.contains("more than 50 members"), "{err}");
}

#[test]
fn the_default_budget_follows_the_archive_size_within_bounds() {
    // The defaults: 256 MiB at least, 100× the archive beyond that. 300 MiB of zeros in a
    // 300 KiB archive is refused at 256 MiB.
    let limits = UnpackLimits::default();
    assert_eq!(limits.budget(300 << 10), 256 << 20);
    assert_eq!(limits.budget(1 << 30), 8 << 30);
    assert_eq!(limits.budget(10 << 20), 1000 << 20);
}

#[test]
fn zip_sdists_are_confined_too() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let archive = root.join("demo-1.0.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&archive).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("demo-1.0/setup.py", options).unwrap();
    zip.write_all(b"").unwrap();
    zip.start_file("demo-1.0/../../evil", options).unwrap();
    zip.write_all(b"x").unwrap();
    zip.finish().unwrap();
    let err = refused(root, &archive, UnpackLimits::default());
    assert!(err.contains("`..`"), "{err}");
    assert!(!root.join("evil").exists());
}

#[test]
fn links_inside_the_tree_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("demo-1.0.tar.gz");
    raw_tar_gz(
        &archive,
        &[
            file(b"demo-1.0/README", b"read me"),
            link(b"demo-1.0/docs/README", EntryType::Symlink, b"../README"),
            link(b"demo-1.0/COPY", EntryType::Link, b"demo-1.0/README"),
            file(b"./demo-1.0/setup.py", b""),
        ],
    );
    let dest = dir.path().join("dest");
    fs::create_dir(&dest).unwrap();
    let project = unpack_sdist(&archive, &dest, &UnpackLimits::default()).unwrap();
    assert_eq!(project, dest.join("demo-1.0"));
    assert_eq!(
        fs::read_to_string(project.join("docs/README")).unwrap(),
        "read me"
    );
    assert!(project.join("docs/README").is_symlink());
    assert_eq!(fs::read_to_string(project.join("COPY")).unwrap(), "read me");
    assert!(!project.join("COPY").is_symlink());
}

#[test]
fn an_archive_without_a_project_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("notes-1.0.tar.gz");
    raw_tar_gz(&archive, &[file(b"notes-1.0/README", b"just notes")]);
    let python = support::python3();
    let work = dir.path().join("work");
    let frontend = Frontend::new(BuildOptions::new(
        &python,
        Isolation::Isolated(&NeverMaker),
        &work,
    ));
    let err = frontend
        .build_wheel(
            &Source::from_path(&archive).unwrap(),
            &dir.path().join("out"),
        )
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&archive.display().to_string()), "{err}");
    assert!(err.contains("neither pyproject.toml nor setup.py"), "{err}");
    assert_eq!(fs::read_dir(&work).unwrap().count(), 0);
}
