//! The compatible tag sets must equal what packaging 21.3 gives the reference tool.

use std::process::Command;

use wheel_name::{CompatibleTags, PythonVersion, Tag};

const SCRIPT: &str = r#"
import sys
from packaging import tags
for ap in sys.argv[1:]:
    v = (int(ap.split('.')[0]), int(ap.split('.')[1]))
    ts = {*tags.compatible_tags(python_version=v, platforms=tags._generic_platforms()),
          *tags.cpython_tags(python_version=v, platforms=tags._generic_platforms())}
    print(ap, ' '.join(sorted(str(t) for t in ts)))
"#;

#[test]
fn tag_sets_match_packaging_21_3() {
    let versions = [
        "2.7", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13",
    ];
    let out = Command::new(test_support::tools_python())
        .arg("-c")
        .arg(SCRIPT)
        .args(versions)
        .output()
        .expect("run tools python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        let (version, expected) = line.split_once(' ').unwrap();
        let ours = CompatibleTags::for_python(PythonVersion::parse(version).unwrap());
        let expected: Vec<&str> = expected.split(' ').collect();
        assert_eq!(
            ours.len(),
            expected.len(),
            "size of the tag set for {version}"
        );
        for tag in expected {
            let mut p = tag.split('-');
            let t = Tag::new(p.next().unwrap(), p.next().unwrap(), p.next().unwrap());
            assert!(ours.contains(&t), "{tag} missing for {version}");
        }
    }
}
