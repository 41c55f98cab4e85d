//! ID token validation, as OpenID Connect Core 1.0 §3.1.3.7 asks of a client that receives the
//! ID token directly from the token endpoint.
//!
//! Checked: the token is a JWT; `iss` equals the discovery document's `issuer` (with Entra's
//! `{tenantid}` template resolved from the token's `tid`); `aud` contains the client id (and
//! `azp`, when present with several audiences, is the client id); `nonce` equals the one sent,
//! and is required when one was sent; `exp` and `iat` are present. Each of these refuses the
//! token. The times are only reported: an `iat` more than [`CLOCK_SKEW_SECS`] from this
//! computer's clock, or an `exp` that has passed by more than that, is a [`ClockSkew`] the
//! caller shows the user, and the sign-in is kept. A token received from the token endpoint a
//! moment ago was issued now by the provider's clock, so such a finding is this computer's
//! clock (or the provider's), not an attack; msal-python's `oauth2cli/oidc.py` does the same
//! (its time findings are `_IdTokenTimeError(...).log()`, its issuer, audience and nonce
//! findings raise). The access token's lifetime comes from `expires_in` at receipt, never from
//! a clock comparison. The signature is **not** verified: §3.1.3.7 item 6 allows a
//! client to rely on TLS instead when the token comes straight from the token endpoint (see
//! docs/security.md). Claims a provider may omit (`tid`, `oid`, `preferred_username`, `upn`)
//! stay optional, so any standards-compliant OpenID provider works.

use super::authority::Authority;
use super::jwt::read_payload;
use super::AuthError;
use crate::ids::ClientId;
use crate::secret::IdToken;
use serde::Deserialize;

/// The clock skew tolerated on `exp` and `iat` before a [`ClockSkew`] is reported (Entra's
/// five minutes).
pub const CLOCK_SKEW_SECS: i64 = 300;

/// How far the identity provider's clock is from this computer's, as a just-received ID token
/// shows it (its `iat`, else its `exp`), when that is more than `CLOCK_SKEW_SECS`. A
/// warning for the user, never a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkew {
    /// Seconds the provider's clock is ahead of this computer's (negative: behind). When only
    /// `exp` shows it, the least the difference can be.
    pub provider_ahead_secs: i64,
}

impl std::fmt::Display for ClockSkew {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.provider_ahead_secs;
        let (amount, relation) = if secs >= 0 {
            (secs, "behind")
        } else {
            (-secs, "ahead of")
        };
        write!(
            f,
            "this computer's clock is about {} {relation} the identity provider's (its ID token was issued {} s {}); the sign-in was kept, but check this computer's date, time and time zone",
            human_duration(amount),
            amount,
            if secs >= 0 { "in the future" } else { "ago" },
        )
    }
}

fn human_duration(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", (s + 30) / 60),
        s if s < 172_800 => format!("{} h", (s + 1800) / 3600),
        s => format!("{} days", (s + 43_200) / 86_400),
    }
}

/// A validated ID token: its claims, and how far the provider's clock seemed off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidIdToken {
    /// The claims.
    pub claims: IdTokenClaims,
    /// The provider's clock and this computer's differ by more than `CLOCK_SKEW_SECS`.
    pub clock_skew: Option<ClockSkew>,
}

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
    #[serde(default, deserialize_with = "super::jwt::audiences")]
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

/// The issuer an ID token must carry: `issuer`, with Entra's `{tenantid}` replaced by `tid`.
pub fn expected_issuer(issuer: &str, tid: Option<&str>) -> String {
    match tid {
        Some(tid) if issuer.contains("{tenantid}") => issuer.replace("{tenantid}", tid),
        _ => issuer.to_owned(),
    }
}

/// Validates an ID token (OpenID Connect Core §3.1.3.7, without the signature) and returns its
/// claims, with the clock difference its times show (reported, not refused).
pub fn validate(token: &IdToken, expected: &Expected<'_>) -> Result<ValidIdToken, AuthError> {
    let claims = read_payload::<IdTokenClaims>(token.secret())
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
    let iat = claims.iat.ok_or_else(|| refused("it has no `iat`"))?;
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
    let clock_skew = clock_skew(iat, exp, expected.now);
    Ok(ValidIdToken { claims, clock_skew })
}

/// The clock difference a just-issued token's `iat` (and `exp`) show, beyond the tolerance.
fn clock_skew(iat: i64, exp: i64, now: i64) -> Option<ClockSkew> {
    let ahead = iat.saturating_sub(now);
    if ahead.saturating_abs() > CLOCK_SKEW_SECS {
        return Some(ClockSkew {
            provider_ahead_secs: ahead,
        });
    }
    // `iat` within the tolerance and yet expired by more than it: only an `exp` before `iat`
    // (a provider's mistake) gets here; `exp` tells at least this much.
    let expired_by = now.saturating_sub(exp);
    (expired_by >= CLOCK_SKEW_SECS).then_some(ClockSkew {
        provider_ahead_secs: -expired_by,
    })
}

/// Validates the ID token of a refresh or device-code response, if there is one (OpenID
/// Connect Core §12.2: same checks, no nonce); returns the clock difference it shows.
pub fn validate_refreshed(
    token: Option<&IdToken>,
    authority: &Authority,
    client_id: &ClientId,
    now: i64,
) -> Result<Option<ClockSkew>, AuthError> {
    let Some(token) = token else {
        return Ok(None);
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
    .map(|valid| valid.clock_skew)
}

/// The user an ID token names, read without validation (for a token validated when it was
/// stored in the cache).
pub fn read_user(token: &IdToken) -> Option<SignedInUser> {
    read_payload::<IdTokenClaims>(token.secret()).map(|c| SignedInUser::from(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwt::test_support::unsigned_jwt;

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
        check_at(payload, 1000).map(|valid| valid.claims)
    }

    /// Validates at `now` (the good token was issued at 1000 and expires at 2000).
    fn check_at(payload: serde_json::Value, now: i64) -> Result<ValidIdToken, AuthError> {
        let token = IdToken::new(unsigned_jwt(payload));
        validate(
            &token,
            &Expected {
                issuer: ISSUER,
                client_id: "client",
                nonce: Some("n1"),
                now,
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
    fn times_within_the_skew_are_accepted_without_a_clock_warning() {
        for now in [1000 - CLOCK_SKEW_SECS, 1000, 1000 + CLOCK_SKEW_SECS] {
            let valid = check_at(good(), now).unwrap();
            assert_eq!(valid.clock_skew, None, "now {now}");
        }
    }

    #[test]
    fn a_provider_clock_ten_minutes_ahead_is_kept_with_a_clock_warning() {
        let valid = check_at(good(), 1000 - 600).unwrap();
        let skew = valid.clock_skew.expect("a clock warning");
        assert_eq!(skew.provider_ahead_secs, 600);
        let text = skew.to_string();
        assert!(text.contains("about 10 min behind"), "{text}");
        assert!(text.contains("600 s in the future"), "{text}");
        assert!(
            text.contains("check this computer's date, time and time zone"),
            "{text}"
        );
    }

    #[test]
    fn a_provider_clock_ten_minutes_behind_is_kept_with_a_clock_warning() {
        let valid = check_at(good(), 1000 + 600).unwrap();
        let skew = valid.clock_skew.expect("a clock warning");
        assert_eq!(skew.provider_ahead_secs, -600);
        assert!(skew.to_string().contains("about 10 min ahead of"), "{skew}");
    }

    #[test]
    fn a_token_expired_by_this_computers_clock_however_long_ago_is_kept_with_a_warning() {
        let valid = check_at(good(), 1000 + 7 * 86_400).unwrap();
        let skew = valid.clock_skew.expect("a clock warning");
        assert_eq!(skew.provider_ahead_secs, -7 * 86_400);
        assert!(skew.to_string().contains("about 7 days ahead of"), "{skew}");
        // `exp` before `iat` (a provider's mistake): `exp` tells how far off it is at least.
        let odd = with("exp", 900.into());
        let skew = check_at(odd, 1200).unwrap().clock_skew;
        assert_eq!(skew.map(|s| s.provider_ahead_secs), Some(-300));
    }

    #[test]
    fn issuer_audience_and_nonce_are_refused_whatever_the_clock() {
        for now in [1000 - 600, 1000 + 600, 1000 + 86_400] {
            let bad_iss = with("iss", "https://evil.example/x/v2.0".into());
            let bad_aud = with("aud", serde_json::json!(["other"]));
            let bad_nonce = with("nonce", "other".into());
            for payload in [bad_iss, bad_aud, bad_nonce] {
                assert!(
                    check_at(payload.clone(), now).is_err(),
                    "{payload} at {now}"
                );
            }
        }
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
