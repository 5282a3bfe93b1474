//! Installing exactly a given list of wheels (a lock file's choice for this Python and CPU
//! level): no resolution, every file checked against its hash before anything changes, and
//! with `exact` whatever else the environment holds removed (its seed aside: pip,
//! setuptools, wheel). The plan is carried out under the environment's lock by the same
//! journaled transaction as `install`, so an error leaves the environment as it was.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use installer::{ReadWheel, Transaction, WheelToInstall};
use pep440_rs::Version;
use site_config::SiteConfig;

use crate::{Error, Event, Target};

/// Distributions an exact sync keeps although the lock does not name them: the
/// environment's seed, as `uv pip sync` keeps it.
pub const SEED: [&str; 3] = ["pip", "setuptools", "wheel"];

/// One wheel the lock installs.
#[derive(Clone, Debug)]
pub struct LockedWheel {
    /// Normalised name.
    pub key: String,
    pub version: String,
    pub path: PathBuf,
    /// Algorithm → hex digest; at least one algorithm we can compute.
    pub hashes: BTreeMap<String, String>,
    /// Where it is in the lock, for messages (`packages[3] (numpy)`).
    pub entry: String,
    /// For a wheel built from the lock's sdist, VCS checkout, directory or archive: the
    /// `direct_url.json` it is installed with (PEP 610), so freeze names its source.
    pub direct_url: Option<String>,
}

/// How to sync.
#[derive(Clone, Debug, Default)]
pub struct SyncOptions {
    /// Remove what the list does not name (`sync`); otherwise only add and replace
    /// (`install -r pylock.toml`).
    pub exact: bool,
    pub dry_run: bool,
    pub compile: crate::ByteCode,
    /// Threads to unpack with; 0 means the job's CPUs.
    pub threads: usize,
    pub cache: Option<crate::CacheOptions>,
    /// Normalised names the lock names that are installed apart from `wheels` (a source
    /// already at its locked commit or hash, or one a dry run would build): never removed.
    pub keep: Vec<String>,
}

/// What a sync did (or would do, with `dry_run`).
#[derive(Debug, Default)]
pub struct SyncReport {
    /// `(name, version)` installed.
    pub installed: Vec<(String, String)>,
    /// `name-version` removed, beyond those replaced.
    pub removed: Vec<String>,
    /// Already installed at the locked version.
    pub unchanged: usize,
    pub files: usize,
    pub dry_run: bool,
    pub elapsed: std::time::Duration,
}

/// Installs exactly `wheels` into `target`.
pub fn sync(
    site: &SiteConfig,
    target: &Target,
    wheels: &[LockedWheel],
    options: &SyncOptions,
    cancel: &AtomicBool,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<SyncReport, Error> {
    let started = Instant::now();
    let config = site.pip_install_options().map_err(Error::Config)?;
    let lock = installer::lock_environment(&target.root, cancel, || {
        events(Event::WaitingForLock(&target.root))
    })
    .map_err(Error::from_installer)?;
    for message in &lock.recovered {
        events(Event::Recovered(message));
    }
    let own = target.own_distributions()?;
    let shadowing = crate::target::shadowing(&target.interpreter);
    let mut plan = Transaction {
        allow_incomplete_record: config.allow_incomplete_record,
        ..Transaction::default()
    };
    let mut report = SyncReport {
        dry_run: options.dry_run,
        ..SyncReport::default()
    };
    let mut to_check = Vec::new();
    for w in wheels {
        let installed = own.iter().find(|d| d.key == w.key);
        if installed
            .is_some_and(|d| same_version(&d.version, &w.version) && d.direct_reference.is_none())
        {
            report.unchanged += 1;
            continue;
        }
        if let Some(dist) = shadowing.get(&w.key) {
            if !same_version(&dist.version, &w.version) {
                return Err(Error::Shadowed(Box::new(crate::Shadowed {
                    key: w.key.clone(),
                    version: w.version.clone(),
                    env: target.root.clone(),
                    name: dist.name.clone(),
                    installed: dist.version.clone(),
                    site_dir: dist.site_dir.clone(),
                    lock_entry: Some(w.entry.clone()),
                })));
            }
        }
        to_check.push(w);
        plan.remove.extend(installed.cloned());
        plan.install.push(WheelToInstall {
            path: w.path.clone(),
            requested: true,
            direct: w.direct_url.is_some(),
            direct_url: w.direct_url.clone(),
            bytes: None,
        });
        report.installed.push((w.key.clone(), w.version.clone()));
    }
    // Every file checked at once, before anything changes. A small wheel's bytes are kept
    // and unpacked from: read once, and what is installed is exactly what was checked. A
    // wheel the cache remembers, unchanged since it was hashed, is not read again (see
    // `remembered_check`).
    {
        use rayon::prelude::*;
        let cache = options.cache.as_ref().map(|c| {
            (
                installer::wheel_cache::Cache::new(&c.dir),
                c.remembered.as_ref(),
            )
        });
        let cache = cache.as_ref().map(|(c, memo)| (c, *memo));
        // The remembered digests first, one after another (a `stat` and a small read each:
        // no work to share out), then the files that must be read, side by side.
        let mut read = to_check
            .iter()
            .map(|w| remembered_check(w, cache))
            .collect::<Result<Vec<_>, Error>>()?;
        let unread: Vec<usize> = (0..read.len()).filter(|&i| read[i].is_none()).collect();
        let hashed = unread
            .par_iter()
            .map(|&i| check_file(to_check[i]))
            .collect::<Result<Vec<_>, Error>>()?;
        for (i, checked) in unread.into_iter().zip(hashed) {
            read[i] = Some(checked);
        }
        for (wheel, read) in plan.install.iter_mut().zip(read) {
            wheel.bytes = read;
        }
    }
    if options.exact {
        let mut named: HashSet<&str> = wheels.iter().map(|w| w.key.as_str()).collect();
        named.extend(options.keep.iter().map(String::as_str));
        for d in &own {
            if !named.contains(d.key.as_str()) && !SEED.contains(&d.key.as_str()) {
                report.removed.push(format!("{}-{}", d.name, d.version));
                plan.remove.push(d.clone());
            }
        }
    }
    if options.dry_run || (plan.install.is_empty() && plan.remove.is_empty()) {
        report.elapsed = started.elapsed();
        return Ok(report);
    }
    plan.cache = options
        .cache
        .as_ref()
        .map(|c| crate::cache::open(c, &target.root, None, None));
    let threads = if options.threads == 0 {
        site.job_cpus()
    } else {
        options.threads
    };
    let outcome = crate::execute(&lock, &plan, target, threads, cancel, events)?;
    drop(lock);
    for w in &outcome.warnings {
        events(Event::Warning(w));
    }
    if options.compile.applies_to(&target.root) {
        if let Err(w) = crate::compile::compile(target, threads, &outcome.modules) {
            events(Event::Warning(&w));
        }
    }
    if let (Some(used), Some(cache)) = (&plan.cache, &options.cache) {
        crate::cache::finish(used, cache, 0);
    }
    report.files = outcome.files;
    report.elapsed = started.elapsed();
    Ok(report)
}

fn same_version(a: &str, b: &str) -> bool {
    match (Version::from_str(a), Version::from_str(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

type Remembering<'c> = (
    &'c installer::wheel_cache::Cache,
    &'c installer::wheel_cache::RememberedMemo,
);

/// The strongest of a locked wheel's hashes we can compute: `(algorithm, hex digest)`.
fn strongest_hash(w: &LockedWheel) -> Result<(&'static str, &String), Error> {
    let known = ["sha512", "sha384", "sha256"];
    known
        .iter()
        .find_map(|a| w.hashes.get(*a).map(|h| (*a, h)))
        .ok_or_else(|| Error::LockNoHash {
            entry: w.entry.clone(),
            path: w.path.clone(),
        })
}

/// A wheel checked without reading it: when the cache remembers a SHA-256 for the file
/// (`cache`: taken by an install that hashed it, the file unchanged since: same size, times
/// and inode, see `wheel_cache`'s `remember`) and it is the lock's, as git trusts its index
/// for unchanged files. The installer then refuses the file if it finds it with another
/// identity. `None`: the file must be read ([`check_file`]).
fn remembered_check(
    w: &LockedWheel,
    cache: Option<Remembering<'_>>,
) -> Result<Option<ReadWheel>, Error> {
    let (algo, want) = strongest_hash(w)?;
    let (Some((cache, memo)), "sha256") = (cache, algo) else {
        return Ok(None);
    };
    Ok(cache
        .remembered_in(&w.path, memo)
        .filter(|r| {
            r.sha256
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(want))
        })
        .map(|r| ReadWheel {
            bytes: None,
            identity: r.identity,
            sha256: None,
        }))
}

/// The file must exist and match one of its hashes (the strongest we can compute). Returns
/// what was read: the file's identity before the read, its SHA-256, and for a file smaller
/// than [`installer::READ_BELOW`], its bytes.
fn check_file(w: &LockedWheel) -> Result<ReadWheel, Error> {
    let (algo, want) = strongest_hash(w)?;
    let unreadable = |source| Error::LockedWheelUnreadable {
        entry: w.entry.clone(),
        path: w.path.clone(),
        source,
    };
    let (read, got) = read_and_hash(algo, &w.path).map_err(unreadable)?;
    if !got.eq_ignore_ascii_case(want) {
        return Err(Error::LockHashMismatch {
            entry: w.entry.clone(),
            path: w.path.clone(),
            algorithm: algo,
            got,
            want: want.clone(),
        });
    }
    Ok(ReadWheel {
        sha256: (algo == "sha256").then(|| got.to_ascii_lowercase()),
        ..read
    })
}

/// Reads the file at `path` and hashes it with `algorithm`: what was read (its identity taken
/// before the read, without a digest yet), and the hex digest. A file smaller than
/// [`installer::READ_BELOW`] is read whole and its bytes kept; a larger one is hashed in
/// pieces (and mapped when unpacked).
fn read_and_hash(algorithm: &str, path: &std::path::Path) -> std::io::Result<(ReadWheel, String)> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let identity = installer::wheel_cache::FileIdentity::of(&meta);
    let size = meta.len();
    if size >= installer::READ_BELOW {
        let digest = wheel_metadata::RecordHash::open_file_hex_digest(algorithm, file)?
            .expect("sha256, sha384 and sha512 are supported");
        let read = ReadWheel {
            bytes: None,
            identity,
            sha256: None,
        };
        return Ok((read, digest));
    }
    // Room for one byte more than the size asked, so that the end is seen in one read; a
    // file that grew since is read no further than the limit (its hash then tells).
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(installer::READ_BELOW).read_to_end(&mut bytes)?;
    let digest = digest_bytes(algorithm, &bytes);
    let read = ReadWheel {
        bytes: Some(bytes.into()),
        identity,
        sha256: None,
    };
    Ok((read, digest))
}

fn digest_bytes(algorithm: &str, bytes: &[u8]) -> String {
    let algorithm = match algorithm {
        "sha384" | "sha512" => algorithm,
        _ => "sha256",
    };
    let digest = wheel_metadata::RecordHash::digest_of(algorithm, bytes)
        .expect("sha256, sha384 and sha512 are supported");
    hex::encode(digest)
}

/// The hex digest of a file, read in pieces; an algorithm other than sha384 or sha512 is
/// taken as sha256 (the lock's default).
pub fn digest_file(algorithm: &str, path: &std::path::Path) -> std::io::Result<String> {
    let algorithm = match algorithm {
        "sha384" | "sha512" => algorithm,
        _ => "sha256",
    };
    let digest = wheel_metadata::RecordHash::file_hex_digest(algorithm, path)?;
    Ok(digest.expect("sha256, sha384 and sha512 are supported"))
}
