//! Integration tests: national clouds. The real `printjob` binary signs in and cancels against
//! an in-process emulator standing in for `usgov` or `usgov-dod`, whose Graph accepts only its
//! own audience (Graph `deployments.md`: "Access tokens acquired for a national cloud
//! deployment are not interchangeable with those acquired for the global service or any other
//! national cloud"). Both clouds sign in at `login.microsoftonline.us`, so one emulator (one
//! sign-in host, as in the real service) serves the tokens of either Graph.

use crate::harness::{cache_json, emulator_env, example_bin, printjob_bin};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use printjob::model::PrintJobProcessingState;
use printjob::Cloud;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::Emulator;
use std::path::PathBuf;
use std::process::{Output, Stdio};

const L4: &str = "https://graph.microsoft.us";
const DOD: &str = "https://dod-graph.microsoft.us";
const TOKEN: &str = "POST /{tenant}/oauth2/v2.0/token";

struct Setup {
    emulator: Emulator,
    dir: tempfile::TempDir,
}

impl Setup {
    async fn start(cloud: Cloud) -> Self {
        Self {
            emulator: printjob_test_support::start_emulator_in(cloud).await,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache").join("token_cache.json")
    }

    /// `printjob ARGS --cloud CLOUD` with the robot browser signing Adele in.
    async fn run(&self, cloud: &str, args: &[&str]) -> Output {
        tokio::process::Command::new(printjob_bin())
            .args(args)
            .args(["--cloud", cloud])
            .env_clear()
            .envs(emulator_env(&self.emulator, self.dir.path()))
            .env("BROWSER", example_bin("robot_browser"))
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .expect("run printjob")
    }

    fn tokens_issued(&self) -> u64 {
        self.emulator.counters().get(TOKEN).copied().unwrap_or(0)
    }
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `aud` of a JWT access token (read, not verified).
fn audience(token: &str) -> String {
    let payload = token.split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
            .expect("JSON claims");
    claims["aud"].as_str().unwrap_or_default().to_owned()
}

/// The cached access tokens: (printjob's recorded Graph resource, target).
fn cached_access_tokens(s: &Setup) -> Vec<(String, String)> {
    cache_json(&s.cache())["AccessToken"]
        .as_object()
        .expect("access tokens")
        .values()
        .map(|e| {
            (
                e["printjob_graph_resource"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                e["target"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn sign_in_and_cancel(cloud: Cloud, resource: &str) {
    let s = Setup::start(cloud).await;
    assert_success(&s.run(cloud.as_str(), &["login"]).await);
    let cached = cached_access_tokens(&s);
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert_eq!(cached[0].0, resource);
    let out = s
        .run(cloud.as_str(), &["cancel", LOBBY_PRINTER, "102", "--json"])
        .await;
    assert_success(&out);
    assert_eq!(
        printjob_test_support::job_state(&s.emulator, LOBBY_PRINTER, "102"),
        Some(PrintJobProcessingState::Canceled)
    );
}

// graph-conformance: C2
#[tokio::test(flavor = "multi_thread")]
async fn sign_in_and_cancel_under_usgov_with_short_scope_names() {
    sign_in_and_cancel(Cloud::UsGov, L4).await;
}

// graph-conformance: C2
#[tokio::test(flavor = "multi_thread")]
async fn sign_in_and_cancel_under_usgov_dod_with_scopes_qualified_by_the_dod_graph() {
    sign_in_and_cancel(Cloud::UsGovDod, DOD).await;
}

/// Signs in as `signed_in` at an emulator standing in for `served`, then asks for a token as
/// `served`: the cached token of the other Graph must not be printed.
async fn a_cached_token_of_one_graph_is_not_served_for_the_other(signed_in: Cloud, served: Cloud) {
    let s = Setup::start(served).await;
    assert_success(&s.run(signed_in.as_str(), &["login"]).await);
    let before = s.tokens_issued();
    let out = s.run(served.as_str(), &["token"]).await;
    assert_success(&out);
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(
        audience(&printed),
        served.graph_resource(),
        "a {} token served to a {} command",
        signed_in.as_str(),
        served.as_str()
    );
    assert_eq!(s.tokens_issued(), before + 1, "one refresh, no browser");
    let out = s
        .run(served.as_str(), &["cancel", LOBBY_PRINTER, "103"])
        .await;
    assert_success(&out);
    assert_eq!(s.tokens_issued(), before + 1, "the new token is cached");
}

// graph-conformance: C1
#[tokio::test(flavor = "multi_thread")]
async fn a_cached_usgov_token_is_never_served_to_a_usgov_dod_command() {
    a_cached_token_of_one_graph_is_not_served_for_the_other(Cloud::UsGov, Cloud::UsGovDod).await;
}

// graph-conformance: C1
#[tokio::test(flavor = "multi_thread")]
async fn a_cached_usgov_dod_token_is_never_served_to_a_usgov_command() {
    a_cached_token_of_one_graph_is_not_served_for_the_other(Cloud::UsGovDod, Cloud::UsGov).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cloud_comes_from_the_setting_not_from_the_graph_url_host() {
    // The Graph URL is the emulator's own (127.0.0.1), as --graph-url overrides any cloud's:
    // the scopes sent still follow --cloud, so a usgov-dod command asks for the DoD Graph.
    let s = Setup::start(Cloud::UsGovDod).await;
    assert_success(&s.run("usgov-dod", &["login"]).await);
    let cached = cached_access_tokens(&s);
    assert!(
        cached[0]
            .1
            .contains(&format!("{DOD}/PrintJob.ReadWriteBasic")),
        "{cached:?}"
    );
}
