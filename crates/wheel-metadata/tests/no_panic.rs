//! Everything a wheel or an installed distribution says about itself is untrusted: no parser
//! of METADATA, WHEEL, entry points or RECORD may panic, whatever the text.

use proptest::prelude::*;
use wheel_metadata::{
    parse_entry_points, parse_record, parse_record_strict, CoreMetadata, RecordHash, WheelInfo,
};

/// Arbitrary Unicode, or text made of what these formats give meaning to (headers, commas,
/// quotes, brackets, `=`, hashes, line breaks, continuation indents).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9:,=\"'\\[\\]#.;/ \t\n\r_\\-+<>!~*@]{0,200}",
        prop::collection::vec(
            prop::sample::select(vec![
                "Name: ",
                "Version: ",
                "Requires-Dist: ",
                "Requires-Python: ",
                "Provides-Extra: ",
                "Metadata-Version: 2.1",
                "Wheel-Version: 1.0",
                "Root-Is-Purelib: true",
                "Tag: py3-none-any",
                "[console_scripts]",
                "name = module:func [extra]",
                "pkg/__init__.py,sha256=",
                ",sha512=AAAA,",
                "\"a,b\",sha256=x,1",
                ",,",
                "\n",
                "\n        ",
                "numpy (>=1.0) ; python_version < \"3\"",
                "\u{0}",
                "é",
            ]),
            0..30,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn metadata_parsers_never_panic(s in text()) {
        let _ = CoreMetadata::parse(&s);
        let _ = WheelInfo::parse(&s);
        let _ = parse_entry_points(&s);
    }

    #[test]
    fn record_parsers_never_panic(s in text()) {
        let _ = parse_record(&s);
        let _ = parse_record_strict(&s);
        for field in s.split([',', '\n']) {
            let _ = RecordHash::parse(field);
        }
    }
}
