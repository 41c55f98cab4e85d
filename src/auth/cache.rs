//! The token cache, in MSAL's unified token cache layout.
//!
//! Sections `AccessToken`, `RefreshToken`, `IdToken`, `Account` and `AppMetadata`, keyed as MSAL
//! keys them (`{home_account_id}-{environment}-{credential_type}-{client_id}-{realm}-{target}`,
//! lower-cased), plus `printjob_schema_version`. The file is created `0600` on Unix, written
//! atomically (temporary file in the same directory, fsync, rename, fsync of the directory),
//! and guarded by an exclusive lock on a sidecar `.lock` file that callers hold across
//! read-refresh-write, so concurrent processes never lose a rotated refresh token. A file that
//! is not valid JSON is renamed aside (`….corrupt-<unix time>`) and reported, never overwritten.
//! See `docs/token-cache.md`.

use super::token::TokenSet;
use super::AuthError;
use crate::ids::Scope;
use crate::secret::{AccessToken, IdToken, RefreshToken};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The schema version printjob writes (`printjob_schema_version`).
pub const SCHEMA_VERSION: u32 = 1;
/// Access tokens are treated as expired this many seconds before they expire.
pub const EXPIRY_MARGIN_SECS: i64 = 300;
/// The `home_account_id` used when the provider tells nothing about the user (no `client_info`,
/// no ID token, an opaque access token).
pub const UNKNOWN_ACCOUNT: &str = "unknown-account";

/// An `AccessToken` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenEntry {
    /// Always `AccessToken`.
    pub credential_type: String,
    /// The token.
    pub secret: AccessToken,
    /// `uid.utid` (object id . tenant id).
    pub home_account_id: String,
    /// The authority host.
    pub environment: String,
    /// The application (client) id.
    pub client_id: String,
    /// The tenant the token was issued in.
    pub realm: String,
    /// The granted scopes, sorted, space separated.
    pub target: String,
    /// `Bearer`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Unix seconds, as a string (MSAL's schema).
    pub cached_at: String,
    /// Unix seconds, as a string.
    pub expires_on: String,
    /// Unix seconds, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_expires_on: Option<String>,
    /// When to refresh (from `refresh_in`), Unix seconds as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_on: Option<String>,
}

fn bearer() -> String {
    "Bearer".into()
}

/// A `RefreshToken` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshTokenEntry {
    /// Always `RefreshToken`.
    pub credential_type: String,
    /// The token.
    pub secret: RefreshToken,
    /// `uid.utid`.
    pub home_account_id: String,
    /// The authority host.
    pub environment: String,
    /// The application (client) id.
    pub client_id: String,
    /// The scopes it was issued with.
    #[serde(default)]
    pub target: String,
    /// Unix seconds, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modification_time: Option<String>,
}

/// An `IdToken` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenEntry {
    /// Always `IdToken`.
    pub credential_type: String,
    /// The token.
    pub secret: IdToken,
    /// `uid.utid`.
    pub home_account_id: String,
    /// The authority host.
    pub environment: String,
    /// The tenant.
    pub realm: String,
    /// The application (client) id.
    pub client_id: String,
}

/// An `Account` entry: a signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEntry {
    /// `uid.utid`.
    pub home_account_id: String,
    /// The authority host.
    pub environment: String,
    /// The tenant.
    pub realm: String,
    /// The user's object id.
    #[serde(default)]
    pub local_account_id: String,
    /// The sign-in name (`preferred_username`), or empty.
    #[serde(default)]
    pub username: String,
    /// `MSSTS`.
    #[serde(default = "mssts")]
    pub authority_type: String,
    /// The grant that created it (`authorization_code`, device code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_source: Option<String>,
}

fn mssts() -> String {
    "MSSTS".into()
}

/// An `AppMetadata` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppMetadataEntry {
    /// The application (client) id.
    pub client_id: String,
    /// The authority host.
    pub environment: String,
}

/// The whole cache document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheData {
    /// Access tokens by MSAL key.
    #[serde(rename = "AccessToken", default)]
    pub access_tokens: BTreeMap<String, AccessTokenEntry>,
    /// Refresh tokens by MSAL key.
    #[serde(rename = "RefreshToken", default)]
    pub refresh_tokens: BTreeMap<String, RefreshTokenEntry>,
    /// ID tokens by MSAL key.
    #[serde(rename = "IdToken", default)]
    pub id_tokens: BTreeMap<String, IdTokenEntry>,
    /// Accounts by MSAL key.
    #[serde(rename = "Account", default)]
    pub accounts: BTreeMap<String, AccountEntry>,
    /// App metadata by MSAL key.
    #[serde(rename = "AppMetadata", default)]
    pub app_metadata: BTreeMap<String, AppMetadataEntry>,
    /// printjob's schema version of this document.
    #[serde(default)]
    pub printjob_schema_version: u32,
}

impl Default for CacheData {
    fn default() -> Self {
        Self {
            access_tokens: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            id_tokens: BTreeMap::new(),
            accounts: BTreeMap::new(),
            app_metadata: BTreeMap::new(),
            printjob_schema_version: SCHEMA_VERSION,
        }
    }
}

/// MSAL's access token key.
pub fn access_token_key(home: &str, env: &str, client: &str, realm: &str, target: &str) -> String {
    format!("{home}-{env}-accesstoken-{client}-{realm}-{target}").to_lowercase()
}

/// MSAL's refresh token key (the realm is empty: refresh tokens are cross-tenant).
pub fn refresh_token_key(home: &str, env: &str, client: &str, target: &str) -> String {
    format!("{home}-{env}-refreshtoken-{client}--{target}").to_lowercase()
}

/// MSAL's ID token key (the target is empty).
pub fn id_token_key(home: &str, env: &str, client: &str, realm: &str) -> String {
    format!("{home}-{env}-idtoken-{client}-{realm}-").to_lowercase()
}

/// MSAL's account key.
pub fn account_key(home: &str, env: &str, realm: &str) -> String {
    format!("{home}-{env}-{realm}").to_lowercase()
}

/// MSAL's app metadata key.
pub fn app_metadata_key(env: &str, client: &str) -> String {
    format!("appmetadata-{env}-{client}")
}

/// The cache `target` of a scope set: non-OpenID scopes, sorted, space separated.
pub fn target_of(scopes: &[Scope]) -> String {
    let mut names: Vec<&str> = scopes
        .iter()
        .filter(|s| !s.is_oidc())
        .map(Scope::as_str)
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}

fn target_covers(target: &str, requested: &[Scope]) -> bool {
    let have: Vec<String> = target
        .split_whitespace()
        .map(|s| crate::ids::strip_graph_resource(s).to_ascii_lowercase())
        .collect();
    requested
        .iter()
        .filter(|s| !s.is_oidc())
        .all(|s| have.contains(&s.short().to_ascii_lowercase()))
}

/// Where tokens are stored for one provider and client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheScope {
    /// The authority host (`login.microsoftonline.com`).
    pub environment: String,
    /// The application (client) id.
    pub client_id: String,
    /// The configured tenant, used as realm when the tokens do not name one.
    pub tenant: String,
}

/// Claims read from an ID token (or access token) to name the account.
#[derive(Debug, Default, Deserialize)]
struct IdentityClaims {
    #[serde(default)]
    oid: Option<String>,
    #[serde(default)]
    tid: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    upn: Option<String>,
}

fn read_identity(jwt: &str) -> Option<IdentityClaims> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[derive(Deserialize)]
struct ClientInfo {
    uid: String,
    utid: String,
}

fn client_info_home(client_info: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(client_info.trim_end_matches('='))
        .ok()?;
    let info: ClientInfo = serde_json::from_slice(&bytes).ok()?;
    Some(format!("{}.{}", info.uid, info.utid))
}

/// Who a token response is for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    home_account_id: String,
    realm: String,
    local_account_id: String,
    username: String,
}

fn identity_of(set: &TokenSet, fallback_realm: &str) -> Identity {
    let claims = set
        .id_token
        .as_ref()
        .and_then(|t| read_identity(t.secret()))
        .or_else(|| read_identity(set.access_token.secret()))
        .unwrap_or_default();
    let from_claims = match (&claims.oid, &claims.tid) {
        (Some(oid), Some(tid)) => Some(format!("{oid}.{tid}")),
        _ => claims.sub.clone(),
    };
    let home = set
        .client_info
        .as_deref()
        .and_then(client_info_home)
        .or(from_claims)
        .unwrap_or_else(|| UNKNOWN_ACCOUNT.to_owned());
    Identity {
        realm: claims
            .tid
            .clone()
            .unwrap_or_else(|| fallback_realm.to_owned()),
        local_account_id: claims.oid.or(claims.sub).unwrap_or_default(),
        username: claims.preferred_username.or(claims.upn).unwrap_or_default(),
        home_account_id: home,
    }
}

fn parse_time(s: &str) -> i64 {
    s.trim().parse().unwrap_or(0)
}

impl CacheData {
    /// Stores a token response; returns the account it belongs to.
    pub fn store(
        &mut self,
        scope: &CacheScope,
        set: &TokenSet,
        now: i64,
        grant_type: Option<&str>,
    ) -> AccountEntry {
        let who = identity_of(set, &scope.tenant);
        let (env, client) = (scope.environment.as_str(), scope.client_id.as_str());
        let home = who.home_account_id.as_str();
        let target = target_of(&set.scopes);
        self.purge_expired(now);
        let expires_on = set
            .expires_in
            .map(|s| now + s as i64)
            .or(set.jwt_expires_on)
            .unwrap_or(now + 600);
        let at = AccessTokenEntry {
            credential_type: "AccessToken".into(),
            secret: set.access_token.clone(),
            home_account_id: home.into(),
            environment: env.into(),
            client_id: client.into(),
            realm: who.realm.clone(),
            target: target.clone(),
            token_type: set.token_type.clone(),
            cached_at: now.to_string(),
            expires_on: expires_on.to_string(),
            extended_expires_on: set.ext_expires_in.map(|s| (now + s as i64).to_string()),
            refresh_on: set.refresh_in.map(|s| (now + s as i64).to_string()),
        };
        self.access_tokens
            .insert(access_token_key(home, env, client, &who.realm, &target), at);
        if let Some(rt) = &set.refresh_token {
            self.refresh_tokens.retain(|_, e| {
                !(e.home_account_id == home && e.environment == env && e.client_id == client)
            });
            self.refresh_tokens.insert(
                refresh_token_key(home, env, client, &target),
                RefreshTokenEntry {
                    credential_type: "RefreshToken".into(),
                    secret: rt.clone(),
                    home_account_id: home.into(),
                    environment: env.into(),
                    client_id: client.into(),
                    target: target.clone(),
                    last_modification_time: Some(now.to_string()),
                },
            );
        }
        if let Some(id) = &set.id_token {
            self.id_tokens.insert(
                id_token_key(home, env, client, &who.realm),
                IdTokenEntry {
                    credential_type: "IdToken".into(),
                    secret: id.clone(),
                    home_account_id: home.into(),
                    environment: env.into(),
                    realm: who.realm.clone(),
                    client_id: client.into(),
                },
            );
        }
        let key = account_key(home, env, &who.realm);
        let previous_source = self
            .accounts
            .get(&key)
            .and_then(|a| a.account_source.clone());
        let account = AccountEntry {
            home_account_id: home.into(),
            environment: env.into(),
            realm: who.realm,
            local_account_id: who.local_account_id,
            username: who.username,
            authority_type: mssts(),
            account_source: grant_type.map(str::to_owned).or(previous_source),
        };
        self.accounts.insert(key, account.clone());
        self.app_metadata.insert(
            app_metadata_key(env, client),
            AppMetadataEntry {
                client_id: client.into(),
                environment: env.into(),
            },
        );
        self.printjob_schema_version = SCHEMA_VERSION;
        account
    }

    /// Drops access tokens that have expired.
    pub fn purge_expired(&mut self, now: i64) {
        self.access_tokens
            .retain(|_, e| parse_time(&e.expires_on) > now);
    }

    /// Accounts of this environment that hold a token for this client, most recently
    /// refreshed first.
    pub fn accounts(&self, scope: &CacheScope) -> Vec<AccountEntry> {
        let mut found: Vec<(i64, AccountEntry)> = self
            .accounts
            .values()
            .filter(|a| a.environment.eq_ignore_ascii_case(&scope.environment))
            .filter(|a| self.has_credentials(a, scope))
            .map(|a| (self.last_refresh(a, scope), a.clone()))
            .collect();
        found.sort_by_key(|x| std::cmp::Reverse(x.0));
        found.into_iter().map(|(_, a)| a).collect()
    }

    fn has_credentials(&self, account: &AccountEntry, scope: &CacheScope) -> bool {
        let ours = |home: &str, env: &str, client: &str| {
            home == account.home_account_id
                && env == account.environment
                && client == scope.client_id
        };
        self.refresh_tokens
            .values()
            .any(|e| ours(&e.home_account_id, &e.environment, &e.client_id))
            || self
                .access_tokens
                .values()
                .any(|e| ours(&e.home_account_id, &e.environment, &e.client_id))
    }

    fn last_refresh(&self, account: &AccountEntry, scope: &CacheScope) -> i64 {
        self.refresh_token(account, scope)
            .and_then(|e| e.last_modification_time.as_deref().map(parse_time))
            .unwrap_or(0)
    }

    /// A usable access token covering `requested`: not within [`EXPIRY_MARGIN_SECS`] of its
    /// expiry and not past its `refresh_on`.
    pub fn access_token(
        &self,
        account: &AccountEntry,
        scope: &CacheScope,
        requested: &[Scope],
        now: i64,
    ) -> Option<&AccessTokenEntry> {
        self.access_tokens.values().find(|e| {
            e.home_account_id == account.home_account_id
                && e.environment == account.environment
                && e.client_id == scope.client_id
                && e.realm == account.realm
                && target_covers(&e.target, requested)
                && parse_time(&e.expires_on) - EXPIRY_MARGIN_SECS > now
                && e.refresh_on.as_deref().is_none_or(|r| parse_time(r) > now)
        })
    }

    /// A cached access token covering `requested` that is not within [`EXPIRY_MARGIN_SECS`] of
    /// its expiry, whether or not its `refresh_on` has passed (MSAL returns such a token when
    /// the early refresh fails).
    pub fn access_token_ignoring_refresh_on(
        &self,
        account: &AccountEntry,
        scope: &CacheScope,
        requested: &[Scope],
        now: i64,
    ) -> Option<&AccessTokenEntry> {
        self.access_tokens.values().find(|e| {
            e.home_account_id == account.home_account_id
                && e.environment == account.environment
                && e.client_id == scope.client_id
                && e.realm == account.realm
                && target_covers(&e.target, requested)
                && parse_time(&e.expires_on) - EXPIRY_MARGIN_SECS > now
        })
    }

    /// The account's ID token for this client.
    pub fn id_token(&self, account: &AccountEntry, scope: &CacheScope) -> Option<&IdTokenEntry> {
        self.id_tokens.values().find(|e| {
            e.home_account_id == account.home_account_id
                && e.environment == account.environment
                && e.client_id == scope.client_id
                && e.realm == account.realm
        })
    }

    /// The account's refresh token for this client.
    pub fn refresh_token(
        &self,
        account: &AccountEntry,
        scope: &CacheScope,
    ) -> Option<&RefreshTokenEntry> {
        self.refresh_tokens.values().find(|e| {
            e.home_account_id == account.home_account_id
                && e.environment == account.environment
                && e.client_id == scope.client_id
        })
    }

    /// Removes an account and every credential it holds in that environment.
    pub fn remove_account(&mut self, account: &AccountEntry) {
        let (home, env) = (&account.home_account_id, &account.environment);
        self.access_tokens
            .retain(|_, e| !(&e.home_account_id == home && &e.environment == env));
        self.refresh_tokens
            .retain(|_, e| !(&e.home_account_id == home && &e.environment == env));
        self.id_tokens
            .retain(|_, e| !(&e.home_account_id == home && &e.environment == env));
        self.accounts
            .retain(|_, a| !(&a.home_account_id == home && &a.environment == env));
    }
}

/// Reports about the cache the caller should pass on to the user (a file set aside).
pub type CacheNotices = Arc<std::sync::Mutex<Vec<String>>>;

#[derive(Debug, Clone)]
enum Location {
    File(PathBuf),
    Memory(Arc<tokio::sync::Mutex<CacheData>>),
}

/// A token cache: a file (shared between processes) or memory (this process only).
#[derive(Debug, Clone)]
pub struct TokenCache {
    location: Location,
    notices: CacheNotices,
}

impl TokenCache {
    /// A cache in this file (created on first write, with its directory).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self {
            location: Location::File(path.into()),
            notices: CacheNotices::default(),
        }
    }

    /// A cache that lives as long as this value (and its clones).
    pub fn in_memory() -> Self {
        Self {
            location: Location::Memory(Arc::default()),
            notices: CacheNotices::default(),
        }
    }

    /// The file, for a file cache.
    pub fn path(&self) -> Option<&Path> {
        match &self.location {
            Location::File(p) => Some(p),
            Location::Memory(_) => None,
        }
    }

    /// Takes the reports gathered so far (e.g. a corrupt file that was set aside).
    pub fn take_notices(&self) -> Vec<String> {
        self.notices
            .lock()
            .map(|mut n| std::mem::take(&mut *n))
            .unwrap_or_default()
    }

    /// A snapshot without taking the lock (writes are atomic, so it is always a whole
    /// document). A corrupt or missing file reads as empty; [`TokenCache::lock`] deals with it.
    pub async fn read(&self) -> Result<CacheData, AuthError> {
        match &self.location {
            Location::Memory(m) => Ok(m.lock().await.clone()),
            Location::File(path) => {
                let path = path.clone();
                blocking(move || match std::fs::read(&path) {
                    Ok(bytes) => Ok(parse(&bytes).unwrap_or_default()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(CacheData::default()),
                    Err(e) => Err(io_error("read", &path, &e)),
                })
                .await
            }
        }
    }

    /// Takes the exclusive lock (waiting for other processes) and reads the current document.
    /// Hold the guard across read-refresh-write; [`CacheGuard::save`] writes it back.
    pub async fn lock(&self) -> Result<CacheGuard, AuthError> {
        match &self.location {
            Location::Memory(m) => {
                let guard = m.clone().lock_owned().await;
                Ok(CacheGuard {
                    data: guard.clone(),
                    held: Held::Memory(guard),
                })
            }
            Location::File(path) => {
                let path = path.clone();
                let notices = self.notices.clone();
                blocking(move || lock_file(&path, &notices)).await
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AuthError::Cache(format!("the token cache task failed: {e}")))?
}

fn io_error(action: &str, path: &Path, e: &std::io::Error) -> AuthError {
    AuthError::Cache(format!(
        "cannot {action} the token cache {}: {e}; check its permissions or set PRINTJOB_CACHE to another file",
        path.display()
    ))
}

fn parse(bytes: &[u8]) -> Result<CacheData, serde_json::Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(CacheData::default());
    }
    serde_json::from_slice(bytes)
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

fn ensure_dir(path: &Path) -> Result<(), AuthError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| io_error("create the directory of", path, &e))
}

fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn lock_file(path: &Path, notices: &CacheNotices) -> Result<CacheGuard, AuthError> {
    ensure_dir(path)?;
    let lock =
        open_private(&lock_path(path)).map_err(|e| io_error("open the lock file of", path, &e))?;
    fs4::fs_std::FileExt::lock_exclusive(&lock).map_err(|e| io_error("lock", path, &e))?;
    let data = match std::fs::read(path) {
        Ok(bytes) => match parse(&bytes) {
            Ok(data) => data,
            Err(e) => set_aside(path, &e, notices)?,
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => CacheData::default(),
        Err(e) => return Err(io_error("read", path, &e)),
    };
    if data.printjob_schema_version > SCHEMA_VERSION {
        return Err(AuthError::Cache(format!(
            "the token cache {} was written by a newer printjob (schema {}); upgrade printjob or set PRINTJOB_CACHE to another file",
            path.display(),
            data.printjob_schema_version
        )));
    }
    Ok(CacheGuard {
        data,
        held: Held::File {
            path: path.to_owned(),
            _lock: lock,
        },
    })
}

fn set_aside(
    path: &Path,
    error: &serde_json::Error,
    notices: &CacheNotices,
) -> Result<CacheData, AuthError> {
    let stamp = crate::clock::Clock::unix_now(&crate::clock::SystemClock);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".corrupt-{stamp}"));
    let aside = path.with_file_name(name);
    std::fs::rename(path, &aside).map_err(|e| io_error("set aside the unreadable", path, &e))?;
    let message = format!(
        "the token cache {} was not valid JSON ({} at line {}); it was moved to {} and you may need to sign in again",
        path.display(),
        describe(error),
        error.line(),
        aside.display()
    );
    tracing::warn!("{message}");
    if let Ok(mut n) = notices.lock() {
        n.push(message);
    }
    Ok(CacheData::default())
}

fn describe(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io => "an I/O error",
        serde_json::error::Category::Syntax => "a syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "it ends early",
    }
}

/// Writes `data` to `path` atomically: a temporary file in the same directory (0600), fsync,
/// rename over the old file, fsync of the directory.
pub fn write_atomically(path: &Path, data: &CacheData) -> Result<(), AuthError> {
    ensure_dir(path)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let text = serde_json::to_vec_pretty(data)
        .map_err(|e| AuthError::Cache(format!("cannot encode the token cache: {e}")))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".token_cache")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_error("create a temporary file next to", path, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io_error("set permissions on", path, &e))?;
    }
    temp.write_all(&text)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| io_error("write", path, &e))?;
    temp.persist(path)
        .map_err(|e| io_error("replace", path, &e.error))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

enum Held {
    File { path: PathBuf, _lock: std::fs::File },
    Memory(tokio::sync::OwnedMutexGuard<CacheData>),
}

/// The locked cache: read it, change it, [`save`](CacheGuard::save) it; dropping it releases
/// the lock.
pub struct CacheGuard {
    data: CacheData,
    held: Held,
}

impl std::fmt::Debug for CacheGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheGuard")
            .field("accounts", &self.data.accounts.len())
            .finish_non_exhaustive()
    }
}

impl CacheGuard {
    /// The document as read under the lock.
    pub fn data(&self) -> &CacheData {
        &self.data
    }

    /// The document, to change.
    pub fn data_mut(&mut self) -> &mut CacheData {
        &mut self.data
    }

    /// Writes the document back (atomically, for a file).
    pub async fn save(&mut self) -> Result<(), AuthError> {
        match &mut self.held {
            Held::Memory(guard) => {
                **guard = self.data.clone();
                Ok(())
            }
            Held::File { path, .. } => {
                let (path, data) = (path.clone(), self.data.clone());
                blocking(move || write_atomically(&path, &data)).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::auth::claims::test_support::unsigned_jwt as jwt;

    fn scope() -> CacheScope {
        CacheScope {
            environment: "login.microsoftonline.com".into(),
            client_id: "Client-1".into(),
            tenant: "organizations".into(),
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
                "oid1.tid1-login.microsoftonline.com-accesstoken-client-1-tid1-printjob.readwritebasic user.read",
                "oid1.tid1-login.microsoftonline.com-refreshtoken-client-1--printjob.readwritebasic user.read",
                "oid1.tid1-login.microsoftonline.com-idtoken-client-1-tid1-",
                "oid1.tid1-login.microsoftonline.com-tid1",
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
        let notices = cache.take_notices();
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

    #[tokio::test]
    async fn newer_schema_is_refused_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        std::fs::write(&path, br#"{"printjob_schema_version": 99}"#).unwrap();
        let err = TokenCache::file(&path).lock().await.unwrap_err();
        assert!(err.to_string().contains("newer printjob"), "{err}");
    }
}
