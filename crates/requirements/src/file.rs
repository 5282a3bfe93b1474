//! pip requirement files, read as pip 24.2 reads them, and `pyproject.toml` dependencies.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

/// One requirement from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequirementLine {
    /// The requirement text (per-requirement options such as `--hash` removed).
    pub text: String,
    /// The file it came from and its line (the first of a continued line; 0 for
    /// `pyproject.toml`).
    pub file: PathBuf,
    pub line: usize,
    /// From a `-c` constraints file.
    pub constraint: bool,
    /// An `-e`/`--editable` line: a source tree or VCS URL, not a wheel.
    pub editable: bool,
    /// `--hash=algo:digest` values given on the line.
    pub hashes: Vec<String>,
}

/// Every requirement of a file and the files it includes, plus the global options met.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequirementsFile {
    pub lines: Vec<RequirementLine>,
    /// Global options in order, as (long option name, value); flags have an empty value.
    pub options: Vec<(String, String)>,
}

/// A requirements file that cannot be read or has a line pip would reject.
#[derive(Debug)]
pub enum FileError {
    Read {
        path: PathBuf,
        included_from: Option<(PathBuf, usize)>,
        source: std::io::Error,
    },
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    Cycle {
        path: PathBuf,
    },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Read {
                path,
                included_from,
                source,
            } => {
                write!(
                    f,
                    "cannot open requirements file {}: {source}",
                    path.display()
                )?;
                if let Some((file, line)) = included_from {
                    write!(f, " (included from {}:{line})", file.display())?;
                }
                Ok(())
            }
            FileError::Syntax {
                path,
                line,
                message,
            } => {
                write!(f, "{}:{line}: {message}", path.display())
            }
            FileError::Cycle { path } => {
                write!(
                    f,
                    "requirements file {} includes itself (through -r or -c)",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for FileError {}

/// Options that take a value, by every spelling, with their long name.
const VALUE_OPTIONS: &[(&str, &str)] = &[
    ("-r", "--requirement"),
    ("--requirement", "--requirement"),
    ("-c", "--constraint"),
    ("--constraint", "--constraint"),
    ("-e", "--editable"),
    ("--editable", "--editable"),
    ("-i", "--index-url"),
    ("--index-url", "--index-url"),
    ("--extra-index-url", "--extra-index-url"),
    ("-f", "--find-links"),
    ("--find-links", "--find-links"),
    ("--only-binary", "--only-binary"),
    ("--no-binary", "--no-binary"),
    ("--trusted-host", "--trusted-host"),
    ("--use-feature", "--use-feature"),
];
const FLAG_OPTIONS: &[&str] = &["--no-index", "--pre", "--prefer-binary", "--require-hashes"];
const PER_REQUIREMENT: &[&str] = &["--hash", "--config-settings", "--global-option"];

/// Reads a requirements file and every file it includes. `pyproject.toml` (by that exact
/// name) gives its `[project].dependencies` instead. `${VAR}` references expand from
/// `vars` (the caller's snapshot of the process variables), as pip expands them.
pub fn read_requirement_files(
    path: &Path,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsFile, FileError> {
    read_top_file(path, false, vars)
}

/// Reads a constraints file (`-c FILE`): every requirement in it, and in files it includes,
/// is a constraint.
pub fn read_constraint_file(
    path: &Path,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsFile, FileError> {
    read_top_file(path, true, vars)
}

fn read_top_file(
    path: &Path,
    constraint: bool,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsFile, FileError> {
    let mut out = RequirementsFile::default();
    let mut stack = Vec::new();
    read_into(path, None, constraint, vars, &mut stack, &mut out)?;
    Ok(out)
}

/// Parses requirement-file text with a given environment; includes are read from disk
/// relative to `path`'s directory.
pub fn parse_requirements_text(
    path: &Path,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsFile, FileError> {
    let mut out = RequirementsFile::default();
    let mut stack = vec![path.to_path_buf()];
    parse_text(path, text, false, env, &mut stack, &mut out)?;
    Ok(out)
}

fn read_into(
    path: &Path,
    included_from: Option<(PathBuf, usize)>,
    constraint: bool,
    env: &dyn Fn(&str) -> Option<String>,
    stack: &mut Vec<PathBuf>,
    out: &mut RequirementsFile,
) -> Result<(), FileError> {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if stack.contains(&canonical) {
        return Err(FileError::Cycle {
            path: path.to_path_buf(),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| FileError::Read {
        path: path.to_path_buf(),
        included_from,
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    stack.push(canonical);
    let result = if path.file_name().is_some_and(|n| n == "pyproject.toml") {
        pyproject(path, &text, constraint, out)
    } else {
        parse_text(path, &text, constraint, env, stack, out)
    };
    stack.pop();
    result
}

fn pyproject(
    path: &Path,
    text: &str,
    constraint: bool,
    out: &mut RequirementsFile,
) -> Result<(), FileError> {
    let syntax = |message: String| FileError::Syntax {
        path: path.to_path_buf(),
        line: 0,
        message,
    };
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| syntax(format!("not valid TOML: {}", e.message())))?;
    let project = doc
        .get("project")
        .ok_or_else(|| syntax("has no [project] table".into()))?;
    let Some(deps) = project.get("dependencies") else {
        return Ok(());
    };
    let deps = deps
        .as_array()
        .ok_or_else(|| syntax("[project].dependencies is not a list".into()))?;
    for dep in deps {
        let text = dep
            .as_str()
            .ok_or_else(|| syntax("[project].dependencies holds a non-string".into()))?;
        out.lines.push(RequirementLine {
            text: text.to_string(),
            file: path.to_path_buf(),
            line: 0,
            constraint,
            editable: false,
            hashes: Vec::new(),
        });
    }
    Ok(())
}

fn comment_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(^|\s+)#.*$").expect("valid regex"))
}

fn env_var_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\$\{([A-Z0-9_]+)\}").expect("valid regex"))
}

/// Joins continued lines (a trailing `\`, except on comment lines), numbering each logical
/// line by its first physical line, as pip does.
/// The longest logical line (continuations joined) that is parsed: far above any real one (a
/// requirement with a `--hash` for each of several hundred wheels is some 60 KiB), and low
/// enough that a hostile file cannot make the parser and its error messages hold copies of
/// hundreds of megabytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Joins continuation lines; `Err((line number, length))` for a logical line over
/// [`MAX_LINE_BYTES`].
fn logical_lines(text: &str) -> Result<Vec<(usize, String)>, (usize, usize)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let so_far = pending.as_ref().map_or(0, |(_, acc)| acc.len());
        if so_far + line.len() > MAX_LINE_BYTES {
            let start = pending.map_or(number, |(start, _)| start);
            return Err((start, so_far + line.len()));
        }
        let continued = line.ends_with('\\') && !comment_regex().is_match(line);
        if continued {
            let part = &line[..line.len() - 1];
            match &mut pending {
                Some((_, acc)) => acc.push_str(part),
                None => pending = Some((number, part.to_string())),
            }
        } else {
            match pending.take() {
                Some((start, mut acc)) => {
                    acc.push_str(line);
                    out.push((start, acc));
                }
                None => out.push((number, line.to_string())),
            }
        }
    }
    if let Some(last) = pending {
        out.push(last);
    }
    Ok(out)
}

/// At most `max` characters of `text` for a message, with how much was left out: a line
/// from a file is echoed in errors, and a hostile one may be megabytes long.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
    }
}

fn parse_text(
    path: &Path,
    text: &str,
    constraint: bool,
    env: &dyn Fn(&str) -> Option<String>,
    stack: &mut Vec<PathBuf>,
    out: &mut RequirementsFile,
) -> Result<(), FileError> {
    let lines = logical_lines(text).map_err(|(line, length)| FileError::Syntax {
        path: path.to_path_buf(),
        line,
        message: format!(
            "this line is {length} bytes long (with its continuation lines); a requirement \
             line may be at most {MAX_LINE_BYTES} bytes. Is this really a requirements file?"
        ),
    })?;
    for (number, line) in lines {
        let line = comment_regex().replace(&line, "");
        let line = env_var_regex().replace_all(line.trim(), |c: &regex::Captures| {
            env(&c[1]).unwrap_or_else(|| c[0].to_string())
        });
        if line.is_empty() {
            continue;
        }
        let syntax = |message: String| FileError::Syntax {
            path: path.to_path_buf(),
            line: number,
            message,
        };
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let split = tokens
            .iter()
            .position(|t| t.starts_with('-'))
            .unwrap_or(tokens.len());
        let (args, options) = tokens.split_at(split);
        let options = split_options(options).map_err(syntax)?;
        if !args.is_empty() {
            let mut hashes = Vec::new();
            for (name, value) in options {
                if !PER_REQUIREMENT.contains(&name.as_str()) {
                    return Err(syntax(format!(
                        "option {name} cannot follow a requirement on the same line (allowed: {})",
                        PER_REQUIREMENT.join(", ")
                    )));
                }
                if name == "--hash" {
                    hashes.push(value);
                }
            }
            out.lines.push(RequirementLine {
                text: args.join(" "),
                file: path.to_path_buf(),
                line: number,
                constraint,
                editable: false,
                hashes,
            });
            continue;
        }
        for (name, value) in options {
            match name.as_str() {
                "--requirement" | "--constraint" => {
                    let target = Path::new(&value);
                    let target = if target.is_absolute() {
                        target.to_path_buf()
                    } else {
                        path.parent().unwrap_or(Path::new("")).join(target)
                    };
                    let nested_constraint = constraint || name == "--constraint";
                    read_into(
                        &target,
                        Some((path.to_path_buf(), number)),
                        nested_constraint,
                        env,
                        stack,
                        out,
                    )?;
                }
                "--editable" => out.lines.push(RequirementLine {
                    text: value,
                    file: path.to_path_buf(),
                    line: number,
                    constraint,
                    editable: true,
                    hashes: Vec::new(),
                }),
                _ if PER_REQUIREMENT.contains(&name.as_str()) => {
                    return Err(syntax(format!(
                        "option {name} needs a requirement before it on the line"
                    )))
                }
                _ => out.options.push((name, value)),
            }
        }
    }
    Ok(())
}

/// Splits option tokens into (long name, value), accepting `--opt=value`, `--opt value`,
/// `-rfile` and `-r file`.
fn split_options(tokens: &[&str]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut iter = tokens.iter();
    while let Some(token) = iter.next() {
        let (flag, inline) = match token.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (*token, None),
        };
        if let Some((_, long)) = VALUE_OPTIONS.iter().find(|(spelling, _)| *spelling == flag) {
            let value = match inline {
                Some(v) => v,
                None => iter
                    .next()
                    .ok_or_else(|| format!("option {flag} needs a value"))?
                    .to_string(),
            };
            out.push((long.to_string(), value));
        } else if let Some((_, long)) = VALUE_OPTIONS.iter().find(|(spelling, _)| {
            spelling.len() == 2 && flag.starts_with(spelling) && flag.len() > 2
        }) {
            out.push((long.to_string(), flag[2..].to_string()));
        } else if FLAG_OPTIONS.contains(&flag) {
            out.push((flag.to_string(), String::new()));
        } else if PER_REQUIREMENT.contains(&flag) {
            let value = match inline {
                Some(v) => v,
                None => iter
                    .next()
                    .ok_or_else(|| format!("option {flag} needs a value"))?
                    .to_string(),
            };
            out.push((flag.to_string(), value));
        } else {
            return Err(format!("unknown option {flag} (pip requirement files accept -r, -c, -e, -i, --extra-index-url, --no-index, -f, --pre, --prefer-binary, --only-binary, --no-binary, --require-hashes, --trusted-host, --use-feature, and --hash after a requirement)"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("reqfile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        dir
    }

    fn no_vars(_: &str) -> Option<String> {
        None
    }

    fn texts(file: &RequirementsFile) -> Vec<(String, usize, bool)> {
        file.lines
            .iter()
            .map(|l| (l.text.clone(), l.line, l.constraint))
            .collect()
    }

    #[test]
    fn comments_continuations_options_and_env() {
        let dir = temp("basic");
        let text = "# a comment\n--index-url https://example.invalid/simple\nnumpy==1.26.4+computecanada  # pinned\nscipy>=1.10,\\\n  <2\n\n${PKG}>=1 --hash=sha256:abc\n-f /wheels\n--no-index\n";
        let env = |name: &str| (name == "PKG").then(|| "six".to_string());
        let file = parse_requirements_text(&dir.join("r.txt"), text, &env).unwrap();
        assert_eq!(
            texts(&file),
            [
                ("numpy==1.26.4+computecanada".into(), 3, false),
                ("scipy>=1.10, <2".into(), 4, false),
                ("six>=1".into(), 7, false)
            ]
        );
        assert_eq!(file.lines[2].hashes, ["sha256:abc"]);
        assert_eq!(
            file.options,
            [
                (
                    "--index-url".into(),
                    "https://example.invalid/simple".into()
                ),
                ("--find-links".into(), "/wheels".into()),
                ("--no-index".into(), String::new())
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn variables_come_from_the_caller_not_the_process() {
        let dir = temp("vars");
        std::fs::write(
            dir.join("r.txt"),
            "${WHEELHOUSE_TEST_PKG}>=1\n-r ${WHEELHOUSE_TEST_PKG}.txt\n",
        )
        .unwrap();
        std::fs::write(dir.join("six.txt"), "numpy\n").unwrap();
        let vars = |name: &str| (name == "WHEELHOUSE_TEST_PKG").then(|| "six".to_string());
        let file = read_requirement_files(&dir.join("r.txt"), &vars).unwrap();
        assert_eq!(
            texts(&file),
            [("six>=1".into(), 1, false), ("numpy".into(), 1, false)]
        );
        // Without the variable, the reference stays as written (and names no file).
        let e = read_requirement_files(&dir.join("r.txt"), &no_vars).unwrap_err();
        assert!(e.to_string().contains("${WHEELHOUSE_TEST_PKG}.txt"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn nested_files_relative_to_the_includer() {
        let dir = temp("nested");
        std::fs::write(
            dir.join("r.txt"),
            "-r sub/base.txt\n-c sub/c.txt\nsix\n-e ./src\n",
        )
        .unwrap();
        std::fs::write(dir.join("sub/base.txt"), "numpy\n--requirement=more.txt\n").unwrap();
        std::fs::write(dir.join("sub/more.txt"), "scipy\n").unwrap();
        std::fs::write(dir.join("sub/c.txt"), "pandas<3\n").unwrap();
        let file = read_requirement_files(&dir.join("r.txt"), &no_vars).unwrap();
        assert_eq!(
            texts(&file),
            [
                ("numpy".into(), 1, false),
                ("scipy".into(), 1, false),
                ("pandas<3".into(), 1, true),
                ("six".into(), 3, false),
                ("./src".into(), 4, false)
            ]
        );
        assert!(file.lines[4].editable);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn errors_name_file_and_line() {
        let dir = temp("errors");
        std::fs::write(dir.join("r.txt"), "six\n-r missing.txt\n").unwrap();
        let e = read_requirement_files(&dir.join("r.txt"), &no_vars)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("missing.txt") && e.contains("included from") && e.contains("r.txt:2"),
            "{e}"
        );
        std::fs::write(dir.join("r.txt"), "six\n--bogus\n").unwrap();
        let e = read_requirement_files(&dir.join("r.txt"), &no_vars)
            .unwrap_err()
            .to_string();
        assert!(e.contains("r.txt:2") && e.contains("--bogus"), "{e}");
        std::fs::write(dir.join("r.txt"), "-r r.txt\n").unwrap();
        assert!(matches!(
            read_requirement_files(&dir.join("r.txt"), &no_vars),
            Err(FileError::Cycle { .. })
        ));
        let e = read_requirement_files(&dir.join("nope.txt"), &no_vars)
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope.txt"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn pyproject_dependencies() {
        let dir = temp("pyproject");
        std::fs::write(
            dir.join("pyproject.toml"),
            "[project]\nname = 'x'\ndependencies = ['numpy>=1.21', 'six']\n",
        )
        .unwrap();
        let file = read_requirement_files(&dir.join("pyproject.toml"), &no_vars).unwrap();
        assert_eq!(
            texts(&file),
            [("numpy>=1.21".into(), 0, false), ("six".into(), 0, false)]
        );
        std::fs::write(dir.join("pyproject.toml"), "[tool.x]\n").unwrap();
        assert!(
            read_requirement_files(&dir.join("pyproject.toml"), &no_vars)
                .unwrap_err()
                .to_string()
                .contains("[project]")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,80}") {
            let _ = parse_requirements_text(Path::new("/nonexistent/r.txt"), &text, &|_| None);
        }
    }
}
