//! `POST /{tenant}/oauth2/v2.0/token`: authorization_code, refresh_token, client_credentials
//! and device_code grants.

use super::super::directory::{Client, User};
use super::super::state::{EmulatorState, Shared};
use super::errors::AadError;
use super::mint::{self, ACCESS_TOKEN_LIFETIME_SECS};
use super::request::{is_form, parse_params, resolve_tenant, TenantPath};
use super::scopes;
use super::store::{
    CodeError, DeviceStatus, RefreshError, RefreshRecord, DEVICE_CODE_LIFETIME_SECS,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The device code grant type.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

type Form = HashMap<String, String>;

/// `POST /{tenant}/oauth2/v2.0/token`.
pub(super) async fn token(
    State(state): State<Shared>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&state, &segment, &headers, &body) {
        Ok(json) => {
            let mut response = Json(json).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => {
            state.counters.bump(&format!("token_error:{}", e.error));
            e.to_json_response(&state)
        }
    }
}

fn handle(
    state: &EmulatorState,
    segment: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, AadError> {
    let tenant = resolve_tenant(state, segment).map_err(|mut e| {
        e.error = "invalid_request";
        e
    })?;
    if !is_form(headers) {
        return Err(AadError::missing("grant_type"));
    }
    let form = parse_params(body);
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| AadError::missing("grant_type"))?;
    state.counters.bump(&format!("grant:{grant_type}"));
    count_claims(state, &form);
    let client = authenticate_client(state, segment, headers, &form)?;
    match grant_type.as_str() {
        "authorization_code" => authorization_code(state, &client, &form),
        "refresh_token" => refresh_token(state, &client, &form),
        "client_credentials" => client_credentials(state, &tenant, &client, &form),
        DEVICE_CODE_GRANT => device_code(state, &client, &form),
        other => Err(AadError::new(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

/// Counts what the `claims` parameter carried: `claims:cp1` when the client declared the `cp1`
/// capability (`access_token.xms_cc`), `claims:challenge` when it answered a claims challenge
/// (any other `access_token` claim), so tests can see what reached the token endpoint.
fn count_claims(state: &EmulatorState, form: &Form) {
    let Some(claims) = form
        .get("claims")
        .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
    else {
        return;
    };
    let access = &claims["access_token"];
    let cp1 = access["xms_cc"]["values"]
        .as_array()
        .is_some_and(|v| v.iter().any(|c| c == "cp1"));
    if cp1 {
        state.counters.bump("claims:cp1");
    }
    if access
        .as_object()
        .is_some_and(|o| o.keys().any(|k| k != "xms_cc"))
    {
        state.counters.bump("claims:challenge");
    }
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((unescape(id), unescape(secret)))
}

/// Identifies the client (`client_id`, `client_secret` in the form or HTTP Basic) and checks
/// that public clients send no secret and confidential ones the right one.
fn authenticate_client(
    state: &EmulatorState,
    segment: &str,
    headers: &HeaderMap,
    form: &Form,
) -> Result<Client, AadError> {
    let basic = basic_auth(headers);
    let client_id = form
        .get("client_id")
        .cloned()
        .or_else(|| basic.as_ref().map(|b| b.0.clone()))
        .ok_or_else(|| AadError::missing("client_id"))?;
    let client = state
        .directory()
        .client(&client_id)
        .cloned()
        .ok_or_else(|| AadError::unknown_client(&client_id, segment))?;
    let secret = form
        .get("client_secret")
        .cloned()
        .or_else(|| basic.map(|b| b.1));
    match (client.public, secret) {
        (true, Some(_)) => Err(AadError::new(
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        )),
        (false, None) => Err(secret_required()),
        (false, Some(s)) if client.secret.as_deref() != Some(s.as_str()) => {
            Err(AadError::new(
                "invalid_client",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request \
                     is the client secret value, not the client secret ID, for a secret added to \
                     app '{client_id}'."
                ),
            ))
        }
        _ => Ok(client),
    }
}

fn secret_required() -> AadError {
    AadError::new(
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or \
         'client_secret'.",
    )
}

fn invalid_grant(code: u32, message: impl Into<String>) -> AadError {
    AadError::new("invalid_grant", code, message)
}

fn required<'a>(form: &'a Form, name: &str) -> Result<&'a str, AadError> {
    form.get(name)
        .map(String::as_str)
        .ok_or_else(|| AadError::missing(name))
}

/// RFC 7636 §4.1: 43–128 characters of `A-Z a-z 0-9 - . _ ~`.
pub fn verifier_is_well_formed(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of a verifier.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn check_verifier(challenge: &str, form: &Form) -> Result<(), AadError> {
    let verifier = required(form, "code_verifier")?;
    let mismatch = "The Code_Verifier does not match the code_challenge supplied in the \
                    authorization request.";
    if !verifier_is_well_formed(verifier) {
        return Err(invalid_grant(
            501481,
            format!(
                "{mismatch} The code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, \
                 '-', '.', '_' and '~' (RFC 7636 section 4.1)."
            ),
        ));
    }
    if s256(verifier) != challenge {
        return Err(invalid_grant(501481, mismatch));
    }
    Ok(())
}

fn user(state: &EmulatorState, oid: &str) -> Result<User, AadError> {
    state.directory().user(oid).cloned().ok_or_else(|| {
        invalid_grant(
            50034,
            "The user account of this grant no longer exists in the directory.",
        )
    })
}

fn authorization_code(
    state: &EmulatorState,
    client: &Client,
    form: &Form,
) -> Result<serde_json::Value, AadError> {
    let code = required(form, "code")?;
    let redirect_uri = required(form, "redirect_uri")?;
    // Look-up, checks and marking happen under one lock: a code is redeemed at most once
    // however many requests race for it (Entra documents codes as single-use).
    let grant = state
        .identity()
        .redeem_code(code, state.now(), |grant| {
            check_code_grant(grant, client, redirect_uri, form)
        })
        .map_err(|e| match e {
            CodeError::Unknown => invalid_grant(
                70000,
                "The provided value for the 'code' parameter is not valid.",
            ),
            CodeError::Reused => {
                state.counters.bump("code:reused");
                invalid_grant(
                    54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new \
                     valid code or use an existing refresh token. The refresh tokens issued for \
                     this code have been revoked.",
                )
            }
            CodeError::Expired => invalid_grant(
                70008,
                "The provided authorization code or refresh token has expired due to \
                 inactivity. Send a new interactive authorization request for this user and \
                 resource.",
            ),
        })??;
    state.counters.bump("code:redeemed");
    let user = user(state, &grant.user_oid)?;
    let issue = Issue {
        user: &user,
        client_id: &client.client_id,
        scopes: &grant.scopes,
        resource: &grant.resource,
        nonce: grant.nonce.as_deref(),
        family: None,
        family_scopes: &grant.scopes,
        family_resource: &grant.resource,
        from_code: Some(code),
        client_info: form.get("client_info").is_some_and(|v| v == "1"),
    };
    Ok(issue_tokens(state, &issue))
}

/// The checks a code redemption must pass before the code is used up.
fn check_code_grant(
    grant: &super::store::CodeGrant,
    client: &Client,
    redirect_uri: &str,
    form: &Form,
) -> Result<(), AadError> {
    if grant.client_id != client.client_id {
        return Err(invalid_grant(
            70000,
            "The provided authorization code was issued to a different client.",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            500112,
            format!(
                "The reply address '{redirect_uri}' does not match the reply address '{}' \
                 provided when requesting Authorization code.",
                grant.redirect_uri
            ),
        ));
    }
    if let Some(challenge) = &grant.code_challenge {
        check_verifier(challenge, form)?;
    }
    Ok(())
}

/// What a successful user grant issues.
struct Issue<'a> {
    user: &'a User,
    client_id: &'a str,
    scopes: &'a [String],
    /// The Graph resource the scopes name: the access token's audience.
    resource: &'a str,
    nonce: Option<&'a str>,
    /// The refresh-token family to continue (refresh grant), or None to start one if
    /// `offline_access` was granted.
    family: Option<u64>,
    family_scopes: &'a [String],
    /// The resource of `family_scopes` (recorded on a new refresh token).
    family_resource: &'a str,
    from_code: Option<&'a str>,
    client_info: bool,
}

fn issue_tokens(state: &EmulatorState, issue: &Issue<'_>) -> serde_json::Value {
    let scp = scopes::scp_claim(issue.scopes);
    let access = mint::user_access_token(
        state,
        issue.user,
        issue.client_id,
        (issue.resource, &scp),
        ACCESS_TOKEN_LIFETIME_SECS,
    );
    let mut body = serde_json::json!({
        "token_type": "Bearer",
        "scope": scopes::response_scope(issue.scopes, issue.resource, state.cloud),
        "expires_in": ACCESS_TOKEN_LIFETIME_SECS,
        "ext_expires_in": ACCESS_TOKEN_LIFETIME_SECS,
        "access_token": access,
    });
    let offline = issue.scopes.iter().any(|s| s == "offline_access");
    if offline || issue.family.is_some() {
        let mut store = state.identity();
        let family = issue.family.unwrap_or_else(|| store.new_family());
        let refresh = store.issue_refresh(RefreshRecord {
            family,
            client_id: issue.client_id.to_string(),
            user_oid: issue.user.id.clone(),
            scopes: issue.family_scopes.to_vec(),
            resource: issue.family_resource.to_string(),
            issued_at: state.now(),
            superseded_at: None,
            revoked: false,
            from_code: issue.from_code.map(str::to_owned),
        });
        body["refresh_token"] = refresh.into();
    }
    if issue.scopes.iter().any(|s| s == "openid") {
        let profile = issue.scopes.iter().any(|s| s == "profile");
        let id = mint::id_token(state, issue.user, issue.client_id, issue.nonce, profile);
        body["id_token"] = id.into();
    }
    if issue.client_info {
        body["client_info"] = mint::client_info(issue.user).into();
    }
    body
}

fn refresh_token(
    state: &EmulatorState,
    client: &Client,
    form: &Form,
) -> Result<serde_json::Value, AadError> {
    let token = required(form, "refresh_token")?;
    let record = {
        let mut store = state.identity();
        match store.check_refresh(token, &client.client_id, state.now()) {
            // Strict mode: a rotated-out token presented again revokes its family.
            Err(RefreshError::Reused) => store
                .use_refresh(token, &client.client_id, state.now())
                .and(Err(RefreshError::Reused)),
            other => other,
        }
    }
    .map_err(|e| {
        if e == RefreshError::Reused {
            state.counters.bump("refresh:reuse_revoked_family");
        }
        refresh_error(e)
    })?;
    let (scopes, resource) = match form.get("scope") {
        None => (record.scopes.clone(), record.resource.clone()),
        Some(s) => (
            scopes::normalize(s, client)?,
            scopes::resource(s, state.cloud)?,
        ),
    };
    let consented = state
        .identity()
        .consented(&record.user_oid, &client.client_id);
    if let Some(missing) = scopes
        .iter()
        .find(|s| !consented.contains(*s) && !record.scopes.contains(s))
    {
        return Err(invalid_grant(
            65001,
            format!(
                "The user or administrator has not consented to use the application with ID \
                 '{}' named '{}' for {missing}. Send an interactive authorization request for \
                 this user and resource.",
                client.client_id, client.display_name
            ),
        )
        .with_suberror("consent_required"));
    }
    // Only a grant that succeeds uses the refresh token up (rotation).
    state
        .identity()
        .use_refresh(token, &client.client_id, state.now())
        .map_err(refresh_error)?;
    state.counters.bump("refresh:rotated");
    let user = user(state, &record.user_oid)?;
    let issue = Issue {
        user: &user,
        client_id: &client.client_id,
        scopes: &scopes,
        resource: &resource,
        nonce: None,
        family: Some(record.family),
        family_scopes: &record.scopes,
        family_resource: &record.resource,
        from_code: record.from_code.as_deref(),
        client_info: form.get("client_info").is_some_and(|v| v == "1"),
    };
    Ok(issue_tokens(state, &issue))
}

fn refresh_error(e: RefreshError) -> AadError {
    match e {
        RefreshError::Unknown => invalid_grant(
            9002313,
            "Invalid request. The refresh token is malformed, unknown or was revoked. Sign in \
             again.",
        ),
        RefreshError::Superseded => invalid_grant(
            70000,
            format!(
                "The provided refresh token was replaced by a newer one more than {} seconds \
                 ago (refresh tokens are rotated on every use). Use the newest refresh token, or \
                 sign in again.",
                super::store::REFRESH_GRACE_SECS
            ),
        ),
        RefreshError::Expired => invalid_grant(
            700082,
            "The refresh token has expired due to inactivity. Sign in again.",
        ),
        RefreshError::Reused => invalid_grant(
            70000,
            "The provided refresh token was already used and replaced by a newer one; reusing \
             it revoked every refresh token of this sign-in (RFC 9700 section 4.14.2). Sign in \
             again.",
        ),
        RefreshError::WrongClient => invalid_grant(
            70000,
            "The provided refresh token was issued to a different client.",
        ),
    }
}

fn client_credentials(
    state: &EmulatorState,
    tenant: &TenantPath,
    client: &Client,
    form: &Form,
) -> Result<serde_json::Value, AadError> {
    if client.public {
        return Err(secret_required());
    }
    let scope = required(form, "scope")?;
    let words: Vec<&str> = scope.split_whitespace().collect();
    let default_only = words.len() == 1 && words[0].ends_with("/.default");
    if !default_only {
        return Err(AadError::new(
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must \
                 have a scope value with /.default suffixed to the resource identifier \
                 (application ID URI)."
            ),
        ));
    }
    let resource = scopes::resource(words[0], state.cloud)?;
    if printjob::strip_graph_resource(words[0]) != ".default" {
        return Err(AadError::new(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {} was not found in the tenant. The emulator \
                 issues app-only tokens for Microsoft Graph only.",
                words[0].trim_end_matches("/.default")
            ),
        ));
    }
    let tenant_id = match tenant {
        TenantPath::Specific { id, .. } => id.clone(),
        TenantPath::Multi(_) => client.tenant_id.clone(),
    };
    let access = mint::app_access_token(
        state,
        &resource,
        &tenant_id,
        &client.client_id,
        &client.app_roles,
        ACCESS_TOKEN_LIFETIME_SECS,
    );
    Ok(serde_json::json!({
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME_SECS,
        "ext_expires_in": ACCESS_TOKEN_LIFETIME_SECS,
        "access_token": access,
    }))
}

fn device_code(
    state: &EmulatorState,
    client: &Client,
    form: &Form,
) -> Result<serde_json::Value, AadError> {
    let device_code = required(form, "device_code")?;
    let now = state.now();
    let (status, scopes, resource) = poll_device(state, client, device_code, now)?;
    let DeviceStatus::Approved { user_oid } = status else {
        return Err(invalid_grant(70000, "The device code is not approved."));
    };
    state.identity().remove_device(device_code);
    let user = user(state, &user_oid)?;
    let issue = Issue {
        user: &user,
        client_id: &client.client_id,
        scopes: &scopes,
        resource: &resource,
        nonce: None,
        family: None,
        family_scopes: &scopes,
        family_resource: &resource,
        from_code: None,
        client_info: form.get("client_info").is_some_and(|v| v == "1"),
    };
    Ok(issue_tokens(state, &issue))
}

/// One poll: the device code's status if approved, else the RFC 8628 error.
fn poll_device(
    state: &EmulatorState,
    client: &Client,
    device_code: &str,
    now: i64,
) -> Result<(DeviceStatus, Vec<String>, String), AadError> {
    let mut store = state.identity();
    let bad = || {
        AadError::new(
            "bad_verification_code",
            70000,
            "The provided value for the 'device_code' parameter is not valid.",
        )
    };
    let grant = store.device_mut(device_code).ok_or_else(bad)?;
    if grant.client_id != client.client_id {
        return Err(bad());
    }
    if now - grant.issued_at >= DEVICE_CODE_LIFETIME_SECS {
        store.remove_device(device_code);
        return Err(AadError::new(
            "expired_token",
            70019,
            "Verification code expired. Start the device code flow again.",
        ));
    }
    let too_fast = grant
        .last_poll
        .is_some_and(|last| now - last < grant.interval as i64);
    grant.last_poll = Some(now);
    if too_fast {
        grant.interval += 5;
        return Err(AadError::new(
            "slow_down",
            70016,
            format!(
                "OAuth 2.0 device flow error. Polling too fast: wait {} seconds between polls.",
                grant.interval
            ),
        ));
    }
    match grant.status.clone() {
        DeviceStatus::Pending => Err(AadError::new(
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )),
        DeviceStatus::Declined { code, message } => {
            store.remove_device(device_code);
            Err(AadError::new("authorization_declined", code, message))
        }
        approved => Ok((approved, grant.scopes.clone(), grant.resource.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_length_and_charset_are_checked() {
        assert!(verifier_is_well_formed(&"a".repeat(43)));
        assert!(!verifier_is_well_formed(&"a".repeat(42)));
        assert!(!verifier_is_well_formed(&"a".repeat(129)));
        assert!(!verifier_is_well_formed(&format!("{}+", "a".repeat(43))));
    }
}
