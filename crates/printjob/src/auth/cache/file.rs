//! The document as a plain file (mode 0600 on Unix): read through the stamp memo, locked with
//! the `.lock` sidecar, written atomically; a file that is not JSON is set aside. The
//! file-system work itself is `fs.rs`.

use super::document::CacheData;
use super::fs::{blocking, check_writable_at, lock_file, read_stamped, write_atomically};
use super::persistence::{CacheLocation, Held, Locked, Persistence, Shared};
use crate::auth::AuthError;
use futures::future::BoxFuture;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A cache in this file (created on first write, with its directory).
#[derive(Debug)]
pub(super) struct FilePersistence {
    path: PathBuf,
}

impl FilePersistence {
    pub(super) fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The file's document: the kept one while the file's stamp is unchanged, else read (and
    /// parsed unless its bytes are the kept ones).
    pub(super) async fn load_file(&self, shared: &Shared) -> Result<Arc<CacheData>, AuthError> {
        // Two `stat` calls on a local file are cheaper than handing the work to the
        // blocking pool (a thread wake-up); reading and parsing still go there.
        if let Some(data) = shared.unchanged(&self.path)? {
            return Ok(data);
        }
        let Some(read) = read_stamped(self.path.clone()).await? else {
            shared.forget();
            return Ok(Arc::new(CacheData::default()));
        };
        shared.remember(&self.path, read)
    }

    /// Takes the lock file and reads the file under it (setting aside one that is not JSON).
    pub(super) async fn lock_file(&self, shared: &Shared) -> Result<Locked, AuthError> {
        let (path, notices, timeout) = (self.path.clone(), shared.notices(), shared.lock_timeout);
        let (lock, loaded) = blocking(move || lock_file(&path, &notices, timeout)).await?;
        shared.report_skipped(&self.path, &loaded);
        Ok(Locked {
            data: loaded.data,
            held: Box::new(FileLock {
                path: self.path.clone(),
                _lock: lock,
            }),
        })
    }
}

impl Persistence for FilePersistence {
    fn path(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn location(&self) -> BoxFuture<'_, Result<CacheLocation, AuthError>> {
        Box::pin(async {
            Ok(CacheLocation::File {
                path: self.path.clone(),
                fallback: None,
            })
        })
    }

    fn load<'a>(&'a self, shared: &'a Shared) -> BoxFuture<'a, Result<Arc<CacheData>, AuthError>> {
        Box::pin(self.load_file(shared))
    }

    fn lock<'a>(&'a self, shared: &'a Shared) -> BoxFuture<'a, Result<Locked, AuthError>> {
        Box::pin(self.lock_file(shared))
    }

    fn check_writable(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        Box::pin(check_writable_at(self.path.clone(), true))
    }
}

/// The file's lock; saving replaces the file atomically.
struct FileLock {
    path: PathBuf,
    _lock: std::fs::File,
}

impl Held for FileLock {
    fn save<'a>(&'a mut self, data: &'a CacheData) -> BoxFuture<'a, Result<(), AuthError>> {
        let (path, data) = (self.path.clone(), data.clone());
        Box::pin(blocking(move || write_atomically(&path, &data)))
    }
}
