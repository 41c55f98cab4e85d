//! Integration tests: `printjob login` where no browser can be opened (no display, no
//! `$BROWSER`, an SSH session) falls back to the device code flow by itself; `--no-browser`
//! still prints the URL. The real binary against the emulator; the robot completes the code.

use crate::harness::{emulator_env, printjob_bin};
use printjob_emulator::robot::{self, Consent, RobotUser};
use printjob_emulator::{seed, Emulator};
use printjob_test_support::start_emulator;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{ChildStderr, Command};

const DEVICE_GRANT: &str = "grant:urn:ietf:params:oauth:grant-type:device_code";
const AUTHORIZE: &str = "GET /{tenant}/oauth2/v2.0/authorize";

/// `printjob login ARGS` with no display and no `$BROWSER`, as over SSH.
fn headless_login(emulator: &Emulator, home: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(printjob_bin());
    c.arg("login")
        .args(args)
        .env_clear()
        .envs(emulator_env(emulator, home))
        .env("SSH_CONNECTION", "192.0.2.10 50000 192.0.2.20 22")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

fn count(emulator: &Emulator, key: &str) -> u64 {
    emulator.counters().get(key).copied().unwrap_or(0)
}

/// Reads stderr lines until `pick` finds something; returns it and the lines read before.
async fn read_until<T>(
    lines: &mut Lines<BufReader<ChildStderr>>,
    pick: impl Fn(&str) -> Option<T>,
) -> (T, String) {
    let mut seen = String::new();
    loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("stderr ended; it said:\n{seen}"));
        if let Some(found) = pick(&line) {
            return (found, seen);
        }
        seen.push_str(&line);
        seen.push('\n');
    }
}

fn device_prompt(line: &str) -> Option<(url::Url, String)> {
    let uri = line
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .and_then(|w| url::Url::parse(w.trim_end_matches(['.', ','])).ok())?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "code")?;
    let code = words.get(at + 1)?.trim_end_matches(['.', ',']).to_owned();
    Some((uri, code))
}

#[tokio::test(flavor = "multi_thread")]
async fn login_over_ssh_without_display_falls_back_to_device_code_and_says_so() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let mut child = headless_login(&emulator, home.path(), &[]).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let ((uri, code), before) = read_until(&mut lines, device_prompt).await;
    assert!(
        before.contains("No browser can be opened here (an SSH session without a display)"),
        "{before}"
    );
    assert!(before.contains("device code"), "{before}");
    let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
    robot::device_login(&uri, &code, &user, Consent::Accept)
        .await
        .unwrap();
    assert!(child.wait().await.unwrap().success());
    assert!(count(&emulator, DEVICE_GRANT) >= 1);
    assert_eq!(count(&emulator, AUTHORIZE), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_browser_over_ssh_keeps_printing_the_url_instead_of_a_device_code() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let mut child = headless_login(&emulator, home.path(), &["--no-browser"])
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let prefix = format!("{}/", emulator.base_url());
    let (url, before) = read_until(&mut lines, |line| {
        (line.starts_with(&prefix) && line.contains("/oauth2/v2.0/authorize?"))
            .then(|| url::Url::parse(line).ok())
            .flatten()
    })
    .await;
    assert!(!before.contains("device code"), "{before}");
    let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
    robot::sign_in(&url, &user, Consent::Accept).await.unwrap();
    assert!(child.wait().await.unwrap().success());
    assert_eq!(count(&emulator, "grant:authorization_code"), 1);
    assert_eq!(count(&emulator, DEVICE_GRANT), 0);
}

/// `printjob token --interactive` with nothing cached, over SSH without a display: the
/// sign-in it needs is a device code too (not a loopback URL no browser here can reach), and
/// the token it prints is the one that sign-in granted.
#[tokio::test(flavor = "multi_thread")]
async fn token_interactive_over_ssh_without_display_signs_in_with_a_device_code() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(printjob_bin());
    child
        .args(["token", "--interactive"])
        .env_clear()
        .envs(emulator_env(&emulator, home.path()))
        .env("SSH_CONNECTION", "192.0.2.10 50000 192.0.2.20 22")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = child.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let ((uri, code), _) = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        read_until(&mut lines, device_prompt),
    )
    .await
    .expect("a device code prompt within 60 s, not a loopback URL");
    let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
    robot::device_login(&uri, &code, &user, Consent::Accept)
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap();
    assert_eq!(token.trim().split('.').count(), 3, "a JWT on stdout");
    assert!(count(&emulator, DEVICE_GRANT) >= 1);
    assert_eq!(count(&emulator, AUTHORIZE), 0);
}
