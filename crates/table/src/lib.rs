//! Text tables that are byte-identical to Python's `tabulate` (0.10) with default arguments.
//!
//! The site's `avail_wheels` prints with `tabulate(rows, headers, tablefmt=...)`, and scripts
//! and wiki pages parse that output, so its every quirk is kept: columns whose cells all look
//! like numbers are right-aligned on the decimal point, and float columns are reprinted with
//! Python's `format(x, "g")` (a lone version `2.0` prints as `2`); the header sets a minimum
//! width of its length plus two; trailing spaces are stripped from every line.
//!
//! ```
//! use table::{render, Format};
//!
//! let rows = vec![
//!     vec![Some("numpy".to_string()), Some("1.26.4".to_string())],
//!     vec![Some("six".to_string()), None],
//! ];
//! assert_eq!(
//!     render(&["name", "version"], &rows, Format::Simple),
//!     "name    version\n------  ---------\nnumpy   1.26.4\nsix"
//! );
//! ```
//!
//! Cells never contain newlines here (file names and versions), so tabulate's multi-line
//! mode is not reproduced; terminals' wide characters are counted as one column, as tabulate
//! does when `wcwidth` is not installed.

mod formats;
mod number;

pub use formats::Format;

use formats::{LineSpec, RowSpec, Spec};
use number::{after_point, format_g, is_int_text, is_thousands_number, parse_float};

/// The type tabulate infers for a cell, ordered from least to most generic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum CellType {
    None,
    Bool,
    Int,
    Float,
    Str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Align {
    Left,
    Center,
    Decimal,
}

fn cell<'a>(row: &'a [Option<String>], c: usize) -> Option<&'a str> {
    row.get(c).and_then(|v| v.as_deref())
}

fn cell_type(cell: Option<&str>, numparse: bool) -> CellType {
    let Some(s) = cell else { return CellType::None };
    if s.is_empty() {
        return CellType::None;
    }
    if s == "True" || s == "False" {
        return CellType::Bool;
    }
    if numparse && (is_int_text(s) || (is_thousands_number(s) && !s.contains('.'))) {
        return CellType::Int;
    }
    if numparse && (is_number(s) || is_thousands_number(s)) {
        return CellType::Float;
    }
    CellType::Str
}

/// tabulate's `_isnumber` for strings: `float()` accepts it and it is not an overflow to
/// infinity (the literal `inf`/`nan` spellings count).
fn is_number(s: &str) -> bool {
    match parse_float(s) {
        Some(x) if x.is_finite() => true,
        Some(_) => matches!(s.to_lowercase().as_str(), "inf" | "-inf" | "nan"),
        None => false,
    }
}

fn format_cell(cell: Option<&str>, column: CellType) -> String {
    let Some(s) = cell else { return String::new() };
    if s.is_empty() {
        return String::new();
    }
    match column {
        CellType::Float => {
            let text = if s.contains(',') { s.replace(',', "") } else { s.to_string() };
            match parse_float(&text) {
                Some(x) => format_g(x),
                None => s.to_string(),
            }
        }
        _ => s.to_string(),
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

fn pad_right(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn pad_both(s: &str, w: usize) -> String {
    // Python's `{:^w}` puts the extra space on the right.
    let total = w.saturating_sub(width(s));
    let left = total / 2;
    format!("{}{s}{}", " ".repeat(left), " ".repeat(total - left))
}

/// Aligns one column's formatted cells to a common width of at least `min_width`.
fn align_column(cells: Vec<String>, align: Align, min_width: usize) -> Vec<String> {
    let cells: Vec<String> = match align {
        Align::Decimal => {
            let decimals: Vec<i64> = cells.iter().map(|s| after_point(s)).collect();
            let max = decimals.iter().copied().max().unwrap_or(-1);
            cells.into_iter().zip(decimals).map(|(s, d)| format!("{s}{}", " ".repeat((max - d) as usize))).collect()
        }
        _ => cells.into_iter().map(|s| s.trim().to_string()).collect(),
    };
    let w = cells.iter().map(|s| width(s)).max().unwrap_or(0).max(min_width);
    cells
        .into_iter()
        .map(|s| match align {
            Align::Decimal => pad_left(&s, w),
            Align::Center => pad_both(&s, w),
            Align::Left => pad_right(&s, w),
        })
        .collect()
}

fn align_header(h: &str, align: Align, w: usize) -> String {
    match align {
        Align::Left => pad_right(h, w),
        Align::Center => pad_both(h, w),
        Align::Decimal => pad_left(h, w),
    }
}

/// Renders like `tabulate(rows, headers=headers, tablefmt=format)`, without a trailing
/// newline. A `None` cell is Python's `None` (printed as the empty missing value).
pub fn render(headers: &[&str], rows: &[Vec<Option<String>>], format: Format) -> String {
    let spec = format.spec();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let mut rows: Vec<Vec<Option<String>>> = rows.to_vec();
    if spec.escape_empty_first_column {
        // rst cannot show an empty first cell: tabulate writes `..` there.
        let escape = |v: &mut String| {
            if v.trim().is_empty() {
                *v = "..".to_string();
            }
        };
        if let Some(h) = headers.first_mut() {
            escape(h);
        }
        for row in rows.iter_mut() {
            if let Some(Some(cell)) = row.first_mut() {
                escape(cell);
            }
        }
    }

    let mut cols: Vec<Vec<String>> = Vec::with_capacity(columns);
    let mut aligns: Vec<Align> = Vec::with_capacity(columns);
    for c in 0..columns {
        // tabulate folds the cell types starting from bool, so an all-empty column is "bool"
        // and aligned like text.
        let ty = rows.iter().map(|r| cell_type(cell(r, c), spec.numparse)).fold(CellType::Bool, Ord::max);
        let align = if matches!(ty, CellType::Int | CellType::Float) { spec.numalign } else { spec.stralign };
        let formatted: Vec<String> = rows.iter().map(|r| format_cell(cell(r, c), ty)).collect();
        let min_width = headers.get(c).map(|h| width(h) + spec.min_padding).unwrap_or(0);
        cols.push(align_column(formatted, align, min_width));
        aligns.push(align);
    }

    let (widths, header_cells, header_aligns) = if headers.is_empty() {
        (cols.iter().map(|c| c.iter().map(|s| width(s)).max().unwrap_or(0)).collect::<Vec<_>>(), Vec::new(), Vec::new())
    } else {
        let n = headers.len();
        let header_aligns: Vec<Align> = if aligns.is_empty() { vec![spec.stralign; n] } else { aligns.clone() };
        let widths: Vec<usize> = (0..n)
            .map(|c| {
                let min = width(&headers[c]) + spec.min_padding;
                let cells = cols.get(c).map(|col| col.iter().map(|s| width(s)).max().unwrap_or(0)).unwrap_or(0);
                min.max(cells)
            })
            .collect();
        let cells: Vec<String> = headers
            .iter()
            .zip(&header_aligns)
            .zip(&widths)
            .map(|((h, a), w)| align_header(h, *a, *w))
            .collect();
        (widths, cells, header_aligns)
    };
    let table_rows: Vec<Vec<String>> = (0..rows.len()).map(|r| cols.iter().map(|c| c[r].clone()).collect()).collect();
    format_table(&spec, &header_cells, &header_aligns, &table_rows, &widths, &aligns)
}

fn format_table(
    spec: &Spec,
    headers: &[String],
    header_aligns: &[Align],
    rows: &[Vec<String>],
    widths: &[usize],
    aligns: &[Align],
) -> String {
    let hidden = |name: &str| !headers.is_empty() && spec.hide.contains(&name);
    let pad = " ".repeat(spec.padding);
    let padded_widths: Vec<usize> = widths.iter().map(|w| w + 2 * spec.padding).collect();
    let pad_row = |cells: &[String]| -> Vec<String> { cells.iter().map(|c| format!("{pad}{c}{pad}")).collect() };
    let mut lines: Vec<String> = Vec::new();
    let push_line = |lines: &mut Vec<String>, line: &LineSpec| {
        if let Some(text) = line.build(&padded_widths, aligns) {
            lines.push(text);
        }
    };
    if !hidden("lineabove") {
        push_line(&mut lines, &spec.lineabove);
    }
    if !headers.is_empty() {
        lines.push(spec.headerrow.build(&pad_row(headers), header_aligns, true));
        if !hidden("linebelowheader") {
            push_line(&mut lines, &spec.linebelowheader);
        }
    }
    let between = !matches!(spec.linebetweenrows, LineSpec::None) && !hidden("linebetweenrows");
    for (i, row) in rows.iter().enumerate() {
        lines.push(spec.datarow.build(&pad_row(row), aligns, false));
        if between && i + 1 < rows.len() {
            push_line(&mut lines, &spec.linebetweenrows);
        }
    }
    if !hidden("linebelow") {
        push_line(&mut lines, &spec.linebelow);
    }
    if headers.is_empty() && rows.is_empty() {
        return String::new();
    }
    lines.join("\n")
}

impl RowSpec {
    fn build(&self, cells: &[String], aligns: &[Align], header: bool) -> String {
        match self {
            RowSpec::Simple { begin, sep, end } => format!("{begin}{}{end}", cells.join(sep)).trim_end().to_string(),
            RowSpec::Mediawiki { sep } => {
                let values: Vec<String> = cells
                    .iter()
                    .zip(aligns.iter().map(Some).chain(std::iter::repeat(None)))
                    .map(|(c, a)| {
                        let attr = match a {
                            Some(Align::Decimal) => "style=\"text-align: right;\"| ",
                            Some(Align::Center) => "style=\"text-align: center;\"| ",
                            _ => "",
                        };
                        format!(" {attr}{c} ")
                    })
                    .collect();
                format!("{sep}{}", values.join(&format!("{sep}{sep}"))).trim_end().to_string()
            }
            RowSpec::Html { escape } => {
                let tag = if header { "th" } else { "td" };
                let values: String = cells
                    .iter()
                    .zip(aligns.iter().map(Some).chain(std::iter::repeat(None)))
                    .map(|(c, a)| {
                        let attr = match a {
                            Some(Align::Decimal) => " style=\"text-align: right;\"",
                            Some(Align::Center) => " style=\"text-align: center;\"",
                            _ => "",
                        };
                        let c = if *escape { html_escape(c) } else { c.clone() };
                        format!("<{tag}{attr}>{c}</{tag}>")
                    })
                    .collect();
                let row = format!("<tr>{}</tr>", values.trim_end());
                if header {
                    format!("<table>\n<thead>\n{row}\n</thead>\n<tbody>")
                } else {
                    row
                }
            }
        }
    }
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[&[Option<&str>]]) -> Vec<Vec<Option<String>>> {
        data.iter().map(|r| r.iter().map(|c| c.map(str::to_string)).collect()).collect()
    }

    #[test]
    fn lone_float_version_is_reformatted() {
        let r = rows(&[&[Some("numpy"), Some("2.0")]]);
        assert_eq!(render(&["name", "version"], &r, Format::Simple), "name      version\n------  ---------\nnumpy           2");
    }

    #[test]
    fn empty_table_prints_headers() {
        assert_eq!(render(&["name", "version"], &[], Format::Simple), "name    version\n------  ---------");
    }
}
