//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — who may cancel or list what (scopes, roles, ownership).

use printjob::model::PrintJobProcessingState;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::seed::{ADELE, ADMIN};
use printjob_test_support::{
    cancel_url, graph_error_code as error_code, job_state, send as call, start_emulator as start,
    user_token as token, BASIC,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;

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

/// The default seed with Megan holding `role` (Global Administrator or Printer Administrator).
async fn start_with_megan_as(role: &str) -> printjob_emulator::Emulator {
    use printjob_emulator::seed::{Seed, MEGAN};
    let mut seed = Seed::default();
    for user in &mut seed.directory.users {
        if user.user_principal_name == MEGAN {
            user.roles = vec![role.to_string()];
        }
    }
    printjob_test_support::start_emulator_with(seed).await
}

/// `GET` Adele's job 101 as Megan with `scopes`: the status.
async fn megan_reads_adeles_job(
    emulator: &printjob_emulator::Emulator,
    scopes: &[&str],
) -> StatusCode {
    let t = token(emulator, printjob_emulator::seed::MEGAN, scopes);
    let url = format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs/101",
        emulator.graph_url()
    );
    call(Method::GET, &url, Some(&t)).await.status()
}

// graph-conformance: E9
#[tokio::test]
async fn global_administrator_with_an_all_scope_reads_another_users_job() {
    let emulator = start_with_megan_as("Global Administrator").await;
    assert_eq!(
        megan_reads_adeles_job(&emulator, &["PrintJob.Read.All"]).await,
        StatusCode::OK
    );
}

// graph-conformance: E9
#[tokio::test]
async fn printer_administrator_with_an_all_scope_reads_another_users_job() {
    let emulator = start_with_megan_as("Printer Administrator").await;
    assert_eq!(
        megan_reads_adeles_job(&emulator, &["PrintJob.ReadBasic.All"]).await,
        StatusCode::OK
    );
}

// graph-conformance: E9
#[tokio::test]
async fn another_directory_role_with_an_all_scope_cannot_read_another_users_job() {
    let emulator = start_with_megan_as("Helpdesk Administrator").await;
    assert_eq!(
        megan_reads_adeles_job(&emulator, &["PrintJob.Read.All"]).await,
        StatusCode::FORBIDDEN
    );
}

// graph-conformance: E9
#[tokio::test]
async fn global_administrator_without_an_all_scope_cannot_read_another_users_job() {
    let emulator = start_with_megan_as("Global Administrator").await;
    assert_eq!(
        megan_reads_adeles_job(&emulator, &["PrintJob.Read"]).await,
        StatusCode::FORBIDDEN
    );
}
