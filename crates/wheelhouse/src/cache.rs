//! `wheelhouse cache info|clean|prune`, and the cache options `install` passes on.

use std::path::PathBuf;

use installer::wheel_cache::{Cache, Limits, DEFAULT_LIMITS};
use site_config::{ProcessVars, SiteConfig};

use crate::exit;

const NO_CACHE_DIR: &str = "no cache directory: neither WHEELHOUSE_CACHE_DIR, XDG_CACHE_HOME \
    nor HOME is set. Give one with --cache-dir DIR (or set WHEELHOUSE_CACHE_DIR)";

#[derive(clap::Subcommand, Debug)]
pub enum CacheCommand {
    /// Where the cache is, how many entries, files and bytes it holds.
    #[command(after_help = "Examples:\n  \
        wheelhouse cache info\n  \
        wheelhouse cache info --format json\n  \
        wheelhouse cache info --cache-dir /project/def-someone/wheelhouse-cache")]
    Info {
        #[command(flatten)]
        dir: DirArg,
        /// Output format: `text`, or `json` (dir, entries, files, bytes, partial)
        #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Check every entry against its MANIFEST: each file present, with its size, time and
    /// content hash; exit 1 when an entry is bad. Reads only (`cache clean` removes).
    #[command(after_help = "Examples:\n  \
        wheelhouse cache verify\n  \
        wheelhouse cache verify --format json\n  \
        wheelhouse cache verify || wheelhouse cache clean")]
    Verify {
        #[command(flatten)]
        dir: DirArg,
        /// Output format: `text`, or `json` (dir, good, files, bad [{entry, why}], partial)
        #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Remove every entry (environments filled from the cache keep their files), and the
    /// interpreters' kept answers.
    Clean {
        #[command(flatten)]
        dir: DirArg,
    },
    /// Remove the least recently used entries until the cache is within the bounds, and
    /// what killed installs left half written.
    ///
    /// Installs prune to the default bounds themselves after adding entries: 5 GiB and
    /// 50,000 files, a tenth of a typical cluster home quota.
    #[command(after_help = "Examples:\n  \
        wheelhouse cache prune\n  \
        wheelhouse cache prune --max-files 20000 --max-size 2G")]
    Prune {
        #[command(flatten)]
        dir: DirArg,
        /// Keep at most this many bytes (suffixes K, M, G)
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_size: Option<u64>,
        /// Keep at most this many files
        #[arg(long, value_name = "N")]
        max_files: Option<u64>,
    },
}

#[derive(clap::Args, Debug)]
pub struct DirArg {
    /// The cache [default: $WHEELHOUSE_CACHE_DIR, else $XDG_CACHE_HOME/wheelhouse, else
    /// ~/.cache/wheelhouse]
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 500M, 5G)"))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("`{text}` is not a size (e.g. 500M, 5G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

fn cache_of(dir: &DirArg) -> Option<Cache> {
    let site = SiteConfig::from_env(&ProcessVars::from_process());
    dir.cache_dir.clone().or(site.cache_dir).map(Cache::new)
}

pub fn run(command: CacheCommand) -> i32 {
    let (CacheCommand::Info { dir, .. }
    | CacheCommand::Verify { dir, .. }
    | CacheCommand::Clean { dir }
    | CacheCommand::Prune { dir, .. }) = &command;
    let Some(cache) = cache_of(dir) else {
        crate::out::print_error("wheelhouse cache", NO_CACHE_DIR);
        return exit::INPUT;
    };
    match command {
        CacheCommand::Info { format, .. } => {
            let info = cache.info();
            if format == "json" {
                outln!(
                    "{}",
                    serde_json::json!({
                        "dir": cache.root().display().to_string(),
                        "entries": info.entries,
                        "files": info.files,
                        "bytes": info.bytes,
                        "partial": info.partial,
                    })
                );
            } else {
                outln!("cache:   {}", cache.root().display());
                outln!("entries: {} wheels", info.entries);
                outln!(
                    "files:   {} (bound {})",
                    info.files,
                    DEFAULT_LIMITS.max_files
                );
                outln!(
                    "size:    {} (bound {})",
                    human(info.bytes),
                    human(DEFAULT_LIMITS.max_bytes)
                );
                if info.partial > 0 {
                    outln!(
                        "partial: {} (writes in progress or interrupted)",
                        info.partial
                    );
                }
            }
            0
        }
        CacheCommand::Verify { format, .. } => verify(&cache, &format),
        CacheCommand::Clean { .. } => {
            let p = cache.clean();
            interpreter::AnswerCache::clear(cache.root());
            outln!(
                "Removed {} entries ({} files, {}) from {}",
                p.entries,
                p.files,
                human(p.bytes),
                cache.root().display()
            );
            0
        }
        CacheCommand::Prune {
            max_size,
            max_files,
            ..
        } => {
            let limits = Limits {
                max_bytes: max_size.unwrap_or(DEFAULT_LIMITS.max_bytes),
                max_files: max_files.unwrap_or(DEFAULT_LIMITS.max_files),
            };
            let p = cache.prune(limits);
            let left = cache.info();
            outln!(
                "Removed {} entries ({} files, {}) and {} interrupted writes; {} entries, {} \
                 files, {} left",
                p.entries,
                p.files,
                human(p.bytes),
                p.partial,
                left.entries,
                left.files,
                human(left.bytes)
            );
            0
        }
    }
}

/// `cache verify`: 0 when no entry is bad, 1 when one is.
fn verify(cache: &Cache, format: &str) -> i32 {
    let v = cache.verify();
    if format == "json" {
        let bad: Vec<_> = v
            .bad
            .iter()
            .map(|(dir, why)| serde_json::json!({"entry": dir.display().to_string(), "why": why}))
            .collect();
        outln!(
            "{}",
            serde_json::json!({
                "dir": cache.root().display().to_string(),
                "good": v.good,
                "files": v.files,
                "bad": bad,
                "partial": v.partial,
            })
        );
    } else {
        for (dir, why) in &v.bad {
            outln!("bad entry {}: {why}", dir.display());
        }
        let partial = if v.partial > 0 {
            format!(
                "; {} writes in progress or interrupted (not read)",
                v.partial
            )
        } else {
            String::new()
        };
        if v.bad.is_empty() {
            outln!(
                "{}: {} entries ({} files) verified, no bad entry{partial}",
                cache.root().display(),
                v.good,
                v.files
            );
        } else {
            outln!(
                "{}: {} bad entries, {} good ({} files){partial}. Installs drop an entry they \
                 find changed; `wheelhouse cache clean` removes them all",
                cache.root().display(),
                v.bad.len(),
                v.good,
                v.files
            );
        }
    }
    i32::from(!v.bad.is_empty())
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("500"), Ok(500));
        assert_eq!(parse_size("2K"), Ok(2048));
        assert_eq!(parse_size("5G"), Ok(5 << 30));
        assert_eq!(parse_size("5GiB"), Ok(5 << 30));
        assert!(parse_size("5X").is_err());
        assert!(parse_size("lots").is_err());
    }
}
