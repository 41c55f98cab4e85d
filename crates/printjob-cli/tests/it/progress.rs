//! Integration tests: progress (spinners, the cancel bar) shows on a terminal only and never
//! with `--json`. The terminal is a real pseudo-terminal from util-linux `script`.

use crate::harness::{emulator_env, example_bin, printjob_bin};
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::Emulator;
use printjob_test_support::start_emulator;
use std::path::Path;
use std::process::{Command, Stdio};

/// Signs Adele in (robot browser) with the scopes the share-name lookup needs.
fn login(emulator: &Emulator, home: &Path) {
    let out = Command::new(printjob_bin())
        .args([
            "login",
            "--scope",
            "PrintJob.ReadWriteBasic",
            "--scope",
            "PrinterShare.ReadBasic.All",
        ])
        .env_clear()
        .envs(emulator_env(emulator, home))
        .env("BROWSER", example_bin("robot_browser"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether `text` carries anything a progress display draws.
fn progress_like(text: &str) -> bool {
    text.contains("Listing")
        || text.contains("Looking up")
        || text.contains('\r')
        || text.contains("\u{1b}[")
        || text.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c))
}

/// Runs `printjob ARGS` inside a pseudo-terminal; everything it wrote to the terminal.
fn on_a_terminal(emulator: &Emulator, home: &Path, args: &str) -> String {
    let command = format!("{} {args}", printjob_bin().display());
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm-256color")
        .env("BROWSER", example_bin("robot_browser"))
        .envs(emulator_env(emulator, home))
        .stdin(Stdio::null())
        .output()
        .expect("util-linux script");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    text
}

fn script_available() -> bool {
    Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_progress_like_off_a_terminal_or_with_json() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    login(&emulator, home.path());
    for args in [
        vec!["jobs", LOBBY_PRINTER],
        vec!["jobs", "Lobby", "--json"],
        vec!["printers", "--shares"],
    ] {
        let out = Command::new(printjob_bin())
            .args(&args)
            .env_clear()
            .envs(emulator_env(&emulator, home.path()))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(!progress_like(&stderr), "{args:?}: {stderr:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_on_a_terminal_shows_a_spinner_but_not_with_json() {
    if !script_available() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    login(&emulator, home.path());
    let shown = on_a_terminal(&emulator, home.path(), "jobs Lobby");
    assert!(
        shown.contains("Looking up the printer or share"),
        "{shown:?}"
    );
    assert!(shown.contains("Listing the jobs of share"), "{shown:?}");
    assert!(shown.contains("101"), "{shown:?}");
    let json = on_a_terminal(&emulator, home.path(), "jobs Lobby --json");
    assert!(
        !json.contains("Listing") && !json.contains("Looking up"),
        "{json:?}"
    );
    assert!(json.contains("\"101\""), "{json:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_cancel_on_a_terminal_shows_the_bar_but_not_with_json() {
    if !script_available() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    login(&emulator, home.path());
    let json = on_a_terminal(
        &emulator,
        home.path(),
        &format!("cancel {LOBBY_PRINTER} --all --mine --yes --state pending --json"),
    );
    assert!(!json.contains(" jobs"), "{json:?}");
    let shown = on_a_terminal(
        &emulator,
        home.path(),
        &format!("cancel {LOBBY_PRINTER} --all --mine --yes"),
    );
    assert!(shown.contains("/2 jobs"), "{shown:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_sign_in_on_a_terminal_shows_a_spinner_but_not_with_json() {
    if !script_available() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let spinner = "waiting for you to sign in in the browser (Ctrl-C to cancel)";
    let shown = on_a_terminal(&emulator, home.path(), "login");
    assert!(shown.contains(spinner), "{shown:?}");
    let json = on_a_terminal(&emulator, home.path(), "login --json");
    assert!(!json.contains("Ctrl-C to cancel"), "{json:?}");
    assert!(json.contains("\"signedIn\": true"), "{json:?}");
}
