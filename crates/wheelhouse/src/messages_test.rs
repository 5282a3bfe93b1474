//! Messages as the user reads them: a string continued on the next source line without its
//! trailing `\` keeps the next line's indentation, and the user reads "run `wheelhouse
//! <14 spaces> index` again". Every crate's sources are checked, since every crate's errors
//! reach the terminal.

use std::path::Path;

/// A run of this many spaces between two printed characters of one string literal is a lost
/// continuation: tables and indented help are built by code, not typed as long runs.
const LOST_CONTINUATION: usize = 6;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The runs of spaces inside the string literals of one line (a literal that spans lines is
/// seen line by line, which is where a lost `\` shows).
fn spaced_literal(line: &str) -> bool {
    let code = line.trim_start();
    if code.starts_with("//") {
        return false;
    }
    let mut inside = false;
    let mut escaped = false;
    let mut run = 0;
    let mut previous_printed = false;
    for c in line.chars() {
        if !inside {
            if c == '"' {
                inside = true;
                run = 0;
                previous_printed = false;
            }
            continue;
        }
        if escaped {
            escaped = false;
            previous_printed = true;
            run = 0;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => inside = false,
            ' ' => run += 1,
            _ => {
                if previous_printed && run >= LOST_CONTINUATION {
                    return true;
                }
                previous_printed = true;
                run = 0;
            }
        }
    }
    false
}

#[test]
fn no_message_keeps_the_indentation_of_a_lost_line_continuation() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 100, "the crates' sources were found");
    let mut found = Vec::new();
    // This file's own examples are the lost continuations it looks for.
    files.retain(|f| !f.ends_with("messages_test.rs"));
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if spaced_literal(line) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "string literals with a run of {LOST_CONTINUATION}+ spaces (a `\\` lost at a line \
         end?):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_lost_continuation_and_nothing_else() {
    assert!(spaced_literal(
        r#"    "{} changed; run `wheelhouse                 index` again","#
    ));
    assert!(!spaced_literal(r#"    "{} changed; run `wheelhouse \"#));
    assert!(!spaced_literal(r#"             index` again","#));
    assert!(!spaced_literal(
        r#"    // "a comment            with spaces""#
    ));
    assert!(!spaced_literal(
        r#"    let x = "a";            let y = "b";"#
    ));
}
