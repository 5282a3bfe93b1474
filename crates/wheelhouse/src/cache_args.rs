//! The cache options `install` and `venv` share (`--cache-dir`, `--no-cache`, `--link-mode`).

use std::path::PathBuf;

use environment::CacheOptions;
use installer::wheel_cache::{LinkMode, DEFAULT_LIMITS};
use site_config::SiteConfig;

/// The cache options of `install` and `venv`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct CacheFlags {
    /// Cache unpacked wheels here [default: $WHEELHOUSE_CACHE_DIR, else
    /// $XDG_CACHE_HOME/wheelhouse, else ~/.cache/wheelhouse]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor fill the cache of unpacked wheels
    #[arg(long)]
    pub no_cache: bool,
    /// How cached files get into the environment: clone (copy-on-write), hardlink, copy;
    /// auto: clone where the file system can, else hardlink [default: auto]
    #[arg(long, value_name = "MODE", value_parser = ["auto", "clone", "hardlink", "copy"])]
    pub link_mode: Option<String>,
}

impl CacheFlags {
    /// The cache an install uses: `None` with `--no-cache` or when no directory can be found.
    pub fn options(&self, site: &SiteConfig) -> Option<CacheOptions> {
        if self.no_cache {
            return None;
        }
        let dir = self.cache_dir.clone().or_else(|| site.cache_dir.clone())?;
        Some(CacheOptions {
            dir,
            link_mode: self
                .link_mode
                .as_deref()
                .and_then(|m| m.parse().ok())
                .unwrap_or(LinkMode::Auto),
            limits: DEFAULT_LIMITS,
            remembered: Default::default(),
        })
    }

    /// Where interpreter answers are kept: `None` with `--no-cache` (nothing is kept between
    /// commands then).
    pub fn answers(&self, site: &SiteConfig) -> Option<interpreter::AnswerCache> {
        if self.no_cache {
            return None;
        }
        environment::answer_cache(site, self.cache_dir.as_deref())
    }
}
