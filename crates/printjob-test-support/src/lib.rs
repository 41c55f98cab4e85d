//! The one test harness of the printjob workspace (`publish = false`): what every test module
//! needs that is not about running the `printjob` binary. Start an emulator, sign a token for
//! a seeded user, build an HTTP or a Graph client on it, read and age a token cache file.
//!
//! Tests that run the binary live in the command line crate (only its own integration tests
//! see `CARGO_BIN_EXE_printjob`); its `tests/it/harness.rs` keeps those parts and uses this
//! crate for the rest. The emulator's own tests (`crates/printjob-emulator/tests/`) use it too.
//!
//! Helpers panic with a short message instead of returning errors: they are test set-up, and a
//! failing set-up should stop the test where it happened.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod identity;
pub mod redirect;

use printjob::model::PrintJobProcessingState;
use printjob::{AccessToken, PrintClient, Scope, StaticToken};
use printjob_emulator::graph::seed::PrintSeed;
use printjob_emulator::seed::Seed;
use printjob_emulator::Emulator;
use reqwest::Method;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An emulator with the default seed (Contoso, its users, printers, shares and jobs) on
/// 127.0.0.1.
pub async fn start_emulator() -> Emulator {
    Emulator::builder().start().await.expect("emulator starts")
}

/// An emulator with `seed` on 127.0.0.1.
pub async fn start_emulator_with(seed: Seed) -> Emulator {
    Emulator::builder()
        .seed(seed)
        .start()
        .await
        .expect("emulator starts")
}

/// An emulator with the default seed standing in for `cloud` (its tokens carry that cloud's
/// Graph audience, its Graph accepts no other).
pub async fn start_emulator_in(cloud: printjob::Cloud) -> Emulator {
    Emulator::builder()
        .cloud(cloud)
        .start()
        .await
        .expect("emulator starts")
}

/// An emulator with the default seed whose clock is `offset_secs` away from this computer's
/// (positive: ahead), as a provider whose clock differs from the user's.
pub async fn start_emulator_with_clock_offset(offset_secs: i64) -> Emulator {
    let clock = printjob::OffsetClock::new();
    clock.shift(offset_secs);
    Emulator::builder()
        .clock(clock)
        .start()
        .await
        .expect("emulator starts")
}

/// An emulator with the default directory and `print` as its printers, shares and jobs.
pub async fn start_emulator_with_print(print: PrintSeed) -> Emulator {
    start_emulator_with(Seed {
        print,
        ..Seed::default()
    })
    .await
}

/// The least privileged cancel scope, as the scopes argument of [`user_token`].
pub const BASIC: &[&str] = &[Scope::PRINT_JOB_READ_WRITE_BASIC];

/// The emulator's request-counter key of the cancel route.
pub const CANCEL_ROUTE: &str = "POST /v1.0/print/printers/{printerId}/jobs/{printJobId}/cancel";

/// A Graph access token the emulator signs for the seeded user `upn` with `scopes`, valid for
/// an hour (no sign-in flow: for tests about what comes after it).
pub fn user_token(emulator: &Emulator, upn: &str, scopes: &[&str]) -> String {
    emulator
        .mint_user_token(upn, scopes, 3600)
        .expect("a seeded user")
}

/// A plain HTTP client that ignores proxy variables (the emulator is on 127.0.0.1) and
/// follows no redirects, so a test sees every answer as sent.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// Sends `method url` with an optional bearer token (no body).
pub async fn send(method: Method, url: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut request = http_client().request(method, url);
    if let Some(t) = bearer {
        request = request.bearer_auth(t);
    }
    request.send().await.expect("response")
}

/// `GET url` with a bearer token, which must answer 200 with JSON.
pub async fn get_json(url: &str, bearer: &str) -> Value {
    let response = send(Method::GET, url, Some(bearer)).await;
    assert_eq!(response.status(), reqwest::StatusCode::OK, "GET {url}");
    response.json().await.expect("JSON body")
}

/// Graph's `error.code` of an error response.
pub async fn graph_error_code(response: reqwest::Response) -> String {
    let body: Value = response.json().await.expect("json error body");
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The emulator's cancel URL of a job (the documented printers path).
pub fn cancel_url(emulator: &Emulator, printer: &str, job: &str) -> String {
    format!(
        "{}/print/printers/{printer}/jobs/{job}/cancel",
        emulator.graph_url()
    )
}

/// A job's state as the emulator holds it (no request).
pub fn job_state(emulator: &Emulator, printer: &str, job: &str) -> Option<PrintJobProcessingState> {
    emulator.state().print().job_state(printer, job)
}

/// A [`PrintClient`] on the emulator's Graph acting as `upn` with `scopes` (a fixed token).
pub fn print_client_as(emulator: &Emulator, upn: &str, scopes: &[&str]) -> PrintClient {
    let token = AccessToken::new(user_token(emulator, upn, scopes));
    let source = StaticToken::new(token, None).expect("a token source");
    PrintClient::new(Arc::new(source), &emulator.graph_url()).expect("a Graph client")
}

/// The repository root (the workspace), where README.md, docs/ and .ci/ live.
pub fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A token cache file as JSON (the test fails if it is missing or not JSON).
pub fn cache_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("cache file");
    serde_json::from_str(&text).expect("cache is valid JSON")
}

/// Every secret (access, refresh and ID token) a token cache file holds.
pub fn secrets_in_cache(path: &Path) -> Vec<String> {
    let cache = cache_json(path);
    ["AccessToken", "RefreshToken", "IdToken"]
        .iter()
        .flat_map(|section| {
            cache[section]
                .as_object()
                .into_iter()
                .flat_map(|m| m.values())
                .filter_map(|e| e["secret"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Makes every access token in the cache file at `path` expired a minute ago (the client
/// decides expiry from its own clock, so the cache is what has to say so).
pub fn expire_cached_access_tokens(path: &Path) {
    let mut cache = cache_json(path);
    let past = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs()
        - 60;
    if let Some(tokens) = cache["AccessToken"].as_object_mut() {
        for entry in tokens.values_mut() {
            entry["expires_on"] = past.to_string().into();
        }
    }
    std::fs::write(path, cache.to_string()).expect("cache file written");
}
