//! Arbitrary input never makes `render` panic, in any format.

use proptest::prelude::*;
use table::{render, Format};

/// Arbitrary Unicode, or text built from the characters tabulate reacts to (digits and
/// number punctuation, escape codes, the separator marker, line breaks, Python-only
/// whitespace).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9.,_eE+\\- a\u{3000}\u{1c}\u{660}\x1b\\[\\]m;8\\\\\x01\n\r\t]{0,10}",
        prop::sample::select(vec![
            "2.0",
            "1.10",
            "007",
            "1,000",
            "inf",
            "nan",
            "True",
            "\x1b[31m007\x1b[0m",
            "\x01",
            ""
        ])
        .prop_map(str::to_string),
    ]
}

fn table() -> impl Strategy<Value = (Vec<String>, Vec<Vec<Option<String>>>)> {
    (
        prop::collection::vec(text(), 0..5),
        prop::collection::vec(prop::collection::vec(prop::option::of(text()), 0..6), 0..8),
    )
}

fn formats() -> impl Iterator<Item = Format> {
    Format::NAMES
        .iter()
        .map(|name| Format::from_name(name).expect("every name parses"))
}

proptest! {
    #[test]
    fn never_panics((headers, rows) in table()) {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        for format in formats() {
            let out = render(&headers, &rows, format);
            if headers.is_empty() && rows.is_empty() {
                prop_assert_eq!(out, "");
            }
        }
    }

    #[test]
    fn simple_tables_have_one_line_per_row(
        headers in prop::collection::vec("[a-z]{1,6}", 1..5),
        rows in prop::collection::vec(prop::collection::vec("[a-z0-9.]{1,6}", 4), 0..8),
    ) {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let rows: Vec<Vec<Option<String>>> =
            rows.into_iter().map(|r| r[..headers.len()].iter().cloned().map(Some).collect()).collect();
        let out = render(&headers, &rows, Format::Simple);
        prop_assert_eq!(out.lines().count(), rows.len() + 2);
    }
}
