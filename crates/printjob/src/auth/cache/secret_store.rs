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

use super::file::{io_error, parent_dir};
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
