//! The header part of a `METADATA` file as Python's `email` parser (policy `compat32`) keeps
//! it, for commands that print fields back as pip prints them (`show`): a folded value keeps
//! its line breaks and the indentation of its continuation lines.

/// The headers of a `METADATA`/`PKG-INFO` text in file order, `(name, value)`. The headers end
/// at the first empty line or at the first line that is neither a header nor a continuation.
pub fn parse_headers(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if bare.is_empty() {
            break;
        }
        if bare.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some((_, value)) => value.push_str(line),
                None => break,
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            break;
        };
        // A header name is printable ASCII without spaces or colons.
        if name.is_empty() || !name.bytes().all(|b| (33..=126).contains(&b)) {
            break;
        }
        out.push((
            name.to_string(),
            value.trim_start_matches([' ', '\t']).to_string(),
        ));
    }
    for (_, value) in &mut out {
        let kept = value.trim_end_matches(['\r', '\n']).len();
        value.truncate(kept);
    }
    out
}

/// The headers as Python's `importlib.metadata` presents them (and so pip, which reads
/// installed and wheel metadata through it): a folded value is dedented as
/// `textwrap.dedent(" " * 8 + value)` does, and a non-empty body is appended as a last
/// `Description` header.
pub fn importlib_headers(text: &str) -> Vec<(String, String)> {
    let mut headers = parse_headers(text);
    for (_, value) in &mut headers {
        if value.contains('\n') {
            *value = dedent(&format!("        {value}"));
        }
    }
    let body = body(text);
    if !body.is_empty() {
        headers.push(("Description".into(), body.to_string()));
    }
    headers
}

/// Python's `textwrap.dedent`: lines of only blanks become empty, and the leading blanks all
/// other lines share are removed.
fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let blank = |l: &str| l.chars().all(|c| c == ' ' || c == '\t');
    let mut margin: Option<&str> = None;
    for line in lines.iter().filter(|l| !blank(l)) {
        let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        margin = Some(match margin {
            None => indent,
            Some(m) => {
                let common = m
                    .bytes()
                    .zip(indent.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                &m[..common]
            }
        });
    }
    let margin = margin.unwrap_or("");
    lines
        .iter()
        .map(|l| if blank(l) { "" } else { &l[margin.len()..] })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The body of a METADATA text: what follows the blank line that ends the headers (or the
/// first line that is not a header), as Python's `email` parser returns it.
pub fn body(text: &str) -> &str {
    let mut offset = 0;
    let mut started = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if bare.is_empty() {
            return &text[offset + line.len()..];
        }
        let continuation = started && bare.starts_with([' ', '\t']);
        let header = bare
            .split_once(':')
            .is_some_and(|(k, _)| !k.is_empty() && k.bytes().all(|b| (33..=126).contains(&b)));
        if !continuation && !header {
            return &text[offset..];
        }
        started = true;
        offset += line.len();
    }
    ""
}

/// The first value of a header, by name in any case.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Every value of a header, by name in any case, in file order.
pub fn header_all<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_values_keep_their_breaks_and_the_body_is_left_out() {
        let h = parse_headers(
            "Metadata-Version: 2.1\nName:  Demo\nLicense: MIT\n  second line\nSummary:\n\
             Classifier: A\nClassifier: B\n\nName: body\n",
        );
        assert_eq!(header(&h, "name"), Some("Demo"));
        assert_eq!(header(&h, "LICENSE"), Some("MIT\n  second line"));
        assert_eq!(header(&h, "Summary"), Some(""));
        assert_eq!(header_all(&h, "classifier"), ["A", "B"]);
        assert_eq!(header_all(&h, "Name").len(), 1);
    }

    #[test]
    fn importlib_dedents_folded_values_and_adds_the_body() {
        let h = importlib_headers("License: MIT\n  second\n   \n    third\nName: x\n\nBody\n");
        assert_eq!(header(&h, "License"), Some("      MIT\nsecond\n\n  third"));
        assert_eq!(header(&h, "Description"), Some("Body\n"));
        assert_eq!(body("Name: a\nnot a header\n"), "not a header\n");
        assert_eq!(body("Name: a\n"), "");
    }

    #[test]
    fn a_line_that_is_no_header_ends_the_headers() {
        let h = parse_headers("Name: a\nnot a header\nVersion: 1\n");
        assert_eq!(h.len(), 1);
        assert!(parse_headers("  leading\nName: a").is_empty());
    }
}
