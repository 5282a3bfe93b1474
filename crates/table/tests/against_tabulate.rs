//! Every format, on many generated tables, must equal what Python's tabulate prints.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use table::{render, Format};

fn tools_python() -> PathBuf {
    let path = std::env::var_os("WHEELHOUSE_TOOLS_PYTHON").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/python")
    });
    assert!(path.exists(), "{} is missing: run scripts/setup-tools.sh", path.display());
    path
}

const HEADERS: &[&str] = &["name", "version", "localversion", "build", "python", "abi", "platform", "arch", "x"];
const CELLS: &[Option<&str>] = &[
    Some("numpy"), Some("netCDF4"), Some("h5netcdf"), Some("1.26.4"), Some("2.0"), Some("1.10"), Some("2020"),
    Some("0.4"), Some("1e5"), Some("computecanada"), None, Some(""), Some("cp311"), Some("py2,py3"),
    Some("x86-64-v3"), Some("generic"), Some("linux_x86_64"), Some("abi3"), Some("1"), Some("007"), Some("-3"),
    Some("inf"), Some("nan"), Some("ä"), Some("1,000"), Some("1,000.5"), Some(".5"), Some("True"), Some("1_000"),
    Some(" 3 "), Some("1.5e20"), Some("0.00001"), Some("<b>&"), Some("2.0rc1"), Some("123456789"), Some("-0"),
    Some("2.50"), Some("0.1234567"), Some("x y"), Some("Infinity"), Some("1e400"), Some("12345678.9"),
];

/// A small deterministic generator: the tables are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn tables() -> Vec<(Vec<&'static str>, Vec<Vec<Option<String>>>)> {
    let mut rng = Lcg(42);
    let mut out = Vec::new();
    for t in 0..300 {
        let ncols = 1 + rng.next(5);
        let headers: Vec<&str> = (0..ncols).map(|_| HEADERS[rng.next(HEADERS.len())]).collect();
        let nrows = rng.next(8);
        // Some tables keep one kind of value per column, so numeric columns occur often.
        let homogeneous = t % 2 == 0;
        let column_pick: Vec<usize> = (0..ncols).map(|_| rng.next(CELLS.len())).collect();
        let rows = (0..nrows)
            .map(|_| {
                (0..ncols)
                    .map(|c| {
                        let pick = if homogeneous && rng.next(3) > 0 {
                            // Neighbouring values of the same kind.
                            (column_pick[c] + rng.next(2)) % CELLS.len()
                        } else {
                            rng.next(CELLS.len())
                        };
                        CELLS[pick].map(str::to_string)
                    })
                    .collect()
            })
            .collect();
        out.push((headers, rows));
    }
    out
}

const SCRIPT: &str = r#"
import json, sys
from tabulate import tabulate
data = json.load(sys.stdin)
out = []
for fmt in data["formats"]:
    out.append([tabulate(rows, headers=headers, tablefmt=fmt) for headers, rows in data["tables"]])
print(json.dumps(out))
"#;

#[test]
fn every_format_matches_tabulate() {
    let tables = tables();
    let input = serde_json::json!({"formats": Format::NAMES, "tables": tables});
    let mut child = Command::new(tools_python())
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.as_mut().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let expected: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
    let mut failures = Vec::new();
    for (f, name) in Format::NAMES.iter().enumerate() {
        let format = Format::from_name(name).unwrap();
        for (t, (headers, rows)) in tables.iter().enumerate() {
            let ours = render(headers, rows, format);
            if ours != expected[f][t] {
                failures.push(format!("{name} table {t} {headers:?} {rows:?}\n--- tabulate\n{}\n--- ours\n{ours}", expected[f][t]));
            }
        }
    }
    assert!(failures.is_empty(), "{} differences; first ones:\n{}", failures.len(), failures.iter().take(4).cloned().collect::<Vec<_>>().join("\n\n"));
}
