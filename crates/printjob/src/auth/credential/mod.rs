//! `DelegatedCredential`: the one entry point library users call.
//!
//! `token(scopes)` works like MSAL's `acquire_token_silent` → `acquire_token_interactive`: a
//! fresh cached access token, else a refresh (under the cache's cross-process lock, re-reading
//! the cache after taking it), else an interactive sign-in in the browser (when allowed).

use super::authority::{self, Authority};
use super::cache::{
    realm_of_token_endpoint, AccountEntry, CacheData, CacheLocation, CacheScope, TokenCache,
};
use super::id_token::{ClockSkew, SignedInUser};
use super::options::SignInOptions;
use super::token::{needs_interaction, TokenClient, TokenSet};
use super::{AuthError, GrantedToken, TokenRequest, TokenSource};
use crate::ids::{ClientId, Scope, TenantId};
use crate::permissions::{acceptable_scopes, PURPOSE};
use futures::future::BoxFuture;
use std::sync::Arc;
use url::Url;

mod authorization_code;
mod device_code;
mod refresh;

/// The account's object id (`oid`, from the ID token), when the cache holds one that is a
/// GUID (a `sub` fallback is a pairwise id, not the object id Graph's `createdBy.id` carries).
fn user_id(account: &AccountEntry) -> Option<String> {
    Some(account.local_account_id.clone()).filter(|id| crate::ids::is_guid(id))
}

/// What `build()` checked and made: everything a credential needs but its discovery state.
pub(crate) struct Settings {
    pub(crate) tenant: TenantId,
    pub(crate) client_id: ClientId,
    pub(crate) authority_host: Url,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) cache: TokenCache,
    pub(crate) cache_scope: CacheScope,
    pub(crate) http: reqwest::Client,
    pub(crate) options: SignInOptions,
}

struct Inner {
    tenant: TenantId,
    client_id: ClientId,
    authority_host: Url,
    scopes: Vec<Scope>,
    cache: TokenCache,
    cache_scope: CacheScope,
    http: reqwest::Client,
    discovered: tokio::sync::OnceCell<Authority>,
    options: SignInOptions,
}

/// A signed-in account and what the cache holds for it (for `printjob status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStatus {
    /// The account.
    pub account: AccountEntry,
    /// Cached access tokens: (granted scopes, expiry in Unix seconds).
    pub access_tokens: Vec<(Vec<Scope>, i64)>,
    /// Whether a refresh token is cached (silent renewal possible).
    pub has_refresh_token: bool,
}

/// A delegated (user) credential for Microsoft Graph: cached token → silent refresh →
/// interactive sign-in in the browser.
///
/// ```no_run
/// use printjob::{DelegatedCredential, TokenRequest, TokenSource};
/// use printjob::Scope;
///
/// # async fn run() -> Result<(), printjob::Error> {
/// let cred = DelegatedCredential::builder()
///     .tenant("contoso.onmicrosoft.com")
///     .client_id("00000000-0000-0000-0000-000000000000")
///     .build()?;
/// let scopes = [Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC)?];
/// let token = cred.token(&scopes).await?; // cache, refresh, then the browser if needed
/// assert!(!token.access_token.secret().is_empty());
/// // Scripts that must never open a browser:
/// let silent = cred.token_silent(&scopes).await;
/// # let _ = silent;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DelegatedCredential {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DelegatedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DelegatedCredential")
            .field("tenant", &self.inner.tenant)
            .field("client_id", &self.inner.client_id)
            .field("authority", &self.inner.authority_host.as_str())
            .field("cache", &self.inner.cache.path())
            .finish_non_exhaustive()
    }
}

impl DelegatedCredential {
    /// The credential for checked settings (see `builder.rs`).
    pub(crate) fn new(settings: Settings) -> Self {
        let Settings {
            tenant,
            client_id,
            authority_host,
            scopes,
            cache,
            cache_scope,
            http,
            options,
        } = settings;
        Self {
            inner: Arc::new(Inner {
                tenant,
                client_id,
                authority_host,
                scopes,
                cache,
                cache_scope,
                http,
                discovered: tokio::sync::OnceCell::new(),
                options,
            }),
        }
    }

    /// The tenant in use.
    pub fn tenant(&self) -> &TenantId {
        &self.inner.tenant
    }

    /// The token cache file, if the cache is a file (or, for the secret store, the path that
    /// names its item, lock file and change marker).
    pub fn cache_path(&self) -> Option<&std::path::Path> {
        self.inner.cache.path()
    }

    /// Where the token cache is kept: the secret store or the file (for `auto`, the first
    /// call asks the secret store, a few seconds at most).
    pub async fn cache_location(&self) -> Result<CacheLocation, AuthError> {
        self.inner.cache.location().await
    }

    fn scopes_or_default(&self, scopes: &[Scope]) -> Vec<Scope> {
        if scopes.is_empty() {
            self.inner.scopes.clone()
        } else {
            scopes.to_vec()
        }
    }

    fn now(&self) -> i64 {
        self.inner.options.clock.unix_now()
    }

    /// The scopes as sent to the provider: for a cloud whose Graph short names do not mean
    /// (`usgov-dod`), each short Graph scope qualified with the cloud's Graph resource.
    fn wire_scopes(&self, scopes: &[Scope]) -> Vec<Scope> {
        let cloud = self.inner.options.cloud;
        if !cloud.qualifies_scopes() {
            return scopes.to_vec();
        }
        scopes
            .iter()
            .map(|s| {
                let qualify = !s.is_oidc() && s.short() == s.as_str();
                qualify
                    .then(|| Scope::new(format!("{}/{}", cloud.graph_resource(), s.as_str())).ok())
                    .flatten()
                    .unwrap_or_else(|| s.clone())
            })
            .collect()
    }

    /// A token for `scopes`: cached, refreshed, or (when allowed) by signing in in the browser.
    ///
    /// Asked for the default scope (the least privileged one serving the operation printjob
    /// signs in for, `PrintJob.ReadWriteBasic`, or nothing), any cached token carrying one of
    /// the scopes that serve that operation does (an administrator signed in with
    /// `PrintJob.ReadWriteBasic.All` is not asked for the Basic scope), as the Graph permission
    /// pages list them.
    pub async fn token(&self, scopes: &[Scope]) -> Result<GrantedToken, AuthError> {
        let mut request = TokenRequest::new(scopes.iter().cloned());
        let default_scope = PURPOSE.least_privileged();
        let asks_default = scopes.is_empty()
            || (scopes.len() == 1
                && default_scope
                    .as_ref()
                    .is_some_and(|d| scopes[0].as_str().eq_ignore_ascii_case(d.as_str())));
        if asks_default {
            request.acceptable = acceptable_scopes(PURPOSE);
        }
        self.acquire(&request, self.inner.options.allow_interactive)
            .await
    }

    /// A token for `scopes` from the cache or a refresh; never opens a browser. Fails with
    /// [`AuthError::InteractionRequired`] when the user has to sign in.
    pub async fn token_silent(&self, scopes: &[Scope]) -> Result<GrantedToken, AuthError> {
        self.acquire(&TokenRequest::new(scopes.iter().cloned()), false)
            .await
    }

    /// A token that satisfies a claims challenge (Continuous Access Evaluation): `claims` as a
    /// `WWW-Authenticate` header carries it (base64) or as JSON. The cached access token is
    /// bypassed; the refresh token is redeemed with the challenge (and `cp1`), and when the
    /// provider needs the user, the browser sign-in carries the challenge (if allowed).
    pub async fn token_with_claims(
        &self,
        scopes: &[Scope],
        claims: &str,
    ) -> Result<GrantedToken, AuthError> {
        let request = TokenRequest {
            scopes: scopes.to_vec(),
            force_refresh: true,
            claims: Some(claims.to_owned()),
            acceptable: Vec::new(),
        };
        self.acquire(&request, self.inner.options.allow_interactive)
            .await
    }

    async fn acquire(
        &self,
        request: &TokenRequest,
        interactive: bool,
    ) -> Result<GrantedToken, AuthError> {
        let scopes = self.scopes_or_default(&request.scopes);
        let decoded;
        let request = match &request.claims {
            Some(raw) => {
                decoded = TokenRequest {
                    claims: Some(super::cae::decode_claims_challenge(raw)?),
                    ..request.clone()
                };
                &decoded
            }
            None => request,
        };
        match self.silent(&scopes, request).await {
            Ok(token) => Ok(token),
            Err(e) if interactive && needs_interaction(&e) => {
                tracing::info!("silent sign-in failed ({e}); signing in interactively");
                self.interactive(&scopes, request.claims.as_deref()).await
            }
            Err(e) => Err(e),
        }
    }

    /// Passes what the cache said about its document on to the person.
    fn tell(&self, notices: &[String]) {
        for notice in notices {
            self.inner.options.ui.notice(notice);
        }
    }

    fn pick_account(&self, data: &CacheData) -> Result<AccountEntry, AuthError> {
        let accounts: Vec<AccountEntry> = data
            .accounts(&self.inner.cache_scope)
            .into_iter()
            .filter(|a| {
                !self.inner.tenant.is_guid()
                    || a.realm.eq_ignore_ascii_case(self.inner.tenant.as_str())
            })
            .collect();
        let chosen = match &self.inner.options.login_hint {
            Some(hint) => accounts
                .into_iter()
                .find(|a| a.username.eq_ignore_ascii_case(hint)),
            None => accounts.into_iter().next(),
        };
        chosen.ok_or_else(|| AuthError::InteractionRequired {
            reason: match &self.inner.options.login_hint {
                Some(hint) => format!("{hint} is not signed in"),
                None => "no account is signed in".into(),
            },
        })
    }

    fn report_clock_skew(&self, skew: Option<ClockSkew>) {
        if let Some(skew) = skew {
            tracing::warn!(
                provider_ahead_secs = skew.provider_ahead_secs,
                "the identity provider's clock and this computer's differ"
            );
            self.inner.options.ui.clock_skew(&skew);
        }
    }

    fn granted(&self, set: &TokenSet, account: &AccountEntry) -> GrantedToken {
        let now = self.now();
        GrantedToken {
            access_token: set.access_token.clone(),
            expires_on: set
                .expires_in
                .map(|s| now + s as i64)
                .or(set.jwt_expires_on)
                .unwrap_or(now + 600),
            scopes: set.scopes.clone(),
            username: Some(account.username.clone()).filter(|u| !u.is_empty()),
            user_id: user_id(account),
        }
    }

    async fn authority(&self) -> Result<&Authority, AuthError> {
        self.inner
            .discovered
            .get_or_try_init(|| {
                authority::discover(
                    &self.inner.http,
                    &self.inner.authority_host,
                    &self.inner.tenant,
                )
            })
            .await
    }

    async fn token_client(&self) -> Result<TokenClient, AuthError> {
        let authority = self.authority().await?;
        Ok(TokenClient::new(
            self.inner.http.clone(),
            &self.inner.client_id,
            self.inner.tenant.as_str(),
            &authority.token_endpoint,
            authority.device_authorization_endpoint.as_ref(),
        ))
    }

    /// Where tokens are written: the realm is the token endpoint's tenant segment, as MSAL
    /// writes it, so that msal-python finds printjob's tokens and printjob finds its.
    async fn write_scope(&self) -> Result<CacheScope, AuthError> {
        let authority = self.authority().await?;
        let scope = &self.inner.cache_scope;
        Ok(CacheScope {
            tenant: realm_of_token_endpoint(&authority.token_endpoint, &scope.tenant),
            ..scope.clone()
        })
    }

    async fn store(&self, set: &TokenSet, grant_type: &str) -> Result<GrantedToken, AuthError> {
        let scope = self.write_scope().await?;
        let mut guard = self.inner.cache.lock().await?;
        self.tell(guard.notices());
        let account = guard
            .data_mut()
            .store(&scope, set, self.now(), Some(grant_type));
        guard.save().await?;
        Ok(self.granted(set, &account))
    }

    /// The signed-in user of the account this credential uses, as its ID token (validated when
    /// it was received) names them: `oid` for Graph's `createdBy/id`, `preferred_username`,
    /// `upn`. `None` when nobody is signed in or the provider sent no ID token.
    pub async fn signed_in_user(&self) -> Result<Option<SignedInUser>, AuthError> {
        let data = self.inner.cache.read().await?;
        self.tell(data.notices());
        let Ok(account) = self.pick_account(&data) else {
            return Ok(None);
        };
        Ok(data
            .id_token(&account, &self.inner.cache_scope)
            .and_then(|e| super::id_token::read_user(&e.secret)))
    }

    /// The accounts signed in with this client at this authority, most recently used first.
    pub async fn accounts(&self) -> Result<Vec<AccountEntry>, AuthError> {
        let data = self.inner.cache.read().await?;
        self.tell(data.notices());
        Ok(data.accounts(&self.inner.cache_scope))
    }

    /// What the cache holds for each account (scopes and expiry of its access tokens).
    pub async fn status(&self) -> Result<Vec<AccountStatus>, AuthError> {
        let data = self.inner.cache.read().await?;
        self.tell(data.notices());
        let scope = &self.inner.cache_scope;
        Ok(data
            .accounts(scope)
            .into_iter()
            .map(|account| AccountStatus {
                access_tokens: data.access_token_scopes(&account, scope),
                has_refresh_token: data.refresh_token(&account, scope).is_some(),
                account,
            })
            .collect())
    }

    /// Forgets an account's tokens (this cache only; the browser session stays signed in).
    pub async fn sign_out(&self, account: &AccountEntry) -> Result<(), AuthError> {
        let mut guard = self.inner.cache.lock().await?;
        self.tell(guard.notices());
        guard.data_mut().remove_account(account);
        guard.save().await
    }

    /// Forgets every account of this client and authority.
    pub async fn sign_out_all(&self) -> Result<usize, AuthError> {
        let mut guard = self.inner.cache.lock().await?;
        let accounts = guard.data().accounts(&self.inner.cache_scope);
        for account in &accounts {
            guard.data_mut().remove_account(account);
        }
        self.tell(guard.notices());
        guard.save().await.map(|()| accounts.len())
    }
}

fn display_name(account: &AccountEntry) -> String {
    if account.username.is_empty() {
        account.home_account_id.clone()
    } else {
        account.username.clone()
    }
}

impl TokenSource for DelegatedCredential {
    fn token<'a>(
        &'a self,
        request: &'a TokenRequest,
    ) -> BoxFuture<'a, Result<GrantedToken, AuthError>> {
        Box::pin(self.acquire(request, self.inner.options.allow_interactive))
    }

    fn signed_in_user(&self) -> BoxFuture<'_, Result<Option<SignedInUser>, AuthError>> {
        Box::pin(DelegatedCredential::signed_in_user(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::builder::default_scopes;
    use crate::auth::cache::GraphResource;
    use crate::clock::{Clock, SystemClock};

    #[test]
    fn builder_without_client_id_explains_registration() {
        let err = DelegatedCredential::builder()
            .in_memory_cache()
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("Register an application"), "{err}");
    }

    #[test]
    fn builder_refuses_consumers_tenant() {
        let err = DelegatedCredential::builder()
            .tenant("consumers")
            .client_id("c")
            .in_memory_cache()
            .build()
            .unwrap_err();
        assert!(
            err.to_string().contains("personal Microsoft accounts"),
            "{err}"
        );
    }

    #[test]
    fn builder_refuses_plain_http_authority() {
        let err = DelegatedCredential::builder()
            .client_id("c")
            .authority("http://login.example.com")
            .in_memory_cache()
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
    }

    #[test]
    fn debug_shows_no_secrets_and_names_the_tenant() {
        let cred = DelegatedCredential::builder()
            .client_id("c")
            .in_memory_cache()
            .build()
            .unwrap();
        assert!(format!("{cred:?}").contains("organizations"));
    }

    #[tokio::test]
    async fn token_silent_with_empty_cache_requires_interaction() {
        let cred = DelegatedCredential::builder()
            .client_id("c")
            .authority("http://127.0.0.1:9")
            .in_memory_cache()
            .build()
            .unwrap();
        let err = cred.token_silent(&[]).await.unwrap_err();
        assert!(
            matches!(err, AuthError::InteractionRequired { .. }),
            "{err}"
        );
    }

    /// Another credential (or process) writing the cache file is seen by the next call of a
    /// credential that keeps the file's document in memory.
    #[tokio::test]
    async fn a_token_written_by_another_credential_is_seen_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        let scope = CacheScope {
            environment: "127.0.0.1".into(),
            client_id: "c".into(),
            tenant: "organizations".into(),
            graph: GraphResource::default(),
        };
        let write = |at: &'static str| {
            let (cache, scope) = (TokenCache::file(&path), scope.clone());
            async move {
                let set = TokenSet {
                    access_token: crate::secret::AccessToken::new(at),
                    refresh_token: None,
                    id_token: None,
                    expires_in: Some(3600),
                    ext_expires_in: None,
                    refresh_in: None,
                    jwt_expires_on: None,
                    scopes: default_scopes(),
                    client_info: None,
                    token_type: "Bearer".into(),
                };
                let mut guard = cache.lock().await.unwrap();
                let now = SystemClock.unix_now();
                guard.data_mut().store(&scope, &set, now, None);
                guard.save().await.unwrap();
            }
        };
        let credential = |path: &std::path::Path| {
            DelegatedCredential::builder()
                .client_id("c")
                .authority("http://127.0.0.1:9")
                .cache_path(path)
                .allow_interactive(false)
                .build()
                .unwrap()
        };
        let (ours, theirs) = (credential(&path), credential(&path));
        write("token-one").await;
        for cred in [&ours, &ours, &theirs] {
            let token = cred.token_silent(&[]).await.unwrap();
            assert_eq!(token.access_token.secret(), "token-one");
        }
        write("token-two").await;
        for cred in [&ours, &theirs] {
            let token = cred.token_silent(&[]).await.unwrap();
            assert_eq!(token.access_token.secret(), "token-two");
        }
    }
}
