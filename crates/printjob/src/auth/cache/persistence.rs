//! Where a token cache keeps its document, behind one trait (msal-extensions' `BasePersistence`
//! shape): [`Persistence`] loads a snapshot, takes the lock and loads under it, says where the
//! document is and checks that it can be written; the lock it hands back ([`Held`]) saves. One
//! implementation per store: `file.rs`, `secret_store.rs`, `memory.rs`. A new store is one new
//! file; `TokenCache` (`mod.rs`) never asks which store it has.
//!
//! [`Shared`] is what every persistence of one `TokenCache` shares: the memo of the last
//! document read (with the stamp of the file, or of the change marker, that stands for it),
//! the notices gathered for the caller (each once per process), the lock timeout.

use super::document::{parse, CacheData, Loaded};
use super::fs::{check_location, check_schema, CacheNotices, FileStamp, Memo, ReadFile};
use crate::auth::AuthError;
use futures::future::BoxFuture;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a token cache keeps its document, once decided (see `TokenCache::location`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheLocation {
    /// The plain file.
    File {
        /// The file.
        path: PathBuf,
        /// Why the file and not the secret store, when `auto` looked for one and none answered
        /// (said by `status`-like reports and after sign-in, not on every use: a machine without
        /// a session bus, such as an SSH session, keeps the file for good).
        fallback: Option<String>,
    },
    /// One secret in the platform's secret store.
    SecretStore {
        /// The store, for people (`the Secret Service (D-Bus)`).
        store: &'static str,
        /// The path the item is named by (no file is written there).
        path: PathBuf,
        /// The change marker file (no secret in it).
        marker: PathBuf,
    },
    /// This process's memory.
    Memory,
}

/// One place a token cache's document can be kept.
pub(super) trait Persistence: Send + Sync + std::fmt::Debug {
    /// The path naming the document (the file, or the secret store item's name); `None` in
    /// memory.
    fn path(&self) -> Option<&Path>;

    /// Where the document is kept (for `auto`, the first call decides).
    fn location(&self) -> BoxFuture<'_, Result<CacheLocation, AuthError>>;

    /// A whole snapshot without the lock (kept in `shared`'s memo while unchanged).
    fn load<'a>(&'a self, shared: &'a Shared) -> BoxFuture<'a, Result<Arc<CacheData>, AuthError>>;

    /// Takes the exclusive lock and reads the document under it.
    fn lock<'a>(&'a self, shared: &'a Shared) -> BoxFuture<'a, Result<Locked, AuthError>>;

    /// Checks, before a sign-in, that the document can be written.
    fn check_writable(&self) -> BoxFuture<'_, Result<(), AuthError>>;
}

/// A document read under its store's lock, and the lock.
pub(super) struct Locked {
    pub(super) data: CacheData,
    pub(super) held: Box<dyn Held>,
}

/// A store's lock, held until dropped; it saves the document where it was read.
pub(super) trait Held: Send + Sync {
    /// Writes `data` back.
    fn save<'a>(&'a mut self, data: &'a CacheData) -> BoxFuture<'a, Result<(), AuthError>>;
}

/// What the persistence of one `TokenCache` (and its clones) shares.
#[derive(Debug, Clone)]
pub(super) struct Shared {
    notices: CacheNotices,
    /// Warnings already given, so each is given once per process.
    warned: Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>,
    pub(super) lock_timeout: std::time::Duration,
    /// The parsed document as last read, with its stamp.
    memo: Arc<std::sync::Mutex<Option<Memo>>>,
    /// How many times a document was parsed (tests check that an unchanged file is not).
    parses: Arc<std::sync::atomic::AtomicU64>,
}

impl Shared {
    pub(super) fn new(lock_timeout: std::time::Duration) -> Self {
        Self {
            notices: CacheNotices::default(),
            warned: Arc::default(),
            lock_timeout,
            memo: Arc::default(),
            parses: Arc::default(),
        }
    }

    /// The buffer a blocking task reports into (a file set aside).
    pub(super) fn notices(&self) -> CacheNotices {
        self.notices.clone()
    }

    /// The reports gathered by the call that is returning (e.g. a corrupt file that was set
    /// aside), handed back with its result.
    pub(super) fn drain_notices(&self) -> Vec<String> {
        self.notices
            .lock()
            .map(|mut n| std::mem::take(&mut *n))
            .unwrap_or_default()
    }

    /// Gathers `message` for the caller, once per process.
    pub(super) fn notify(&self, message: String) {
        let first = self
            .warned
            .lock()
            .map(|mut w| w.insert(message.clone()))
            .unwrap_or(true);
        if first {
            tracing::warn!("{message}");
            if let Ok(mut n) = self.notices.lock() {
                n.push(message);
            }
        }
    }

    /// One warning for the entries of the document at `path` that could not be read.
    pub(super) fn report_skipped(&self, path: &Path, loaded: &Loaded) {
        if let Some(message) = loaded.skipped_message() {
            self.notify(format!(
                "the token cache {} has {message}; they were skipped and the rest of the cache is used",
                path.display()
            ));
        }
    }

    /// Counts one parse of a document.
    pub(super) fn parsed(&self) {
        self.parses
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many documents were parsed.
    #[cfg(test)]
    pub(super) fn parses(&self) -> u64 {
        self.parses.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The kept document when `read` (the marker) has the kept stamp and the kept bytes (a
    /// marker within the racy window); its settledness is updated. A different stamp means
    /// another writer, even with the same bytes: msal-extensions only touches its signal file.
    pub(super) fn kept_for(&self, read: &ReadFile) -> Option<Arc<CacheData>> {
        let mut memo = self.memo.lock().ok()?;
        let kept = memo
            .as_mut()
            .filter(|m| m.stamp == read.stamp && m.bytes == read.bytes)?;
        kept.settled = read.settled;
        Some(kept.data.clone())
    }

    /// The kept document, when the stamp of `path` says it has not changed since it was read.
    pub(super) fn unchanged(&self, path: &Path) -> Result<Option<Arc<CacheData>>, AuthError> {
        let Some(kept) = self
            .memo
            .lock()
            .ok()
            .and_then(|m| m.as_ref().filter(|m| m.settled).map(|m| m.stamp))
        else {
            return Ok(None);
        };
        check_location(path)?;
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(None);
        };
        if FileStamp::of(&meta) != kept {
            return Ok(None);
        }
        Ok(self.memo.lock().ok().and_then(|m| {
            m.as_ref()
                .filter(|m| m.stamp == kept)
                .map(|m| m.data.clone())
        }))
    }

    /// Drops the kept document.
    pub(super) fn forget(&self) {
        if let Ok(mut memo) = self.memo.lock() {
            *memo = None;
        }
    }

    /// Parses `bytes` (unless they are the kept ones) and keeps the result with its stamp.
    pub(super) fn remember(
        &self,
        path: &Path,
        read: ReadFile,
    ) -> Result<Arc<CacheData>, AuthError> {
        if let Ok(mut memo) = self.memo.lock() {
            if let Some(kept) = memo.as_mut().filter(|m| m.bytes == read.bytes) {
                kept.stamp = read.stamp;
                kept.settled = read.settled;
                return Ok(kept.data.clone());
            }
        }
        self.parsed();
        let loaded = match parse(&read.bytes) {
            Ok(loaded) => loaded,
            Err(_) => {
                self.forget();
                return Ok(Arc::new(CacheData::default()));
            }
        };
        check_schema(path, &loaded.data)?;
        self.report_skipped(path, &loaded);
        let data = Arc::new(loaded.data);
        self.keep(read, &data);
        Ok(data)
    }

    /// Keeps `data` as the document that `read` (the file's, or the change marker's) stands for.
    pub(super) fn keep(&self, read: ReadFile, data: &Arc<CacheData>) {
        let ReadFile {
            stamp,
            settled,
            bytes,
        } = read;
        if let Ok(mut memo) = self.memo.lock() {
            *memo = Some(Memo {
                stamp,
                settled,
                bytes,
                data: data.clone(),
            });
        }
    }
}
