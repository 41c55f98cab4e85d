//! Why sign-in failed: [`AuthError`] (with its kind and remedy as data) and the identity
//! provider's own error, [`ProviderError`].

use crate::failure::{ErrorKind, Remedy, Setting};
use crate::ids::Scope;
use crate::permissions::PURPOSE;

/// An error from the identity provider's token or authorize endpoint, as Entra shapes it:
/// `{error, error_description: "AADSTS…: …", error_codes, trace_id, correlation_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProviderError {
    /// The OAuth 2.0 `error` (`invalid_grant`, `interaction_required`, …).
    pub error: String,
    /// The provider's description (for Entra it starts with `AADSTSnnnn:`).
    pub description: Option<String>,
    /// Entra's numeric error codes (`65001` for missing consent, …).
    pub codes: Vec<u64>,
    /// Entra's trace id, for support.
    pub trace_id: Option<String>,
    /// Entra's correlation id, for support.
    pub correlation_id: Option<String>,
}

/// Why sign-in or token acquisition failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The identity provider refused the request; `message` says what to do about it.
    #[error("{message}")]
    Provider {
        /// The provider's error, with its codes and ids for support (boxed: it is large and
        /// errors travel by value through every `Result`).
        error: Box<ProviderError>,
        /// What happened, for a person.
        message: String,
        /// What would fix it, if known.
        remedy: Option<Remedy>,
    },
    /// The user cancelled sign-in (declined consent, pressed Ctrl-C).
    #[error("sign-in was cancelled{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Cancelled {
        /// What the provider or the user said, if anything.
        detail: Option<String>,
    },
    /// No redirect arrived in time.
    #[error("sign-in timed out after {seconds} s without a redirect from the browser")]
    TimedOut {
        /// How long the listener waited.
        seconds: u64,
    },
    /// A silent request cannot be satisfied without the user.
    #[error("{reason}; an interactive sign-in is needed")]
    InteractionRequired {
        /// Why silent acquisition failed.
        reason: String,
    },
    /// The token is an application (app-only) token.
    #[error("application permissions are not supported by {}; sign in as a user (delegated permissions: {})", PURPOSE.name(), PURPOSE.scopes().join(", "))]
    AppOnlyToken,
    /// The token was granted none of the scopes the operation needs.
    #[error("the token was granted {granted} but this needs one of {needed} (an administrator may have to consent)")]
    MissingScopes {
        /// The scopes that would do, comma separated.
        needed: String,
        /// The scopes the token has, space separated (or `no scopes`).
        granted: String,
    },
    /// The provider's discovery document or endpoints are unusable.
    #[error("{0}")]
    Discovery(String),
    /// The ID token (or the authorization response's `iss`) failed validation.
    #[error("{0}")]
    IdToken(String),
    /// The loopback redirect listener failed.
    #[error("{0}")]
    Listener(String),
    /// The loopback redirect listener cannot listen on the port it was given (in use, or not
    /// allowed); another port, or any free one, would do.
    #[error("{message}")]
    PortUnavailable {
        /// The port asked for.
        port: u16,
        /// What happened, for a person.
        message: String,
    },
    /// The token cache could not be read or written.
    #[error("{0}")]
    Cache(String),
    /// The token cache's secret store was asked for explicitly and did not answer.
    #[error("the token cache's secret store, {store}, cannot be used: {reason}")]
    SecretStoreUnavailable {
        /// Which store (`the Secret Service (D-Bus)`).
        store: String,
        /// Why (no session bus, no Secret Service on it, no answer in time).
        reason: String,
    },
    /// The identity provider could not be reached or answered something unreadable.
    #[error("{0}")]
    Network(String),
    /// The request itself was invalid (bad option combination, bad URL).
    #[error("{0}")]
    Usage(String),
}

impl AuthError {
    /// What would fix this failure, if known; the caller words it.
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            AuthError::Provider { remedy, .. } => remedy.clone(),
            AuthError::TimedOut { .. } => Some(Remedy::SignInWaitingLonger),
            AuthError::InteractionRequired { .. } => Some(Remedy::SignIn),
            AuthError::MissingScopes { needed, .. } => needed
                .split(", ")
                .next()
                .and_then(|first| Scope::new(first).ok())
                .map(|scope| Remedy::SignInWithScopes(vec![scope])),
            AuthError::Discovery(_) => Some(Remedy::CheckSettings(vec![
                Setting::Tenant,
                Setting::Authority,
            ])),
            AuthError::IdToken(_) => Some(Remedy::CheckSettings(vec![
                Setting::Authority,
                Setting::Tenant,
            ])),
            AuthError::Cache(_) => Some(Remedy::CheckSettings(vec![Setting::Cache])),
            AuthError::PortUnavailable { .. } => Some(Remedy::ChooseAnotherPort),
            AuthError::SecretStoreUnavailable { .. } => {
                Some(Remedy::CheckSettings(vec![Setting::CacheStore]))
            }
            AuthError::Cancelled { .. }
            | AuthError::AppOnlyToken
            | AuthError::Listener(_)
            | AuthError::Network(_)
            | AuthError::Usage(_) => None,
        }
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AuthError::Provider { error, .. } if error.error == "access_denied" => {
                ErrorKind::SignInCancelled
            }
            AuthError::Provider { .. }
            | AuthError::TimedOut { .. }
            | AuthError::InteractionRequired { .. }
            | AuthError::Discovery(_)
            | AuthError::IdToken(_)
            | AuthError::Listener(_)
            | AuthError::PortUnavailable { .. } => ErrorKind::SignIn,
            AuthError::Cancelled { .. } => ErrorKind::SignInCancelled,
            AuthError::AppOnlyToken | AuthError::MissingScopes { .. } => ErrorKind::Permission,
            AuthError::Cache(_) => ErrorKind::Internal,
            AuthError::SecretStoreUnavailable { .. } => ErrorKind::NotAvailable,
            AuthError::Network(_) => ErrorKind::Service,
            AuthError::Usage(_) => ErrorKind::Usage,
        }
    }
}
