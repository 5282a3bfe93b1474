//! Assembling the lines of a table from already aligned cells (tabulate's `_format_table`).
//! Everything is written straight into one output string.

use std::borrow::Cow;

use crate::cells::{push_spaces, verbatim, Align, Aligned, Escape};
use crate::format::{Line, Row, Spec};
use crate::python::rstrip;

/// A row of the finished table.
pub enum TableRow {
    /// The index of a data row in the columns.
    Data(usize),
    /// A row tabulate treats as a separator (its first or second cell is `"\x01"`).
    Separator,
}

/// The marker tabulate recognises as a separating line.
pub const SEPARATING_LINE: &str = "\x01";

/// Everything `_format_table` receives.
pub struct Table<'a> {
    /// Aligned header cells; empty when the table has no header.
    pub headers: &'a [Aligned<'a>],
    pub header_aligns: &'a [Align],
    /// Aligned cells, by column.
    pub columns: &'a [Vec<Aligned<'a>>],
    pub rows: &'a [TableRow],
    /// Content widths, one per printed column.
    pub widths: &'a [usize],
    /// One per column of the data, which can be more than the printed columns.
    pub aligns: &'a [Align],
    /// How many rows are data rows (not separators).
    pub data_rows: usize,
}

/// The output under construction: lines joined with `\n`.
struct Output {
    text: String,
    lines: usize,
}

impl Output {
    /// Starts a new line and returns where it begins.
    fn start_line(&mut self) -> usize {
        if self.lines > 0 {
            self.text.push('\n');
        }
        self.lines += 1;
        self.text.len()
    }

    /// Python's `rstrip()` on the text written since `from`.
    fn rstrip_from(&mut self, from: usize) {
        let kept = rstrip(&self.text[from..]).len();
        self.text.truncate(from + kept);
    }
}

pub fn format_table(spec: &Spec, table: &Table) -> String {
    let has_header = !table.headers.is_empty();
    if !has_header && table.rows.is_empty() {
        return String::new();
    }
    let widths: Vec<usize> = table.widths.iter().map(|w| w + 2 * spec.padding).collect();
    let mut out = Output {
        text: String::new(),
        lines: 0,
    };
    let line = |out: &mut Output, l: &Line| build_line(out, l, &widths, table.aligns);
    let mut cells: Vec<&Aligned> = Vec::with_capacity(table.columns.len());
    let mut data_row = |out: &mut Output, r: usize| {
        cells.clear();
        cells.extend(table.columns.iter().map(|c| &c[r]));
        build_row(
            out,
            &spec.datarow,
            &cells,
            spec.padding,
            &widths,
            table.aligns,
        );
    };

    if let Some(above) = &spec.lineabove {
        if !(has_header && spec.hide_above_with_header) {
            line(&mut out, above);
        }
    }
    if has_header {
        let headers: Vec<&Aligned> = table.headers.iter().collect();
        build_row(
            &mut out,
            &spec.headerrow,
            &headers,
            spec.padding,
            &widths,
            table.header_aligns,
        );
        if let Some(below_header) = &spec.linebelowheader {
            line(&mut out, below_header);
        }
    }
    match (&spec.linebetweenrows, table.rows.split_last()) {
        (Some(between), Some((last, init))) => {
            // tabulate zips the leading rows with one alignment per *data* row, so with
            // separators among them the rows past that count are silently dropped.
            for row in init.iter().take(table.data_rows) {
                if let TableRow::Data(r) = row {
                    data_row(&mut out, *r);
                }
                line(&mut out, between);
            }
            match last {
                TableRow::Data(r) => data_row(&mut out, *r),
                // A separator in last place is printed as a one-cell, unpadded row holding the
                // marker. (When every row is a separator tabulate raises IndexError; this
                // prints what it would print with one data row.)
                TableRow::Separator => {
                    let marker = Aligned {
                        text: Cow::Borrowed(SEPARATING_LINE),
                        left: 0,
                        right: 0,
                    };
                    build_row(
                        &mut out,
                        &spec.datarow,
                        &[&marker],
                        0,
                        &widths,
                        table.aligns,
                    );
                }
            }
        }
        _ => {
            let separator = spec
                .linebetweenrows
                .or(spec.linebelowheader)
                .or(spec.linebelow)
                .or(spec.lineabove)
                .unwrap_or(Line::Plain {
                    begin: "",
                    fill: "",
                    sep: "",
                    end: "",
                });
            for row in table.rows {
                match row {
                    TableRow::Data(r) => data_row(&mut out, *r),
                    TableRow::Separator => line(&mut out, &separator),
                }
            }
        }
    }
    if let Some(below) = &spec.linebelow {
        if !(has_header && spec.hide_below_with_header) {
            line(&mut out, below);
        }
    }
    out.text
}

fn right_or_center<'a>(align: Option<&Align>, right: &'a str, center: &'a str) -> &'a str {
    match align {
        Some(Align::Decimal) => right,
        Some(Align::Center) => center,
        _ => "",
    }
}

fn build_line(out: &mut Output, line: &Line, widths: &[usize], aligns: &[Align]) {
    let start = out.start_line();
    let text = &mut out.text;
    // Functions that tabulate zips with the alignments see "" for every column when there
    // are none (a table without rows).
    let aligns_or_none = |i: usize| {
        if aligns.is_empty() {
            None
        } else {
            aligns.get(i)
        }
    };
    let columns = if aligns.is_empty() {
        widths.len()
    } else {
        widths.len().min(aligns.len())
    };
    match *line {
        Line::Plain {
            begin,
            fill,
            sep,
            end,
        } => {
            text.push_str(begin);
            for (i, w) in widths.iter().enumerate() {
                if i > 0 {
                    text.push_str(sep);
                }
                text.extend(std::iter::repeat_n(fill, *w));
            }
            text.push_str(end);
            out.rstrip_from(start);
        }
        Line::PipeColons => {
            text.push('|');
            for (i, &w) in widths.iter().take(columns).enumerate() {
                if i > 0 {
                    text.push('|');
                }
                let (left, right) = match aligns_or_none(i) {
                    Some(Align::Decimal) => (false, true),
                    Some(Align::Center) => (true, true),
                    Some(Align::Left) => (true, false),
                    None => (false, false),
                };
                colon_segment(text, '-', w, left, right);
            }
            text.push('|');
        }
        Line::GridColons => {
            // Unlike pipe, tabulate has no colon for "decimal" here.
            text.push('+');
            for (i, &w) in widths.iter().take(columns).enumerate() {
                if i > 0 {
                    text.push('+');
                }
                let (left, right) = match aligns_or_none(i) {
                    Some(Align::Center) => (true, true),
                    Some(Align::Left) => (true, false),
                    _ => (false, false),
                };
                colon_segment(text, '=', w, left, right);
            }
            text.push('+');
        }
        Line::HtmlBegin => text.push_str("<table>\n<tbody>"),
        Line::LatexBegin {
            booktabs,
            longtable,
        } => {
            let environment = if longtable { "longtable" } else { "tabular" };
            text.push_str(&format!("\\begin{{{environment}}}{{"));
            // Every column of the data gets a letter, even ones without a printed column.
            text.extend(aligns.iter().map(|a| match a {
                Align::Left => 'l',
                Align::Center => 'c',
                Align::Decimal => 'r',
            }));
            text.push_str(if booktabs {
                "}\n\\toprule"
            } else {
                "}\n\\hline"
            });
        }
        Line::AsciidocBegin => asciidoc_header(text, false, widths, aligns),
    }
}

/// `w` fill characters, the first and last replaced by colons as asked.
fn colon_segment(text: &mut String, fill: char, w: usize, left: bool, right: bool) {
    let colons = usize::from(left) + usize::from(right);
    if left {
        text.push(':');
    }
    text.extend(std::iter::repeat_n(
        fill,
        if colons == 0 {
            w
        } else {
            w.saturating_sub(colons)
        },
    ));
    if right {
        text.push(':');
    }
}

/// `[cols="<8,>9",options="header"]` and the `|====` opening the table.
fn asciidoc_header(text: &mut String, is_header: bool, widths: &[usize], aligns: &[Align]) {
    text.push_str("[cols=\"");
    for (i, (w, a)) in widths.iter().zip(aligns).enumerate() {
        let a = match a {
            Align::Left => '<',
            Align::Center => '^',
            Align::Decimal => '>',
        };
        text.push_str(&format!("{}{a}{w}", if i > 0 { "," } else { "" }));
    }
    text.push_str(if is_header {
        "\",options=\"header\"]\n|===="
    } else {
        "\"]\n|===="
    });
}

fn build_row(
    out: &mut Output,
    row: &Row,
    cells: &[&Aligned],
    padding: usize,
    widths: &[usize],
    aligns: &[Align],
) {
    let start = out.start_line();
    let text = &mut out.text;
    // A cell with the format's padding on both sides.
    let padded = |text: &mut String, cell: &Aligned, escape: Escape| {
        push_spaces(text, padding);
        cell.write(text, escape);
        push_spaces(text, padding);
    };
    match *row {
        Row::Plain { begin, sep, end } => {
            text.push_str(begin);
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    text.push_str(sep);
                }
                padded(text, cell, verbatim);
            }
            text.push_str(end);
            out.rstrip_from(start);
        }
        Row::Mediawiki { sep } => {
            // The spaces around attribute and value are fixed, whatever the format's padding.
            for (i, (cell, a)) in cells.iter().zip(aligns).enumerate() {
                text.push_str(sep);
                if i > 0 {
                    text.push_str(sep);
                }
                text.push(' ');
                let attr = right_or_center(
                    Some(a),
                    "style=\"text-align: right;\"| ",
                    "style=\"text-align: center;\"| ",
                );
                text.push_str(attr);
                padded(text, cell, verbatim);
                text.push(' ');
            }
            if cells.is_empty() || aligns.is_empty() {
                text.push_str(sep);
            }
            out.rstrip_from(start);
        }
        Row::Html { tag, escape } => {
            if tag == "th" {
                text.push_str("<table>\n<thead>\n");
            }
            text.push_str("<tr>");
            let cells_start = text.len();
            for (cell, a) in cells.iter().zip(aligns) {
                let attr = right_or_center(
                    Some(a),
                    " style=\"text-align: right;\"",
                    " style=\"text-align: center;\"",
                );
                text.extend(["<", tag, attr, ">"]);
                padded(text, cell, if escape { html_escape } else { verbatim });
                text.extend(["</", tag, ">"]);
            }
            out.rstrip_from(cells_start);
            let text = &mut out.text;
            text.push_str("</tr>");
            if tag == "th" {
                text.push_str("\n</thead>\n<tbody>");
            }
        }
        Row::Moinmoin { header } => {
            let quotes = if header { "'''" } else { "" };
            for (cell, a) in cells.iter().zip(aligns) {
                text.push_str("||");
                text.push_str(right_or_center(
                    Some(a),
                    "<style=\"text-align: right;\">",
                    "<style=\"text-align: center;\">",
                ));
                text.push(' ');
                text.push_str(quotes);
                padded(text, cell, verbatim);
                text.push_str(quotes);
                text.push(' ');
            }
            text.push_str("||");
        }
        Row::Latex { escape } => {
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    text.push('&');
                }
                padded(text, cell, if escape { latex_escape } else { verbatim });
            }
            text.push_str("\\\\");
            out.rstrip_from(start);
        }
        Row::Textile => {
            text.push('|');
            for (i, (cell, a)) in cells.iter().zip(aligns).enumerate() {
                if i > 0 {
                    text.push('|');
                }
                text.push_str(match a {
                    Align::Left => "<.",
                    Align::Center => "=.",
                    Align::Decimal => ">.",
                });
                padded(text, cell, verbatim);
                // tabulate appends a space to the first cell before adding the marks.
                if i == 0 {
                    text.push(' ');
                }
            }
            text.push('|');
        }
        Row::Asciidoc { header } => {
            if header {
                asciidoc_header(text, true, widths, aligns);
                text.push('\n');
            }
            text.push('|');
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    text.push('|');
                }
                padded(text, cell, verbatim);
            }
        }
    }
}

/// Python's `html.escape(s, quote=True)`.
fn html_escape(s: &str, out: &mut String) {
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
}

/// tabulate's `LATEX_ESCAPE_RULES`, applied character by character.
fn latex_escape(s: &str, out: &mut String) {
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
}
