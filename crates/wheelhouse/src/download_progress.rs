//! The progress line of `wheelhouse download` on a terminal: the index page being read and
//! the files saved so far. Hidden when standard error is not a terminal (a job's log) or with
//! `-q`; lines printed meanwhile go above it.

use std::io::IsTerminal;

/// A spinner with a count of saved files and what is being fetched.
pub struct DownloadProgress {
    bar: indicatif::ProgressBar,
}

impl DownloadProgress {
    pub fn new(quiet: bool) -> DownloadProgress {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            indicatif::ProgressBar::hidden()
        } else {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} downloading: {pos} saved {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            bar
        };
        DownloadProgress { bar }
    }

    /// An index page is being read (its project name is shown).
    pub fn page(&self, url: &str) {
        let project = url.trim_end_matches('/').rsplit('/').next().unwrap_or(url);
        self.bar.set_message(format!("(reading {project})"));
    }

    /// A file was saved; `print` writes its line above the bar.
    pub fn saved(&self, print: impl FnOnce()) {
        self.bar.suspend(print);
        self.bar.inc(1);
    }

    /// Prints something above the bar.
    pub fn above(&self, print: impl FnOnce()) {
        self.bar.suspend(print);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
