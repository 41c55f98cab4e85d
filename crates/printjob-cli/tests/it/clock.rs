//! Integration tests: a desktop whose clock differs from the identity provider's. The real
//! `printjob` binary against an in-process emulator whose clock is moved ±10 minutes: the
//! sign-in, a silent token and a refresh are kept, each with one warning on stderr that names
//! the difference (msal-python's `oauth2cli/oidc.py` only logs its ID token time findings);
//! the access token's expiry comes from `expires_in` at receipt.

use crate::harness::{emulator_env, example_bin, expire_cached_access_tokens, printjob_bin};
use printjob::model::PrintJobProcessingState;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::Emulator;
use std::path::PathBuf;
use std::process::{Output, Stdio};

const TEN_MINUTES: i64 = 600;
const WARNING: &str = "check this computer's date, time and time zone";

struct Setup {
    emulator: Emulator,
    dir: tempfile::TempDir,
}

impl Setup {
    async fn start(offset_secs: i64) -> Self {
        Self {
            emulator: printjob_test_support::start_emulator_with_clock_offset(offset_secs).await,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache").join("token_cache.json")
    }

    async fn run(&self, args: &[&str]) -> Output {
        tokio::process::Command::new(printjob_bin())
            .args(args)
            .env_clear()
            .envs(emulator_env(&self.emulator, self.dir.path()))
            .env("BROWSER", example_bin("robot_browser"))
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .expect("run printjob")
    }

    fn refresh_token(&self) -> String {
        let cache = crate::harness::cache_json(&self.cache());
        cache["RefreshToken"]
            .as_object()
            .and_then(|m| m.values().next())
            .and_then(|e| e["secret"].as_str())
            .expect("a cached refresh token")
            .to_owned()
    }
}

/// Succeeded, with exactly one clock warning on stderr naming the difference.
fn assert_kept_with_one_warning(out: &Output, what: &str, difference: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what}: exit {:?}\n{stderr}",
        out.status.code()
    );
    assert_eq!(stderr.matches(WARNING).count(), 1, "{what}: {stderr}");
    assert!(stderr.contains(difference), "{what}: {stderr}");
}

async fn sign_in_silent_token_and_refresh_are_kept(offset_secs: i64, difference: &str) {
    let s = Setup::start(offset_secs).await;
    let login = s.run(&["login"]).await;
    assert_kept_with_one_warning(&login, "sign-in", difference);

    let fresh = s.run(&["token"]).await;
    assert!(fresh.status.success());
    assert!(
        !String::from_utf8_lossy(&fresh.stderr).contains(WARNING),
        "a cached token shows no warning: nothing new was received"
    );

    expire_cached_access_tokens(&s.cache());
    let rotated_before = s.refresh_token();
    let silent = s.run(&["token"]).await;
    assert_kept_with_one_warning(&silent, "silent token", difference);
    assert_ne!(
        s.refresh_token(),
        rotated_before,
        "the rotated refresh token was saved"
    );

    expire_cached_access_tokens(&s.cache());
    let cancel = s.run(&["cancel", LOBBY_PRINTER, "102"]).await;
    assert_kept_with_one_warning(&cancel, "refresh before a cancel", difference);
    assert_eq!(
        printjob_test_support::job_state(&s.emulator, LOBBY_PRINTER, "102"),
        Some(PrintJobProcessingState::Canceled)
    );
}

// graph-conformance: C4
#[tokio::test(flavor = "multi_thread")]
async fn a_provider_clock_ten_minutes_ahead_keeps_sign_in_silent_token_and_refresh_with_a_warning()
{
    sign_in_silent_token_and_refresh_are_kept(TEN_MINUTES, "about 10 min behind").await;
}

// graph-conformance: C4
#[tokio::test(flavor = "multi_thread")]
async fn a_provider_clock_ten_minutes_behind_keeps_sign_in_silent_token_and_refresh_with_a_warning()
{
    sign_in_silent_token_and_refresh_are_kept(-TEN_MINUTES, "about 10 min ahead of").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_within_five_minutes_shows_no_warning() {
    let s = Setup::start(120).await;
    let login = s.run(&["login"]).await;
    assert!(login.status.success());
    assert!(!String::from_utf8_lossy(&login.stderr).contains(WARNING));
}
