//! tabulate's behaviours, one hand-picked table each. Every expected string was printed by
//! tabulate 0.10.0 with `tabulate(rows, headers=headers, tablefmt=...)`.

use table::Format;

use crate::common::assert_table;

/// A table without rows still prints its header, each column `len + 2` wide.
#[test]
fn headers_only_simple() {
    assert_table(
        &["name", "version"],
        &[],
        Format::Simple,
        &["name    version", "------  ---------"],
    );
}

#[test]
fn headers_only_grid() {
    assert_table(
        &["name", "version"],
        &[],
        Format::Grid,
        &[
            "+--------+-----------+",
            "| name   | version   |",
            "+========+===========+",
            "+--------+-----------+",
        ],
    );
}

#[test]
fn headers_only_pipe() {
    assert_table(
        &["name", "version"],
        &[],
        Format::Pipe,
        &["| name   | version   |", "|--------|-----------|"],
    );
}

#[test]
fn headers_only_html() {
    assert_table(
        &["name", "version"],
        &[],
        Format::Html,
        &[
            "<table>",
            "<thead>",
            "<tr><th>name  </th><th>version  </th></tr>",
            "</thead>",
            "<tbody>",
            "</tbody>",
            "</table>",
        ],
    );
}

#[test]
fn headers_only_mediawiki() {
    assert_table(
        &["name", "version"],
        &[],
        Format::Mediawiki,
        &[
            "{| class=\"wikitable\" style=\"text-align: left;\"",
            "|+ <!-- caption -->",
            "|-",
            "! name   !! version",
            "|-",
            "|}",
        ],
    );
}

#[test]
fn headers_only_tsv() {
    assert_table(&["name", "version"], &[], Format::Tsv, &["name  \tversion"]);
}

/// Without a header, `simple` draws its lines above and below the data instead.
#[test]
fn no_headers_simple() {
    assert_table(
        &[],
        &[
            &[Some("numpy"), Some("1.26.4")],
            &[Some("six"), Some("2.0")],
        ],
        Format::Simple,
        &[
            "-----  ------",
            "numpy  1.26.4",
            "six    2.0",
            "-----  ------",
        ],
    );
}

#[test]
fn no_headers_pipe() {
    assert_table(
        &[],
        &[
            &[Some("numpy"), Some("1.26.4")],
            &[Some("six"), Some("2.0")],
        ],
        Format::Pipe,
        &[
            "|:------|:-------|",
            "| numpy | 1.26.4 |",
            "| six   | 2.0    |",
        ],
    );
}

#[test]
fn no_headers_grid() {
    assert_table(
        &[],
        &[
            &[Some("numpy"), Some("1.26.4")],
            &[Some("six"), Some("2.0")],
        ],
        Format::Grid,
        &[
            "+-------+--------+",
            "| numpy | 1.26.4 |",
            "+-------+--------+",
            "| six   | 2.0    |",
            "+-------+--------+",
        ],
    );
}

#[test]
fn no_headers_html() {
    assert_table(
        &[],
        &[
            &[Some("numpy"), Some("1.26.4")],
            &[Some("six"), Some("2.0")],
        ],
        Format::Html,
        &[
            "<table>",
            "<tbody>",
            "<tr><td>numpy</td><td>1.26.4</td></tr>",
            "<tr><td>six  </td><td>2.0   </td></tr>",
            "</tbody>",
            "</table>",
        ],
    );
}

/// No header and no rows: tabulate prints nothing.
#[test]
fn nothing_at_all() {
    assert_table(&[], &[], Format::Grid, &[]);
}

/// One non-integer number makes a float column: every cell goes through `float()` and
/// `format(x, "g")`, and the column is aligned on the decimal point (or the exponent's `e`).
#[test]
fn floats_are_reprinted_with_g() {
    assert_table(
        &["v"],
        &[
            &[Some("2.0")],
            &[Some("1.10")],
            &[Some("1e5")],
            &[Some("1.5e20")],
            &[Some("0.0001")],
            &[Some("0.00001")],
            &[Some("-0")],
            &[Some("inf")],
            &[Some("nan")],
            &[Some("1,000.5")],
            &[Some("1_0")],
            &[None],
        ],
        Format::Simple,
        &[
            "           v",
            "------------",
            "     2",
            "     1.1",
            "100000",
            "     1.5e+20",
            "     0.0001",
            "     1e-05",
            "    -0",
            "   inf",
            "   nan",
            "  1000.5",
            "    10",
            "",
        ],
    );
}

/// An all-integer column is right-aligned but printed as written (`format(s, "")` is the
/// identity on strings), leading zeros, separators and inner spaces included.
#[test]
fn integers_are_kept_as_written() {
    assert_table(
        &["v"],
        &[
            &[Some("007")],
            &[Some("1,000")],
            &[Some("-3")],
            &[Some(" 3 ")],
            &[Some("1_000")],
            &[Some("2020")],
        ],
        Format::Simple,
        &[
            "    v", "-----", "  007", "1,000", "   -3", "   3", "1_000", " 2020",
        ],
    );
}

/// Integers in a float column are reprinted too: `007` loses its zeros.
#[test]
fn one_float_makes_integers_floats() {
    assert_table(
        &["v"],
        &[&[Some("007")], &[Some("1_000")], &[Some("2.50")]],
        Format::Simple,
        &["     v", "------", "   7", "1000", "   2.5"],
    );
}

/// One non-number (`1.26.4`) keeps the whole column textual and untouched.
#[test]
fn versions_are_text() {
    assert_table(
        &["version"],
        &[&[Some("1.26.4")], &[Some("2.0")], &[Some("2020")]],
        Format::Simple,
        &["version", "---------", "1.26.4", "2.0", "2020"],
    );
}

/// `float()` accepts `+inf`, but tabulate only counts `inf`, `-inf` and `nan` (any case).
#[test]
fn special_float_spellings_are_text() {
    assert_table(
        &["v"],
        &[&[Some("1.5")], &[Some("+inf")]],
        Format::Simple,
        &["v", "----", "1.5", "+inf"],
    );
}

/// "True"/"False" are booleans for tabulate: text on their own, but they do not stop an int
/// column (`bool` is less generic than `int`).
#[test]
fn bools_are_text() {
    assert_table(
        &["flag", "n"],
        &[&[Some("True"), Some("1")], &[Some("False"), Some("True")]],
        Format::Simple,
        &[
            "flag       n",
            "------  ----",
            "True       1",
            "False   True",
        ],
    );
}

/// `None` and `""` both print as blanks and do not affect the column type.
#[test]
fn missing_and_empty_cells() {
    assert_table(
        &["a", "b"],
        &[
            &[None, Some("1.5")],
            &[Some(""), None],
            &[Some("x"), Some("")],
        ],
        Format::Grid,
        &[
            "+-----+-----+",
            "| a   |   b |",
            "+=====+=====+",
            "|     | 1.5 |",
            "+-----+-----+",
            "|     |     |",
            "+-----+-----+",
            "| x   |     |",
            "+-----+-----+",
        ],
    );
}

/// Text cells lose surrounding whitespace.
#[test]
fn text_is_stripped_and_left_aligned() {
    assert_table(
        &["name"],
        &[&[Some("  padded  ")], &[Some("x y")]],
        Format::Pipe,
        &["| name   |", "|:-------|", "| padded |", "| x y    |"],
    );
}

/// Without `wcwidth`, tabulate counts code points: wide characters misalign, as in Python.
#[test]
fn unicode_counts_code_points() {
    assert_table(
        &["名前", "v"],
        &[&[Some("日本語"), Some("ä")], &[Some("🐍"), Some("x")]],
        Format::Grid,
        &[
            "+------+-----+",
            "| 名前   | v   |",
            "+======+=====+",
            "| 日本語  | ä   |",
            "+------+-----+",
            "| 🐍    | x   |",
            "+------+-----+",
        ],
    );
}

#[test]
fn html_escapes_cells_and_headers() {
    assert_table(
        &["<name>"],
        &[&[Some("a & b")], &[Some("\"q\" 'r'")]],
        Format::Html,
        &[
            "<table>",
            "<thead>",
            "<tr><th>&lt;name&gt;  </th></tr>",
            "</thead>",
            "<tbody>",
            "<tr><td>a &amp; b   </td></tr>",
            "<tr><td>&quot;q&quot; &#x27;r&#x27; </td></tr>",
            "</tbody>",
            "</table>",
        ],
    );
}

#[test]
fn unsafehtml_does_not_escape() {
    assert_table(
        &["<name>"],
        &[&[Some("<b>x</b>")]],
        Format::UnsafeHtml,
        &[
            "<table>",
            "<thead>",
            "<tr><th><name>  </th></tr>",
            "</thead>",
            "<tbody>",
            "<tr><td><b>x</b></td></tr>",
            "</tbody>",
            "</table>",
        ],
    );
}

/// rst cannot start a row with an empty cell, so tabulate writes `..` there.
#[test]
fn rst_marks_empty_first_cells() {
    assert_table(
        &["", "v"],
        &[
            &[Some(""), Some("1")],
            &[Some(" "), Some("2")],
            &[None, Some("3")],
        ],
        Format::Rst,
        &[
            "====  ===",
            "..      v",
            "====  ===",
            "..      1",
            "..      2",
            "        3",
            "====  ===",
        ],
    );
}

/// A header shorter than the first row is padded with empty names on the left.
#[test]
fn short_header_is_padded_on_the_left() {
    assert_table(
        &["only"],
        &[&[Some("a"), Some("b"), Some("c")]],
        Format::Grid,
        &[
            "+----+----+--------+",
            "|    |    | only   |",
            "+====+====+========+",
            "| a  | b  | c      |",
            "+----+----+--------+",
        ],
    );
}

/// Columns without a header name are dropped (the header is padded from the first row only).
#[test]
fn columns_beyond_the_first_row_header_are_dropped() {
    assert_table(
        &["a"],
        &[&[Some("x")], &[Some("y"), Some("z")]],
        Format::Grid,
        &[
            "+-----+", "| a   |", "+=====+", "| x   |", "+-----+", "| y   |", "+-----+",
        ],
    );
}

#[test]
fn ragged_rows_get_missing_cells() {
    assert_table(
        &["a", "b"],
        &[&[Some("x")], &[Some("y"), Some("1")]],
        Format::Simple,
        &["a      b", "---  ---", "x", "y      1"],
    );
}

/// A row whose first or second cell is "\x01" is drawn as a separator line.
#[test]
fn separator_rows() {
    assert_table(
        &["a", "b"],
        &[
            &[Some("1"), Some("2")],
            &[Some("\x01")],
            &[Some("3"), Some("4")],
        ],
        Format::Simple,
        &["  a    b", "---  ---", "  1    2", "---  ---", "  3    4"],
    );
}

#[test]
fn separator_rows_in_grid() {
    assert_table(
        &["a", "b"],
        &[
            &[Some("1"), Some("2")],
            &[Some("\x01")],
            &[Some("3"), Some("4")],
        ],
        Format::Grid,
        &[
            "+-----+-----+",
            "|   a |   b |",
            "+=====+=====+",
            "|   1 |   2 |",
            "+-----+-----+",
            "+-----+-----+",
            "|   3 |   4 |",
            "+-----+-----+",
        ],
    );
}

/// Terminal colour codes are invisible for widths, and tabulate rewrites coloured integers
/// through `int()`.
#[test]
fn colored_integers_lose_leading_zeros() {
    assert_table(
        &["n"],
        &[&[Some("\x1b[31m007\x1b[0m")], &[Some("12")]],
        Format::Simple,
        &["  n", "---", "  \x1b[31m7\x1b[0m", " 12"],
    );
}

#[test]
fn escape_codes_take_no_width() {
    assert_table(
        &["name"],
        &[&[Some("\x1b[1mnumpy\x1b[0m")], &[Some("six")]],
        Format::Grid,
        &[
            "+--------+",
            "| name   |",
            "+========+",
            "| \x1b[1mnumpy\x1b[0m  |",
            "+--------+",
            "| six    |",
            "+--------+",
        ],
    );
}

/// `pretty` centres everything and does not parse numbers (`2.0` stays `2.0`).
#[test]
fn pretty_centres_and_does_not_parse_numbers() {
    assert_table(
        &["name", "v"],
        &[
            &[Some("numpy"), Some("2.0")],
            &[Some("netCDF4"), Some("1.10")],
        ],
        Format::Pretty,
        &[
            "+---------+------+",
            "|  name   |  v   |",
            "+---------+------+",
            "|  numpy  | 2.0  |",
            "| netCDF4 | 1.10 |",
            "+---------+------+",
        ],
    );
}

#[test]
fn mediawiki_numeric_columns_align_right() {
    assert_table(
        &["name", "n"],
        &[&[Some("numpy"), Some("1")], &[Some("six"), Some("22")]],
        Format::Mediawiki,
        &[
            "{| class=\"wikitable\" style=\"text-align: left;\"",
            "|+ <!-- caption -->",
            "|-",
            "! name   !! style=\"text-align: right;\"|   n",
            "|-",
            "| numpy  || style=\"text-align: right;\"|   1",
            "|-",
            "| six    || style=\"text-align: right;\"|  22",
            "|}",
        ],
    );
}
