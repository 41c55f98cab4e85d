//! Integration tests: the emulator's throttle (`--throttle`, graph-conformance ET1) on its
//! Graph routes over real HTTP on 127.0.0.1 — a token bucket per application and tenant,
//! `429` with a whole-second `Retry-After` on top-level requests, inner `429`s and a `424`
//! batch inside `$batch`, and the accepted / throttled counters.

use printjob::model::PrintJobProcessingState;
use printjob_emulator::graph::seed::{PrintSeed, LOBBY_PRINTER};
use printjob_emulator::seed::{Seed, ADELE, CONTOSO_TENANT, MEGAN};
use printjob_emulator::throttle::{ThrottleCounters, ThrottleSpec};
use printjob_emulator::Emulator;
use printjob_test_support::{http_client as client, job_state, user_token as token, BASIC};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// The first of the bulk jobs: `with_jobs` numbers them after the default seed's highest (203).
const FIRST_JOB: u64 = 204;

/// An emulator throttled by `spec`, with Adele's 30 pending jobs 204… on the lobby printer
/// besides the default seed.
async fn throttled(spec: &str) -> Emulator {
    let print = PrintSeed::default_for(CONTOSO_TENANT).with_jobs(
        LOBBY_PRINTER,
        ADELE,
        30,
        PrintJobProcessingState::Pending,
    );
    Emulator::builder()
        .seed(Seed {
            print,
            ..Seed::default()
        })
        .throttle(ThrottleSpec::parse(spec).expect("a valid spec"))
        .start()
        .await
        .expect("emulator starts")
}

fn jobs_url(emulator: &Emulator) -> String {
    format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs",
        emulator.graph_url()
    )
}

async fn list_jobs(emulator: &Emulator, bearer: &str) -> reqwest::Response {
    client()
        .get(jobs_url(emulator))
        .bearer_auth(bearer)
        .header("client-request-id", "throttle-test-1")
        .send()
        .await
        .expect("request")
}

fn retry_after(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A batch of cancels of `jobs` in the documented write shape, ids "1"….
fn cancel_batch(jobs: impl Iterator<Item = u64>) -> Value {
    let requests: Vec<Value> = jobs
        .enumerate()
        .map(|(i, job)| {
            json!({"id": (i + 1).to_string(), "method": "POST",
                   "url": format!("/print/printers/{LOBBY_PRINTER}/jobs/{job}/cancel"),
                   "headers": {"Content-Type": "application/json"}, "body": {}})
        })
        .collect();
    json!({ "requests": requests })
}

async fn batch(emulator: &Emulator, bearer: &str, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}/$batch", emulator.graph_url()))
        .bearer_auth(bearer)
        .json(body)
        .send()
        .await
        .expect("batch request")
}

// graph-conformance: ET1
#[tokio::test]
async fn a_burst_is_served_then_429_with_whole_second_retry_after_and_graphs_error_body() {
    // 1 token a second: an empty bucket holds one again within a second.
    let emulator = throttled("1/s,burst=3").await;
    let adele = token(&emulator, ADELE, BASIC);
    for n in 0..3 {
        let response = list_jobs(&emulator, &adele).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "request {n} of the burst"
        );
    }
    let refused = list_jobs(&emulator, &adele).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&refused).as_deref(), Some("1"));
    let request_id = refused
        .headers()
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("a request-id header, as every Graph error");
    assert_eq!(
        refused
            .headers()
            .get("client-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("throttle-test-1")
    );
    let body: Value = refused.json().await.expect("a JSON error body");
    assert_eq!(body["error"]["code"], "TooManyRequests");
    assert_eq!(body["error"]["innerError"]["request-id"], request_id);
    assert_eq!(
        body["error"]["innerError"]["client-request-id"],
        "throttle-test-1"
    );
}

// graph-conformance: ET1
#[tokio::test]
async fn retry_after_counts_the_seconds_until_the_bucket_holds_a_token_again() {
    // 0.4 tokens a second: an empty bucket holds one after 2.5 s, said as 3.
    let emulator = throttled("24/m,burst=1").await;
    let adele = token(&emulator, ADELE, BASIC);
    assert_eq!(list_jobs(&emulator, &adele).await.status(), StatusCode::OK);
    let refused = list_jobs(&emulator, &adele).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&refused).as_deref(), Some("3"));
}

// graph-conformance: ET1
#[tokio::test]
async fn the_bucket_refills_at_its_rate_after_a_wait() {
    // 2 tokens a second, 1 held: refused at once, served again after 0.6 s (1.2 tokens).
    let emulator = throttled("2/s,burst=1").await;
    let adele = token(&emulator, ADELE, BASIC);
    assert_eq!(list_jobs(&emulator, &adele).await.status(), StatusCode::OK);
    assert_eq!(
        list_jobs(&emulator, &adele).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(list_jobs(&emulator, &adele).await.status(), StatusCode::OK);
}

// graph-conformance: ET1, E14
#[tokio::test]
async fn a_batch_of_twenty_against_five_tokens_is_424_with_five_204s_then_fifteen_429s() {
    let emulator = throttled("1/s,burst=5").await;
    let adele = token(&emulator, ADELE, BASIC);
    let response = batch(&emulator, &adele, &cancel_batch(FIRST_JOB..FIRST_JOB + 20)).await;
    assert_eq!(response.status(), StatusCode::FAILED_DEPENDENCY);
    let body: Value = response.json().await.expect("a batch body");
    let answers = body["responses"].as_array().expect("responses");
    assert_eq!(answers.len(), 20);
    for (n, answer) in answers.iter().enumerate() {
        let job = (FIRST_JOB + n as u64).to_string();
        assert_eq!(answer["id"], (n + 1).to_string());
        if n < 5 {
            assert_eq!(answer["status"], 204, "request {n} found a token");
            assert_eq!(
                job_state(&emulator, LOBBY_PRINTER, &job),
                Some(PrintJobProcessingState::Canceled)
            );
        } else {
            assert_eq!(answer["status"], 429, "request {n} found none");
            assert_eq!(answer["headers"]["Retry-After"], "1");
            assert_eq!(answer["body"]["error"]["code"], "TooManyRequests");
            assert!(answer["headers"]["request-id"].is_string());
            assert_eq!(
                job_state(&emulator, LOBBY_PRINTER, &job),
                Some(PrintJobProcessingState::Pending),
                "a throttled cancel changes nothing"
            );
        }
    }
    assert_eq!(emulator.counters().get("batch:424"), Some(&1));
}

// graph-conformance: ET1
#[tokio::test]
async fn the_batch_envelope_takes_no_token_of_its_own() {
    let emulator = throttled("1/s,burst=2").await;
    let adele = token(&emulator, ADELE, BASIC);
    let response = batch(&emulator, &adele, &cancel_batch(FIRST_JOB..FIRST_JOB + 2)).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "two requests, two tokens"
    );
    assert_eq!(
        emulator.throttle_counters(),
        Some(ThrottleCounters {
            accepted: 2,
            throttled: 0
        })
    );
}

// graph-conformance: ET1
#[tokio::test]
async fn each_application_has_its_own_bucket() {
    // One token in ten seconds: none comes back during the test.
    let emulator = throttled("6/m,burst=1").await;
    let adele = token(&emulator, ADELE, BASIC);
    assert_eq!(list_jobs(&emulator, &adele).await.status(), StatusCode::OK);
    assert_eq!(
        list_jobs(&emulator, &adele).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Megan through the same application and tenant shares Adele's empty bucket …
    let megan = token(&emulator, MEGAN, BASIC);
    assert_eq!(
        list_jobs(&emulator, &megan).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // … the daemon application of the same tenant has a full one of its own.
    let daemon = emulator.mint_app_token(&["PrintJob.Read.All"]);
    assert_eq!(list_jobs(&emulator, &daemon).await.status(), StatusCode::OK);
}

// graph-conformance: ET1
#[tokio::test]
async fn counters_report_accepted_and_throttled_requests_and_reset() {
    let emulator = throttled("6/m,burst=2").await;
    let adele = token(&emulator, ADELE, BASIC);
    for _ in 0..3 {
        list_jobs(&emulator, &adele).await;
    }
    batch(&emulator, &adele, &cancel_batch(FIRST_JOB..FIRST_JOB + 4)).await;
    let url = format!("{}/_emulator/counters", emulator.base_url());
    let counters: Value = client()
        .get(&url)
        .send()
        .await
        .expect("counters")
        .json()
        .await
        .expect("JSON counters");
    assert_eq!(counters["throttle:accepted"], 2);
    assert_eq!(counters["throttle:throttled"], 5);
    assert_eq!(emulator.counters().get("throttle:throttled"), Some(&5));
    let reset = client().delete(&url).send().await.expect("reset");
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        emulator.throttle_counters(),
        Some(ThrottleCounters::default())
    );
}

// graph-conformance: ET1
#[tokio::test]
async fn without_a_throttle_nothing_is_refused_and_no_throttle_counters_show() {
    let emulator = Emulator::builder().start().await.expect("emulator starts");
    let adele = token(&emulator, ADELE, BASIC);
    for _ in 0..50 {
        assert_eq!(list_jobs(&emulator, &adele).await.status(), StatusCode::OK);
    }
    assert_eq!(emulator.throttle_counters(), None);
    assert!(!emulator.counters().contains_key("throttle:accepted"));
}
