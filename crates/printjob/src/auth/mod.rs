//! Delegated sign-in: the authorization code flow with PKCE through a loopback redirect,
//! the device code flow, a token cache and silent refresh.
//!
//! The one entry point library users call is [`DelegatedCredential`]; the Graph client takes
//! any [`TokenSource`], so a caller with a token of its own can use [`StaticToken`].
//!
//! This file only names the wing's files and re-exports what the rest of the crate uses, so
//! that no file of the wing imports it (see docs/architecture.md).

pub(crate) mod access_token;
pub(crate) mod authority;
pub(crate) mod browser;
pub(crate) mod builder;
pub(crate) mod cache;
pub(crate) mod cae;
pub(crate) mod credential;
pub(crate) mod error;
pub(crate) mod id_token;
pub(crate) mod interactive;
pub(crate) mod jwt;
pub(crate) mod loopback;
pub(crate) mod options;
pub(crate) mod provider;
pub(crate) mod source;
pub(crate) mod token;

pub use credential::DelegatedCredential;
pub use error::{AuthError, ProviderError};
pub use source::{GrantedToken, StaticToken, TokenRequest, TokenSource};
