//! The pieces of Python's own string and number semantics that tabulate leans on:
//! `str.strip()`, `int(s)`, `float(s)` and `format(x, "g")`.
//!
//! tabulate decides whether a column is numeric by *trying* `int()` and `float()` on every
//! cell, so anything those built-ins accept counts as a number, including spellings nobody
//! would write in a wheel name: `" 3 "`, `"1_000"`, `"١٢٣"` (Arabic-Indic digits), `"NaN"`.

/// Python's `str.isspace()`: what `str.strip()` removes. Unlike Rust's `char::is_whitespace`
/// it includes the ASCII separators U+001C..U+001F.
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{20}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `s.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `s.rstrip()`.
pub fn rstrip(s: &str) -> &str {
    s.trim_end_matches(is_space)
}

/// The code points of every `0` of the Unicode 14 (Python 3.11) decimal digit runs; each
/// run holds the ten digits 0..9 in order.
const DECIMAL_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// `unicodedata.decimal(c)`.
fn decimal_value(c: char) -> Option<u8> {
    let code = c as u32;
    let run = DECIMAL_ZEROS
        .partition_point(|&zero| zero <= code)
        .checked_sub(1)?;
    let value = code - DECIMAL_ZEROS[run];
    (value < 10).then_some(value as u8)
}

/// What `int()` and `float()` actually parse: CPython first maps non-ASCII whitespace to
/// `' '` and non-ASCII decimal digits to ASCII ones (any other non-ASCII character makes the
/// conversion fail), then strips ASCII whitespace and checks that every `_` sits between
/// two digits. Returns the text without its underscores.
fn number_text(s: &str) -> Option<String> {
    let mut ascii = String::with_capacity(s.len());
    for c in s.chars() {
        if (c as u32) < 127 {
            ascii.push(c);
        } else if is_space(c) {
            ascii.push(' ');
        } else {
            ascii.push(char::from(b'0' + decimal_value(c)?));
        }
    }
    // C's isspace() in the "C" locale: U+001C..U+001F are not stripped here, unlike str.strip().
    let trimmed = ascii.trim_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let bytes = trimmed.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let before = i > 0 && bytes[i - 1].is_ascii_digit();
            let after = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !(before && after) {
                return None;
            }
        }
    }
    Some(trimmed.replace('_', ""))
}

/// `float(s)`, or `None` where Python raises `ValueError`.
pub fn parse_float(s: &str) -> Option<f64> {
    // After `number_text`, Rust's grammar is Python's: an optional sign, then `inf`,
    // `infinity` or `nan` in any case, or digits with an optional point and exponent.
    number_text(s)?.parse().ok()
}

/// Python's default `sys.get_int_max_str_digits()`: `int()` refuses longer digit strings.
const INT_MAX_STR_DIGITS: usize = 4300;

/// Whether `int(s)` succeeds (base 10: an optional sign and digits; leading zeros are fine).
pub fn is_int(s: &str) -> bool {
    let Some(text) = number_text(s) else {
        return false;
    };
    let digits = text.strip_prefix(['+', '-']).unwrap_or(&text);
    (1..=INT_MAX_STR_DIGITS).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `format(x, "g")`: six significant digits without trailing zeros, in exponent form when
/// the exponent is below -4 or at least 6 (`1e+06`, `1e-05`).
pub fn format_g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Rust and Python both round the exact binary value half-to-even, so the digits agree;
    // the exponent is taken after rounding, as Python does (999999.5 -> 1e+06).
    let scientific = format!("{x:.5e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponents are integers");
    if (-4..6).contains(&exponent) {
        let decimals = (5 - exponent) as usize;
        strip_fraction_zeros(&format!("{x:.decimals$}")).to_string()
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            strip_fraction_zeros(mantissa),
            exponent.abs()
        )
    }
}

fn strip_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_g_matches_python() {
        // Expected values printed by Python 3.11's format(x, "g").
        let cases = [
            (2.0, "2"),
            (1.1, "1.1"),
            (100000.0, "100000"),
            (1e6, "1e+06"),
            (1.5e20, "1.5e+20"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-0.0, "-0"),
            (1234565.0, "1.23456e+06"),
            (1234575.0, "1.23458e+06"),
            (999999.5, "1e+06"),
            (1234.5625, "1234.56"),
            (5e-324, "4.94066e-324"),
            (1.7976931348623157e308, "1.79769e+308"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (x, expected) in cases {
            assert_eq!(format_g(x), expected, "{x:?}");
        }
    }

    #[test]
    fn float_accepts_what_python_accepts() {
        let accepted = [
            ("1.", 1.0),
            (".5", 0.5),
            ("1.e5", 1e5),
            ("+.5", 0.5),
            ("1_000", 1000.0),
            ("1e1_0", 1e10),
            ("1_0.5", 10.5),
            (" 3 ", 3.0),
            ("\t3\n", 3.0),
            ("\u{3000}3", 3.0),
            ("1\u{a0}", 1.0),
            ("١.٥", 1.5),
            ("１２", 12.0),
            ("Infinity", f64::INFINITY),
            ("-inf", f64::NEG_INFINITY),
            ("1e400", f64::INFINITY),
            ("1e-400", 0.0),
        ];
        for (s, x) in accepted {
            assert_eq!(parse_float(s), Some(x), "{s:?}");
        }
        assert!(parse_float("+NaN").is_some_and(f64::is_nan));
        let rejected = [
            ".", "1e", "e5", "1__0", "_1", "1_", "1_.5", "1._5", "1e_1", "0x1F", "1,000", "1 2",
            "- 3", "\u{1c}3", "3\0", "nan(1)", "", " ",
        ];
        for s in rejected {
            assert_eq!(parse_float(s), None, "{s:?}");
        }
    }

    #[test]
    fn int_accepts_what_python_accepts() {
        for s in ["007", "+3", "-0", "1_000", " 3 ", "١٢٣", "३", "0_0"] {
            assert!(is_int(s), "{s:?}");
        }
        for s in [
            "1.0", "1e5", "0x1F", "1__0", "", "+", "- 3", "inf", "1,000", "\u{1c}3",
        ] {
            assert!(!is_int(s), "{s:?}");
        }
    }

    #[test]
    fn strip_is_python_strip() {
        assert_eq!(strip("\u{1c} a \u{3000}"), "a");
        assert_eq!(rstrip(" a \u{85}"), " a");
        assert_eq!(
            strip("\u{200b}a"),
            "\u{200b}a",
            "zero-width space is not whitespace"
        );
    }
}
