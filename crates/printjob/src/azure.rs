//! The Azure SDK for Rust adapter (cargo feature `azure`): [`DelegatedCredential`] implements
//! [`azure_core::credentials::TokenCredential`], so an `azure_core` [`Pipeline`] with a
//! `BearerTokenAuthorizationPolicy` authorizes its requests with the signed-in user's token.
//!
//! # Scopes
//! `azure_core` passes scopes as strings, usually in the resource form
//! `https://graph.microsoft.com/.default`. printjob's credential is a Microsoft Graph
//! credential, so each string is mapped to a printjob [`Scope`]:
//!
//! - `{graph}/.default` (any Graph cloud host: `graph.microsoft.com`, `graph.microsoft.us`,
//!   `dod-graph.microsoft.us`, `microsoftgraph.chinacloudapi.cn`) means "the permissions this
//!   application has been granted on Graph". It is dropped from the request; when nothing else
//!   is asked for, the credential's own scopes are used (those given to
//!   [`DelegatedCredentialBuilder::default_scopes`], `PrintJob.ReadWriteBasic` by default).
//!   It is not sent along: printjob keys its cache and checks granted scopes by name, and the
//!   identity platform refuses `.default` next to named scopes of a resource (a pipeline
//!   asking for both would fail). docs/azure.md cites the identity platform's pages.
//! - `{graph}/PrintJob.ReadWrite` and the bare `PrintJob.ReadWrite` are the same Graph scope
//!   and pass through as given, as do the OpenID Connect scopes (`openid`, `offline_access`…).
//! - A scope of any other resource (`https://storage.azure.com/.default`, `api://…/x`) is
//!   refused with [`ErrorKind::Credential`]: printjob signs in for Graph only, and one access
//!   token is only ever valid for one resource.
//!
//! # Claims challenges
//! `azure_core` 1.x's [`TokenRequestOptions`] carries no claims, so a Continuous Access
//! Evaluation challenge cannot reach the credential through this trait; printjob's own
//! [`PrintClient`](crate::graph::PrintClient) passes them (`TokenRequest::claims`).
//!
//! # Example
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use azure_core::credentials::TokenCredential;
//! use printjob::DelegatedCredential;
//! use std::sync::Arc;
//!
//! let credential: Arc<dyn TokenCredential> = Arc::new(
//!     DelegatedCredential::builder()
//!         .tenant("contoso.onmicrosoft.com")
//!         .client_id("00000000-0000-0000-0000-000000000000")
//!         .build()?,
//! );
//! let token = credential
//!     .get_token(&["https://graph.microsoft.com/.default"], None)
//!     .await?;
//! # let _ = token; Ok(()) }
//! ```
//!
//! [`Pipeline`]: azure_core::http::Pipeline
//! [`DelegatedCredentialBuilder::default_scopes`]: crate::DelegatedCredentialBuilder::default_scopes

use crate::auth::DelegatedCredential;
use crate::ids::{strip_graph_resource, Scope};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::{Error, ErrorKind};
use azure_core::time::OffsetDateTime;

/// The printjob scopes for the scopes `azure_core` asks for (see the module docs).
///
/// # Errors
/// [`ErrorKind::Credential`] for a scope of a resource other than Microsoft Graph, or one that
/// is not a valid scope at all.
pub fn scopes_for_azure(scopes: &[&str]) -> azure_core::Result<Vec<Scope>> {
    let mut mapped = Vec::with_capacity(scopes.len());
    for &scope in scopes {
        let short = strip_graph_resource(scope);
        if short == ".default" {
            continue;
        }
        if short.contains("://") || short.contains('/') {
            return Err(Error::with_message(
                ErrorKind::Credential,
                format!(
                    "printjob's DelegatedCredential signs in for Microsoft Graph only; \
                     the scope {scope:?} belongs to another resource"
                ),
            ));
        }
        let scope = Scope::new(scope)
            .map_err(|e| Error::with_error(ErrorKind::Credential, e, "invalid scope"))?;
        mapped.push(scope);
    }
    Ok(mapped)
}

#[async_trait::async_trait]
impl TokenCredential for DelegatedCredential {
    /// A token from [`DelegatedCredential::token`]: cached, refreshed, or (when the credential
    /// allows it) by signing in. An empty scope list, or Graph's `.default` alone, asks for
    /// the credential's own scopes.
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let scopes = scopes_for_azure(scopes)?;
        let granted = self.token(&scopes).await.map_err(|e| {
            Error::with_error(
                ErrorKind::Credential,
                e,
                "printjob could not get a delegated token",
            )
        })?;
        let expires_on = OffsetDateTime::from_unix_timestamp(granted.expires_on).map_err(|e| {
            Error::with_error(
                ErrorKind::Credential,
                e,
                "the token's expiry is out of range",
            )
        })?;
        Ok(AccessToken::new(
            Secret::new(granted.access_token.secret().to_owned()),
            expires_on,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(scopes: &[&str]) -> Vec<String> {
        scopes_for_azure(scopes)
            .unwrap()
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect()
    }

    #[test]
    fn graph_default_alone_means_the_credentials_own_scopes() {
        assert!(names(&["https://graph.microsoft.com/.default"]).is_empty());
        assert!(names(&["https://graph.microsoft.us/.default"]).is_empty());
    }

    #[test]
    fn named_graph_scopes_pass_through_with_or_without_the_resource() {
        assert_eq!(
            names(&[
                "https://graph.microsoft.com/PrintJob.ReadWrite",
                "PrintJob.ReadWriteBasic",
                "offline_access",
                "https://graph.microsoft.com/.default",
            ]),
            [
                "https://graph.microsoft.com/PrintJob.ReadWrite",
                "PrintJob.ReadWriteBasic",
                "offline_access"
            ]
        );
    }

    #[test]
    fn another_resources_scope_is_refused_naming_it() {
        for scope in [
            "https://storage.azure.com/.default",
            "https://management.azure.com/user_impersonation",
            "api://4a1b/access",
        ] {
            let err = scopes_for_azure(&[scope]).unwrap_err();
            assert_eq!(*err.kind(), ErrorKind::Credential);
            assert!(err.to_string().contains(scope), "{err}");
        }
    }
}
