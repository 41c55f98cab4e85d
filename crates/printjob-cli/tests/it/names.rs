//! Integration tests: printers and shares by display name (`printjob jobs "Lobby"`), through
//! the documented listings, against the emulator over real sockets.

use crate::harness::{emulator_env, printjob_bin};
use printjob::resolve_target;
use printjob::ErrorKind;
use printjob::PrintTarget;
use printjob_emulator::graph::seed::{
    PrintSeed, SeedShare, FINANCE_PRINTER, LOBBY_PRINTER, LOBBY_SHARE,
};
use printjob_emulator::seed::{ADELE, ADMIN, CONTOSO_TENANT};
use printjob_emulator::Emulator;
use printjob_test_support::{
    print_client_as as client_as, start_emulator_with_print as emulator_with,
};

const LIST_SHARES: &str = "GET /v1.0/print/shares";
const LIST_PRINTERS: &str = "GET /v1.0/print/printers";

async fn emulator() -> Emulator {
    emulator_with(PrintSeed::default_for(CONTOSO_TENANT)).await
}

fn count(emulator: &Emulator, key: &str) -> u64 {
    emulator.counters().get(key).copied().unwrap_or(0)
}

const USER_SCOPES: &[&str] = &["PrintJob.ReadWriteBasic", "PrinterShare.ReadBasic.All"];

#[tokio::test]
async fn share_name_resolves_through_the_share_listing_only() {
    let emulator = emulator().await;
    let client = client_as(&emulator, ADELE, USER_SCOPES);
    let target = resolve_target(&client, "  lobby ", false).await.unwrap();
    assert_eq!(target, PrintTarget::parse(LOBBY_SHARE, true).unwrap());
    assert_eq!(count(&emulator, LIST_SHARES), 1);
    assert_eq!(count(&emulator, LIST_PRINTERS), 0);
}

#[tokio::test]
async fn guid_is_used_as_an_id_without_any_listing() {
    let emulator = emulator().await;
    let client = client_as(&emulator, ADELE, USER_SCOPES);
    let target = resolve_target(&client, LOBBY_PRINTER, false).await.unwrap();
    assert_eq!(target, PrintTarget::parse(LOBBY_PRINTER, false).unwrap());
    assert_eq!(
        count(&emulator, LIST_SHARES) + count(&emulator, LIST_PRINTERS),
        0
    );
}

#[tokio::test]
async fn printer_name_resolves_for_a_printer_administrator_when_no_share_has_it() {
    let emulator = emulator().await;
    let scopes = &[
        "PrintJob.ReadWriteBasic.All",
        "PrinterShare.ReadBasic.All",
        "Printer.Read.All",
    ];
    let client = client_as(&emulator, ADMIN, scopes);
    let target = resolve_target(&client, "Finance Color", false)
        .await
        .unwrap();
    assert_eq!(target, PrintTarget::parse(FINANCE_PRINTER, false).unwrap());
    assert_eq!(count(&emulator, LIST_PRINTERS), 1);
}

#[tokio::test]
async fn unknown_name_lists_the_candidates_and_why_printers_are_missing() {
    let emulator = emulator().await;
    let client = client_as(&emulator, ADELE, USER_SCOPES);
    let error = resolve_target(&client, "Second floor", false)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnresolvedName);
    let text = error.to_string();
    assert!(text.contains("share \"Lobby\""), "{text}");
    assert!(text.contains("share \"Finance\""), "{text}");
    assert!(text.contains("printers could not be listed"), "{text}");
}

#[tokio::test]
async fn name_carried_by_two_shares_is_ambiguous_and_lists_both() {
    let mut print = PrintSeed::default_for(CONTOSO_TENANT);
    let twin = "0d9c8b7a-6f5e-4d3c-8b2a-19f8e7d6c5b4";
    print.shares.push(SeedShare {
        id: twin.into(),
        display_name: "LOBBY".into(),
        ..print.shares[0].clone()
    });
    let emulator = emulator_with(print).await;
    let client = client_as(&emulator, ADELE, USER_SCOPES);
    let error = resolve_target(&client, "Lobby", false).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnresolvedName);
    let text = error.to_string();
    assert!(text.contains(LOBBY_SHARE) && text.contains(twin), "{text}");
}

// graph-conformance: E12
#[tokio::test]
async fn printer_listing_is_refused_to_users_who_are_not_printer_administrators() {
    let emulator = emulator().await;
    let client = client_as(
        &emulator,
        ADELE,
        &["PrintJob.ReadWriteBasic", "Printer.Read.All"],
    );
    let error = client.printers().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Permission, "{error}");
}

// graph-conformance: E13
#[tokio::test]
async fn share_listing_to_a_user_carries_only_the_documented_limited_properties() {
    let emulator = emulator().await;
    let token = emulator.mint_user_token(ADELE, USER_SCOPES, 3600).unwrap();
    let body: serde_json::Value = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{}/print/shares", emulator.graph_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for share in body["value"].as_array().unwrap() {
        for key in share.as_object().unwrap().keys() {
            assert!(
                ["id", "displayName", "manufacturer", "model", "location"].contains(&key.as_str()),
                "{key} in {share}"
            );
        }
    }
    // And the client still reads that limited listing.
    let client = client_as(&emulator, ADELE, USER_SCOPES);
    assert!(!client.shares().await.unwrap().is_empty());
}

fn printjob(emulator: &Emulator, home: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(printjob_bin())
        .args(args)
        .env_clear()
        .envs(emulator_env(emulator, home))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// Puts a token carrying `scopes` for Adele into the cache, through `printjob login` with the
/// robot browser.
async fn login(emulator: &Emulator, home: &std::path::Path, scopes: &[&str]) {
    let mut args = vec!["login"];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    let out = tokio::process::Command::new(printjob_bin())
        .args(&args)
        .env_clear()
        .envs(emulator_env(emulator, home))
        .env("BROWSER", crate::harness::example_bin("robot_browser"))
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_jobs_and_cancel_take_a_share_name_and_unknown_names_exit_10() {
    let emulator = emulator().await;
    let home = tempfile::tempdir().unwrap();
    login(
        &emulator,
        home.path(),
        &["PrintJob.ReadWriteBasic", "PrinterShare.ReadBasic.All"],
    )
    .await;
    let jobs = printjob(&emulator, home.path(), &["jobs", "Lobby", "--json"]);
    assert_eq!(
        jobs.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&jobs.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&jobs.stdout).unwrap();
    assert!(listed.as_array().unwrap().iter().any(|j| j["id"] == "101"));
    let cancel = printjob(
        &emulator,
        home.path(),
        &["cancel", "Lobby", "101", "--json"],
    );
    assert_eq!(
        cancel.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&cancel.stderr)
    );
    let unknown = printjob(&emulator, home.path(), &["jobs", "Second floor"]);
    assert_eq!(unknown.status.code(), Some(10));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("Second floor") && stderr.contains("Lobby"),
        "{stderr}"
    );
}
