//! What an access token may be, checked before it is used or cached: a readable app-only
//! token (`roles`, no `scp`) is refused, and so is a token granted none of the scopes that serve
//! the operation printjob signs in for ([`PURPOSE`]). An opaque token is never refused for being
//! opaque: its scopes are taken from the token response, else unknown, and Graph decides.

use super::jwt::{read_jwt, TokenClaims};
use super::AuthError;
use crate::ids::Scope;
use crate::permissions::{NotServed, PURPOSE};
use crate::secret::AccessToken;

/// What [`inspect`] learned about a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inspected {
    /// Granted scopes: the ones given, else `scp` from a readable JWT, else empty (unknown).
    pub scopes: Vec<Scope>,
    /// Whether `scopes` is actually known (false for an opaque token with no response scope).
    pub scopes_known: bool,
    /// `exp` from a readable JWT.
    pub expires_on: Option<i64>,
    /// The user's name from a readable JWT.
    pub username: Option<String>,
}

/// Refuses a readable app-only token and works out the granted scopes.
///
/// `response_scopes` are the scopes from the token response (authoritative when present).
pub fn inspect(
    token: &AccessToken,
    response_scopes: Option<&[Scope]>,
) -> Result<Inspected, AuthError> {
    let claims = read_jwt(token.secret());
    if claims.as_ref().is_some_and(TokenClaims::is_app_only) {
        return Err(AuthError::AppOnlyToken);
    }
    let (scopes, scopes_known) = match (response_scopes, &claims) {
        (Some(s), _) if !s.is_empty() => (s.to_vec(), true),
        (_, Some(c)) if c.scp.is_some() => (c.scopes(), true),
        _ => (Vec::new(), false),
    };
    Ok(Inspected {
        scopes,
        scopes_known,
        expires_on: claims.as_ref().and_then(|c| c.exp),
        username: claims
            .as_ref()
            .and_then(|c| c.username().map(str::to_owned)),
    })
}

/// The scope rule: refuses a known scope set that contains none of the scopes serving the operation printjob
/// signs in for ([`PURPOSE`]). An empty set means "unknown" (opaque token) and is let through:
/// Graph decides.
pub fn require_purpose_scope(granted: &[Scope]) -> Result<(), AuthError> {
    PURPOSE
        .require(granted)
        .map_err(|NotServed { needed, granted }| AuthError::MissingScopes { needed, granted })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwt::test_support::unsigned_jwt;

    fn jwt(payload: serde_json::Value) -> AccessToken {
        AccessToken::new(unsigned_jwt(payload))
    }

    #[test]
    fn app_only_token_is_refused() {
        let token = jwt(serde_json::json!({"roles": ["PrintJob.Manage.All"], "tid": "t"}));
        let err = inspect(&token, None).unwrap_err();
        assert!(err.to_string().starts_with(
            "application permissions are not supported by printJob: cancel; sign in as a user"
        ));
    }

    #[test]
    fn opaque_token_is_accepted_with_unknown_scopes() {
        let token = AccessToken::new("opaque-token-value");
        let got = inspect(&token, None).unwrap();
        assert!(!got.scopes_known);
        assert!(require_purpose_scope(&got.scopes).is_ok());
    }

    #[test]
    fn response_scopes_win_over_jwt_scp() {
        let token = jwt(serde_json::json!({"scp": "User.Read", "exp": 10}));
        let given = Scope::parse_list("PrintJob.ReadWriteBasic");
        let got = inspect(&token, Some(&given)).unwrap();
        assert_eq!(got.scopes, given);
        assert_eq!(got.expires_on, Some(10));
    }

    #[test]
    fn token_without_printjob_scope_is_refused_naming_the_scopes() {
        let err = require_purpose_scope(&Scope::parse_list("User.Read openid")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("PrintJob.ReadWriteBasic, PrintJob.ReadWrite"),
            "{msg}"
        );
        assert!(msg.contains("User.Read openid"), "{msg}");
    }
}
