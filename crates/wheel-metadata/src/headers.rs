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
    fn a_line_that_is_no_header_ends_the_headers() {
        let h = parse_headers("Name: a\nnot a header\nVersion: 1\n");
        assert_eq!(h.len(), 1);
        assert!(parse_headers("  leading\nName: a").is_empty());
    }
}
