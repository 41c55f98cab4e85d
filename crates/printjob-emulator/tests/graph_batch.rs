//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — `POST /$batch`.

use printjob::model::PrintJobProcessingState;
use printjob_emulator::faults::FaultConfig;
use printjob_emulator::graph::seed::{PrintSeed, LOBBY_PRINTER};
use printjob_emulator::seed::{ADELE, CONTOSO_TENANT};
use printjob_emulator::Emulator;
use printjob_test_support::{
    graph_error_code as error_code, http_client as client, job_state, start_emulator as start,
    start_emulator_with_print as start_with_print, user_token as token, BASIC, CANCEL_ROUTE,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Cancels in the documented batch shape: `Content-Type: application/json` and a `{}` body.
fn cancel_requests(printer: &str, jobs: impl Iterator<Item = u64>) -> Value {
    let requests: Vec<Value> = jobs
        .enumerate()
        .map(|(i, job)| {
            json!({"id": (i + 1).to_string(), "method": "POST",
                   "url": format!("/print/printers/{printer}/jobs/{job}/cancel"),
                   "headers": {"Content-Type": "application/json"}, "body": {}})
        })
        .collect();
    json!({ "requests": requests })
}

// graph-conformance: E1
#[tokio::test]
async fn batch_write_request_in_the_documented_shape_is_served_with_200() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = batch(
        &emulator,
        &t,
        &cancel_requests(LOBBY_PRINTER, [101].into_iter()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["responses"][0]["status"], 204);
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Canceled)
    );
}

// graph-conformance: E1
#[tokio::test]
async fn batch_write_request_without_content_type_and_body_refuses_the_whole_batch_with_400() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let body = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/print/printers/{LOBBY_PRINTER}/jobs/101/cancel"),
         "headers": {"Content-Type": "application/json"}, "body": {}},
        {"id": "2", "method": "POST", "url": format!("/print/printers/{LOBBY_PRINTER}/jobs/102/cancel")}
    ]});
    let response = batch(&emulator, &t, &body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "BadRequest");
    assert_eq!(
        error["error"]["message"],
        "Write request id : 2 does not contain Content-Type header or body."
    );
    for id in ["101", "102"] {
        assert_eq!(
            job_state(&emulator, LOBBY_PRINTER, id),
            Some(PrintJobProcessingState::Pending)
        );
    }
}

async fn batch(emulator: &Emulator, token: &str, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}/$batch", emulator.graph_url()))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

// graph-conformance: E7
#[tokio::test]
async fn batch_of_21_requests_is_refused_with_400() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = batch(&emulator, &t, &cancel_requests(LOBBY_PRINTER, 1000..1021)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "BadRequest");
}

#[tokio::test]
async fn batch_of_20_cancels_answers_20_no_content() {
    let print = PrintSeed::default_for(CONTOSO_TENANT).with_jobs(
        LOBBY_PRINTER,
        ADELE,
        20,
        PrintJobProcessingState::Pending,
    );
    let emulator = start_with_print(print).await;
    let t = token(&emulator, ADELE, BASIC);
    let response = batch(&emulator, &t, &cancel_requests(LOBBY_PRINTER, 204..224)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let statuses: Vec<u64> = body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![204; 20]);
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "223"),
        Some(PrintJobProcessingState::Canceled)
    );
    assert_eq!(
        emulator.counters()[&format!("batch:inner {CANCEL_ROUTE}")],
        20
    );
}

// graph-conformance: E8
#[tokio::test]
async fn batch_inner_request_needs_its_own_permission() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = batch(
        &emulator,
        &t,
        &cancel_requests(LOBBY_PRINTER, [101, 107].into_iter()),
    )
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["responses"][0]["status"], 204);
    assert_eq!(body["responses"][1]["status"], 403);
    assert_eq!(
        body["responses"][1]["body"]["error"]["code"],
        "accessDenied"
    );
}

// graph-conformance: E14
#[tokio::test]
async fn a_batch_whose_requests_are_all_throttled_is_answered_424_with_each_retry_after() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    // Only print routes are faulted: the outer POST /$batch passes, both inner requests are throttled.
    emulator.set_faults(FaultConfig {
        next: 2,
        force: 429,
        retry_after_secs: 2,
        only: "/v1.0/print".into(),
        ..Default::default()
    });
    let response = batch(
        &emulator,
        &t,
        &cancel_requests(LOBBY_PRINTER, [101, 102].into_iter()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FAILED_DEPENDENCY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["responses"][0]["status"], 429);
    assert_eq!(body["responses"][0]["headers"]["Retry-After"], "2");
    assert_eq!(body["responses"][1]["status"], 429);
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
}

// graph-conformance: E14
#[tokio::test]
async fn a_batch_with_one_throttled_request_is_answered_424_and_runs_the_others() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    emulator.set_faults(FaultConfig {
        next: 1,
        force: 429,
        retry_after_secs: 1,
        only: "/v1.0/print".into(),
        ..Default::default()
    });
    let response = batch(
        &emulator,
        &t,
        &cancel_requests(LOBBY_PRINTER, [101, 102, 103].into_iter()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FAILED_DEPENDENCY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(statuses(&body), [(1, 429), (2, 204), (3, 204)]);
    assert_eq!(body["responses"][0]["headers"]["Retry-After"], "1");
    assert_eq!(
        body["responses"][0]["body"]["error"]["code"],
        "TooManyRequests"
    );
    let states: Vec<_> = ["101", "102", "103"]
        .iter()
        .map(|id| job_state(&emulator, LOBBY_PRINTER, id))
        .collect();
    use PrintJobProcessingState::{Canceled, Pending};
    assert_eq!(states, [Some(Pending), Some(Canceled), Some(Canceled)]);
    assert_eq!(emulator.counters()["batch:424"], 1);
}

// graph-conformance: E14
#[tokio::test]
async fn throttled_requests_of_one_batch_carry_their_own_retry_after_fractions_included() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    emulator.set_faults(
        FaultConfig::parse("retry-after=1;2.128")
            .map(|c| FaultConfig {
                next: 2,
                force: 429,
                only: "/v1.0/print".into(),
                ..c
            })
            .unwrap(),
    );
    let response = batch(
        &emulator,
        &t,
        &cancel_requests(LOBBY_PRINTER, [101, 102, 103].into_iter()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FAILED_DEPENDENCY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(statuses(&body), [(1, 429), (2, 429), (3, 204)]);
    assert_eq!(body["responses"][0]["headers"]["Retry-After"], "1");
    assert_eq!(body["responses"][1]["headers"]["Retry-After"], "2.128");
}

// graph-conformance: E14
#[tokio::test]
async fn a_batch_whose_inner_failures_are_not_throttling_stays_200() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    emulator.set_faults(FaultConfig {
        next: 1,
        force: 503,
        only: "/v1.0/print".into(),
        ..Default::default()
    });
    // 503 (fault), 403 (Megan's job), 204.
    let response = batch(
        &emulator,
        &t,
        &cancel_requests(LOBBY_PRINTER, [101, 107, 102].into_iter()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(statuses(&body), [(1, 503), (2, 403), (3, 204)]);
}

/// Each inner answer's (id, status), by id.
fn statuses(body: &Value) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().parse().unwrap(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort_unstable();
    out
}
