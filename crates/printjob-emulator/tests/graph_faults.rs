//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — fault injection and the admin endpoints.

use printjob::model::PrintJobProcessingState;
use printjob_emulator::faults::FaultConfig;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::seed::{ADELE, CONTOSO_TENANT};
use printjob_test_support::{
    cancel_url, graph_error_code as error_code, http_client as client, job_state, send as call,
    start_emulator as start, user_token as token, BASIC, CANCEL_ROUTE,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn injected_429_carries_retry_after_and_the_route_is_counted() {
    let emulator = start().await;
    emulator.set_faults(FaultConfig {
        next: 1,
        force: 429,
        retry_after_secs: 1,
        ..Default::default()
    });
    let t = token(&emulator, ADELE, BASIC);
    let url = cancel_url(&emulator, LOBBY_PRINTER, "101");
    let throttled = call(Method::POST, &url, Some(&t)).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.headers()["retry-after"], "1");
    assert_eq!(
        call(Method::POST, &url, Some(&t)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(emulator.counters()[CANCEL_ROUTE], 2);
}

#[tokio::test]
async fn injected_drop_is_a_connection_error() {
    let emulator = start().await;
    emulator.set_faults(FaultConfig {
        next: 1,
        force: 0,
        ..Default::default()
    });
    let t = token(&emulator, ADELE, BASIC);
    let result = client()
        .post(cancel_url(&emulator, LOBBY_PRINTER, "101"))
        .bearer_auth(&t)
        .send()
        .await;
    assert!(
        result.is_err(),
        "dropped connection must not yield a response"
    );
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
}

#[tokio::test]
async fn faults_put_through_the_admin_endpoint_apply_to_the_next_requests() {
    let emulator = start().await;
    let admin = format!("{}/_emulator/faults", emulator.base_url());
    let put = client()
        .put(&admin)
        .json(&json!({"next": 1, "force": 503, "retryAfterSecs": 7, "only": "/v1.0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let read: Value = client()
        .get(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["force"], 503);
    let t = token(&emulator, ADELE, BASIC);
    let url = cancel_url(&emulator, LOBBY_PRINTER, "101");
    let faulted = call(Method::POST, &url, Some(&t)).await;
    assert_eq!(faulted.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(faulted.headers()["retry-after"], "7");
    assert_eq!(error_code(faulted).await, "serviceNotAvailable");
    assert_eq!(
        call(Method::POST, &url, Some(&t)).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn faults_put_with_an_invalid_body_is_refused_and_changes_nothing() {
    let emulator = start().await;
    let admin = format!("{}/_emulator/faults", emulator.base_url());
    let put = client()
        .put(&admin)
        .header("content-type", "application/json")
        .body(r#"{"rate429": "lots"}"#)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_client_error(), "{}", put.status());
    assert_eq!(emulator.state().faults.config(), FaultConfig::default());
}

#[tokio::test]
async fn counters_endpoint_reports_requests_per_route_and_resets() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    for job in ["101", "102"] {
        let url = cancel_url(&emulator, LOBBY_PRINTER, job);
        assert_eq!(
            call(Method::POST, &url, Some(&t)).await.status(),
            StatusCode::NO_CONTENT
        );
    }
    let admin = format!("{}/_emulator/counters", emulator.base_url());
    let counters: Value = client()
        .get(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters[CANCEL_ROUTE], 2);
    assert_eq!(counters["print:canceled"], 2);
    let reset = client().delete(&admin).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let counters: Value = client()
        .get(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(counters.get(CANCEL_ROUTE).is_none(), "{counters}");
}

#[tokio::test]
async fn injected_504_answers_gateway_timeout_without_changing_the_job() {
    let emulator = start().await;
    emulator.set_faults(FaultConfig {
        next: 1,
        force: 504,
        ..Default::default()
    });
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(error_code(response).await, "gatewayTimeout");
    assert_eq!(emulator.counters()["fault:504"], 1);
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
}

#[tokio::test]
async fn injected_latency_delays_the_answer_by_at_least_the_configured_time() {
    let emulator = start().await;
    emulator.set_faults(FaultConfig::parse("latency=300ms").unwrap());
    let t = token(&emulator, ADELE, BASIC);
    let started = std::time::Instant::now();
    let response = call(
        Method::GET,
        &format!(
            "{}/print/printers/{LOBBY_PRINTER}/jobs/101",
            emulator.graph_url()
        ),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn faults_only_path_limits_added_latency_as_well() {
    let emulator = start().await;
    emulator.set_faults(FaultConfig {
        latency_ms: 400,
        only: "/v1.0".into(),
        ..Default::default()
    });
    let discovery = format!(
        "{}/{CONTOSO_TENANT}/v2.0/.well-known/openid-configuration",
        emulator.base_url()
    );
    let started = std::time::Instant::now();
    assert_eq!(
        call(Method::GET, &discovery, None).await.status(),
        StatusCode::OK
    );
    let identity = started.elapsed();
    let started = std::time::Instant::now();
    let t = token(&emulator, ADELE, BASIC);
    let url = format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs",
        emulator.graph_url()
    );
    assert_eq!(
        call(Method::GET, &url, Some(&t)).await.status(),
        StatusCode::OK
    );
    let graph = started.elapsed();
    assert!(
        identity < Duration::from_millis(300),
        "identity route delayed: {identity:?}"
    );
    assert!(
        graph >= Duration::from_millis(400),
        "graph route not delayed: {graph:?}"
    );
}
