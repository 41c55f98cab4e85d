//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — what Graph refuses by route and method.

use printjob::model::PrintJobProcessingState;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::seed::ADELE;
use printjob_test_support::{
    cancel_url, graph_error_code as error_code, job_state, send as call, start_emulator as start,
    user_token as token, BASIC,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[tokio::test]
async fn wrong_method_on_a_print_route_answers_405_with_a_graph_error_body() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::DELETE,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
    assert!(response.headers().contains_key("request-id"));
    assert_eq!(error_code(response).await, "BadRequest");
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
}

#[tokio::test]
async fn get_on_cancel_answers_405_with_a_graph_error_body() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::GET,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(response).await, "BadRequest");
}

#[tokio::test]
async fn get_on_batch_answers_405_with_a_graph_error_body() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let url = format!("{}/$batch", emulator.graph_url());
    let response = call(Method::GET, &url, Some(&t)).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(response).await, "BadRequest");
}

#[tokio::test]
async fn unknown_graph_route_answers_400_resource_not_found_with_a_graph_error_body() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let url = format!(
        "{}/print/printerz/{LOBBY_PRINTER}/jobs",
        emulator.graph_url()
    );
    let response = call(Method::GET, &url, Some(&t)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().contains_key("request-id"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "BadRequest");
    assert_eq!(
        body["error"]["message"],
        "Resource not found for the segment 'printerz'."
    );
    assert!(body["error"]["innerError"]["request-id"].is_string());
}
