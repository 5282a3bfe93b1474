//! Calling a backend's hooks: the embedded `hooks.py` run by the build environment's Python
//! in the project's directory (one process for the hooks of a build, [`HookSession`]), the
//! answer read from a JSON file and the backend's output kept as a log whose last lines
//! explain a failure.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

use crate::error::{advice, BackendFailure, BuildError};
use crate::project::BuildSystem;

/// The hook runner, run by the build environment's Python.
pub const HOOKS_SCRIPT: &str = include_str!("hooks.py");

/// How much of the end of a log is read for the lines shown and the advice given.
const TAIL_BYTES: u64 = 64 << 10;
/// Lines of the backend's output shown with a failure.
const TAIL_LINES: usize = 20;

/// What a hook answered.
#[derive(Debug)]
pub(crate) enum Answer {
    Returned(Value),
    /// The backend lacks this optional hook.
    Unsupported,
}

/// Runs hooks of one project's backend.
pub(crate) struct HookRunner<'a> {
    /// The build environment's Python (or the target's, without isolation).
    pub python: PathBuf,
    /// The project's root: the hooks' working directory.
    pub project_dir: &'a Path,
    /// A directory of our own for the script, its input and output, and the logs.
    pub control_dir: &'a Path,
    pub system: &'a BuildSystem,
    /// The isolated environment's `bin`, put first on `PATH` (build tools installed as
    /// wheels, such as `ninja` or `cmake`, are found there); `None` without isolation, where
    /// the process environment is left as it is (`PYTHONPATH` included, as pip does).
    pub isolated_bin: Option<PathBuf>,
    /// The caller's `PATH`, kept after `isolated_bin` (compilers, `git`).
    pub inherited_path: Option<std::ffi::OsString>,
    /// The project as the user named it, for errors.
    pub project: &'a str,
}

/// One running `hooks.py`: the hooks of one build, one after the other, in one process (the
/// backend imported once; setuptools' `get_requires_for_build_wheel` then `build_wheel` cost
/// about half of two processes). Dropping it ends the process.
pub(crate) struct HookSession {
    child: Child,
    requests: Option<ChildStdin>,
    answers: BufReader<ChildStdout>,
    /// Where the process's own errors go before its first hook switches to the hook's log.
    startup_log: PathBuf,
}

impl Drop for HookSession {
    fn drop(&mut self) {
        // The end of its input ends the script (without waiting for a backend's threads).
        drop(self.requests.take());
        let _ = self.child.wait();
    }
}

impl HookRunner<'_> {
    /// Calls `hook` with `kwargs` in `session` (started when `None`); the backend's output
    /// goes to `<control>/<hook>.log`. After a failure the session is over.
    pub fn call(
        &self,
        session: &mut Option<HookSession>,
        hook: &str,
        kwargs: Value,
    ) -> Result<Answer, BuildError> {
        let input = self.control_dir.join("input.json");
        let output = self.control_dir.join("output.json");
        let log_path = self.control_dir.join(format!("{hook}.log"));
        File::create(&log_path).map_err(|e| BuildError::io("write", &log_path, e))?;
        let request = json!({
            "backend": self.system.backend,
            "backend_path": self.system.backend_path,
            "hook": hook,
            "kwargs": kwargs,
            "log": log_path,
        });
        fs::write(&input, request.to_string()).map_err(|e| BuildError::io("write", &input, e))?;
        match fs::remove_file(&output) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(BuildError::io("remove", &output, e))
            }
            _ => {}
        }
        if session.is_none() {
            *session = Some(self.start()?);
        }
        let running = session.as_mut().expect("started above");
        let answered = running
            .requests
            .as_mut()
            .is_some_and(|r| writeln!(r, "{hook}").and_then(|()| r.flush()).is_ok())
            && {
                let mut line = String::new();
                matches!(running.answers.read_line(&mut line), Ok(n) if n > 0)
                    && line.trim() == "done"
            };
        let answer: Option<Value> = fs::read(&output)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let failed = |session: &mut Option<HookSession>| {
            let mut ended = session.take().expect("running");
            drop(ended.requests.take());
            let status = ended
                .child
                .wait()
                .map(|s| s.to_string())
                .unwrap_or_else(|e| e.to_string());
            let log = if fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0) > 0 {
                log_path.clone()
            } else {
                ended.startup_log.clone()
            };
            self.failure(hook, &status, &log)
        };
        match answer {
            Some(answer) if answered && answer.get("error").is_none() => {
                if answer.get("unsupported").and_then(Value::as_bool) == Some(true) {
                    Ok(Answer::Unsupported)
                } else if let Some(value) = answer.get("return") {
                    Ok(Answer::Returned(value.clone()))
                } else {
                    Err(self.bad_answer(hook, "no value"))
                }
            }
            _ => Err(failed(session)),
        }
    }

    /// Starts `hooks.py` in the project's directory, with the isolation's environment.
    fn start(&self) -> Result<HookSession, BuildError> {
        let script = self.control_dir.join("hooks.py");
        if !script.exists() {
            fs::write(&script, HOOKS_SCRIPT).map_err(|e| BuildError::io("write", &script, e))?;
        }
        let startup_log = self.control_dir.join("hooks-startup.log");
        let log =
            File::create(&startup_log).map_err(|e| BuildError::io("write", &startup_log, e))?;
        let mut command = Command::new(&self.python);
        command
            .arg(&script)
            .arg(self.control_dir)
            .current_dir(self.project_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            // Python buffers stdout in a file; unbuffered, the log keeps the order of events.
            .env("PYTHONUNBUFFERED", "1");
        if let Some(bin) = &self.isolated_bin {
            // As pip's isolation: nothing from the user's PYTHONPATH or user site-packages.
            let mut path = std::ffi::OsString::from(bin);
            if let Some(old) = &self.inherited_path {
                path.push(":");
                path.push(old);
            }
            command
                .env("PATH", path)
                .env("PYTHONNOUSERSITE", "1")
                .env_remove("PYTHONPATH")
                .env_remove("PYTHONHOME");
        }
        let mut child = command
            .spawn()
            .map_err(|e| BuildError::io("run", &self.python, e))?;
        let requests = child.stdin.take();
        let answers = BufReader::new(child.stdout.take().expect("piped"));
        Ok(HookSession {
            child,
            requests,
            answers,
            startup_log,
        })
    }

    pub fn bad_answer(&self, hook: &str, detail: impl Into<String>) -> BuildError {
        BuildError::BadAnswer {
            project: self.project.to_string(),
            backend: self.system.backend.clone(),
            hook: hook.to_string(),
            detail: detail.into(),
        }
    }

    fn failure(&self, hook: &str, status: &str, log_path: &Path) -> BuildError {
        let text = read_tail(log_path);
        let tail: Vec<String> = text
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        let tail = tail[tail.len().saturating_sub(TAIL_LINES)..].to_vec();
        BuildError::Backend(Box::new(BackendFailure {
            project: self.project.to_string(),
            backend: self.system.backend.clone(),
            hook: hook.to_string(),
            status: status.to_string(),
            tail,
            advice: advice(&text, self.isolated_bin.is_some()),
        }))
    }
}

/// The last [`TAIL_BYTES`] of a log, as text (lossily: compilers print what they print).
fn read_tail(path: &Path) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(TAIL_BYTES);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.read_to_end(&mut bytes).is_err() {
        return String::new();
    }
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if start > 0 {
        // The first line is cut; drop it.
        text = text
            .split_once('\n')
            .map(|(_, r)| r.to_string())
            .unwrap_or_default();
    }
    text
}
