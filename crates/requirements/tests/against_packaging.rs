//! Specifier sets must admit exactly the versions packaging 21.3 admits, and requirement
//! strings must parse (or fail) as the reference's own grammar does.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::str::FromStr;

use loose_version::LooseVersion;
use requirements::{SpecifierSet, WildRequirement};

fn tools_python() -> PathBuf {
    let path = std::env::var_os("WHEELHOUSE_TOOLS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/python")
        });
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup-tools.sh",
        path.display()
    );
    path
}

fn ask_python(script: &str, input: &serde_json::Value) -> serde_json::Value {
    let mut child = Command::new(tools_python())
        .args(["-W", "ignore", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

const SPECS: &[&str] = &[
    "",
    ">=1.0",
    "<2",
    "<2.0",
    ">1.0",
    "==1.0",
    "==1.0.*",
    "==1.*",
    "!=1.0",
    "!=1.0.*",
    "~=1.0",
    "~=1.0.1",
    "~=2.0rc1",
    "<=1.0",
    ">=2.0rc1",
    "==2.0rc1",
    "<2.0rc1",
    ">1.0.post1",
    ">1.0",
    "==1.0+local",
    "===1.0",
    "===foo",
    ">=1.21.*",
    "<=1.0+local",
    ">>1",
    ">=",
    "==foo",
    "<foo",
    ">=1.0,<2.0",
    ">=0.9,!=1.0.1",
    "==1.0.0",
    "==v1.0",
    "==1.0rc1.*",
    "~=1.0.dev1",
    ">=1!1.0",
    "<1!0.5",
    "==1.26.4",
    "<1.23",
    "~=1.26.0",
    "==0.4.20",
    ">0.4",
    "==2020.1",
];

const VERSIONS: &[&str] = &[
    "1.0",
    "1.0.0",
    "1",
    "1.0.1",
    "1.1",
    "2.0",
    "2.0rc1",
    "2.0.dev1",
    "1.0rc1",
    "1.0.post1",
    "1.0.post1.dev1",
    "1.0+local",
    "1.0.1+cc",
    "0.9",
    "1.26.4",
    "1.22.2",
    "1.23.0",
    "1.27",
    "0.4.20",
    "2020.1",
    "foo",
    "1!1.0",
    "1!0.1",
    "1.0a1",
    "3.0",
    "1.0.dev0",
    "1.21.5",
    "0.5",
];

const CONTAINS: &str = r#"
import json, sys
from packaging.specifiers import SpecifierSet
data = json.load(sys.stdin)
out = []
for spec in data["specs"]:
    s = SpecifierSet(spec)
    out.append([v in s for v in data["versions"]])
print(json.dumps(out))
"#;

#[test]
fn specifier_sets_match_packaging_21_3() {
    let answer = ask_python(
        CONTAINS,
        &serde_json::json!({"specs": SPECS, "versions": VERSIONS}),
    );
    let mut failures = Vec::new();
    for (i, spec) in SPECS.iter().enumerate() {
        let set = SpecifierSet::from_str(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        for (j, version) in VERSIONS.iter().enumerate() {
            let expected = answer[i][j].as_bool().unwrap();
            let ours = set.contains(&LooseVersion::parse(version));
            if ours != expected {
                failures.push(format!(
                    "{version:?} in {spec:?}: packaging {expected}, ours {ours}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const REQUIREMENTS: &[&str] = &[
    "numpy",
    "NumPy",
    "*cdf*",
    "*CDF*",
    "netCDF*",
    "a*b*c",
    "a*b*",
    "a-",
    "Foo.Bar-baz",
    "scikit-learn>=1.0",
    "numpy>>1",
    "numpy>=",
    "numpy >= 1.0 , <2",
    "numpy (>=1.0)",
    "numpy(>=1.0,<2)",
    "num py",
    "numpy[",
    "numpy[]",
    "numpy[x, y]>=1",
    "?x",
    "numpy===foo",
    "numpy==1.0.*",
    "numpy~=1",
    "numpy<=1.0+local",
    "numpy>=1.21.*",
    "pkg @ https://x/y.whl",
    "pkg@https://x/y.whl ; os_name == 'posix'",
    "numpy;",
    "numpy; bogus",
    "numpy; python_version < \"3.8\"",
    "numpy ; python_version < '3.8' and os_name=='posix'",
    "numpy==1.0 extra",
    "-numpy",
    "numpy-*",
    "*",
    "**",
    "numpy==",
    "numpy ==1.0",
    "numpy,",
    "numpy>1,",
    "numpy!=1.0,!=1.1",
    "a_b.c-d",
    "1numpy",
    "numpy (==1.0",
    "numpy; (os_name == 'posix'",
];

const PARSE: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import wild_requirements as w
out = []
for r in json.load(sys.stdin):
    try:
        q = w.Requirement(r)
        out.append([q.name, str(q.specifier), q.url])
    except Exception:
        out.append(None)
print(json.dumps(out))
"#;

/// The reference's grammar lives in its own source, which is not part of this repository:
/// this test runs when `AVAIL_WHEELS_REFERENCE` points at a checkout (see tests/README.md).
#[test]
fn requirement_grammar_matches_the_reference() {
    let Some(reference) = std::env::var_os("AVAIL_WHEELS_REFERENCE") else {
        eprintln!("AVAIL_WHEELS_REFERENCE not set: grammar comparison not run");
        return;
    };
    let mut child = Command::new(tools_python())
        .args(["-W", "ignore", "-c", PARSE])
        .arg(&reference)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(serde_json::json!(REQUIREMENTS).to_string().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut failures = Vec::new();
    for (i, text) in REQUIREMENTS.iter().enumerate() {
        let ours = WildRequirement::parse(text)
            .ok()
            .map(|r| serde_json::json!([r.name, r.specifier.to_string(), r.url]))
            .unwrap_or(serde_json::Value::Null);
        if ours != answer[i] {
            failures.push(format!("{text:?}: reference {}, ours {ours}", answer[i]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
