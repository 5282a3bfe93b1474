//! Shared helpers for the example tests (`behaviour`, `formats`).

use table::{render, Format};

/// Renders `rows` and compares with tabulate's output, given line by line.
pub fn assert_table(headers: &[&str], rows: &[&[Option<&str>]], format: Format, expected: &[&str]) {
    let rows: Vec<Vec<Option<String>>> = rows
        .iter()
        .map(|r| r.iter().map(|c| c.map(str::to_string)).collect())
        .collect();
    let ours = render(headers, &rows, format);
    let expected = expected.join("\n");
    assert!(ours == expected, "{format:?} differs from tabulate\n--- tabulate\n{expected}\n--- ours\n{ours}\n---\n{ours:?}");
}
