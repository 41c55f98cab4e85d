//! Graph error bodies: `{"error":{"code","message","innerError":{"request-id","date","client-request-id"}}}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A Graph error response with fresh `request-id` / `client-request-id`.
pub fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let body = serde_json::json!({"error": {
        "code": code,
        "message": message,
        "innerError": {"request-id": request_id, "date": date, "client-request-id": request_id}
    }});
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("request-id", v.clone());
        response.headers_mut().insert("client-request-id", v);
    }
    response
}
