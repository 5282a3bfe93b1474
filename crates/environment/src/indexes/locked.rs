//! An index's file as a lock names it (module `lock_choice`): its URL, with the sha256 and
//! size the page gives for a wheel (a page that lies about a file fails the sync, which
//! checks the file against the lock, before anything changes); a wheel whose page gives no
//! sha256 is fetched and hashed, and so is a source distribution, already fetched (checked
//! against the page's sha256) to be built.

use std::path::Path;

use crate::lock_choice::{digest_once, DigestedFile, Digests};
use crate::Error;

use super::Indexes;

impl Indexes<'_> {
    /// The chosen file at `path` (the resolver's synthetic path, the URL) when it is one of
    /// the indexes', digested; `None` for a file of the search paths.
    pub(crate) fn locked_file(
        &self,
        path: &Path,
        key: &str,
        digests: &mut Digests,
    ) -> Result<Option<DigestedFile>, Error> {
        let wheel = self.lock_wheels().get(path).cloned();
        let (entry, sdist) = match wheel {
            Some(entry) => (entry, false),
            None => {
                let sdists = self.sdists.lock().expect("no panics while held");
                match sdists.get(path) {
                    Some((_, entry)) => (entry.clone(), true),
                    None => return Ok(None),
                }
            }
        };
        let digest = match (digests.get(&entry.url), &entry.sha256) {
            (Some(d), _) => d.clone(),
            (None, Some(sha256)) if !sdist => {
                let d = (sha256.to_ascii_lowercase(), entry.size);
                digests.insert(entry.url.clone(), d.clone());
                d
            }
            (None, _) => {
                // A source distribution was fetched to be built; a wheel is fetched now.
                let dir = self.work()?.join(if sdist { "sdists" } else { "wheels" });
                let dest = dir.join(&entry.filename);
                if !dest.is_file() {
                    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
                        action: "make",
                        path: dir.clone(),
                        source,
                    })?;
                    self.source()?
                        .fetch(&entry, &dest)
                        .map_err(|e| self.index_error(e, key))?;
                }
                digest_once(digests, &entry.url, &dest)?
            }
        };
        Ok(Some(DigestedFile {
            filename: entry.filename.clone(),
            url: Some(entry.url.clone()),
            path: None,
            sdist,
            index: self.urls.get(entry.index).cloned(),
            sha256: digest.0,
            size: digest.1,
        }))
    }
}
