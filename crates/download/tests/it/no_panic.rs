//! An index's pages are untrusted: whatever bytes come back as HTML or JSON, parsing them
//! never panics (it may only refuse).

use proptest::prelude::*;

fn page() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<Vec<u8>>(),
        prop::collection::vec(
            prop::sample::select(vec![
                "<a href=\"",
                "\">",
                "</a>",
                "<a href=../../f/x-1.0-py3-none-any.whl#sha256=ab",
                " data-requires-python=\"&gt;=3\"",
                " data-dist-info-metadata=\"sha256=00\"",
                " data-core-metadata=\"true\"",
                " data-yanked",
                "&amp;&#x3c;&#99999999;&",
                "{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [",
                "{\"filename\": \"x-1.0-py3-none-any.whl\", \"url\": \"",
                "\"hashes\": {\"sha256\": \"ab\"}",
                "\"requires-python\": 3",
                "\"core-metadata\": {\"sha256\": 1}",
                "\"yanked\": \"why\"",
                "]}",
                "\u{0}",
                "%zz%",
                "é",
                "../",
                "//host/",
                "#",
            ]),
            0..40,
        )
        .prop_map(|parts| parts.concat().into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn index_pages_never_panic(bytes in page(), base in "(https?://[a-z.]{1,10}(:[0-9]{1,6})?)?/[a-z/]{0,10}") {
        for kind in ["text/html", "application/vnd.pypi.simple.v1+json", "application/json", ""] {
            let _ = download::parse(&base, kind, &bytes);
        }
    }

    #[test]
    fn joining_urls_never_panics(base in ".{0,40}", href in ".{0,40}") {
        let _ = download::join(&base, &href);
    }
}
