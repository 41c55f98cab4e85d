//! Minting: building and signing the tokens the emulator issues (access, ID, `client_info`).
//! The token endpoint ([`super::token_endpoint`]) and
//! [`Emulator::mint_user_token`](crate::Emulator::mint_user_token) share this code.

use super::super::directory::User;
use super::super::jwt::IssuedClaims;
use super::super::state::EmulatorState;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Lifetime of access tokens (`expires_in`, seconds). Entra picks 60–90 minutes at random; the
/// emulator always uses one hour.
pub const ACCESS_TOKEN_LIFETIME_SECS: i64 = 3600;

/// `{base}/{tenant-guid}/v2.0`.
pub fn issuer(state: &EmulatorState, tenant_id: &str) -> String {
    format!("{}/{}/v2.0", state.base_url, tenant_id)
}

/// The pairwise `sub` of a user for an application (stable, differs per application).
pub fn pairwise_sub(oid: &str, client_id: &str) -> String {
    let digest = Sha256::digest(format!("{oid}|{client_id}").as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}

fn unique_id() -> Option<String> {
    Some(super::store::random_token(16))
}

/// The claims every issued token shares: audience, issuer, tenant, subject and validity.
fn base_claims(
    state: &EmulatorState,
    aud: &str,
    tenant_id: &str,
    (oid, sub): (&str, String),
    lifetime_secs: i64,
) -> IssuedClaims {
    let now = state.now();
    IssuedClaims {
        aud: aud.into(),
        iss: issuer(state, tenant_id),
        tid: tenant_id.into(),
        oid: oid.into(),
        sub,
        iat: now,
        nbf: now,
        exp: now + lifetime_secs,
        ver: Some("2.0".into()),
        ..Default::default()
    }
}

/// A signed delegated access token for `user`, issued to `client_id` for the Graph resource
/// `aud` with `scp`.
pub fn user_access_token(
    state: &EmulatorState,
    user: &User,
    client_id: &str,
    (aud, scp): (&str, &str),
    lifetime_secs: i64,
) -> String {
    let subject = (user.id.as_str(), pairwise_sub(&user.id, client_id));
    let claims = IssuedClaims {
        azp: Some(client_id.into()),
        scp: Some(scp.into()),
        idtyp: Some("user".into()),
        preferred_username: Some(user.user_principal_name.clone()),
        name: Some(user.display_name.clone()),
        uti: unique_id(),
        ..base_claims(state, aud, &user.tenant_id, subject, lifetime_secs)
    };
    state.keys.sign(&claims)
}

/// A signed app-only access token for the Graph resource `aud` (`roles`, no `scp`,
/// `idtyp=app`).
pub fn app_access_token(
    state: &EmulatorState,
    aud: &str,
    tenant_id: &str,
    client_id: &str,
    roles: &[String],
    lifetime_secs: i64,
) -> String {
    let subject = (client_id, client_id.to_string());
    let claims = IssuedClaims {
        azp: Some(client_id.into()),
        roles: Some(roles.to_vec()),
        idtyp: Some("app".into()),
        uti: unique_id(),
        ..base_claims(state, aud, tenant_id, subject, lifetime_secs)
    };
    state.keys.sign(&claims)
}

/// A signed ID token (audience: the client). `name` and `preferred_username` only with
/// the `profile` scope.
pub fn id_token(
    state: &EmulatorState,
    user: &User,
    client_id: &str,
    nonce: Option<&str>,
    profile: bool,
) -> String {
    let subject = (user.id.as_str(), pairwise_sub(&user.id, client_id));
    let claims = IssuedClaims {
        preferred_username: profile.then(|| user.user_principal_name.clone()),
        name: profile.then(|| user.display_name.clone()),
        nonce: nonce.map(str::to_owned),
        ..base_claims(
            state,
            client_id,
            &user.tenant_id,
            subject,
            ACCESS_TOKEN_LIFETIME_SECS,
        )
    };
    state.keys.sign(&claims)
}

/// MSAL's `client_info`: base64url of `{"uid": oid, "utid": tid}`.
pub fn client_info(user: &User) -> String {
    URL_SAFE_NO_PAD.encode(
        serde_json::json!({"uid": user.id, "utid": user.tenant_id})
            .to_string()
            .as_bytes(),
    )
}
