//! Integration tests: what the command line says, off a terminal: one remedy per error, no
//! transport chain, request lines at `-v` without colour, each event warned once, plain words
//! in reports, and an unattended demo that says what it does.

use crate::harness::{emulator_env, example_bin, printjob_bin};
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::Emulator;
use printjob_test_support::start_emulator;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run(emulator: &Emulator, home: &Path, args: &[&str]) -> Output {
    Command::new(printjob_bin())
        .args(args)
        .env_clear()
        .envs(emulator_env(emulator, home))
        .env("BROWSER", example_bin("robot_browser"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn signed_in(emulator: &Emulator, home: &Path) {
    let out = run(emulator, home, &["login"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_not_found_gets_one_remedy_in_one_sentence() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    signed_in(&emulator, home.path());
    let out = run(&emulator, home.path(), &["cancel", LOBBY_PRINTER, "999"]);
    let shown = text(&out.stdout);
    assert_eq!(shown.matches("copy the id exactly").count(), 1, "{shown}");
    assert!(!shown.contains("check the id against"), "{shown}");
    assert!(!shown.contains(".;"), "{shown}");
    let wrong_printer = "6f1c2b3a-4d5e-4f60-8a71-0c1d2e3f4a52";
    let out = run(&emulator, home.path(), &["jobs", wrong_printer]);
    let said = text(&out.stderr);
    assert_eq!(said.matches("copy the id exactly").count(), 1, "{said}");
    assert!(
        !said.contains("check the id against") && !said.contains(".;"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shares_without_their_permission_do_not_claim_an_administrator_must_consent() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    signed_in(&emulator, home.path());
    let out = run(&emulator, home.path(), &["printers", "--shares"]);
    let said = text(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(!said.contains("administrator's consent"), "{said}");
    assert!(!said.contains(".All need"), "{said}");
    assert_eq!(
        said.matches("printjob login --scope PrinterShare.ReadBasic.All")
            .count(),
        1,
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_identity_provider_is_named_once_without_the_transport_chain() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(printjob_bin())
        .args(["login", "--no-browser"])
        .env_clear()
        .envs(emulator_env(&emulator, home.path()))
        .env("PRINTJOB_AUTHORITY", "http://127.0.0.1:9")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let said = text(&out.stderr);
    assert_eq!(said.matches("127.0.0.1:9").count(), 1, "{said}");
    assert!(!said.contains("client error (Connect)"), "{said}");
    assert!(!said.contains("error sending request"), "{said}");
    assert!(said.contains("could not connect"), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_logs_each_graph_request_on_one_line_without_colour_codes() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    signed_in(&emulator, home.path());
    let quiet = run(&emulator, home.path(), &["jobs", LOBBY_PRINTER]);
    assert_eq!(text(&quiet.stderr), "", "nothing is logged without -v");
    let out = run(&emulator, home.path(), &["jobs", LOBBY_PRINTER, "-v"]);
    let log = text(&out.stderr);
    let line = log
        .lines()
        .find(|l| {
            l.contains(&format!(
                "GET /v1.0/print/printers/{LOBBY_PRINTER}/jobs 200 "
            ))
        })
        .unwrap_or_else(|| panic!("no request line: {log}"));
    assert!(line.contains(" ms request-id="), "{line}");
    assert!(line.contains("client-request-id="), "{line}");
    assert!(!log.contains('\u{1b}'), "{log:?}");
    assert!(!log.contains("hyper") && !log.contains("reqwest"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_logs_identity_requests_without_their_secrets() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let out = run(&emulator, home.path(), &["login", "-v"]);
    let log = text(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("GET /contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration 200"),
        "{log}"
    );
    let token = log
        .lines()
        .find(|l| l.contains("POST ") && l.contains("/oauth2/v2.0/token 200"))
        .unwrap_or_else(|| panic!("no token request line: {log}"));
    assert!(!token.contains("code=") && !token.contains("?"), "{token}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_token_cache_is_warned_once() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("token_cache.json"), "{ not json").unwrap();
    let out = run(&emulator, home.path(), &["token"]);
    let said = text(&out.stderr);
    assert_eq!(said.matches("it was moved to").count(), 1, "{said}");
    assert!(!said.contains("WARN"), "{said}");
    assert!(!said.contains('\u{1b}'), "{said:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_use_plain_words_one_spelling_and_plurals() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    signed_in(&emulator, home.path());
    let out = run(
        &emulator,
        home.path(),
        &["cancel", LOBBY_PRINTER, "--all", "--dry-run"],
    );
    let shown = text(&out.stdout);
    assert!(shown.contains("would cancel"), "{shown}");
    assert!(
        !shown.contains("wouldCancel") && !shown.contains("job(s)"),
        "{shown}"
    );
    assert!(
        shown.contains("jobs would be canceled") && !shown.contains("cancelled"),
        "{shown}"
    );
    let out = run(&emulator, home.path(), &["cancel", LOBBY_PRINTER, "103"]);
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("1 job on "), "{shown}");
    assert!(
        !shown.contains("DETAIL"),
        "a plain cancel repeats nothing: {shown}"
    );
    let out = run(&emulator, home.path(), &["cancel", LOBBY_PRINTER, "103"]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("already finished  the job was already canceled"),
        "{shown}"
    );
    assert!(!shown.contains("alreadyFinished"), "{shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unattended_demo_says_it_signs_in_unattended_and_opens_no_browser() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(printjob_bin())
        .args(["demo", "--auto"])
        .env_clear()
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{all}");
    assert!(!all.contains("Opened the sign-in page"), "{all}");
    assert!(!all.contains("waiting for you to sign in"), "{all}");
    assert!(all.contains("signing in unattended"), "{all}");
}
