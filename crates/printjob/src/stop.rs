//! Telling a running bulk cancel to stop (the command line's Ctrl-C): a [`Stopper`] held by
//! whoever decides, and any number of [`StopSignal`]s read by the work. Once stopped, a
//! signal stays stopped.
//!
//! The cancel workflow reads the signal between requests: once it is stopped, no new request
//! is sent (no next chunk, no next listing page, no retry), the answers already in flight are
//! awaited for a grace period, and the report says what is known (`cancel::CancelRequest::stop_on`).
//!
//! ```
//! use printjob::cancel::Stopper;
//!
//! let stopper = Stopper::new();
//! let signal = stopper.signal();
//! assert!(!signal.is_stopped());
//! stopper.stop();
//! assert!(signal.is_stopped());
//! ```

use std::fmt;
use std::sync::Arc;
use tokio::sync::watch;

/// Stops the work that holds one of its [`StopSignal`]s (cloning shares the same stop).
#[derive(Clone)]
pub struct Stopper {
    sender: Arc<watch::Sender<bool>>,
}

impl Stopper {
    /// A stopper that has not stopped yet.
    pub fn new() -> Self {
        Self {
            sender: Arc::new(watch::Sender::new(false)),
        }
    }

    /// A signal that turns stopped when [`Stopper::stop`] is called (or already is).
    pub fn signal(&self) -> StopSignal {
        StopSignal {
            receiver: self.sender.subscribe(),
        }
    }

    /// Stops every signal of this stopper (calling it again changes nothing).
    pub fn stop(&self) {
        self.sender.send_replace(true);
    }

    /// Whether [`Stopper::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *self.sender.borrow()
    }
}

impl Default for Stopper {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Stopper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stopper")
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

/// Read side of a [`Stopper`]: whether the work was told to stop. Two signals are equal when
/// they come from the same stopper.
#[derive(Clone)]
pub struct StopSignal {
    receiver: watch::Receiver<bool>,
}

impl StopSignal {
    /// Whether the stopper has stopped.
    pub fn is_stopped(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Completes when the stopper stops (at once if it has); never, if the stopper is dropped
    /// without stopping.
    pub async fn stopped(&self) {
        let mut receiver = self.receiver.clone();
        if receiver.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl PartialEq for StopSignal {
    fn eq(&self, other: &Self) -> bool {
        self.receiver.same_channel(&other.receiver)
    }
}

impl Eq for StopSignal {}

impl fmt::Debug for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StopSignal")
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

/// What a request of a stopped bulk cancel obeys: after `stop`, no request is sent again;
/// after `abandon` (the grace period has ended), an answer still awaited is given up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Interrupt {
    pub stop: StopSignal,
    pub abandon: StopSignal,
}

/// Whether `interrupt` (if any) has stopped.
pub(crate) fn is_stopped(interrupt: Option<&Interrupt>) -> bool {
    interrupt.is_some_and(|i| i.stop.is_stopped())
}

/// Runs `work` unless the answer is abandoned first (`None` then).
pub(crate) async fn unless_abandoned<T>(
    work: impl std::future::Future<Output = T>,
    interrupt: Option<&Interrupt>,
) -> Option<T> {
    let Some(interrupt) = interrupt else {
        return Some(work.await);
    };
    tokio::select! {
        biased;
        done = work => Some(done),
        _ = interrupt.abandon.stopped() => None,
    }
}

/// Waits out `sleep` unless `stop` stops first; `true` when it stopped (before or during).
pub(crate) async fn sleep_unless_stopped(
    sleep: impl std::future::Future<Output = ()>,
    interrupt: Option<&Interrupt>,
) -> bool {
    let Some(stop) = interrupt.map(|i| &i.stop) else {
        sleep.await;
        return false;
    };
    if stop.is_stopped() {
        return true;
    }
    tokio::select! {
        _ = sleep => stop.is_stopped(),
        _ = stop.stopped() => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_signal_completes_when_its_stopper_stops_and_stays_stopped() {
        let stopper = Stopper::new();
        let signal = stopper.signal();
        let waiting = tokio::spawn({
            let signal = signal.clone();
            async move { signal.stopped().await }
        });
        stopper.stop();
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("stopped() completes")
            .unwrap();
        assert!(signal.is_stopped());
        assert!(
            stopper.signal().is_stopped(),
            "a later signal is stopped too"
        );
    }

    #[tokio::test]
    async fn a_signal_whose_stopper_is_dropped_never_stops() {
        let signal = Stopper::new().signal();
        let waited = tokio::time::timeout(Duration::from_millis(50), signal.stopped()).await;
        assert!(waited.is_err());
        assert!(!signal.is_stopped());
    }

    #[tokio::test]
    async fn a_stop_cuts_a_retry_wait_short() {
        let stopper = Stopper::new();
        let interrupt = Interrupt {
            stop: stopper.signal(),
            abandon: Stopper::new().signal(),
        };
        let started = std::time::Instant::now();
        let stopping = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            stopper.stop();
        };
        let (stopped, ()) = tokio::join!(
            sleep_unless_stopped(
                tokio::time::sleep(Duration::from_secs(30)),
                Some(&interrupt)
            ),
            stopping
        );
        assert!(stopped);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn signals_are_equal_when_they_come_from_the_same_stopper() {
        let one = Stopper::new();
        assert_eq!(one.signal(), one.signal());
        assert_ne!(one.signal(), Stopper::new().signal());
    }
}
