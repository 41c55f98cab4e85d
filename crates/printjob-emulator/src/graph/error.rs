//! Graph error bodies: `{"error":{"code","message","innerError":{"request-id","date","client-request-id"}}}`,
//! with `request-id` and `client-request-id` response headers.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// The ids a Graph response carries: a fresh `request-id`, and the caller's
/// `client-request-id` echoed (or the request id when the caller sent none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    /// `request-id`: generated per request.
    pub request_id: String,
    /// `client-request-id`: the request's header, echoed.
    pub client_request_id: String,
}

impl RequestIds {
    /// Fresh ids, echoing `client_request_id` when the caller sent one.
    pub fn new(client_request_id: Option<&str>) -> Self {
        let request_id = uuid::Uuid::new_v4().to_string();
        let client_request_id = client_request_id
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| request_id.clone());
        Self {
            request_id,
            client_request_id,
        }
    }

    /// Adds the `request-id` and `client-request-id` headers.
    pub fn apply(&self, response: &mut Response) {
        for (name, value) in [
            ("request-id", &self.request_id),
            ("client-request-id", &self.client_request_id),
        ] {
            if let Ok(v) = HeaderValue::from_str(value) {
                response.headers_mut().insert(name, v);
            }
        }
    }
}

/// The error body Graph sends.
pub fn error_body(code: &str, message: &str, ids: &RequestIds) -> Value {
    let date = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    json!({"error": {
        "code": code,
        "message": message,
        "innerError": {
            "date": date.trim_end_matches('Z'),
            "request-id": ids.request_id,
            "client-request-id": ids.client_request_id,
        }
    }})
}

/// A Graph error response with a fresh `request-id` (and `client-request-id` = `request-id`).
pub fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    graph_error_for(status, code, message, None)
}

/// A Graph error response echoing the caller's `client-request-id`.
pub fn graph_error_for(
    status: StatusCode,
    code: &str,
    message: &str,
    client_request_id: Option<&str>,
) -> Response {
    let ids = RequestIds::new(client_request_id);
    let mut response = (status, axum::Json(error_body(code, message, &ids))).into_response();
    ids.apply(&mut response);
    response
}

/// A refused request, before it is rendered: status, Graph `code`, message, extra headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphFailure {
    /// HTTP status.
    pub status: StatusCode,
    /// Graph error code (`itemNotFound`, `accessDenied`, …).
    pub code: &'static str,
    /// Developer message.
    pub message: String,
    /// Extra response headers (`WWW-Authenticate`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

impl GraphFailure {
    /// A failure with no extra headers.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// `400 BadRequest` (OData query and payload errors).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// `403 accessDenied`.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "accessDenied", message)
    }

    /// `404 itemNotFound`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "itemNotFound", message)
    }
}
