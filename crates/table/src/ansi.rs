//! Terminal escape sequences, which tabulate treats as invisible.
//!
//! tabulate strips ANSI CSI codes (`ESC [ ... m`, colours) and OSC 8 hyperlinks
//! (`ESC ] 8 ; params ; uri ESC \ text ESC ] 8 ; ; ESC \`, keeping `text`) before it infers
//! types and measures widths. When any appear in a table, its float formatting also takes
//! another path (see `cells::format_cell`). Wheel names never hold escapes; this module
//! exists so that arbitrary input still prints exactly as tabulate prints it.

use std::borrow::Cow;

const ESC: u8 = 0x1b;

/// Python's `\w` in a `str` pattern. Approximation: Rust's alphanumerics also include a few
/// combining marks (`Other_Alphabetic`) that Python does not; this only matters for
/// hyperlink parameters written with such marks.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The length of the CSI sequence at `i`: `ESC [`, parameter bytes `0x30..=0x3f`,
/// intermediate bytes `0x20..=0x2f`, one final byte `0x40..=0x7e`.
fn csi_at(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&ESC) || b.get(i + 1) != Some(&b'[') {
        return None;
    }
    let mut j = i + 2;
    while b.get(j).is_some_and(|c| (0x30..=0x3f).contains(c)) {
        j += 1;
    }
    while b.get(j).is_some_and(|c| (0x20..=0x2f).contains(c)) {
        j += 1;
    }
    b.get(j)
        .is_some_and(|c| (0x40..=0x7e).contains(c))
        .then_some(j + 1 - i)
}

/// Whether `params` matches `(\w+=\w+:?)*` entirely (simulated as a small NFA).
fn hyperlink_params(params: &str) -> bool {
    // States: at an item boundary, in a key, right after '=', in a value.
    let (mut boundary, mut key, mut eq, mut value) = (true, false, false, false);
    for c in params.chars() {
        let w = is_word(c);
        let next = (
            c == ':' && value,
            w && (boundary || key || value),
            c == '=' && key,
            w && (eq || value),
        );
        (boundary, key, eq, value) = next;
        if !(boundary || key || eq || value) {
            return false;
        }
    }
    boundary || value
}

/// The OSC 8 hyperlink at `i`: its length and the byte range of its visible text.
fn hyperlink_at(s: &str, i: usize) -> Option<(usize, std::ops::Range<usize>)> {
    let rest = s.get(i..)?.strip_prefix("\x1b]8;")?;
    let params_end = rest.find(';')?;
    if !hyperlink_params(&rest[..params_end]) {
        return None;
    }
    let after_params = &rest[params_end + 1..];
    let uri_end = after_params.find('\x1b')?;
    let after_uri = after_params[uri_end..]
        .strip_prefix("\x1b\\")
        .filter(|_| uri_end > 0)?;
    let text_end = after_uri.find('\x1b').filter(|&e| e > 0)?;
    let tail = after_uri[text_end..].strip_prefix("\x1b]8;;\x1b\\")?;
    let text_start = s.len() - after_uri.len();
    Some((s.len() - tail.len() - i, text_start..text_start + text_end))
}

/// tabulate's `_strip_ansi`: CSI codes removed, hyperlinks replaced by their text.
pub fn strip(s: &str) -> Cow<'_, str> {
    if !s.contains('\x1b') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == ESC {
            if let Some(len) = csi_at(b, i) {
                out.push_str(&s[copied..i]);
                i += len;
                copied = i;
                continue;
            }
            if let Some((len, text)) = hyperlink_at(s, i) {
                out.push_str(&s[copied..i]);
                out.push_str(&s[text]);
                i += len;
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
    Cow::Owned(out)
}

/// Whether tabulate's `_ansi_codes.search(text)` finds anything.
pub fn contains(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|i| b[i] == ESC && (csi_at(b, i).is_some() || hyperlink_at(s, i).is_some()))
}

/// tabulate's "colored integer" rewrite in `_format`, which runs on every int-column cell:
/// it searches `val.encode("unicode_escape")` for
/// `(\\[xX]+[0-9a-fA-F]+\[\d+[mM]+)([0-9.]+)(\\.*)$` and, when the middle group is all
/// digits, rebuilds the cell from the three groups with the digits passed through `int()`.
/// So `"\x1b[31m007\x1b[0m"` loses its leading zeros (and anything before the first code).
pub fn recolor_int(val: &str) -> Option<String> {
    // The pattern needs a literal '['; an int cell can only hold one inside an escape code.
    if !val.contains('[') {
        return None;
    }
    let escaped = unicode_escape(val);
    let b = escaped.as_bytes();
    let run = |from: usize, pred: fn(&u8) -> bool| {
        from + b[from..].iter().take_while(|c| pred(c)).count()
    };
    for start in (0..b.len()).filter(|&i| b[i] == b'\\') {
        // Every part is a run of one character class followed by a different class, so the
        // regex never backtracks and a greedy scan decides it.
        let x = run(start + 1, |c| matches!(c, b'x' | b'X'));
        let hex = run(x, u8::is_ascii_hexdigit);
        if x == start + 1 || hex == x || b.get(hex) != Some(&b'[') {
            continue;
        }
        let digits = run(hex + 1, u8::is_ascii_digit);
        let m = run(digits, |c| matches!(c, b'm' | b'M'));
        if digits == hex + 1 || m == digits {
            continue;
        }
        let number = run(m, |c| c.is_ascii_digit() || *c == b'.');
        if number == m || b.get(number) != Some(&b'\\') {
            continue;
        }
        let group = &escaped[m..number];
        if !group.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let trimmed = group.trim_start_matches('0');
        let int = if trimmed.is_empty() { "0" } else { trimmed };
        return Some(unicode_unescape(&format!(
            "{}{int}{}",
            &escaped[start..m],
            &escaped[number..]
        )));
    }
    None
}

/// Python's `s.encode("unicode_escape")`, as text.
fn unicode_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        let code = c as u32;
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if code < 0x20 || (0x7f..0x100).contains(&code) => {
                out.push_str(&format!("\\x{code:02x}"))
            }
            _ if code >= 0x10000 => out.push_str(&format!("\\U{code:08x}")),
            _ if code >= 0x100 => out.push_str(&format!("\\u{code:04x}")),
            _ => out.push(c),
        }
    }
    out
}

/// The inverse of `unicode_escape` (sequences it never produces are kept as they are).
fn unicode_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('\\') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let hex = |len: usize| {
            rest.get(2..2 + len)
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
        };
        let (decoded, len) = match rest.as_bytes().get(1) {
            Some(b'\\') => (Some('\\'), 2),
            Some(b't') => (Some('\t'), 2),
            Some(b'n') => (Some('\n'), 2),
            Some(b'r') => (Some('\r'), 2),
            Some(b'x') => (hex(2), 4),
            Some(b'u') => (hex(4), 6),
            Some(b'U') => (hex(8), 10),
            _ => (None, 1),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('\\');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_colours_and_hyperlinks() {
        assert_eq!(strip("\x1b[31mred\x1b[0m text"), "red text");
        assert_eq!(
            strip("\x1b]8;;https://example.com\x1b\\a link\x1b]8;;\x1b\\!"),
            "a link!"
        );
        assert_eq!(strip("\x1b]8;id=1:x=y;u\x1b\\t\x1b]8;;\x1b\\"), "t");
        assert_eq!(
            strip("\x1b]8;id=1=2;u\x1b\\t\x1b]8;;\x1b\\"),
            "\x1b]8;id=1=2;u\x1b\\t\x1b]8;;\x1b\\"
        );
        assert_eq!(strip("\x1b[31"), "\x1b[31");
        assert!(contains("a\x1b[1mb") && !contains("a\x1b[1") && !contains("plain"));
    }

    #[test]
    fn hyperlink_parameters() {
        for ok in ["", "a=b", "a=b:", "a=b:c=d", "a=bc=d", "a=b:c=d:"] {
            assert!(hyperlink_params(ok), "{ok}");
        }
        for bad in ["a", "=b", "a=", "a==b", ":", "a=b::", "a b=c"] {
            assert!(!hyperlink_params(bad), "{bad}");
        }
    }

    #[test]
    fn colored_integers_lose_leading_zeros() {
        assert_eq!(
            recolor_int("\x1b[31m007\x1b[0m").as_deref(),
            Some("\x1b[31m7\x1b[0m")
        );
        assert_eq!(
            recolor_int("\u{a0}\x1b[31m5\x1b[0m").as_deref(),
            Some("\x1b[31m5\x1b[0m")
        );
        assert_eq!(recolor_int("007"), None);
    }

    #[test]
    fn escape_round_trip() {
        let s = "a\\b\t\n\r\x01é\u{3000}\u{1d7ce}";
        assert_eq!(
            unicode_escape(s),
            "a\\\\b\\t\\n\\r\\x01\\xe9\\u3000\\U0001d7ce"
        );
        assert_eq!(unicode_unescape(&unicode_escape(s)), s);
    }
}
