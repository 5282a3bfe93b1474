//! Specifier sets must admit exactly the versions packaging 21.3 admits, and requirement
//! strings must parse (or fail) as the reference's own grammar does.

use std::str::FromStr;

use loose_version::LooseVersion;
use requirements::{SpecifierSet, WildRequirement};

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
    let answer = test_support::run_python_json(
        CONTAINS,
        &[],
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

/// The reference's answers for a list of requirement strings, recorded by
/// tests/regen-golden.py from the reference's own grammar (wild_requirements.py): name,
/// specifier set and URL, or null where it rejects the string.
#[test]
fn requirement_grammar_matches_the_reference() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/golden/requirement-grammar.json");
    let text = std::fs::read_to_string(&path).expect("tests/golden/requirement-grammar.json");
    let answers: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert!(answers.len() > 40, "too few recorded requirements");
    let mut failures = Vec::new();
    for (text, expected) in &answers {
        let ours = WildRequirement::parse(text)
            .ok()
            .map(|r| serde_json::json!([r.name, r.specifier.to_string(), r.url]))
            .unwrap_or(serde_json::Value::Null);
        if &ours != expected {
            failures.push(format!("{text:?}: reference {expected}, ours {ours}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
