//! Ctrl-C during a bulk cancel is an answer, not an accident (issue 20): the first one stops
//! the cancel (no new request; the answers in flight are awaited up to the library's grace
//! period) and the report still prints, then the process exits 130; a second one exits 130 at
//! once. Outside a bulk cancel, Ctrl-C exits 130 at once (`super::run_interruptible`).
//!
//! The signal is process-wide, so the one bulk cancel a process runs registers its stopper
//! here while it runs.

use printjob::cancel::{StopSignal, Stopper};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The stopper of the bulk cancel running now, if any.
static RUNNING: Mutex<Option<Stopper>> = Mutex::new(None);
/// A Ctrl-C stopped a bulk cancel in this process.
static STOPPED: AtomicBool = AtomicBool::new(false);

/// Registers a bulk cancel: its signal stops on the first Ctrl-C while the guard lives.
pub fn bulk_cancel() -> (StopSignal, BulkCancel) {
    let stopper = Stopper::new();
    let signal = stopper.signal();
    *lock() = Some(stopper);
    (signal, BulkCancel(()))
}

/// While it lives, the first Ctrl-C stops the bulk cancel instead of ending the process.
#[derive(Debug)]
pub struct BulkCancel(());

impl Drop for BulkCancel {
    fn drop(&mut self) {
        *lock() = None;
    }
}

/// Answers a Ctrl-C: `true` when it stopped a running bulk cancel (the process goes on to
/// print its report); `false` when the process should exit now (no bulk cancel running, or
/// it was already stopped: a second Ctrl-C).
pub fn stop_bulk_cancel() -> bool {
    let running = lock();
    match running.as_ref() {
        Some(stopper) if !stopper.is_stopped() => {
            stopper.stop();
            STOPPED.store(true, Ordering::SeqCst);
            true
        }
        _ => false,
    }
}

/// Whether a Ctrl-C stopped a bulk cancel (the process then exits 130 after its report).
pub fn stopped_a_bulk_cancel() -> bool {
    STOPPED.load(Ordering::SeqCst)
}

fn lock() -> std::sync::MutexGuard<'static, Option<Stopper>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_ctrl_c_stops_a_running_bulk_cancel_and_the_second_exits() {
        assert!(!stop_bulk_cancel(), "nothing running: exit at once");
        let (signal, guard) = bulk_cancel();
        assert!(stop_bulk_cancel(), "first Ctrl-C: stop, keep going");
        assert!(signal.is_stopped());
        assert!(stopped_a_bulk_cancel());
        assert!(!stop_bulk_cancel(), "second Ctrl-C: exit at once");
        drop(guard);
        assert!(!stop_bulk_cancel());
    }
}
