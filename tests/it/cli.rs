//! Integration tests: the command line itself (parsing, help, exit codes, `printjob emulator`).

use crate::harness::{printjob_bin, spawn_emulator, EmulatorProcess};
use std::process::{Command, Stdio};

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "login", "status", "token", "logout", "printers", "jobs", "cancel", "emulator", "demo",
    ] {
        let out = Command::new(printjob_bin())
            .args([sub, "--help"])
            .output()
            .expect("run printjob");
        assert!(out.status.success(), "{sub} --help failed");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: printjob"), "{sub}: {text}");
    }
}

#[test]
fn unknown_flag_is_a_usage_error_with_exit_code_2() {
    let out = Command::new(printjob_bin())
        .args(["cancel", "printer-1", "--bogus"])
        .output()
        .expect("run printjob");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
}

#[test]
fn emulator_command_prints_its_settings_and_serves() {
    let EmulatorProcess {
        mut child,
        base,
        lines,
        ..
    } = spawn_emulator(
        Command::new(printjob_bin())
            .args(["emulator", "--port", "0"])
            .stderr(Stdio::null()),
    );
    let base = base.expect("the base URL line");
    let rest: Vec<String> = lines.take(5).map(|l| l.expect("utf-8")).collect();
    assert!(
        rest.iter()
            .any(|l| l == &format!("  export PRINTJOB_AUTHORITY={base}")),
        "{rest:?}"
    );
    let health = reqwest::blocking_get(&format!("{base}/_emulator/health"));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(health.as_deref(), Ok("ok"));
}

#[test]
fn emulator_refuses_a_bad_fault_spec_with_a_usage_error() {
    let out = Command::new(printjob_bin())
        .args(["emulator", "--faults", "429=7"])
        .output()
        .expect("run printjob");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be a number from 0 to 1"));
}

mod reqwest {
    /// A tiny blocking GET over a fresh runtime (the test itself is synchronous).
    pub fn blocking_get(url: &str) -> Result<String, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let resp = ::reqwest::get(url).await.map_err(|e| e.to_string())?;
            resp.text().await.map_err(|e| e.to_string())
        })
    }
}

#[test]
fn demo_auto_signs_in_cancels_the_users_jobs_and_shows_the_refused_one() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = Command::new(printjob_bin())
        .args(["demo", "--auto"])
        .env_remove("BROWSER")
        .env_remove("DISPLAY")
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .stdin(Stdio::null())
        .output()
        .expect("run printjob demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("signed in as adele@contoso.onmicrosoft.com"),
        "{stdout}"
    );
    for job in ["101", "102", "103", "104"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(job) && l.contains("canceled")),
            "job {job} reported canceled:\n{stdout}"
        );
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("107") && l.contains("forbidden")),
        "another user's job refused:\n{stdout}"
    );
    assert!(stdout.contains("Done: 4 of your jobs canceled"), "{stdout}");
    // The demo keeps its cache in a temporary directory, not in the user's cache.
    assert!(!home.path().join("cache").join("printjob").exists());
}

#[test]
fn demo_without_display_or_browser_signs_in_unattended() {
    let out = Command::new(printjob_bin())
        .arg("demo")
        .env_remove("BROWSER")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .output()
        .expect("run printjob demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("signing in unattended"), "{stdout}");
}

#[test]
fn emulator_stops_cleanly_on_ctrl_c() {
    let EmulatorProcess {
        child,
        base,
        mut lines,
        ..
    } = spawn_emulator(
        Command::new(printjob_bin())
            .args(["emulator", "--port", "0"])
            .stderr(Stdio::piped()),
    );
    let base = base.expect("the base URL line");
    // It announces its settings only once Ctrl-C is handled: read them all, then send SIGINT.
    let _: Vec<String> = lines
        .by_ref()
        .take_while(|l| l.as_ref().is_ok_and(|l| !l.starts_with("Press Ctrl-C")))
        .map(|l| l.unwrap_or_default())
        .collect();
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("emulator stopped"));
    assert!(
        reqwest::blocking_get(&format!("{base}/_emulator/health")).is_err(),
        "the port no longer answers"
    );
}
