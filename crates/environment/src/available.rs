//! What the wheelhouse offers this interpreter, for pip's `list --outdated` and `index
//! versions`: every version of a package it holds in a wheel this interpreter accepts (site
//! policy on `manylinux` included), and source archives, as pip's finder sees a find-links
//! directory (no `Requires-Python` filter: file names do not carry it).

use std::path::PathBuf;
use std::str::FromStr;

use interpreter::Interpreter;
use pep440_rs::Version;
use site_config::SiteConfig;

use crate::Error;

/// One version on offer, and whether the best file of it is a wheel or an sdist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offered {
    pub version: Version,
    pub wheel: bool,
}

/// The wheelhouse as the site's installs search it (the pip configuration's find-links, else
/// the site's layout), plus `find_links`; the warnings name unreadable directories.
pub struct Available {
    index: resolver::Index,
    pub warnings: Vec<String>,
}

impl Available {
    pub fn open(
        site: &SiteConfig,
        interpreter: &Interpreter,
        find_links: &[PathBuf],
    ) -> Result<Available, Error> {
        let config = site.pip_install_options().map_err(Error::Config)?;
        let (paths, mut warnings) = crate::search_paths(site, &config, find_links)?;
        let index = crate::build_index(site, paths, interpreter, config.allow_manylinux, &[]);
        warnings.extend(index.warnings.iter().cloned());
        Ok(Available { index, warnings })
    }

    /// Names on offer that look like a misspelling of `name` (closest first).
    pub fn near_names(&self, name: &str) -> Vec<String> {
        let names = self
            .index
            .usable
            .keys()
            .chain(self.index.sdists.keys())
            .map(String::as_str);
        resolver::near_names(name, names)
    }

    /// Every version of `name` on offer, newest first, one entry per version (a wheel wins
    /// over an sdist of the same version, as pip's finder prefers it); pre-releases only with
    /// `pre`.
    pub fn versions(&self, name: &str, pre: bool) -> Vec<Offered> {
        let key = wheel_metadata::normalize_name(name);
        let mut out: Vec<Offered> = Vec::new();
        for c in self.index.usable.get(&key).into_iter().flatten() {
            out.push(Offered {
                version: c.version.clone(),
                wheel: true,
            });
        }
        for file in self.index.sdists.get(&key).into_iter().flatten() {
            let stem = file
                .strip_suffix(".tar.gz")
                .or_else(|| file.strip_suffix(".zip"))
                .or_else(|| file.strip_suffix(".tar.bz2"));
            let version = stem
                .and_then(|s| s.rsplit_once('-'))
                .and_then(|(_, v)| Version::from_str(v).ok());
            if let Some(version) = version {
                out.push(Offered {
                    version,
                    wheel: false,
                });
            }
        }
        out.retain(|o| pre || !o.version.any_prerelease());
        // Newest first; of one version, the wheel first.
        out.sort_by(|a, b| b.version.cmp(&a.version).then(b.wheel.cmp(&a.wheel)));
        out.dedup_by(|a, b| a.version == b.version);
        out
    }
}

/// An installed distribution with a newer version on offer (pip's `list --outdated` row).
#[derive(Clone, Debug)]
pub struct Outdated {
    pub dist: installer::InstalledDist,
    pub latest: Version,
    pub wheel: bool,
}

/// The distributions on the import path that have a newer version on offer, sorted by
/// normalised name (pip compares PEP 440 versions: `1.0+computecanada` is newer than `1.0`).
pub fn outdated(interpreter: &Interpreter, available: &Available, pre: bool) -> Vec<Outdated> {
    let mut out = Vec::new();
    for dist in crate::inspect::installed_first(interpreter) {
        let Ok(installed) = Version::from_str(&dist.version) else {
            continue;
        };
        let Some(best) = available.versions(&dist.key, pre).into_iter().next() else {
            continue;
        };
        if best.version > installed {
            out.push(Outdated {
                dist,
                latest: best.version,
                wheel: best.wheel,
            });
        }
    }
    out.sort_by(|a, b| a.dist.key.cmp(&b.dist.key));
    out
}
