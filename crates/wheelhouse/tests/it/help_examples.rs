//! Every help example pastes and runs: each command's `--help`, rendered at 100 columns (the
//! widest clap uses) and at 80 (a default terminal), keeps each example whole. A line that
//! clap wrapped in the middle of a command either breaks its quoting (`bash -n` fails) or
//! starts a line with a word that is no command.

use std::collections::BTreeSet;
use std::process::Command;

/// What an example line may start with: this project's commands and what the examples run
/// beside them.
const COMMANDS: &[&str] = &[
    "wheelhouse",
    "avail_wheels",
    "python",
    "make",
    "srun",
    "pip",
    "uv",
    "module",
    "source",
];

fn help(binary: &str, args: &[&str], columns: usize) -> String {
    let out = Command::new(binary)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("COLUMNS", columns.to_string())
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands a help text lists under "Commands:".
fn subcommands(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A wrapped description continues further right.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The example commands of a help text: the lines after "Examples:" up to a blank line, a
/// line ending in `\` continued by the next (the newline kept).
fn examples(text: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in text
        .lines()
        .skip_while(|l| l.trim_end() != "Examples:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
    {
        // Kept as printed, continuation lines and all: that is what gets pasted.
        current.push_str(line.trim());
        if current.ends_with('\\') {
            current.push('\n');
        } else {
            commands.push(std::mem::take(&mut current));
        }
    }
    assert!(current.is_empty(), "an example ends in `\\`: {current}");
    commands
}

fn every_help(columns: usize) -> Vec<(String, String)> {
    let wheelhouse = env!("CARGO_BIN_EXE_wheelhouse");
    let mut helps = vec![(
        "avail_wheels".to_string(),
        help(env!("CARGO_BIN_EXE_avail_wheels"), &[], columns),
    )];
    let mut queue = vec![Vec::<String>::new()];
    while let Some(path) = queue.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let text = if path == ["avail"] {
            // `wheelhouse avail --help` is avail_wheels' help, taken above.
            continue;
        } else {
            help(wheelhouse, &args, columns)
        };
        for sub in subcommands(&text) {
            let mut next = path.clone();
            next.push(sub);
            queue.push(next);
        }
        helps.push((format!("wheelhouse {}", path.join(" ")), text));
    }
    helps
}

#[test]
fn every_example_is_whole_at_100_and_80_columns() {
    let mut problems = BTreeSet::new();
    let mut seen = 0;
    for columns in [100, 80] {
        for (command, text) in every_help(columns) {
            for example in examples(&text) {
                seen += 1;
                let first = example.split_whitespace().next().unwrap_or("");
                if !COMMANDS.contains(&first) {
                    problems.insert(format!(
                        "{command} --help at {columns} columns: an example line starts with \
                         `{first}`, not a command: {example}"
                    ));
                }
                let syntax = Command::new("bash")
                    .args(["-n", "-c", &example])
                    .output()
                    .unwrap();
                if !syntax.status.success() {
                    problems.insert(format!(
                        "{command} --help at {columns} columns: `bash -n` refuses {example}: {}",
                        String::from_utf8_lossy(&syntax.stderr)
                    ));
                }
            }
        }
    }
    // The walk found the examples (about 40 commands, most with several).
    assert!(seen > 100, "only {seen} examples found");
    assert!(
        problems.is_empty(),
        "{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}
