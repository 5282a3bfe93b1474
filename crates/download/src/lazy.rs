//! A remote wheel's METADATA without the wheel: the zip's end (its end-of-central-directory
//! record), then the central directory, then the one member, each by an HTTP range request,
//! as pip's and uv's lazy wheels do. Most wheels write their `.dist-info` last, so the first
//! request (the last [`TAIL`] bytes) often holds all three.
//!
//! Every number in the archive is the remote file's word: offsets and sizes are checked
//! against the file's length and against caps before anything is read or allocated, and a
//! malformed archive is an error ([`Unreadable`]), never a panic. The caller then falls back
//! to fetching the whole wheel, whose reader gives the final verdict.

use std::io::Read;

/// The first request: the file's last 16 KiB, as uv asks. The end record (22 bytes, unless
/// the zip has a comment, which wheels do not) is there, and for a wheel of some tens of
/// files the central directory and METADATA too; a larger wheel costs one request for its
/// directory and one for METADATA.
pub(crate) const TAIL: u64 = 16 * 1024;

/// A central directory past this is not a wheel's (one of 100,000 files is about 10 MiB).
const MAX_DIRECTORY: u64 = 32 << 20;
/// A METADATA member past this, packed or unpacked, is not one.
const MAX_MEMBER: u64 = 16 << 20;

const END_SIGNATURE: &[u8; 4] = b"PK\x05\x06";
const END_LEN: usize = 22;
const LOCATOR_SIGNATURE: &[u8; 4] = b"PK\x06\x07";
const LOCATOR_LEN: usize = 20;
const END64_SIGNATURE: &[u8; 4] = b"PK\x06\x06";
const END64_LEN: usize = 56;
const ENTRY_SIGNATURE: &[u8; 4] = b"PK\x01\x02";
const ENTRY_LEN: usize = 46;
const LOCAL_SIGNATURE: &[u8; 4] = b"PK\x03\x04";
const LOCAL_LEN: usize = 30;

/// Why the archive's METADATA could not be read from its parts: the caller fetches the whole
/// file instead (or, from [`Source::read`], the request's own error).
#[derive(Debug)]
pub(crate) enum Unreadable<E> {
    /// The archive is not a zip this reader understands, or lies about its layout (why, for
    /// tests and debugging).
    Archive(#[allow(dead_code)] String),
    /// A range request failed.
    Fetch(E),
}

/// Ranges of one remote file of a known length.
pub(crate) trait Source {
    type Error;
    /// Bytes `start..end` of the file (`end` at most the length); exactly that many.
    fn read(&mut self, start: u64, end: u64) -> Result<Vec<u8>, Self::Error>;
}

/// Bytes of the file known so far: the tail, and what later requests brought.
struct Known {
    parts: Vec<(u64, Vec<u8>)>,
}

impl Known {
    /// `start..end`, from what is known or one more request.
    fn get<S: Source>(
        &mut self,
        source: &mut S,
        start: u64,
        end: u64,
    ) -> Result<&[u8], Unreadable<S::Error>> {
        if start > end {
            return Err(bad("a range ends before it starts"));
        }
        let found = self
            .parts
            .iter()
            .position(|(at, bytes)| *at <= start && end <= at.saturating_add(bytes.len() as u64));
        let index = match found {
            Some(i) => i,
            None => {
                let bytes = source.read(start, end).map_err(Unreadable::Fetch)?;
                if bytes.len() as u64 != end - start {
                    return Err(bad("a range answer had the wrong length"));
                }
                self.parts.push((start, bytes));
                self.parts.len() - 1
            }
        };
        let (at, bytes) = &self.parts[index];
        // In range by the check above (or by the request's length).
        let from = usize::try_from(start - at).map_err(|_| bad("an offset is too large"))?;
        let to = usize::try_from(end - at).map_err(|_| bad("an offset is too large"))?;
        Ok(&bytes[from..to])
    }
}

fn bad<E>(what: &str) -> Unreadable<E> {
    Unreadable::Archive(what.to_string())
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// One central-directory entry: what locating a member needs.
struct Entry {
    name: String,
    method: u16,
    crc: u32,
    packed: u64,
    size: u64,
    offset: u64,
}

/// The last end-of-central-directory record in `tail` (which starts at offset `from`), and
/// where it is.
fn end_record(tail: &[u8], from: u64) -> Option<(u64, [u8; END_LEN])> {
    let i = tail[..tail.len().saturating_sub(END_LEN - 4)]
        .windows(4)
        .rposition(|w| w == END_SIGNATURE)?;
    let mut record = [0u8; END_LEN];
    record.copy_from_slice(tail.get(i..i + END_LEN)?);
    Some((from + i as u64, record))
}

/// Where the central directory is: `(offset, size, entries)`.
fn directory<S: Source>(
    known: &mut Known,
    source: &mut S,
    total: u64,
    tail_start: u64,
) -> Result<(u64, u64, u64), Unreadable<S::Error>> {
    // The end record is within the last 22 + 65,535 bytes (its comment's largest length);
    // a tail without it is widened to that once.
    let widest = total.saturating_sub((END_LEN + 0xFFFF) as u64);
    let mut found = end_record(known.get(source, tail_start, total)?, tail_start);
    if found.is_none() && widest < tail_start {
        found = end_record(known.get(source, widest, total)?, widest);
    }
    let (end_at, record) =
        found.ok_or_else(|| bad("no end-of-central-directory record (not a zip archive)"))?;
    let record = &record[..];
    let field16 = |at| u16_at(record, at).unwrap_or(0);
    let field32 = |at| u32_at(record, at).unwrap_or(0);
    let (disk, entries, size, offset) = (field16(4), field16(10), field32(12), field32(16));
    if disk != 0 && disk != u16::MAX {
        return Err(bad("the archive spans several disks"));
    }
    let is64 = entries == u16::MAX || size == u32::MAX || offset == u32::MAX;
    let (entries, size, offset) = if is64 {
        let locator_at = end_at
            .checked_sub(LOCATOR_LEN as u64)
            .ok_or_else(|| bad("a zip64 archive without its locator"))?;
        let locator = known.get(source, locator_at, end_at)?;
        if &locator[..4] != LOCATOR_SIGNATURE {
            return Err(bad("a zip64 archive without its locator"));
        }
        let record_at = u64_at(locator, 8).unwrap_or(u64::MAX);
        let record_end = record_at
            .checked_add(END64_LEN as u64)
            .filter(|&e| e <= locator_at)
            .ok_or_else(|| bad("the zip64 end record is outside the file"))?;
        let record = known.get(source, record_at, record_end)?;
        if &record[..4] != END64_SIGNATURE {
            return Err(bad("the zip64 end record is not where its locator says"));
        }
        let field = |at| u64_at(record, at).unwrap_or(u64::MAX);
        (field(32), field(40), field(48))
    } else {
        (u64::from(entries), u64::from(size), u64::from(offset))
    };
    if size > MAX_DIRECTORY {
        return Err(bad("the central directory is larger than any wheel's"));
    }
    if offset.checked_add(size).is_none_or(|e| e > end_at) {
        return Err(bad("the central directory is outside the file"));
    }
    if entries > size / ENTRY_LEN as u64 {
        return Err(bad(
            "the central directory claims more entries than it can hold",
        ));
    }
    Ok((offset, size, entries))
}

/// Parses the central directory's entries (at most `count`).
fn entries<E>(bytes: &[u8], count: u64) -> Result<Vec<Entry>, Unreadable<E>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while (out.len() as u64) < count {
        let header = bytes
            .get(at..at + ENTRY_LEN)
            .ok_or_else(|| bad("the central directory ends inside an entry"))?;
        if &header[..4] != ENTRY_SIGNATURE {
            return Err(bad("a central directory entry has no signature"));
        }
        let field16 = |i| usize::from(u16_at(header, i).unwrap_or(0));
        let field32 = |i| u64::from(u32_at(header, i).unwrap_or(0));
        let (name_len, extra_len, comment_len) = (field16(28), field16(30), field16(32));
        let name_at = at + ENTRY_LEN;
        let extra_at = name_at + name_len;
        let next = extra_at + extra_len + comment_len;
        let name = bytes
            .get(name_at..extra_at)
            .ok_or_else(|| bad("the central directory ends inside a name"))?;
        let extra = bytes
            .get(extra_at..extra_at + extra_len)
            .ok_or_else(|| bad("the central directory ends inside an entry"))?;
        let mut entry = Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            method: u16_at(header, 10).unwrap_or(0),
            crc: u32_at(header, 16).unwrap_or(0),
            packed: field32(20),
            size: field32(24),
            offset: field32(42),
        };
        zip64_sizes(&mut entry, extra);
        out.push(entry);
        at = next;
    }
    Ok(out)
}

/// Applies a zip64 extra field (id 1): the 64-bit values of the fields saturated in the
/// entry, in the order size, packed size, offset.
fn zip64_sizes(entry: &mut Entry, mut extra: &[u8]) {
    while extra.len() >= 4 {
        let id = u16_at(extra, 0).unwrap_or(0);
        let len = usize::from(u16_at(extra, 2).unwrap_or(0));
        let Some(data) = extra.get(4..4 + len) else {
            return;
        };
        if id == 1 {
            let mut at = 0;
            for field in [&mut entry.size, &mut entry.packed, &mut entry.offset] {
                if *field == u64::from(u32::MAX) {
                    let Some(value) = u64_at(data, at) else {
                        return;
                    };
                    *field = value;
                    at += 8;
                }
            }
            return;
        }
        extra = &extra[4 + len..];
    }
}

/// The METADATA member: of the one top-level `*.dist-info` directory holding one (the rule
/// the installer reads wheels by; two are ambiguous).
fn metadata_entry<E>(entries: &[Entry]) -> Result<&Entry, Unreadable<E>> {
    let mut found: Option<&Entry> = None;
    for e in entries {
        let Some((top, rest)) = e.name.split_once('/') else {
            continue;
        };
        if top.ends_with(".dist-info") && rest == "METADATA" {
            if found.is_some_and(|f| f.name != e.name) {
                return Err(bad("the wheel has two .dist-info directories"));
            }
            found = Some(e);
        }
    }
    found.ok_or_else(|| bad("the wheel has no .dist-info/METADATA"))
}

/// Reads the wheel's METADATA from a file of `total` bytes whose last bytes, from
/// `tail_start`, are `tail` (the answer to the first request).
pub(crate) fn read_metadata<S: Source>(
    source: &mut S,
    total: u64,
    tail_start: u64,
    tail: Vec<u8>,
) -> Result<String, Unreadable<S::Error>> {
    if tail_start.checked_add(tail.len() as u64) != Some(total) {
        return Err(bad("the first answer is not the end of the file"));
    }
    let mut known = Known {
        parts: vec![(tail_start, tail)],
    };
    let (offset, size, count) = directory(&mut known, source, total, tail_start)?;
    let listing = entries(known.get(source, offset, offset + size)?, count)?;
    let member = metadata_entry(&listing)?;
    if member.packed > MAX_MEMBER || member.size > MAX_MEMBER {
        return Err(bad("METADATA is larger than any wheel's"));
    }
    // The member's local header and data lie before the next member and the directory.
    let end = listing
        .iter()
        .map(|e| e.offset)
        .filter(|&o| o > member.offset)
        .chain([offset])
        .min()
        .unwrap_or(offset);
    let header_end = member
        .offset
        .checked_add(LOCAL_LEN as u64)
        .filter(|&e| e <= end)
        .ok_or_else(|| bad("METADATA's local header is outside the file"))?;
    // One request for the header and the data together, guessing the header's variable part
    // from the directory's (a wrong guess costs one more request, nothing else).
    let guess = header_end
        .saturating_add(member.name.len() as u64 + 64)
        .saturating_add(member.packed)
        .min(end);
    known.get(source, member.offset, guess)?;
    let header = known.get(source, member.offset, header_end)?;
    if &header[..4] != LOCAL_SIGNATURE {
        return Err(bad(
            "METADATA's local header is not where the directory says",
        ));
    }
    let skip =
        u64::from(u16_at(header, 26).unwrap_or(0)) + u64::from(u16_at(header, 28).unwrap_or(0));
    let data_at = header_end + skip;
    let data_end = data_at
        .checked_add(member.packed)
        .filter(|&e| e <= end)
        .ok_or_else(|| bad("METADATA's data runs past its place in the file"))?;
    let packed = known.get(source, data_at, data_end)?;
    let bytes = unpack(member, packed)?;
    String::from_utf8(bytes).map_err(|_| bad("METADATA is not UTF-8 text"))
}

/// The member's content: stored or deflated, of the size and CRC the directory gives.
fn unpack<E>(member: &Entry, packed: &[u8]) -> Result<Vec<u8>, Unreadable<E>> {
    let bytes = match member.method {
        0 => packed.to_vec(),
        8 => {
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(packed)
                .take(member.size + 1)
                .read_to_end(&mut out)
                .map_err(|_| bad("METADATA's compressed data is corrupt"))?;
            out
        }
        m => {
            return Err(Unreadable::Archive(format!(
                "METADATA is compressed with method {m}, which wheels do not use"
            )))
        }
    };
    if bytes.len() as u64 != member.size {
        return Err(bad(
            "METADATA's size is not the one its directory entry gives",
        ));
    }
    let mut crc = flate2::Crc::new();
    crc.update(&bytes);
    if crc.sum() != member.crc {
        return Err(bad("METADATA's checksum does not match"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A file in memory, counting what is read.
    struct Memory<'a> {
        bytes: &'a [u8],
        requests: usize,
    }

    impl Source for Memory<'_> {
        type Error = String;
        fn read(&mut self, start: u64, end: u64) -> Result<Vec<u8>, String> {
            self.requests += 1;
            self.bytes
                .get(start as usize..end as usize)
                .map(<[u8]>::to_vec)
                .ok_or_else(|| "outside".to_string())
        }
    }

    fn wheel(padding: usize, members: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let filler: Vec<u8> = (0..padding).map(|i| (i * 7919 % 251) as u8).collect();
        zip.start_file(
            "pkg/data.bin",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
        zip.write_all(&filler).unwrap();
        for (name, content, deflate) in members {
            let method = if *deflate {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            };
            zip.start_file(
                *name,
                zip::write::SimpleFileOptions::default().compression_method(method),
            )
            .unwrap();
            zip.write_all(content).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    fn read(bytes: &[u8]) -> (Result<String, Unreadable<String>>, usize) {
        let total = bytes.len() as u64;
        let start = total.saturating_sub(TAIL);
        let mut source = Memory { bytes, requests: 1 };
        let tail = bytes[start as usize..].to_vec();
        let r = read_metadata(&mut source, total, start, tail);
        (r, source.requests)
    }

    const META: &[u8] = b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n";

    #[test]
    fn small_wheel_in_one_request() {
        let w = wheel(10, &[("pkg-1.0.dist-info/METADATA", META, true)]);
        let (r, n) = read(&w);
        assert_eq!(r.unwrap().as_bytes(), META);
        assert_eq!(n, 1);
    }

    #[test]
    fn large_wheel_reads_only_the_parts() {
        // METADATA first, then 1 MiB: the member needs a request of its own.
        let mut members = vec![("pkg-1.0.dist-info/METADATA", META, false)];
        let big = vec![7u8; 1 << 20];
        members.push(("pkg/big.bin", &big, false));
        let w = wheel(1 << 20, &members);
        let (r, n) = read(&w);
        assert_eq!(r.unwrap().as_bytes(), META);
        assert_eq!(n, 2);
    }

    #[test]
    fn refuses_what_is_not_a_wheel() {
        let w = wheel(10, &[("pkg/x.py", b"x", true)]);
        assert!(matches!(read(&w).0, Err(Unreadable::Archive(_))));
        let two = wheel(
            10,
            &[
                ("a-1.dist-info/METADATA", META, true),
                ("b-1.dist-info/METADATA", META, true),
            ],
        );
        assert!(matches!(read(&two).0, Err(Unreadable::Archive(_))));
        assert!(matches!(read(b"hello").0, Err(Unreadable::Archive(_))));
        assert!(matches!(read(b"").0, Err(Unreadable::Archive(_))));
    }

    #[test]
    fn a_long_comment_widens_the_tail_once() {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file(
            "pkg-1.0.dist-info/METADATA",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(META).unwrap();
        zip.set_comment("c".repeat(40_000)).unwrap();
        zip.finish().unwrap();
        let w = out.into_inner();
        let (r, n) = read(&w);
        assert_eq!(r.unwrap().as_bytes(), META);
        assert_eq!(n, 2);
    }

    #[test]
    fn a_corrupt_member_is_noticed() {
        let mut w = wheel(10, &[("pkg-1.0.dist-info/METADATA", META, false)]);
        let at = w.windows(8).position(|x| x == b"Metadata").unwrap();
        w[at] = b'm';
        assert!(matches!(read(&w).0, Err(Unreadable::Archive(_))));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Flipped bytes and truncations of a real wheel, and random bytes: an error or the
        /// text, never a panic, and never a read outside the file.
        #[test]
        fn hostile_archives_never_panic(
            flips in proptest::collection::vec((0usize..4096, proptest::prelude::any::<u8>()), 0..8),
            cut in 0usize..4096,
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            padding in 0usize..3000,
        ) {
            let mut w = wheel(padding, &[
                ("pkg-1.0.dist-info/METADATA", META, true),
                ("pkg-1.0.dist-info/RECORD", b"x,,\n", false),
            ]);
            let len = w.len();
            for (at, value) in &flips {
                // Bias the flips towards the directory and end record, where the numbers are.
                let i = len - 1 - (at % len);
                w[i] = *value;
            }
            w.truncate(len - cut.min(len));
            let _ = read(&w);
            let _ = read(&noise);
            let mut tail = w.clone();
            tail.extend_from_slice(&noise);
            let _ = read(&tail);
        }
    }
}
