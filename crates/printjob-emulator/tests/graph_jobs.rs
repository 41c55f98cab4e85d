//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — listing jobs: paging and the documented `$filter`.

use printjob::model::{Collection, PrintJob, PrintJobProcessingState};
use printjob_emulator::graph::seed::{PrintSeed, LOBBY_PRINTER};
use printjob_emulator::seed::{ADELE, ADMIN, CONTOSO_TENANT, MEGAN};
use printjob_test_support::{
    graph_error_code as error_code, send as call, start_emulator as start,
    start_emulator_with_print as start_with_print, user_token as token, BASIC,
};
use reqwest::{Method, StatusCode};

async fn list(token: &str, url: &str) -> Collection<PrintJob> {
    let response = call(Method::GET, url, Some(token)).await;
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    response.json().await.unwrap()
}

// graph-conformance: E10
#[tokio::test]
async fn jobs_paging_follows_absolute_next_link_to_the_end() {
    let print = PrintSeed::default_for(CONTOSO_TENANT).with_jobs(
        LOBBY_PRINTER,
        ADELE,
        250,
        PrintJobProcessingState::Pending,
    );
    let emulator = start_with_print(print).await;
    let t = token(&emulator, ADELE, BASIC);
    let mut url = format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs?$top=100",
        emulator.graph_url()
    );
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let page = list(&t, &url).await;
        pages += 1;
        ids.extend(page.value.into_iter().map(|j| j.id));
        match page.next_link {
            Some(next) => {
                assert!(next.starts_with(emulator.base_url()), "{next}");
                assert!(next.contains("$skiptoken="), "{next}");
                url = next;
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 256, "6 of Adele's seeded jobs + 250");
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

// graph-conformance: E2
#[tokio::test]
async fn filter_by_state_is_not_documented_and_answers_400() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::GET,
        &format!(
            "{}/print/printers/{LOBBY_PRINTER}/jobs?$filter=status/state eq 'pending' or status/state eq 'paused'",
            emulator.graph_url()
        ),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "BadRequest");
}

// graph-conformance: E4
#[tokio::test]
async fn orderby_on_jobs_is_not_documented_and_answers_400() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::GET,
        &format!(
            "{}/print/printers/{LOBBY_PRINTER}/jobs?$orderby=createdDateTime desc",
            emulator.graph_url()
        ),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

// graph-conformance: E2
#[tokio::test]
async fn filter_by_created_by_returns_only_that_owner() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["PrintJob.ReadBasic.All"]);
    let page = list(
        &t,
        &format!(
            "{}/print/printers/{LOBBY_PRINTER}/jobs?$filter=createdBy/userPrincipalName eq '{MEGAN}'",
            emulator.graph_url()
        ),
    )
    .await;
    let ids: Vec<&str> = page.value.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, ["107"]);
}

#[tokio::test]
async fn basic_scope_lists_only_the_callers_own_jobs() {
    let emulator = start().await;
    let t = token(&emulator, MEGAN, &["PrintJob.ReadBasic"]);
    let page = list(
        &t,
        &format!(
            "{}/print/printers/{LOBBY_PRINTER}/jobs",
            emulator.graph_url()
        ),
    )
    .await;
    let ids: Vec<&str> = page.value.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, ["107"]);
}

#[tokio::test]
async fn invalid_filter_answers_400() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::GET,
        &format!(
            "{}/print/printers/{LOBBY_PRINTER}/jobs?$filter=documentName eq 'x'",
            emulator.graph_url()
        ),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

/// The default print seed with the lobby printer showing its jobs' creators as `{}`.
fn lobby_with_empty_created_by() -> PrintSeed {
    let mut print = PrintSeed::default_for(CONTOSO_TENANT);
    for printer in &mut print.printers {
        if printer.id == LOBBY_PRINTER {
            printer.empty_created_by = true;
        }
    }
    print
}

// graph-conformance: E15
#[tokio::test]
async fn a_printer_seeded_with_empty_created_by_lists_and_gets_jobs_with_created_by_empty() {
    let emulator = start_with_print(lobby_with_empty_created_by()).await;
    let t = token(&emulator, ADMIN, &["PrintJob.ReadBasic.All"]);
    let url = format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs",
        emulator.graph_url()
    );
    let raw: serde_json::Value = printjob_test_support::get_json(&url, &t).await;
    let jobs = raw["value"].as_array().unwrap();
    assert_eq!(jobs.len(), 7);
    for job in jobs {
        assert_eq!(job["createdBy"], serde_json::json!({}), "{job}");
    }
    let one: serde_json::Value = printjob_test_support::get_json(&format!("{url}/107"), &t).await;
    assert_eq!(one["createdBy"], serde_json::json!({}));
}

// graph-conformance: E15, E2
#[tokio::test]
async fn the_creator_filter_still_selects_by_owner_where_created_by_is_empty() {
    let emulator = start_with_print(lobby_with_empty_created_by()).await;
    let t = token(&emulator, ADMIN, &["PrintJob.ReadBasic.All"]);
    let url = format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs?$filter=createdBy/userPrincipalName eq '{MEGAN}'",
        emulator.graph_url()
    );
    let page = list(&t, &url).await;
    let ids: Vec<&str> = page.value.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, ["107"]);
}
