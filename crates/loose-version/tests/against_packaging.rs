//! Parse, normalisation and ordering must equal packaging 21.3's, which the reference runs on.

use loose_version::LooseVersion;

const SCRIPT: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from packaging.version import parse, Version
items = json.load(sys.stdin)
out = []
for s in items:
    v = parse(s)
    out.append([isinstance(v, Version), str(v), v.public, v.local, v.is_prerelease])
order = sorted(range(len(items)), key=lambda i: parse(items[i]))
print(json.dumps({"each": out, "order": [parse(items[i])._key == parse(items[j])._key for i, j in zip(order, order[1:])], "sorted": order}))
"#;

fn pool() -> Vec<String> {
    let mut pool: Vec<String> = [
        "1.0",
        "1.0.0",
        "1",
        "2.0",
        "1.10",
        "1.26.4",
        "1.26.4+computecanada",
        "1.26.4+cc.007",
        "1.0rc1",
        "1.0RC1",
        "1.0c1",
        "1.0-rc.1",
        "1.0a1",
        "1.0alpha1",
        "1.0b2",
        "1.0beta2",
        "1.0.dev1",
        "1.0.DEV",
        "1.0-dev",
        "1.0.post1",
        "1.0-1",
        "1.0.rev1",
        "1.0r1",
        "1.0_post_2",
        "v1.0",
        "V2",
        " 1.0 ",
        "1!2.0",
        "0!1.0",
        "1.0+local-1_2",
        "1.0+abc.5",
        "1.0+5",
        "1.0+abc",
        "1.0.post1.dev2",
        "1.0rc1.post1",
        "1.0a1.dev1",
        "2020.1",
        "2021.02.03",
        "0.4.20",
        "cp311",
        "cp39",
        "cp310",
        "py2,py3",
        "py3",
        "py2.py3",
        "x86-64-v3",
        "x86-64-v4",
        "generic",
        "avx2",
        "avx512",
        "sse3",
        "",
        "foo",
        "1.0-foo",
        "1.0.*",
        "1.0-pre1",
        "1.0preview2",
        "1.0-final",
        "1.0.final",
        "abc-1.0",
        "1.0dev",
        "1.0-dev-1",
        "1.0--1",
        "numpy",
        "netCDF4",
        "0.0",
        "00.1",
        "1.0.0.0.0",
        "1.2.3.4.5.6",
        "1.0+",
        "1.0++a",
        "+local",
        "1..0",
        "0x1F",
        "1.0a",
        "1.0b",
        "1.0.post",
        "1.0.dev",
        "1.0-r",
        "1.0 beta",
        "π",
        "1.0+ä",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // A deterministic spread of combinations.
    let bases = ["0.9", "1.0", "1.0.1", "2"];
    let suffixes = [
        "",
        "a1",
        "b2",
        "rc3",
        ".post1",
        ".dev4",
        "+cc",
        "+cc.1",
        "-2",
        ".post1.dev1",
    ];
    for b in bases {
        for s in suffixes {
            pool.push(format!("{b}{s}"));
        }
    }
    pool
}

#[test]
fn matches_packaging_21_3() {
    let items = pool();
    let answer = test_support::run_python_json(SCRIPT, &[], &serde_json::json!(items));
    let parsed: Vec<LooseVersion> = items.iter().map(|s| LooseVersion::parse(s)).collect();
    let mut failures = Vec::new();
    for (i, expected) in answer["each"].as_array().unwrap().iter().enumerate() {
        let v = &parsed[i];
        let ours = serde_json::json!([
            v.as_pep440().is_some(),
            v.to_string(),
            v.public(),
            v.local(),
            v.is_prerelease()
        ]);
        if &ours != expected {
            failures.push(format!("{:?}: packaging {expected}, ours {ours}", items[i]));
        }
    }
    let order: Vec<usize> = answer["sorted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    let equal: Vec<bool> = answer["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_bool().unwrap())
        .collect();
    for (k, pair) in order.windows(2).enumerate() {
        let (a, b) = (&parsed[pair[0]], &parsed[pair[1]]);
        let ok = if equal[k] { a == b } else { a < b };
        if !ok {
            failures.push(format!(
                "order: {:?} then {:?} (equal: {})",
                items[pair[0]], items[pair[1]], equal[k]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
