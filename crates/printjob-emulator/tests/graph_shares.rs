//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — printer shares, printers and tenants.

use printjob::model::{Collection, PrintJobProcessingState};
use printjob_emulator::directory::{Tenant, User};
use printjob_emulator::graph::seed::{FINANCE_PRINTER, FINANCE_SHARE, LOBBY_PRINTER, LOBBY_SHARE};
use printjob_emulator::seed::{self, Seed, ADELE, ADMIN, MEGAN, NESTOR};
use printjob_emulator::Emulator;
use printjob_test_support::{
    cancel_url, graph_error_code as error_code, job_state, send as call, start_emulator as start,
    user_token as token, BASIC,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;

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
