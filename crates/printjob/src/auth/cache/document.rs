//! The token cache document, as MSAL shapes it (msal-python's `token_cache.py`): sections
//! `AccessToken`, `RefreshToken`, `IdToken`, `Account` and `AppMetadata`, keyed as MSAL keys them
//! (`{home_account_id}-{environment}-{credential_type}-{client_id}-{realm}-{target}`,
//! lower-cased), plus `printjob_schema_version`; the queries the credential asks of it; and the
//! lenient reading that keeps what it can and counts what it skips. It knows nothing of where
//! the document is kept (see `file.rs`, `secret_store.rs`).

use crate::auth::jwt::read_payload;
use crate::auth::token::TokenSet;
use crate::ids::Scope;
use crate::secret::{AccessToken, IdToken, RefreshToken};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// The Microsoft Graph resource the token was requested for (`https://graph.microsoft.us`),
    /// written by printjob (MSAL writes no such field and keeps it when it rewrites the entry);
    /// see [`AccessTokenEntry::graph_resource`].
    #[serde(
        rename = "printjob_graph_resource",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub graph_resource: Option<String>,
    /// Fields printjob does not use (written by MSAL or a newer printjob), kept as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl AccessTokenEntry {
    /// Which Graph this token is for: the resource printjob recorded with it; else the resource
    /// its target's qualified scope names carry (`https://dod-graph.microsoft.us/PrintJob.…`:
    /// what a provider returns, and MSAL stores, for a resource that short names do not mean);
    /// else `short_names`, the resource a short scope name means at the sign-in host. Two
    /// clouds that share a sign-in host (`usgov`, `usgov-dod`) share `environment` and `realm`,
    /// so this, not the MSAL key, is what keeps one Graph's token from being sent to another.
    pub fn graph_resource<'a>(&'a self, short_names: &'a str) -> &'a str {
        if let Some(recorded) = self.graph_resource.as_deref() {
            return recorded;
        }
        self.target
            .split_whitespace()
            .find_map(qualified_graph_resource)
            .unwrap_or(short_names)
    }

    /// Whether this token is for `graph`'s resource.
    pub fn is_for(&self, graph: &GraphResource) -> bool {
        same_resource(self.graph_resource(&graph.short_names), &graph.resource)
    }
}

/// `https://host` of a scope qualified with a Microsoft Graph resource (`https://host/Name`).
pub(super) fn qualified_graph_resource(word: &str) -> Option<&str> {
    let short = crate::ids::strip_graph_resource(word);
    if short.len() == word.len() {
        return None;
    }
    word.get(..word.len() - short.len() - 1)
}

pub(super) fn same_resource(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

pub(super) fn bearer() -> String {
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
    /// Fields printjob does not use (written by MSAL or a newer printjob), kept as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
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
    /// Fields printjob does not use (written by MSAL or a newer printjob), kept as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
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
    /// Fields printjob does not use (written by MSAL or a newer printjob), kept as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

pub(super) fn mssts() -> String {
    "MSSTS".into()
}

/// An `AppMetadata` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppMetadataEntry {
    /// The application (client) id.
    pub client_id: String,
    /// The authority host.
    pub environment: String,
    /// Fields printjob does not use (written by MSAL or a newer printjob), kept as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
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
    /// printjob's schema version of this document (0: none, e.g. a cache written by MSAL).
    #[serde(default)]
    pub printjob_schema_version: u32,
    /// Top-level keys printjob does not use, kept as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
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
            extra: BTreeMap::new(),
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

pub(super) fn target_covers(target: &str, requested: &[Scope]) -> bool {
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
    /// The `realm` written with access tokens, ID tokens and accounts. MSAL writes the tenant
    /// segment of the token endpoint's path (msal-python `token_cache.py`: `canonicalize(
    /// event["token_endpoint"])`), e.g. `organizations`; see `realm_of_token_endpoint`.
    pub tenant: String,
    /// Which Microsoft Graph the access tokens are for: an access token of another Graph
    /// (another cloud at the same sign-in host) is never served.
    pub graph: GraphResource,
}

/// Which Microsoft Graph a credential's access tokens are for (from the configured cloud,
/// never from the Graph URL's host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphResource {
    /// The Graph resource the tokens are requested for (`https://dod-graph.microsoft.us`).
    pub resource: String,
    /// The resource a short scope name means at the sign-in host (`https://graph.microsoft.us`
    /// at `login.microsoftonline.us`): a cached token that records no resource and whose target
    /// holds only short names is taken to be for it.
    pub short_names: String,
}

impl GraphResource {
    /// Tokens for `resource`, where short scope names mean `short_names`.
    pub fn new(resource: impl Into<String>, short_names: impl Into<String>) -> Self {
        Self {
            resource: resource.into(),
            short_names: short_names.into(),
        }
    }
}

impl Default for GraphResource {
    /// The global Graph (`Cloud::Public`; config.rs's tests check the two agree).
    fn default() -> Self {
        Self::new("https://graph.microsoft.com", "https://graph.microsoft.com")
    }
}

/// Claims read from an ID token (or access token) to name the account.
#[derive(Debug, Default, Deserialize)]
pub(super) struct IdentityClaims {
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

#[derive(Deserialize)]
pub(super) struct ClientInfo {
    uid: String,
    utid: String,
}

pub(super) fn client_info_home(client_info: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(client_info.trim_end_matches('='))
        .ok()?;
    let info: ClientInfo = serde_json::from_slice(&bytes).ok()?;
    Some(format!("{}.{}", info.uid, info.utid))
}

/// Who a token response is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    home_account_id: String,
    realm: String,
    local_account_id: String,
    username: String,
}

/// The realm MSAL writes for tokens from this token endpoint: the first segment of its path
/// (`https://login.microsoftonline.com/organizations/oauth2/v2.0/token` → `organizations`);
/// `fallback` when the path has none.
pub fn realm_of_token_endpoint(token_endpoint: &url::Url, fallback: &str) -> String {
    token_endpoint
        .path_segments()
        .and_then(|mut s| s.next())
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_else(|| fallback.to_owned())
}

pub(super) fn identity_of(set: &TokenSet, realm: &str) -> Identity {
    let claims = set
        .id_token
        .as_ref()
        .and_then(|t| read_payload::<IdentityClaims>(t.secret()))
        .or_else(|| read_payload::<IdentityClaims>(set.access_token.secret()))
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
        realm: realm.to_owned(),
        local_account_id: claims.oid.or(claims.sub).unwrap_or_default(),
        username: claims.preferred_username.or(claims.upn).unwrap_or_default(),
        home_account_id: home,
    }
}

pub(super) fn parse_time(s: &str) -> i64 {
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
            graph_resource: Some(scope.graph.resource.clone()),
            extra: BTreeMap::new(),
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
                    extra: BTreeMap::new(),
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
                    extra: BTreeMap::new(),
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
            extra: BTreeMap::new(),
        };
        self.accounts.insert(key, account.clone());
        self.app_metadata.insert(
            app_metadata_key(env, client),
            AppMetadataEntry {
                client_id: client.into(),
                environment: env.into(),
                extra: BTreeMap::new(),
            },
        );
        self.printjob_schema_version = SCHEMA_VERSION;
        account
    }

    /// Whether the document holds no token and no account (after the last sign-out).
    pub fn holds_no_credentials(&self) -> bool {
        self.access_tokens.is_empty()
            && self.refresh_tokens.is_empty()
            && self.id_tokens.is_empty()
            && self.accounts.is_empty()
    }

    /// Adds the entries of `other` this document does not have (its own win): how a plain
    /// cache file is moved into the secret store.
    pub fn absorb(&mut self, other: CacheData) {
        fn add<T>(into: &mut BTreeMap<String, T>, from: BTreeMap<String, T>) {
            for (key, value) in from {
                into.entry(key).or_insert(value);
            }
        }
        add(&mut self.access_tokens, other.access_tokens);
        add(&mut self.refresh_tokens, other.refresh_tokens);
        add(&mut self.id_tokens, other.id_tokens);
        add(&mut self.accounts, other.accounts);
        add(&mut self.app_metadata, other.app_metadata);
        add(&mut self.extra, other.extra);
        self.printjob_schema_version = SCHEMA_VERSION;
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
                && e.is_for(&scope.graph)
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
                && e.is_for(&scope.graph)
                && target_covers(&e.target, requested)
                && parse_time(&e.expires_on) - EXPIRY_MARGIN_SECS > now
        })
    }

    /// The account's access tokens for this client and Graph resource, each as (granted scopes,
    /// expiry in Unix seconds): the status view, so no caller reads the sections itself.
    pub fn access_token_scopes(
        &self,
        account: &AccountEntry,
        scope: &CacheScope,
    ) -> Vec<(Vec<Scope>, i64)> {
        self.access_tokens
            .values()
            .filter(|e| {
                e.home_account_id == account.home_account_id
                    && e.environment == account.environment
                    && e.client_id == scope.client_id
                    && e.is_for(&scope.graph)
            })
            .map(|e| {
                (
                    Scope::parse_list(&e.target),
                    e.expires_on.trim().parse().unwrap_or(0),
                )
            })
            .collect()
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

/// A document as loaded: what could be read, and how many entries of each section could not.
#[derive(Debug, Default)]
pub(super) struct Loaded {
    pub(super) data: CacheData,
    /// (section, entries skipped, first reason).
    pub(super) skipped: Vec<(String, usize, String)>,
}

impl Loaded {
    pub(super) fn skipped_message(&self) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let total: usize = self.skipped.iter().map(|(_, n, _)| n).sum();
        let parts: Vec<String> = self
            .skipped
            .iter()
            .map(|(section, n, why)| format!("{n} in {section}: {why}"))
            .collect();
        Some(format!(
            "{total} {} printjob cannot read ({})",
            if total == 1 { "entry" } else { "entries" },
            parts.join("; ")
        ))
    }
}

/// Reads a document entry by entry: an entry that does not have the shape of its section is
/// skipped (and counted), the rest kept; fields and sections printjob does not know (MSAL
/// writes several) are kept as they are. Fails only when the file is not a JSON object.
pub(super) fn parse(bytes: &[u8]) -> Result<Loaded, serde_json::Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Loaded::default());
    }
    let mut top: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(bytes)?;
    let mut loaded = Loaded {
        data: CacheData {
            printjob_schema_version: 0,
            ..CacheData::default()
        },
        skipped: Vec::new(),
    };
    let data = &mut loaded.data;
    let skipped = &mut loaded.skipped;
    section(&mut top, "AccessToken", &mut data.access_tokens, skipped);
    section(&mut top, "RefreshToken", &mut data.refresh_tokens, skipped);
    section(&mut top, "IdToken", &mut data.id_tokens, skipped);
    section(&mut top, "Account", &mut data.accounts, skipped);
    section(&mut top, "AppMetadata", &mut data.app_metadata, skipped);
    match top.remove("printjob_schema_version") {
        None => {}
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => data.printjob_schema_version = n,
            None => skipped.push(("printjob_schema_version".into(), 1, "not a number".into())),
        },
    }
    data.extra = top.into_iter().collect();
    Ok(loaded)
}

pub(super) fn section<T: serde::de::DeserializeOwned>(
    top: &mut serde_json::Map<String, serde_json::Value>,
    name: &str,
    into: &mut BTreeMap<String, T>,
    skipped: &mut Vec<(String, usize, String)>,
) {
    let Some(value) = top.remove(name) else {
        return;
    };
    let serde_json::Value::Object(entries) = value else {
        skipped.push((name.into(), 1, "the section is not a JSON object".into()));
        return;
    };
    let mut bad = 0;
    let mut first = None;
    for (key, entry) in entries {
        match serde_json::from_value::<T>(entry) {
            Ok(parsed) => {
                into.insert(key, parsed);
            }
            Err(e) => {
                bad += 1;
                // serde's message names the field, never the value (no secret in it).
                first.get_or_insert_with(|| e.to_string());
            }
        }
    }
    if bad > 0 {
        skipped.push((name.into(), bad, first.unwrap_or_default()));
    }
}
