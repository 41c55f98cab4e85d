//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1.

use printjob::model::{Collection, PrintJob, PrintJobProcessingState};
use printjob_emulator::directory::{Tenant, User};
use printjob_emulator::faults::FaultConfig;
use printjob_emulator::graph::seed::{
    PrintSeed, FINANCE_PRINTER, FINANCE_SHARE, LOBBY_PRINTER, LOBBY_SHARE,
};
use printjob_emulator::seed::{self, Seed, ADELE, ADMIN, CONTOSO_TENANT, MEGAN, NESTOR};
use printjob_emulator::Emulator;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

const BASIC: &[&str] = &["PrintJob.ReadWriteBasic"];
const CANCEL_ROUTE: &str = "POST /v1.0/print/printers/{printerId}/jobs/{printJobId}/cancel";

async fn start() -> Emulator {
    Emulator::builder().start().await.expect("emulator starts")
}

async fn start_with_print(print: PrintSeed) -> Emulator {
    let seed = Seed {
        print,
        ..Seed::default()
    };
    Emulator::builder()
        .seed(seed)
        .start()
        .await
        .expect("emulator starts")
}

fn token(emulator: &Emulator, upn: &str, scopes: &[&str]) -> String {
    emulator
        .mint_user_token(upn, scopes, 3600)
        .expect("seeded user")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

async fn call(method: Method, url: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut request = client().request(method, url);
    if let Some(t) = bearer {
        request = request.bearer_auth(t);
    }
    request.send().await.expect("response")
}

fn cancel_url(emulator: &Emulator, printer: &str, job: &str) -> String {
    format!(
        "{}/print/printers/{printer}/jobs/{job}/cancel",
        emulator.graph_url()
    )
}

fn job_state(emulator: &Emulator, printer: &str, job: &str) -> Option<PrintJobProcessingState> {
    emulator.state().print().job_state(printer, job)
}

async fn error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("json error body");
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

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

// graph-conformance: E8
#[tokio::test]
async fn app_only_token_is_refused_for_cancel() {
    let emulator = start().await;
    let t = emulator.mint_app_token(&["PrintJob.Manage.All", "PrintJob.ReadWrite.All"]);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, "accessDenied");
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
}

// graph-conformance: E9
#[tokio::test]
async fn basic_scope_cannot_cancel_another_users_job() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "107"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, "accessDenied");
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "107"),
        Some(PrintJobProcessingState::Pending)
    );
}

// graph-conformance: E9
#[tokio::test]
async fn all_scope_without_admin_role_cannot_cancel_another_users_job() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, &["PrintJob.ReadWriteBasic.All"]);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "107"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

// graph-conformance: E9
#[tokio::test]
async fn printer_admin_with_all_scope_cancels_another_users_job() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["PrintJob.ReadWrite.All"]);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "107"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "107"),
        Some(PrintJobProcessingState::Canceled)
    );
}

#[tokio::test]
async fn token_without_printjob_scope_is_refused_naming_the_scopes() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, &["User.Read"]);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("PrintJob.ReadWriteBasic"));
}

#[tokio::test]
async fn expired_token_is_refused_with_401_and_bearer_challenge() {
    let emulator = start().await;
    let t = emulator
        .mint_user_token(ADELE, BASIC, -60)
        .expect("seeded user");
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert_eq!(error_code(response).await, "InvalidAuthenticationToken");
}

#[tokio::test]
async fn token_with_bad_signature_is_refused() {
    let emulator = start().await;
    let mut t = token(&emulator, ADELE, BASIC).into_bytes();
    // Flip a character well inside the signature (the last one may only carry padding bits).
    let at = t.len() - 10;
    t[at] = if t[at] == b'A' { b'B' } else { b'A' };
    let t = String::from_utf8(t).unwrap();
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(response).await, "InvalidAuthenticationToken");
}

#[tokio::test]
async fn request_without_authorization_is_refused() {
    let emulator = start().await;
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key("www-authenticate"));
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

// graph-conformance: E3
#[tokio::test]
async fn cancel_through_the_shares_path_is_not_documented_and_answers_400() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, BASIC);
    let url = format!(
        "{}/print/shares/{LOBBY_SHARE}/jobs/102/cancel",
        emulator.graph_url()
    );
    let response = call(Method::POST, &url, Some(&t)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "BadRequest");
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "102"),
        Some(PrintJobProcessingState::Pending)
    );
}

// graph-conformance: E5
#[tokio::test]
async fn listing_a_shares_jobs_needs_a_printer_share_scope_as_well() {
    let emulator = start().await;
    let url = format!("{}/print/shares/{LOBBY_SHARE}/jobs", emulator.graph_url());
    let only_jobs = token(&emulator, ADELE, BASIC);
    assert_eq!(
        call(Method::GET, &url, Some(&only_jobs)).await.status(),
        StatusCode::FORBIDDEN
    );
    let both = token(
        &emulator,
        ADELE,
        &["PrintJob.ReadWriteBasic", "PrinterShare.ReadBasic.All"],
    );
    assert_eq!(
        call(Method::GET, &url, Some(&both)).await.status(),
        StatusCode::OK
    );
}

// graph-conformance: E6
#[tokio::test]
async fn a_share_expands_its_printer() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, &["PrinterShare.ReadBasic.All"]);
    let url = format!(
        "{}/print/shares/{LOBBY_SHARE}?$expand=printer",
        emulator.graph_url()
    );
    let response = call(Method::GET, &url, Some(&t)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let share: Value = response.json().await.unwrap();
    assert_eq!(share["printer"]["id"], LOBBY_PRINTER);
}

#[tokio::test]
async fn share_not_allowed_for_the_user_answers_404() {
    let emulator = start().await;
    let t = token(
        &emulator,
        MEGAN,
        &["PrintJob.ReadWriteBasic", "PrinterShare.ReadBasic.All"],
    );
    let url = format!(
        "{}/print/shares/{FINANCE_SHARE}/jobs/203",
        emulator.graph_url()
    );
    assert_eq!(
        call(Method::GET, &url, Some(&t)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        job_state(&emulator, FINANCE_PRINTER, "203"),
        Some(PrintJobProcessingState::Stopped)
    );
}

#[tokio::test]
async fn listing_printers_needs_a_printer_scope() {
    let emulator = start().await;
    let url = format!("{}/print/printers", emulator.graph_url());
    let basic = token(&emulator, ADELE, BASIC);
    assert_eq!(
        call(Method::GET, &url, Some(&basic)).await.status(),
        StatusCode::FORBIDDEN
    );
    let read = token(&emulator, ADMIN, &["Printer.Read.All"]);
    let page: Collection<printjob::model::Printer> = call(Method::GET, &url, Some(&read))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.value.len(), 2);
}

#[tokio::test]
async fn listing_shares_shows_only_shares_the_user_may_use() {
    let emulator = start().await;
    let t = token(&emulator, MEGAN, &["PrinterShare.ReadBasic.All"]);
    let page: Collection<printjob::model::PrinterShare> = call(
        Method::GET,
        &format!("{}/print/shares", emulator.graph_url()),
        Some(&t),
    )
    .await
    .json()
    .await
    .unwrap();
    let ids: Vec<&str> = page.value.iter().map(|s| s.base.id.as_str()).collect();
    assert_eq!(ids, [LOBBY_SHARE]);
}

#[tokio::test]
async fn tenant_without_subscription_is_refused() {
    let emulator = start().await;
    let t = token(&emulator, NESTOR, BASIC);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, "notAllowed");
}

#[tokio::test]
async fn user_of_another_licensed_tenant_cannot_see_this_tenants_printer() {
    let mut seed = Seed::default();
    let northwind = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a";
    seed.directory.tenants.push(Tenant {
        id: northwind.into(),
        display_name: "Northwind".into(),
        domains: vec!["northwind.onmicrosoft.com".into()],
        universal_print: true,
    });
    seed.directory.users.push(User {
        id: "1a2b3c4d-0009-4000-8000-00000000a009".into(),
        tenant_id: northwind.into(),
        user_principal_name: "nina@northwind.onmicrosoft.com".into(),
        display_name: "Nina".into(),
        password: seed::DEFAULT_PASSWORD.into(),
        roles: vec![],
    });
    let emulator = Emulator::builder().seed(seed).start().await.unwrap();
    let t = token(
        &emulator,
        "nina@northwind.onmicrosoft.com",
        &["PrintJob.ReadBasic"],
    );
    let response = call(
        Method::GET,
        &format!(
            "{}/print/printers/{LOBBY_PRINTER}/jobs",
            emulator.graph_url()
        ),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn revoked_session_gets_claims_challenge_and_new_token_passes() {
    let emulator = start().await;
    let old = token(&emulator, ADELE, BASIC);
    let revoke = client()
        .post(format!(
            "{}/_emulator/graph/revoke-sessions?user={ADELE}",
            emulator.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert!(revoke.status().is_success());
    let url = format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs/101",
        emulator.graph_url()
    );
    let refused = call(Method::GET, &url, Some(&old)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("error=\"insufficient_claims\""),
        "{challenge}"
    );
    let claims_b64 = challenge
        .split("claims=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(claims_b64)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["access_token"]["nbf"]["essential"], true);
    emulator.state().clock.advance(Duration::from_secs(1));
    let fresh = token(&emulator, ADELE, BASIC);
    assert_eq!(
        call(Method::GET, &url, Some(&fresh)).await.status(),
        StatusCode::OK
    );
}

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
async fn inner_batch_request_can_be_throttled_with_retry_after() {
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
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["responses"][0]["status"], 429);
    assert_eq!(body["responses"][0]["headers"]["Retry-After"], "2");
    assert_eq!(body["responses"][1]["status"], 429);
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
}

// ---- JSON fidelity against Graph's published metadata ----------------------------------
//
// The lists below are transcribed from `microsoftgraph/msgraph-metadata`,
// `clean_v10_metadata/cleanMetadata.xml`: every property declared `Nullable="false"` on the
// type and its base types (`entity`, `printerBase`), and the members of the enum types.

/// `printJob` (+ `entity`): non-nullable properties.
const PRINT_JOB_REQUIRED: &[&str] = &[
    "id",
    "configuration",
    "createdDateTime",
    "isFetchable",
    "status",
];
/// `printJobStatus`: non-nullable properties.
const PRINT_JOB_STATUS_REQUIRED: &[&str] =
    &["description", "details", "isAcquiredByPrinter", "state"];
/// `printer` (+ `printerBase`, `entity`): non-nullable properties.
const PRINTER_REQUIRED: &[&str] = &[
    "id",
    "displayName",
    "status",
    "hasPhysicalDevice",
    "isShared",
    "registeredDateTime",
];
/// `printerShare` (+ `printerBase`, `entity`): non-nullable properties.
const PRINTER_SHARE_REQUIRED: &[&str] = &[
    "id",
    "displayName",
    "status",
    "allowAllUsers",
    "createdDateTime",
];
/// `printerStatus`: non-nullable properties.
const PRINTER_STATUS_REQUIRED: &[&str] = &["details", "state"];

/// Every property the metadata declares on `printJob` (+ `entity`), navigation included.
const PRINT_JOB_PROPERTIES: &[&str] = &[
    "id",
    "acknowledgedDateTime",
    "configuration",
    "createdBy",
    "createdDateTime",
    "errorCode",
    "isFetchable",
    "redirectedFrom",
    "redirectedTo",
    "status",
    "documents",
    "tasks",
];
/// Every property of `printerBase` (+ `entity`).
const PRINTER_BASE_PROPERTIES: &[&str] = &[
    "id",
    "capabilities",
    "defaults",
    "displayName",
    "isAcceptingJobs",
    "location",
    "manufacturer",
    "model",
    "status",
    "jobs",
];
/// Properties `printer` adds to `printerBase`.
const PRINTER_PROPERTIES: &[&str] = &[
    "hasPhysicalDevice",
    "isShared",
    "lastSeenDateTime",
    "registeredDateTime",
    "connectors",
    "shares",
    "taskTriggers",
];
/// Properties `printerShare` adds to `printerBase`.
const PRINTER_SHARE_PROPERTIES: &[&str] = &[
    "allowAllUsers",
    "createdDateTime",
    "viewPoint",
    "allowedGroups",
    "allowedUsers",
    "printer",
];
/// `printJobProcessingState` members.
const PRINT_JOB_PROCESSING_STATE: &[&str] = &[
    "unknown",
    "pending",
    "processing",
    "paused",
    "stopped",
    "completed",
    "canceled",
    "aborted",
    "unknownFutureValue",
];
/// `printJobStateDetail` members.
const PRINT_JOB_STATE_DETAIL: &[&str] = &[
    "uploadPending",
    "transforming",
    "completedSuccessfully",
    "completedWithWarnings",
    "completedWithErrors",
    "releaseWait",
    "interpreting",
    "unknownFutureValue",
];
/// `printerProcessingState` members.
const PRINTER_PROCESSING_STATE: &[&str] = &[
    "unknown",
    "idle",
    "processing",
    "stopped",
    "unknownFutureValue",
];

fn assert_has(object: &Value, required: &[&str], what: &str) {
    for name in required {
        let value = object.get(*name);
        assert!(
            value.is_some_and(|v| !v.is_null()),
            "{what} lacks non-nullable property {name}: {object}"
        );
    }
}

fn assert_only_known(object: &Value, known: &[&[&str]], what: &str) {
    let map = object.as_object().expect("a JSON object");
    for key in map.keys().filter(|k| !k.starts_with("@odata.")) {
        assert!(
            known.iter().any(|list| list.contains(&key.as_str())),
            "{what} has property {key}, which the metadata does not declare"
        );
    }
}

fn assert_member(value: &Value, members: &[&str], what: &str) {
    let text = value.as_str().unwrap_or_default();
    assert!(
        members.contains(&text),
        "{what} = {value} is not a member of the metadata's enum"
    );
}

fn assert_print_job(job: &Value) {
    assert_has(job, PRINT_JOB_REQUIRED, "printJob");
    assert_only_known(job, &[PRINT_JOB_PROPERTIES], "printJob");
    assert!(job["configuration"].is_object(), "{job}");
    let status = &job["status"];
    assert_has(status, PRINT_JOB_STATUS_REQUIRED, "printJobStatus");
    assert_member(
        &status["state"],
        PRINT_JOB_PROCESSING_STATE,
        "printJobStatus.state",
    );
    for detail in status["details"]
        .as_array()
        .expect("details is a collection")
    {
        assert_member(detail, PRINT_JOB_STATE_DETAIL, "printJobStatus.details");
    }
}

fn assert_printer_status(status: &Value) {
    assert_has(status, PRINTER_STATUS_REQUIRED, "printerStatus");
    assert_member(
        &status["state"],
        PRINTER_PROCESSING_STATE,
        "printerStatus.state",
    );
    let details = printjob::model::PrinterProcessingStateDetail::MEMBERS;
    for detail in status["details"]
        .as_array()
        .expect("details is a collection")
    {
        assert_member(detail, details, "printerStatus.details");
    }
}

async fn get_json(url: &str, bearer: &str) -> Value {
    let response = call(Method::GET, url, Some(bearer)).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {url}");
    response.json().await.expect("JSON body")
}

#[tokio::test]
async fn print_jobs_over_http_carry_every_non_nullable_property_of_the_metadata() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["PrintJob.ReadWrite.All"]);
    for printer in [LOBBY_PRINTER, FINANCE_PRINTER] {
        let url = format!("{}/print/printers/{printer}/jobs", emulator.graph_url());
        let page = get_json(&url, &t).await;
        let jobs = page["value"].as_array().expect("value");
        assert!(!jobs.is_empty());
        for job in jobs {
            assert_print_job(job);
            let one = get_json(&format!("{url}/{}", job["id"].as_str().unwrap()), &t).await;
            assert_print_job(&one);
        }
    }
}

#[tokio::test]
async fn every_job_state_is_sent_as_a_metadata_member() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["PrintJob.ReadWrite.All"]);
    let mut seen = std::collections::BTreeSet::new();
    for printer in [LOBBY_PRINTER, FINANCE_PRINTER] {
        let url = format!("{}/print/printers/{printer}/jobs", emulator.graph_url());
        for job in get_json(&url, &t).await["value"].as_array().unwrap() {
            seen.insert(job["status"]["state"].as_str().unwrap().to_string());
        }
    }
    let expected: std::collections::BTreeSet<String> = [
        "pending",
        "processing",
        "paused",
        "stopped",
        "completed",
        "canceled",
        "aborted",
    ]
    .map(String::from)
    .into();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn printers_over_http_carry_every_non_nullable_property_of_the_metadata() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["Printer.Read.All"]);
    let list = get_json(&format!("{}/print/printers", emulator.graph_url()), &t).await;
    let printers = list["value"].as_array().expect("value");
    assert_eq!(printers.len(), 2);
    for printer in printers {
        let url = format!(
            "{}/print/printers/{}",
            emulator.graph_url(),
            printer["id"].as_str().unwrap()
        );
        for p in [printer.clone(), get_json(&url, &t).await] {
            assert_has(&p, PRINTER_REQUIRED, "printer");
            assert_only_known(
                &p,
                &[PRINTER_BASE_PROPERTIES, PRINTER_PROPERTIES],
                "printer",
            );
            assert_printer_status(&p["status"]);
        }
    }
}

#[tokio::test]
async fn printer_shares_over_http_carry_every_non_nullable_property_of_the_metadata() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["PrinterShare.Read.All"]);
    let list = get_json(&format!("{}/print/shares", emulator.graph_url()), &t).await;
    let shares = list["value"].as_array().expect("value");
    assert_eq!(shares.len(), 2);
    for share in shares {
        let url = format!(
            "{}/print/shares/{}",
            emulator.graph_url(),
            share["id"].as_str().unwrap()
        );
        for s in [share.clone(), get_json(&url, &t).await] {
            assert_has(&s, PRINTER_SHARE_REQUIRED, "printerShare");
            assert_only_known(
                &s,
                &[PRINTER_BASE_PROPERTIES, PRINTER_SHARE_PROPERTIES],
                "printerShare",
            );
            assert_printer_status(&s["status"]);
        }
    }
}

#[tokio::test]
async fn graph_responses_carry_odata_context_like_graph() {
    let emulator = start().await;
    let t = token(
        &emulator,
        ADMIN,
        &["PrintJob.ReadWrite.All", "Printer.Read.All"],
    );
    let base = emulator.graph_url();
    let cases = [
        (format!("{base}/print/printers"), "$metadata#print/printers"),
        (
            format!("{base}/print/printers/{LOBBY_PRINTER}"),
            "$metadata#print/printers/$entity",
        ),
        (
            format!("{base}/print/printers/{LOBBY_PRINTER}/jobs"),
            "/jobs",
        ),
        (
            format!("{base}/print/printers/{LOBBY_PRINTER}/jobs/101"),
            "/jobs/$entity",
        ),
    ];
    for (url, suffix) in cases {
        let body = get_json(&url, &t).await;
        let context = body["@odata.context"].as_str().unwrap_or_default();
        assert!(
            context.starts_with(&format!("{base}/$metadata#")) && context.ends_with(suffix),
            "{url}: @odata.context {context:?}"
        );
    }
}

// ---- strictness: what Graph refuses ------------------------------------------------------

fn signed_for_adele(emulator: &Emulator, aud: &str, nbf_offset: i64) -> String {
    let state = emulator.state();
    let now = state.now();
    let oid = state
        .directory()
        .user_by_upn(ADELE)
        .expect("seeded")
        .id
        .clone();
    state.keys.sign(&printjob_emulator::jwt::IssuedClaims {
        aud: aud.into(),
        iss: format!("{}/{CONTOSO_TENANT}/v2.0", emulator.base_url()),
        tid: CONTOSO_TENANT.into(),
        oid: oid.clone(),
        sub: oid,
        iat: now,
        nbf: now + nbf_offset,
        exp: now + 3600,
        scp: Some("PrintJob.ReadWriteBasic".into()),
        preferred_username: Some(ADELE.into()),
        ..Default::default()
    })
}

#[tokio::test]
async fn token_issued_for_another_audience_is_refused_with_401() {
    let emulator = start().await;
    let t = signed_for_adele(&emulator, "api://some-other-api", 0);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("audience"));
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
}

#[tokio::test]
async fn token_whose_nbf_is_beyond_the_clock_skew_is_refused_with_401() {
    let emulator = start().await;
    let t = signed_for_adele(&emulator, "https://graph.microsoft.com", 600);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not yet valid"));
}

#[tokio::test]
async fn hand_signed_graph_token_within_its_window_is_accepted() {
    // The control for the two refusals above: the same construction with the right audience
    // and a current nbf passes, so they fail for the claim they change.
    let emulator = start().await;
    let t = signed_for_adele(&emulator, "https://graph.microsoft.com", 0);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
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

// ---- admin endpoints over HTTP -----------------------------------------------------------

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

// ---- the documented seed file ----------------------------------------------------------

/// The first ```json block after `heading` in a file of docs/.
fn json_block_after(doc: &str, heading: &str) -> String {
    let path = crate::harness::repo_root().join("docs").join(doc);
    let text = std::fs::read_to_string(&path).expect("docs file");
    let section = &text[text.find(heading).expect("heading in the docs")..];
    let start = section.find("```json\n").expect("a json block") + "```json\n".len();
    let end = section[start..].find("```").expect("end of the block");
    section[start..start + end].to_string()
}

#[tokio::test]
async fn seed_example_of_the_docs_loads_and_serves_its_printer_and_job() {
    let text = json_block_after("emulator.md", "### Seed file format");
    let seed = Seed::from_json(&text).expect("the documented seed loads");
    let emulator = Emulator::builder()
        .seed(seed)
        .start()
        .await
        .expect("emulator starts");
    assert!(emulator
        .settings()
        .contains("PRINTJOB_TENANT_ID=example.onmicrosoft.com\n"));
    assert!(emulator
        .settings()
        .contains("PRINTJOB_CLIENT_ID=bbbbbbbb-0001-4000-8000-000000000001\n"));
    let t = token(&emulator, "pat@example.onmicrosoft.com", BASIC);
    let printer = "cccccccc-0001-4000-8000-000000000001";
    let job = get_json(
        &format!("{}/print/printers/{printer}/jobs/1", emulator.graph_url()),
        &t,
    )
    .await;
    assert_eq!(job["status"]["state"], "pending");
    let cancel = call(Method::POST, &cancel_url(&emulator, printer, "1"), Some(&t)).await;
    assert_eq!(cancel.status(), StatusCode::NO_CONTENT);
}

#[test]
fn print_seed_example_of_the_graph_docs_loads() {
    let fragment = json_block_after("emulator-graph.md", "## Seed (");
    let text = format!(
        r#"{{"tenants": [{{"id": "11111111-2222-4333-8444-555555555555", "displayName": "T",
            "universalPrint": true}}], {fragment}}}"#
    );
    let seed = Seed::from_json(&text).expect("the documented print seed loads");
    assert_eq!(seed.print.printers.len(), 1);
    assert_eq!(seed.print.jobs.len(), 1);
}

#[tokio::test]
async fn listing_jobs_without_a_printjob_scope_is_refused_with_403() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, &["User.Read"]);
    let url = format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs",
        emulator.graph_url()
    );
    let response = call(Method::GET, &url, Some(&t)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, "accessDenied");
}

// graph-conformance: E8
#[tokio::test]
async fn read_only_scope_cannot_cancel_even_the_callers_own_job() {
    let emulator = start().await;
    let t = token(&emulator, ADELE, &["PrintJob.Read"]);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, "accessDenied");
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
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

#[test]
fn emulator_prints_the_users_printers_and_shares_of_its_seed_file() {
    let mut seed = Seed::default();
    let mut zoe = seed
        .directory
        .users
        .iter()
        .find(|u| u.user_principal_name == MEGAN)
        .cloned()
        .unwrap();
    zoe.id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".into();
    zoe.user_principal_name = "zoe@contoso.onmicrosoft.com".into();
    zoe.password = "Zoe-only-Secret-1".into();
    seed.directory.users.push(zoe);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.json");
    std::fs::write(&path, serde_json::to_string(&seed).unwrap()).unwrap();
    let crate::harness::EmulatorProcess {
        mut child, lines, ..
    } = crate::harness::spawn_emulator(
        std::process::Command::new(crate::harness::printjob_bin())
            .args(["emulator", "--port", "0", "--seed"])
            .arg(&path),
    );
    let printed: Vec<String> = lines
        .take_while(|l| l.as_ref().is_ok_and(|l| !l.starts_with("Press Ctrl-C")))
        .map(|l| l.unwrap_or_default())
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    let text = printed.join("\n");
    assert!(
        text.contains("zoe@contoso.onmicrosoft.com (password as in the seed file"),
        "{text}"
    );
    assert!(!text.contains("Zoe-only-Secret-1"), "{text}");
    assert!(text.contains(LOBBY_PRINTER), "{text}");
    assert!(text.contains(LOBBY_SHARE), "{text}");
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
