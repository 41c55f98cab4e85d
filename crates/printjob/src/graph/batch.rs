//! The JSON batching envelope (`POST /$batch`): up to 20 requests in one HTTP call.
//!
//! Each inner request has an `id`, a `method` and a `url` relative to the version root
//! (`/print/printers/{id}/jobs/{jobId}/cancel`); each inner response carries the same `id`, its
//! own `status`, `headers` (e.g. `Retry-After`) and `body`. Inner responses may arrive in any
//! order and may fail independently (an inner 429 while its neighbours succeed).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most requests Graph accepts in one batch.
pub const MAX_BATCH: usize = 20;

/// The body of `POST /$batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRequest {
    /// The inner requests (at most [`MAX_BATCH`]).
    pub requests: Vec<BatchRequestItem>,
}

/// One request inside a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRequestItem {
    /// Unique within the batch; the response carries it back.
    pub id: String,
    /// `GET`, `POST`, …
    pub method: String,
    /// The URL relative to the version root, starting with `/`.
    pub url: String,
    /// Headers for this request (required with a body: `Content-Type`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The JSON body, if any (a cancel has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

impl BatchRequestItem {
    /// A request without a body (a read: `GET`).
    pub fn new(id: impl Into<String>, method: &str, url: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            method: method.to_string(),
            url: url.into(),
            headers: BTreeMap::new(),
            body: None,
        }
    }

    /// A write request (`POST`, …) whose target takes no body, in the shape Graph's JSON
    /// batching page requires: "you must still specify the **headers** and **body**
    /// parameters where only **body** can be an empty object" — so `Content-Type:
    /// application/json` and `{}`. Without them Graph refuses the whole batch (`400`,
    /// "Write request id : {id} does not contain Content-Type header or body.").
    pub fn write_without_body(id: impl Into<String>, method: &str, url: impl Into<String>) -> Self {
        let mut headers = BTreeMap::new();
        headers.insert("Content-Type".to_string(), "application/json".to_string());
        Self {
            headers,
            body: Some(serde_json::json!({})),
            ..Self::new(id, method, url)
        }
    }
}

/// The body Graph answers `POST /$batch` with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResponse {
    /// One response per inner request, in any order.
    pub responses: Vec<BatchResponseItem>,
}

/// One inner response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResponseItem {
    /// The `id` of the inner request this answers.
    pub id: String,
    /// The inner HTTP status.
    pub status: u16,
    /// The inner headers (`Retry-After`, `request-id`, …).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The inner body (a Graph error body on failure).
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

impl BatchResponseItem {
    /// An inner header, looked up case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_request_carries_content_type_and_an_empty_body() {
        let item =
            BatchRequestItem::write_without_body("1", "POST", "/print/printers/p/jobs/1/cancel");
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            serde_json::json!({"id": "1", "method": "POST", "url": "/print/printers/p/jobs/1/cancel",
                "headers": {"Content-Type": "application/json"}, "body": {}})
        );
    }

    #[test]
    fn a_request_without_body_serializes_without_body_or_headers() {
        let batch = BatchRequest {
            requests: vec![BatchRequestItem::new(
                "1",
                "POST",
                "/print/printers/p/jobs/1/cancel",
            )],
        };
        let json = serde_json::to_value(&batch).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"requests": [{"id": "1", "method": "POST", "url": "/print/printers/p/jobs/1/cancel"}]})
        );
    }

    #[test]
    fn inner_headers_are_read_case_insensitively() {
        let response: BatchResponse = serde_json::from_value(serde_json::json!({"responses": [
            {"id": "2", "status": 429, "headers": {"Retry-After": "1"}},
            {"id": "1", "status": 204}
        ]}))
        .unwrap();
        assert_eq!(response.responses[0].header("retry-after"), Some("1"));
        assert_eq!(response.responses[1].body, None);
    }
}
