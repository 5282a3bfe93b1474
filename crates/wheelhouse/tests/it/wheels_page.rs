//! The "Available Python wheels" page (`index --html OUT` writes OUT/index.html and
//! OUT/wheels/; `serve` answers them at `/` and `/wheels/`), in a real browser: headless
//! Chromium from Debian through chromedriver (scripts/browser-test-setup.sh), loading the page
//! over `wheelhouse serve` on 127.0.0.1, typing in the search box and checking which rows
//! show; with JavaScript off, the plain table of every package. A wheel whose file name is
//! HTML must stay text. Screenshots go to target/wheels-page*.png.

use std::path::{Path, PathBuf};

use crate::common::browser::Browser;
use crate::common::staff_cli::{get, text, wheelhouse, Server};
use test_support::WheelSpec;

/// A line of the bench's results on standard output (bench/wheels-page.sh collects them).
macro_rules! report {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Still a wheel name (the name part is everything before the first `-`), and HTML.
const HOSTILE: &str = "x<img src=x onerror=alert(1)>\"'<b>bold";

fn site(tmp: &Path) -> PathBuf {
    let root = tmp.join("wheelhouse");
    let v3 = root.join("gentoo2023/x86-64-v3");
    let v4 = root.join("gentoo2023/x86-64-v4");
    let generic = root.join("gentoo2023/generic");
    for python in ["cp311", "cp312"] {
        WheelSpec::pure("numpy", "2.0.1+computecanada")
            .tag(&format!("{python}-{python}-linux_x86_64"))
            .write(&v3);
    }
    WheelSpec::pure("numpy", "1.26.4")
        .tag("cp311-cp311-linux_x86_64")
        .write(&generic);
    WheelSpec::pure("scipy", "1.14.0")
        .tag("cp312-cp312-linux_x86_64")
        .write(&v4);
    WheelSpec::pure("six", "1.17.0").write(&generic);
    let mut dateutil = WheelSpec::pure("python_dateutil", "2.9.0.post0");
    dateutil.requires_python = Some(">=2.7, !=3.0.*".into());
    dateutil.write(&generic);
    WheelSpec::pure("netCDF4", "1.7.2").write(&generic);
    let hostile = WheelSpec::pure(HOSTILE, "1.0").write(&generic);
    assert!(hostile.is_file());
    let out = wheelhouse().arg("index").arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    root
}

const PACKAGES: [&str; 6] = [
    "netcdf4",
    "numpy",
    "python-dateutil",
    "scipy",
    "six",
    "x<img src=x onerror=alert(1)>\"'<b>bold",
];

fn target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target")
}

/// The `data-name` of every row the browser shows (laid out: not `hidden`).
fn visible_rows(browser: &Browser) -> Vec<String> {
    let rows = browser.script(
        "return Array.from(document.querySelectorAll('#packages tbody tr'))\
         .filter(function(r){return r.offsetParent!==null;})\
         .map(function(r){return r.getAttribute('data-name');});",
    );
    rows.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_search_box_filters_as_one_types_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let root = site(tmp.path());
    let server = Server::start(&root, &tmp.path().join("log"));
    let browser = Browser::start(true);
    browser.goto(&server.url("/"));
    assert_eq!(browser.title(), "Available Python wheels");
    // The hostile name is a row like any other, as text: no element was made of it, no
    // handler ran (an alert would fail every later WebDriver command).
    assert_eq!(visible_rows(&browser), PACKAGES);
    assert_eq!(browser.script("return document.images.length;"), 0);
    assert_eq!(
        browser.script("return document.querySelectorAll('b').length;"),
        0
    );
    let box_ = browser.find("#q");
    assert!(browser.displayed(&box_), "the script shows the search box");
    let count = browser.find("#count");
    assert_eq!(browser.text(&count), "6 packages");
    let shot = target_dir().join("wheels-page.png");
    browser.screenshot(&shot);

    browser.type_into(&box_, "nu");
    assert_eq!(visible_rows(&browser), ["numpy"]);
    assert_eq!(browser.text(&count), "1 of 6 packages match");
    browser.screenshot(&target_dir().join("wheels-page-search.png"));
    browser.type_into(&box_, "x");
    assert!(visible_rows(&browser).is_empty());
    browser.clear(&box_);
    // clear() fires no input event in every browser: type to refilter.
    browser.type_into(&box_, "Python_DateUtil");
    assert_eq!(
        visible_rows(&browser),
        ["python-dateutil"],
        "case and separators ignored"
    );
    browser.clear(&box_);
    browser.type_into(&box_, "date util");
    assert_eq!(visible_rows(&browser), ["python-dateutil"]);
    browser.clear(&box_);
    browser.type_into(&box_, "NetCDF");
    assert_eq!(visible_rows(&browser), ["netcdf4"]);
    browser.clear(&box_);
    browser.type_into(&box_, "onerror");
    assert_eq!(visible_rows(&browser), [PACKAGES[5]]);
    browser.clear(&box_);
    browser.type_into(&box_, " ");
    assert_eq!(visible_rows(&browser).len(), 6, "an empty search shows all");

    // The row: versions newest first, their Pythons, the CPU levels, the lines to type.
    let numpy = browser.find("tr[data-name=numpy]");
    let row = browser.text(&numpy);
    for part in [
        "2.0.1+computecanada, 1.26.4",
        "cp312, cp311",
        " all ",
        "avail_wheels numpy",
        "wheelhouse install numpy",
    ] {
        assert!(row.contains(part), "{part} in {row}");
    }
    let scipy = browser.text(&browser.find("tr[data-name=scipy]"));
    assert!(
        scipy.contains("x86-64-v4") && !scipy.contains("x86-64-v3"),
        "{scipy}"
    );

    // `?q=` fills the box (a link a documentation page can give).
    browser.goto(&server.url("/?q=six"));
    assert_eq!(visible_rows(&browser), ["six"]);

    // The package's link leads to its versions.
    browser.goto(&server.url("/"));
    let link = browser.find("tr[data-name=numpy] a");
    assert_eq!(
        browser.property(&link, "href").unwrap(),
        server.url("/wheels/numpy.html")
    );
    browser.goto(&server.url("/wheels/numpy.html"));
    assert_eq!(browser.title(), "numpy — available Python wheels");
    let rows: Vec<String> = browser
        .find_all("tbody tr")
        .iter()
        .map(|r| browser.text(r))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].starts_with("2.0.1+computecanada cp312, cp311 x86-64-v3"),
        "{rows:?}"
    );
    assert!(rows[1].starts_with("1.26.4 cp311 all"), "{rows:?}");
    browser.screenshot(&target_dir().join("wheels-page-numpy.png"));
    // The hostile package's page: its wheel link works, nothing of it became markup.
    let hostile = browser.script(&format!(
        "return encodeURIComponent({});",
        serde_json::to_string(PACKAGES[5]).unwrap()
    ));
    browser.goto(&server.url(&format!("/wheels/{}.html", hostile.as_str().unwrap())));
    assert_eq!(browser.script("return document.images.length;"), 0);
    let wheel = browser.find("tbody a");
    let href = browser.property(&wheel, "href").unwrap();
    let path = href.strip_prefix(&server.url("")).unwrap();
    let (status, _, body) = get(&server.addr, path, "");
    assert_eq!(status, 200, "{href}");
    assert!(body.starts_with(b"PK"), "the wheel itself");
}

#[test]
fn without_javascript_the_table_lists_every_package() {
    let tmp = tempfile::tempdir().unwrap();
    let root = site(tmp.path());
    let server = Server::start(&root, &tmp.path().join("log"));
    let browser = Browser::start(false);
    browser.goto(&server.url("/"));
    let rows = browser.find_all("#packages tbody tr");
    assert_eq!(rows.len(), PACKAGES.len());
    for (row, name) in rows.iter().zip(PACKAGES) {
        assert!(browser.displayed(row), "{name}");
        assert_eq!(browser.attribute(row, "data-name").as_deref(), Some(name));
    }
    // The script did not run: the box it would show stays hidden, the count empty.
    assert!(!browser.displayed(&browser.find("#search")));
    assert_eq!(browser.text(&browser.find("#count")), "");
    let note = browser.text(&browser.find("noscript p"));
    assert!(note.contains("Ctrl-F"), "{note}");
    browser.screenshot(&target_dir().join("wheels-page-nojs.png"));
}

/// The static tree holds the same pages as `serve` answers, at OUT/index.html and
/// OUT/wheels/<project>.html; a package no longer published loses its page.
#[test]
fn index_html_writes_the_pages_serve_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let root = site(tmp.path());
    let out_dir = tmp.path().join("out");
    let out = wheelhouse()
        .arg("index")
        .arg(&root)
        .arg("--html")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "every package, with a search box: {}",
            out_dir.canonicalize().unwrap().join("index.html").display()
        )),
        "{}",
        text(&out)
    );
    let page = std::fs::read(out_dir.join("index.html")).unwrap();
    let server = Server::start(&root, &tmp.path().join("log"));
    let (status, head, body) = get(&server.addr, "/", "");
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert_eq!(body, page, "the same page from index --html and serve");
    assert_eq!(get(&server.addr, "/index.html", "").2, page);
    let numpy = std::fs::read(out_dir.join("wheels/numpy.html")).unwrap();
    assert_eq!(get(&server.addr, "/wheels/numpy.html", "").2, numpy);
    assert_eq!(get(&server.addr, "/wheels/nothere.html", "").0, 404);
    assert_eq!(get(&server.addr, "/wheels/numpy", "").0, 404);
    // Every package is in the plain HTML, escaped.
    let html = String::from_utf8(page).unwrap();
    for name in &PACKAGES[..5] {
        assert!(
            html.contains(&format!("<tr data-name=\"{name}\">")),
            "{name}"
        );
    }
    assert!(html.contains("x&lt;img src=x onerror=alert(1)&gt;&quot;'&lt;b&gt;bold"));
    assert!(!html.contains("<img") && !html.contains("<b>"));
    // The package links resolve in the static tree too.
    for href in html.split("href=\"wheels/").skip(1) {
        let file = href.split('"').next().unwrap();
        let decoded = percent_decode(file);
        assert!(out_dir.join("wheels").join(&decoded).is_file(), "{decoded}");
    }
    drop(server);

    // six unpublished: its page goes, the list no longer names it.
    for entry in std::fs::read_dir(root.join("gentoo2023/generic")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("six-")
        {
            std::fs::remove_file(path).unwrap();
        }
    }
    let out = wheelhouse()
        .arg("index")
        .arg(&root)
        .arg("--html")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!out_dir.join("wheels/six.html").exists());
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(!html.contains("data-name=\"six\""));
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The page's size and load time on a large wheelhouse (bench/wheels-page.sh runs it on the
/// 40,000-wheel tree): `WHEELS_PAGE_BENCH=WHEELHOUSE cargo test -p wheelhouse --test
/// wheels_page -- --ignored`. Prints one JSON line per load and for the searches.
#[test]
#[ignore]
fn bench_page_load_and_search() {
    let Some(root) = std::env::var_os("WHEELS_PAGE_BENCH") else {
        panic!("set WHEELS_PAGE_BENCH to a wheelhouse with a catalog (bench/wheels-page.sh)");
    };
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(Path::new(&root), &tmp.path().join("log"));
    let (_, _, page) = get(&server.addr, "/", "");
    report!("{{\"page_bytes\": {}}}", page.len());
    let browser = Browser::start(true);
    for run in 0..6 {
        // A new address each time: no cached copy.
        browser.goto(&server.url(&format!("/?run={run}")));
        // The navigation command may return before a slow load ends.
        while browser.script("return document.readyState;") != "complete" {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let timing = browser.script(
            "var n=performance.getEntriesByType('navigation')[0];\
             var p=performance.getEntriesByType('paint').filter(function(e){return e.name==='first-contentful-paint';});\
             return {response_end:n.responseEnd, dom_content_loaded:n.domContentLoadedEventEnd,\
             load:n.loadEventEnd, first_contentful_paint:p.length?p[0].startTime:null,\
             transfer_bytes:n.transferSize, rows:document.querySelectorAll('#packages tbody tr').length};",
        );
        report!("{{\"run\": {run}, \"timing\": {timing}}}");
    }
    let searches = browser.script(
        "var box=document.getElementById('q'),out={};\
         ['n','nu','num','numpy','','cdf',''].forEach(function(q,i){\
           box.value=q;var t=performance.now();box.dispatchEvent(new Event('input'));\
           document.body.offsetHeight;out[i+':'+q]=performance.now()-t;});\
         return out;",
    );
    report!("{{\"search_ms\": {searches}}}");
    let box_ = browser.find("#q");
    browser.clear(&box_);
    let started = std::time::Instant::now();
    browser.type_into(&box_, "numpy");
    let typed = started.elapsed();
    let shown = visible_rows(&browser);
    report!(
        "{{\"typed_numpy_webdriver_ms\": {}, \"rows_shown\": {}}}",
        typed.as_millis(),
        shown.len()
    );
    browser.screenshot(&target_dir().join("wheels-page-40k.png"));
}
