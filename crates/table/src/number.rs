//! The number handling of Python (`float()`, `int()`, `format(x, "g")`) that tabulate relies
//! on to decide whether a column is numeric and how to print it.

/// Python's whitespace strip plus its rule for `_` in numbers (only between two digits).
fn python_numeric_text(s: &str) -> Option<String> {
    let t = s.trim();
    if !t.contains('_') {
        return Some(t.to_string());
    }
    let chars: Vec<char> = t.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '_' {
            let before = i > 0 && chars[i - 1].is_ascii_digit();
            let after = chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
            if !(before && after) {
                return None;
            }
        }
    }
    Some(t.replace('_', ""))
}

/// `float(s)` for a string, or `None` when Python raises `ValueError`.
pub fn parse_float(s: &str) -> Option<f64> {
    let t = python_numeric_text(s)?;
    let body = t.strip_prefix(['+', '-']).unwrap_or(&t);
    // Rust accepts a few spellings Python does not (none known) and the reverse for
    // `infinity`/`nan` casing; check the shape first so both agree.
    let lower = body.to_ascii_lowercase();
    let special = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    let plain = !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && body.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.');
    if !special && !plain {
        return None;
    }
    let value: f64 = if special {
        match lower.as_str() {
            "nan" => f64::NAN,
            _ => f64::INFINITY,
        }
    } else {
        body.parse().ok()?
    };
    Some(if t.starts_with('-') { -value } else { value })
}

/// `int(s)` succeeds: optional sign and ASCII digits (with `_` between digits).
pub fn is_int_text(s: &str) -> bool {
    let Some(t) = python_numeric_text(s) else { return false };
    let body = t.strip_prefix(['+', '-']).unwrap_or(&t);
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit())
}

/// tabulate's `_float_with_thousands_separators`:
/// `^(([+-]?[0-9]{1,3})(?:,([0-9]{3}))*)?(?(1)\.[0-9]*|\.[0-9]+)?$` (the empty string matches).
pub fn is_thousands_number(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut has_int = false;
    let start = i;
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() && i - digits_start < 3 {
        i += 1;
    }
    if i > digits_start {
        has_int = true;
        while i + 3 < bytes.len() + 0 && bytes[i] == b',' && bytes[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            i += 4;
        }
    } else {
        i = start;
    }
    if i == bytes.len() {
        return true;
    }
    if bytes[i] != b'.' {
        return false;
    }
    let frac = &bytes[i + 1..];
    frac.iter().all(u8::is_ascii_digit) && (has_int || !frac.is_empty())
}

/// tabulate's `_afterpoint`: digits after the decimal point (or after `e`), -1 for integers
/// and non-numbers.
pub fn after_point(s: &str) -> i64 {
    let numeric = matches!(parse_float(s), Some(x) if x.is_finite())
        || (parse_float(s).is_some() && matches!(s.to_lowercase().as_str(), "inf" | "-inf" | "nan"))
        || is_thousands_number(s);
    if !numeric || is_int_text(s) {
        return -1;
    }
    let pos = s.rfind('.').or_else(|| s.to_lowercase().rfind('e'));
    match pos {
        Some(p) => (s.chars().count() - s[..p].chars().count()) as i64 - 1,
        None => -1,
    }
}

/// Python's `format(x, "g")`: six significant digits, trailing zeros removed, exponent form
/// below 1e-4 or from 1e6.
pub fn format_g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    if (-4..6).contains(&exp) {
        let decimals = (5 - exp).max(0) as usize;
        let fixed = format!("{x:.decimals$}");
        strip_zeros(&fixed)
    } else {
        let m = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format() {
        for (x, s) in [(2.0, "2"), (1.1, "1.1"), (100000.0, "100000"), (1e6, "1e+06"), (1.5e20, "1.5e+20"), (0.0001, "0.0001"), (0.00001, "1e-05"), (-0.0, "-0"), (1.26, "1.26"), (2020.1, "2020.1"), (1234567.0, "1.23457e+06"), (0.5, "0.5")] {
            assert_eq!(format_g(x), s, "{x}");
        }
    }

    #[test]
    fn python_float_and_int() {
        assert_eq!(parse_float(" 1_000.5 "), Some(1000.5));
        assert_eq!(parse_float("1__0"), None);
        assert_eq!(parse_float("Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_float("0x1F"), None);
        assert_eq!(parse_float("1.26.4"), None);
        assert!(is_int_text("007") && is_int_text("+3") && !is_int_text("1.0"));
    }

    #[test]
    fn thousands() {
        for ok in ["", "1", "1,000", "+1,000.5", ".5", "1.", "123"] {
            assert!(is_thousands_number(ok), "{ok}");
        }
        for bad in ["1000", "1,0000", ".", "a", "1,00"] {
            assert!(!is_thousands_number(bad), "{bad}");
        }
    }
}
