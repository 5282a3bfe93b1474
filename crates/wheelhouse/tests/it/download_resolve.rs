//! `wheelhouse download` following dependencies: the resolver over an index made here and
//! served on 127.0.0.1 (`tests/it/common/index.rs`), compared with pip where pip runs.

use crate::common::index::{
    backtracking_index, download, listed, repeated_requests, wheels_in, with_metadata, Index,
};
use crate::common::{stderr, stdout, Site, WheelSpec};

/// Where pip must backtrack, so must we: `b` wants `c>=1.5, d>=2`; the newest `a` wants
/// `c<2` (fine: c 1.9) and `d==1.0` (a clash: an older `a` it is). Taking the newest of each
/// name in the order met fails here. pip 24.2 against the same index chooses the same files.
#[test]
fn dependencies_are_resolved_with_backtracking_as_pip() {
    let site = Site::new();
    let index = backtracking_index(&site.path("index"), ["a", "b", "c", "d"]);
    let out = download(
        &site,
        &index.url,
        &["b", "a", "other; python_version < '3'", "-d", "ours"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let expected = [
        "a-1.0-py3-none-any.whl",
        "b-1.0-py3-none-any.whl",
        "c-1.9-py3-none-any.whl",
        "d-2.1-py3-none-any.whl",
    ];
    // a 2.0's METADATA was read by a range request, the wheel itself never fetched: nothing
    // of it beside the chosen ones.
    assert_eq!(wheels_in(&site.path("ours")), expected);
    let log = index.requests();
    assert!(
        log.contains("GET /files/a-2.0-py3-none-any.whl range=bytes=-"),
        "{log}"
    );
    assert!(
        !log.contains("GET /files/a-2.0-py3-none-any.whl\n"),
        "{log}"
    );
    assert!(
        log.contains("GET /files/c-1.9-py3-none-any.whl.metadata\n"),
        "{log}"
    );
    assert!(
        !log.contains("GET /files/a-1.0-py3-none-any.whl.metadata"),
        "{log}"
    );
    // Every page, metadata file and wheel asked for once, over all the rounds.
    assert_eq!(repeated_requests(&log), Vec::<String>::new(), "{log}");
    std::fs::remove_file(index.root.join("requests.log")).unwrap();
    let pip = site
        .command(test_support::tools_python())
        .args([
            "-m",
            "pip",
            "download",
            "--index-url",
            &format!("{}/", index.url),
        ])
        .args([
            "--dest",
            "pips",
            "--only-binary=:all:",
            "--python-version",
            "3.11",
        ])
        .args(["b", "a"])
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .output()
        .unwrap();
    assert!(pip.status.success(), "{}", stderr(&pip));
    assert_eq!(wheels_in(&site.path("pips")), expected);
}

/// A true conflict: no choice satisfies both, and the message names both requirements.
#[test]
fn a_true_conflict_names_both_requirements() {
    let site = Site::new();
    let index = Index::new(
        &site.path("index"),
        &[
            (
                "left",
                vec![with_metadata(
                    WheelSpec::pure("left", "1.0").requires("shared<2"),
                )],
            ),
            (
                "right",
                vec![listed(
                    WheelSpec::pure("right", "1.0").requires("shared>=2"),
                )],
            ),
            (
                "shared",
                vec![
                    with_metadata(WheelSpec::pure("shared", "1.0")),
                    with_metadata(WheelSpec::pure("shared", "2.0")),
                ],
            ),
        ],
        false,
    );
    let dest = site.path("out");
    let out = download(
        &site,
        &index.url,
        &["left", "right", "-d", dest.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("shared<2") && err.contains("shared>=2"),
        "{err}"
    );
    assert!(err.contains("left") && err.contains("right"), "{err}");
    // Advice for an index, not for the wheelhouse.
    assert!(
        err.contains("pin versions the index has") && !err.contains("avail_wheels"),
        "{err}"
    );
    // Nothing is saved when nothing is chosen, not even the wheel read for its METADATA.
    assert!(wheels_in(&dest).is_empty(), "{:?}", wheels_in(&dest));
}

/// Names are found in rounds, as metadata names them: a chain three deep, an extra's
/// dependency, and a dependency whose page was not fetched yet when the newest `top` was
/// first considered (choosing the older `top`, which needs nothing, would be wrong).
#[test]
fn names_are_found_in_rounds_through_extras_and_chains() {
    let site = Site::new();
    let index = Index::new(
        &site.path("index"),
        &[
            (
                "top",
                vec![
                    listed(
                        WheelSpec::pure("top", "2.0")
                            .requires("mid")
                            .requires("plot; extra == 'viz'")
                            .requires("never; extra == 'other'")
                            .provides("viz")
                            .provides("other"),
                    ),
                    listed(WheelSpec::pure("top", "1.0")),
                ],
            ),
            (
                "mid",
                vec![with_metadata(
                    WheelSpec::pure("mid", "1.0").requires("low>=1"),
                )],
            ),
            ("low", vec![listed(WheelSpec::pure("low", "1.2"))]),
            ("plot", vec![listed(WheelSpec::pure("plot", "0.5"))]),
            ("never", vec![listed(WheelSpec::pure("never", "1.0"))]),
        ],
        true,
    );
    let out = download(&site, &index.url, &["top[viz]", "-d", "w"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        wheels_in(&site.path("w")),
        [
            "low-1.2-py3-none-any.whl",
            "mid-1.0-py3-none-any.whl",
            "plot-0.5-py3-none-any.whl",
            "top-2.0-py3-none-any.whl",
        ]
    );
    // An extra nobody asked for is not looked up.
    let log = index.requests();
    assert!(!log.contains("never"), "{log}");
    assert_eq!(repeated_requests(&log), Vec::<String>::new(), "{log}");
}

/// A dependency the index does not have: the error names it and who needs it.
#[test]
fn a_missing_dependency_is_named_with_who_needs_it() {
    let site = Site::new();
    let index = Index::new(
        &site.path("index"),
        &[(
            "needy",
            vec![listed(WheelSpec::pure("needy", "1.0").requires("ghost>=1"))],
        )],
        true,
    );
    let dest = site.path("out");
    let out = download(&site, &index.url, &["needy", "-d", dest.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("needy 1.0 requires ghost>=1"), "{err}");
    assert!(
        err.contains("no wheel of ghost (from a dependency) for CPython 3.11")
            && err.contains("/simple/ghost/ (not found)"),
        "{err}"
    );
    assert!(wheels_in(&dest).is_empty(), "{:?}", wheels_in(&dest));
}
