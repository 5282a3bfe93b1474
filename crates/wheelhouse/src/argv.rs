//! The command line as typed, for hints that rewrite it: a hint is a whole command to paste,
//! not a fragment.
//!
//! The staff options `--python`, `--arch` and `--pip-config` take one value each and are
//! repeated for several, as pip's options are: a greedy option would swallow the positional
//! after it (`audit --python 3.11 DIR` read DIR as a Python). Whoever still writes the
//! greedy form (`--python 3.11 3.12`) gets an error, and this module finds the words that
//! were meant as values and writes the command with the option repeated.

use std::ffi::OsString;
use std::path::Path;
use std::sync::OnceLock;

static ARGS: OnceLock<Vec<String>> = OnceLock::new();

/// Records the command line (the program's name first).
pub(crate) fn set(args: &[OsString]) {
    let _ = ARGS.set(
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
    );
}

fn args() -> &'static [String] {
    ARGS.get().map(Vec::as_slice).unwrap_or(&[])
}

/// A word as a shell reads it back: quoted when it holds anything but safe characters.
pub(crate) fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%^".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `program words...` as one pasteable line.
pub(crate) fn command_line(program: &str, words: &[String]) -> String {
    let mut line = program.to_string();
    for w in words {
        line.push(' ');
        line.push_str(&shell_word(w));
    }
    line
}

type LooksLike = fn(&str) -> bool;

/// The options of one value that used to take several, and whether a word looks like one of
/// their values.
const REPEATED: &[(&str, LooksLike)] = &[
    ("--python", looks_like_python),
    ("--arch", looks_like_arch),
    ("--pip-config", looks_like_pip_config),
];

fn looks_like_python(word: &str) -> bool {
    let version = !word.is_empty() && word.split('.').all(|p| p.parse::<u32>().is_ok());
    version || (word.starts_with('/') && Path::new(word).is_file())
}

/// CPU level names (generic, x86-64-v3, avx2) have neither a slash nor a dot.
fn looks_like_arch(word: &str) -> bool {
    !word.is_empty() && !word.contains(['/', '.'])
}

fn looks_like_pip_config(word: &str) -> bool {
    word.ends_with(".conf") || Path::new(word).is_file()
}

/// When `word` (a positional that failed: not a directory, or unexpected) comes after
/// `--python 3.11` and the like, the sentence that says so and the command with the option
/// repeated before each word meant as its value.
pub(crate) fn repeated_option_hint(word: &str) -> Option<String> {
    let args = args();
    // The last place the word appears: a positional after the option's value.
    let at = args.iter().rposition(|a| a == word)?;
    let mut start = at;
    while start > 1 && !args[start - 1].starts_with('-') {
        start -= 1;
    }
    // args[start - 1] is now the option before the run of plain words ending at `word`.
    let option = args.get(start.checked_sub(1)?)?;
    let (flag, looks_like) = REPEATED
        .iter()
        .find(|(flag, _)| option == flag || option.starts_with(&format!("{flag}=")))?;
    // `--python 3.11 3.12`: the first plain word is the option's own value (none with `=`).
    let first_extra = if option.contains('=') {
        start
    } else {
        start + 1
    };
    let meant: Vec<usize> = (first_extra..=at)
        .filter(|&i| looks_like(&args[i]))
        .collect();
    if meant.is_empty() {
        return None;
    }
    let mut words = Vec::new();
    for (i, a) in args.iter().enumerate().skip(1) {
        if meant.contains(&i) {
            words.push(flag.to_string());
        }
        words.push(a.clone());
    }
    let taken: Vec<&str> = meant.iter().map(|&i| args[i].as_str()).collect();
    Some(format!(
        "{flag} takes one value; {} after it {} read as {}. Repeat the option for each \
         value: {}",
        taken.join(" "),
        if taken.len() == 1 { "was" } else { "were" },
        if taken.len() == 1 {
            "another argument"
        } else {
            "other arguments"
        },
        command_line("wheelhouse", &words)
    ))
}

/// This `wheelhouse` command line with the value of the option spelled `flags` (`-p X`,
/// `--python X`, `--python=X`, `-pX`) replaced by `value`.
pub(crate) fn replaced_option_value(flags: &[&str], value: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut replace_next = false;
    for a in args().iter().skip(1) {
        if replace_next {
            words.push(value.to_string());
            replace_next = false;
            continue;
        }
        if flags.contains(&a.as_str()) {
            replace_next = true;
            words.push(a.clone());
            continue;
        }
        let attached = flags.iter().find_map(|f| {
            if f.starts_with("--") {
                a.strip_prefix(&format!("{f}=")).map(|_| format!("{f}="))
            } else {
                a.strip_prefix(f)
                    .filter(|rest| !rest.is_empty())
                    .map(|_| f.to_string())
            }
        });
        match attached {
            Some(prefix) => words.push(format!("{prefix}{value}")),
            None => words.push(a.clone()),
        }
    }
    command_line("wheelhouse", &words)
}

/// This `wheelhouse` command line with the argument `old` replaced by `new`.
pub(crate) fn replaced_positional(old: &str, new: &str) -> String {
    let words: Vec<String> = args()
        .iter()
        .skip(1)
        .map(|a| if a == old { new.to_string() } else { a.clone() })
        .collect();
    command_line("wheelhouse", &words)
}

/// `wheelhouse venv -p PATH` with no ENV, where PATH is no interpreter: the environment was
/// meant. The sentence and the command with PATH as ENV.
pub(crate) fn venv_python_hint() -> Option<String> {
    let args = args();
    if args.get(1).map(String::as_str) != Some("venv") {
        return None;
    }
    let mut words = Vec::new();
    let mut value = None;
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if (a == "-p" || a == "--python") && i + 1 < args.len() {
            value = Some(args[i + 1].clone());
            i += 2;
            continue;
        }
        if let Some(v) = a.strip_prefix("--python=") {
            value = Some(v.to_string());
        } else {
            words.push(a.clone());
        }
        i += 1;
    }
    let value = value?;
    if looks_like_python(&value) || Path::new(&value).is_file() {
        return None;
    }
    let mut fixed = vec!["venv".to_string(), value.clone()];
    fixed.extend(words);
    Some(format!(
        "venv's -p (--python) is the Python to create the environment with (3.11, or an \
         interpreter's path), not the environment; the environment's path comes alone: {}",
        command_line("wheelhouse", &fixed)
    ))
}
