//! Where the resolver reads a candidate's METADATA: the seam a catalog with stored metadata
//! plugs into ([`MetadataSource`]), and the parallel read-ahead that hides the cost of opening
//! wheels ([`ReadAhead`]).
//!
//! # Performance
//! PubGrub asks for one package's dependencies at a time, so reading each wheel when asked
//! serializes hundreds of file opens (and, on CVMFS or NFS with a cold cache, hundreds of round
//! trips). When a candidate's requirements are known, the most preferred wheel of each
//! dependency is queued for a few reader threads; by the time the solver asks, its METADATA is
//! usually read. A read the solver needs before a reader got to it is done on the spot (never
//! twice: each wheel has one slot, filled once).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// Gives the METADATA text of a wheel the index lists. The default, [`FromWheels`], reads it
/// from the wheel file; a catalog that stores each wheel's METADATA (keyed by path or sha256)
/// implements this to answer without opening the wheel.
pub trait MetadataSource: Sync {
    fn metadata(&self, wheel: &Path) -> Result<String, String>;
}

/// Reads `<dist-info>/METADATA` from the wheel itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct FromWheels;

impl MetadataSource for FromWheels {
    fn metadata(&self, wheel: &Path) -> Result<String, String> {
        wheel_metadata::read_dist_info_file(wheel, "METADATA").map_err(|e| e.to_string())
    }
}

/// Reader threads for this many wheels at once: reads wait on the file system more than on the
/// CPU, so a few more than the cores a job has do not hurt.
pub const READERS: usize = 4;

type Slot = Arc<OnceLock<Result<String, String>>>;

/// METADATA read ahead by reader threads, shared with the solver's thread.
pub(crate) struct ReadAhead<'s> {
    source: &'s dyn MetadataSource,
    slots: Mutex<HashMap<PathBuf, Slot>>,
    queue: Mutex<(VecDeque<PathBuf>, bool)>,
    wake: Condvar,
}

impl<'s> ReadAhead<'s> {
    pub(crate) fn new(source: &'s dyn MetadataSource) -> ReadAhead<'s> {
        ReadAhead {
            source,
            slots: Mutex::default(),
            queue: Mutex::new((VecDeque::new(), false)),
            wake: Condvar::new(),
        }
    }

    fn slot(&self, wheel: &Path) -> (Slot, bool) {
        let mut slots = self.slots.lock().expect("no panics while held");
        match slots.get(wheel) {
            Some(s) => (s.clone(), false),
            None => {
                let s = Slot::default();
                slots.insert(wheel.to_path_buf(), s.clone());
                (s, true)
            }
        }
    }

    /// The METADATA of `wheel`, read now unless a reader has it or is reading it.
    pub(crate) fn get(&self, wheel: &Path) -> Result<String, String> {
        let (slot, _) = self.slot(wheel);
        slot.get_or_init(|| self.source.metadata(wheel)).clone()
    }

    /// Queues `wheel` for the readers, unless it is read or queued already.
    pub(crate) fn ahead(&self, wheel: &Path) {
        if self.slot(wheel).1 {
            let mut queue = self.queue.lock().expect("no panics while held");
            queue.0.push_back(wheel.to_path_buf());
            self.wake.notify_one();
        }
    }

    /// A reader thread's loop, until [`ReadAhead::finish`].
    pub(crate) fn read(&self) {
        loop {
            let next = {
                let mut queue = self.queue.lock().expect("no panics while held");
                loop {
                    if let Some(p) = queue.0.pop_front() {
                        break Some(p);
                    }
                    if queue.1 {
                        break None;
                    }
                    queue = self.wake.wait(queue).expect("no panics while held");
                }
            };
            let Some(wheel) = next else { return };
            let (slot, _) = self.slot(&wheel);
            slot.get_or_init(|| self.source.metadata(&wheel));
        }
    }

    /// Stops the readers (what is queued and not started is dropped).
    pub(crate) fn finish(&self) {
        let mut queue = self.queue.lock().expect("no panics while held");
        queue.0.clear();
        queue.1 = true;
        self.wake.notify_all();
    }
}

/// The distribution name a `Requires-Dist` line starts with, when the line applies without
/// an extra (those are read when the extra is asked for).
pub(crate) fn plain_dependency(line: &str) -> Option<&str> {
    if line.contains("extra") {
        return None;
    }
    let line = line.trim_start();
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(line.len());
    (end > 0).then(|| &line[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(AtomicUsize);

    impl MetadataSource for Counting {
        fn metadata(&self, wheel: &Path) -> Result<String, String> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(format!("Name: {}\n", wheel.display()))
        }
    }

    #[test]
    fn each_wheel_is_read_once_by_a_reader_or_on_demand() {
        let source = Counting(AtomicUsize::new(0));
        let ahead = ReadAhead::new(&source);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| ahead.read());
            }
            for i in 0..50 {
                ahead.ahead(Path::new(&format!("w{i}")));
            }
            for i in (0..60).rev() {
                assert_eq!(
                    ahead.get(Path::new(&format!("w{i}"))).unwrap(),
                    format!("Name: w{i}\n")
                );
            }
            ahead.finish();
        });
        assert_eq!(source.0.load(Ordering::SeqCst), 60);
    }

    #[test]
    fn dependency_names() {
        assert_eq!(plain_dependency("numpy>=1.26"), Some("numpy"));
        assert_eq!(
            plain_dependency("zope.interface ; python_version<'3.12'"),
            Some("zope.interface")
        );
        assert_eq!(plain_dependency("pytest ; extra == 'test'"), None);
        assert_eq!(plain_dependency(">=1"), None);
    }
}
