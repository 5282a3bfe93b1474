//! The output formats: tabulate's `_table_formats` table, as data.
//!
//! tabulate describes a format by its horizontal lines (above the table, below the header,
//! between rows, below the table), its header and data row shapes, the padding around
//! cells, and which lines to leave out when there is a header. Most lines and rows are
//! simple `begin` / `sep` / `end` strings; a few formats build them with functions, which
//! are the non-`Plain` variants of [`Line`] and [`Row`] here.

/// A table output format, named as tabulate names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Asciidoc,
    ColonGrid,
    DoubleGrid,
    DoubleOutline,
    FancyGrid,
    FancyOutline,
    Github,
    Grid,
    HeavyGrid,
    HeavyOutline,
    Html,
    Jira,
    Latex,
    LatexBooktabs,
    LatexLongtable,
    LatexRaw,
    Mediawiki,
    MixedGrid,
    MixedOutline,
    Moinmoin,
    Orgtbl,
    Outline,
    Pipe,
    Plain,
    Presto,
    Pretty,
    Psql,
    RoundedGrid,
    RoundedOutline,
    Rst,
    Simple,
    SimpleGrid,
    SimpleOutline,
    Textile,
    Tsv,
    UnsafeHtml,
    Youtrack,
}

/// Every format with its name, in `tabulate_formats` order (alphabetical).
const ALL: [(Format, &str); 37] = [
    (Format::Asciidoc, "asciidoc"),
    (Format::ColonGrid, "colon_grid"),
    (Format::DoubleGrid, "double_grid"),
    (Format::DoubleOutline, "double_outline"),
    (Format::FancyGrid, "fancy_grid"),
    (Format::FancyOutline, "fancy_outline"),
    (Format::Github, "github"),
    (Format::Grid, "grid"),
    (Format::HeavyGrid, "heavy_grid"),
    (Format::HeavyOutline, "heavy_outline"),
    (Format::Html, "html"),
    (Format::Jira, "jira"),
    (Format::Latex, "latex"),
    (Format::LatexBooktabs, "latex_booktabs"),
    (Format::LatexLongtable, "latex_longtable"),
    (Format::LatexRaw, "latex_raw"),
    (Format::Mediawiki, "mediawiki"),
    (Format::MixedGrid, "mixed_grid"),
    (Format::MixedOutline, "mixed_outline"),
    (Format::Moinmoin, "moinmoin"),
    (Format::Orgtbl, "orgtbl"),
    (Format::Outline, "outline"),
    (Format::Pipe, "pipe"),
    (Format::Plain, "plain"),
    (Format::Presto, "presto"),
    (Format::Pretty, "pretty"),
    (Format::Psql, "psql"),
    (Format::RoundedGrid, "rounded_grid"),
    (Format::RoundedOutline, "rounded_outline"),
    (Format::Rst, "rst"),
    (Format::Simple, "simple"),
    (Format::SimpleGrid, "simple_grid"),
    (Format::SimpleOutline, "simple_outline"),
    (Format::Textile, "textile"),
    (Format::Tsv, "tsv"),
    (Format::UnsafeHtml, "unsafehtml"),
    (Format::Youtrack, "youtrack"),
];

const fn names() -> [&'static str; ALL.len()] {
    let mut names = [""; ALL.len()];
    let mut i = 0;
    while i < ALL.len() {
        names[i] = ALL[i].1;
        i += 1;
    }
    names
}

const NAME_LIST: [&str; ALL.len()] = names();

impl Format {
    /// Every supported name, in the order `--help` should list them (alphabetical, like
    /// tabulate's `tabulate_formats`, which lists exactly these).
    pub const NAMES: &'static [&'static str] = &NAME_LIST;

    /// The format tabulate calls `name`, if supported (names are case-sensitive).
    pub fn from_name(name: &str) -> Option<Format> {
        ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }

    /// The name tabulate uses for this format.
    pub fn name(self) -> &'static str {
        ALL.iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .expect("ALL names every format")
    }

    /// Whether tabulate switches this format to its multi-line layout when a cell or header
    /// contains `\n` or `\r` (tabulate's `multiline_formats`). That layout is not
    /// reproduced; the other formats print line breaks inside cells as they are.
    pub fn folds_line_breaks(self) -> bool {
        use Format::*;
        !matches!(
            self,
            Asciidoc
                | Html
                | UnsafeHtml
                | Latex
                | LatexBooktabs
                | LatexLongtable
                | LatexRaw
                | Mediawiki
                | Moinmoin
                | Textile
                | Tsv
                | Youtrack
        )
    }

    pub(crate) fn spec(self) -> Spec {
        use Format::*;
        match self {
            Simple => Spec {
                lineabove: Some(Line::plain("", "-", "  ", "")),
                linebelowheader: Some(Line::plain("", "-", "  ", "")),
                linebelow: Some(Line::plain("", "-", "  ", "")),
                hide_above_with_header: true,
                hide_below_with_header: true,
                ..Spec::rows(Row::plain("", "  ", ""), 0)
            },
            Plain => Spec::rows(Row::plain("", "  ", ""), 0),
            Tsv => Spec::rows(Row::plain("", "\t", ""), 0),
            Grid | ColonGrid | Outline => Spec {
                lineabove: Some(Line::plain("+", "-", "+", "+")),
                linebelowheader: Some(if self == ColonGrid {
                    Line::GridColons
                } else {
                    Line::plain("+", "=", "+", "+")
                }),
                linebetweenrows: (self != Outline).then(|| Line::plain("+", "-", "+", "+")),
                linebelow: Some(Line::plain("+", "-", "+", "+")),
                ..Spec::rows(Row::plain("|", "|", "|"), 1)
            },
            SimpleGrid | SimpleOutline => {
                Spec::boxed(["┌─┬┐", "├─┼┤", "├─┼┤", "└─┴┘"], "│", self == SimpleGrid)
            }
            RoundedGrid | RoundedOutline => {
                Spec::boxed(["╭─┬╮", "├─┼┤", "├─┼┤", "╰─┴╯"], "│", self == RoundedGrid)
            }
            HeavyGrid | HeavyOutline => {
                Spec::boxed(["┏━┳┓", "┣━╋┫", "┣━╋┫", "┗━┻┛"], "┃", self == HeavyGrid)
            }
            MixedGrid | MixedOutline => {
                Spec::boxed(["┍━┯┑", "┝━┿┥", "├─┼┤", "┕━┷┙"], "│", self == MixedGrid)
            }
            DoubleGrid | DoubleOutline => {
                Spec::boxed(["╔═╦╗", "╠═╬╣", "╠═╬╣", "╚═╩╝"], "║", self == DoubleGrid)
            }
            FancyGrid | FancyOutline => {
                Spec::boxed(["╒═╤╕", "╞═╪╡", "├─┼┤", "╘═╧╛"], "│", self == FancyGrid)
            }
            Github => Spec {
                lineabove: Some(Line::plain("|", "-", "|", "|")),
                linebelowheader: Some(Line::plain("|", "-", "|", "|")),
                hide_above_with_header: true,
                ..Spec::rows(Row::plain("|", "|", "|"), 1)
            },
            Pipe => Spec {
                lineabove: Some(Line::PipeColons),
                linebelowheader: Some(Line::PipeColons),
                hide_above_with_header: true,
                ..Spec::rows(Row::plain("|", "|", "|"), 1)
            },
            Orgtbl => Spec {
                linebelowheader: Some(Line::plain("|", "-", "+", "|")),
                ..Spec::rows(Row::plain("|", "|", "|"), 1)
            },
            Jira => Spec {
                headerrow: Row::plain("||", "||", "||"),
                ..Spec::rows(Row::plain("|", "|", "|"), 1)
            },
            Presto => Spec {
                linebelowheader: Some(Line::plain("", "-", "+", "")),
                ..Spec::rows(Row::plain("", "|", ""), 1)
            },
            Pretty => Spec {
                lineabove: Some(Line::plain("+", "-", "+", "+")),
                linebelowheader: Some(Line::plain("+", "-", "+", "+")),
                linebelow: Some(Line::plain("+", "-", "+", "+")),
                ..Spec::rows(Row::plain("|", "|", "|"), 1)
            },
            Psql => Spec {
                lineabove: Some(Line::plain("+", "-", "+", "+")),
                linebelowheader: Some(Line::plain("|", "-", "+", "|")),
                linebelow: Some(Line::plain("+", "-", "+", "+")),
                ..Spec::rows(Row::plain("|", "|", "|"), 1)
            },
            Rst => Spec {
                lineabove: Some(Line::plain("", "=", "  ", "")),
                linebelowheader: Some(Line::plain("", "=", "  ", "")),
                linebelow: Some(Line::plain("", "=", "  ", "")),
                ..Spec::rows(Row::plain("", "  ", ""), 0)
            },
            Mediawiki => Spec {
                lineabove: Some(Line::plain(
                    "{| class=\"wikitable\" style=\"text-align: left;\"",
                    "",
                    "",
                    "\n|+ <!-- caption -->\n|-",
                )),
                linebelowheader: Some(Line::plain("|-", "", "", "")),
                linebetweenrows: Some(Line::plain("|-", "", "", "")),
                linebelow: Some(Line::plain("|}", "", "", "")),
                headerrow: Row::Mediawiki { sep: "!" },
                ..Spec::rows(Row::Mediawiki { sep: "|" }, 0)
            },
            Moinmoin => Spec {
                headerrow: Row::Moinmoin { header: true },
                ..Spec::rows(Row::Moinmoin { header: false }, 1)
            },
            Youtrack => Spec {
                headerrow: Row::plain("|| ", " || ", " || "),
                ..Spec::rows(Row::plain("| ", " | ", " |"), 1)
            },
            // tabulate's html line below the header is "", which counts as absent.
            Html | UnsafeHtml => Spec {
                lineabove: Some(Line::HtmlBegin),
                linebelow: Some(Line::plain("</tbody>\n</table>", "", "", "")),
                headerrow: Row::Html {
                    tag: "th",
                    escape: self == Html,
                },
                hide_above_with_header: true,
                ..Spec::rows(
                    Row::Html {
                        tag: "td",
                        escape: self == Html,
                    },
                    0,
                )
            },
            Latex | LatexRaw => Spec {
                lineabove: Some(Line::LatexBegin {
                    booktabs: false,
                    longtable: false,
                }),
                linebelowheader: Some(Line::plain("\\hline", "", "", "")),
                linebelow: Some(Line::plain("\\hline\n\\end{tabular}", "", "", "")),
                ..Spec::rows(
                    Row::Latex {
                        escape: self == Latex,
                    },
                    1,
                )
            },
            LatexBooktabs => Spec {
                lineabove: Some(Line::LatexBegin {
                    booktabs: true,
                    longtable: false,
                }),
                linebelowheader: Some(Line::plain("\\midrule", "", "", "")),
                linebelow: Some(Line::plain("\\bottomrule\n\\end{tabular}", "", "", "")),
                ..Spec::rows(Row::Latex { escape: true }, 1)
            },
            LatexLongtable => Spec {
                lineabove: Some(Line::LatexBegin {
                    booktabs: false,
                    longtable: true,
                }),
                linebelowheader: Some(Line::plain("\\hline\n\\endhead", "", "", "")),
                linebelow: Some(Line::plain("\\hline\n\\end{longtable}", "", "", "")),
                ..Spec::rows(Row::Latex { escape: true }, 1)
            },
            Textile => Spec {
                headerrow: Row::plain("|_. ", "|_.", "|"),
                ..Spec::rows(Row::Textile, 1)
            },
            Asciidoc => Spec {
                lineabove: Some(Line::AsciidocBegin),
                linebelow: Some(Line::plain("|====", "", "", "")),
                headerrow: Row::Asciidoc { header: true },
                hide_above_with_header: true,
                ..Spec::rows(Row::Asciidoc { header: false }, 1)
            },
        }
    }
}

/// A horizontal line, drawn from the padded column widths and the column alignments.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Line {
    /// tabulate's `Line(begin, hline, sep, end)`: `hline` repeated to each column's width.
    Plain {
        begin: &'static str,
        fill: &'static str,
        sep: &'static str,
        end: &'static str,
    },
    /// `|:-----|------:|`: colons show each column's alignment (`pipe`).
    PipeColons,
    /// `+:=====+======+`, the same idea for `colon_grid`.
    GridColons,
    /// `<table>` without a `<thead>` (only drawn when there is no header).
    HtmlBegin,
    /// `\begin{tabular}{lr}` and the first rule.
    LatexBegin { booktabs: bool, longtable: bool },
    /// `[cols="8<,9>"]` and the table delimiter (only drawn when there is no header).
    AsciidocBegin,
}

impl Line {
    const fn plain(
        begin: &'static str,
        fill: &'static str,
        sep: &'static str,
        end: &'static str,
    ) -> Line {
        Line::Plain {
            begin,
            fill,
            sep,
            end,
        }
    }
}

/// A header or data row, built from the padded cells, padded widths and alignments.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Row {
    /// tabulate's `DataRow(begin, sep, end)`.
    Plain {
        begin: &'static str,
        sep: &'static str,
        end: &'static str,
    },
    Mediawiki {
        sep: &'static str,
    },
    Html {
        tag: &'static str,
        escape: bool,
    },
    Moinmoin {
        header: bool,
    },
    Latex {
        escape: bool,
    },
    Textile,
    Asciidoc {
        header: bool,
    },
}

impl Row {
    const fn plain(begin: &'static str, sep: &'static str, end: &'static str) -> Row {
        Row::Plain { begin, sep, end }
    }
}

/// One format's definition (tabulate's `TableFormat`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec {
    pub lineabove: Option<Line>,
    pub linebelowheader: Option<Line>,
    pub linebetweenrows: Option<Line>,
    pub linebelow: Option<Line>,
    pub headerrow: Row,
    pub datarow: Row,
    /// Spaces on each side of every cell.
    pub padding: usize,
    /// tabulate's `with_header_hide`: lines left out when the table has a header.
    pub hide_above_with_header: bool,
    pub hide_below_with_header: bool,
}

impl Spec {
    /// A format with no lines, the same shape for header and data rows.
    const fn rows(row: Row, padding: usize) -> Spec {
        Spec {
            lineabove: None,
            linebelowheader: None,
            linebetweenrows: None,
            linebelow: None,
            headerrow: row,
            datarow: row,
            padding,
            hide_above_with_header: false,
            hide_below_with_header: false,
        }
    }

    /// The box-drawing `*_grid` / `*_outline` families. Each line is given as its four
    /// characters `begin fill sep end`; outlines have no line between rows.
    fn boxed(lines: [&'static str; 4], bar: &'static str, between_rows: bool) -> Spec {
        let line = |chars: &'static str| {
            let mut parts = chars
                .char_indices()
                .map(|(i, c)| &chars[i..i + c.len_utf8()]);
            let mut next = || parts.next().expect("four box-drawing characters");
            Line::plain(next(), next(), next(), next())
        };
        Spec {
            lineabove: Some(line(lines[0])),
            linebelowheader: Some(line(lines[1])),
            linebetweenrows: between_rows.then(|| line(lines[2])),
            linebelow: Some(line(lines[3])),
            ..Spec::rows(Row::plain(bar, bar, bar), 1)
        }
    }
}
