//! Every format, on many generated tables, must print exactly what Python's tabulate 0.10.0
//! prints. The reference runs in the tools virtualenv (`scripts/setup-tools.sh`), once per
//! test, on all tables at once.

use serde_json::{json, Value};
use table::{render, Format};

type Rows = Vec<Vec<Option<String>>>;
type Case = (Vec<String>, Rows);

/// Prints each table in each of its formats; `null` where tabulate raises.
const TABULATE: &str = r#"
import json, sys, tabulate
assert tabulate.__version__ == "0.10.0", tabulate.__version__
data = json.load(sys.stdin)
def run(headers, rows, fmt):
    try:
        return tabulate.tabulate(rows, headers=headers, tablefmt=fmt)
    except Exception:
        return None
print(json.dumps({
    "formats": tabulate.tabulate_formats,
    "outputs": [[run(t["headers"], t["rows"], f) for f in t["formats"]] for t in data["tables"]],
}))
"#;

#[rustfmt::skip]
const HEADERS: &[&str] = &[
    "name", "version", "python", "arch", "localversion", "build", "abi", "platform", "", "ä", " x ", "<b>&", "a_b%",
];

/// Values of the kind avail_wheels prints, and the numeric spellings tabulate reacts to.
#[rustfmt::skip]
const VALUES: &[Option<&str>] = &[
    Some("numpy"), Some("netCDF4"), Some("h5netcdf"), Some("1.26.4"), Some("2.0"), Some("1.10"), Some("2020"),
    Some("0.4"), Some("1e5"), Some("computecanada"), None, Some(""), Some("cp311"), Some("py2,py3"),
    Some("x86-64-v3"), Some("generic"), Some("linux_x86_64"), Some("abi3"), Some("1"), Some("007"), Some("-3"),
    Some("inf"), Some("nan"), Some("ä"), Some("1.26.4, 1.25.0"), Some("2.0rc1"), Some("cp39, cp310"),
    Some("1,000"), Some("1,000.5"), Some(".5"), Some("True"), Some("False"), Some("1_000"), Some(" 3 "),
    Some("1.5e20"), Some("0.00001"), Some("0.0001"), Some("123456789"), Some("-0"), Some("2.50"),
    Some("0.1234567"), Some("x y"), Some("Infinity"), Some("+inf"), Some("-nan"), Some("NaN"), Some("1e400"),
    Some("12345678.9"), Some("١٢٣"), Some("１２"), Some("\u{3000}3"), Some("\u{1c}"), Some(" "), Some(".."),
    Some("<b>&\"'"), Some("$_^~%#{}\\"), Some("🐍"), Some("日本語"), Some("a\tb"), Some("+1,000.5"), Some("1e-5"),
    Some("999999.5"), Some("-1.5"), Some("0"), Some("00.70"),
];

/// Rare values: escape codes (which switch tabulate to its "invisible characters" mode) and
/// tabulate's separator marker.
#[rustfmt::skip]
const RARE: &[Option<&str>] = &[
    Some("\x1b[31m007\x1b[0m"), Some("\x1b[1m2.50\x1b[0m"), Some("\x1b[4mnumpy\x1b[0m"),
    Some("\x1b]8;;https://example.org\x1b\\link\x1b]8;;\x1b\\"), Some("\x01"), Some(" \x01 "),
];

/// Values with line breaks, only checked in the formats that print them inline.
#[rustfmt::skip]
const LINE_BREAKS: &[Option<&str>] = &[Some("a\nb"), Some("1.5\n"), Some("1,000\n"), Some("x\r")];

#[rustfmt::skip]
const ALPHABET: &[&str] = &["a", "Z", "0", "1", "7", ".", ",", "_", "-", "+", "e", "E", " ", "ä", "\u{3000}", "٣", "x", "%"];

/// A small deterministic generator, so every run checks the same tables.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }

    fn string(&mut self) -> String {
        (0..self.below(7))
            .map(|_| ALPHABET[self.below(ALPHABET.len())])
            .collect()
    }
}

fn generated_tables(count: usize, seed: u64) -> Vec<Case> {
    let mut rng = Lcg(seed);
    (0..count)
        .map(|t| {
            let columns = rng.below(6);
            let headers: Vec<String> = if rng.below(8) == 0 {
                Vec::new()
            } else {
                // Usually as many names as columns, sometimes one more or one fewer.
                let n = (columns + rng.below(3))
                    .saturating_sub(1)
                    .max(usize::from(columns == 0));
                (0..n)
                    .map(|_| HEADERS[rng.below(HEADERS.len())].to_string())
                    .collect()
            };
            let ragged = rng.below(6) == 0;
            // Half the tables keep one kind of value per column, so numeric columns are common.
            let homogeneous = t % 2 == 0;
            let kinds: Vec<usize> = (0..columns).map(|_| rng.below(VALUES.len())).collect();
            let rows = (0..rng.below(13))
                .map(|_| {
                    let len = if ragged {
                        rng.below(columns + 2)
                    } else {
                        columns
                    };
                    (0..len)
                        .map(|c| {
                            let roll = rng.below(40);
                            if roll == 0 {
                                RARE[rng.below(RARE.len())].map(str::to_string)
                            } else if roll == 1 && t % 7 == 0 {
                                LINE_BREAKS[rng.below(LINE_BREAKS.len())].map(str::to_string)
                            } else if roll < 5 {
                                Some(rng.string())
                            } else if homogeneous && c < kinds.len() && roll < 30 {
                                VALUES[(kinds[c] + rng.below(2)) % VALUES.len()].map(str::to_string)
                            } else {
                                VALUES[rng.below(VALUES.len())].map(str::to_string)
                            }
                        })
                        .collect()
                })
                .collect();
            (headers, rows)
        })
        .collect()
}

/// Fragments for "token soup" tables: numbers, escape codes and their pieces, the separator
/// marker, Python-only whitespace, HTML and LaTeX specials, line breaks.
#[rustfmt::skip]
const TOKENS: &[&str] = &[
    "\x1b", "[", "]", "8", ";", "\\", "m", "3", "1", "0", "00", ".", ",", "_", "e", "E", "+", "-", " ", "\x01",
    "\u{3000}", "٣", "a", "=", ":", "\t", "True", "x", "\u{1c}", "\u{85}", "İ", "\u{212a}", "\x1b[31m", "\x1b[0m",
    "\x1b]8;;", "\x1b\\", "\x1b]8;;\x1b\\", "inf", "nan", "1,000", "\x1b[1;2 q", "\u{a0}", "\"", "<", "&", "%", "{",
    "~", "\n", "\r", "1\n", "\x0b",
];

/// Small tables of random token strings, often ragged, to shake out corner cases.
fn token_soup_tables(count: usize, seed: u64) -> Vec<Case> {
    let mut rng = Lcg(seed);
    let text = |rng: &mut Lcg| -> String {
        (0..rng.below(6))
            .map(|_| TOKENS[rng.below(TOKENS.len())])
            .collect()
    };
    (0..count)
        .map(|_| {
            let columns = rng.below(5);
            let names = if rng.below(5) == 0 {
                0
            } else {
                (columns + rng.below(3)).saturating_sub(1)
            };
            let headers = (0..names).map(|_| text(&mut rng)).collect();
            let ragged = rng.below(4) == 0;
            let rows = (0..rng.below(6))
                .map(|_| {
                    let len = if ragged {
                        rng.below(columns + 2)
                    } else {
                        columns
                    };
                    (0..len)
                        .map(|_| {
                            if rng.below(8) == 0 {
                                None
                            } else {
                                Some(text(&mut rng))
                            }
                        })
                        .collect()
                })
                .collect();
            (headers, rows)
        })
        .collect()
}

fn row(cells: &[Option<&str>]) -> Vec<Option<String>> {
    cells.iter().map(|c| c.map(str::to_string)).collect()
}

/// Hand-picked shapes the generator may miss.
fn edge_tables() -> Vec<Case> {
    let h = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (h(&[]), vec![]),
        (h(&["name", "version"]), vec![]),
        (h(&[]), vec![vec![], vec![]]),
        (h(&["a"]), vec![vec![]]),
        (
            h(&["a"]),
            vec![row(&[Some("x")]), row(&[Some("y"), Some("z")])],
        ),
        (h(&["a"]), vec![row(&[Some("x"), Some("y")])]),
        (
            h(&["a", "b", "c"]),
            vec![row(&[Some("1")]), row(&[Some("2.5"), Some("z")])],
        ),
        (
            h(&["a", "b"]),
            vec![
                row(&[Some("1"), Some("\x01")]),
                row(&[Some("2"), Some("3")]),
            ],
        ),
        (
            h(&["a", "b"]),
            vec![
                row(&[Some("1"), Some("2")]),
                row(&[Some("\x01")]),
                row(&[Some("2"), Some("3")]),
            ],
        ),
        (
            h(&["a", "b"]),
            vec![row(&[Some("1"), Some("2")]), row(&[Some("\x01")])],
        ),
        (
            h(&["a"]),
            vec![
                row(&[Some("1")]),
                row(&[Some("\x01")]),
                row(&[Some("\x01")]),
                row(&[Some("2")]),
            ],
        ),
        (
            h(&["a"]),
            vec![row(&[Some("\x01")]), row(&[Some("1"), Some("2")])],
        ),
        (h(&["a"]), vec![row(&[Some("\x01")])]),
        (h(&[]), vec![row(&[Some("\x01")]), row(&[Some("\x01")])]),
        (
            h(&["", "b"]),
            vec![row(&[Some(""), Some("1")]), row(&[Some(" "), Some("2")])],
        ),
        (h(&["n"]), vec![row(&[None]), row(&[None])]),
        (h(&["x"]), vec![row(&[Some("True")]), row(&[Some("1")])]),
        (h(&["x"]), vec![row(&[Some("True")]), row(&[Some("1.5")])]),
        (
            h(&["version"]),
            vec![
                row(&[Some("2.0")]),
                row(&[Some("1.10")]),
                row(&[Some("2020")]),
                row(&[Some("1e5")]),
            ],
        ),
        (
            h(&["x"]),
            vec![
                row(&[Some("\x1b[31m1,000.5\x1b[0m")]),
                row(&[Some("1,000.5")]),
            ],
        ),
        (
            h(&["x"]),
            vec![
                row(&[Some("\x1b]8;;u")]),
                row(&[Some("x\x1b\\t\x1b]8;;\x1b\\")]),
            ],
        ),
        (
            h(&["\x1b[1mname\x1b[0m", "v"]),
            vec![row(&[Some("a"), Some("1")])],
        ),
        // int() refuses more than 4300 digits, float() does not.
        (
            h(&["n"]),
            vec![vec![Some("0".repeat(4301))], vec![Some("1".repeat(4301))]],
        ),
        (
            h(&["n"]),
            vec![vec![Some("0".repeat(4301))], vec![Some("1_000".into())]],
        ),
        (
            h(&["n"]),
            vec![
                vec![Some(format!("-{}", "9".repeat(4300)))],
                vec![Some("1".into())],
            ],
        ),
    ]
}

/// The formats avail_wheels users ask for, checked on every table.
#[rustfmt::skip]
const MAIN_FORMATS: &[Format] = &[
    Format::Simple, Format::Plain, Format::Github, Format::Pipe, Format::Grid, Format::Rst, Format::Tsv,
    Format::Html, Format::Mediawiki,
];

/// Checks each table in `formats(table index)` against tabulate and reports the differences.
fn check(tables: &[Case], formats: impl Fn(usize) -> Vec<Format>) {
    let jobs: Vec<Vec<Format>> = (0..tables.len()).map(formats).collect();
    let input: Vec<Value> = tables
        .iter()
        .zip(&jobs)
        .map(|((headers, rows), formats)| {
            let names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
            json!({"headers": headers, "rows": rows, "formats": names})
        })
        .collect();
    let reference = test_support::run_python_json(TABULATE, &[], &json!({ "tables": input }));
    let outputs = reference["outputs"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (t, ((headers, rows), formats)) in tables.iter().zip(&jobs).enumerate() {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut texts = headers
            .iter()
            .copied()
            .chain(rows.iter().flatten().flatten().map(String::as_str));
        let line_breaks = texts.any(|s| s.contains(['\n', '\r']));
        for (k, &format) in formats.iter().enumerate() {
            // Must not panic, even where tabulate raises or lays out line breaks differently.
            let ours = render(&headers, rows, format);
            if line_breaks && format.folds_line_breaks() {
                continue;
            }
            let Some(expected) = outputs[t][k].as_str() else {
                continue;
            };
            compared += 1;
            if ours != expected {
                failures.push(format!(
                    "{}, table {t}: headers {headers:?}, rows {rows:?}\n  tabulate: {expected:?}\n  ours:     {ours:?}",
                    format.name()
                ));
            }
        }
    }
    let total: usize = jobs.iter().map(Vec::len).sum();
    assert!(
        compared > total / 2,
        "only {compared} of {total} outputs were compared"
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} outputs differ from tabulate; the first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(6)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

fn all_formats(_: usize) -> Vec<Format> {
    Format::NAMES
        .iter()
        .map(|n| Format::from_name(n).unwrap())
        .collect()
}

/// The main formats, plus a quarter of the others in turn (tabulate takes about half a
/// millisecond per table, so checking everything everywhere would take long).
fn some_formats(table: usize) -> Vec<Format> {
    let mut formats = MAIN_FORMATS.to_vec();
    let others = all_formats(0)
        .into_iter()
        .filter(|f| !MAIN_FORMATS.contains(f));
    formats.extend(
        others
            .enumerate()
            .filter(|(i, _)| (i + table).is_multiple_of(4))
            .map(|(_, f)| f),
    );
    formats
}

#[test]
fn format_names_are_tabulate_formats() {
    let reference = test_support::run_python_json(TABULATE, &[], &json!({ "tables": [] }));
    let formats: Vec<&str> = reference["formats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(Format::NAMES, formats.as_slice());
    for name in Format::NAMES {
        assert_eq!(Format::from_name(name).map(Format::name), Some(*name));
    }
    assert_eq!(Format::from_name("SIMPLE"), None);
}

#[test]
fn edge_cases_match_tabulate() {
    check(&edge_tables(), all_formats);
}

// Four batches, so the test harness runs the (slow) reference in parallel.
#[test]
fn generated_tables_match_tabulate_batch_1() {
    check(&generated_tables(160, 1), some_formats);
}

#[test]
fn generated_tables_match_tabulate_batch_2() {
    check(&generated_tables(160, 2), some_formats);
}

#[test]
fn generated_tables_match_tabulate_batch_3() {
    check(&generated_tables(160, 3), some_formats);
}

#[test]
fn generated_tables_match_tabulate_batch_4() {
    check(&generated_tables(160, 4), some_formats);
}

#[test]
fn token_soup_matches_tabulate() {
    check(&token_soup_tables(120, 5), some_formats);
}

/// Many more tables in every format (about a minute in all; split so the test runner can
/// spread it over the cores).
fn many_tables_in_every_format(seeds: std::ops::Range<u64>) {
    for seed in seeds {
        check(&generated_tables(700, seed), all_formats);
        check(&token_soup_tables(700, seed), all_formats);
    }
}

#[test]
fn many_tables_in_every_format_match_tabulate_1() {
    many_tables_in_every_format(100..102);
}

#[test]
fn many_tables_in_every_format_match_tabulate_2() {
    many_tables_in_every_format(102..104);
}
