//! What hands out tokens: the [`TokenSource`] trait the Graph client asks, what it is asked
//! ([`TokenRequest`]), what it answers ([`GrantedToken`]), and [`StaticToken`] for a token
//! obtained elsewhere.

use super::access_token;
use super::error::AuthError;
use super::id_token;
use crate::ids::Scope;
use crate::secret::AccessToken;
use futures::future::BoxFuture;

/// What a caller asks a [`TokenSource`] for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRequest {
    /// The scopes the token must carry (e.g. `PrintJob.ReadWriteBasic`).
    pub scopes: Vec<Scope>,
    /// Skip the cached access token (Graph answered 401 for it).
    pub force_refresh: bool,
    /// A claims challenge from a `WWW-Authenticate` header (Continuous Access Evaluation),
    /// to be passed to the identity provider.
    pub claims: Option<String>,
    /// Other scope sets that serve the operation as well (e.g. `PrintJob.ReadWriteBasic.All`
    /// for the operation): a cached token covering any one set is used, and a refresh asks for a
    /// set an earlier token of the account carried. Empty: only `scopes` serve.
    pub acceptable: Vec<Vec<Scope>>,
}

impl TokenRequest {
    /// A request for these scopes.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Self {
            scopes: scopes.into_iter().collect(),
            ..Self::default()
        }
    }
}

/// A delegated access token and what is known about it.
#[derive(Debug, Clone)]
pub struct GrantedToken {
    /// The bearer token.
    pub access_token: AccessToken,
    /// When it expires (Unix seconds).
    pub expires_on: i64,
    /// The scopes it was granted (from the token response's `scope`, else read from the JWT).
    pub scopes: Vec<Scope>,
    /// The signed-in user's name (`preferred_username`), when known.
    pub username: Option<String>,
    /// The signed-in user's object id (the ID token's `oid`), when known.
    pub user_id: Option<String>,
}

/// Anything that can hand out delegated access tokens for Graph.
pub trait TokenSource: Send + Sync {
    /// A valid token for `request`: cached if fresh, refreshed if needed.
    fn token<'a>(
        &'a self,
        request: &'a TokenRequest,
    ) -> BoxFuture<'a, Result<GrantedToken, AuthError>>;

    /// The signed-in user as the ID token names them (its `upn` claim serves job selection),
    /// when the source has one. Default: `None` (a token handed in has no ID token).
    fn signed_in_user(&self) -> BoxFuture<'_, Result<Option<id_token::SignedInUser>, AuthError>> {
        Box::pin(async { Ok(None) })
    }
}

/// A token obtained elsewhere (a script, another library), checked once: a readable app-only
/// token, or one without any PrintJob scope, is refused before any Graph call.
#[derive(Debug, Clone)]
pub struct StaticToken {
    token: GrantedToken,
}

impl StaticToken {
    /// Wraps a token; fails if it is recognisably app-only or lacks every scope that serves
    /// the operation printjob signs in for.
    /// `scopes` are the granted scopes when the caller knows them (else they are read from
    /// the token when it is a readable JWT; an opaque token is accepted as is).
    pub fn new(access_token: AccessToken, scopes: Option<Vec<Scope>>) -> Result<Self, AuthError> {
        let inspected = access_token::inspect(&access_token, scopes.as_deref())?;
        access_token::require_purpose_scope(&inspected.scopes)?;
        Ok(Self {
            token: GrantedToken {
                access_token,
                expires_on: inspected.expires_on.unwrap_or(i64::MAX),
                scopes: inspected.scopes,
                username: inspected.username,
                user_id: None,
            },
        })
    }
}

impl TokenSource for StaticToken {
    fn token<'a>(
        &'a self,
        request: &'a TokenRequest,
    ) -> BoxFuture<'a, Result<GrantedToken, AuthError>> {
        Box::pin(async move {
            if request.force_refresh || request.claims.is_some() {
                return Err(AuthError::InteractionRequired {
                    reason: "the service rejected the access token that was handed in and it cannot be refreshed".into(),
                });
            }
            Ok(self.token.clone())
        })
    }
}
