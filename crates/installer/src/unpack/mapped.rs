//! Wheels read through `mmap`, with a clear end when one shrinks under us.
//!
//! Mapping a wheel avoids copying it (the scipy stack is 150 MB of archives), but a file that
//! is truncated while mapped (a site syncing its wheelhouse in place with `rsync --inplace`)
//! makes the next read of a page past its new end raise `SIGBUS`, which kills the process
//! with no word. Every mapping is registered here; a `SIGBUS` inside one ends the process
//! with a message naming the wheel and exit code 3 (install failed). Nothing was moved into
//! the environment while wheels are being read (unpacking writes only to the staging
//! directory, and the commit reads no wheel), so the environment is as it was, and the next
//! command removes the staging directory as it does after any interruption.
//!
//! The handler runs in signal context: it only reads atomics, formats nothing, and calls
//! `write` and `_exit`, which are async-signal-safe.

use std::ffi::CString;
use std::fs::File;
use std::ops::Deref;
use std::path::Path;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Once;

/// Wheels mapped at once: the unpacking threads (one per core) each map one; more than this
/// are still mapped, just without the named message.
const SLOTS: usize = 256;

struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    /// The wheel's path as a NUL-terminated message line, owned by the slot while set.
    message: AtomicPtr<u8>,
    message_len: AtomicUsize,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot {
    start: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    message: AtomicPtr::new(std::ptr::null_mut()),
    message_len: AtomicUsize::new(0),
};

static SLOTS_IN_USE: [Slot; SLOTS] = [EMPTY; SLOTS];
static INSTALL_HANDLER: Once = Once::new();

/// A wheel mapped into memory, registered for the `SIGBUS` message while it lives.
pub struct MappedWheel {
    map: memmap2::Mmap,
    slot: Option<usize>,
}

impl MappedWheel {
    /// Maps the `len` bytes of `file` (its size, from the caller's `stat`: mapping it
    /// without a length would `stat` it again, a round trip on a network file system).
    pub fn map(file: &File, path: &Path, len: u64) -> std::io::Result<MappedWheel> {
        let len = usize::try_from(len).map_err(|_| std::io::Error::other("file too large"))?;
        // SAFETY: the wheel may change under us; reads of a changed file give other bytes
        // (caught by the RECORD hashes) or SIGBUS past a new end (caught by the handler).
        let map = unsafe { memmap2::MmapOptions::new().len(len).map(file) }?;
        INSTALL_HANDLER.call_once(install_handler);
        let slot = register(&map, path);
        Ok(MappedWheel { map, slot })
    }
}

/// Wheels up to this size are read into memory rather than mapped: copying a few hundred
/// kilobytes costs less than unmapping, which on a machine running several threads makes
/// the kernel interrupt every core that ran one of them to flush its address cache (most
/// wheels of an environment are small).
pub const READ_BELOW: u64 = 1 << 20;

/// A wheel's bytes: read when small, mapped when large.
pub enum WheelBytes {
    Read(Vec<u8>),
    /// Read by the caller.
    Shared(std::sync::Arc<[u8]>),
    Mapped(MappedWheel),
}

impl WheelBytes {
    /// `size` is the file's, from the caller's `stat` (asked again it would be another round
    /// trip on a network file system).
    pub fn load(file: &mut File, path: &Path, size: u64) -> std::io::Result<WheelBytes> {
        use std::io::Read;
        if size >= READ_BELOW {
            return MappedWheel::map(file, path, size).map(WheelBytes::Mapped);
        }
        // The size as it was when asked: a wheel that grows meanwhile is read that far (its
        // RECORD hashes tell a changed one), one that shrinks is a short read, an error.
        let mut bytes = vec![0; size as usize];
        file.read_exact(&mut bytes)?;
        Ok(WheelBytes::Read(bytes))
    }
}

impl Deref for WheelBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            WheelBytes::Read(bytes) => bytes,
            WheelBytes::Shared(bytes) => bytes,
            WheelBytes::Mapped(map) => map,
        }
    }
}

impl Deref for MappedWheel {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for MappedWheel {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            let slot = &SLOTS_IN_USE[i];
            slot.len.store(0, Ordering::SeqCst);
            let message = slot.message.swap(std::ptr::null_mut(), Ordering::SeqCst);
            let len = slot.message_len.load(Ordering::SeqCst);
            slot.start.store(0, Ordering::SeqCst);
            if !message.is_null() {
                // SAFETY: made by `register` from a boxed slice of exactly `len` bytes.
                drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(message, len)) });
            }
        }
    }
}

fn register(map: &memmap2::Mmap, path: &Path) -> Option<usize> {
    if map.is_empty() {
        return None;
    }
    let text = format!(
        "wheelhouse: error: the wheel {} changed size while it was being read (is the \
         wheelhouse being synchronised in place?); nothing was installed and the environment \
         is as it was. Run the command again once the wheelhouse is complete.\n",
        path.display()
    );
    let bytes = CString::new(text.replace('\0', "?")).ok()?.into_bytes();
    for (i, slot) in SLOTS_IN_USE.iter().enumerate() {
        if slot
            .start
            .compare_exchange(0, map.as_ptr() as usize, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            let boxed = bytes.into_boxed_slice();
            slot.message_len.store(boxed.len(), Ordering::SeqCst);
            slot.message
                .store(Box::into_raw(boxed) as *mut u8, Ordering::SeqCst);
            slot.len.store(map.len(), Ordering::SeqCst);
            return Some(i);
        }
    }
    None
}

fn install_handler() {
    // SAFETY: a plain sigaction call with a handler that is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigbus as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
    }
}

extern "C" fn on_sigbus(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let address = unsafe { (*info).si_addr() } as usize;
    for slot in &SLOTS_IN_USE {
        let start = slot.start.load(Ordering::SeqCst);
        let len = slot.len.load(Ordering::SeqCst);
        if start != 0 && address >= start && address < start + len {
            let message = slot.message.load(Ordering::SeqCst);
            let message_len = slot.message_len.load(Ordering::SeqCst);
            if !message.is_null() {
                // SAFETY: write and _exit are async-signal-safe; the message lives while set.
                unsafe {
                    libc::write(
                        2,
                        message as *const libc::c_void,
                        message_len.saturating_sub(1),
                    );
                }
            }
            unsafe { libc::_exit(3) };
        }
    }
    // Not a wheel of ours: the default action (a crash with a core), as without the handler.
    unsafe {
        libc::signal(libc::SIGBUS, libc::SIG_DFL);
        libc::raise(libc::SIGBUS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run in a child process by [`a_wheel_truncated_while_mapped_ends_with_a_message`]: maps
    /// a file, truncates it, reads past the new end.
    #[test]
    #[ignore = "run as a child process by the test below"]
    fn child_reads_a_truncated_wheel() {
        let Some(path) = std::env::var_os("WHEELHOUSE_TEST_TRUNCATE") else {
            return;
        };
        let path = std::path::PathBuf::from(path);
        std::fs::write(&path, vec![7u8; 64 * 1024]).unwrap();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let mapped = MappedWheel::map(&file, &path, file.metadata().unwrap().len()).unwrap();
        file.set_len(10).unwrap();
        let byte = unsafe { std::ptr::read_volatile(&mapped[40 * 1024]) };
        println!("read {byte} without a fault");
    }

    #[test]
    fn a_wheel_truncated_while_mapped_ends_with_a_message() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("shrinking-1.0-py3-none-any.whl");
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "unpack::mapped::tests::child_reads_a_truncated_wheel",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("WHEELHOUSE_TEST_TRUNCATE", &path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(
            stderr.contains("shrinking-1.0-py3-none-any.whl changed size while it was being read"),
            "{stderr}"
        );
    }

    #[test]
    fn slots_are_given_back() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.whl");
        std::fs::write(&path, b"not empty").unwrap();
        let file = File::open(&path).unwrap();
        for _ in 0..(SLOTS * 2) {
            let mapped = MappedWheel::map(&file, &path, 9).unwrap();
            assert!(mapped.slot.is_some());
            assert_eq!(&mapped[..], b"not empty");
        }
    }
}
