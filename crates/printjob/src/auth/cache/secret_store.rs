//! The platform's secret store, holding the token cache document as one secret.
//!
//! - Linux (and other freedesktop systems): the Secret Service API over the D-Bus session bus
//!   (gnome-keyring, KeePassXC, KWallet 5.97+), through the `secret-service` crate's async API
//!   on the pure-Rust zbus stack: no libdbus, no OpenSSL, and the runtime is never blocked.
//!   The item carries the attributes libsecret writes for a schema (`xdg:schema`) plus the
//!   cache file's path, so msal-extensions' `LibsecretPersistence` can be pointed at it.
//! - macOS: the login Keychain (a generic password), through the `keyring` crate, on the
//!   blocking pool. Compiled on macOS only; untested (docs/token-cache.md).
//! - Elsewhere (Windows included: Credential Manager holds at most 2560 bytes per secret, too
//!   small for a cache document): no secret store; `auto` keeps the file.
//!
//! Every call is bounded in time: a bus that does not answer is reported, never waited for
//! forever.

use std::path::Path;
use std::time::Duration;

/// How long `auto` waits for a secret store to answer before using the plain file.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one operation (read, write, delete) may take; an unlock prompt shown by the
/// secret store to the user counts against it.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// The schema name written as `xdg:schema` (libsecret's convention), as msal-extensions'
/// `LibSecretAgent(schema_name, …)` would write it.
#[cfg_attr(
    not(all(feature = "secret-store", target_os = "linux")),
    allow(dead_code)
)]
pub const SCHEMA: &str = "io.github.printjob.TokenCache";

/// The attribute naming which cache the item holds: the cache file's path (the same one the
/// lock file and the change marker sit next to).
#[cfg_attr(
    not(all(feature = "secret-store", target_os = "linux")),
    allow(dead_code)
)]
pub const CACHE_ATTRIBUTE: &str = "cache";

/// The name of this platform's secret store, for messages and `status`.
pub fn name() -> &'static str {
    if cfg!(target_os = "macos") {
        "the macOS Keychain"
    } else {
        "the Secret Service (D-Bus)"
    }
}

/// Which item holds one cache: the path of its file, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemId(String);

impl ItemId {
    /// The item for the cache whose file (and lock, and marker) is at `path`.
    pub fn of(path: &Path) -> Self {
        Self(path.display().to_string())
    }

    /// The path as stored in the item's attribute.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

async fn bounded<T>(
    what: &str,
    limit: Duration,
    fut: impl std::future::Future<Output = Result<T, String>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result,
        Err(_) => Err(format!("{what}: no answer within {} s", limit.as_secs())),
    }
}

/// Whether the secret store answers: connects and finds the default collection, within
/// [`PROBE_TIMEOUT`]. The error says why not (no bus, no Secret Service on it, no answer).
pub async fn probe() -> Result<(), String> {
    bounded("the secret store", PROBE_TIMEOUT, platform::probe()).await
}

/// The stored document, or `None` when there is no item.
pub async fn load(item: &ItemId) -> Result<Option<Vec<u8>>, String> {
    bounded(
        "reading the secret",
        OPERATION_TIMEOUT,
        platform::load(item),
    )
    .await
}

/// Stores the document (replacing the item's secret).
pub async fn save(item: &ItemId, secret: &[u8]) -> Result<(), String> {
    bounded(
        "storing the secret",
        OPERATION_TIMEOUT,
        platform::save(item, secret),
    )
    .await
}

/// Deletes the item; `true` when there was one.
pub async fn delete(item: &ItemId) -> Result<bool, String> {
    bounded(
        "deleting the secret",
        OPERATION_TIMEOUT,
        platform::delete(item),
    )
    .await
}

/// Keeps the item under another name (a document printjob cannot read is set aside, never
/// overwritten).
pub async fn rename(item: &ItemId, to: &ItemId) -> Result<(), String> {
    bounded(
        "renaming the secret",
        OPERATION_TIMEOUT,
        platform::rename(item, to),
    )
    .await
}

#[cfg(all(feature = "secret-store", target_os = "linux"))]
mod platform {
    use super::{ItemId, CACHE_ATTRIBUTE, SCHEMA};
    use secret_service::{Collection, EncryptionType, Item, SecretService};
    use std::collections::HashMap;

    fn describe(e: &secret_service::Error) -> String {
        match e {
            secret_service::Error::Unavailable => {
                "no D-Bus session bus, or no Secret Service (org.freedesktop.secrets) on it".into()
            }
            secret_service::Error::Locked => "the keyring is locked".into(),
            secret_service::Error::Prompt => "the unlock prompt was dismissed".into(),
            secret_service::Error::NoResult => "the Secret Service has no default keyring".into(),
            other => other.to_string(),
        }
    }

    async fn connect() -> Result<SecretService<'static>, String> {
        // The session bus from DBUS_SESSION_BUS_ADDRESS, else zbus's default
        // ($XDG_RUNTIME_DIR/bus); none there fails at once. A DH session keeps the secret
        // encrypted on the bus, as libsecret negotiates it.
        SecretService::connect(EncryptionType::Dh)
            .await
            .map_err(|e| describe(&e))
    }

    async fn collection<'a>(service: &'a SecretService<'a>) -> Result<Collection<'a>, String> {
        let collection = service
            .get_default_collection()
            .await
            .map_err(|e| describe(&e))?;
        collection
            .ensure_unlocked()
            .await
            .map_err(|e| describe(&e))?;
        Ok(collection)
    }

    fn attributes(item: &ItemId) -> HashMap<&str, &str> {
        HashMap::from([("xdg:schema", SCHEMA), (CACHE_ATTRIBUTE, item.as_str())])
    }

    /// The items stored under `item`'s attributes (normally one).
    async fn items<'a>(
        collection: &'a Collection<'a>,
        item: &ItemId,
    ) -> Result<Vec<Item<'a>>, String> {
        collection
            .search_items(attributes(item))
            .await
            .map_err(|e| describe(&e))
    }

    /// Where zbus would look for the session bus: `DBUS_SESSION_BUS_ADDRESS`, else
    /// `$XDG_RUNTIME_DIR/bus` (the D-Bus specification's default on Linux). With neither there
    /// is no bus to try, and the probe answers without loading the D-Bus stack at all: on SSH
    /// sessions, containers and CI (the usual homes of the file fallback) that keeps a command
    /// from paying for code it will not use (0.6 MiB of peak memory, measured).
    fn session_bus_may_exist() -> bool {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty()) {
            return true;
        }
        std::env::var_os("XDG_RUNTIME_DIR")
            .filter(|d| !d.is_empty())
            .is_some_and(|d| std::path::Path::new(&d).join("bus").exists())
    }

    pub async fn probe() -> Result<(), String> {
        if !session_bus_may_exist() {
            return Err(describe(&secret_service::Error::Unavailable));
        }
        let service = connect().await?;
        service
            .get_default_collection()
            .await
            .map_err(|e| describe(&e))?;
        Ok(())
    }

    pub async fn load(item: &ItemId) -> Result<Option<Vec<u8>>, String> {
        let service = connect().await?;
        let collection = collection(&service).await?;
        let found = items(&collection, item).await?;
        let Some(first) = found.first() else {
            return Ok(None);
        };
        first.get_secret().await.map(Some).map_err(|e| describe(&e))
    }

    pub async fn save(item: &ItemId, secret: &[u8]) -> Result<(), String> {
        let service = connect().await?;
        let collection = collection(&service).await?;
        let label = format!("printjob token cache ({})", item.as_str());
        collection
            .create_item(&label, attributes(item), secret, true, "text/plain")
            .await
            .map_err(|e| describe(&e))?;
        Ok(())
    }

    pub async fn delete(item: &ItemId) -> Result<bool, String> {
        let service = connect().await?;
        let collection = collection(&service).await?;
        let found = items(&collection, item).await?;
        for each in &found {
            each.delete().await.map_err(|e| describe(&e))?;
        }
        Ok(!found.is_empty())
    }

    pub async fn rename(item: &ItemId, to: &ItemId) -> Result<(), String> {
        let service = connect().await?;
        let collection = collection(&service).await?;
        let found = items(&collection, item).await?;
        for each in &found {
            each.set_attributes(attributes(to))
                .await
                .map_err(|e| describe(&e))?;
        }
        Ok(())
    }
}

#[cfg(all(feature = "secret-store", target_os = "macos"))]
mod platform {
    //! The login Keychain through `keyring` (blocking calls, on the blocking pool). Compiled
    //! on macOS only and untested: no macOS machine builds or tests printjob here.
    use super::{ItemId, SCHEMA};

    fn entry(item: &ItemId) -> Result<keyring::Entry, String> {
        keyring::Entry::new(SCHEMA, item.as_str()).map_err(|e| e.to_string())
    }

    async fn blocking<T: Send + 'static>(
        f: impl FnOnce() -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| format!("the Keychain task failed: {e}"))?
    }

    pub async fn probe() -> Result<(), String> {
        let item = ItemId("probe".into());
        blocking(move || match entry(&item)?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        })
        .await
    }

    pub async fn load(item: &ItemId) -> Result<Option<Vec<u8>>, String> {
        let item = item.clone();
        blocking(move || match entry(&item)?.get_secret() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        })
        .await
    }

    pub async fn save(item: &ItemId, secret: &[u8]) -> Result<(), String> {
        let (item, secret) = (item.clone(), secret.to_vec());
        blocking(move || entry(&item)?.set_secret(&secret).map_err(|e| e.to_string())).await
    }

    pub async fn delete(item: &ItemId) -> Result<bool, String> {
        let item = item.clone();
        blocking(move || match entry(&item)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(e.to_string()),
        })
        .await
    }

    pub async fn rename(item: &ItemId, to: &ItemId) -> Result<(), String> {
        if let Some(secret) = load(item).await? {
            save(to, &secret).await?;
            delete(item).await?;
        }
        Ok(())
    }
}

#[cfg(not(all(
    feature = "secret-store",
    any(target_os = "linux", target_os = "macos")
)))]
mod platform {
    //! No secret store printjob can use here: built without the `secret-store` feature, or on a
    //! platform without one (Windows' Credential Manager holds at most 2560 bytes per
    //! credential, too small for a token cache; msal-extensions encrypts a file with DPAPI
    //! there instead).
    use super::ItemId;

    const NONE: &str = if cfg!(feature = "secret-store") {
        "printjob has no secret store on this platform"
    } else {
        "this build of printjob has no secret store (the `secret-store` cargo feature is off)"
    };

    pub async fn probe() -> Result<(), String> {
        Err(NONE.into())
    }
    pub async fn load(_item: &ItemId) -> Result<Option<Vec<u8>>, String> {
        Err(NONE.into())
    }
    pub async fn save(_item: &ItemId, _secret: &[u8]) -> Result<(), String> {
        Err(NONE.into())
    }
    pub async fn delete(_item: &ItemId) -> Result<bool, String> {
        Err(NONE.into())
    }
    pub async fn rename(_item: &ItemId, _to: &ItemId) -> Result<(), String> {
        Err(NONE.into())
    }
}

use super::fs::{io_error, parent_dir};
use crate::auth::AuthError;
use std::io::Write;
use std::path::PathBuf;

// The change marker: a file next to the cache's path whose new value on every save stands in
// for the cache file in the reader's fast path.

/// The change marker next to the cache's path (`token_cache.json.changed`).
pub(super) fn marker_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".changed");
    path.with_file_name(name)
}

/// Writes a fresh random value into the change marker (atomically, 0600): every save gives
/// it a new inode and new bytes, so a reader comparing either sees the change.
pub(super) fn touch_marker(path: &Path) -> Result<(), AuthError> {
    use rand::RngCore;
    let marker = marker_path(path);
    let mut nonce = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut nonce);
    let text: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let mut temp = tempfile::Builder::new()
        .prefix(".token_cache")
        .suffix(".tmp")
        .tempfile_in(parent_dir(path))
        .map_err(|e| io_error("create a temporary file next to", path, &e))?;
    temp.write_all(text.as_bytes())
        .map_err(|e| io_error("write the change marker of", path, &e))?;
    temp.persist(&marker)
        .map_err(|e| io_error("replace the change marker of", path, &e.error))?;
    Ok(())
}

pub(super) fn store_error(action: &str, reason: &str) -> AuthError {
    AuthError::Cache(format!(
        "cannot {action} the token cache in {}: {reason}",
        name()
    ))
}

// The persistence: the document as one secret, with the lock file and the change marker next
// to the path that names it; `auto` falls back to the plain file when no store answers.

use super::document::{parse, CacheData};
use super::file::FilePersistence;
use super::fs::{
    acquire, aside_name, blocking, check_location, check_schema, check_writable_at, ensure_dir,
    lock_path, open_lock_file, read_plain_for_migration, read_stamped, remove_zeroed,
};
use super::persistence::{CacheLocation, Held, Locked, Persistence, Shared};
use crate::config::CacheStore;
use futures::future::BoxFuture;
use std::sync::Arc;

/// A cache in the secret store: the path names the item, and the lock file and the change
/// marker sit next to it; the plain file there is moved in on first use.
#[derive(Debug)]
pub(super) struct SecretStorePersistence {
    path: PathBuf,
    wanted: CacheStore,
    item: ItemId,
    /// `None`: the secret store; `Some(reason)`: the file (`auto`, nothing answered).
    resolved: tokio::sync::OnceCell<Option<String>>,
    /// The plain file at the same path: the fallback, and what is moved in.
    file: FilePersistence,
}

impl SecretStorePersistence {
    /// The cache named by `path`, in the secret store (`wanted` is `auto` or the store).
    pub(super) fn new(path: PathBuf, wanted: CacheStore) -> Self {
        Self {
            item: ItemId::of(&path),
            file: FilePersistence::new(path.clone()),
            path,
            wanted,
            resolved: tokio::sync::OnceCell::new(),
        }
    }

    /// Whether this cache uses the secret store (asked once; `auto` falls back to the file).
    async fn in_secret_store(&self) -> Result<bool, AuthError> {
        Ok(self.fallback_reason().await?.is_none())
    }

    /// `None` when this cache uses the secret store; why not when `auto` fell back to the file.
    /// The fallback is logged, not reported as a notice: on a machine without a session bus
    /// (SSH, containers, CI) it is the normal state, and a warning on every command would only
    /// teach people to ignore warnings. The location carries the reason, for the sign-in
    /// report and the status (as gh says "saved in plain text" once, at sign-in).
    async fn fallback_reason(&self) -> Result<Option<String>, AuthError> {
        self.resolved
            .get_or_try_init(|| async {
                match probe().await {
                    Ok(()) => Ok(None),
                    Err(reason) if self.wanted == CacheStore::Auto => {
                        let reason = format!("no secret store answered ({}: {reason})", name());
                        tracing::debug!(path = %self.path.display(), "{reason}; the token cache is the plain file");
                        Ok(Some(reason))
                    }
                    Err(reason) => Err(AuthError::SecretStoreUnavailable {
                        store: name().to_owned(),
                        reason,
                    }),
                }
            })
            .await
            .cloned()
    }

    /// The secret store's document: the kept one while the change marker is unchanged (its
    /// stamp, and within the racy window also its random value); else fetched and kept with
    /// the marker as read before fetching (so a write in between is seen by the next call). A
    /// plain cache file found there is first moved in (under the lock).
    async fn load_secret(&self, shared: &Shared) -> Result<Arc<CacheData>, AuthError> {
        let marker = marker_path(&self.path);
        if let Some(data) = shared.unchanged(&marker)? {
            return Ok(data);
        }
        if self.path.exists() {
            drop(self.lock_secret(shared).await?);
        }
        let read = read_stamped(marker.clone()).await?;
        if let Some(read) = read.as_ref().filter(|r| !r.bytes.is_empty()) {
            if let Some(data) = shared.kept_for(read) {
                return Ok(data);
            }
        }
        let bytes = load(&self.item)
            .await
            .map_err(|e| store_error("read", &e))?
            .unwrap_or_default();
        shared.parsed();
        let loaded = parse(&bytes).unwrap_or_default();
        check_schema(&self.path, &loaded.data)?;
        shared.report_skipped(&self.path, &loaded);
        let data = Arc::new(loaded.data);
        match read.filter(|r| !r.bytes.is_empty()) {
            Some(read) => shared.keep(read, &data),
            None => shared.forget(),
        }
        Ok(data)
    }

    /// Takes the lock file, fetches the secret, and moves a plain cache file found at the
    /// path in (its entries added to the stored ones, which win; then the file is zeroed and
    /// removed, with a notice).
    async fn lock_secret(&self, shared: &Shared) -> Result<Locked, AuthError> {
        let (path, timeout) = (self.path.clone(), shared.lock_timeout);
        let lock = blocking(move || {
            ensure_dir(&path)?;
            check_location(&path)?;
            let lock_file = lock_path(&path);
            let mut lock = open_lock_file(&lock_file)
                .map_err(|e| io_error("open the lock file of", &path, &e))?;
            acquire(&mut lock, &lock_file, timeout)?;
            Ok(lock)
        })
        .await?;
        let mut data = self.load_locked(shared).await?;
        let mut held = SecretLock {
            path: self.path.clone(),
            item: self.item.clone(),
            _lock: lock,
        };
        let (path, notices) = (self.path.clone(), shared.notices());
        let plain = blocking(move || read_plain_for_migration(&path, &notices)).await?;
        if let Some(plain) = plain {
            check_schema(&self.path, &plain.data)?;
            data.absorb(plain.data);
            held.save(&data).await?;
            let path = self.path.clone();
            blocking(move || remove_zeroed(&path)).await?;
            shared.notify(format!(
                "the token cache file {} was moved into {} and removed",
                self.path.display(),
                name()
            ));
        }
        Ok(Locked {
            data,
            held: Box::new(held),
        })
    }

    /// The stored document, read under the lock; one printjob cannot read is set aside (the
    /// item renamed `….corrupt-<unix time>`) and reported, never overwritten.
    async fn load_locked(&self, shared: &Shared) -> Result<CacheData, AuthError> {
        let bytes = load(&self.item)
            .await
            .map_err(|e| store_error("read", &e))?
            .unwrap_or_default();
        let loaded = match parse(&bytes) {
            Ok(loaded) => loaded,
            Err(_) => {
                let aside = ItemId::of(&aside_name(&self.path));
                rename(&self.item, &aside)
                    .await
                    .map_err(|e| store_error("set aside", &e))?;
                shared.notify(format!(
                    "the token cache in {} was not a token cache document; it was kept under the name {} and you may need to sign in again",
                    name(),
                    aside.as_str()
                ));
                return Ok(CacheData::default());
            }
        };
        check_schema(&self.path, &loaded.data)?;
        shared.report_skipped(&self.path, &loaded);
        Ok(loaded.data)
    }
}

impl Persistence for SecretStorePersistence {
    fn path(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn location(&self) -> BoxFuture<'_, Result<CacheLocation, AuthError>> {
        Box::pin(async {
            Ok(match self.fallback_reason().await? {
                None => CacheLocation::SecretStore {
                    store: name(),
                    path: self.path.clone(),
                    marker: marker_path(&self.path),
                },
                Some(reason) => CacheLocation::File {
                    path: self.path.clone(),
                    fallback: Some(reason),
                },
            })
        })
    }

    fn load<'a>(&'a self, shared: &'a Shared) -> BoxFuture<'a, Result<Arc<CacheData>, AuthError>> {
        Box::pin(async move {
            if self.in_secret_store().await? {
                self.load_secret(shared).await
            } else {
                self.file.load_file(shared).await
            }
        })
    }

    fn lock<'a>(&'a self, shared: &'a Shared) -> BoxFuture<'a, Result<Locked, AuthError>> {
        Box::pin(async move {
            if self.in_secret_store().await? {
                self.lock_secret(shared).await
            } else {
                self.file.lock_file(shared).await
            }
        })
    }

    fn check_writable(&self) -> BoxFuture<'_, Result<(), AuthError>> {
        Box::pin(async {
            let file = !self.in_secret_store().await?;
            check_writable_at(self.path.clone(), file).await
        })
    }
}

/// The lock file of a secret store cache; saving replaces the secret (or, when the document
/// holds nothing any more, deletes the item) and then gives the change marker a new value.
struct SecretLock {
    path: PathBuf,
    item: ItemId,
    _lock: std::fs::File,
}

impl Held for SecretLock {
    fn save<'a>(&'a mut self, data: &'a CacheData) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(async move {
            if data.holds_no_credentials() {
                delete(&self.item)
                    .await
                    .map_err(|e| store_error("delete", &e))?;
            } else {
                let text = serde_json::to_vec(data)
                    .map_err(|e| AuthError::Cache(format!("cannot encode the token cache: {e}")))?;
                save(&self.item, &text)
                    .await
                    .map_err(|e| store_error("write", &e))?;
            }
            let path = self.path.clone();
            blocking(move || touch_marker(&path)).await
        })
    }
}
