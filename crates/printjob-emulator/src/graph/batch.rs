//! `POST /v1.0/$batch`: JSON batching. Each inner request runs through the same
//! [`ops::execute`] as a direct call, authorized with the outer `Authorization` header, and
//! consults fault injection on its own (Graph throttles requests inside a batch one by one).
//! A batch holding a throttled (`429`) request is answered `424 Failed Dependency` as a whole,
//! its inner answers in the body as usual (graph-conformance E14).

use super::error::{GraphFailure, RequestIds};
use super::ops::{self, Call, Reply};
use crate::faults::Fault;
use crate::state::EmulatorState;
use axum::http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The most requests one batch may hold.
pub const MAX_BATCH_REQUESTS: usize = 20;

#[derive(Debug, Deserialize)]
struct BatchRequest {
    requests: Vec<InnerRequest>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InnerRequest {
    id: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    depends_on: Vec<String>,
}

/// Validates the batch payload.
fn parse(body: &[u8]) -> Result<BatchRequest, GraphFailure> {
    let batch: BatchRequest = serde_json::from_slice(body)
        .map_err(|_| GraphFailure::bad_request("Invalid batch payload format."))?;
    if batch.requests.len() > MAX_BATCH_REQUESTS {
        return Err(GraphFailure::bad_request(format!(
            "Number of batch requests {} exceeds the limit of {MAX_BATCH_REQUESTS}; split the requests into batches of at most {MAX_BATCH_REQUESTS}.",
            batch.requests.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for r in &batch.requests {
        if r.id.is_empty() || !seen.insert(r.id.as_str()) {
            return Err(GraphFailure::bad_request(format!(
                "Batch request ids must be unique and non-empty; '{}' is not.",
                r.id
            )));
        }
    }
    for r in &batch.requests {
        check_write_shape(r)?;
    }
    for r in &batch.requests {
        if let Some(missing) = r.depends_on.iter().find(|d| !seen.contains(d.as_str())) {
            return Err(GraphFailure::bad_request(format!(
                "Request '{}' depends on '{missing}', which is not in the batch.",
                r.id
            )));
        }
    }
    Ok(batch)
}

/// graph-conformance: E1 — `concepts/json-batching.md`: for a write request whose target
/// takes no body "you must still specify the **headers** and **body** parameters where only
/// **body** can be an empty object". Graph refuses the whole batch otherwise, with this message
/// (microsoftgraph/msgraph-sdk-dotnet#2628).
fn check_write_shape(r: &InnerRequest) -> Result<(), GraphFailure> {
    let write = !matches!(
        r.method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "DELETE"
    );
    let has_content_type = r
        .headers
        .keys()
        .any(|k| k.eq_ignore_ascii_case("content-type"));
    if write && (!has_content_type || r.body.is_none()) {
        return Err(GraphFailure::bad_request(format!(
            "Write request id : {} does not contain Content-Type header or body.",
            r.id
        )));
    }
    Ok(())
}

/// Runs a batch: the status of the batch itself and its body. `Err` is a whole-batch refusal
/// (no valid token, malformed, too many requests). The batch request itself must carry a valid
/// token (Graph authenticates it before looking at the requests inside); each inner request is
/// then authorized on its own.
///
/// graph-conformance: E14 — `concepts/throttling.md` ("Throttling and batching"): "Requests in
/// a batch are evaluated individually against throttling limits and if any request exceeds the
/// limits, it fails with a `status` of `429` […]. The batch itself fails with a status code of
/// `424` (Failed Dependency)." The others run (and their answers are in the body), and each
/// `429` carries its `Retry-After` in its own headers ("the value provided in the
/// `retry-after` response header from the JSON content").
pub fn run(
    state: &EmulatorState,
    body: &[u8],
    authorization: Option<&str>,
) -> Result<(StatusCode, Value), GraphFailure> {
    super::auth::authenticate(state, authorization)?;
    let batch = parse(body)?;
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    for inner in &batch.requests {
        let ids = RequestIds::new(inner.headers.get("client-request-id").map(String::as_str));
        let failed_dependency = inner
            .depends_on
            .iter()
            .any(|d| statuses.get(d).is_none_or(|s| !(200..300).contains(s)));
        let reply = if failed_dependency {
            Reply::failure(
                GraphFailure::new(
                    StatusCode::FAILED_DEPENDENCY,
                    "FailedDependency",
                    "A request this one depends on failed.",
                ),
                &ids,
            )
        } else {
            run_inner(state, inner, authorization, &ids)
        };
        statuses.insert(inner.id.clone(), reply.status.as_u16());
        responses.push(render(&inner.id, reply, &ids));
    }
    let throttled = statuses.values().any(|s| *s == 429);
    let status = if throttled {
        state.counters.bump("batch:424");
        StatusCode::FAILED_DEPENDENCY
    } else {
        StatusCode::OK
    };
    Ok((status, json!({ "responses": responses })))
}

fn run_inner(
    state: &EmulatorState,
    inner: &InnerRequest,
    authorization: Option<&str>,
    ids: &RequestIds,
) -> Reply {
    let Ok(method) = inner.method.to_ascii_uppercase().parse::<Method>() else {
        return Reply::failure(GraphFailure::bad_request("Invalid HTTP method."), ids);
    };
    let relative = inner.url.trim_start_matches('/');
    if relative.starts_with("$batch") || inner.url.contains("://") {
        return Reply::failure(
            GraphFailure::bad_request(
                "Batch request urls must be relative to the version (e.g. /print/printers) and cannot be $batch.",
            ),
            ids,
        );
    }
    // An empty object is the documented way to say "no body" inside a batch.
    let has_body = inner
        .body
        .as_ref()
        .is_some_and(|b| b.as_object().is_none_or(|o| !o.is_empty()));
    let call = Call::new(
        method.clone(),
        &format!("/{relative}"),
        authorization.map(str::to_owned),
        has_body,
    );
    let template = ops::template_of(&method, &call.path).unwrap_or("/v1.0/{unknown}");
    state
        .counters
        .bump(&format!("batch:inner {method} {template}"));
    let (fault, _latency, retry_after) = state.faults.decide(&format!("/v1.0{}", call.path));
    match fault {
        None => ops::execute(state, &call, ids),
        Some(fault) => fault_reply(state, fault, retry_after, ids),
    }
}

fn fault_reply(
    state: &EmulatorState,
    fault: Fault,
    retry_after: String,
    ids: &RequestIds,
) -> Reply {
    let status = match fault {
        Fault::Status(s) => s,
        // A single inner request cannot drop the connection: the gateway times it out.
        Fault::Drop => 504,
    };
    state.counters.bump(&format!("batch:fault:{status}"));
    let (code, message) = match status {
        429 => ("TooManyRequests", "Too many requests. Retry after the interval in the Retry-After header."),
        503 => ("serviceNotAvailable", "The service is temporarily unavailable. Retry after the interval in the Retry-After header."),
        504 => ("gatewayTimeout", "The gateway timed out."),
        _ => ("generalException", "An error occurred."),
    };
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut failure = GraphFailure::new(status_code, code, message);
    if matches!(status, 429 | 503) {
        failure = failure.with_header("retry-after", retry_after);
    }
    Reply::failure(failure, ids)
}

fn render(id: &str, reply: Reply, ids: &RequestIds) -> Value {
    let mut headers = Map::new();
    for (name, value) in reply.headers {
        let display = match name {
            "content-type" => "Content-Type",
            "retry-after" => "Retry-After",
            "www-authenticate" => "WWW-Authenticate",
            other => other,
        };
        headers.insert(display.to_string(), Value::String(value));
    }
    headers.insert("request-id".into(), Value::String(ids.request_id.clone()));
    headers.insert(
        "client-request-id".into(),
        Value::String(ids.client_request_id.clone()),
    );
    let mut item = json!({"id": id, "status": reply.status.as_u16(), "headers": headers});
    if let (Some(body), Some(obj)) = (reply.body, item.as_object_mut()) {
        obj.insert("body".into(), body);
    }
    item
}
