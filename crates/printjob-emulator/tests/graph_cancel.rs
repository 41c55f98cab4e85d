//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — cancelling one job: answers, states, ids.

use printjob::model::{PrintJob, PrintJobProcessingState};
use printjob_emulator::graph::seed::{FINANCE_PRINTER, LOBBY_PRINTER};
use printjob_emulator::seed::ADELE;
use printjob_test_support::{
    cancel_url, graph_error_code as error_code, http_client as client, job_state, send as call,
    start_emulator as start, user_token as token, BASIC,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn cancel_own_pending_job_answers_204_and_job_becomes_canceled() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers().contains_key("request-id"));
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Canceled)
    );
}

#[tokio::test]
async fn cancel_of_completed_job_answers_409_not_allowed() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "105"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(response).await, "notAllowed");
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "105"),
        Some(PrintJobProcessingState::Completed)
    );
}

#[tokio::test]
async fn repeated_cancel_answers_409_and_get_shows_canceled() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let url = cancel_url(&emulator, LOBBY_PRINTER, "102");
    assert_eq!(
        call(Method::POST, &url, Some(&t)).await.status(),
        StatusCode::NO_CONTENT
    );
    let again = call(Method::POST, &url, Some(&t)).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let job: PrintJob = call(
        Method::GET,
        &format!(
            "{}/print/printers/{LOBBY_PRINTER}/jobs/102",
            emulator.graph_url()
        ),
        Some(&t),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(job.status.state, PrintJobProcessingState::Canceled);
}

#[tokio::test]
async fn unknown_job_answers_404_item_not_found_with_request_ids() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = client()
        .post(cancel_url(&emulator, LOBBY_PRINTER, "99999"))
        .bearer_auth(&t)
        .header("client-request-id", "5e0c7c3a-1111-4222-8333-944445555666")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let request_id = response.headers()["request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        response.headers()["client-request-id"],
        "5e0c7c3a-1111-4222-8333-944445555666"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "itemNotFound");
    assert_eq!(
        body["error"]["innerError"]["request-id"],
        request_id.as_str()
    );
    assert_eq!(
        body["error"]["innerError"]["client-request-id"],
        "5e0c7c3a-1111-4222-8333-944445555666"
    );
    assert!(body["error"]["innerError"]["date"].is_string());
}

#[tokio::test]
async fn malformed_printer_id_answers_400() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, "not-a-guid", "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "invalidRequest");
}

#[tokio::test]
async fn unknown_printer_answers_404() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let unknown = "00000000-0000-4000-8000-000000000000";
    let response = call(
        Method::POST,
        &cancel_url(&emulator, unknown, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "itemNotFound");
}

// graph-conformance: E11
#[tokio::test]
async fn cancel_with_a_request_body_is_refused_with_400_and_the_job_stays_pending() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = client()
        .post(cancel_url(&emulator, LOBBY_PRINTER, "101"))
        .bearer_auth(&t)
        .json(&json!({"reason": "mistake"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().contains_key("request-id"));
    assert_eq!(error_code(response).await, "invalidRequest");
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
}

#[tokio::test]
async fn cancel_of_a_job_through_another_printer_answers_404() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    // Job 201 is Adele's, but on the Finance printer.
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "201"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "itemNotFound");
    assert_eq!(
        job_state(&emulator, FINANCE_PRINTER, "201"),
        Some(PrintJobProcessingState::Pending)
    );
}
