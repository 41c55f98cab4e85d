//! The identity provider's errors, for every step that talks to it (discovery, the authorize
//! redirect, the token and device authorization endpoints): parsed as Entra shapes them
//! (`error`, `error_description`, `error_codes`, `trace_id`, `correlation_id`) and turned into an
//! [`AuthError::Provider`] that says what happened and carries a [`Remedy`] (data: the caller
//! words it).

use super::{AuthError, ProviderError};
use crate::failure::{Remedy, Setting};
use crate::ids::Scope;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An error body from the token or device authorization endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The OAuth 2.0 error code.
    pub error: String,
    /// Human-readable description (Entra: `AADSTSnnnn: …`).
    #[serde(default)]
    pub error_description: Option<String>,
    /// Entra's numeric codes.
    #[serde(default)]
    pub error_codes: Option<Vec<u64>>,
    /// Entra's trace id.
    #[serde(default)]
    pub trace_id: Option<String>,
    /// Entra's correlation id.
    #[serde(default)]
    pub correlation_id: Option<String>,
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)?;
        if let Some(d) = &self.error_description {
            write!(f, ": {}", first_line(d))?;
        }
        Ok(())
    }
}

impl oauth2::ErrorResponse for ErrorBody {}

impl From<ErrorBody> for ProviderError {
    fn from(body: ErrorBody) -> Self {
        let mut codes = body.error_codes.unwrap_or_default();
        if codes.is_empty() {
            codes.extend(body.error_description.as_deref().and_then(aadsts_code));
        }
        ProviderError {
            error: body.error,
            description: body.error_description.map(|d| first_line(&d).to_owned()),
            codes,
            trace_id: body.trace_id,
            correlation_id: body.correlation_id,
        }
    }
}

pub(super) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default().trim()
}

/// Entra's `AADSTSnnnn` codes in a description, in order (the one reader for the token
/// endpoint's bodies and the authorize step's `error_description=` redirects).
pub(crate) fn aadsts_codes(description: &str) -> Vec<u64> {
    description
        .match_indices("AADSTS")
        .filter_map(|(at, tag)| {
            let digits: String = description[at + tag.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

/// The first `AADSTSnnnn` code in a description.
fn aadsts_code(description: &str) -> Option<u64> {
    aadsts_codes(description).into_iter().next()
}

/// Parses an error body (`{"error": …}`); `None` if it is not one.
pub fn parse_provider_error(body: &str) -> Option<ProviderError> {
    serde_json::from_str::<ErrorBody>(body).ok().map(Into::into)
}

pub(super) fn lenient_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrString {
        Num(u64),
        Str(String),
    }
    Ok(match Option::<NumOrString>::deserialize(d)? {
        Some(NumOrString::Num(n)) => Some(n),
        Some(NumOrString::Str(s)) => s.trim().parse().ok(),
        None => None,
    })
}

/// Context for turning a provider error into advice.
#[derive(Debug, Clone, Default)]
pub struct ErrorContext {
    /// The client id in use.
    pub client_id: String,
    /// The tenant in use.
    pub tenant: String,
    /// The scopes asked for.
    pub scopes: Vec<Scope>,
    /// The redirect URI sent, for a code exchange.
    pub redirect_uri: Option<String>,
}

fn has_code(error: &ProviderError, code: u64) -> bool {
    error.codes.contains(&code)
}

fn scope_list(scopes: &[Scope]) -> String {
    let names: Vec<&str> = scopes
        .iter()
        .filter(|s| !s.is_oidc())
        .map(Scope::as_str)
        .collect();
    if names.is_empty() {
        "the requested permissions".into()
    } else {
        names.join(", ")
    }
}

/// Whether a delegated permission can only be consented to by an administrator: the `.All`
/// permissions of Universal Print (`Printer.Read.All`, the `PrintJob.*.All` ones) do;
/// `PrinterShare.ReadBasic.All` and `User.ReadBasic.All` do not (users consent to them).
pub fn needs_admin_consent(scope: &str) -> bool {
    let short = scope.rsplit('/').next().unwrap_or(scope);
    short.ends_with(".All")
        && !["PrinterShare.ReadBasic.All", "User.ReadBasic.All"]
            .iter()
            .any(|user| short.eq_ignore_ascii_case(user))
}

/// Turns a provider error into an [`AuthError::Provider`] whose message says what happened and
/// whose [`Remedy`] says what would fix it (the caller words it).
pub fn provider_error(error: ProviderError, ctx: &ErrorContext) -> AuthError {
    let (message, remedy) = explain(&error, ctx);
    AuthError::Provider {
        error: Box::new(error),
        message,
        remedy,
    }
}

fn explain(e: &ProviderError, ctx: &ErrorContext) -> (String, Option<Remedy>) {
    let said = e.description.clone().unwrap_or_else(|| e.error.clone());
    let (advice, remedy) = if has_code(e, 65001) || e.error == "consent_required" {
        let scopes = scope_list(&ctx.scopes);
        let asked: Vec<Scope> = ctx
            .scopes
            .iter()
            .filter(|s| !s.is_oidc())
            .cloned()
            .collect();
        let admin: Vec<&str> = asked
            .iter()
            .map(Scope::as_str)
            .filter(|s| needs_admin_consent(s))
            .collect();
        let who = if admin.is_empty() {
            "sign in again asking for these permissions and accept the consent page".to_owned()
        } else {
            format!(
                "{} can only be consented to by an administrator: ask one to grant consent, then sign in again",
                admin.join(" and ")
            )
        };
        (
            format!(
                "AADSTS65001: the user or an administrator has not consented to {scopes} — {who}"
            ),
            Some(Remedy::SignInWithScopes(asked)),
        )
    } else if has_code(e, 700016) {
        let tenant = if ctx.tenant.is_empty() {
            String::new()
        } else {
            format!(" in the tenant {}", ctx.tenant)
        };
        (
            format!(
                "AADSTS700016: the application {} was not found{tenant} — check the client id and the tenant; see \"Register an application\" in README.md",
                ctx.client_id
            ),
            Some(Remedy::CheckSettings(vec![Setting::ClientId, Setting::Tenant])),
        )
    } else if has_code(e, 50011) {
        (
            format!(
                "AADSTS50011: the redirect URI {} is not registered for application {} — in the app registration's Authentication page add `http://localhost` as a Mobile and desktop applications redirect URI",
                ctx.redirect_uri.as_deref().unwrap_or("http://localhost"),
                ctx.client_id
            ),
            None,
        )
    } else if has_code(e, 7000218) {
        (format!("{said} — set \"Allow public client flows\" to Yes in the app registration's Authentication page"), None)
    } else if e.error == "access_denied" {
        (format!("sign-in was cancelled: {said}"), None)
    } else if e.error == "invalid_grant" {
        (
            format!("{said} — the saved sign-in has expired or was revoked"),
            Some(Remedy::SignIn),
        )
    } else if e.error == "invalid_scope" {
        (
            format!("{said} — a requested scope is invalid"),
            Some(Remedy::CheckSettings(vec![Setting::Scopes])),
        )
    } else if matches!(e.error.as_str(), "server_error" | "temporarily_unavailable") {
        (
            format!("{said} — the identity provider had a temporary problem; wait a moment and sign in again"),
            Some(Remedy::SignIn),
        )
    } else if matches!(e.error.as_str(), "interaction_required" | "login_required") {
        (
            format!("{said} — the identity provider needs you to sign in interactively"),
            Some(Remedy::SignIn),
        )
    } else {
        (
            format!(
                "the identity provider refused the request: {}: {said}",
                e.error
            ),
            None,
        )
    };
    let message = match (&e.correlation_id, &e.trace_id) {
        (Some(c), _) => format!("{advice} (correlation id {c})"),
        (None, Some(t)) => format!("{advice} (trace id {t})"),
        (None, None) => advice,
    };
    (message, remedy)
}

/// Whether a provider error means the refresh token cannot be used silently any more.
pub fn needs_interaction(error: &AuthError) -> bool {
    match error {
        AuthError::Provider { error, .. } => matches!(
            error.error.as_str(),
            "invalid_grant" | "interaction_required" | "login_required" | "consent_required"
        ),
        AuthError::InteractionRequired { .. } => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_administrator_permissions_are_said_to_need_an_administrator() {
        assert!(needs_admin_consent("Printer.Read.All"));
        assert!(needs_admin_consent("PrintJob.ReadWriteBasic.All"));
        assert!(!needs_admin_consent("PrinterShare.ReadBasic.All"));
        assert!(!needs_admin_consent(
            "https://graph.microsoft.com/PrinterShare.ReadBasic.All"
        ));
        assert!(!needs_admin_consent("PrintJob.ReadWriteBasic"));
    }
}
