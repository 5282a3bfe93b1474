//! What an install reads from a wheel before decompressing anything (its member list and its
//! `.dist-info` texts), written down so that the unpacked-wheel cache can hand it back for the
//! same, unchanged file ([`wheel_cache::Cache::remembered`]): a wheel whose entry is in the
//! cache is then installed without opening it. On a wheelhouse on a network file system that
//! saves the `open`, the `stat`s and the reads of its central directory, each a round trip.
//!
//! What comes back goes through the same checks as what is read from the archive
//! ([`super::archive::checked`]); the member list was checked when it was read (names, links,
//! duplicates, sizes), and is only remembered for a wheel that opened cleanly.
//!
//! ```text
//! wheelhouse-wheel-summary 1
//! <.dist-info directory>
//! <member count>
//! <index> <size> <0|1 executable>\t<name>        one line per member
//! <length> METADATA|WHEEL|RECORD|entry_points.txt, then that many bytes and a newline
//! ```

use super::archive::{DistInfoTexts, OpenedWheel, RawMember};

const MAGIC: &str = "wheelhouse-wheel-summary 1";

/// The summary of an opened wheel; `None` when a name cannot be written in it (a newline).
pub(super) fn write(opened: &OpenedWheel<'_>) -> Option<Vec<u8>> {
    use std::fmt::Write;
    let mut out = String::new();
    if opened.dist_info.contains('\n') {
        return None;
    }
    let _ = writeln!(
        out,
        "{MAGIC}\n{}\n{}",
        opened.dist_info,
        opened.members.len()
    );
    for m in &opened.members {
        if m.name.contains('\n') {
            return None;
        }
        let exec = u8::from(m.executable);
        let _ = writeln!(out, "{} {} {exec}\t{}", m.index, m.size, m.name);
    }
    let texts = &opened.texts;
    let mut block = |name: &str, text: &str| {
        let _ = write!(out, "{} {name}\n{text}\n", text.len());
    };
    block("METADATA", &texts.metadata);
    block("WHEEL", &texts.wheel);
    block("RECORD", &texts.record);
    if let Some(ep) = &texts.entry_points {
        block("entry_points.txt", ep);
    }
    Some(out.into_bytes())
}

/// The member list, `.dist-info` directory and texts of a summary.
pub(super) fn read(bytes: &[u8]) -> Option<(Vec<RawMember>, String, DistInfoTexts)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut rest = text;
    let mut line = || -> Option<&str> {
        let (l, r) = rest.split_once('\n')?;
        rest = r;
        Some(l)
    };
    if line()? != MAGIC {
        return None;
    }
    let dist_info = line()?.to_string();
    let count: usize = line()?.parse().ok()?;
    let mut members = Vec::with_capacity(count.min(1 << 20));
    for _ in 0..count {
        let (fields, name) = line()?.split_once('\t')?;
        let mut f = fields.split(' ');
        members.push(RawMember {
            index: f.next()?.parse().ok()?,
            size: f.next()?.parse().ok()?,
            executable: f.next()? == "1",
            name: name.to_string(),
        });
    }
    let mut blocks = std::collections::HashMap::new();
    while !rest.is_empty() {
        let (head, after) = rest.split_once('\n')?;
        let (len, name) = head.split_once(' ')?;
        let len: usize = len.parse().ok()?;
        let body = after.get(..len)?;
        rest = after.get(len..)?.strip_prefix('\n')?;
        blocks.insert(name, body.to_string());
    }
    let texts = DistInfoTexts {
        metadata: blocks.remove("METADATA")?,
        wheel: blocks.remove("WHEEL")?,
        record: blocks.remove("RECORD")?,
        entry_points: blocks.remove("entry_points.txt"),
    };
    Some((members, dist_info, texts))
}

/// The `METADATA` of `wheel` as `cache` remembers it (the file unchanged since an install
/// read it), for a resolver that would otherwise open the wheel: one `stat` of it instead,
/// none when `memo` (the install's) was asked for it before.
pub fn remembered_metadata(
    cache: &wheel_cache::Cache,
    wheel: &std::path::Path,
    memo: &wheel_cache::RememberedMemo,
) -> Option<String> {
    read(&cache.remembered_in(wheel, memo)?.bytes).map(|(_, _, texts)| texts.metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_reads_back_as_written() {
        let members = vec![
            RawMember {
                index: 0,
                name: "demo/__init__.py".into(),
                size: 6,
                executable: false,
            },
            RawMember {
                index: 2,
                name: "demo-1.0.data/scripts/run it".into(),
                size: 10,
                executable: true,
            },
        ];
        let texts = DistInfoTexts {
            metadata: "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n".into(),
            wheel: "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n".into(),
            record: "demo/__init__.py,sha256=AAAA,6\n".into(),
            entry_points: Some("[console_scripts]\ndemo = demo:main\n".into()),
        };
        let opened = super::super::archive::checked(
            std::path::Path::new("demo-1.0-py3-none-any.whl"),
            None,
            members.clone(),
            "demo-1.0.dist-info".into(),
            texts.clone(),
        )
        .unwrap();
        let bytes = write(&opened).unwrap();
        let (m, d, t) = read(&bytes).unwrap();
        assert_eq!((m, d.as_str(), t), (members, "demo-1.0.dist-info", texts));
        // Cut short anywhere, it is not read.
        for end in [10, bytes.len() / 2, bytes.len() - 1] {
            assert!(read(&bytes[..end]).is_none(), "{end}");
        }
    }
}
