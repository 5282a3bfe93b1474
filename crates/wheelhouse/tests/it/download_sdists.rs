//! `wheelhouse download` of packages whose newest fitting version has no wheel: the sdist is
//! the file, as `pip download` takes it (pip 26 compared where it needs no build), its
//! dependencies from its static PKG-INFO or its build backend, and what it saves installs in
//! the job without network. Indexes are made here and served on 127.0.0.1.

use std::path::{Path, PathBuf};

use crate::common::index::{download, listed, sha256, wheels_in, Index};
use crate::common::sources::{setuptools_project, site_with_backends, write};
use crate::common::{stderr, stdout, Site, WheelSpec};

/// `name-version.tar.gz` under `dir`: a flit-core project with one module whose PKG-INFO is
/// static (PEP 643: Metadata-Version 2.2, nothing dynamic) and names `requires`.
fn static_sdist(dir: &Path, name: &str, version: &str, requires: &[&str]) -> PathBuf {
    let top = format!("{name}-{version}");
    let src = dir.join(format!("{top}-src"));
    let deps: Vec<String> = requires.iter().map(|r| format!("\"{r}\"")).collect();
    write(
        &src.join("pyproject.toml"),
        &format!(
            "[build-system]\nrequires = [\"flit_core>=3.4\"]\nbuild-backend = \
             \"flit_core.buildapi\"\n\n[project]\nname = \"{name}\"\nversion = \"{version}\"\n\
             description = \"from its sdist\"\ndependencies = [{}]\n",
            deps.join(", ")
        ),
    );
    write(&src.join(format!("{name}.py")), "FROM_SDIST = True\n");
    let mut pkg_info = format!("Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n");
    for r in requires {
        pkg_info.push_str(&format!("Requires-Dist: {r}\n"));
    }
    write(&src.join("PKG-INFO"), &pkg_info);
    tar(&src, &top, &dir.join(format!("{top}.tar.gz")))
}

/// `dir` as `archive` with everything under `top/`.
fn tar(dir: &Path, top: &str, archive: &Path) -> PathBuf {
    crate::common::sources::sdist(dir, top, archive);
    archive.to_path_buf()
}

/// Lists `archive` on `project`'s HTML page of `index` (with its sha256, or `hash`).
fn serve_sdist(index: &Index, project: &str, archive: &Path, hash: Option<&str>) {
    let name = archive.file_name().unwrap().to_str().unwrap();
    std::fs::copy(archive, index.file(name)).unwrap();
    let page = index.root.join("simple").join(project).join("index.html");
    let html = std::fs::read_to_string(&page).unwrap_or_else(|_| {
        std::fs::create_dir_all(page.parent().unwrap()).unwrap();
        "<!DOCTYPE html>\n<html><body>\n</body></html>\n".into()
    });
    let hash = hash.map_or_else(|| sha256(archive), str::to_string);
    let link = format!("<a href=\"../../files/{name}#sha256={hash}\">{name}</a><br/>\n</body>");
    std::fs::write(&page, html.replace("</body>", &link)).unwrap();
}

/// An index with `both` 1.0 as a wheel and 2.0 as an sdist that needs `beta`, and `beta` 1.5.
fn mixed_index(site: &Site) -> Index {
    let index = Index::new(
        &site.path("index"),
        &[
            ("both", vec![listed(WheelSpec::pure("both", "1.0"))]),
            ("beta", vec![listed(WheelSpec::pure("beta", "1.5"))]),
        ],
        false,
    );
    let archive = static_sdist(&site.path("src"), "both", "2.0", &["beta>=1"]);
    serve_sdist(&index, "both", &archive, None);
    index
}

/// The files pip 26's `pip download` saves for `args` from `index`; pip prepares an sdist's
/// metadata even with `--no-deps`, so it finds the build backends where the site keeps them.
fn pip_downloads(site: &Site, index: &Index, dest: &str, args: &[&str]) -> Vec<String> {
    let out = site
        .command(site.python_root.join("bin/python3"))
        .arg(crate::common::pip26_wheel().join("pip"))
        .args(["download", "--quiet", "--disable-pip-version-check"])
        .args(["--index-url", &index.url, "-d", dest, "--find-links"])
        .arg(&site.generic)
        .args(args)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(out.status.success(), "pip: {}", stderr(&out));
    files_in(&site.path(dest))
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_newest_version_comes_as_its_sdist_as_pip_downloads_it() {
    let site = site_with_backends();
    let index = mixed_index(&site);
    // --no-deps, the seed's recipe: 2.0 has only an sdist, and it is the newest.
    let out = download(&site, &index.url, &["--no-deps", "both", "-d", "nodeps"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_in(&site.path("nodeps")), ["both-2.0.tar.gz"]);
    let text = stdout(&out);
    assert!(text.contains("Saved nodeps/both-2.0.tar.gz"), "{text}");
    assert!(
        text.ends_with("Install them in the job with: wheelhouse install nodeps/both-2.0.tar.gz\n"),
        "{text}"
    );
    assert!(
        stderr(&out).starts_with("note: both-2.0.tar.gz is a source distribution, not a wheel"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        pip_downloads(&site, &index, "pip-nodeps", &["--no-deps", "both"]),
        files_in(&site.path("nodeps"))
    );
    // pip's other choices, each compared with pip 26.
    for (flags, expected) in [
        (&["--prefer-binary"][..], "both-1.0-py3-none-any.whl"),
        (&["--only-binary", ":all:"][..], "both-1.0-py3-none-any.whl"),
        (&["--only-binary", "both"][..], "both-1.0-py3-none-any.whl"),
        (&["--no-binary", "both"][..], "both-2.0.tar.gz"),
    ] {
        let dest = format!("d{}", flags.join("").replace([':', '-'], ""));
        let mut args = vec!["--no-deps", "both", "-d", &dest];
        args.extend(flags);
        let out = download(&site, &index.url, &args);
        assert!(out.status.success(), "{flags:?}: {}", stderr(&out));
        assert_eq!(files_in(&site.path(&dest)), [expected], "{flags:?}");
        let mut pip_args = vec!["--no-deps", "both"];
        pip_args.extend(flags);
        let pip = pip_downloads(&site, &index, &format!("pip-{dest}"), &pip_args);
        assert_eq!(pip, [expected], "pip 26 with {flags:?}");
    }
    // With dependencies: the sdist's static PKG-INFO names beta; nothing was built for it.
    let out = download(&site, &index.url, &["both", "-d", "deps"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        files_in(&site.path("deps")),
        ["beta-1.5-py3-none-any.whl", "both-2.0.tar.gz"]
    );
    // In the job, without network: the sdist is built with the wheelhouse's flit_core.
    let env = site.venv("env");
    let installed = site.ok(&[
        "install",
        "-p",
        env.to_str().unwrap(),
        "--no-index",
        "-f",
        "deps",
        "deps/both-2.0.tar.gz",
    ]);
    assert!(installed.contains("both-2.0"), "{installed}");
    assert!(installed.contains("beta-1.5"), "{installed}");
    let python = env.join("bin/python");
    let value = site.run_ok(&python, &["-c", "import both; print(both.FROM_SDIST)"]);
    assert_eq!(value, "True\n");
}

#[test]
fn an_sdist_without_static_metadata_is_asked_of_its_backend() {
    let site = site_with_backends();
    let index = Index::new(
        &site.path("index"),
        &[("six", vec![listed(WheelSpec::pure("six", "1.17.0"))])],
        false,
    );
    // A setuptools project tarred as it is: no PKG-INFO, so only the backend knows that it
    // needs six (setuptools comes from the wheelhouse, as in a job).
    let src = site.path("src/dyn-1.0");
    setuptools_project(&src, "dyn", "1.0");
    let archive = tar(&src, "dyn-1.0", &site.path("src/dyn-1.0.tar.gz"));
    serve_sdist(&index, "dyn", &archive, None);
    let out = download(&site, &index.url, &["dyn", "-d", "got"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        files_in(&site.path("got")),
        ["dyn-1.0.tar.gz", "six-1.17.0-py3-none-any.whl"]
    );
}

#[test]
fn bad_sdists_are_named_and_leave_nothing() {
    let site = Site::new();
    let index = Index::new(
        &site.path("index"),
        &[(
            "onlywheel",
            vec![listed(WheelSpec::pure("onlywheel", "1.0"))],
        )],
        false,
    );
    // --no-binary of a package that has no sdist.
    let out = download(
        &site,
        &index.url,
        &["--no-binary", ":all:", "onlywheel", "-d", "a"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "no source distribution of onlywheel (from the command line) at http://127.0.0.1:"
        ),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("leave onlywheel out of --no-binary"));
    assert!(wheels_in(&site.path("a")).is_empty());
    // A wrong hash: refused, nothing kept under the name.
    let archive = static_sdist(&site.path("src"), "hashed", "1.0", &[]);
    serve_sdist(&index, "hashed", &archive, Some(&"0".repeat(64)));
    let out = download(&site, &index.url, &["--no-deps", "hashed", "-d", "b"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hashed-1.0.tar.gz"),
        "{}",
        stderr(&out)
    );
    assert!(
        files_in(&site.path("b")).is_empty(),
        "{:?}",
        files_in(&site.path("b"))
    );
    // Not an archive at all (an error page saved under the name, with its own hash).
    let fake = site.path("src/fake-1.0.tar.gz");
    std::fs::write(&fake, "<html>Service Unavailable</html>").unwrap();
    serve_sdist(&index, "fake", &fake, None);
    let out = download(&site, &index.url, &["--no-deps", "fake", "-d", "c"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("fake-1.0.tar.gz")
            && stderr(&out).contains("is not a .tar.gz or .zip archive"),
        "{}",
        stderr(&out)
    );
    assert!(files_in(&site.path("c")).is_empty());
    // Dependencies of an sdist that cannot be read: its name, the URL, the way out.
    let out = download(&site, &index.url, &["fake", "-d", "e"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("cannot tell what fake-1.0.tar.gz"), "{text}");
    assert!(
        text.contains("`wheelhouse download --no-deps fake==1.0`"),
        "{text}"
    );
    assert!(files_in(&site.path("e")).is_empty());
}
