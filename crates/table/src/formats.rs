//! The table formats: tabulate's `TableFormat` definitions, as data.

use crate::Align;

/// A table output format, named as tabulate names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Simple, Plain, Grid, SimpleGrid, RoundedGrid, HeavyGrid, MixedGrid, DoubleGrid, FancyGrid,
    Outline, SimpleOutline, RoundedOutline, HeavyOutline, MixedOutline, DoubleOutline, FancyOutline,
    Github, Pipe, Orgtbl, Jira, Presto, Pretty, Psql, Rst, Mediawiki, Html, UnsafeHtml, Tsv, Youtrack,
}

const ALL: &[(Format, &str)] = &[
    (Format::DoubleGrid, "double_grid"), (Format::DoubleOutline, "double_outline"),
    (Format::FancyGrid, "fancy_grid"), (Format::FancyOutline, "fancy_outline"),
    (Format::Github, "github"), (Format::Grid, "grid"), (Format::HeavyGrid, "heavy_grid"),
    (Format::HeavyOutline, "heavy_outline"), (Format::Html, "html"), (Format::Jira, "jira"),
    (Format::Mediawiki, "mediawiki"), (Format::MixedGrid, "mixed_grid"),
    (Format::MixedOutline, "mixed_outline"), (Format::Orgtbl, "orgtbl"), (Format::Outline, "outline"),
    (Format::Pipe, "pipe"), (Format::Plain, "plain"), (Format::Presto, "presto"),
    (Format::Pretty, "pretty"), (Format::Psql, "psql"), (Format::RoundedGrid, "rounded_grid"),
    (Format::RoundedOutline, "rounded_outline"), (Format::Rst, "rst"), (Format::Simple, "simple"),
    (Format::SimpleGrid, "simple_grid"), (Format::SimpleOutline, "simple_outline"),
    (Format::Tsv, "tsv"), (Format::UnsafeHtml, "unsafehtml"), (Format::Youtrack, "youtrack"),
];

impl Format {
    /// Every supported name, alphabetical (as `tabulate_formats` lists them).
    pub const NAMES: &'static [&'static str] = &[
        "double_grid", "double_outline", "fancy_grid", "fancy_outline", "github", "grid", "heavy_grid",
        "heavy_outline", "html", "jira", "mediawiki", "mixed_grid", "mixed_outline", "orgtbl", "outline",
        "pipe", "plain", "presto", "pretty", "psql", "rounded_grid", "rounded_outline", "rst", "simple",
        "simple_grid", "simple_outline", "tsv", "unsafehtml", "youtrack",
    ];

    /// The format of a name.
    pub fn from_name(name: &str) -> Option<Format> {
        ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        ALL.iter().find(|(f, _)| *f == self).map(|(_, n)| *n).expect("every format is named")
    }

    pub(crate) fn spec(self) -> Spec {
        use Format::*;
        let boxed = |c: [&'static str; 12], lines_between: bool, hdr: [&'static str; 4]| Spec {
            lineabove: LineSpec::simple(c[0], c[1], c[2], c[3]),
            linebelowheader: LineSpec::simple(hdr[0], hdr[1], hdr[2], hdr[3]),
            linebetweenrows: if lines_between { LineSpec::simple(c[4], c[5], c[6], c[7]) } else { LineSpec::None },
            linebelow: LineSpec::simple(c[8], c[9], c[10], c[11]),
            ..Spec::rows("│", "│", "│", 1)
        };
        match self {
            Simple => Spec {
                lineabove: LineSpec::simple("", "-", "  ", ""),
                linebelowheader: LineSpec::simple("", "-", "  ", ""),
                linebelow: LineSpec::simple("", "-", "  ", ""),
                hide: &["lineabove", "linebelow"],
                ..Spec::rows("", "  ", "", 0)
            },
            Plain => Spec::rows("", "  ", "", 0),
            Tsv => Spec::rows("", "\t", "", 0),
            Grid => Spec {
                lineabove: LineSpec::simple("+", "-", "+", "+"),
                linebelowheader: LineSpec::simple("+", "=", "+", "+"),
                linebetweenrows: LineSpec::simple("+", "-", "+", "+"),
                linebelow: LineSpec::simple("+", "-", "+", "+"),
                ..Spec::rows("|", "|", "|", 1)
            },
            Outline => Spec {
                lineabove: LineSpec::simple("+", "-", "+", "+"),
                linebelowheader: LineSpec::simple("+", "=", "+", "+"),
                linebelow: LineSpec::simple("+", "-", "+", "+"),
                ..Spec::rows("|", "|", "|", 1)
            },
            SimpleGrid | SimpleOutline => boxed(
                ["┌", "─", "┬", "┐", "├", "─", "┼", "┤", "└", "─", "┴", "┘"],
                self == SimpleGrid,
                ["├", "─", "┼", "┤"],
            ),
            RoundedGrid | RoundedOutline => boxed(
                ["╭", "─", "┬", "╮", "├", "─", "┼", "┤", "╰", "─", "┴", "╯"],
                self == RoundedGrid,
                ["├", "─", "┼", "┤"],
            ),
            HeavyGrid | HeavyOutline => Spec {
                ..boxed(["┏", "━", "┳", "┓", "┣", "━", "╋", "┫", "┗", "━", "┻", "┛"], self == HeavyGrid, ["┣", "━", "╋", "┫"])
                    .with_rows("┃", "┃", "┃")
            },
            MixedGrid | MixedOutline => boxed(
                ["┍", "━", "┯", "┑", "├", "─", "┼", "┤", "┕", "━", "┷", "┙"],
                self == MixedGrid,
                ["┝", "━", "┿", "┥"],
            ),
            DoubleGrid | DoubleOutline => boxed(
                ["╔", "═", "╦", "╗", "╠", "═", "╬", "╣", "╚", "═", "╩", "╝"],
                self == DoubleGrid,
                ["╠", "═", "╬", "╣"],
            )
            .with_rows("║", "║", "║"),
            FancyGrid | FancyOutline => boxed(
                ["╒", "═", "╤", "╕", "├", "─", "┼", "┤", "╘", "═", "╧", "╛"],
                self == FancyGrid,
                ["╞", "═", "╪", "╡"],
            ),
            Github => Spec {
                lineabove: LineSpec::simple("|", "-", "|", "|"),
                linebelowheader: LineSpec::simple("|", "-", "|", "|"),
                hide: &["lineabove"],
                ..Spec::rows("|", "|", "|", 1)
            },
            Pipe => Spec {
                lineabove: LineSpec::PipeColons,
                linebelowheader: LineSpec::PipeColons,
                hide: &["lineabove"],
                ..Spec::rows("|", "|", "|", 1)
            },
            Orgtbl => Spec { linebelowheader: LineSpec::simple("|", "-", "+", "|"), ..Spec::rows("|", "|", "|", 1) },
            Jira => Spec {
                headerrow: RowSpec::Simple { begin: "||", sep: "||", end: "||" },
                ..Spec::rows("|", "|", "|", 1)
            },
            Youtrack => Spec {
                headerrow: RowSpec::Simple { begin: "|| ", sep: " || ", end: " || " },
                ..Spec::rows("| ", " | ", " |", 1)
            },
            Presto => Spec { linebelowheader: LineSpec::simple("", "-", "+", ""), ..Spec::rows("", "|", "", 1) },
            Psql => Spec {
                lineabove: LineSpec::simple("+", "-", "+", "+"),
                linebelowheader: LineSpec::simple("|", "-", "+", "|"),
                linebelow: LineSpec::simple("+", "-", "+", "+"),
                ..Spec::rows("|", "|", "|", 1)
            },
            Pretty => Spec {
                lineabove: LineSpec::simple("+", "-", "+", "+"),
                linebelowheader: LineSpec::simple("+", "-", "+", "+"),
                linebelow: LineSpec::simple("+", "-", "+", "+"),
                min_padding: 0,
                numparse: false,
                numalign: Align::Center,
                stralign: Align::Center,
                ..Spec::rows("|", "|", "|", 1)
            },
            Rst => Spec {
                lineabove: LineSpec::simple("", "=", "  ", ""),
                linebelowheader: LineSpec::simple("", "=", "  ", ""),
                linebelow: LineSpec::simple("", "=", "  ", ""),
                escape_empty_first_column: true,
                ..Spec::rows("", "  ", "", 0)
            },
            Mediawiki => Spec {
                lineabove: LineSpec::simple("{| class=\"wikitable\" style=\"text-align: left;\"", "", "", "\n|+ <!-- caption -->\n|-"),
                linebelowheader: LineSpec::simple("|-", "", "", ""),
                linebetweenrows: LineSpec::simple("|-", "", "", ""),
                linebelow: LineSpec::simple("|}", "", "", ""),
                headerrow: RowSpec::Mediawiki { sep: "!" },
                datarow: RowSpec::Mediawiki { sep: "|" },
                ..Spec::rows("", "", "", 0)
            },
            Html | UnsafeHtml => Spec {
                lineabove: LineSpec::HtmlBegin,
                linebelow: LineSpec::simple("</tbody>\n</table>", "", "", ""),
                headerrow: RowSpec::Html { escape: self == Html },
                datarow: RowSpec::Html { escape: self == Html },
                hide: &["lineabove"],
                ..Spec::rows("", "", "", 0)
            },
        }
    }
}

/// A horizontal line.
pub(crate) enum LineSpec {
    None,
    Simple { begin: &'static str, fill: &'static str, sep: &'static str, end: &'static str },
    /// `|:---|---:|`: colons show each column's alignment.
    PipeColons,
    HtmlBegin,
}

impl LineSpec {
    fn simple(begin: &'static str, fill: &'static str, sep: &'static str, end: &'static str) -> LineSpec {
        LineSpec::Simple { begin, fill, sep, end }
    }

    pub(crate) fn build(&self, widths: &[usize], aligns: &[Align]) -> Option<String> {
        match self {
            LineSpec::None => None,
            LineSpec::Simple { begin, fill, sep, end } => {
                let cells: Vec<String> = widths.iter().map(|w| fill.repeat(*w)).collect();
                Some(format!("{begin}{}{end}", cells.join(sep)).trim_end().to_string())
            }
            LineSpec::PipeColons => {
                let segments: Vec<String> = widths
                    .iter()
                    .enumerate()
                    .map(|(i, w)| match aligns.get(i) {
                        Some(Align::Decimal) => format!("{}:", "-".repeat(w.saturating_sub(1))),
                        Some(Align::Center) => format!(":{}:", "-".repeat(w.saturating_sub(2))),
                        Some(Align::Left) => format!(":{}", "-".repeat(w.saturating_sub(1))),
                        None => "-".repeat(*w),
                    })
                    .collect();
                Some(format!("|{}|", segments.join("|")))
            }
            LineSpec::HtmlBegin => Some("<table>\n<tbody>".to_string()),
        }
    }
}

/// A row of cells.
pub(crate) enum RowSpec {
    Simple { begin: &'static str, sep: &'static str, end: &'static str },
    Mediawiki { sep: &'static str },
    Html { escape: bool },
}

/// One format's definition.
pub(crate) struct Spec {
    pub lineabove: LineSpec,
    pub linebelowheader: LineSpec,
    pub linebetweenrows: LineSpec,
    pub linebelow: LineSpec,
    pub headerrow: RowSpec,
    pub datarow: RowSpec,
    pub padding: usize,
    /// Lines left out when the table has headers.
    pub hide: &'static [&'static str],
    pub min_padding: usize,
    pub numparse: bool,
    pub numalign: Align,
    pub stralign: Align,
    pub escape_empty_first_column: bool,
}

impl Spec {
    fn rows(begin: &'static str, sep: &'static str, end: &'static str, padding: usize) -> Spec {
        Spec {
            lineabove: LineSpec::None,
            linebelowheader: LineSpec::None,
            linebetweenrows: LineSpec::None,
            linebelow: LineSpec::None,
            headerrow: RowSpec::Simple { begin, sep, end },
            datarow: RowSpec::Simple { begin, sep, end },
            padding,
            hide: &[],
            min_padding: 2,
            numparse: true,
            numalign: Align::Decimal,
            stralign: Align::Left,
            escape_empty_first_column: false,
        }
    }

    fn with_rows(self, begin: &'static str, sep: &'static str, end: &'static str) -> Spec {
        Spec { headerrow: RowSpec::Simple { begin, sep, end }, datarow: RowSpec::Simple { begin, sep, end }, ..self }
    }
}
