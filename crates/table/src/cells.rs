//! Cell-level rules: the type tabulate infers for a value, how the value is reprinted for its
//! column's type, and how a column is padded to a common width.

use std::borrow::Cow;

use crate::ansi;
use crate::python::{format_g, is_int, parse_float, strip};

/// The type tabulate infers, from least to most generic. A column takes the most generic
/// type of its cells, starting from `Bool` (so a column of missing values is `Bool`, i.e.
/// text). tabulate also knows `bytes`, which string input cannot produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CellType {
    Missing,
    Bool,
    Int,
    Float,
    Str,
}

/// A column's alignment. tabulate's defaults only ever produce these three
/// (`numalign="decimal"`, `stralign="left"`, both `"center"` for `pretty`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Decimal,
}

/// tabulate's `_type`, on a value whose escape codes were already stripped.
pub fn cell_type(value: Option<&str>, numparse: bool) -> CellType {
    let Some(s) = value.filter(|s| !s.is_empty()) else {
        return CellType::Missing;
    };
    if s == "True" || s == "False" {
        return CellType::Bool;
    }
    if !numparse || !may_be_number(s) {
        return CellType::Str;
    }
    // "1,000" is an int for tabulate (and printed unchanged); "1,000.5" is a float.
    if is_int(s) || (is_thousands_number(s) && !s.contains('.')) {
        CellType::Int
    } else if is_number(s) || is_thousands_number(s) {
        CellType::Float
    } else {
        CellType::Str
    }
}

/// A fast rejection for typical text (names, tags): the only ASCII letters `int()`,
/// `float()` and the thousands pattern accept are those of `e`, `inf`, `infinity` and `nan`.
/// Non-ASCII characters may be digits or whitespace and are left to the full check.
fn may_be_number(s: &str) -> bool {
    s.bytes().all(|b| {
        !b.is_ascii() || b.is_ascii_digit() || b" \t\n\r\x0b\x0c+-.,_eEiInNfFtTyYaA".contains(&b)
    })
}

/// tabulate's `_isnumber` for a string: `float()` accepts it, and it is not an overflow to
/// infinity. Only the exact spellings `inf`, `-inf` and `nan` (any case) count as the
/// special values: `"+inf"`, `"Infinity"`, `"-nan"` and `"1e400"` are text.
pub fn is_number(s: &str) -> bool {
    match parse_float(s) {
        Some(x) if x.is_finite() => true,
        Some(_) => matches!(s.to_ascii_lowercase().as_str(), "inf" | "-inf" | "nan"),
        None => false,
    }
}

/// tabulate's `_float_with_thousands_separators`,
/// `^(([+-]?[0-9]{1,3})(?:,([0-9]{3}))*)?(?(1)\.[0-9]*|\.[0-9]+)?$`: either a signed
/// number with comma-separated thousands and an optional fraction, or an optional `.digits`
/// alone (so the empty string matches). `$` also matches before a final newline.
pub fn is_thousands_number(s: &str) -> bool {
    let s = s.strip_suffix('\n').unwrap_or(s);
    let b = s.as_bytes();
    let digits_from = |i: usize| b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if b.is_empty() {
        return true;
    }
    if b[0] == b'.' {
        return b.len() > 1 && digits_from(1) == b.len() - 1;
    }
    let mut i = usize::from(matches!(b[0], b'+' | b'-'));
    let lead = digits_from(i);
    if !(1..=3).contains(&lead) {
        return false;
    }
    i += lead;
    while b.get(i) == Some(&b',') && b.len() >= i + 4 && digits_from(i + 1) >= 3 {
        i += 4;
    }
    match b.get(i) {
        None => true,
        Some(b'.') => digits_from(i + 1) == b.len() - i - 1,
        Some(_) => false,
    }
}

/// tabulate's `_afterpoint`: how many characters follow the decimal point (or, failing
/// that, the exponent's `e`) of a number; -1 for integers and text. Decimal alignment pads
/// each cell on the right so these line up: `1e+06` counts as 3 "decimals".
pub fn after_point(s: &str) -> i64 {
    if !(is_number(s) || is_thousands_number(s)) || is_int(s) {
        return -1;
    }
    // A number holds only ASCII, whitespace and digits, so ASCII case-folding is Python's
    // `lower()` here, and char positions are code points as in Python.
    let chars: Vec<char> = s.chars().collect();
    let pos = chars
        .iter()
        .rposition(|&c| c == '.')
        .or_else(|| chars.iter().rposition(|&c| c == 'e' || c == 'E'));
    pos.map_or(-1, |p| (chars.len() - p - 1) as i64)
}

/// tabulate's `_format` with the default `floatfmt="g"`, `intfmt=""`, `missingval=""`.
pub fn format_cell(value: Option<&str>, column: CellType, has_invisible: bool) -> Cow<'_, str> {
    let Some(s) = value.filter(|s| !s.is_empty()) else {
        return Cow::Borrowed("");
    };
    match column {
        // `format(s, "")` returns a string unchanged: "007" stays "007" in an int column.
        CellType::Int => ansi::recolor_int(s).map_or(Cow::Borrowed(s), Cow::Owned),
        // A float column is reprinted through `float()` and `format(x, "g")`, so version-like
        // values change: "2.0" -> "2", "1.10" -> "1.1", "1e5" -> "100000". Cells `float()`
        // rejects ("True") are kept.
        CellType::Float if has_invisible => {
            // With escape codes anywhere in the table, tabulate formats the stripped text and
            // substitutes it back, and forgets to drop thousands separators.
            let raw = ansi::strip(s);
            match parse_float(&raw) {
                Some(x) => Cow::Owned(s.replace(raw.as_ref(), &format_g(x))),
                None => Cow::Borrowed(s),
            }
        }
        CellType::Float => {
            let text = if s.contains(',') {
                Cow::Owned(s.replace(',', ""))
            } else {
                Cow::Borrowed(s)
            };
            parse_float(&text).map_or(Cow::Borrowed(s), |x| Cow::Owned(format_g(x)))
        }
        _ => Cow::Borrowed(s),
    }
}

/// The printed width of a cell: code points (tabulate without `wcwidth` uses `len()`), not
/// counting escape codes when the table has any.
pub fn width(s: &str, has_invisible: bool) -> usize {
    if has_invisible {
        ansi::strip(s).chars().count()
    } else {
        s.chars().count()
    }
}

/// A cell padded to its column's width: `left` spaces, the text, `right` spaces. The spaces
/// are only written out with the table, which saves building every padded string.
#[derive(Clone, Debug)]
pub struct Aligned<'a> {
    pub text: Cow<'a, str>,
    pub left: usize,
    pub right: usize,
}

impl<'a> Aligned<'a> {
    /// Pads `text`, `width` columns wide, to `target` columns (Python's `format(s, "<w")`,
    /// `">w"`, `"^w"`; the centred form puts the odd space on the right).
    pub fn new(text: Cow<'a, str>, width: usize, align: Align, target: usize) -> Aligned<'a> {
        let missing = target.saturating_sub(width);
        let (left, right) = match align {
            Align::Left => (0, missing),
            Align::Decimal => (missing, 0),
            Align::Center => (missing / 2, missing - missing / 2),
        };
        Aligned { text, left, right }
    }

    /// Writes the padded cell, passing the text through `escape`.
    pub fn write(&self, out: &mut String, escape: Escape) {
        push_spaces(out, self.left);
        escape(&self.text, out);
        push_spaces(out, self.right);
    }
}

/// How a format escapes cell text (spaces are never escaped).
pub type Escape = fn(&str, &mut String);

/// Text written as it is.
pub fn verbatim(s: &str, out: &mut String) {
    out.push_str(s);
}

pub fn push_spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// tabulate's `_align_column`: left and centred text is stripped of surrounding whitespace
/// first; decimal cells are padded on the right so their points line up, then flushed right.
/// Every cell ends up as wide as the widest one, or `min_width`: the returned width.
pub fn align_column<'a>(
    cells: Vec<Cow<'a, str>>,
    align: Align,
    min_width: usize,
    has_invisible: bool,
) -> (Vec<Aligned<'a>>, usize) {
    // Each cell with the spaces its alignment adds on the right before padding.
    let cells: Vec<(Cow<'a, str>, usize)> = match align {
        Align::Decimal => {
            let decimals: Vec<i64> = cells
                .iter()
                .map(|s| {
                    if has_invisible {
                        after_point(&ansi::strip(s))
                    } else {
                        after_point(s)
                    }
                })
                .collect();
            let most = decimals.iter().copied().max().unwrap_or(-1);
            cells
                .into_iter()
                .zip(decimals)
                .map(|(s, d)| (s, (most - d) as usize))
                .collect()
        }
        Align::Left | Align::Center => cells
            .into_iter()
            .map(|s| match s {
                Cow::Borrowed(b) => (Cow::Borrowed(strip(b)), 0),
                Cow::Owned(o) => (Cow::Owned(strip(&o).to_string()), 0),
            })
            .collect(),
    };
    let widths: Vec<usize> = cells
        .iter()
        .map(|(s, extra)| width(s, has_invisible) + extra)
        .collect();
    let target = widths.iter().copied().max().unwrap_or(0).max(min_width);
    let cells = cells
        .into_iter()
        .zip(widths)
        .map(|((text, extra), w)| {
            let mut cell = Aligned::new(text, w, align, target);
            cell.right += extra;
            cell
        })
        .collect();
    (cells, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_regex() {
        for ok in [
            "",
            "1",
            "1.",
            ".1",
            "1,000",
            "1,000.1234",
            "+1,000.5",
            "-12,345,678",
            "123",
            "1,000\n",
        ] {
            assert!(is_thousands_number(ok), "{ok:?}");
        }
        for bad in [
            ".",
            "1000",
            "1,0000",
            "1,00",
            "a",
            "+",
            "+.5",
            "1,000.5.",
            ",000",
            "1.2e3",
            "1,000\n\n",
        ] {
            assert!(!is_thousands_number(bad), "{bad:?}");
        }
    }

    #[test]
    fn types() {
        let t = |s| cell_type(Some(s), true);
        assert_eq!(t("2020"), CellType::Int);
        assert_eq!(t("007"), CellType::Int);
        assert_eq!(t("1,000"), CellType::Int);
        assert_eq!(t("2.0"), CellType::Float);
        assert_eq!(t("1e5"), CellType::Float);
        assert_eq!(t("nan"), CellType::Float);
        assert_eq!(t("+inf"), CellType::Str);
        assert_eq!(t("1e400"), CellType::Str);
        assert_eq!(t("1.26.4"), CellType::Str);
        assert_eq!(t("True"), CellType::Bool);
        assert_eq!(t(""), CellType::Missing);
        assert_eq!(cell_type(Some("2.0"), false), CellType::Str);
    }

    #[test]
    fn decimals() {
        assert_eq!(after_point("123.45"), 2);
        assert_eq!(after_point("1001"), -1);
        assert_eq!(after_point("eggs"), -1);
        assert_eq!(after_point("1e+06"), 3);
        assert_eq!(after_point("123,456.78"), 2);
        assert_eq!(after_point("inf"), -1);
    }

    #[test]
    fn floats_are_reprinted() {
        let f = |s| format_cell(Some(s), CellType::Float, false).into_owned();
        assert_eq!(f("2.0"), "2");
        assert_eq!(f("1.10"), "1.1");
        assert_eq!(f("1,000.5"), "1000.5");
        assert_eq!(f("007"), "7");
        assert_eq!(f("True"), "True");
        assert_eq!(
            format_cell(Some("1,000.5"), CellType::Float, true),
            "1,000.5"
        );
        assert_eq!(
            format_cell(Some("\x1b[1m2.50\x1b[0m"), CellType::Float, true),
            "\x1b[1m2.5\x1b[0m"
        );
    }
}
