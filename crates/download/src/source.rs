//! One index client for every command that reads package indexes (`install`, `venv -r`,
//! `stack build`, `download`): the files each index lists for a project, a file's METADATA
//! (PEP 658 → range requests → the whole file), and a chosen file fetched to a path.
//!
//! Pages are kept in the cache directory and revalidated (module `cache`); METADATA read
//! once is kept too, so a second resolve of the same requirements costs no transfers (or one
//! 304 per page once a page's `max-age` has passed). Wheels fetched whole only to read their
//! METADATA (from a server without range support) wait in a scratch directory that is
//! removed with the source; a chosen one is moved from there rather than fetched again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use site_config::DownloadSettings;

use crate::cache::IndexCache;
use crate::http::{PageAnswer, Validators};
use crate::transfer::{part_of, Lazy, TempFile};
use crate::{normalize, page, present, Client, Error, Fetched, FileEntry, HttpSettings, Transfers};

/// Index options given to a command (its flags and a requirements file's `--index-url`
/// lines), which win over the site's.
#[derive(Clone, Debug, Default)]
pub struct IndexArgs {
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    pub no_index: bool,
}

/// The index URLs to read, primary first: the command's `--index-url`, else the layered
/// pip setting (`PIP_INDEX_URL`, the configuration's `index-url`, else the public index);
/// then the configuration's and the command's extra ones. Empty with `--no-index` or pip's
/// `no-index`.
pub fn index_urls(settings: &DownloadSettings, args: &IndexArgs) -> Vec<String> {
    if args.no_index || settings.no_index {
        return Vec::new();
    }
    let mut urls = vec![args
        .index_url
        .clone()
        .unwrap_or_else(|| settings.index_url.clone())];
    for url in settings
        .extra_index_urls
        .iter()
        .chain(&args.extra_index_urls)
    {
        if !urls.contains(url) {
            urls.push(url.clone());
        }
    }
    urls
}

impl HttpSettings {
    /// pip's proxy, certificate and timeout settings.
    pub fn from_settings(settings: &DownloadSettings) -> HttpSettings {
        HttpSettings {
            https_proxy: settings.https_proxy.clone(),
            http_proxy: settings.http_proxy.clone(),
            no_proxy: settings.no_proxy.clone(),
            cert: settings.cert.clone(),
            timeout: std::time::Duration::from_secs(settings.timeout_secs),
        }
    }
}

/// Which sources' files are a package's candidates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IndexStrategy {
    /// The site's builds win: a package the wheelhouse has comes only from the wheelhouse
    /// (the index is not even asked); another comes from the first index that lists it.
    #[default]
    FirstMatch,
    /// pip's rule: every source's files are candidates and the best version wins, wherever
    /// it comes from.
    BestMatch,
}

impl IndexStrategy {
    /// `first-match` (also `first-index`) or `best-match` (also `unsafe-best-match`).
    pub fn parse(text: &str) -> Option<IndexStrategy> {
        match text.trim().to_ascii_lowercase().as_str() {
            "first-match" | "first-index" => Some(IndexStrategy::FirstMatch),
            "best-match" | "unsafe-best-match" => Some(IndexStrategy::BestMatch),
            _ => None,
        }
    }

    /// Whether the indexes are asked about a package at all.
    pub fn asks_indexes(self, wheelhouse_has: bool) -> bool {
        !(wheelhouse_has && self == IndexStrategy::FirstMatch)
    }
}

/// How a project page was had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageOrigin {
    /// Fetched (200 or 404).
    Fetched,
    /// The kept copy, confirmed by a 304.
    Revalidated,
    /// The kept copy, still fresh: no request.
    Cache,
}

/// One index's page for a project.
#[derive(Clone, Debug)]
pub struct PageInfo {
    pub url: String,
    /// The position of its index in [`IndexSource::urls`].
    pub index: usize,
    /// The index knows the project (not a 404).
    pub found: bool,
    pub origin: PageOrigin,
}

/// What the indexes list for a project.
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// The normalized name.
    pub name: String,
    /// Every file of every index, in index order; [`FileEntry::index`] says whose.
    pub files: Vec<FileEntry>,
    pub pages: Vec<PageInfo>,
}

impl Project {
    /// The files that are candidates under `strategy`: with `FirstMatch`, those of the first
    /// index that lists any; with `BestMatch`, all.
    pub fn candidates(&self, strategy: IndexStrategy) -> Vec<&FileEntry> {
        let first = self.files.iter().map(|f| f.index).min();
        self.files
            .iter()
            .filter(|f| strategy == IndexStrategy::BestMatch || Some(f.index) == first)
            .collect()
    }

    /// The pages asked, for messages: `URL` or `URL (not found)`.
    pub fn asked(&self) -> Vec<String> {
        self.pages
            .iter()
            .map(|p| {
                if p.found {
                    p.url.clone()
                } else {
                    format!("{} (not found)", p.url)
                }
            })
            .collect()
    }
}

/// A value computed once, shared by the threads that ask for it meanwhile.
type Once<T> = Arc<OnceLock<Result<T, Error>>>;

/// A page as had: status, content type, body, and how.
struct Got {
    status: u16,
    content_type: String,
    body: Vec<u8>,
    origin: PageOrigin,
}

/// Package indexes, read for candidates, metadata and files.
pub struct IndexSource {
    client: Client,
    urls: Vec<String>,
    cache: Option<IndexCache>,
    /// Where the scratch directory may go, in order (the cache's `tmp/`, then the caller's).
    scratch_parents: Vec<PathBuf>,
    scratch: OnceLock<Result<tempfile::TempDir, Error>>,
    projects: Mutex<HashMap<String, Once<Arc<Project>>>>,
    metadata: Mutex<HashMap<String, Once<String>>>,
    /// Whole wheels fetched for their metadata, by URL: moved when chosen.
    staged: Mutex<HashMap<String, PathBuf>>,
}

impl IndexSource {
    /// Indexes at `urls` (primary first) through `client`. Pages and metadata are kept
    /// under `cache_dir` when given; wheels fetched whole for their metadata (from a server
    /// without range support) wait in a temporary directory made in
    /// `<cache_dir>/index-v1/tmp`, else (no cache, or not writable) in `scratch`; it is
    /// removed with the source. Nothing touches the network until a method needs it.
    pub fn new(
        client: Client,
        urls: Vec<String>,
        cache_dir: Option<&Path>,
        scratch: &Path,
    ) -> IndexSource {
        let cache = cache_dir.map(IndexCache::new);
        IndexSource {
            client,
            urls,
            scratch_parents: cache
                .iter()
                .map(IndexCache::tmp)
                .chain([scratch.to_path_buf()])
                .collect(),
            cache,
            scratch: OnceLock::new(),
            projects: Mutex::default(),
            metadata: Mutex::default(),
            staged: Mutex::default(),
        }
    }

    /// The indexes a command reads, from the site's layered settings
    /// ([`site_config::SiteConfig::index_settings`]) and its own options: `None` with
    /// `--no-index` or pip's `no-index`. The client uses pip's proxy, certificate and timeout
    /// settings; see [`IndexSource::new`] for `cache_dir` and `scratch`.
    pub fn from_settings(
        settings: &DownloadSettings,
        args: &IndexArgs,
        cache_dir: Option<&Path>,
        scratch: &Path,
    ) -> Result<Option<IndexSource>, Error> {
        let urls = index_urls(settings, args);
        if urls.is_empty() {
            return Ok(None);
        }
        let client = Client::new(&HttpSettings::from_settings(settings))?;
        Ok(Some(IndexSource::new(client, urls, cache_dir, scratch)))
    }

    /// Makes every transfer stop at its next chunk once `flag` is set (Ctrl-C), with
    /// [`Error::Cancelled`]; temporary files are removed.
    pub fn set_cancel(&mut self, flag: Arc<std::sync::atomic::AtomicBool>) {
        self.client.set_cancel(flag);
    }

    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Requests made and bytes received so far.
    pub fn transfers(&self) -> Transfers {
        self.client.transfers()
    }

    /// The page URL of `name` on index `index`.
    pub fn page_url(index: &str, name: &str) -> String {
        format!("{}/{}/", index.trim_end_matches('/'), normalize(name))
    }

    /// What the indexes list for `name` (asked once per source; pages from the cache when
    /// still valid). An index that cannot be reached is an error naming it
    /// ([`Error::unreachable_index`]).
    pub fn project(&self, name: &str) -> Result<Arc<Project>, Error> {
        let key = normalize(name);
        let slot = self
            .projects
            .lock()
            .expect("no panics while held")
            .entry(key.clone())
            .or_default()
            .clone();
        slot.get_or_init(|| self.read_project(&key)).clone()
    }

    fn read_project(&self, key: &str) -> Result<Arc<Project>, Error> {
        let mut project = Project {
            name: key.to_string(),
            ..Project::default()
        };
        for (index, base) in self.urls.iter().enumerate() {
            let url = IndexSource::page_url(base, key);
            let got = self.page(&url).map_err(|e| e.at_index(base))?;
            let found = got.status != 404;
            if found {
                let entries = page::parse(&url, &got.content_type, &got.body).map_err(|e| {
                    Error::UnusablePage {
                        url: url.clone(),
                        reason: e,
                    }
                })?;
                project
                    .files
                    .extend(entries.into_iter().map(|e| FileEntry { index, ..e }));
            }
            project.pages.push(PageInfo {
                url,
                index,
                found,
                origin: got.origin,
            });
        }
        Ok(Arc::new(project))
    }

    /// A page: the kept copy while fresh, else revalidated, else fetched. A kept copy that
    /// does not parse is fetched again.
    fn page(&self, url: &str) -> Result<Got, Error> {
        let kept = self.cache.as_ref().and_then(|c| c.page(url));
        if let (Some(k), Some(cache)) = (&kept, &self.cache) {
            let usable = k.status == 404 || page::parse(url, &k.content_type, &k.body).is_ok();
            if !usable {
                cache.drop_page(url);
                return self.fetch_page(url, None);
            }
            if k.is_fresh() {
                return Ok(Got {
                    status: k.status,
                    content_type: k.content_type.clone(),
                    body: k.body.clone(),
                    origin: PageOrigin::Cache,
                });
            }
        }
        self.fetch_page(url, kept)
    }

    fn fetch_page(&self, url: &str, kept: Option<crate::cache::KeptPage>) -> Result<Got, Error> {
        let validators = kept
            .as_ref()
            .map(|k| k.validators.clone())
            .unwrap_or_default();
        let fetched = |meta: crate::http::PageMeta, body| Got {
            status: meta.status,
            content_type: meta.content_type,
            body,
            origin: PageOrigin::Fetched,
        };
        match self.client.page(url, &validators)? {
            PageAnswer::NotModified(meta) => match (kept, &self.cache) {
                (Some(k), Some(cache)) => {
                    let k = cache.renew_page(url, k, &meta);
                    Ok(Got {
                        status: k.status,
                        content_type: k.content_type,
                        body: k.body,
                        origin: PageOrigin::Revalidated,
                    })
                }
                // A 304 to a request without validators: ask again, plainly.
                _ => match self.client.page(url, &Validators::default())? {
                    PageAnswer::Page(meta, body) => Ok(fetched(meta, body)),
                    PageAnswer::NotModified(_) => Err(Error::NotModifiedToPlainRequest {
                        url: url.to_string(),
                    }),
                },
            },
            PageAnswer::Page(meta, body) => {
                if let Some(cache) = &self.cache {
                    cache.keep_page(url, &meta, &body);
                }
                Ok(fetched(meta, body))
            }
        }
    }

    /// The METADATA of a wheel the index lists: the PEP 658 file when offered (checked
    /// against its hash), else read by range requests from the wheel, else (a server without
    /// ranges) from the whole wheel, kept aside for [`IndexSource::fetch`]. Read once per
    /// source, and kept in the cache directory.
    pub fn metadata(&self, file: &FileEntry) -> Result<String, Error> {
        let slot = self
            .metadata
            .lock()
            .expect("no panics while held")
            .entry(file.url.clone())
            .or_default()
            .clone();
        slot.get_or_init(|| {
            let key = match &file.sha256 {
                Some(hash) => format!("sha256={}/{}", hash.to_ascii_lowercase(), file.filename),
                None => file.url.clone(),
            };
            if let Some(text) = self.cache.as_ref().and_then(|c| c.metadata(&key)) {
                return Ok(text);
            }
            let text = self.read_metadata(file)?;
            if let Some(cache) = &self.cache {
                cache.keep_metadata(&key, &text);
            }
            Ok(text)
        })
        .clone()
    }

    fn read_metadata(&self, file: &FileEntry) -> Result<String, Error> {
        if let Some(hash) = &file.metadata {
            let url = format!("{}.metadata", file.url);
            if let Some(bytes) = self.client.small(&url, hash.as_deref())? {
                return String::from_utf8(bytes).map_err(|_| Error::MetadataNotText { url });
            }
        }
        let whole = || Ok(self.scratch()?.join(&file.filename));
        match self
            .client
            .lazy_metadata(&file.url, &whole, file.sha256.as_deref())?
        {
            Lazy::Text(text) => Ok(text),
            Lazy::Whole(whole) => {
                let text = wheel_metadata::read_dist_info_file(&whole, "METADATA")
                    .map_err(|e| crate::not_a_wheel(file, &whole, e, false))?;
                // Kept (as long as the scratch directory) in case it is chosen.
                self.staged
                    .lock()
                    .expect("no panics while held")
                    .insert(file.url.clone(), whole);
                Ok(text)
            }
        }
    }

    /// Fetches `file` whole (checked against the index's sha256) into the scratch directory,
    /// once per URL, where [`IndexSource::fetch`] finds it if it is chosen: an sdist read
    /// for its metadata. The file name must already be proven a plain name (it is joined to
    /// the scratch directory).
    pub fn stage(&self, file: &FileEntry) -> Result<PathBuf, Error> {
        let mut staged = self.staged.lock().expect("no panics while held");
        if let Some(path) = staged.get(&file.url) {
            return Ok(path.clone());
        }
        let path = self.scratch()?.join(&file.filename);
        // Held while fetching: two readers of one sdist wait for one transfer.
        self.client
            .fetch(&file.url, &path, file.sha256.as_deref())?;
        staged.insert(file.url.clone(), path.clone());
        Ok(path)
    }

    /// The scratch directory, made on first use and removed with the source.
    fn scratch(&self) -> Result<PathBuf, Error> {
        let made = self.scratch.get_or_init(|| {
            if let Some(cache) = &self.cache {
                cache.sweep();
            }
            let mut tried = Vec::new();
            for parent in &self.scratch_parents {
                let made = std::fs::create_dir_all(parent).and_then(|()| {
                    tempfile::Builder::new()
                        .prefix(".wheelhouse-metadata-")
                        .tempdir_in(parent)
                });
                match made {
                    Ok(dir) => return Ok(dir),
                    Err(e) => tried.push((parent.clone(), Arc::new(e))),
                }
            }
            Err(Error::NoScratchDirectory { tried })
        });
        match made {
            Ok(dir) => Ok(dir.path().to_path_buf()),
            Err(e) => Err(e.clone()),
        }
    }

    /// Puts `file` at `dest`, verified against the index's sha256: nothing is fetched when
    /// `dest` holds it already, a wheel fetched whole for its metadata is moved there, else
    /// it is downloaded (through `.NAME.part`, renamed when whole).
    pub fn fetch(&self, file: &FileEntry, dest: &Path) -> Result<Fetched, Error> {
        if present(dest, file.sha256.as_deref()) {
            return Ok(Fetched {
                already: true,
                resumed: false,
            });
        }
        let staged = self
            .staged
            .lock()
            .expect("no panics while held")
            .remove(&file.url);
        if let Some(staged) = staged {
            if move_into(&staged, dest).is_ok() {
                return Ok(Fetched {
                    already: false,
                    resumed: false,
                });
            }
        }
        let resumed = self.client.fetch(&file.url, dest, file.sha256.as_deref())?;
        Ok(Fetched {
            already: false,
            resumed,
        })
    }
}

// Shared by the resolver's metadata readers and the page fetchers.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<IndexSource>();
};

/// Renames `from` to `to`, or copies it through `to`'s part file across file systems.
fn move_into(from: &Path, to: &Path) -> std::io::Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let part = TempFile::new(part_of(to));
    std::fs::copy(from, part.path())?;
    part.persist(to)?;
    let _ = std::fs::remove_file(from);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(index: &str, extra: &[&str], no_index: bool) -> DownloadSettings {
        DownloadSettings {
            index_url: index.into(),
            index_url_from: Some("PIP_INDEX_URL".into()),
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
    fn urls_layer_as_pip_does() {
        let site = settings("http://site/simple", &["http://x/simple"], false);
        assert_eq!(
            index_urls(&site, &IndexArgs::default()),
            ["http://site/simple", "http://x/simple"]
        );
        let args = IndexArgs {
            index_url: Some("http://cli/simple".into()),
            extra_index_urls: vec!["http://x/simple".into(), "http://y/simple".into()],
            no_index: false,
        };
        assert_eq!(
            index_urls(&site, &args),
            ["http://cli/simple", "http://x/simple", "http://y/simple"]
        );
        let no = IndexArgs {
            no_index: true,
            ..args
        };
        assert!(index_urls(&site, &no).is_empty());
        let off = settings("http://site/simple", &[], true);
        assert!(index_urls(&off, &IndexArgs::default()).is_empty());
        let dir = tempfile::tempdir().unwrap();
        let none = IndexSource::from_settings(&off, &IndexArgs::default(), None, dir.path());
        assert!(none.unwrap().is_none());
        let some = IndexSource::from_settings(&site, &IndexArgs::default(), None, dir.path());
        assert_eq!(some.unwrap().unwrap().urls().len(), 2);
        assert_eq!(
            IndexSource::page_url("http://h/simple/", "Foo_Bar"),
            "http://h/simple/foo-bar/"
        );
    }
}
