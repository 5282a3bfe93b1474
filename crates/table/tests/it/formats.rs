//! One avail_wheels-like table in every format. Every expected string was printed by
//! tabulate 0.10.0 (`tabulate(WHEELS, headers=WHEELS_HEADERS, tablefmt=...)`).
//!
//! The `version` column shows tabulate's number handling: "2.0", "1.10" and "16" all parse
//! as numbers, so the column is a float column, reprinted with `format(x, "g")` and aligned
//! on the decimal point.

use table::Format;

use crate::common::assert_table;

const WHEELS_HEADERS: &[&str] = &["name", "version", "python", "arch"];
const WHEELS: &[&[Option<&str>]] = &[
    &[Some("numpy"), Some("2.0"), Some("cp311"), Some("x86-64-v3")],
    &[Some("netCDF4"), Some("1.10"), Some("cp310"), None],
    &[Some("six"), Some("16"), Some("py2,py3"), Some("generic")],
];

fn wheels(format: Format, expected: &[&str]) {
    assert_table(WHEELS_HEADERS, WHEELS, format, expected);
}

#[test]
fn format_asciidoc() {
    wheels(
        Format::Asciidoc,
        &[
            "[cols=\"<9,>11,<10,<11\",options=\"header\"]",
            "|====",
            "| name    |   version | python   | arch      ",
            "| numpy   |       2   | cp311    | x86-64-v3 ",
            "| netCDF4 |       1.1 | cp310    |           ",
            "| six     |      16   | py2,py3  | generic   ",
            "|====",
        ],
    );
}

#[test]
fn format_colon_grid() {
    wheels(
        Format::ColonGrid,
        &[
            "+---------+-----------+----------+-----------+",
            "| name    | version   | python   | arch      |",
            "+:========+:==========+:=========+:==========+",
            "| numpy   | 2         | cp311    | x86-64-v3 |",
            "+---------+-----------+----------+-----------+",
            "| netCDF4 | 1.1       | cp310    |           |",
            "+---------+-----------+----------+-----------+",
            "| six     | 16        | py2,py3  | generic   |",
            "+---------+-----------+----------+-----------+",
        ],
    );
}

#[test]
fn format_double_grid() {
    wheels(
        Format::DoubleGrid,
        &[
            "╔═════════╦═══════════╦══════════╦═══════════╗",
            "║ name    ║   version ║ python   ║ arch      ║",
            "╠═════════╬═══════════╬══════════╬═══════════╣",
            "║ numpy   ║       2   ║ cp311    ║ x86-64-v3 ║",
            "╠═════════╬═══════════╬══════════╬═══════════╣",
            "║ netCDF4 ║       1.1 ║ cp310    ║           ║",
            "╠═════════╬═══════════╬══════════╬═══════════╣",
            "║ six     ║      16   ║ py2,py3  ║ generic   ║",
            "╚═════════╩═══════════╩══════════╩═══════════╝",
        ],
    );
}

#[test]
fn format_double_outline() {
    wheels(
        Format::DoubleOutline,
        &[
            "╔═════════╦═══════════╦══════════╦═══════════╗",
            "║ name    ║   version ║ python   ║ arch      ║",
            "╠═════════╬═══════════╬══════════╬═══════════╣",
            "║ numpy   ║       2   ║ cp311    ║ x86-64-v3 ║",
            "║ netCDF4 ║       1.1 ║ cp310    ║           ║",
            "║ six     ║      16   ║ py2,py3  ║ generic   ║",
            "╚═════════╩═══════════╩══════════╩═══════════╝",
        ],
    );
}

#[test]
fn format_fancy_grid() {
    wheels(
        Format::FancyGrid,
        &[
            "╒═════════╤═══════════╤══════════╤═══════════╕",
            "│ name    │   version │ python   │ arch      │",
            "╞═════════╪═══════════╪══════════╪═══════════╡",
            "│ numpy   │       2   │ cp311    │ x86-64-v3 │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ netCDF4 │       1.1 │ cp310    │           │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ six     │      16   │ py2,py3  │ generic   │",
            "╘═════════╧═══════════╧══════════╧═══════════╛",
        ],
    );
}

#[test]
fn format_fancy_outline() {
    wheels(
        Format::FancyOutline,
        &[
            "╒═════════╤═══════════╤══════════╤═══════════╕",
            "│ name    │   version │ python   │ arch      │",
            "╞═════════╪═══════════╪══════════╪═══════════╡",
            "│ numpy   │       2   │ cp311    │ x86-64-v3 │",
            "│ netCDF4 │       1.1 │ cp310    │           │",
            "│ six     │      16   │ py2,py3  │ generic   │",
            "╘═════════╧═══════════╧══════════╧═══════════╛",
        ],
    );
}

#[test]
fn format_github() {
    wheels(
        Format::Github,
        &[
            "| name    |   version | python   | arch      |",
            "|---------|-----------|----------|-----------|",
            "| numpy   |       2   | cp311    | x86-64-v3 |",
            "| netCDF4 |       1.1 | cp310    |           |",
            "| six     |      16   | py2,py3  | generic   |",
        ],
    );
}

#[test]
fn format_grid() {
    wheels(
        Format::Grid,
        &[
            "+---------+-----------+----------+-----------+",
            "| name    |   version | python   | arch      |",
            "+=========+===========+==========+===========+",
            "| numpy   |       2   | cp311    | x86-64-v3 |",
            "+---------+-----------+----------+-----------+",
            "| netCDF4 |       1.1 | cp310    |           |",
            "+---------+-----------+----------+-----------+",
            "| six     |      16   | py2,py3  | generic   |",
            "+---------+-----------+----------+-----------+",
        ],
    );
}

#[test]
fn format_heavy_grid() {
    wheels(
        Format::HeavyGrid,
        &[
            "┏━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━┓",
            "┃ name    ┃   version ┃ python   ┃ arch      ┃",
            "┣━━━━━━━━━╋━━━━━━━━━━━╋━━━━━━━━━━╋━━━━━━━━━━━┫",
            "┃ numpy   ┃       2   ┃ cp311    ┃ x86-64-v3 ┃",
            "┣━━━━━━━━━╋━━━━━━━━━━━╋━━━━━━━━━━╋━━━━━━━━━━━┫",
            "┃ netCDF4 ┃       1.1 ┃ cp310    ┃           ┃",
            "┣━━━━━━━━━╋━━━━━━━━━━━╋━━━━━━━━━━╋━━━━━━━━━━━┫",
            "┃ six     ┃      16   ┃ py2,py3  ┃ generic   ┃",
            "┗━━━━━━━━━┻━━━━━━━━━━━┻━━━━━━━━━━┻━━━━━━━━━━━┛",
        ],
    );
}

#[test]
fn format_heavy_outline() {
    wheels(
        Format::HeavyOutline,
        &[
            "┏━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━┓",
            "┃ name    ┃   version ┃ python   ┃ arch      ┃",
            "┣━━━━━━━━━╋━━━━━━━━━━━╋━━━━━━━━━━╋━━━━━━━━━━━┫",
            "┃ numpy   ┃       2   ┃ cp311    ┃ x86-64-v3 ┃",
            "┃ netCDF4 ┃       1.1 ┃ cp310    ┃           ┃",
            "┃ six     ┃      16   ┃ py2,py3  ┃ generic   ┃",
            "┗━━━━━━━━━┻━━━━━━━━━━━┻━━━━━━━━━━┻━━━━━━━━━━━┛",
        ],
    );
}

#[test]
fn format_html() {
    assert_table(WHEELS_HEADERS, WHEELS, Format::Html, &[
        "<table>",
        "<thead>",
        "<tr><th>name   </th><th style=\"text-align: right;\">  version</th><th>python  </th><th>arch     </th></tr>",
        "</thead>",
        "<tbody>",
        "<tr><td>numpy  </td><td style=\"text-align: right;\">      2  </td><td>cp311   </td><td>x86-64-v3</td></tr>",
        "<tr><td>netCDF4</td><td style=\"text-align: right;\">      1.1</td><td>cp310   </td><td>         </td></tr>",
        "<tr><td>six    </td><td style=\"text-align: right;\">     16  </td><td>py2,py3 </td><td>generic  </td></tr>",
        "</tbody>",
        "</table>",
    ]);
}

#[test]
fn format_jira() {
    wheels(
        Format::Jira,
        &[
            "|| name    ||   version || python   || arch      ||",
            "| numpy   |       2   | cp311    | x86-64-v3 |",
            "| netCDF4 |       1.1 | cp310    |           |",
            "| six     |      16   | py2,py3  | generic   |",
        ],
    );
}

#[test]
fn format_latex() {
    wheels(
        Format::Latex,
        &[
            "\\begin{tabular}{lrll}",
            "\\hline",
            " name    &   version & python   & arch      \\\\",
            "\\hline",
            " numpy   &       2   & cp311    & x86-64-v3 \\\\",
            " netCDF4 &       1.1 & cp310    &           \\\\",
            " six     &      16   & py2,py3  & generic   \\\\",
            "\\hline",
            "\\end{tabular}",
        ],
    );
}

#[test]
fn format_latex_booktabs() {
    wheels(
        Format::LatexBooktabs,
        &[
            "\\begin{tabular}{lrll}",
            "\\toprule",
            " name    &   version & python   & arch      \\\\",
            "\\midrule",
            " numpy   &       2   & cp311    & x86-64-v3 \\\\",
            " netCDF4 &       1.1 & cp310    &           \\\\",
            " six     &      16   & py2,py3  & generic   \\\\",
            "\\bottomrule",
            "\\end{tabular}",
        ],
    );
}

#[test]
fn format_latex_longtable() {
    wheels(
        Format::LatexLongtable,
        &[
            "\\begin{longtable}{lrll}",
            "\\hline",
            " name    &   version & python   & arch      \\\\",
            "\\hline",
            "\\endhead",
            " numpy   &       2   & cp311    & x86-64-v3 \\\\",
            " netCDF4 &       1.1 & cp310    &           \\\\",
            " six     &      16   & py2,py3  & generic   \\\\",
            "\\hline",
            "\\end{longtable}",
        ],
    );
}

#[test]
fn format_latex_raw() {
    wheels(
        Format::LatexRaw,
        &[
            "\\begin{tabular}{lrll}",
            "\\hline",
            " name    &   version & python   & arch      \\\\",
            "\\hline",
            " numpy   &       2   & cp311    & x86-64-v3 \\\\",
            " netCDF4 &       1.1 & cp310    &           \\\\",
            " six     &      16   & py2,py3  & generic   \\\\",
            "\\hline",
            "\\end{tabular}",
        ],
    );
}

#[test]
fn format_mediawiki() {
    wheels(
        Format::Mediawiki,
        &[
            "{| class=\"wikitable\" style=\"text-align: left;\"",
            "|+ <!-- caption -->",
            "|-",
            "! name    !! style=\"text-align: right;\"|   version !! python   !! arch",
            "|-",
            "| numpy   || style=\"text-align: right;\"|       2   || cp311    || x86-64-v3",
            "|-",
            "| netCDF4 || style=\"text-align: right;\"|       1.1 || cp310    ||",
            "|-",
            "| six     || style=\"text-align: right;\"|      16   || py2,py3  || generic",
            "|}",
        ],
    );
}

#[test]
fn format_mixed_grid() {
    wheels(
        Format::MixedGrid,
        &[
            "┍━━━━━━━━━┯━━━━━━━━━━━┯━━━━━━━━━━┯━━━━━━━━━━━┑",
            "│ name    │   version │ python   │ arch      │",
            "┝━━━━━━━━━┿━━━━━━━━━━━┿━━━━━━━━━━┿━━━━━━━━━━━┥",
            "│ numpy   │       2   │ cp311    │ x86-64-v3 │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ netCDF4 │       1.1 │ cp310    │           │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ six     │      16   │ py2,py3  │ generic   │",
            "┕━━━━━━━━━┷━━━━━━━━━━━┷━━━━━━━━━━┷━━━━━━━━━━━┙",
        ],
    );
}

#[test]
fn format_mixed_outline() {
    wheels(
        Format::MixedOutline,
        &[
            "┍━━━━━━━━━┯━━━━━━━━━━━┯━━━━━━━━━━┯━━━━━━━━━━━┑",
            "│ name    │   version │ python   │ arch      │",
            "┝━━━━━━━━━┿━━━━━━━━━━━┿━━━━━━━━━━┿━━━━━━━━━━━┥",
            "│ numpy   │       2   │ cp311    │ x86-64-v3 │",
            "│ netCDF4 │       1.1 │ cp310    │           │",
            "│ six     │      16   │ py2,py3  │ generic   │",
            "┕━━━━━━━━━┷━━━━━━━━━━━┷━━━━━━━━━━┷━━━━━━━━━━━┙",
        ],
    );
}

#[test]
fn format_moinmoin() {
    assert_table(WHEELS_HEADERS, WHEELS, Format::Moinmoin, &[
        "|| ''' name    ''' ||<style=\"text-align: right;\"> '''   version ''' || ''' python   ''' || ''' arch      ''' ||",
        "||  numpy    ||<style=\"text-align: right;\">        2    ||  cp311     ||  x86-64-v3  ||",
        "||  netCDF4  ||<style=\"text-align: right;\">        1.1  ||  cp310     ||             ||",
        "||  six      ||<style=\"text-align: right;\">       16    ||  py2,py3   ||  generic    ||",
    ]);
}

#[test]
fn format_orgtbl() {
    wheels(
        Format::Orgtbl,
        &[
            "| name    |   version | python   | arch      |",
            "|---------+-----------+----------+-----------|",
            "| numpy   |       2   | cp311    | x86-64-v3 |",
            "| netCDF4 |       1.1 | cp310    |           |",
            "| six     |      16   | py2,py3  | generic   |",
        ],
    );
}

#[test]
fn format_outline() {
    wheels(
        Format::Outline,
        &[
            "+---------+-----------+----------+-----------+",
            "| name    |   version | python   | arch      |",
            "+=========+===========+==========+===========+",
            "| numpy   |       2   | cp311    | x86-64-v3 |",
            "| netCDF4 |       1.1 | cp310    |           |",
            "| six     |      16   | py2,py3  | generic   |",
            "+---------+-----------+----------+-----------+",
        ],
    );
}

#[test]
fn format_pipe() {
    wheels(
        Format::Pipe,
        &[
            "| name    |   version | python   | arch      |",
            "|:--------|----------:|:---------|:----------|",
            "| numpy   |       2   | cp311    | x86-64-v3 |",
            "| netCDF4 |       1.1 | cp310    |           |",
            "| six     |      16   | py2,py3  | generic   |",
        ],
    );
}

#[test]
fn format_plain() {
    wheels(
        Format::Plain,
        &[
            "name       version  python    arch",
            "numpy          2    cp311     x86-64-v3",
            "netCDF4        1.1  cp310",
            "six           16    py2,py3   generic",
        ],
    );
}

#[test]
fn format_presto() {
    wheels(
        Format::Presto,
        &[
            " name    |   version | python   | arch",
            "---------+-----------+----------+-----------",
            " numpy   |       2   | cp311    | x86-64-v3",
            " netCDF4 |       1.1 | cp310    |",
            " six     |      16   | py2,py3  | generic",
        ],
    );
}

#[test]
fn format_pretty() {
    wheels(
        Format::Pretty,
        &[
            "+---------+---------+---------+-----------+",
            "|  name   | version | python  |   arch    |",
            "+---------+---------+---------+-----------+",
            "|  numpy  |   2.0   |  cp311  | x86-64-v3 |",
            "| netCDF4 |  1.10   |  cp310  |           |",
            "|   six   |   16    | py2,py3 |  generic  |",
            "+---------+---------+---------+-----------+",
        ],
    );
}

#[test]
fn format_psql() {
    wheels(
        Format::Psql,
        &[
            "+---------+-----------+----------+-----------+",
            "| name    |   version | python   | arch      |",
            "|---------+-----------+----------+-----------|",
            "| numpy   |       2   | cp311    | x86-64-v3 |",
            "| netCDF4 |       1.1 | cp310    |           |",
            "| six     |      16   | py2,py3  | generic   |",
            "+---------+-----------+----------+-----------+",
        ],
    );
}

#[test]
fn format_rounded_grid() {
    wheels(
        Format::RoundedGrid,
        &[
            "╭─────────┬───────────┬──────────┬───────────╮",
            "│ name    │   version │ python   │ arch      │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ numpy   │       2   │ cp311    │ x86-64-v3 │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ netCDF4 │       1.1 │ cp310    │           │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ six     │      16   │ py2,py3  │ generic   │",
            "╰─────────┴───────────┴──────────┴───────────╯",
        ],
    );
}

#[test]
fn format_rounded_outline() {
    wheels(
        Format::RoundedOutline,
        &[
            "╭─────────┬───────────┬──────────┬───────────╮",
            "│ name    │   version │ python   │ arch      │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ numpy   │       2   │ cp311    │ x86-64-v3 │",
            "│ netCDF4 │       1.1 │ cp310    │           │",
            "│ six     │      16   │ py2,py3  │ generic   │",
            "╰─────────┴───────────┴──────────┴───────────╯",
        ],
    );
}

#[test]
fn format_rst() {
    wheels(
        Format::Rst,
        &[
            "=======  =========  ========  =========",
            "name       version  python    arch",
            "=======  =========  ========  =========",
            "numpy          2    cp311     x86-64-v3",
            "netCDF4        1.1  cp310",
            "six           16    py2,py3   generic",
            "=======  =========  ========  =========",
        ],
    );
}

#[test]
fn format_simple() {
    wheels(
        Format::Simple,
        &[
            "name       version  python    arch",
            "-------  ---------  --------  ---------",
            "numpy          2    cp311     x86-64-v3",
            "netCDF4        1.1  cp310",
            "six           16    py2,py3   generic",
        ],
    );
}

#[test]
fn format_simple_grid() {
    wheels(
        Format::SimpleGrid,
        &[
            "┌─────────┬───────────┬──────────┬───────────┐",
            "│ name    │   version │ python   │ arch      │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ numpy   │       2   │ cp311    │ x86-64-v3 │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ netCDF4 │       1.1 │ cp310    │           │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ six     │      16   │ py2,py3  │ generic   │",
            "└─────────┴───────────┴──────────┴───────────┘",
        ],
    );
}

#[test]
fn format_simple_outline() {
    wheels(
        Format::SimpleOutline,
        &[
            "┌─────────┬───────────┬──────────┬───────────┐",
            "│ name    │   version │ python   │ arch      │",
            "├─────────┼───────────┼──────────┼───────────┤",
            "│ numpy   │       2   │ cp311    │ x86-64-v3 │",
            "│ netCDF4 │       1.1 │ cp310    │           │",
            "│ six     │      16   │ py2,py3  │ generic   │",
            "└─────────┴───────────┴──────────┴───────────┘",
        ],
    );
}

#[test]
fn format_textile() {
    wheels(
        Format::Textile,
        &[
            "|_.  name    |_.   version |_. python   |_. arch      |",
            "|<. numpy    |>.       2   |<. cp311    |<. x86-64-v3 |",
            "|<. netCDF4  |>.       1.1 |<. cp310    |<.           |",
            "|<. six      |>.      16   |<. py2,py3  |<. generic   |",
        ],
    );
}

#[test]
fn format_tsv() {
    wheels(
        Format::Tsv,
        &[
            "name   \t  version\tpython  \tarch",
            "numpy  \t      2  \tcp311   \tx86-64-v3",
            "netCDF4\t      1.1\tcp310",
            "six    \t     16  \tpy2,py3 \tgeneric",
        ],
    );
}

#[test]
fn format_unsafehtml() {
    assert_table(WHEELS_HEADERS, WHEELS, Format::UnsafeHtml, &[
        "<table>",
        "<thead>",
        "<tr><th>name   </th><th style=\"text-align: right;\">  version</th><th>python  </th><th>arch     </th></tr>",
        "</thead>",
        "<tbody>",
        "<tr><td>numpy  </td><td style=\"text-align: right;\">      2  </td><td>cp311   </td><td>x86-64-v3</td></tr>",
        "<tr><td>netCDF4</td><td style=\"text-align: right;\">      1.1</td><td>cp310   </td><td>         </td></tr>",
        "<tr><td>six    </td><td style=\"text-align: right;\">     16  </td><td>py2,py3 </td><td>generic  </td></tr>",
        "</tbody>",
        "</table>",
    ]);
}

#[test]
fn format_youtrack() {
    wheels(
        Format::Youtrack,
        &[
            "||  name     ||    version  ||  python    ||  arch       ||",
            "|  numpy    |        2    |  cp311     |  x86-64-v3  |",
            "|  netCDF4  |        1.1  |  cp310     |             |",
            "|  six      |       16    |  py2,py3   |  generic    |",
        ],
    );
}
