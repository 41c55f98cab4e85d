//! The device code flow: `POST /{tenant}/oauth2/v2.0/devicecode` and the `/devicelogin` page
//! where the user types the code (then signs in and consents as in the browser flow).

use super::super::state::Shared;
use super::errors::AadError;
use super::request::{is_form, parse_params, resolve_tenant};
use super::store::{
    random_token, DeviceGrant, DeviceStatus, Flow, FlowKind, DEVICE_CODE_LIFETIME_SECS,
};
use super::{pages, scopes};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;

/// Characters of user codes (no 0/O, 1/I to avoid misreading).
const USER_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn user_code() -> String {
    let mut rng = rand::thread_rng();
    (0..9)
        .map(|_| USER_CODE_ALPHABET[rng.gen_range(0..USER_CODE_ALPHABET.len())] as char)
        .collect()
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(super) async fn devicecode(
    State(state): State<Shared>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match start(&state, &segment, &headers, &body) {
        Ok(json) => Json(json).into_response(),
        Err(e) => e.to_json_response(&state),
    }
}

fn start(
    state: &super::super::state::EmulatorState,
    segment: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, AadError> {
    resolve_tenant(state, segment)?;
    if !is_form(headers) {
        return Err(AadError::missing("client_id"));
    }
    let form = parse_params(body);
    let client_id = form
        .get("client_id")
        .ok_or_else(|| AadError::missing("client_id"))?;
    let client = state.directory().client(client_id).cloned().ok_or_else(|| {
        AadError::new(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory '{segment}'."),
        )
    })?;
    if !client.public {
        return Err(AadError::new(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or \
             'client_secret'. The emulator runs the device code flow for public clients only.",
        ));
    }
    let requested = form
        .get("scope")
        .ok_or_else(|| AadError::missing("scope"))?;
    let scopes = scopes::normalize(requested, &client)?;
    let resource = scopes::resource(requested, state.cloud)?;
    let code = user_code();
    let mut store = state.identity();
    let interval = store.device_interval();
    let device_code = store.insert_device(DeviceGrant {
        user_code: code.clone(),
        client_id: client.client_id.clone(),
        tenant_path: segment.to_ascii_lowercase(),
        scopes,
        resource,
        issued_at: state.now(),
        last_poll: None,
        interval,
        status: DeviceStatus::Pending,
    });
    let uri = format!("{}/devicelogin", state.base_url);
    Ok(serde_json::json!({
        "user_code": code,
        "device_code": device_code,
        "verification_uri": uri,
        "expires_in": DEVICE_CODE_LIFETIME_SECS,
        "interval": interval,
        "message": format!(
            "To sign in, use a web browser to open the page {uri} and enter the code {code} to authenticate."
        ),
    }))
}

/// `GET /devicelogin`.
pub(super) async fn entry_page() -> Response {
    pages::device_code_entry(None)
}

/// `POST /devicelogin`: the user code form; a valid code leads to the sign-in page.
pub(super) async fn entry_submit(State(state): State<Shared>, body: Bytes) -> Response {
    let form = parse_params(&body);
    let typed = form.get("otc").map(String::as_str).unwrap_or("");
    let found = state.identity().device_by_user_code(typed, state.now());
    let Some((device_code, grant)) = found else {
        state.counters.bump("devicelogin:bad_code");
        return pages::device_code_entry(Some(
            "AADSTS70018: The code you entered is not valid or has expired. Check the code and \
             try again.",
        ));
    };
    let flow = Flow {
        id: random_token(18),
        csrf: random_token(24),
        tenant_path: grant.tenant_path.clone(),
        client_id: grant.client_id.clone(),
        scopes: grant.scopes.clone(),
        login_hint: None,
        kind: FlowKind::Device { device_code },
        created_at: state.now(),
        user_oid: None,
    };
    let app = state
        .directory()
        .client(&grant.client_id)
        .map(|c| c.display_name.clone())
        .unwrap_or_default();
    let response = super::authorize::sign_in_page(&flow, &app, None, None);
    state.identity().insert_flow(flow);
    response
}
