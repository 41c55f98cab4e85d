//! The token cache, in MSAL's unified token cache layout.
//!
//! Sections `AccessToken`, `RefreshToken`, `IdToken`, `Account` and `AppMetadata`, keyed as MSAL
//! keys them (`{home_account_id}-{environment}-{credential_type}-{client_id}-{realm}-{target}`,
//! lower-cased), plus `printjob_schema_version`. The file is created `0600` on Unix, written
//! atomically (temporary file in the same directory, fsync, rename, fsync of the directory),
//! and guarded by an exclusive lock on a sidecar `.lock` file that callers hold across
//! read-refresh-write, so concurrent processes never lose a rotated refresh token. A file that
//! is not valid JSON is renamed aside (`….corrupt-<unix time>`) and reported, never overwritten.
//!
//! The same document can instead be kept as one secret in the platform's secret store
//! ([`CacheStore`]; `secret_store.rs`): the lock file still guards read-modify-write, and a
//! change marker file next to it (`….changed`, a fresh random value written on every save)
//! stands in for the cache file in the in-memory fast path, so an unchanged cache costs a
//! `stat`, not a D-Bus round trip, and a write by another process is seen at once.
//! See `docs/token-cache.md`.

mod document;
mod file;
mod fs;
mod memory;
mod persistence;
mod secret_store;

pub use document::*;
use file::FilePersistence;
use memory::MemoryPersistence;
pub use persistence::CacheLocation;
use persistence::{Held, Locked, Persistence, Shared};
use secret_store::SecretStorePersistence;

use super::AuthError;
use crate::config::CacheStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How long [`TokenCache::lock`] waits for another process by default. A `printjob` stopped
/// with Ctrl-Z while holding the lock must not block every other one forever (msal-extensions'
/// `CrossPlatLock` also gives up after a bounded wait).
pub const DEFAULT_LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A token cache: its document kept by one `Persistence` (a file shared between processes,
/// the secret store, or memory), read, locked, re-read and saved here without asking which.
#[derive(Debug, Clone)]
pub struct TokenCache {
    persistence: Arc<dyn Persistence>,
    shared: Shared,
}

impl TokenCache {
    /// A cache in this file (created on first write, with its directory).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::over(FilePersistence::new(path.into()))
    }

    /// A cache whose document is kept as `store` says: the secret store (named by `path`, with
    /// the lock file and the change marker next to it), or the file at `path`.
    pub fn with_store(path: impl Into<PathBuf>, store: CacheStore) -> Self {
        let path = path.into();
        match store {
            CacheStore::File => Self::file(path),
            CacheStore::Auto | CacheStore::SecretStore => {
                Self::over(SecretStorePersistence::new(path, store))
            }
        }
    }

    /// A cache that lives as long as this value (and its clones).
    pub fn in_memory() -> Self {
        Self::over(MemoryPersistence::default())
    }

    fn over(persistence: impl Persistence + 'static) -> Self {
        Self {
            persistence: Arc::new(persistence),
            shared: Shared::new(DEFAULT_LOCK_TIMEOUT),
        }
    }

    /// How long [`TokenCache::lock`] waits for another process (default
    /// [`DEFAULT_LOCK_TIMEOUT`]).
    pub fn with_lock_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.shared.lock_timeout = timeout;
        self
    }

    /// The file, for a file cache; for a secret store cache, the path naming it (its lock
    /// file and change marker sit next to it).
    pub fn path(&self) -> Option<&Path> {
        self.persistence.path()
    }

    /// Where the document is kept. For `auto`, the first call decides (asking the secret
    /// store, at most a few seconds); an explicit secret store that does not answer is an
    /// [`AuthError::SecretStoreUnavailable`].
    pub async fn location(&self) -> Result<CacheLocation, AuthError> {
        self.persistence.location().await
    }

    /// A snapshot without taking the lock (writes are atomic, so it is always a whole
    /// document). A missing file, or one that is not JSON, reads as empty ([`TokenCache::lock`]
    /// sets the latter aside); entries that cannot be read are skipped with a warning; a
    /// document of a newer schema is refused.
    ///
    /// The parsed document is kept in memory with the file's `FileStamp`: while a `stat` of
    /// the file (and of its directory, for the location check) finds the same stamp, and the
    /// file is older than `RACY_WINDOW`, the kept document is returned without reading the
    /// file. A write by another process makes a new file (rename) or changes its size or
    /// times, so it is seen on the next call. Within the window, the file is read and its
    /// bytes compared with the kept ones (not parsed again when equal). A secret store cache
    /// does the same with its change marker.
    ///
    /// What the person should be told (a file set aside, entries skipped, each once per
    /// process) comes back with the document: [`Noticed::notices`].
    pub async fn read(&self) -> Result<Noticed<Arc<CacheData>>, AuthError> {
        let value = self.persistence.load(&self.shared).await?;
        Ok(Noticed {
            value,
            notices: self.shared.drain_notices(),
        })
    }

    /// How many times a document was parsed by [`TokenCache::read`].
    #[cfg(test)]
    fn parses(&self) -> u64 {
        self.shared.parses()
    }

    /// Checks, before a sign-in, that the cache can be written: its directory can be created,
    /// is not writable by others, and a file can be created in it; an existing cache file can
    /// be opened for writing. So the tokens of a sign-in are never lost after the browser said
    /// "Signed in".
    pub async fn check_writable(&self) -> Result<(), AuthError> {
        self.persistence.check_writable().await
    }

    /// Takes the exclusive lock (waiting for other processes, at most the lock timeout) and
    /// reads the current document. Hold the guard across read-refresh-write;
    /// [`CacheGuard::save`] writes it back; [`CacheGuard::notices`] says what the person should
    /// be told about what was read.
    pub async fn lock(&self) -> Result<CacheGuard, AuthError> {
        let Locked { data, held } = self.persistence.lock(&self.shared).await?;
        Ok(CacheGuard {
            data,
            held,
            notices: self.shared.drain_notices(),
        })
    }
}

/// The locked cache: read it, change it, [`save`](CacheGuard::save) it; dropping it releases
/// the lock.
pub struct CacheGuard {
    data: CacheData,
    held: Box<dyn Held>,
    notices: Vec<String>,
}

/// A result of the cache and what the person should be told about it (a file set aside,
/// entries that could not be read): the cache hands its notices back with its results rather
/// than keeping them to be asked for. Dereferences to the result.
#[derive(Debug)]
pub struct Noticed<T> {
    value: T,
    notices: Vec<String>,
}

impl<T> Noticed<T> {
    /// The sentences for the person, each given once per process.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }
}

impl<T> std::ops::Deref for Noticed<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl std::fmt::Debug for CacheGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheGuard")
            .field("accounts", &self.data.accounts.len())
            .finish_non_exhaustive()
    }
}

impl CacheGuard {
    /// What the person should be told about the document as read (each once per process).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The document as read under the lock.
    pub fn data(&self) -> &CacheData {
        &self.data
    }

    /// The document, to change.
    pub fn data_mut(&mut self) -> &mut CacheData {
        &mut self.data
    }

    /// Writes the document back (atomically, for a file). In the secret store, the secret is
    /// replaced (or, when the document holds nothing any more, the item deleted) and then the
    /// change marker is given a new value.
    pub async fn save(&mut self) -> Result<(), AuthError> {
        self.held.save(&self.data).await
    }
}

#[cfg(test)]
mod tests {
    use super::fs::*;
    use super::secret_store::{marker_path, touch_marker};
    use super::*;
    use crate::auth::token::TokenSet;
    use crate::ids::Scope;
    use crate::secret::{AccessToken, IdToken, RefreshToken};

    use crate::auth::jwt::test_support::unsigned_jwt as jwt;

    fn scope() -> CacheScope {
        CacheScope {
            environment: "login.microsoftonline.com".into(),
            client_id: "Client-1".into(),
            tenant: "organizations".into(),
            graph: GraphResource::default(),
        }
    }

    const L4: &str = "https://graph.microsoft.us";
    const DOD: &str = "https://dod-graph.microsoft.us";

    /// A credential of a cloud signing in at `login.microsoftonline.us` (usgov or usgov-dod).
    fn us_scope(resource: &str) -> CacheScope {
        CacheScope {
            environment: "login.microsoftonline.us".into(),
            graph: GraphResource::new(resource, L4),
            ..scope()
        }
    }

    fn token_set(access: &str, refresh: Option<&str>, expires_in: u64) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new(access),
            refresh_token: refresh.map(RefreshToken::new),
            id_token: Some(IdToken::new(jwt(serde_json::json!({
                "oid": "OID1", "tid": "TID1", "sub": "s", "preferred_username": "adele@contoso.com"
            })))),
            expires_in: Some(expires_in),
            ext_expires_in: None,
            refresh_in: None,
            jwt_expires_on: None,
            scopes: Scope::parse_list("PrintJob.ReadWriteBasic User.Read"),
            client_info: None,
            token_type: "Bearer".into(),
        }
    }

    #[test]
    fn keys_are_built_as_msal_builds_them() {
        let mut data = CacheData::default();
        data.store(
            &scope(),
            &token_set("at", Some("rt"), 3600),
            1000,
            Some("authorization_code"),
        );
        let keys: Vec<&String> = data
            .access_tokens
            .keys()
            .chain(data.refresh_tokens.keys())
            .chain(data.id_tokens.keys())
            .chain(data.accounts.keys())
            .chain(data.app_metadata.keys())
            .collect();
        assert_eq!(
            keys,
            vec![
                "oid1.tid1-login.microsoftonline.com-accesstoken-client-1-organizations-printjob.readwritebasic user.read",
                "oid1.tid1-login.microsoftonline.com-refreshtoken-client-1--printjob.readwritebasic user.read",
                "oid1.tid1-login.microsoftonline.com-idtoken-client-1-organizations-",
                "oid1.tid1-login.microsoftonline.com-organizations",
                "appmetadata-login.microsoftonline.com-Client-1",
            ]
        );
    }

    #[test]
    fn serialized_document_has_msal_section_names_and_schema_version() {
        let mut data = CacheData::default();
        data.store(&scope(), &token_set("at", Some("rt"), 3600), 1000, None);
        let value = serde_json::to_value(&data).unwrap();
        for section in [
            "AccessToken",
            "RefreshToken",
            "IdToken",
            "Account",
            "AppMetadata",
        ] {
            assert!(value.get(section).is_some(), "{section}");
        }
        assert_eq!(value["printjob_schema_version"], 1);
        let at = value["AccessToken"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        assert_eq!(at["expires_on"], "4600");
        assert_eq!(at["secret"], "at");
    }

    #[test]
    fn access_token_is_stale_five_minutes_before_expiry() {
        let mut data = CacheData::default();
        let account = data.store(&scope(), &token_set("at", None, 3600), 0, None);
        let wanted = Scope::parse_list("PrintJob.ReadWriteBasic");
        assert!(data
            .access_token(&account, &scope(), &wanted, 3299)
            .is_some());
        assert!(data
            .access_token(&account, &scope(), &wanted, 3300)
            .is_none());
    }

    #[test]
    fn refresh_in_makes_the_access_token_stale_early() {
        let mut data = CacheData::default();
        let mut set = token_set("at", None, 3600);
        set.refresh_in = Some(100);
        let account = data.store(&scope(), &set, 0, None);
        let wanted = Scope::parse_list("PrintJob.ReadWriteBasic");
        assert!(data.access_token(&account, &scope(), &wanted, 99).is_some());
        assert!(data
            .access_token(&account, &scope(), &wanted, 100)
            .is_none());
    }

    #[test]
    fn access_token_must_cover_every_requested_scope() {
        let mut data = CacheData::default();
        let account = data.store(&scope(), &token_set("at", None, 3600), 0, None);
        let more = Scope::parse_list("PrintJob.ReadWrite.All");
        assert!(data.access_token(&account, &scope(), &more, 1).is_none());
        let prefixed =
            Scope::parse_list("https://graph.microsoft.com/printjob.readwritebasic openid");
        assert!(data
            .access_token(&account, &scope(), &prefixed, 1)
            .is_some());
    }

    #[test]
    fn a_usgov_token_is_never_served_to_usgov_dod_nor_the_reverse() {
        let basic = Scope::parse_list("PrintJob.ReadWriteBasic");
        for (ours, theirs) in [(L4, DOD), (DOD, L4)] {
            let mut data = CacheData::default();
            let account = data.store(&us_scope(ours), &token_set("at", None, 3600), 0, None);
            assert!(
                data.access_token(&account, &us_scope(ours), &basic, 1)
                    .is_some(),
                "{ours} serves its own token"
            );
            assert!(
                data.access_token(&account, &us_scope(theirs), &basic, 1)
                    .is_none(),
                "a {ours} token served for {theirs}"
            );
            assert!(data
                .access_token_ignoring_refresh_on(&account, &us_scope(theirs), &basic, 1)
                .is_none());
        }
    }

    #[test]
    fn an_entry_without_a_recorded_resource_is_for_the_resource_its_scopes_name() {
        let basic = Scope::parse_list("PrintJob.ReadWriteBasic");
        let mut data = CacheData::default();
        let account = data.store(&us_scope(L4), &token_set("at", None, 3600), 0, None);
        // As MSAL writes it: no printjob field, the target the token response returned.
        for entry in data.access_tokens.values_mut() {
            entry.graph_resource = None;
        }
        assert!(data
            .access_token(&account, &us_scope(L4), &basic, 1)
            .is_some());
        assert!(
            data.access_token(&account, &us_scope(DOD), &basic, 1)
                .is_none(),
            "short names at login.microsoftonline.us mean the L4 Graph"
        );
        for entry in data.access_tokens.values_mut() {
            entry.target = format!("{DOD}/PrintJob.ReadWriteBasic");
        }
        assert!(data
            .access_token(&account, &us_scope(DOD), &basic, 1)
            .is_some());
        assert!(data
            .access_token(&account, &us_scope(L4), &basic, 1)
            .is_none());
    }

    #[test]
    fn the_recorded_resource_is_written_under_a_printjob_key() {
        let mut data = CacheData::default();
        data.store(&us_scope(DOD), &token_set("at", None, 3600), 0, None);
        let json = serde_json::to_value(&data).unwrap();
        let entry = json["AccessToken"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        assert_eq!(entry["printjob_graph_resource"], DOD);
        assert_eq!(entry["environment"], "login.microsoftonline.us");
    }

    #[test]
    fn rotated_refresh_token_replaces_the_old_one() {
        let mut data = CacheData::default();
        data.store(&scope(), &token_set("a1", Some("r1"), 3600), 0, None);
        let account = data.store(&scope(), &token_set("a2", Some("r2"), 3600), 10, None);
        assert_eq!(data.refresh_tokens.len(), 1);
        assert_eq!(
            data.refresh_token(&account, &scope())
                .unwrap()
                .secret
                .secret(),
            "r2"
        );
    }

    #[test]
    fn response_without_refresh_token_keeps_the_previous_one() {
        let mut data = CacheData::default();
        data.store(&scope(), &token_set("a1", Some("r1"), 3600), 0, None);
        let account = data.store(&scope(), &token_set("a2", None, 3600), 10, None);
        assert_eq!(
            data.refresh_token(&account, &scope())
                .unwrap()
                .secret
                .secret(),
            "r1"
        );
    }

    #[test]
    fn remove_account_drops_all_its_credentials() {
        let mut data = CacheData::default();
        let account = data.store(&scope(), &token_set("a1", Some("r1"), 3600), 0, None);
        data.remove_account(&account);
        assert!(data.accounts.is_empty() && data.refresh_tokens.is_empty());
        assert!(data.access_tokens.is_empty() && data.id_tokens.is_empty());
    }

    #[test]
    fn debug_of_the_cache_never_shows_secrets() {
        let mut data = CacheData::default();
        data.store(
            &scope(),
            &token_set("at-secret-value", Some("rt-secret-value"), 3600),
            0,
            None,
        );
        let debug = format!("{data:?}");
        assert!(!debug.contains("at-secret-value") && !debug.contains("rt-secret-value"));
        assert!(debug.contains("[redacted]"));
    }

    #[tokio::test]
    async fn file_is_written_atomically_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("cache.json");
        let cache = TokenCache::file(&path);
        let mut guard = cache.lock().await.unwrap();
        guard
            .data_mut()
            .store(&scope(), &token_set("at", Some("rt"), 3600), 0, None);
        guard.save().await.unwrap();
        drop(guard);
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let reread = cache.read().await.unwrap();
        assert_eq!(reread.refresh_tokens.len(), 1);
    }

    #[tokio::test]
    async fn corrupt_file_is_set_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        std::fs::write(&path, b"{\"AccessToken\": {oops").unwrap();
        let cache = TokenCache::file(&path);
        let guard = cache.lock().await.unwrap();
        assert!(guard.data().accounts.is_empty());
        let notices = guard.notices().to_vec();
        drop(guard);
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("cache.json.corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            std::fs::read(dir.path().join(&aside[0])).unwrap(),
            b"{\"AccessToken\": {oops"
        );
        assert!(notices[0].contains("was not valid JSON"), "{notices:?}");
    }

    #[tokio::test]
    async fn lock_excludes_a_second_holder_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        let first = TokenCache::file(&path).lock().await.unwrap();
        let second = tokio::spawn({
            let path = path.clone();
            async move { TokenCache::file(&path).lock().await.map(|_| ()) }
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(!second.is_finished(), "the second lock must wait");
        drop(first);
        second.await.unwrap().unwrap();
    }

    fn private_dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[tokio::test]
    async fn malformed_entry_is_skipped_with_one_accurate_warning_and_the_rest_kept() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        let mut data = CacheData::default();
        data.store(&scope(), &token_set("at", Some("rt"), 3600), 0, None);
        let mut value = serde_json::to_value(&data).unwrap();
        value["AccessToken"]["broken-key"] = serde_json::json!({"credential_type": "AccessToken"});
        std::fs::write(&path, value.to_string()).unwrap();
        let cache = TokenCache::file(&path);
        let read = cache.read().await.unwrap();
        assert_eq!(read.access_tokens.len(), 1, "the good entry is kept");
        assert_eq!(read.refresh_tokens.len(), 1);
        let guard = cache.lock().await.unwrap();
        assert_eq!(guard.data().accounts.len(), 1);
        let notices: Vec<String> = read
            .notices()
            .iter()
            .chain(guard.notices())
            .cloned()
            .collect();
        drop(guard);
        assert_eq!(notices.len(), 1, "given once, with the read: {notices:?}");
        assert!(
            notices[0].contains("1 entry printjob cannot read (1 in AccessToken: missing field"),
            "{notices:?}"
        );
        assert!(!notices[0].contains("not valid JSON"), "{notices:?}");
        assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("corrupt")));
    }

    /// A cache as msal-python 1.3x writes it: no printjob marker, fields printjob does not use.
    const MSAL_CACHE: &str = r#"{
      "AccessToken": {"h.t-login.microsoftonline.com-accesstoken-client-1-organizations-printjob.readwritebasic": {
        "credential_type": "AccessToken", "secret": "msal-at", "home_account_id": "h.t",
        "environment": "login.microsoftonline.com", "client_id": "Client-1", "target": "PrintJob.ReadWriteBasic",
        "realm": "organizations", "token_type": "Bearer", "cached_at": "1", "expires_on": "99999999999",
        "extended_expires_on": "99999999999", "ext_cache_key": "k"}},
      "RefreshToken": {"h.t-login.microsoftonline.com-refreshtoken-client-1--printjob.readwritebasic": {
        "credential_type": "RefreshToken", "secret": "msal-rt", "home_account_id": "h.t",
        "environment": "login.microsoftonline.com", "client_id": "Client-1",
        "target": "PrintJob.ReadWriteBasic", "last_modification_time": "1", "family_id": "1"}},
      "IdToken": {}, "Account": {"h.t-login.microsoftonline.com-organizations": {
        "home_account_id": "h.t", "environment": "login.microsoftonline.com", "realm": "organizations",
        "local_account_id": "o", "username": "adele@contoso.com", "authority_type": "MSSTS",
        "account_source": "authorization_code"}},
      "AppMetadata": {"appmetadata-login.microsoftonline.com-Client-1": {
        "client_id": "Client-1", "environment": "login.microsoftonline.com", "family_id": "1"}},
      "SomethingNew": {"x": 1}
    }"#;

    #[tokio::test]
    async fn msal_written_cache_is_read_and_its_extra_fields_survive_a_save() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        std::fs::write(&path, MSAL_CACHE).unwrap();
        let cache = TokenCache::file(&path);
        let mut guard = cache.lock().await.unwrap();
        assert!(guard.notices().is_empty(), "not malformed");
        let data = guard.data().clone();
        let account = data.accounts(&scope()).pop().expect("the MSAL account");
        let wanted = Scope::parse_list("PrintJob.ReadWriteBasic");
        let at = data.access_token(&account, &scope(), &wanted, 2).unwrap();
        assert_eq!(at.secret.secret(), "msal-at");
        guard.save().await.unwrap();
        drop(guard);
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(saved["SomethingNew"]["x"], 1);
        let rt = saved["RefreshToken"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        assert_eq!(rt["family_id"], "1");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn dangling_lock_symlink_is_not_followed() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        let target = dir.path().join("planted-target");
        std::os::unix::fs::symlink(&target, dir.path().join("cache.json.lock")).unwrap();
        let err = TokenCache::file(&path).lock().await.unwrap_err();
        assert!(err.to_string().contains("lock file"), "{err}");
        assert!(!target.exists(), "the symlink's target was not created");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn cache_in_a_directory_writable_by_others_is_refused_with_the_reason() {
        use std::os::unix::fs::PermissionsExt;
        let dir = private_dir();
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
        let cache = TokenCache::file(shared.join("cache.json"));
        for err in [
            cache.lock().await.unwrap_err(),
            cache.read().await.unwrap_err(),
            cache.check_writable().await.unwrap_err(),
        ] {
            let msg = err.to_string();
            assert!(msg.contains("other users can write to (mode 777)"), "{msg}");
            assert!(msg.contains("chmod go-w"), "{msg}");
        }
    }

    #[tokio::test]
    async fn newer_schema_is_refused_at_load_even_while_its_token_is_fresh() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        let mut value: serde_json::Value = serde_json::from_str(MSAL_CACHE).unwrap();
        value["printjob_schema_version"] = 99.into();
        std::fs::write(&path, value.to_string()).unwrap();
        let err = TokenCache::file(&path).read().await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("newer printjob (schema 99"), "{msg}");
        assert!(msg.contains("upgrade printjob"), "{msg}");
    }

    #[tokio::test]
    async fn lock_wait_is_bounded_and_names_the_lock_file_and_its_holder() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        let held = TokenCache::file(&path).lock().await.unwrap();
        let started = std::time::Instant::now();
        let err = TokenCache::file(&path)
            .with_lock_timeout(std::time::Duration::from_millis(300))
            .lock()
            .await
            .unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let msg = err.to_string();
        assert!(msg.contains("cache.json.lock"), "{msg}");
        assert!(
            msg.contains(&format!("held by process {}", std::process::id())),
            "{msg}"
        );
        drop(held);
    }

    #[tokio::test]
    async fn unwritable_location_is_found_before_sign_in() {
        let dir = private_dir();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        let err = TokenCache::file(file.join("cache.json"))
            .check_writable()
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("cannot create the directory"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn newer_schema_is_refused_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        std::fs::write(&path, br#"{"printjob_schema_version": 99}"#).unwrap();
        let err = TokenCache::file(&path).lock().await.unwrap_err();
        assert!(err.to_string().contains("newer printjob"), "{err}");
    }

    /// Stores an access token `at` for the test account through `cache`'s lock, as another
    /// process would.
    /// Stores a token under the lock; returns what the cache said about the document it read.
    async fn write_token(cache: &TokenCache, at: &str) -> Vec<String> {
        let mut guard = cache.lock().await.unwrap();
        guard
            .data_mut()
            .store(&scope(), &token_set(at, Some("rt"), 3600), 0, None);
        guard.save().await.unwrap();
        guard.notices().to_vec()
    }

    fn access_secret(data: &CacheData) -> String {
        let entry = data.access_tokens.values().next().unwrap();
        entry.secret.secret().to_owned()
    }

    /// Moves the file's modification time a minute back, out of the racy window.
    fn age(path: &Path) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        file.set_modified(old).unwrap();
    }

    #[tokio::test]
    async fn unchanged_file_is_not_parsed_again_and_another_writer_is_seen_at_once() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        let (ours, theirs) = (TokenCache::file(&path), TokenCache::file(&path));
        write_token(&theirs, "at-one").await;
        age(&path);
        assert_eq!(access_secret(&ours.read().await.unwrap()), "at-one");
        assert_eq!(access_secret(&ours.read().await.unwrap()), "at-one");
        assert_eq!(
            ours.parses(),
            1,
            "an unchanged, settled file is parsed once"
        );
        // Another writer (a second credential on the same file), same size, at once.
        write_token(&theirs, "at-two").await;
        assert_eq!(access_secret(&ours.read().await.unwrap()), "at-two");
        assert_eq!(ours.parses(), 2);
        // Within the racy window the bytes are compared, not parsed again.
        assert_eq!(access_secret(&ours.read().await.unwrap()), "at-two");
        assert_eq!(ours.parses(), 2);
        // Removed: read as empty, at once.
        std::fs::remove_file(&path).unwrap();
        assert!(ours.read().await.unwrap().access_tokens.is_empty());
    }

    #[tokio::test]
    async fn rewrite_in_place_with_the_old_size_and_modification_time_is_seen() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        let cache = TokenCache::file(&path);
        write_token(&cache, "at-one").await;
        age(&path);
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        assert_eq!(access_secret(&cache.read().await.unwrap()), "at-one");
        // Past the timestamp tick of the last status change (coarse on some kernels).
        std::thread::sleep(std::time::Duration::from_millis(50));
        // A writer in place (msal-extensions writes so) that puts the old mtime back: same
        // device, inode, size and mtime; only the status-change time tells.
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("at-one", "at-two");
        std::fs::write(&path, text).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(modified).unwrap();
        assert_eq!(access_secret(&cache.read().await.unwrap()), "at-two");
    }

    #[test]
    fn cache_store_setting_parses_its_values_and_aliases() {
        assert_eq!(CacheStore::parse("auto"), Some(CacheStore::Auto));
        assert_eq!(
            CacheStore::parse(" Secret-Service "),
            Some(CacheStore::SecretStore)
        );
        assert_eq!(CacheStore::parse("keyring"), Some(CacheStore::SecretStore));
        assert_eq!(CacheStore::parse("FILE"), Some(CacheStore::File));
        assert_eq!(CacheStore::parse("vault"), None);
        assert_eq!(CacheStore::default(), CacheStore::Auto);
        for store in [CacheStore::Auto, CacheStore::SecretStore, CacheStore::File] {
            assert_eq!(CacheStore::parse(store.as_str()), Some(store));
        }
    }

    #[tokio::test]
    async fn file_store_setting_is_the_plain_file_without_asking_any_secret_store() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        let cache = TokenCache::with_store(&path, CacheStore::File);
        assert_eq!(
            cache.location().await.unwrap(),
            CacheLocation::File {
                path: path.clone(),
                fallback: None
            }
        );
        let notices = write_token(&cache, "at-file").await;
        assert!(path.is_file());
        assert!(!marker_path(&path).exists());
        assert!(notices.is_empty(), "{notices:?}");
    }

    #[test]
    fn moving_a_file_in_adds_its_entries_and_keeps_the_stored_ones() {
        let mut stored = CacheData::default();
        stored.store(
            &scope(),
            &token_set("at-stored", Some("rt-stored"), 3600),
            1000,
            None,
        );
        let mut file = CacheData::default();
        let other = CacheScope {
            client_id: "Client-2".into(),
            ..scope()
        };
        file.store(
            &scope(),
            &token_set("at-file", Some("rt-file"), 3600),
            900,
            None,
        );
        file.store(
            &other,
            &token_set("at-other", Some("rt-other"), 3600),
            900,
            None,
        );
        stored.absorb(file);
        let secrets: Vec<&str> = stored
            .refresh_tokens
            .values()
            .map(|e| e.secret.secret())
            .collect();
        assert!(secrets.contains(&"rt-stored") && secrets.contains(&"rt-other"));
        assert!(!secrets.contains(&"rt-file"), "the stored entry wins");
    }

    #[test]
    fn a_document_after_the_last_sign_out_holds_no_credentials() {
        let mut data = CacheData::default();
        assert!(data.holds_no_credentials());
        let account = data.store(&scope(), &token_set("at", Some("rt"), 3600), 1000, None);
        assert!(!data.holds_no_credentials());
        data.remove_account(&account);
        assert!(
            data.holds_no_credentials(),
            "app metadata alone is no credential"
        );
    }

    #[test]
    fn change_marker_gets_a_new_file_and_value_on_every_write_and_no_secret() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        touch_marker(&path).unwrap();
        let marker = marker_path(&path);
        assert_eq!(marker, dir.path().join("cache.json.changed"));
        let first = std::fs::read(&marker).unwrap();
        let first_stamp = FileStamp::of(&std::fs::metadata(&marker).unwrap());
        touch_marker(&path).unwrap();
        let second = std::fs::read(&marker).unwrap();
        assert_ne!(first, second);
        assert_ne!(
            first_stamp,
            FileStamp::of(&std::fs::metadata(&marker).unwrap())
        );
        assert_eq!(second.len(), 32, "a random value, nothing else");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&marker).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_moved_file_is_zeroed_and_removed_and_a_symlink_is_not_followed() {
        let dir = private_dir();
        let path = dir.path().join("cache.json");
        std::fs::write(&path, b"{\"secret\": \"rt\"}").unwrap();
        remove_zeroed(&path).unwrap();
        assert!(!path.exists());
        #[cfg(unix)]
        {
            let target = dir.path().join("elsewhere");
            std::fs::write(&target, b"keep").unwrap();
            std::os::unix::fs::symlink(&target, &path).unwrap();
            remove_zeroed(&path).unwrap();
            assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        }
    }
}
