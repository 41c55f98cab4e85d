//! ID token validation, as OpenID Connect Core 1.0 §3.1.3.7 asks of a client that receives the
//! ID token directly from the token endpoint.
//!
//! Checked: the token is a JWT; `iss` equals the discovery document's `issuer` (with Entra's
//! `{tenantid}` template resolved from the token's `tid`); `aud` contains the client id (and
//! `azp`, when present with several audiences, is the client id); `exp` is in the future and
//! `iat` not in the future, each with [`CLOCK_SKEW_SECS`]; `nonce` equals the one sent, and is
//! required when one was sent. The signature is **not** verified: §3.1.3.7 item 6 allows a
//! client to rely on TLS instead when the token comes straight from the token endpoint (see
//! docs/security.md). Claims a provider may omit (`tid`, `oid`, `preferred_username`, `upn`)
//! stay optional, so any standards-compliant OpenID provider works.

use super::authority::Authority;
use super::AuthError;
use crate::ids::ClientId;
use crate::secret::IdToken;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

/// The clock skew tolerated on `exp` and `iat` (Entra's and MSAL's five minutes).
pub const CLOCK_SKEW_SECS: i64 = 300;

/// The claims of an ID token that printjob checks or uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer.
    #[serde(default)]
    pub iss: Option<String>,
    /// Subject.
    #[serde(default)]
    pub sub: Option<String>,
    /// Audience(s).
    #[serde(default, deserialize_with = "super::claims::audiences")]
    pub aud: Vec<String>,
    /// Authorized party.
    #[serde(default)]
    pub azp: Option<String>,
    /// Expiry (Unix seconds).
    #[serde(default)]
    pub exp: Option<i64>,
    /// Issue time (Unix seconds).
    #[serde(default)]
    pub iat: Option<i64>,
    /// The nonce of the authorization request.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Entra: the tenant id.
    #[serde(default)]
    pub tid: Option<String>,
    /// Entra: the user's object id.
    #[serde(default)]
    pub oid: Option<String>,
    /// The user's sign-in name.
    #[serde(default)]
    pub preferred_username: Option<String>,
    /// Entra (older tokens): the user principal name.
    #[serde(default)]
    pub upn: Option<String>,
}

/// The signed-in user, as a validated ID token names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignedInUser {
    /// The subject (`sub`).
    pub subject: String,
    /// Entra's object id of the user (`oid`): what Graph's `createdBy/id` holds.
    pub oid: Option<String>,
    /// Entra's tenant id (`tid`).
    pub tenant_id: Option<String>,
    /// `preferred_username`, if present.
    pub preferred_username: Option<String>,
    /// `upn`, if present.
    pub upn: Option<String>,
}

impl From<&IdTokenClaims> for SignedInUser {
    fn from(c: &IdTokenClaims) -> Self {
        Self {
            subject: c.sub.clone().unwrap_or_default(),
            oid: c.oid.clone(),
            tenant_id: c.tid.clone(),
            preferred_username: c.preferred_username.clone(),
            upn: c.upn.clone(),
        }
    }
}

/// What an ID token must match.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The discovery document's `issuer` (possibly Entra's `{tenantid}` template).
    pub issuer: &'a str,
    /// The client id, which `aud` must contain.
    pub client_id: &'a str,
    /// The nonce sent in the authorization request (`None` for refresh and device code).
    pub nonce: Option<&'a str>,
    /// The current time (Unix seconds).
    pub now: i64,
}

fn refused(what: &str) -> AuthError {
    AuthError::IdToken(format!(
        "the identity provider's ID token was refused: {what}; the sign-in was not saved. Check the authority URL and the tenant, and sign in again"
    ))
}

/// Reads a JWT's payload without verifying it; `None` when it is not a compact JWS.
fn payload(token: &str) -> Option<IdTokenClaims> {
    let mut parts = token.split('.');
    let (_header, body, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(body.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The issuer an ID token must carry: `issuer`, with Entra's `{tenantid}` replaced by `tid`.
pub fn expected_issuer(issuer: &str, tid: Option<&str>) -> String {
    match tid {
        Some(tid) if issuer.contains("{tenantid}") => issuer.replace("{tenantid}", tid),
        _ => issuer.to_owned(),
    }
}

/// Validates an ID token (OpenID Connect Core §3.1.3.7, without the signature) and returns its
/// claims.
pub fn validate(token: &IdToken, expected: &Expected<'_>) -> Result<IdTokenClaims, AuthError> {
    let claims = payload(token.secret())
        .ok_or_else(|| refused("it is not a JWT (header.payload.signature with a JSON payload)"))?;
    let iss = claims
        .iss
        .as_deref()
        .ok_or_else(|| refused("it has no `iss`"))?;
    let want = expected_issuer(expected.issuer, claims.tid.as_deref());
    if want.contains("{tenantid}") || iss != want {
        return Err(refused(&format!(
            "its issuer {iss:?} is not the provider's issuer {want:?}"
        )));
    }
    if claims.sub.as_deref().is_none_or(str::is_empty) {
        return Err(refused("it has no `sub`"));
    }
    if !claims.aud.iter().any(|a| a == expected.client_id) {
        return Err(refused(&format!(
            "it was issued to another application (aud {:?}, this client is {})",
            claims.aud, expected.client_id
        )));
    }
    if claims.aud.len() > 1
        && claims
            .azp
            .as_deref()
            .is_some_and(|a| a != expected.client_id)
    {
        return Err(refused(
            "its authorized party (`azp`) is another application",
        ));
    }
    let exp = claims.exp.ok_or_else(|| refused("it has no `exp`"))?;
    if exp + CLOCK_SKEW_SECS <= expected.now {
        return Err(refused(&format!(
            "it expired {} s ago (check this computer's clock)",
            expected.now - exp
        )));
    }
    let iat = claims.iat.ok_or_else(|| refused("it has no `iat`"))?;
    if iat - CLOCK_SKEW_SECS > expected.now {
        return Err(refused(&format!(
            "it was issued {} s in the future (check this computer's clock)",
            iat - expected.now
        )));
    }
    if let Some(sent) = expected.nonce {
        match claims.nonce.as_deref() {
            None => return Err(refused("it carries no nonce although one was sent")),
            Some(n) if !super::interactive::constant_time_eq(n, sent) => {
                return Err(refused(
                    "its nonce does not match this sign-in (a replayed or mixed-up response)",
                ))
            }
            Some(_) => {}
        }
    }
    Ok(claims)
}

/// Validates the ID token of a refresh or device-code response, if there is one (OpenID
/// Connect Core §12.2: same checks, no nonce).
pub fn validate_refreshed(
    token: Option<&IdToken>,
    authority: &Authority,
    client_id: &ClientId,
    now: i64,
) -> Result<(), AuthError> {
    let Some(token) = token else {
        return Ok(());
    };
    validate(
        token,
        &Expected {
            issuer: &authority.issuer,
            client_id: client_id.as_str(),
            nonce: None,
            now,
        },
    )
    .map(|_| ())
}

/// The user an ID token names, read without validation (for a token validated when it was
/// stored in the cache).
pub fn read_user(token: &IdToken) -> Option<SignedInUser> {
    payload(token.secret()).map(|c| SignedInUser::from(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::claims::test_support::unsigned_jwt;

    const ISSUER: &str = "https://login.example.com/{tenantid}/v2.0";
    const TID: &str = "5f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40";

    fn good() -> serde_json::Value {
        serde_json::json!({
            "iss": format!("https://login.example.com/{TID}/v2.0"), "sub": "s", "aud": "client",
            "exp": 2000, "iat": 1000, "nonce": "n1", "tid": TID, "oid": "o1",
            "preferred_username": "adele@contoso.com"
        })
    }

    fn check(payload: serde_json::Value) -> Result<IdTokenClaims, AuthError> {
        let token = IdToken::new(unsigned_jwt(payload));
        validate(
            &token,
            &Expected {
                issuer: ISSUER,
                client_id: "client",
                nonce: Some("n1"),
                now: 1500,
            },
        )
    }

    fn with(key: &str, value: serde_json::Value) -> serde_json::Value {
        let mut p = good();
        p[key] = value;
        p
    }

    fn without(key: &str) -> serde_json::Value {
        let mut p = good();
        p.as_object_mut().unwrap().remove(key);
        p
    }

    #[test]
    fn a_good_token_is_accepted_and_names_the_user() {
        let claims = check(good()).unwrap();
        let user = SignedInUser::from(&claims);
        assert_eq!(user.oid.as_deref(), Some("o1"));
        assert_eq!(
            user.preferred_username.as_deref(),
            Some("adele@contoso.com")
        );
    }

    #[test]
    fn another_issuer_is_refused() {
        let err = check(with("iss", "https://evil.example/x/v2.0".into())).unwrap_err();
        assert!(
            err.to_string().contains("is not the provider's issuer"),
            "{err}"
        );
    }

    #[test]
    fn tenantid_template_needs_a_tid_to_resolve() {
        let err = check(without("tid")).unwrap_err();
        assert!(err.to_string().contains("issuer"), "{err}");
    }

    #[test]
    fn another_clients_audience_is_refused() {
        let err = check(with("aud", serde_json::json!(["other"]))).unwrap_err();
        assert!(err.to_string().contains("another application"), "{err}");
        assert!(check(with("aud", serde_json::json!(["other", "client"]))).is_ok());
    }

    #[test]
    fn expired_token_is_refused_within_skew_it_is_accepted() {
        assert!(check(with("exp", (1500 - CLOCK_SKEW_SECS + 1).into())).is_ok());
        let err = check(with("exp", (1500 - 7200).into())).unwrap_err();
        assert!(err.to_string().contains("expired 7200 s ago"), "{err}");
    }

    #[test]
    fn token_issued_in_the_future_is_refused() {
        let err = check(with("iat", (1500 + CLOCK_SKEW_SECS + 1).into())).unwrap_err();
        assert!(err.to_string().contains("in the future"), "{err}");
    }

    #[test]
    fn missing_or_wrong_nonce_is_refused_when_one_was_sent() {
        let err = check(without("nonce")).unwrap_err();
        assert!(err.to_string().contains("no nonce"), "{err}");
        let err = check(with("nonce", "other".into())).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
    }

    #[test]
    fn non_jwt_is_refused() {
        let err = validate(
            &IdToken::new("opaque"),
            &Expected {
                issuer: ISSUER,
                client_id: "client",
                nonce: None,
                now: 0,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a JWT"), "{err}");
    }

    #[test]
    fn required_claims_are_required_and_optional_ones_optional() {
        for key in ["sub", "exp", "iat", "iss"] {
            assert!(check(without(key)).is_err(), "{key}");
        }
        let plain = serde_json::json!({
            "iss": "https://idp.example.com/realms/printing", "sub": "s", "aud": "client",
            "exp": 2000, "iat": 1000
        });
        let token = IdToken::new(unsigned_jwt(plain));
        let expected = Expected {
            issuer: "https://idp.example.com/realms/printing",
            client_id: "client",
            nonce: None,
            now: 1500,
        };
        assert!(validate(&token, &expected).is_ok());
    }
}
