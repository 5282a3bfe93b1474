//! Assembling the lines of a table from already aligned cells (tabulate's `_format_table`).

use crate::cells::Align;
use crate::format::{Line, Row, Spec};
use crate::python::rstrip;

/// A row of the finished table.
pub enum TableRow {
    Cells(Vec<String>),
    /// A row tabulate treats as a separator (its first or second cell is `"\x01"`).
    Separator,
}

/// The marker tabulate recognises as a separating line.
pub const SEPARATING_LINE: &str = "\x01";

/// Everything `_format_table` receives.
pub struct Table<'a> {
    /// Aligned header cells; empty when the table has no header.
    pub headers: &'a [String],
    pub header_aligns: &'a [Align],
    pub rows: &'a [TableRow],
    /// Content widths, one per printed column.
    pub widths: &'a [usize],
    /// One per column of the data, which can be more than the printed columns.
    pub aligns: &'a [Align],
    /// How many rows are data rows (not separators).
    pub data_rows: usize,
}

pub fn format_table(spec: &Spec, table: &Table) -> String {
    let has_header = !table.headers.is_empty();
    let pad = " ".repeat(spec.padding);
    let padded = |cells: &[String]| -> Vec<String> { cells.iter().map(|c| format!("{pad}{c}{pad}")).collect() };
    let widths: Vec<usize> = table.widths.iter().map(|w| w + 2 * spec.padding).collect();
    let line = |l: &Line| build_line(l, &widths, table.aligns);
    let data_row = |cells: &[String]| build_row(&spec.datarow, cells, &widths, table.aligns);

    let mut lines: Vec<String> = Vec::new();
    if let Some(above) = &spec.lineabove {
        if !(has_header && spec.hide_above_with_header) {
            lines.push(line(above));
        }
    }
    if has_header {
        lines.push(build_row(&spec.headerrow, &padded(table.headers), &widths, table.header_aligns));
        if let Some(below_header) = &spec.linebelowheader {
            lines.push(line(below_header));
        }
    }
    match (&spec.linebetweenrows, table.rows.split_last()) {
        (Some(between), Some((last, init))) => {
            // tabulate zips the leading rows with one alignment per *data* row, so with
            // separators among them the rows past that count are silently dropped.
            for row in init.iter().take(table.data_rows) {
                if let TableRow::Cells(cells) = row {
                    lines.push(data_row(&padded(cells)));
                }
                lines.push(line(between));
            }
            // A separator in last place is printed as a one-cell row holding the marker.
            // (When every row is a separator tabulate raises IndexError; this prints the same
            // thing it would print with one data row.)
            lines.push(match last {
                TableRow::Cells(cells) => data_row(&padded(cells)),
                TableRow::Separator => data_row(&[SEPARATING_LINE.to_string()]),
            });
        }
        _ => {
            let separator =
                spec.linebetweenrows.or(spec.linebelowheader).or(spec.linebelow).or(spec.lineabove).unwrap_or(
                    Line::Plain { begin: "", fill: "", sep: "", end: "" },
                );
            for row in table.rows {
                lines.push(match row {
                    TableRow::Cells(cells) => data_row(&padded(cells)),
                    TableRow::Separator => line(&separator),
                });
            }
        }
    }
    if let Some(below) = &spec.linebelow {
        if !(has_header && spec.hide_below_with_header) {
            lines.push(line(below));
        }
    }
    if !has_header && table.rows.is_empty() {
        return String::new();
    }
    lines.join("\n")
}

fn right_or_center<'a>(align: Option<&Align>, right: &'a str, center: &'a str) -> &'a str {
    match align {
        Some(Align::Decimal) => right,
        Some(Align::Center) => center,
        _ => "",
    }
}

fn build_line(line: &Line, widths: &[usize], aligns: &[Align]) -> String {
    // Functions that tabulate zips with the alignments see "" for every column when there
    // are none (a table without rows).
    let aligns_or_none = |i: usize| if aligns.is_empty() { None } else { aligns.get(i) };
    let columns = if aligns.is_empty() { widths.len() } else { widths.len().min(aligns.len()) };
    match *line {
        Line::Plain { begin, fill, sep, end } => {
            let cells: Vec<String> = widths.iter().map(|w| fill.repeat(*w)).collect();
            rstrip(&format!("{begin}{}{end}", cells.join(sep))).to_string()
        }
        Line::PipeColons => {
            let segments: Vec<String> = (0..columns)
                .map(|i| {
                    let w = widths[i];
                    match aligns_or_none(i) {
                        Some(Align::Decimal) => format!("{}:", "-".repeat(w.saturating_sub(1))),
                        Some(Align::Center) => format!(":{}:", "-".repeat(w.saturating_sub(2))),
                        Some(Align::Left) => format!(":{}", "-".repeat(w.saturating_sub(1))),
                        None => "-".repeat(w),
                    }
                })
                .collect();
            format!("|{}|", segments.join("|"))
        }
        Line::GridColons => {
            // Unlike pipe, tabulate has no colon for "decimal" here.
            let segments: Vec<String> = (0..columns)
                .map(|i| {
                    let w = widths[i];
                    match aligns_or_none(i) {
                        Some(Align::Center) => format!(":{}:", "=".repeat(w.saturating_sub(2))),
                        Some(Align::Left) => format!(":{}", "=".repeat(w.saturating_sub(1))),
                        _ => "=".repeat(w),
                    }
                })
                .collect();
            format!("+{}+", segments.join("+"))
        }
        Line::HtmlBegin => "<table>\n<tbody>".to_string(),
        Line::LatexBegin { booktabs, longtable } => {
            // Every column of the data gets a letter, even ones without a printed column.
            let letters: String = aligns
                .iter()
                .map(|a| match a {
                    Align::Left => 'l',
                    Align::Center => 'c',
                    Align::Decimal => 'r',
                })
                .collect();
            let environment = if longtable { "longtable" } else { "tabular" };
            let rule = if booktabs { "\\toprule" } else { "\\hline" };
            format!("\\begin{{{environment}}}{{{letters}}}\n{rule}")
        }
        Line::AsciidocBegin => asciidoc_header(false, widths, aligns),
    }
}

/// `[cols="<8,>9",options="header"]` and the `|====` opening the table.
fn asciidoc_header(is_header: bool, widths: &[usize], aligns: &[Align]) -> String {
    let columns: Vec<String> = widths
        .iter()
        .zip(aligns)
        .map(|(w, a)| {
            let a = match a {
                Align::Left => '<',
                Align::Center => '^',
                Align::Decimal => '>',
            };
            format!("{a}{w}")
        })
        .collect();
    let options = if is_header { ",options=\"header\"" } else { "" };
    format!("[cols=\"{}\"{options}]\n|====", columns.join(","))
}

fn build_row(row: &Row, cells: &[String], widths: &[usize], aligns: &[Align]) -> String {
    match *row {
        Row::Plain { begin, sep, end } => rstrip(&format!("{begin}{}{end}", cells.join(sep))).to_string(),
        Row::Mediawiki { sep } => {
            // The space around attribute and value is fixed, whatever the format's padding.
            let values: Vec<String> = cells
                .iter()
                .zip(aligns)
                .map(|(c, a)| {
                    let attr = right_or_center(Some(a), "style=\"text-align: right;\"| ", "style=\"text-align: center;\"| ");
                    format!(" {attr}{c} ")
                })
                .collect();
            rstrip(&format!("{sep}{}", values.join(&sep.repeat(2)))).to_string()
        }
        Row::Html { tag, escape } => {
            let values: String = cells
                .iter()
                .zip(aligns)
                .map(|(c, a)| {
                    let attr =
                        right_or_center(Some(a), " style=\"text-align: right;\"", " style=\"text-align: center;\"");
                    let c = if escape { html_escape(c) } else { c.clone() };
                    format!("<{tag}{attr}>{c}</{tag}>")
                })
                .collect();
            let row = format!("<tr>{}</tr>", rstrip(&values));
            if tag == "th" {
                format!("<table>\n<thead>\n{row}\n</thead>\n<tbody>")
            } else {
                row
            }
        }
        Row::Moinmoin { header } => {
            let quotes = if header { "'''" } else { "" };
            let values: String = cells
                .iter()
                .zip(aligns)
                .map(|(c, a)| {
                    let attr =
                        right_or_center(Some(a), "<style=\"text-align: right;\">", "<style=\"text-align: center;\">");
                    format!("||{attr} {quotes}{c}{quotes} ")
                })
                .collect();
            format!("{values}||")
        }
        Row::Latex { escape } => {
            let values: Vec<String> =
                cells.iter().map(|c| if escape { latex_escape(c) } else { c.clone() }).collect();
            rstrip(&format!("{}\\\\", values.join("&"))).to_string()
        }
        Row::Textile => {
            // tabulate appends a space to the first cell before adding the alignment marks.
            let values: Vec<String> = cells
                .iter()
                .enumerate()
                .zip(aligns)
                .map(|((i, c), a)| {
                    let mark = match a {
                        Align::Left => "<.",
                        Align::Center => "=.",
                        Align::Decimal => ">.",
                    };
                    let space = if i == 0 { " " } else { "" };
                    format!("{mark}{c}{space}")
                })
                .collect();
            format!("|{}|", values.join("|"))
        }
        Row::Asciidoc { header } => {
            let data = format!("|{}", cells.join("|"));
            if header {
                format!("{}\n{data}", asciidoc_header(true, widths, aligns))
            } else {
                data
            }
        }
    }
}

/// Python's `html.escape(s, quote=True)`.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
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

/// tabulate's `LATEX_ESCAPE_RULES`, applied character by character.
fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("\\&"),
            '%' => out.push_str("\\%"),
            '$' => out.push_str("\\$"),
            '#' => out.push_str("\\#"),
            '_' => out.push_str("\\_"),
            '^' => out.push_str("\\^{}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            '<' => out.push_str("\\ensuremath{<}"),
            '>' => out.push_str("\\ensuremath{>}"),
            c => out.push(c),
        }
    }
    out
}
