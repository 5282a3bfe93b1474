//! avail_wheels' list options (`-p`, `-a`, `--column`, `-r`) take every word after them, up to
//! the next option, as the original's argparse `nargs='+'` does: scripts and wiki pages write
//! `avail_wheels numpy --python 3.10 3.11`, so the form stays. The trap is
//! `avail_wheels -p 3.11 six`, where six is read as a Python version; when such a word is
//! not a valid value, the error says what happened and gives the command with the names
//! moved before the option.

use std::ffi::OsString;

use clap::ArgMatches;

/// The values each greedy option got after its first, per occurrence.
#[derive(Debug, Default)]
pub struct Greedy {
    /// (option id, the words of one occurrence)
    occurrences: Vec<(&'static str, Vec<String>)>,
    /// The command line after the program's name.
    args: Vec<String>,
}

/// Option ids, how the user spells them, and what one value is.
const OPTIONS: &[(&str, &str, &str)] = &[
    ("python", "-p/--python", "a Python version"),
    ("arch", "-a/--arch", "a CPU level"),
    ("column", "--column", "a column"),
    ("requirements", "-r/--requirement", "a requirements file"),
];

impl Greedy {
    pub fn new(matches: &ArgMatches, argv: &[OsString]) -> Greedy {
        let mut occurrences = Vec::new();
        for (id, _, _) in OPTIONS {
            let Ok(Some(groups)) = matches.try_get_raw_occurrences(id) else {
                continue;
            };
            for group in groups {
                let words = group.map(|w| w.to_string_lossy().into_owned()).collect();
                occurrences.push((*id, words));
            }
        }
        Greedy {
            occurrences,
            args: argv
                .iter()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
        }
    }

    /// When `value`, rejected as a value of option `id`, was not the first word after the
    /// option: what happened and the command to run instead. `problem` says why the value
    /// was rejected ("there is no such Python here (choose from: ...)").
    pub fn explain(&self, program: &str, id: &str, value: &str, problem: &str) -> Option<String> {
        let (_, flag, what) = OPTIONS.iter().find(|(i, _, _)| *i == id)?;
        let words = self
            .occurrences
            .iter()
            .filter(|(i, _)| *i == id)
            .map(|(_, w)| w)
            .find(|w| w.iter().skip(1).any(|x| x == value))?;
        // The words from the rejected one on were meant as names: move them to the front.
        let from = words.iter().skip(1).position(|x| x == value)? + 1;
        let moved = &words[from..];
        let mut rest = self.args.clone();
        for word in moved {
            if let Some(i) = rest.iter().rposition(|a| a == word) {
                rest.remove(i);
            }
        }
        let fixed: Vec<String> = moved.iter().cloned().chain(rest).collect();
        Some(format!(
            "{value} was taken as {what}: {flag} takes every word after it, up to the next \
             option, and {problem}. If {value} is a package, name it before the option: {}",
            crate::argv::command_line(program, &fixed)
        ))
    }

    /// The command line without `value` of option `id`: the words after it that are no
    /// version (package names it swallowed) move to the front, and the option goes when no
    /// value is left.
    pub fn without(&self, program: &str, id: &str, value: &str) -> String {
        let words = self
            .occurrences
            .iter()
            .filter(|(i, _)| *i == id)
            .map(|(_, w)| w)
            .find(|w| w.iter().any(|x| x == value));
        let is_version = |w: &str| w.split('.').all(|p| p.parse::<u32>().is_ok());
        let names: Vec<String> = words
            .into_iter()
            .flatten()
            .filter(|w| *w != value && !is_version(w))
            .cloned()
            .collect();
        let mut rest = self.args.clone();
        for word in names.iter().map(String::as_str).chain([value]) {
            if let Some(i) = rest.iter().rposition(|a| a == word) {
                rest.remove(i);
            }
        }
        let flags: &[&str] = match id {
            "python" => &["-p", "--python"],
            "arch" => &["-a", "--arch"],
            _ => &[],
        };
        let mut kept = names;
        for (i, a) in rest.iter().enumerate() {
            let next_is_value = rest.get(i + 1).is_some_and(|n| !n.starts_with('-'));
            if flags.contains(&a.as_str()) && !next_is_value {
                continue;
            }
            kept.push(a.clone());
        }
        crate::argv::command_line(program, &kept)
    }
}
