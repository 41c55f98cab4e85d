//! The document in this process's memory: it lives as long as the cache (and its clones);
//! the lock is a mutex.

use super::document::CacheData;
use super::persistence::{CacheLocation, Held, Locked, Persistence, Shared};
use crate::auth::AuthError;
use futures::future::BoxFuture;
use std::path::Path;
use std::sync::Arc;

/// A cache that lives as long as this value (and its clones).
#[derive(Debug, Default)]
pub(super) struct MemoryPersistence {
    document: Arc<tokio::sync::Mutex<CacheData>>,
}

impl Persistence for MemoryPersistence {
    fn path(&self) -> Option<&Path> {
        None
    }

    fn location(&self) -> BoxFuture<'_, Result<CacheLocation, AuthError>> {
        Box::pin(async { Ok(CacheLocation::Memory) })
    }

    fn load<'a>(&'a self, _: &'a Shared) -> BoxFuture<'a, Result<Arc<CacheData>, AuthError>> {
        Box::pin(async { Ok(Arc::new(self.document.lock().await.clone())) })
    }

    fn lock<'a>(&'a self, _: &'a Shared) -> BoxFuture<'a, Result<Locked, AuthError>> {
        Box::pin(async {
            let guard = self.document.clone().lock_owned().await;
            Ok(Locked {
                data: guard.clone(),
                held: Box::new(MemoryLock(guard)),
            })
        })
    }

    fn check_writable(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        Box::pin(async { Ok(()) })
    }
}

/// The memory's lock; saving replaces the document.
struct MemoryLock(tokio::sync::OwnedMutexGuard<CacheData>);

impl Held for MemoryLock {
    fn save<'a>(&'a mut self, data: &'a CacheData) -> BoxFuture<'a, Result<(), AuthError>> {
        *self.0 = data.clone();
        Box::pin(async { Ok(()) })
    }
}
