//! The index client every command shares ([`download::IndexSource`]), against a real HTTP
//! index on 127.0.0.1 that logs each answer and its bytes: METADATA of a remote wheel costs
//! only its bytes (range requests), a server without ranges costs one whole fetch that a
//! later fetch of the same file reuses, and a second resolve costs no transfers.

use std::path::Path;

use crate::support::{noise, sha256, Server};
use download::{
    Client, ErrorKind, FileEntry, HttpSettings, IndexSource, IndexStrategy, PageOrigin,
};
use test_support::WheelSpec;

fn client() -> Client {
    Client::new(&HttpSettings {
        timeout: std::time::Duration::from_secs(10),
        ..HttpSettings::default()
    })
    .unwrap()
}

fn source(server: &Server, cache: Option<&Path>, scratch: &Path) -> IndexSource {
    IndexSource::new(client(), vec![server.url.clone()], cache, scratch)
}

/// A 1 MiB wheel of `name` `version` requiring `needs`.
fn big(name: &str, version: &str, needs: &str) -> WheelSpec {
    WheelSpec::pure(name, version)
        .requires(needs)
        .file(&format!("{name}/blob.bin"), &noise(1 << 20, 7))
}

fn file_of<'a>(project: &'a download::Project, name: &str) -> &'a FileEntry {
    project
        .files
        .iter()
        .find(|f| f.filename == name)
        .unwrap_or_else(|| panic!("{name} in {:?}", project.files))
}

#[test]
fn metadata_by_range_requests_costs_only_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::new(
        &dir.path().join("index"),
        &[(
            "big",
            vec![
                (big("big", "1.0", "six>=1"), false),
                (big("big", "2.0", "six>=2"), false),
            ],
        )],
    );
    let scratch = dir.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let source = source(&server, None, &scratch);
    let project = source.project("BIG").unwrap();
    assert_eq!(project.files.len(), 2);
    let text = source
        .metadata(file_of(&project, "big-2.0-py3-none-any.whl"))
        .unwrap();
    assert!(text.contains("Requires-Dist: six>=2"), "{text}");
    let wheel = std::fs::metadata(server.file("big-2.0-py3-none-any.whl"))
        .unwrap()
        .len();
    let answers = server.answers();
    let on_wheel: Vec<_> = answers
        .iter()
        .filter(|a| a.path.ends_with("big-2.0-py3-none-any.whl"))
        .collect();
    // Only ranges (206), at most three, adding up to a few kilobytes of a 1 MiB wheel.
    assert!(!on_wheel.is_empty() && on_wheel.len() <= 3, "{answers:?}");
    assert!(on_wheel.iter().all(|a| a.status == 206), "{answers:?}");
    let bytes: u64 = on_wheel.iter().map(|a| a.bytes).sum();
    assert!(
        bytes < 70_000 && bytes * 10 < wheel,
        "{bytes} of {wheel}: {answers:?}"
    );
    // The other version was never touched, and nothing was written anywhere.
    assert!(
        !answers.iter().any(|a| a.path.contains("big-1.0")),
        "{answers:?}"
    );
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
    eprintln!(
        "measured: METADATA of a {wheel}-byte wheel by ranges: {} requests, {bytes} bytes",
        on_wheel.len()
    );
}

#[test]
fn pep_658_metadata_is_preferred_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::new(
        &dir.path().join("index"),
        &[("big", vec![(big("big", "1.0", "six"), true)])],
    );
    let source = source(&server, None, dir.path());
    let project = source.project("big").unwrap();
    let file = &project.files[0];
    assert_eq!(file.metadata.as_ref().map(Option::is_some), Some(true));
    assert!(source
        .metadata(file)
        .unwrap()
        .contains("Requires-Dist: six"));
    let answers = server.answers();
    assert!(
        answers.iter().all(|a| !a.path.ends_with(".whl")),
        "{answers:?}"
    );
    // A metadata file that does not match its hash is refused.
    std::fs::write(
        server.file("big-1.0-py3-none-any.whl.metadata"),
        "Metadata-Version: 2.1\nName: big\nVersion: 1.0\nRequires-Dist: evil\n",
    )
    .unwrap();
    let again = source_fresh(&server, dir.path());
    let project = again.project("big").unwrap();
    let err = again.metadata(&project.files[0]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
}

fn source_fresh(server: &Server, scratch: &Path) -> IndexSource {
    source(server, None, scratch)
}

#[test]
fn without_range_support_one_whole_fetch_serves_metadata_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::new(
        &dir.path().join("index"),
        &[("big", vec![(big("big", "1.0", "six"), false)])],
    );
    server.without_ranges();
    let cache = dir.path().join("cache");
    let dest = dir.path().join("dest");
    std::fs::create_dir_all(&dest).unwrap();
    let name = "big-1.0-py3-none-any.whl";
    {
        let source = source(&server, Some(&cache), &dest);
        let project = source.project("big").unwrap();
        let file = file_of(&project, name);
        assert!(source
            .metadata(file)
            .unwrap()
            .contains("Requires-Dist: six"));
        // Fetched whole once (the answer to the range request), aside, not in the destination.
        assert!(std::fs::read_dir(&dest).unwrap().next().is_none());
        let fetched = source.fetch(file, &dest.join(name)).unwrap();
        assert!(!fetched.already);
        let on_wheel: Vec<_> = server
            .answers()
            .into_iter()
            .filter(|a| a.path.ends_with(name))
            .collect();
        assert_eq!(on_wheel.len(), 1, "{on_wheel:?}");
        assert_eq!(on_wheel[0].status, 200);
        assert_eq!(
            sha256(&std::fs::read(dest.join(name)).unwrap()),
            sha256(&std::fs::read(server.file(name)).unwrap())
        );
    }
    // The scratch directory went with the source.
    let tmp = cache.join("index-v1/tmp");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_second_resolve_costs_no_transfers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::new(
        &dir.path().join("index"),
        &[
            (
                "big",
                vec![
                    (big("big", "1.0", "six"), false),
                    (big("big", "2.0", "six"), true),
                ],
            ),
            ("six", vec![(WheelSpec::pure("six", "1.17.0"), false)]),
        ],
    );
    let cache = dir.path().join("cache");
    let resolve = |expected: PageOrigin| {
        let source = source(&server, Some(&cache), dir.path());
        for name in ["big", "six", "absent"] {
            let project = source.project(name).unwrap();
            assert!(
                project
                    .pages
                    .iter()
                    .all(|p| p.origin == expected || !p.found),
                "{name}: {:?}",
                project.pages
            );
            for file in &project.files {
                source.metadata(file).unwrap();
            }
        }
        source.transfers()
    };
    // Without Cache-Control: kept pages are revalidated (304, no body), metadata is reused.
    let first = resolve(PageOrigin::Fetched);
    assert!(first.requests >= 6, "{first:?}");
    let answers_first = server.answers().len();
    let second = resolve(PageOrigin::Revalidated);
    let again: Vec<_> = server.answers().into_iter().skip(answers_first).collect();
    // The absent project's 404 is asked again (nothing to revalidate it by); the two pages
    // that exist are 304s; no metadata and no file.
    assert!(
        again.iter().all(|a| a.status == 304 || a.status == 404),
        "{again:?}"
    );
    assert_eq!(
        again.iter().filter(|a| a.status == 304).count(),
        2,
        "{again:?}"
    );
    assert_eq!(second.not_modified, 2, "{second:?}");
    assert!(again
        .iter()
        .filter(|a| a.status == 304)
        .all(|a| a.bytes == 0));
    // With a max-age, the pages are fresh: not even a request, except the 404 (kept now).
    server.cache_control("max-age=600");
    server.clear();
    let _ = resolve(PageOrigin::Revalidated);
    server.clear();
    let third = resolve(PageOrigin::Cache);
    assert_eq!(third.requests, 0, "{third:?} {:?}", server.answers());
    assert!(server.answers().is_empty(), "{:?}", server.answers());
    eprintln!(
        "measured: first resolve {} requests, {} bytes; second (304s) {} requests, {} bytes; \
         fresh max-age: {} requests",
        first.requests, first.bytes, second.requests, second.bytes, third.requests
    );
}

#[test]
fn a_kept_page_that_does_not_parse_is_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::new(
        &dir.path().join("index"),
        &[("six", vec![(WheelSpec::pure("six", "1.17.0"), false)])],
    );
    server.cache_control("max-age=600");
    let cache = dir.path().join("cache");
    source(&server, Some(&cache), dir.path())
        .project("six")
        .unwrap();
    let pages = cache.join("index-v1/pages");
    let kept: Vec<_> = std::fs::read_dir(&pages).unwrap().flatten().collect();
    assert_eq!(kept.len(), 1);
    for garbage in [&b"{\"url\": 1}\n<a"[..], b"\xff\xff\xff", b""] {
        std::fs::write(kept[0].path(), garbage).unwrap();
        server.clear();
        let project = source(&server, Some(&cache), dir.path())
            .project("six")
            .unwrap();
        assert_eq!(project.files.len(), 1);
        assert_eq!(project.pages[0].origin, PageOrigin::Fetched);
    }
    // A header that names the page but a body that is not one (JSON said, garbage given).
    let url = format!("{}/six/", server.url);
    let head = serde_json::json!({"url": url, "status": 200,
        "content_type": "application/vnd.pypi.simple.v1+json", "fresh_until": u64::MAX});
    std::fs::write(kept[0].path(), format!("{head}\n{{not json")).unwrap();
    let project = source(&server, Some(&cache), dir.path())
        .project("six")
        .unwrap();
    assert_eq!(project.files.len(), 1);
    assert_eq!(project.pages[0].origin, PageOrigin::Fetched);
}

#[test]
fn an_unreachable_index_is_named() {
    // A port nothing listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/simple");
    let dir = tempfile::tempdir().unwrap();
    let source = IndexSource::new(client(), vec![url.clone()], None, dir.path());
    let err = source.project("numpy").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert_eq!(err.unreachable_index(), Some(url.as_str()));
    assert!(err.to_string().contains(&format!("{url}/numpy/")), "{err}");
}

#[test]
fn strategies_choose_whose_files_are_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let one = Server::new(
        &dir.path().join("one"),
        &[("six", vec![(WheelSpec::pure("six", "1.16.0"), false)])],
    );
    let two = Server::new(
        &dir.path().join("two"),
        &[
            ("six", vec![(WheelSpec::pure("six", "1.17.0"), false)]),
            (
                "only-two",
                vec![(WheelSpec::pure("only-two", "1.0"), false)],
            ),
        ],
    );
    let source = IndexSource::new(
        client(),
        vec![one.url.clone(), two.url.clone()],
        None,
        dir.path(),
    );
    let six = source.project("six").unwrap();
    let names = |files: Vec<&FileEntry>| -> Vec<String> {
        files.iter().map(|f| f.filename.clone()).collect()
    };
    assert_eq!(
        names(six.candidates(IndexStrategy::FirstMatch)),
        ["six-1.16.0-py3-none-any.whl"]
    );
    assert_eq!(
        names(six.candidates(IndexStrategy::BestMatch)),
        ["six-1.16.0-py3-none-any.whl", "six-1.17.0-py3-none-any.whl"]
    );
    let only = source.project("only_two").unwrap();
    assert_eq!(
        names(only.candidates(IndexStrategy::FirstMatch)),
        ["only_two-1.0-py3-none-any.whl"]
    );
    assert_eq!(only.files[0].index, 1);
    assert!(!only.pages[0].found && only.pages[1].found);
    assert!(!IndexStrategy::FirstMatch.asks_indexes(true));
    assert!(IndexStrategy::FirstMatch.asks_indexes(false));
    assert!(IndexStrategy::BestMatch.asks_indexes(true));
    assert_eq!(
        IndexStrategy::parse("unsafe-best-match"),
        Some(IndexStrategy::BestMatch)
    );
    assert_eq!(IndexStrategy::parse("nope"), None);
}
