//! Wheels a lock names by URL (an index's, as `wheelhouse lock -i` and `pip lock` write
//! them): fetched before the environment's lock is taken, each checked against the lock's
//! hash before anything changes; one already installed at the locked version is not fetched.

use std::path::PathBuf;

use environment::{Event, LockedWheel, Target, UrlFile};
use site_config::SiteConfig;

use crate::Error;

/// A locked wheel at `url`: its `path` is set once fetched.
pub(crate) struct Remote {
    pub wheel: LockedWheel,
    pub url: String,
}

/// The wheels of `remote` as local files, and the temporary directory that holds them
/// (kept until they are installed).
pub(crate) fn fetch(
    site: &SiteConfig,
    target: &Target,
    remote: Vec<Remote>,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<(Vec<LockedWheel>, Option<tempfile::TempDir>), Error> {
    if remote.is_empty() {
        return Ok((Vec::new(), None));
    }
    let own = target.own_distributions()?;
    let installed = |w: &LockedWheel| {
        own.iter().any(|d| {
            d.key == w.key && d.direct_reference.is_none() && same_version(&d.version, &w.version)
        })
    };
    let (kept, needed): (Vec<Remote>, Vec<Remote>) =
        remote.into_iter().partition(|r| installed(&r.wheel));
    // Installed at the locked version: the sync keeps it without reading the file.
    let mut wheels: Vec<LockedWheel> = kept
        .into_iter()
        .map(|r| LockedWheel {
            path: PathBuf::from(&r.url),
            ..r.wheel
        })
        .collect();
    if needed.is_empty() {
        return Ok((wheels, None));
    }
    let dir = tempfile::Builder::new()
        .prefix("wheelhouse-lock-")
        .tempdir_in(site.temp_dir())
        .map_err(|source| environment::Error::TempDir {
            what: "a directory for the lock's wheels",
            source,
        })?;
    let files: Vec<UrlFile> = needed
        .iter()
        .map(|r| UrlFile {
            url: r.url.clone(),
            origin: r.wheel.entry.clone(),
        })
        .collect();
    let paths = environment::fetch_urls(site, &files, dir.path(), events)?;
    for (r, path) in needed.into_iter().zip(paths) {
        check(&r, &path)?;
        wheels.push(LockedWheel { path, ..r.wheel });
    }
    Ok((wheels, Some(dir)))
}

/// The fetched file must have the lock's hash (the strongest algorithm the lock gives that
/// can be computed here); the error names the URL, not the temporary copy.
fn check(r: &Remote, path: &std::path::Path) -> Result<(), Error> {
    let known = ["sha512", "sha384", "sha256"];
    let Some((algo, want)) = known
        .iter()
        .find_map(|a| r.wheel.hashes.get(*a).map(|h| (*a, h)))
    else {
        // The sync refuses a wheel without a hash, naming the entry.
        return Ok(());
    };
    let got = environment::digest_file(algo, path).map_err(|source| Error::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    if !got.eq_ignore_ascii_case(want) {
        return Err(Error::UrlHashMismatch {
            entry: r.wheel.entry.clone(),
            url: r.url.clone(),
            algorithm: algo,
            got,
            want: want.clone(),
        });
    }
    Ok(())
}

fn same_version(a: &str, b: &str) -> bool {
    match (
        a.parse::<pep440_rs::Version>(),
        b.parse::<pep440_rs::Version>(),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
