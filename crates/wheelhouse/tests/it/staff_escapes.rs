//! Nothing outside the wheelhouse is catalogued, published, served or written by the staff
//! commands: symbolic links planted in the tree (`index`, `index --html` in every files mode,
//! `serve`, `audit`), files that are not wheels, and `add` options that would name a path
//! outside it. Links that stay inside the root are not published either (a wheel is published
//! under its own name only); `audit` reports both kinds.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::staff_cli::{get, text, wheelhouse, Server};
use test_support::WheelSpec;

const SECRET: &str = "TOP-SECRET-MARKER: the server account's private key";

/// What lies outside the wheelhouse: a text file and a real wheel (the worst case: it would
/// be published with its metadata), and a directory holding another wheel.
struct Outside {
    secret: PathBuf,
    wheel: PathBuf,
    dir: PathBuf,
}

impl Outside {
    fn make(tmp: &Path) -> Outside {
        let dir = tmp.join("outside");
        std::fs::create_dir_all(&dir).unwrap();
        let secret = dir.join("secret.txt");
        std::fs::write(&secret, SECRET).unwrap();
        let wheel = WheelSpec::pure("secret-pkg", "6.6.6")
            .file("secret_pkg/key.txt", SECRET.as_bytes())
            .write(&dir);
        WheelSpec::pure("secret-level", "6.6.6").write(&dir.join("level"));
        Outside {
            secret,
            wheel,
            dir: dir.join("level"),
        }
    }

    /// The contents that must never appear in what is published.
    fn forbidden(&self) -> Vec<Vec<u8>> {
        let mut all = vec![
            std::fs::read(&self.secret).unwrap(),
            std::fs::read(&self.wheel).unwrap(),
        ];
        for e in std::fs::read_dir(&self.dir).unwrap() {
            all.push(std::fs::read(e.unwrap().path()).unwrap());
        }
        all
    }
}

/// A wheelhouse with the layout's directories and one real wheel in each wheel directory.
fn house(tmp: &Path) -> PathBuf {
    let root = tmp.join("house");
    WheelSpec::pure("good", "1.0").write(&root.join("generic"));
    WheelSpec::pure("layer-good", "1.0").write(&root.join("gentoo2023/generic"));
    WheelSpec::pure("level-good", "1.0").write(&root.join("gentoo2023/x86-64-v3"));
    root
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    wheelhouse().args(args).output().unwrap()
}

fn ok(out: Output) -> Output {
    assert!(out.status.success(), "{}", text(&out));
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir`, links followed as a web server would follow them: none holds a
/// forbidden content or the secret, and no link leads outside `root`.
fn assert_nothing_outside_in(dir: &Path, root: &Path, outside: &Outside) {
    let canonical_root = root.canonicalize().unwrap();
    let forbidden = outside.forbidden();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let lstat = std::fs::symlink_metadata(&path).unwrap();
            if lstat.file_type().is_symlink() {
                let real = path.canonicalize().unwrap();
                assert!(
                    real.starts_with(&canonical_root),
                    "{} links outside the wheelhouse, to {}",
                    path.display(),
                    real.display()
                );
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !contains(&bytes, b"TOP-SECRET") && !contains(&bytes, b"secret"),
                "{} holds the secret or names an outside wheel",
                path.display()
            );
            assert!(
                !forbidden.contains(&bytes),
                "{} is a copy of a file outside the wheelhouse",
                path.display()
            );
        }
    }
}

/// Crawls the server from `/`: every level, project page and file (and `.metadata`) it links
/// to; none is outside content. Returns the file URLs it fetched.
fn crawl(server: &Server, outside: &Outside) -> Vec<String> {
    let forbidden = outside.forbidden();
    let hrefs = |body: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(body)
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(|s| s.split('#').next().unwrap_or(s).to_string())
            .collect()
    };
    let (status, _, body) = get(&server.addr, "/", "");
    assert_eq!(status, 200);
    assert!(!contains(&body, b"leak") && !contains(&body, b"secret"));
    // `/` is the page of every package: its links are relative (`LEVEL/simple/`,
    // `wheels/PROJECT.html`), and each package page links to the wheels (`../files/...`).
    let top = hrefs(&body);
    for package in top.iter().filter(|h| h.starts_with("wheels/")) {
        let (status, _, body) = get(&server.addr, &format!("/{package}"), "");
        assert_eq!(status, 200, "{package}");
        assert!(!contains(&body, b"leak") && !contains(&body, b"secret"));
        for file in hrefs(&body) {
            let Some(rel) = file.strip_prefix("../files/") else {
                continue;
            };
            let (_, _, body) = get(&server.addr, &format!("/files/{rel}"), "");
            assert!(
                !contains(&body, b"TOP-SECRET") && !forbidden.contains(&body),
                "{file} served outside content"
            );
        }
    }
    let mut fetched = Vec::new();
    for level in top
        .iter()
        .filter(|h| h.ends_with("/simple/"))
        .map(|h| format!("/{h}"))
    {
        let (status, _, body) = get(&server.addr, &level, "");
        assert_eq!(status, 200, "{level}");
        assert!(!contains(&body, b"leak") && !contains(&body, b"secret"));
        for project in hrefs(&body) {
            let page = format!("{level}{project}");
            let (status, _, body) = get(&server.addr, &page, "");
            assert_eq!(status, 200, "{page}");
            for file in hrefs(&body) {
                for url in [file.clone(), format!("{file}.metadata")] {
                    let (_, _, body) = get(&server.addr, &url, "");
                    assert!(
                        !contains(&body, b"TOP-SECRET") && !forbidden.contains(&body),
                        "{url} served outside content"
                    );
                }
                fetched.push(file);
            }
        }
    }
    fetched
}

/// The case: `ln -s OUT/secret.txt house/generic/leak-1.0-py3-none-any.whl`, and a
/// `.whl` that is not a zip. `index` names the link and catalogs neither as a wheel,
/// `index --html` copies and links neither, `serve` answers 404, `audit` reports both.
#[test]
fn a_link_to_a_secret_is_refused_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = Outside::make(tmp.path());
    let root = house(tmp.path());
    symlink(
        &outside.secret,
        root.join("generic/leak-1.0-py3-none-any.whl"),
    )
    .unwrap();
    symlink(
        &outside.wheel,
        root.join("generic/leakw-1.0-py3-none-any.whl"),
    )
    .unwrap();
    // A link that stays inside the root: a second name for a published wheel.
    symlink(
        "good-1.0-py3-none-any.whl",
        root.join("generic/alias-1.0-py3-none-any.whl"),
    )
    .unwrap();
    std::fs::write(
        root.join("generic/notzip-1.0-py3-none-any.whl"),
        b"not a zip",
    )
    .unwrap();

    // A FIFO named like a wheel: opening it to read would block forever.
    let fifo = root.join("generic/fifo-1.0-py3-none-any.whl");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());

    let out = ok(run(&["index".as_ref(), root.as_os_str()]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fifo-1.0-py3-none-any.whl is not a regular file"),
        "{stderr}"
    );
    for name in ["leak", "leakw"] {
        assert!(
            stderr.contains(&format!(
                "{name}-1.0-py3-none-any.whl is a symbolic link leading outside the wheelhouse"
            )),
            "{stderr}"
        );
    }
    assert!(stderr.contains("alias-1.0-py3-none-any.whl is a symbolic link (to good-1.0"));
    let catalog = std::fs::read_to_string(root.join(".wheelhouse-catalog")).unwrap();
    for line in catalog.lines().filter(|l| l.starts_with("M\t")) {
        assert!(
            !line.contains("leak") && !line.contains("alias") && !line.contains("secret"),
            "catalogued: {line}"
        );
    }

    for mode in ["copy", "hardlink", "symlink"] {
        let html = tmp.path().join(format!("html-{mode}"));
        let out = ok(run(&[
            "index".as_ref(),
            root.as_os_str(),
            "--html".as_ref(),
            html.as_os_str(),
            "--files".as_ref(),
            mode.as_ref(),
        ]));
        assert_nothing_outside_in(&html, &root, &outside);
        let published: Vec<String> = std::fs::read_dir(html.join("files/generic"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            published
                .iter()
                .all(|n| n.starts_with("good-1.0-py3-none-any.whl")),
            "{mode}: {published:?}\n{}",
            text(&out)
        );
    }

    let audit = run(&[
        "audit".as_ref(),
        root.as_os_str(),
        "--python".as_ref(),
        "3.11".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let report: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let kinds: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let has = |kind: &str, name: &str| kinds.iter().any(|(k, p)| k == kind && p.ends_with(name));
    assert!(
        has("link-outside-root", "generic/leak-1.0-py3-none-any.whl"),
        "{kinds:?}"
    );
    assert!(
        has("link-outside-root", "generic/leakw-1.0-py3-none-any.whl"),
        "{kinds:?}"
    );
    assert!(
        has("link", "generic/alias-1.0-py3-none-any.whl"),
        "{kinds:?}"
    );
    assert!(
        has("unreadable", "generic/notzip-1.0-py3-none-any.whl"),
        "{kinds:?}"
    );
    assert!(
        has("not-a-file", "generic/fifo-1.0-py3-none-any.whl"),
        "{kinds:?}"
    );

    let server = Server::start(&root, &tmp.path().join("serve.log"));
    for name in ["leak", "leakw", "alias", "notzip", "fifo"] {
        let url = format!("/files/generic/{name}-1.0-py3-none-any.whl");
        assert_eq!(get(&server.addr, &url, "").0, 404, "{url}");
        assert_eq!(
            get(&server.addr, &format!("/generic/simple/{name}/"), "").0,
            404
        );
    }
    let fetched = crawl(&server, &outside);
    assert!(fetched.contains(&"/files/generic/good-1.0-py3-none-any.whl".to_string()));
}

/// A wheel the catalog listed, replaced by a link after `wheelhouse index`: the server checks
/// the file when it opens it, not only when the catalog was written.
#[test]
fn serve_refuses_a_wheel_replaced_by_a_link_after_indexing() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = Outside::make(tmp.path());
    let root = house(tmp.path());
    ok(run(&["index".as_ref(), root.as_os_str()]));
    let server = Server::start(&root, &tmp.path().join("serve.log"));
    let url = "/files/generic/good-1.0-py3-none-any.whl";
    assert_eq!(get(&server.addr, url, "").0, 200);
    assert_eq!(get(&server.addr, &format!("{url}.metadata"), "").0, 200);
    let wheel = root.join("generic/good-1.0-py3-none-any.whl");
    std::fs::remove_file(&wheel).unwrap();
    symlink(&outside.wheel, &wheel).unwrap();
    let (status, _, body) = get(&server.addr, url, "");
    assert_eq!(status, 404);
    assert!(!outside.forbidden().contains(&body));
    assert_eq!(get(&server.addr, &format!("{url}.metadata"), "").0, 404);
    // The same through a parent directory: `generic` itself swapped for a link.
    std::fs::remove_file(&wheel).unwrap();
    std::fs::rename(root.join("generic"), tmp.path().join("moved")).unwrap();
    std::fs::create_dir_all(tmp.path().join("evil")).unwrap();
    std::fs::copy(
        &outside.wheel,
        tmp.path().join("evil/good-1.0-py3-none-any.whl"),
    )
    .unwrap();
    symlink(tmp.path().join("evil"), root.join("generic")).unwrap();
    let (status, _, body) = get(&server.addr, url, "");
    assert_eq!(status, 404);
    assert!(!outside.forbidden().contains(&body));
}

/// Links planted at every directory level of the wheelhouse (the root, a layer, a level, the
/// generic directories), of every kind (to a text file, to a real wheel, relative and
/// absolute, to a directory where a level would be, dangling), one level at a time: for each,
/// nothing outside is copied or linked by `index --html` in any files mode, nor served.
#[test]
fn links_at_every_level_publish_nothing_outside() {
    let levels = [
        "",
        "generic",
        "gentoo2023",
        "gentoo2023/generic",
        "gentoo2023/x86-64-v3",
    ];
    for (n, level) in levels.iter().enumerate() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = Outside::make(tmp.path());
        let root = house(tmp.path());
        let dir = root.join(level);
        let depth = level.split('/').filter(|s| !s.is_empty()).count() + 1;
        let up = "../".repeat(depth);
        symlink(&outside.secret, dir.join("leak-1.0-py3-none-any.whl")).unwrap();
        symlink(&outside.wheel, dir.join("leakw-1.0-py3-none-any.whl")).unwrap();
        symlink(
            format!("{up}outside/secret.txt"),
            dir.join("leakrel-1.0-py3-none-any.whl"),
        )
        .unwrap();
        symlink(
            tmp.path().join("nowhere"),
            dir.join("leakdangling-1.0-py3-none-any.whl"),
        )
        .unwrap();
        // A directory link where a layer or a level would be, full of wheels.
        let dir_link = if level.starts_with("gentoo2023") || level.is_empty() {
            "x86-64-v4"
        } else {
            "leakdir"
        };
        symlink(&outside.dir, dir.join(dir_link)).unwrap();
        if level.is_empty() {
            symlink(&outside.dir, root.join("gentoo2020")).unwrap();
        }

        let out = ok(run(&["index".as_ref(), root.as_os_str()]));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.matches("leading outside the wheelhouse").count(),
            4,
            "level {level:?}: {stderr}"
        );
        for mode in ["copy", "hardlink", "symlink"] {
            let html = tmp.path().join(format!("html-{mode}"));
            ok(run(&[
                "index".as_ref(),
                root.as_os_str(),
                "--html".as_ref(),
                html.as_os_str(),
                "--files".as_ref(),
                mode.as_ref(),
            ]));
            assert_nothing_outside_in(&html, &root, &outside);
        }
        let server = Server::start(&root, &tmp.path().join(format!("serve-{n}.log")));
        let fetched = crawl(&server, &outside);
        assert!(!fetched.is_empty());
        for name in ["leak", "leakw", "leakrel", "leakdangling"] {
            let rel = Path::new(level).join(format!("{name}-1.0-py3-none-any.whl"));
            let url = format!("/files/{}", rel.display());
            assert_eq!(get(&server.addr, &url, "").0, 404, "{url}");
        }
        let through = Path::new(level)
            .join(dir_link)
            .join("secret_level-6.6.6-py3-none-any.whl");
        assert_eq!(
            get(&server.addr, &format!("/files/{}", through.display()), "").0,
            404
        );
    }
}

/// `add --local-version 'x/../../../outside/add-created'` wrote outside the wheelhouse: the
/// label is a PEP 440 local label or an error, `--layer` is a directory name, and the
/// destination is proven inside the root (a layer directory that is a link leading out is
/// refused).
#[test]
fn add_writes_only_inside_the_wheelhouse() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("a/b/house");
    std::fs::create_dir_all(&root).unwrap();
    let wheel = WheelSpec::pure("good", "1.0").write(&tmp.path().join("src"));
    let add = |extra: &[&str]| {
        wheelhouse()
            .arg("add")
            .arg(&wheel)
            .arg("--wheelhouse")
            .arg(&root)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = add(&["--local-version", "x/../../../outside/add-created"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a local version label"), "{stderr}");
    let out = add(&["--arch", "x86-64-v3", "--layer", "../../../outside"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a compatibility layer name"));

    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    symlink(&elsewhere, root.join("gentoo2023")).unwrap();
    let out = add(&["--arch", "x86-64-v3"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("would be outside the wheelhouse"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);

    // Where the old code wrote (`generic/good-1.0+x/../../../outside/...`: next to the
    // root), and anywhere else: nothing.
    assert!(!tmp.path().join("a/b/outside").exists());
    let created: Vec<PathBuf> = walk(tmp.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("add-created"))
        .collect();
    assert!(created.is_empty(), "{created:?}");

    // A valid label is normalized as PEP 440 says.
    let out = add(&["--local-version", "CC_1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(root
        .join("generic/good-1.0+cc.1-py3-none-any.whl")
        .is_file());
}

/// Every path under `dir`, sorted, links not followed.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if std::fs::symlink_metadata(&path).unwrap().is_dir() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out.sort();
    out
}
