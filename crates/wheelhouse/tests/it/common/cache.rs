//! The cache tests' way to install: the same packages, again and again, into a fresh
//! environment through one cache directory, with `-v` so that the cache line can be read.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{contents, stderr, Site};

pub struct CacheRun<'a> {
    pub site: &'a Site,
    pub cache: PathBuf,
    /// Options of every install (`--compile`), before each call's own.
    pub options: &'a [&'a str],
    pub packages: &'a [&'a str],
}

impl CacheRun<'_> {
    /// An empty environment at `env`, made again.
    pub fn fresh(&self, env: &Path) {
        let _ = std::fs::remove_dir_all(env);
        self.site
            .ok(&["venv", "--without-pip", env.to_str().unwrap()]);
    }

    /// The install command into `env` (as it is) with `extra` options.
    pub fn install_cmd(&self, env: &Path, extra: &[&str]) -> Command {
        let mut c = self.site.command(env!("CARGO_BIN_EXE_wheelhouse"));
        c.args(["install", "-v", "-p", env.to_str().unwrap()])
            .arg("--cache-dir")
            .arg(&self.cache)
            .args(self.options)
            .args(extra)
            .args(self.packages);
        c
    }

    /// Installs the packages into a fresh `env` with `extra` options; asserts success.
    pub fn install(&self, env: &Path, extra: &[&str]) -> Output {
        self.fresh(env);
        let out = self.install_cmd(env, extra).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        out
    }

    /// The environment as the uncached path makes it.
    pub fn reference(&self, env: &Path) -> Vec<String> {
        self.install(env, &["--no-cache"]);
        contents(env)
    }

    /// `cache info --format json`.
    pub fn info(&self) -> serde_json::Value {
        let out = self.site.ok(&[
            "cache",
            "info",
            "--format",
            "json",
            "--cache-dir",
            self.cache.to_str().unwrap(),
        ]);
        serde_json::from_str(&out).unwrap()
    }
}
