//! Reading (not verifying) JWT payloads: the one reader of the compact JWS format
//! (`header.payload.signature`, base64url JSON in the middle) that the access-token inspection,
//! the ID token check and the token cache's account naming all use.
//!
//! Microsoft asks clients to treat access tokens as opaque, so printjob takes granted scopes
//! from the token response's `scope`; a payload is read only when a token is a readable JWT.
//! Signatures are never checked here (see `id_token.rs` and docs/security.md for why).

use crate::ids::Scope;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Reads the payload of a compact JWS (`header.payload.signature`) as `T` without verifying
/// it. Returns `None` for anything that is not a readable JWT: an opaque token, a five-part
/// encrypted JWE, a payload that is not base64url JSON of `T`'s shape.
pub fn read_payload<T: DeserializeOwned>(token: &str) -> Option<T> {
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None; // five parts: an encrypted JWE, opaque to us
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

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

/// Reads an access token's `TokenClaims` (see `read_payload`).
pub fn read_jwt(token: &str) -> Option<TokenClaims> {
    read_payload(token)
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

    #[test]
    fn five_part_jwe_is_opaque() {
        assert!(read_jwt("a.b.c.d.e").is_none());
        assert!(read_jwt("not-a-jwt").is_none());
    }

    #[test]
    fn a_payload_is_read_into_the_shape_asked_for() {
        #[derive(Deserialize)]
        struct Named {
            oid: String,
        }
        let token =
            test_support::unsigned_jwt(serde_json::json!({"oid": "o-1", "aud": ["a", "b"]}));
        assert_eq!(
            read_payload::<Named>(&token).map(|n| n.oid).as_deref(),
            Some("o-1")
        );
        assert_eq!(read_jwt(&token).and_then(|c| c.aud).as_deref(), Some("a"));
    }
}
