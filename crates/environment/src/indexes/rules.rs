//! The index step's rules: which indexes are read, which index files are candidates, which
//! wheel the solver would try first.

use std::path::PathBuf;
use std::str::FromStr;

use download::{FileEntry, IndexArgs};
use pep440_rs::{Version, VersionSpecifiers};
use resolver::WheelCandidate;
use site_config::DownloadSettings;

use super::INDEX_RANK;

/// The command's (and files') index first, else the configuration's when it names one and
/// does not say `no-index`; then the configuration's extra indexes (unless `no-index`), then
/// the command's.
pub(super) fn urls(settings: &DownloadSettings, args: &IndexArgs) -> Vec<String> {
    let configured = !settings.no_index;
    let primary = args.index_url.clone().or_else(|| {
        (configured && settings.index_url_from.is_some()).then(|| settings.index_url.clone())
    });
    let mut urls: Vec<String> = primary.into_iter().collect();
    let extra = settings
        .extra_index_urls
        .iter()
        .filter(|_| configured)
        .chain(&args.extra_index_urls);
    for url in extra {
        if !urls.contains(url) {
            urls.push(url.clone());
        }
    }
    urls
}

/// The index wheel the solver would try first among `candidates`: the newest version (final
/// releases first unless `pre`), best tag; `None` when that is a local wheel or an sdist
/// (whose metadata would take a build).
pub(super) fn preferred(candidates: &[WheelCandidate], pre: bool) -> Option<PathBuf> {
    let best = candidates.iter().min_by(|a, b| {
        let a_pre = !pre && a.version.any_prerelease();
        let b_pre = !pre && b.version.any_prerelease();
        a_pre
            .cmp(&b_pre)
            .then_with(|| b.version.cmp(&a.version))
            .then(a.tag_rank.cmp(&b.tag_rank))
            .then(a.search_rank.cmp(&b.search_rank))
    })?;
    (best.search_rank >= INDEX_RANK && !best.is_source()).then(|| best.path.clone())
}

/// An installed package that the resolver keeps unless told otherwise.
pub(super) fn kept_installed(request: &resolver::Request, key: &str) -> bool {
    let upgrading = match &request.upgrade {
        resolver::Upgrade::None => false,
        resolver::Upgrade::Packages(names) => names.contains(key),
        resolver::Upgrade::All => true,
    };
    request.installed.contains_key(key) && !upgrading && !request.force_reinstall
}

/// Whether the index's `Requires-Python` for a file admits the target (one it cannot parse
/// is ignored, as pip ignores it).
pub(super) fn python_fits(entry: &FileEntry, python: &Version) -> bool {
    match &entry.requires_python {
        Some(rp) => VersionSpecifiers::from_str(rp).map_or(true, |s| s.contains(python)),
        None => true,
    }
}

/// The version of `key`'s source distribution: the index client's reading, one for every
/// command.
pub(crate) use download::sdist_version;

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(from: Option<&str>, extra: &[&str], no_index: bool) -> DownloadSettings {
        DownloadSettings {
            index_url: from.map_or("https://pypi.org/simple".into(), |_| "http://site/s".into()),
            index_url_from: from.map(String::from),
            extra_index_urls: extra.iter().map(|s| s.to_string()).collect(),
            no_index,
            cert: None,
            https_proxy: None,
            http_proxy: None,
            no_proxy: Vec::new(),
            timeout_secs: 15,
        }
    }

    #[test]
    fn an_index_is_read_only_when_named() {
        let none = IndexArgs::default();
        // pip's public default is never implied.
        assert!(urls(&settings(None, &[], false), &none).is_empty());
        assert_eq!(
            urls(
                &settings(Some("PIP_INDEX_URL"), &["http://x/s"], false),
                &none
            ),
            ["http://site/s", "http://x/s"]
        );
        // The configuration's no-index turns off its own indexes, not the command's.
        let cli = IndexArgs {
            index_url: None,
            extra_index_urls: vec!["http://cli/s".into()],
            no_index: false,
        };
        assert_eq!(
            urls(&settings(Some("pip.conf"), &["http://x/s"], true), &cli),
            ["http://cli/s"]
        );
        assert!(urls(&settings(Some("pip.conf"), &[], true), &none).is_empty());
        let primary = IndexArgs {
            index_url: Some("http://cli/s".into()),
            ..cli
        };
        assert_eq!(
            urls(
                &settings(Some("pip.conf"), &["http://cli/s"], false),
                &primary
            ),
            ["http://cli/s"]
        );
    }
}
