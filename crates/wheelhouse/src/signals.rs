//! Ctrl-C and the scheduler's signals, turned into the cancel flag the libraries check.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// From the start: Ctrl-C (or the scheduler's SIGTERM) sets a flag the installer checks; the
/// environment is then left as it was and the command exits 130.
pub(crate) fn cancel_on_signals() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        let _ = signal_hook::flag::register(signal, cancel.clone());
    }
    cancel
}
