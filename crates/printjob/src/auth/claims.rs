//! Reading (not verifying) JWT access-token payloads.
//!
//! Microsoft asks clients to treat access tokens as opaque, so printjob takes granted scopes
//! from the token response's `scope`. Only when a token is a readable JWT are its claims used,
//! and then only to refuse what can never work: an app-only token (`roles`, no `scp`), or one
//! without any PrintJob scope. An opaque token is never refused for being opaque.

use super::AuthError;
use crate::ids::Scope;
use crate::permissions::{NotServed, PURPOSE};
use crate::secret::AccessToken;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

/// The claims printjob reads from a JWT payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TokenClaims {
    /// Delegated scopes, space separated (absent in app-only tokens).
    #[serde(default)]
    pub scp: Option<String>,
    /// Application roles (present in app-only tokens).
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    /// Tenant id.
    #[serde(default)]
    pub tid: Option<String>,
    /// Object id of the user (or of the service principal, for app-only tokens).
    #[serde(default)]
    pub oid: Option<String>,
    /// The user's sign-in name.
    #[serde(default)]
    pub preferred_username: Option<String>,
    /// Older tokens carry the user principal name here.
    #[serde(default)]
    pub upn: Option<String>,
    /// Expiry (Unix seconds).
    #[serde(default)]
    pub exp: Option<i64>,
    /// Audience.
    #[serde(default, deserialize_with = "string_or_first")]
    pub aud: Option<String>,
    /// Issuer.
    #[serde(default)]
    pub iss: Option<String>,
    /// `idtyp` = `app` marks app-only tokens in Entra's optional claims.
    #[serde(default)]
    pub idtyp: Option<String>,
}

/// `aud` is one string or an array (RFC 7519 §4.1.3); the first audience is kept here.
fn string_or_first<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(audiences(d)?.into_iter().next())
}

/// Every audience of `aud`, whether the claim is one string or an array (RFC 7519 §4.1.3).
pub(crate) fn audiences<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<Aud>::deserialize(d)? {
        Some(Aud::One(s)) => vec![s],
        Some(Aud::Many(v)) => v,
        None => Vec::new(),
    })
}

impl TokenClaims {
    /// Whether the token was issued to an application rather than a user.
    pub fn is_app_only(&self) -> bool {
        let has_scp = self.scp.as_deref().is_some_and(|s| !s.trim().is_empty());
        !has_scp && (self.roles.is_some() || self.idtyp.as_deref() == Some("app"))
    }

    /// The delegated scopes in `scp`.
    pub fn scopes(&self) -> Vec<Scope> {
        self.scp
            .as_deref()
            .map(Scope::parse_list)
            .unwrap_or_default()
    }

    /// The user's name: `preferred_username`, else `upn`.
    pub fn username(&self) -> Option<&str> {
        self.preferred_username.as_deref().or(self.upn.as_deref())
    }
}

/// Reads the payload of a compact JWS (`header.payload.signature`) without verifying it.
/// Returns `None` for anything that is not a readable JWT (an opaque token).
pub fn read_jwt(token: &str) -> Option<TokenClaims> {
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None; // five parts: an encrypted JWE, opaque to us
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

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

/// Refuses a known scope set that contains none of the scopes serving the operation printjob
/// signs in for ([`PURPOSE`]). An empty set means "unknown" (opaque token) and is let through:
/// Graph decides.
pub fn require_purpose_scope(granted: &[Scope]) -> Result<(), AuthError> {
    PURPOSE
        .require(granted)
        .map_err(|NotServed { needed, granted }| AuthError::MissingScopes { needed, granted })
}

/// Reads a claims challenge as a `WWW-Authenticate` header carries it (`claims="…"`: base64,
/// standard or URL-safe, padded or not) or as the JSON itself, and returns the JSON text.
/// Anything that does not decode to a JSON object is refused.
pub fn decode_claims_challenge(value: &str) -> Result<String, AuthError> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
    let value = value.trim().trim_matches('"');
    let is_object =
        |text: &str| serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v.is_object());
    if is_object(value) {
        return Ok(value.to_owned());
    }
    let decoded = [&STANDARD, &URL_SAFE, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(value).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|text| is_object(text));
    decoded.ok_or_else(|| {
        AuthError::Usage(
            "the claims challenge is neither a JSON object nor base64-encoded JSON; pass the \
             `claims` value of the WWW-Authenticate header as it is"
                .into(),
        )
    })
}

/// Helpers for this crate's unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// A JWT-shaped string with `payload` (not signed: claims are read, never verified, here).
    pub(crate) fn unsigned_jwt(payload: serde_json::Value) -> String {
        let enc = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.sig",
            enc(&serde_json::json!({"alg":"RS256","typ":"JWT"})),
            enc(&payload)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: serde_json::Value) -> AccessToken {
        AccessToken::new(test_support::unsigned_jwt(payload))
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

    #[test]
    fn claims_challenge_is_read_from_base64_or_json() {
        let json = r#"{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}"#;
        let header_value =
            "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNjA0MTA2NjUxIn19fQ==";
        assert_eq!(decode_claims_challenge(header_value).unwrap(), json);
        assert_eq!(
            decode_claims_challenge(header_value.trim_end_matches('=')).unwrap(),
            json
        );
        assert_eq!(decode_claims_challenge(json).unwrap(), json);
        let err = decode_claims_challenge("not a challenge").unwrap_err();
        assert!(err.to_string().contains("WWW-Authenticate"), "{err}");
    }

    #[test]
    fn five_part_jwe_is_opaque() {
        assert!(read_jwt("a.b.c.d.e").is_none());
        assert!(read_jwt("not-a-jwt").is_none());
    }
}
