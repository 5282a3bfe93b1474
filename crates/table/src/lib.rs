//! Text tables that are byte-identical to Python's `tabulate` 0.10.0 called as
//! `tabulate(rows, headers=headers, tablefmt=format)` with every other argument at its
//! default.
//!
//! The site's `avail_wheels` prints its results that way, and scripts and wiki pages parse
//! the output, so tabulate's every quirk is kept, most visibly its number handling: a column
//! whose non-empty cells all parse as numbers is right-aligned on the decimal point, and if
//! any of them is not an integer the whole column is reprinted with Python's
//! `format(float(x), "g")`. A lone version `2.0` therefore prints as `2` and `1.10` as `1.1`,
//! while `1.26.4` (not a number) keeps a column textual and untouched. Headers set a minimum
//! column width of their length plus two, and trailing whitespace is stripped from most
//! lines.
//!
//! ```
//! use table::{render, Format};
//!
//! let rows = vec![
//!     vec![Some("numpy".to_string()), Some("2.0".to_string())],
//!     vec![Some("six".to_string()), Some("1.10".to_string())],
//!     vec![Some("scipy".to_string()), None],
//! ];
//! assert_eq!(
//!     render(&["name", "version"], &rows, Format::Simple),
//!     "name      version\n\
//!      ------  ---------\n\
//!      numpy         2\n\
//!      six           1.1\n\
//!      scipy"
//! );
//! ```
//!
//! Widths count code points, as tabulate does when the optional `wcwidth` package is not
//! installed (East Asian wide characters count as one column). Everything else tabulate does
//! with string cells is reproduced, down to terminal escape codes (invisible for widths) and
//! its `"\x01"` separator rows, with these exceptions, none of which wheel names reach:
//!
//! - Line breaks in cells or headers: tabulate lays them out over several lines in most
//!   formats ([`Format::folds_line_breaks`]); this crate prints them as the other formats
//!   do, inside the line.
//! - Tables whose rows are all separators, in formats with lines between rows (`grid`,
//!   `mediawiki`, ...): tabulate raises `IndexError`; this crate prints a table.
//! - OSC 8 hyperlink parameters spelled with Unicode combining marks, which Python's `\w`
//!   and Rust's `char::is_alphanumeric` classify differently.

mod ansi;
mod cells;
mod format;
mod layout;
mod python;

pub use format::Format;

use std::borrow::Cow;

use cells::{align_column, cell_type, format_cell, width, Align, Aligned, CellType};
use layout::{format_table, Table, TableRow, SEPARATING_LINE};

/// Renders like `tabulate(rows, headers=headers, tablefmt=format)`; returns the string
/// without a trailing newline (print it with `println!`, as Python's `print()` would).
///
/// A `None` cell is tabulate's missing value (Python `None`), printed as `""`. Rows may have
/// different lengths: like tabulate, missing cells are `None`, a header shorter than the
/// first row is padded with empty names on the *left*, and columns beyond the header (or
/// header names beyond the columns) are dropped.
pub fn render(headers: &[&str], rows: &[Vec<Option<String>>], format: Format) -> String {
    let input = Input::new(headers, rows, format);
    let options = Options::of(format);
    let has_invisible = has_escape_codes(&input.headers, &input.data);
    let (columns, aligns) = typed_columns(&input.data, &options, has_invisible);
    let headers = &input.headers;

    // The header's width plus two is a column's minimum width; tabulate zips columns with
    // these minimums, so when the header is shorter than the data the extra columns vanish.
    let min_widths: Vec<usize> = if headers.is_empty() {
        vec![0; columns.len()]
    } else {
        headers
            .iter()
            .map(|h| width(h, has_invisible) + options.min_padding)
            .collect()
    };
    let (columns, column_widths): (Vec<Vec<Aligned>>, Vec<usize>) = columns
        .into_iter()
        .zip(&aligns)
        .zip(&min_widths)
        .map(|((cells, &align), &min)| align_column(cells, align, min, has_invisible))
        .unzip();

    let (widths, header_cells, header_aligns) = if headers.is_empty() {
        (column_widths, Vec::new(), Vec::new())
    } else {
        // Without data every header still gets a column, of width `len + 2`.
        let printed = if columns.is_empty() {
            headers.len()
        } else {
            columns.len()
        };
        let header_aligns: Vec<Align> = if options.all_left {
            vec![Align::Left; printed]
        } else if aligns.is_empty() {
            vec![options.stralign; headers.len()]
        } else {
            aligns.clone()
        };
        let widths: Vec<usize> = (0..printed.min(min_widths.len()))
            .map(|c| min_widths[c].max(column_widths.get(c).copied().unwrap_or(0)))
            .collect();
        // Header names beyond the printed columns are dropped by the zip.
        let header_cells: Vec<Aligned> = headers
            .iter()
            .zip(&header_aligns)
            .zip(&widths)
            .map(|((h, &align), &w)| {
                Aligned::new(Cow::Borrowed(*h), width(h, has_invisible), align, w)
            })
            .collect();
        (widths, header_cells, header_aligns)
    };

    // With no columns at all there are no rows either (tabulate transposes them back).
    let data_rows = if columns.is_empty() {
        0
    } else {
        input.data.len()
    };
    let mut rows: Vec<TableRow> = (0..data_rows).map(TableRow::Data).collect();
    for &index in &input.separators {
        rows.insert(index.min(rows.len()), TableRow::Separator);
    }

    format_table(
        &format.spec(),
        &Table {
            headers: &header_cells,
            header_aligns: &header_aligns,
            columns: &columns,
            rows: &rows,
            widths: &widths,
            aligns: &aligns,
            data_rows,
        },
    )
}

/// The table as tabulate sees it after `_normalize_tabular_data` and its preprocessing.
struct Input<'a> {
    headers: Vec<&'a str>,
    /// The rows that are not separators.
    data: Vec<Vec<Option<&'a str>>>,
    /// Where the separator rows were.
    separators: Vec<usize>,
}

impl<'a> Input<'a> {
    fn new(headers: &[&'a str], rows: &'a [Vec<Option<String>>], format: Format) -> Input<'a> {
        // tabulate takes rows whose first or second cell is "\x01" (after strip()) as
        // separator lines, sets them aside, and puts them back at their index at the end.
        let is_separator = |row: &Vec<Option<String>>| {
            let marker = |cell: &Option<String>| {
                cell.as_deref()
                    .is_some_and(|s| python::strip(s) == SEPARATING_LINE)
            };
            row.iter().take(2).any(marker)
        };
        let separators = (0..rows.len())
            .filter(|&i| is_separator(&rows[i]))
            .collect();
        let mut data: Vec<Vec<Option<&str>>> = rows
            .iter()
            .filter(|r| !is_separator(r))
            .map(|r| r.iter().map(Option::as_deref).collect())
            .collect();

        // A header shorter than the first row (separator or not) gets empty names in front.
        let mut headers: Vec<&str> = headers.to_vec();
        if let Some(first) = rows.first().filter(|_| !headers.is_empty()) {
            let missing = first.len().saturating_sub(headers.len());
            headers.splice(0..0, std::iter::repeat_n("", missing));
        }

        // reStructuredText cannot start a row with an empty cell: tabulate writes ".." there.
        // This happens before type inference, so it can turn a numeric column into text.
        if format == Format::Rst {
            let escape = |s: &mut &str| {
                if python::strip(s).is_empty() {
                    *s = "..";
                }
            };
            if let Some(first) = headers.first_mut() {
                escape(first);
            }
            for row in &mut data {
                if let Some(Some(first)) = row.first_mut() {
                    escape(first);
                }
            }
        }
        Input {
            headers,
            data,
            separators,
        }
    }
}

/// The settings tabulate derives from the format name.
struct Options {
    /// Added to a header's width to give its column's minimum width (`MIN_PADDING`).
    min_padding: usize,
    numparse: bool,
    numalign: Align,
    stralign: Align,
    /// `colon_grid` shows alignment with colons only and left-aligns all text.
    all_left: bool,
}

impl Options {
    fn of(format: Format) -> Options {
        // `pretty` imitates PrettyTable: no header padding, no number parsing, everything
        // centred.
        let pretty = format == Format::Pretty;
        Options {
            min_padding: if pretty { 0 } else { 2 },
            numparse: !pretty,
            numalign: if pretty {
                Align::Center
            } else {
                Align::Decimal
            },
            stralign: if pretty { Align::Center } else { Align::Left },
            all_left: format == Format::ColonGrid,
        }
    }
}

/// Infers each column's type and reprints its cells accordingly; returns the columns and
/// their alignments.
fn typed_columns<'a>(
    data: &[Vec<Option<&'a str>>],
    options: &Options,
    has_invisible: bool,
) -> (Vec<Vec<Cow<'a, str>>>, Vec<Align>) {
    let column_count = data.iter().map(Vec::len).max().unwrap_or(0);
    (0..column_count)
        .map(|c| {
            let values: Vec<Option<&str>> = data
                .iter()
                .map(|row| row.get(c).copied().flatten())
                .collect();
            // Types are inferred on the text without escape codes, whatever `has_invisible`.
            let column_type = values
                .iter()
                .map(|v| cell_type(v.map(ansi::strip).as_deref(), options.numparse))
                .fold(CellType::Bool, Ord::max);
            let align = if options.all_left {
                Align::Left
            } else if matches!(column_type, CellType::Int | CellType::Float) {
                options.numalign
            } else {
                options.stralign
            };
            let cells = values
                .into_iter()
                .map(|v| format_cell(v, column_type, has_invisible))
                .collect();
            (cells, align)
        })
        .unzip()
}

/// Whether tabulate's `has_invisible` is set: it searches the headers and cells joined
/// with tabs (`None` written as `"None"`) for escape codes, so a hyperlink could even span
/// two cells.
fn has_escape_codes(headers: &[&str], data: &[Vec<Option<&str>>]) -> bool {
    let any_escape = headers.iter().any(|h| h.contains('\x1b'))
        || data.iter().flatten().flatten().any(|c| c.contains('\x1b'));
    if !any_escape {
        return false;
    }
    let cells = data.iter().flatten().map(|c| c.unwrap_or("None"));
    let text: Vec<&str> = headers.iter().copied().chain(cells).collect();
    ansi::contains(&text.join("\t"))
}
