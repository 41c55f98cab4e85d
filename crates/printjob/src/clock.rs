//! Injectable time, so expiry logic is tested without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;

    /// Seconds since the Unix epoch (saturating at 0 for times before it).
    fn unix_now(&self) -> i64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that runs with the system clock plus an adjustable offset; tests move it forward to
/// expire tokens and codes without waiting.
#[derive(Debug, Clone, Default)]
pub struct OffsetClock {
    offset_secs: Arc<AtomicI64>,
}

impl OffsetClock {
    /// A clock with no offset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.offset_secs
            .fetch_add(by.as_secs() as i64, Ordering::SeqCst);
    }

    /// Moves the clock by `secs` seconds, forward or back (a provider whose clock is off).
    pub fn shift(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::SeqCst);
    }

    /// The current offset in seconds.
    pub fn offset_secs(&self) -> i64 {
        self.offset_secs.load(Ordering::SeqCst)
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> SystemTime {
        let offset = self.offset_secs();
        let base = SystemTime::now();
        if offset >= 0 {
            base + Duration::from_secs(offset as u64)
        } else {
            base - Duration::from_secs(offset.unsigned_abs())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_clock_moves_forward() {
        let clock = OffsetClock::new();
        let before = clock.unix_now();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.unix_now() >= before + 3600);
    }
}
