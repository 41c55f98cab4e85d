//! The Graph print endpoints under `/v1.0` (printers, shares, jobs, cancel, `$batch`) and the
//! `/_emulator/graph/revoke-sessions` admin route. See `docs/emulator-graph.md`.

pub mod auth;
pub mod batch;
pub mod error;
pub mod ops;
pub mod query;
pub mod seed;
pub mod store;

use super::state::Shared;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::Router;
use error::RequestIds;
use ops::{templates, Call, Reply};
use serde::Deserialize;

/// The Graph routes. Every print route accepts any method, so that a wrong one gets Graph's
/// `405` error body from [`ops::execute`] rather than a bare status; any other path under
/// `/v1.0` answers Graph's `400 BadRequest` "Resource not found for the segment" body.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route(templates::PRINTERS, any(serve))
        .route(templates::PRINTER, any(serve))
        .route(templates::PRINTER_JOBS, any(serve))
        .route(templates::PRINTER_JOB, any(serve))
        .route(templates::PRINTER_JOB_CANCEL, any(serve))
        .route(templates::SHARES, any(serve))
        .route(templates::SHARE, any(serve))
        .route(templates::SHARE_JOBS, any(serve))
        .route(templates::SHARE_JOB, any(serve))
        .route(templates::SHARE_JOB_CANCEL, any(serve))
        .route(templates::BATCH, any(serve_batch))
        .route(templates::OTHER, any(serve))
        .route("/_emulator/graph/revoke-sessions", post(revoke_sessions))
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn render(reply: Reply, ids: &RequestIds) -> Response {
    let mut response = match reply.body {
        Some(body) => (reply.status, axum::Json(body)).into_response(),
        None => reply.status.into_response(),
    };
    for (name, value) in reply.headers {
        if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, v);
        }
    }
    ids.apply(&mut response);
    response
}

async fn serve(
    State(state): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ids = RequestIds::new(header(&headers, "client-request-id").as_deref());
    let path_and_query = uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or_else(|| uri.path());
    let below_version = path_and_query
        .strip_prefix("/v1.0")
        .unwrap_or(path_and_query);
    let call = Call::new(
        method,
        below_version,
        header(&headers, "authorization"),
        !body.is_empty(),
    );
    render(ops::execute(&state, &call, &ids), &ids)
}

async fn serve_batch(
    State(state): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ids = RequestIds::new(header(&headers, "client-request-id").as_deref());
    let authorization = header(&headers, "authorization");
    let outcome = if method == Method::POST {
        batch::run(&state, &body, authorization.as_deref())
    } else {
        Err(ops::method_not_allowed(&method, &Method::POST))
    };
    let reply = match outcome {
        Ok((status, value)) => Reply {
            status,
            headers: Vec::new(),
            body: Some(value),
        },
        Err(failure) => Reply::failure(failure, &ids),
    };
    render(reply, &ids)
}

#[derive(Deserialize)]
struct RevokeQuery {
    user: String,
}

/// Revokes every session of a user (Continuous Access Evaluation): later Graph calls with a
/// token issued at or before now answer 401 with an `insufficient_claims` challenge.
async fn revoke_sessions(
    State(state): State<Shared>,
    Query(query): Query<RevokeQuery>,
) -> Response {
    let oid = state
        .directory()
        .user_by_upn(&query.user)
        .map(|u| u.id.clone());
    let Some(oid) = oid else {
        return (
            StatusCode::NOT_FOUND,
            format!("no user {:?} in the emulator's directory", query.user),
        )
            .into_response();
    };
    let now = state.now();
    state.print().revoke_sessions(&oid, now);
    state.counters.bump("cae:revoke-sessions");
    axum::Json(serde_json::json!({"user": query.user, "revokedAt": now})).into_response()
}
