//! Silent acquisition: a fresh cached access token (for the scopes asked, or any set that
//! serves the operation), else a refresh-token redemption under the cache's cross-process lock,
//! re-reading the cache after taking it (another process may have refreshed meanwhile).

use super::{display_name, user_id, DelegatedCredential};
use crate::auth::cache::{AccountEntry, CacheData};
use crate::auth::token::TokenSet;
use crate::auth::{AuthError, GrantedToken, TokenRequest};
use crate::ids::Scope;

impl DelegatedCredential {
    pub(super) fn cached(
        &self,
        data: &CacheData,
        account: &AccountEntry,
        scopes: &[Scope],
    ) -> Option<GrantedToken> {
        let entry = data.access_token(account, &self.inner.cache_scope, scopes, self.now())?;
        Some(GrantedToken {
            access_token: entry.secret.clone(),
            expires_on: entry.expires_on.trim().parse().unwrap_or(0),
            scopes: Scope::parse_list(&entry.target),
            username: Some(account.username.clone()).filter(|u| !u.is_empty()),
            user_id: user_id(account),
        })
    }

    /// A fresh cached token for `scopes`, or for any scope set the request also accepts.
    pub(super) fn cached_acceptable(
        &self,
        data: &CacheData,
        account: &AccountEntry,
        scopes: &[Scope],
        request: &TokenRequest,
    ) -> Option<GrantedToken> {
        std::iter::once(scopes)
            .chain(request.acceptable.iter().map(Vec::as_slice))
            .find_map(|set| self.cached(data, account, set))
    }

    /// The scopes a refresh asks for: `scopes`, unless the account never held a token for them
    /// but held one (fresh or expired) for a set the request accepts; then that set. So an
    /// administrator signed in with `.All` scopes is not asked to consent to the Basic ones.
    pub(super) fn refresh_scopes(
        &self,
        data: &CacheData,
        account: &AccountEntry,
        scopes: &[Scope],
        request: &TokenRequest,
    ) -> Vec<Scope> {
        let ever_held = |set: &[Scope]| {
            data.access_token(account, &self.inner.cache_scope, set, i64::MIN)
                .is_some()
        };
        if request.acceptable.is_empty() || ever_held(scopes) {
            return scopes.to_vec();
        }
        request
            .acceptable
            .iter()
            .find(|set| ever_held(set))
            .cloned()
            .unwrap_or_else(|| scopes.to_vec())
    }

    pub(super) async fn silent(
        &self,
        scopes: &[Scope],
        request: &TokenRequest,
    ) -> Result<GrantedToken, AuthError> {
        let use_cached = !request.force_refresh && request.claims.is_none();
        if use_cached {
            let snapshot = self.inner.cache.read().await?;
            self.tell(snapshot.notices());
            if let Ok(account) = self.pick_account(&snapshot) {
                if let Some(token) = self.cached_acceptable(&snapshot, &account, scopes, request) {
                    tracing::debug!("using the cached access token");
                    return Ok(token);
                }
            }
        }
        let mut guard = self.inner.cache.lock().await?;
        self.tell(guard.notices());
        let account = self.pick_account(guard.data())?;
        if use_cached {
            if let Some(token) = self.cached_acceptable(guard.data(), &account, scopes, request) {
                tracing::debug!("another process refreshed the token meanwhile");
                return Ok(token);
            }
        }
        // MSAL's rule: when the token is merely due for an early refresh (`refresh_in`) and the
        // refresh fails, the cached token, still valid, is returned.
        let due = if use_cached {
            self.due_for_refresh(guard.data(), &account, scopes)
        } else {
            None
        };
        let refresh_scopes = self.refresh_scopes(guard.data(), &account, scopes, request);
        let refreshed = self
            .redeem_refresh_token(guard.data(), &account, &refresh_scopes, request)
            .await;
        let set = match (refreshed, due) {
            (Ok(set), _) => set,
            (Err(e), Some(token)) => {
                tracing::debug!(
                    "the early refresh (refresh_in) failed ({e}); using the cached access token, still valid"
                );
                return Ok(token);
            }
            (Err(e), None) => return Err(e),
        };
        let scope = self.write_scope().await?;
        let stored = guard.data_mut().store(&scope, &set, self.now(), None);
        guard.save().await?;
        Ok(self.granted(&set, &stored))
    }

    /// The cached access token that is past its `refresh_on` but not near its expiry.
    pub(super) fn due_for_refresh(
        &self,
        data: &CacheData,
        account: &AccountEntry,
        scopes: &[Scope],
    ) -> Option<GrantedToken> {
        let entry = data.access_token_ignoring_refresh_on(
            account,
            &self.inner.cache_scope,
            scopes,
            self.now(),
        )?;
        Some(GrantedToken {
            access_token: entry.secret.clone(),
            expires_on: entry.expires_on.trim().parse().unwrap_or(0),
            scopes: Scope::parse_list(&entry.target),
            username: Some(account.username.clone()).filter(|u| !u.is_empty()),
            user_id: user_id(account),
        })
    }

    pub(super) async fn redeem_refresh_token(
        &self,
        data: &CacheData,
        account: &AccountEntry,
        scopes: &[Scope],
        request: &TokenRequest,
    ) -> Result<TokenSet, AuthError> {
        let refresh_token = data
            .refresh_token(account, &self.inner.cache_scope)
            .map(|e| e.secret.clone())
            .ok_or_else(|| AuthError::InteractionRequired {
                reason: format!("no refresh token is cached for {}", display_name(account)),
            })?;
        let client = self.token_client().await?;
        let set = client
            .refresh(
                &refresh_token,
                &self.wire_scopes(scopes),
                request.claims.as_deref(),
            )
            .await?;
        let authority = self.authority().await?;
        let skew = crate::auth::id_token::validate_refreshed(
            set.id_token.as_ref(),
            authority,
            &self.inner.client_id,
            self.now(),
        )?;
        self.report_clock_skew(skew);
        Ok(set)
    }
}
