//! `GET /{tenant}/oauth2/v2.0/authorize` and the sign-in and consent forms it leads to.
//!
//! Until the client and redirect URI are validated, errors are shown on an HTML page (never
//! sent to an unverified URI); after that they go back to the redirect URI as `error`,
//! `error_description` and `state`, as Entra does.

use super::super::directory::{Client, User};
use super::super::state::{EmulatorState, Shared};
use super::errors::AadError;
use super::request::{cookie, parse_params, TenantPath};
use super::store::{
    random_token, AuthorizeRequest, CodeGrant, DeviceStatus, Flow, FlowKind, ResponseMode,
};
use super::{pages, scopes};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use url::Url;

/// Whether `requested` matches the registered redirect URI `registered`: exactly, or, for an
/// `http` loopback URI (`localhost`, `127.0.0.1`, `[::1]`), with any port (RFC 8252 §7.3) and
/// the same host, path and query.
pub fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(reg), Ok(req)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    let loopback = |u: &Url| {
        u.scheme() == "http" && matches!(u.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
    };
    loopback(&reg)
        && loopback(&req)
        && reg.host_str() == req.host_str()
        && reg.path() == req.path()
        && reg.query() == req.query()
        && req.fragment().is_none()
        && req.username().is_empty()
        && req.password().is_none()
}

/// Checks a PKCE S256 `code_challenge`: 43 characters of base64url.
pub fn challenge_is_well_formed(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The client, the redirect URI and the tenant: what must be right before anything is sent to
/// the redirect URI.
struct Trusted {
    tenant: TenantPath,
    tenant_segment: String,
    client: Client,
    redirect_uri: String,
}

fn validate_trusted(
    state: &EmulatorState,
    segment: &str,
    q: &HashMap<String, String>,
) -> Result<Trusted, AadError> {
    let tenant = super::request::resolve_tenant(state, segment)?;
    let client_id = q
        .get("client_id")
        .ok_or_else(|| AadError::missing("client_id"))?;
    let client = state
        .directory()
        .client(client_id)
        .cloned()
        .ok_or_else(|| AadError::unknown_client(client_id, segment))?;
    let redirect_uri = q
        .get("redirect_uri")
        .ok_or_else(|| AadError::new("invalid_request", 900971, "No reply address provided."))?;
    if !client
        .redirect_uris
        .iter()
        .any(|r| redirect_matches(r, redirect_uri))
    {
        return Err(AadError::new(
            "invalid_request",
            50011,
            format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the \
                 redirect URIs configured for the application '{}'. Make sure the redirect URI \
                 sent in the request matches one added to your application in the Azure portal.",
                client.client_id
            ),
        ));
    }
    Ok(Trusted {
        tenant,
        tenant_segment: segment.to_ascii_lowercase(),
        client,
        redirect_uri: redirect_uri.clone(),
    })
}

fn invalid_request(code: u32, message: impl Into<String>) -> AadError {
    AadError::new("invalid_request", code, message)
}

fn response_mode(q: &HashMap<String, String>) -> Result<ResponseMode, AadError> {
    match q.get("response_mode").map(String::as_str) {
        None | Some("query") => Ok(ResponseMode::Query),
        Some("form_post") => Ok(ResponseMode::FormPost),
        Some("fragment") => Err(invalid_request(
            90023,
            "response_mode 'fragment' is not allowed for the authorization code flow of this \
             application; use 'query' or 'form_post'.",
        )),
        Some(other) => Err(invalid_request(
            90023,
            format!("The response_mode '{other}' is not supported; use 'query' or 'form_post'."),
        )),
    }
}

fn check_response_type(q: &HashMap<String, String>) -> Result<(), AadError> {
    match q.get("response_type").map(String::as_str) {
        None => Err(AadError::missing("response_type")),
        Some("code") => Ok(()),
        Some(other) => Err(AadError::new(
            "unsupported_response_type",
            70005,
            format!(
                "response_type '{other}' is not supported by the emulator: only the authorization \
                 code flow (response_type=code) is."
            ),
        )),
    }
}

fn check_pkce(q: &HashMap<String, String>, client: &Client) -> Result<Option<String>, AadError> {
    let challenge = q.get("code_challenge");
    let method = q.get("code_challenge_method").map(String::as_str);
    match (challenge, method) {
        (None, _) if client.public => Err(invalid_request(
            9002325,
            "Proof Key for Code Exchange is required for this public client: send code_challenge \
             with code_challenge_method=S256.",
        )),
        (None, _) => Ok(None),
        (Some(_), Some("S256")) => {
            let c = challenge.cloned().unwrap_or_default();
            if challenge_is_well_formed(&c) {
                Ok(Some(c))
            } else {
                Err(invalid_request(
                    501491,
                    "Invalid size of Code_Challenge parameter: an S256 challenge is the 43 \
                     character base64url SHA-256 of the code_verifier.",
                ))
            }
        }
        (Some(_), m) => Err(invalid_request(
            9002325,
            format!(
                "code_challenge_method '{}' is not allowed; use S256 (plain is refused).",
                m.unwrap_or("plain")
            ),
        )),
    }
}

fn check_prompt(q: &HashMap<String, String>) -> Result<bool, AadError> {
    match q.get("prompt").map(String::as_str) {
        None | Some("login") | Some("select_account") => Ok(false),
        Some("consent") => Ok(true),
        Some("none") => Err(AadError::new(
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in. The emulator keeps no \
             browser session: send an interactive request (without prompt=none).",
        )),
        Some(other) => Err(invalid_request(
            90023,
            format!("Invalid prompt value '{other}': use login, select_account, consent or none."),
        )),
    }
}

fn check_claims(q: &HashMap<String, String>) -> Result<Option<String>, AadError> {
    match q.get("claims") {
        None => Ok(None),
        Some(c)
            if serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(c).is_ok() =>
        {
            Ok(Some(c.clone()))
        }
        Some(_) => Err(invalid_request(
            90023,
            "The 'claims' parameter is not a valid JSON object.",
        )),
    }
}

/// `GET /{tenant}/oauth2/v2.0/authorize`.
pub(super) async fn authorize(
    State(state): State<Shared>,
    Path(segment): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = parse_params(raw.unwrap_or_default().as_bytes());
    let trusted = match validate_trusted(&state, &segment, &q) {
        Ok(t) => t,
        Err(e) => return pages::error_page(&e.headline()),
    };
    let mode = response_mode(&q);
    let delivery = *mode.as_ref().unwrap_or(&ResponseMode::Query);
    let request = mode.and_then(|mode| build_request(&q, &trusted, mode, state.cloud));
    match request {
        Ok((request, scopes)) => start_flow(&state, &trusted, request, scopes, &q),
        Err(e) => {
            let mut params = e.redirect_params(&state);
            if let Some(s) = q.get("state") {
                params.push(("state".into(), s.clone()));
            }
            deliver(&trusted.redirect_uri, delivery, params)
        }
    }
}

fn build_request(
    q: &HashMap<String, String>,
    trusted: &Trusted,
    mode: ResponseMode,
    cloud: printjob::Cloud,
) -> Result<(AuthorizeRequest, Vec<String>), AadError> {
    check_response_type(q)?;
    let code_challenge = check_pkce(q, &trusted.client)?;
    let requested = q.get("scope").ok_or_else(|| AadError::missing("scope"))?;
    let scopes = scopes::normalize(requested, &trusted.client)?;
    let resource = scopes::resource(requested, cloud)?;
    let force_consent = check_prompt(q)?;
    let claims = check_claims(q)?;
    let request = AuthorizeRequest {
        redirect_uri: trusted.redirect_uri.clone(),
        response_mode: mode,
        state: q.get("state").cloned(),
        nonce: q.get("nonce").cloned(),
        code_challenge,
        claims,
        force_consent,
        resource,
    };
    Ok((request, scopes))
}

fn start_flow(
    state: &EmulatorState,
    trusted: &Trusted,
    request: AuthorizeRequest,
    scopes: Vec<String>,
    q: &HashMap<String, String>,
) -> Response {
    let _ = &trusted.tenant;
    let flow = Flow {
        id: random_token(18),
        csrf: random_token(24),
        tenant_path: trusted.tenant_segment.clone(),
        client_id: trusted.client.client_id.clone(),
        scopes,
        login_hint: q.get("login_hint").cloned(),
        kind: FlowKind::Authorize(request),
        created_at: state.now(),
        user_oid: None,
    };
    let response = sign_in_page(&flow, &trusted.client.display_name, None, None);
    state.identity().insert_flow(flow);
    response
}

/// The sign-in page of a flow, with the CSRF cookie.
pub(super) fn sign_in_page(
    flow: &Flow,
    app: &str,
    typed: Option<&str>,
    error: Option<&str>,
) -> Response {
    let action = format!("/{}/login", flow.tenant_path);
    let username = typed.or(flow.login_hint.as_deref()).unwrap_or("");
    let mut response = pages::sign_in(&pages::SignIn {
        action: &action,
        flow: &flow.id,
        csrf: &flow.csrf,
        username,
        app,
        error,
    });
    let cookie = format!(
        "emu_csrf_{}={}; Path=/; HttpOnly; SameSite=Lax",
        flow.id, flow.csrf
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Sends parameters to the redirect URI: `302` with a query, or the form_post page.
pub fn deliver(redirect_uri: &str, mode: ResponseMode, params: Vec<(String, String)>) -> Response {
    match mode {
        ResponseMode::FormPost => pages::form_post(redirect_uri, &params),
        ResponseMode::Query => {
            let Ok(mut url) = Url::parse(redirect_uri) else {
                return pages::error_page("AADSTS50011: the redirect URI is not a valid URL.");
            };
            url.query_pairs_mut().extend_pairs(params);
            let mut response = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(url.as_str()) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            response
        }
    }
}

/// Looks up the flow a form belongs to and checks its CSRF field and cookie.
// The error is the page to answer with, as axum handlers return it; boxing it would only add
// noise at every call site of this request-scoped helper.
#[allow(clippy::result_large_err)]
fn checked_flow(
    state: &EmulatorState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Flow, Response> {
    let expired = || {
        pages::error_page(
            "AADSTS50089: Authentication failed due to flow token expired or not valid. Start \
             the sign-in again from the application.",
        )
    };
    let id = form.get("flow").ok_or_else(expired)?;
    let flow = state
        .identity()
        .flow(id, state.now())
        .cloned()
        .ok_or_else(expired)?;
    let from_cookie = cookie(headers, &format!("emu_csrf_{}", flow.id));
    let from_form = form.get("csrf");
    if from_form != Some(&flow.csrf) || from_cookie.as_ref() != Some(&flow.csrf) {
        return Err(expired());
    }
    Ok(flow)
}

fn app_name(state: &EmulatorState, client_id: &str) -> String {
    state
        .directory()
        .client(client_id)
        .map(|c| c.display_name.clone())
        .unwrap_or_else(|| client_id.to_string())
}

/// Why a user may not sign in through this flow (`AADSTSnnnn: …`), if so.
fn refuse_user(state: &EmulatorState, flow: &Flow, user: &User) -> Option<String> {
    if user.is_personal() {
        return Some(format!(
            "AADSTS50020: User account '{}' from identity provider 'live.com' cannot access the \
             application '{}': personal Microsoft accounts are not supported for this \
             application. Use a work or school account.",
            user.user_principal_name, flow.client_id
        ));
    }
    let tenant = TenantPath::resolve(&state.directory(), &flow.tenant_path)?;
    (!tenant.admits(&user.tenant_id)).then(|| {
        format!(
            "AADSTS50034: The user account {} does not exist in the {} directory. To sign into \
             this application, the account must be added to the directory.",
            user.user_principal_name, flow.tenant_path
        )
    })
}

/// `POST /{tenant}/login`: the sign-in form.
pub(super) async fn login(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = parse_params(&body);
    let flow = match checked_flow(&state, &headers, &form) {
        Ok(f) => f,
        Err(page) => return page,
    };
    let app = app_name(&state, &flow.client_id);
    let typed = form.get("login").map(String::as_str).unwrap_or("");
    let password = form.get("passwd").map(String::as_str).unwrap_or("");
    let user = state.directory().user_by_upn(typed).cloned();
    let Some(user) = user else {
        let msg = format!(
            "AADSTS50034: The user account {typed} does not exist in the directory. Check the \
             user name."
        );
        return sign_in_page(&flow, &app, Some(typed), Some(&msg));
    };
    if let Some(msg) = refuse_user(&state, &flow, &user) {
        state.counters.bump("signin:refused");
        return sign_in_page(&flow, &app, Some(typed), Some(&msg));
    }
    if user.password != password {
        state.counters.bump("signin:bad_password");
        let msg = "AADSTS50126: Error validating credentials due to invalid username or password.";
        return sign_in_page(&flow, &app, Some(typed), Some(msg));
    }
    state.counters.bump("signin:ok");
    state.identity().set_flow_user(&flow.id, &user.id);
    after_sign_in(&state, &flow, &user, &app)
}

fn after_sign_in(state: &EmulatorState, flow: &Flow, user: &User, app: &str) -> Response {
    let needs_admin: Vec<&String> = flow
        .scopes
        .iter()
        .filter(|s| scopes::needs_admin(s))
        .collect();
    if !needs_admin.is_empty() && !user.is_printer_admin() {
        let names: Vec<&str> = needs_admin.iter().map(|s| s.as_str()).collect();
        let error = AadError::new(
            "access_denied",
            90094,
            format!(
                "The grant requires admin permission: {} can only be consented to by an \
                 administrator (Printer Administrator). Ask an administrator, or request \
                 PrintJob.ReadWriteBasic instead.",
                names.join(", ")
            ),
        );
        return refuse(state, flow, error);
    }
    let consented = state.identity().consented(&user.id, &flow.client_id);
    let force = matches!(&flow.kind, FlowKind::Authorize(r) if r.force_consent);
    if !force && flow.scopes.iter().all(|s| consented.contains(s)) {
        return complete(state, flow, user, app);
    }
    pages::consent(
        &format!("/{}/consent", flow.tenant_path),
        &flow.id,
        &flow.csrf,
        app,
        &user.user_principal_name,
        &flow.scopes,
    )
}

/// Ends a flow with an error: an error redirect, or a declined device code.
fn refuse(state: &EmulatorState, flow: &Flow, error: AadError) -> Response {
    state.identity().remove_flow(&flow.id);
    match &flow.kind {
        FlowKind::Authorize(request) => {
            let mut params = error.redirect_params(state);
            if let Some(s) = &request.state {
                params.push(("state".into(), s.clone()));
            }
            deliver(&request.redirect_uri, request.response_mode, params)
        }
        FlowKind::Device { device_code } => {
            if let Some(grant) = state.identity().device_mut(device_code) {
                grant.status = DeviceStatus::Declined {
                    code: error.code,
                    message: error.message.clone(),
                };
            }
            if error.code == 65004 {
                pages::device_done("You declined the sign-in request on your device.")
            } else {
                pages::error_page(&error.headline())
            }
        }
    }
}

/// Ends a flow successfully: a code to the redirect URI, or an approved device code.
fn complete(state: &EmulatorState, flow: &Flow, user: &User, app: &str) -> Response {
    state.identity().remove_flow(&flow.id);
    match &flow.kind {
        FlowKind::Authorize(request) => {
            let grant = CodeGrant {
                client_id: flow.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                user_oid: user.id.clone(),
                scopes: flow.scopes.clone(),
                resource: request.resource.clone(),
                nonce: request.nonce.clone(),
                claims: request.claims.clone(),
                issued_at: state.now(),
                redeemed: false,
            };
            let code = state.identity().issue_code(grant);
            state.counters.bump("code:issued");
            let mut params = vec![("code".to_string(), code)];
            if let Some(s) = &request.state {
                params.push(("state".into(), s.clone()));
            }
            deliver(&request.redirect_uri, request.response_mode, params)
        }
        FlowKind::Device { device_code } => {
            if let Some(grant) = state.identity().device_mut(device_code) {
                grant.status = DeviceStatus::Approved {
                    user_oid: user.id.clone(),
                };
            }
            pages::device_done(&format!(
                "You have signed in to the {app} application on your device. You may now close \
                 this window."
            ))
        }
    }
}

/// `POST /{tenant}/consent`: Accept or Cancel.
pub(super) async fn consent(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = parse_params(&body);
    let flow = match checked_flow(&state, &headers, &form) {
        Ok(f) => f,
        Err(page) => return page,
    };
    let user = flow
        .user_oid
        .as_deref()
        .and_then(|oid| state.directory().user(oid).cloned());
    let Some(user) = user else {
        return pages::error_page(
            "AADSTS50089: Sign in before consenting. Start the sign-in again from the application.",
        );
    };
    match form.get("decision").map(String::as_str) {
        Some("accept") => {
            state
                .identity()
                .add_consent(&user.id, &flow.client_id, &flow.scopes);
            state.counters.bump("consent:accepted");
            let app = app_name(&state, &flow.client_id);
            complete(&state, &flow, &user, &app)
        }
        _ => {
            state.counters.bump("consent:declined");
            let error = AadError::new(
                "access_denied",
                65004,
                "User declined to consent to access the app.",
            );
            refuse(&state, &flow, error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirect_matches_any_port_but_not_another_path() {
        assert!(redirect_matches(
            "http://localhost",
            "http://localhost:53123"
        ));
        assert!(redirect_matches("http://127.0.0.1", "http://127.0.0.1:9/"));
        assert!(!redirect_matches(
            "http://127.0.0.1",
            "http://127.0.0.1:9/cb"
        ));
        assert!(!redirect_matches("http://localhost", "http://127.0.0.1:9"));
        assert!(!redirect_matches(
            "https://app.example/cb",
            "https://app.example:444/cb"
        ));
        assert!(redirect_matches(
            "https://app.example/cb",
            "https://app.example/cb"
        ));
        assert!(!redirect_matches(
            "http://localhost",
            "http://localhost.evil.example:80"
        ));
    }

    #[test]
    fn challenge_must_be_43_base64url_characters() {
        assert!(challenge_is_well_formed(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!challenge_is_well_formed("short"));
        assert!(!challenge_is_well_formed(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
    }
}
