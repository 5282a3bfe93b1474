//! The human page of the wheelhouse ("Available Python wheels"): every package with its
//! versions, the Pythons and CPU levels each version exists for, and the line to type; a
//! search box filters the rows as one types. `wheelhouse index --html OUT` writes it as
//! `OUT/index.html` with one page per package in `OUT/wheels/<project>.html`, and `serve`
//! answers the same bytes at `/` (and `/index.html`) and `/wheels/<project>.html`.
//!
//! Every link is relative, so the same pages work in the static tree, over `serve` and from
//! `file://`. Names and versions come from wheel file names, which anyone able to write to the
//! wheelhouse chooses: every one is HTML-escaped where it is text or an attribute, and
//! percent-encoded where it is a URL. The inline script reads the table from the DOM and never
//! builds markup or code from it, so no file name can become script. Without JavaScript the
//! page is the plain table of every package (the search box stays hidden).

use std::collections::{BTreeMap, BTreeSet};

use loose_version::LooseVersion;
use wheel_name::WheelFilename;

use crate::levels::LevelProjects;
use crate::pages::{escape, url_path};

/// The directory of the per-package pages, next to `index.html`.
pub const PACKAGE_PAGES_DIR: &str = "wheels";

/// One version of a package, over every level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSummary {
    pub version: String,
    /// Python tags of its wheels (`cp311`, `py3`), as `avail_wheels` prints them, sorted.
    pub pythons: Vec<String>,
    /// The levels whose users can install it (a `generic` wheel is seen by every level).
    pub levels: Vec<String>,
    pub requires_python: Vec<String>,
    /// Its wheels: path relative to the wheelhouse root and size.
    pub files: Vec<(String, u64)>,
}

/// A package (PEP 503 normalised name) and its versions, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageSummary {
    pub name: String,
    pub versions: Vec<VersionSummary>,
}

/// Every package of every level, sorted by name, each version once.
pub fn summarize(levels: &[(String, LevelProjects)]) -> Vec<PackageSummary> {
    #[derive(Default)]
    struct Acc {
        pythons: BTreeSet<String>,
        levels: BTreeSet<String>,
        requires: BTreeSet<String>,
        files: BTreeMap<String, u64>,
    }
    let mut all: BTreeMap<&str, BTreeMap<&str, Acc>> = BTreeMap::new();
    for (level, projects) in levels {
        for (name, files) in projects {
            let versions = all.entry(name).or_default();
            for file in files {
                let acc = versions.entry(&file.version).or_default();
                acc.levels.insert(level.clone());
                if acc.files.insert(file.rel.clone(), file.size).is_some() {
                    continue;
                }
                if let Ok(parsed) = WheelFilename::parse(&file.filename) {
                    for python in parsed.python_column().split(',') {
                        acc.pythons.insert(python.to_string());
                    }
                }
                acc.requires.extend(file.requires_python.clone());
            }
        }
    }
    all.into_iter()
        .map(|(name, versions)| {
            let mut versions: Vec<(LooseVersion, VersionSummary)> = versions
                .into_iter()
                .map(|(version, acc)| {
                    let mut pythons: Vec<String> = acc.pythons.into_iter().collect();
                    pythons.sort_by_key(|p| std::cmp::Reverse(LooseVersion::parse(p)));
                    let summary = VersionSummary {
                        version: version.to_string(),
                        pythons,
                        levels: acc.levels.into_iter().collect(),
                        requires_python: acc.requires.into_iter().collect(),
                        files: acc.files.into_iter().collect(),
                    };
                    (LooseVersion::parse(version), summary)
                })
                .collect();
            versions.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.version.cmp(&b.1.version)));
            PackageSummary {
                name: name.to_string(),
                versions: versions.into_iter().map(|(_, v)| v).collect(),
            }
        })
        .collect()
}

/// The package list is a `<table>` (text browsers and screen readers get a table), laid out
/// as one flex row per package with `content-visibility: auto`: the browser lays out only the
/// rows on screen. As a real table layout, 2,500 rows took seconds to load and to show again
/// after a search on the 40,000-wheel tree; this way, tens of milliseconds (bench/README.md).
const STYLE: &str = "body{font:15px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:78em;padding:0 1em;color:#222}\
h1{font-size:1.5em;margin:.2em 0}\
table{border-collapse:collapse;width:100%;table-layout:fixed}\
th,td{text-align:left;vertical-align:top;padding:.3em .5em;border-bottom:1px solid #ddd;overflow-wrap:anywhere}\
th{background:#f3f3f3;position:sticky;top:0}\
td.v{font-size:.9em;color:#444}\
code{font:.9em ui-monospace,monospace;background:#f6f6f6;padding:.1em .3em;user-select:all;white-space:nowrap}\
td code{display:inline-block;margin:.1em 0;white-space:normal;overflow-wrap:anywhere}\
#search{margin:1em 0;font-size:1.1em}\
#q{font-size:1em;padding:.3em .5em;width:22em}\
.note{color:#555;font-size:.9em}\
#packages,#packages thead,#packages tbody{display:block}\
#packages thead{position:sticky;top:0;z-index:1}\
#packages tr{display:flex;content-visibility:auto;contain-intrinsic-size:auto 3em}\
#packages thead tr{content-visibility:visible}\
#packages tr[hidden]{display:none}\
#packages th,#packages td{display:block;min-width:0;flex:0 0 12%}\
#packages :is(th,td):nth-child(1){flex-basis:17%}\
#packages :is(th,td):nth-child(2){flex-basis:30%}\
#packages :is(th,td):nth-child(3){flex-basis:12%}\
#packages :is(th,td):nth-child(4){flex-basis:10%}\
#packages :is(th,td):nth-child(5){flex:1 1 31%}";

/// The inline search: filters the rows (their `data-name`, a normalised name) as one types,
/// case and separators (`-`, `_`, `.`, spaces) ignored, so `python_dateutil`, `dateutil` and
/// `scikit learn` all find their package; `?q=NAME` in the address fills the box. It reads
/// the DOM only.
const SCRIPT: &str = r#"(function(){
var form=document.getElementById('search'),box=document.getElementById('q'),count=document.getElementById('count');
var rows=document.getElementById('packages').tBodies[0].rows,names=[],shown=rows.length;
function norm(s){return s.toLowerCase().replace(/[-_.\s]+/g,'');}
for(var i=0;i<rows.length;i++)names.push(norm(rows[i].getAttribute('data-name')));
function apply(){
  var q=norm(box.value),n=0;
  for(var i=0;i<rows.length;i++){var on=names[i].indexOf(q)>=0;if(rows[i].hidden===on)rows[i].hidden=!on;if(on)n++;}
  shown=n;count.textContent=q?n+' of '+rows.length+' packages match':rows.length+' packages';
}
box.addEventListener('input',apply);
form.addEventListener('submit',function(e){e.preventDefault();apply();});
var m=/[?&]q=([^&#]*)/.exec(location.search);
if(m){try{box.value=decodeURIComponent(m[1].replace(/\+/g,' '));}catch(e){}}
form.hidden=false;apply();box.focus();
})();"#;

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\n<body>\n",
        escape(title)
    )
}

fn levels_cell(levels: &[String], all: &[String]) -> String {
    if !all.is_empty() && levels.len() == all.len() {
        format!("<span title=\"{}\">all</span>", escape(&all.join(", ")))
    } else {
        escape(&levels.join(", "))
    }
}

/// The main page: one row per package. `levels` are every level's name (linked to its
/// simple index for pip).
pub fn wheels_html(packages: &[PackageSummary], levels: &[String]) -> String {
    let wheels: usize = packages
        .iter()
        .flat_map(|p| &p.versions)
        .map(|v| v.files.len())
        .sum();
    let mut html = head("Available Python wheels");
    html.push_str("<h1>Available Python wheels</h1>\n<p class=\"note\">");
    html.push_str(&format!(
        "{} packages, {} wheels. CPU levels: ",
        packages.len(),
        wheels
    ));
    let links: Vec<String> = levels
        .iter()
        .map(|l| format!("<a href=\"{}/simple/\">{}</a>", url_path(l), escape(l)))
        .collect();
    html.push_str(&links.join(", "));
    html.push_str(
        " (each is a package index for pip: <code>pip install --index-url URL</code>). On the \
         cluster, <code>avail_wheels NAME --all-versions</code> lists what your Python and \
         CPU can install.</p>\n\
         <form id=\"search\" hidden><label for=\"q\">Search: </label>\
         <input id=\"q\" name=\"q\" type=\"search\" placeholder=\"package name, e.g. numpy\" \
         autocomplete=\"off\" autofocus> <span id=\"count\" class=\"note\"></span></form>\n\
         <noscript><p class=\"note\">Every package is listed below: use your browser's Find \
         (Ctrl-F) to search.</p></noscript>\n\
         <table id=\"packages\">\n<thead><tr><th>Package</th><th>Versions (newest first)</th><th>Pythons</th>\
         <th>CPU levels</th><th>To type</th></tr></thead>\n<tbody>\n",
    );
    for package in packages {
        let name = escape(&package.name);
        let mut pythons: Vec<&str> = Vec::new();
        let mut lv: BTreeSet<&str> = BTreeSet::new();
        for v in &package.versions {
            for p in &v.pythons {
                if !pythons.contains(&p.as_str()) {
                    pythons.push(p);
                }
            }
            lv.extend(v.levels.iter().map(String::as_str));
        }
        pythons.sort_by_key(|p| std::cmp::Reverse(LooseVersion::parse(p)));
        let lv: Vec<String> = lv.into_iter().map(str::to_string).collect();
        let versions: Vec<&str> = package
            .versions
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        html.push_str(&format!(
            "<tr data-name=\"{name}\"><td><a href=\"{PACKAGE_PAGES_DIR}/{}.html\">{name}</a></td>\
             <td class=\"v\">{}</td><td>{}</td><td>{}</td>\
             <td><code>avail_wheels {name}</code> <code>wheelhouse install {name}</code></td></tr>\n",
            escape(&url_path(&package.name)),
            escape(&versions.join(", ")),
            escape(&pythons.join(", ")),
            levels_cell(&lv, levels),
        ));
    }
    html.push_str("</tbody>\n</table>\n<script>");
    html.push_str(SCRIPT);
    html.push_str("</script>\n</body>\n</html>\n");
    html
}

/// The page of one package: each version with its Pythons, CPU levels, `Requires-Python`
/// and wheels (linked under `../files/`).
pub fn package_page_html(package: &PackageSummary, levels: &[String]) -> String {
    let name = escape(&package.name);
    let mut html = head(&format!("{} — available Python wheels", package.name));
    html.push_str(&format!(
        "<p><a href=\"../index.html\">All packages</a></p>\n<h1>{name}</h1>\n\
         <p><code>avail_wheels {name} --all-versions</code> \
         <code>wheelhouse install {name}</code> \
         <code>pip install {name}</code></p>\n\
         <table>\n<colgroup><col style=\"width:13%\"><col style=\"width:14%\">\
         <col style=\"width:14%\"><col style=\"width:11%\"><col style=\"width:48%\"></colgroup>\n\
         <thead><tr><th>Version</th><th>Pythons</th><th>CPU levels</th>\
         <th>Requires-Python</th><th>Wheels</th></tr></thead>\n<tbody>\n"
    ));
    for v in &package.versions {
        let files: Vec<String> = v
            .files
            .iter()
            .map(|(rel, size)| {
                format!(
                    "<a href=\"../files/{}\">{}</a> <span class=\"note\">{}</span>",
                    escape(&url_path(rel)),
                    escape(rel),
                    human_size(*size)
                )
            })
            .collect();
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&v.version),
            escape(&v.pythons.join(", ")),
            levels_cell(&v.levels, levels),
            escape(&v.requires_python.join("; ")),
            files.join("<br>")
        ));
    }
    html.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    html
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{} kB", b >> 10),
        b => format!("{b} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::IndexFile;

    fn file(rel: &str, rp: Option<&str>) -> IndexFile {
        let filename = rel.rsplit('/').next().unwrap().to_string();
        let parsed = WheelFilename::parse(&filename).unwrap();
        IndexFile {
            rel: rel.into(),
            version: parsed.version_text().into(),
            filename,
            size: 2048,
            sha256: "ab".repeat(32),
            requires_python: rp.map(str::to_string),
            metadata_sha256: None,
        }
    }

    fn levels() -> Vec<(String, LevelProjects)> {
        let generic = file("generic/six-1.16.0-py2.py3-none-any.whl", Some(">=2.7"));
        let v3 = file(
            "gentoo2023/x86-64-v3/numpy-2.0.1+computecanada-cp311-cp311-linux_x86_64.whl",
            None,
        );
        let v3b = file(
            "gentoo2023/x86-64-v3/numpy-2.0.1+computecanada-cp312-cp312-linux_x86_64.whl",
            None,
        );
        let old = file(
            "gentoo2023/generic/numpy-1.26.4-cp39-cp39-linux_x86_64.whl",
            None,
        );
        let mut a = LevelProjects::new();
        a.insert("six".into(), vec![generic.clone()]);
        a.insert("numpy".into(), vec![old.clone()]);
        let mut b = LevelProjects::new();
        b.insert("six".into(), vec![generic]);
        b.insert("numpy".into(), vec![v3, v3b, old]);
        vec![("generic".into(), a), ("x86-64-v3".into(), b)]
    }

    #[test]
    fn versions_newest_first_with_their_pythons_and_levels() {
        let packages = summarize(&levels());
        let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["numpy", "six"]);
        let numpy = &packages[0];
        assert_eq!(numpy.versions[0].version, "2.0.1+computecanada");
        assert_eq!(numpy.versions[0].pythons, ["cp312", "cp311"]);
        assert_eq!(numpy.versions[0].levels, ["x86-64-v3"]);
        assert_eq!(numpy.versions[0].files.len(), 2);
        assert_eq!(numpy.versions[1].version, "1.26.4");
        assert_eq!(numpy.versions[1].levels, ["generic", "x86-64-v3"]);
        assert_eq!(
            numpy.versions[1].files.len(),
            1,
            "one file seen by two levels"
        );
        let six = &packages[1];
        assert_eq!(six.versions[0].pythons, ["py3", "py2"]);
        assert_eq!(six.versions[0].requires_python, [">=2.7"]);

        let all = vec!["generic".to_string(), "x86-64-v3".to_string()];
        let page = wheels_html(&packages, &all);
        assert!(
            page.contains("<tr data-name=\"numpy\"><td><a href=\"wheels/numpy.html\">numpy</a>")
        );
        assert!(page.contains("<td class=\"v\">2.0.1+computecanada, 1.26.4</td><td>cp312, cp311, cp39</td><td><span title=\"generic, x86-64-v3\">all</span></td>"));
        assert!(page.contains("<code>avail_wheels six</code> <code>wheelhouse install six</code>"));
        assert!(page.contains("<a href=\"x86-64-v3/simple/\">x86-64-v3</a>"));
        let numpy_page = package_page_html(numpy, &all);
        assert!(numpy_page
            .contains("<td>2.0.1+computecanada</td><td>cp312, cp311</td><td>x86-64-v3</td>"));
        assert!(numpy_page.contains("href=\"../files/gentoo2023/x86-64-v3/numpy-2.0.1%2Bcomputecanada-cp311-cp311-linux_x86_64.whl\""));
    }

    #[test]
    fn hostile_names_are_text() {
        let evil =
            "x<script>alert(1)&quot;\"'><img src=x onerror=alert(2)>-1.0<b>-py3-none-any.whl";
        let parsed = WheelFilename::parse(evil).expect("still a wheel name");
        let name = wheel_metadata::normalize_name(parsed.name());
        let mut projects = LevelProjects::new();
        projects.insert(
            name,
            vec![file(&format!("generic/{evil}"), Some("<script>"))],
        );
        let packages = summarize(&[("generic".into(), projects)]);
        for page in [
            wheels_html(&packages, &["generic".into()]),
            package_page_html(&packages[0], &["generic".into()]),
        ] {
            assert!(!page.contains("<img"), "{page}");
            assert!(!page.contains("<b>"), "{page}");
            assert_eq!(
                page.matches("<script").count(),
                page.matches("<script>(function").count()
            );
            assert!(page.contains("&lt;script&gt;alert(1)"), "{page}");
        }
    }
}
