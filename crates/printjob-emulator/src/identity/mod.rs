//! The identity platform: discovery, authorize (sign-in and consent pages), token, device code.
//!
//! | route | what |
//! |---|---|
//! | `GET /{tenant}/v2.0/.well-known/openid-configuration` | discovery document |
//! | `GET /{tenant}/discovery/v2.0/keys` | JWKS |
//! | `GET /{tenant}/oauth2/v2.0/authorize` | validates, then shows the sign-in page |
//! | `POST /{tenant}/login`, `POST /{tenant}/consent` | the sign-in and consent forms |
//! | `POST /{tenant}/oauth2/v2.0/token` | authorization_code, refresh_token, client_credentials, device_code |
//! | `POST /{tenant}/oauth2/v2.0/devicecode` | starts the device code flow |
//! | `GET/POST /devicelogin` | where the user enters the device's code |
//! | `GET /{tenant}/oauth2/v2.0/logout` | end_session_endpoint (a static page) |
//!
//! See `docs/emulator.md` for every choice made where Microsoft's documentation is silent.

pub mod authorize;
pub mod device;
pub mod errors;
pub mod mint;
pub mod pages;
pub mod request;
pub mod scopes;
pub mod store;
pub mod token_endpoint;

use super::state::{EmulatorState, Shared};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use errors::AadError;
use request::{resolve_tenant, TenantPath};
use std::collections::HashMap;

/// The identity routes.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(keys))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::authorize))
        .route("/{tenant}/login", post(authorize::login))
        .route("/{tenant}/consent", post(authorize::consent))
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(token_endpoint::token).fallback(post_only),
        )
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(device::devicecode).fallback(post_only),
        )
        .route("/{tenant}/oauth2/v2.0/logout", get(logout))
        .route(
            "/devicelogin",
            get(device::entry_page).post(device::entry_submit),
        )
        .route("/error", get(error_lookup))
}

/// AADSTS900561 for any method but POST on the token and device code endpoints, as JSON with
/// `405 Method Not Allowed` and `Allow: POST`.
async fn post_only(State(state): State<Shared>, method: axum::http::Method) -> Response {
    let mut error = AadError::new(
        "invalid_request",
        900561,
        format!("The endpoint only accepts POST, OPTIONS requests. Received a {method} request."),
    );
    error.status = StatusCode::METHOD_NOT_ALLOWED;
    let mut response = error.to_json_response(&state);
    response
        .headers_mut()
        .insert(header::ALLOW, axum::http::HeaderValue::from_static("POST"));
    response
}

async fn discovery(State(state): State<Shared>, Path(tenant): Path<String>) -> Response {
    match resolve_tenant(&state, &tenant) {
        Ok(path) => Json(discovery_document(&state, &path)).into_response(),
        Err(e) => e.to_json_response(&state),
    }
}

/// The OpenID Connect discovery document for a tenant segment, shaped like Entra's v2.0 one.
pub fn discovery_document(state: &EmulatorState, tenant: &TenantPath) -> serde_json::Value {
    let base = &state.base_url;
    let seg = tenant.segment();
    let issuer = match tenant {
        TenantPath::Multi(_) => format!("{base}/{{tenantid}}/v2.0"),
        TenantPath::Specific { id, .. } => format!("{base}/{id}/v2.0"),
    };
    let region = match tenant {
        TenantPath::Multi(_) => serde_json::Value::Null,
        TenantPath::Specific { .. } => "EU".into(),
    };
    serde_json::json!({
        "token_endpoint": format!("{base}/{seg}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": format!("{base}/{seg}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "response_types_supported": ["code"],
        "grant_types_supported": [
            "authorization_code", "refresh_token", "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code"
        ],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{base}/{seg}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{seg}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{seg}/oauth2/v2.0/logout"),
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "nbf", "nonce", "preferred_username", "name",
            "tid", "oid", "ver", "email"
        ],
        "tenant_region_scope": region,
        "cloud_instance_name": "emulator.local",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": base.trim_start_matches("http://"),
    })
}

async fn keys(State(state): State<Shared>, Path(tenant): Path<String>) -> Response {
    match resolve_tenant(&state, &tenant) {
        Ok(_) => Json(state.keys.jwks()).into_response(),
        Err(e) => e.to_json_response(&state),
    }
}

async fn logout(State(state): State<Shared>, Path(tenant): Path<String>) -> Response {
    match resolve_tenant(&state, &tenant) {
        Ok(_) => pages::page(
            StatusCode::OK,
            "Signed out",
            "<div id=\"done\">You signed out of your account. The emulator keeps no session, \
             so there was nothing to end.</div>",
        ),
        Err(e) => pages::error_page(&e.headline()),
    }
}

async fn error_lookup(Query(q): Query<HashMap<String, String>>) -> Response {
    let code = q.get("code").map(String::as_str).unwrap_or("");
    let body = format!(
        "<p>Error code AADSTS{}: see docs/emulator.md for what the emulator means by it.</p>",
        pages::esc(code)
    );
    pages::page(StatusCode::OK, "Error code lookup", &body)
}
