//! The emulator's shared state.

use super::directory::Directory;
use super::faults::{Counters, Faults};
use super::graph::store::PrintStore;
use super::identity::store::IdentityStore;
use super::jwt::SigningKeys;
use super::throttle::Throttle;
use printjob::{Clock, Cloud, OffsetClock};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// The counter key of the requests the throttle accepted (with `--throttle`).
pub const THROTTLE_ACCEPTED: &str = "throttle:accepted";
/// The counter key of the requests the throttle refused with `429`.
pub const THROTTLE_THROTTLED: &str = "throttle:throttled";

/// Shared state behind every route.
#[derive(Debug)]
pub struct EmulatorState {
    /// `http://127.0.0.1:{port}` (no trailing slash).
    pub base_url: String,
    /// Tenants, users, applications.
    pub directory: RwLock<Directory>,
    /// Codes, refresh tokens, consents, device codes.
    pub identity: Mutex<IdentityStore>,
    /// Printers, shares, jobs.
    pub print: Mutex<PrintStore>,
    /// The token signing key.
    pub keys: SigningKeys,
    /// The clock (tests move it, forward or back).
    pub clock: OffsetClock,
    /// The national cloud it stands in for: its Graph accepts only that cloud's audience.
    pub cloud: Cloud,
    /// Fault injection.
    pub faults: Faults,
    /// Request counters.
    pub counters: Counters,
    /// The token buckets every Graph request takes from (`--throttle`); none: unthrottled.
    pub throttle: Option<Throttle>,
}

/// The state as routes hold it.
pub type Shared = Arc<EmulatorState>;

impl EmulatorState {
    /// Now, in Unix seconds, by the emulator's clock.
    pub fn now(&self) -> i64 {
        self.clock.unix_now()
    }

    /// Reads the directory.
    pub fn directory(&self) -> std::sync::RwLockReadGuard<'_, Directory> {
        self.directory.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the identity store.
    pub fn identity(&self) -> MutexGuard<'_, IdentityStore> {
        self.identity.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The request counters, with the throttle's (`throttle:accepted`,
    /// `throttle:throttled`) when there is one: what `/_emulator/counters` and
    /// `Emulator::counters` show.
    pub fn counter_snapshot(&self) -> BTreeMap<String, u64> {
        let mut snapshot = self.counters.snapshot();
        if let Some(throttle) = &self.throttle {
            let counted = throttle.counters();
            snapshot.insert(THROTTLE_ACCEPTED.into(), counted.accepted);
            snapshot.insert(THROTTLE_THROTTLED.into(), counted.throttled);
        }
        snapshot
    }

    /// Sets every counter back to zero, the throttle's included (its buckets keep their
    /// tokens).
    pub fn reset_counters(&self) {
        self.counters.reset();
        if let Some(throttle) = &self.throttle {
            throttle.reset_counters();
        }
    }

    /// Locks the print store.
    pub fn print(&self) -> MutexGuard<'_, PrintStore> {
        self.print.lock().unwrap_or_else(|p| p.into_inner())
    }
}
