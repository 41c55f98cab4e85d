//! Integration tests: the command line as a person meets it, in a real pseudo-terminal
//! (`rexpect`): what the sign-in says about the browser, a spinner that names a retry's wait,
//! tables at 80 columns, Ctrl-C during a sign-in and during a bulk cancel.
#![cfg(unix)]

use crate::harness::{emulator_env, example_bin, printjob_bin};
use printjob_emulator::faults::FaultConfig;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::Emulator;
use printjob_test_support::start_emulator;
use rexpect::process::wait::WaitStatus;
use rexpect::session::PtySession;
use std::path::Path;
use std::process::{Command, Stdio};

/// `printjob ARGS` in a pseudo-terminal of 80 columns, with `extra` environment variables.
fn on_a_terminal(
    emulator: &Emulator,
    home: &Path,
    args: &[&str],
    extra: &[(&str, &str)],
) -> PtySession {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("stty cols 80 rows 30; exec \"$0\" \"$@\"")
        .arg(printjob_bin())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm-256color")
        .envs(emulator_env(emulator, home))
        .envs(extra.iter().copied());
    rexpect::session::spawn_command(command, Some(30_000)).expect("a pseudo-terminal")
}

/// Signs Adele in with the robot browser, off a terminal.
fn login(emulator: &Emulator, home: &Path) {
    let out = Command::new(printjob_bin())
        .arg("login")
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

/// rexpect hands back each byte as a `char`; the UTF-8 text the terminal showed.
fn utf8(shown: &str) -> String {
    let bytes: Vec<u8> = shown.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn exit_code(session: &mut PtySession) -> i32 {
    match session.process.wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("printjob did not exit normally: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_a_failing_browser_command_says_it_could_not_open_one_and_prints_the_url() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let mut p = on_a_terminal(
        &emulator,
        home.path(),
        &["login", "--timeout", "20"],
        &[("BROWSER", "false")],
    );
    let before = p.exp_string("Could not open a browser").unwrap();
    assert!(!before.contains("Opened the sign-in page"), "{before:?}");
    p.exp_string("`false`: failed (exit status: 1)").unwrap();
    p.exp_string("/oauth2/v2.0/authorize?").unwrap();
    p.exp_string("waiting for you to sign in in the browser")
        .unwrap();
    // Ctrl-C during the sign-in: it stops at once, without a panic, and exits 130 like every
    // interrupt (exit 4 is a sign-in the user or the provider declined).
    p.send_control('c').unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(!rest.contains("panicked"), "{rest:?}");
    let code = exit_code(&mut p);
    assert_eq!(code, 130, "{rest:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_a_browser_that_opens_says_so_and_still_prints_the_url() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let robot = example_bin("robot_browser");
    let robot = robot.to_str().unwrap();
    let mut p = on_a_terminal(&emulator, home.path(), &["login"], &[("BROWSER", robot)]);
    p.exp_string("Opened the sign-in page in your browser. If it did not appear, open this URL:")
        .unwrap();
    p.exp_string("/oauth2/v2.0/authorize?").unwrap();
    p.exp_string("Signed in as adele@contoso.onmicrosoft.com")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listing_under_throttling_shows_the_retry_wait_on_its_spinner() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    login(&emulator, home.path());
    emulator.set_faults(FaultConfig {
        next: 1,
        force: 429,
        retry_after_secs: 2,
        only: "/v1.0".into(),
        ..FaultConfig::default()
    });
    let mut p = on_a_terminal(&emulator, home.path(), &["jobs", LOBBY_PRINTER], &[]);
    p.exp_string("retrying in 2 s: 429 Too Many Requests")
        .unwrap();
    p.exp_string("101").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_report_fits_80_columns_and_shortens_only_its_detail() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    login(&emulator, home.path());
    let mut p = on_a_terminal(
        &emulator,
        home.path(),
        &["cancel", LOBBY_PRINTER, "999", "107"],
        &[],
    );
    let shown = utf8(&p.exp_eof().unwrap());
    // each line as it stands once the spinner's erase-line sequences have run
    let lines: Vec<&str> = shown
        .lines()
        .map(|l| {
            l.rsplit("\u{1b}[2K")
                .next()
                .unwrap_or(l)
                .trim_end_matches('\r')
        })
        .collect();
    let table: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("JOB ID") || l.starts_with("999 ") || l.starts_with("107 "))
        .collect();
    assert_eq!(table.len(), 3, "{shown}");
    for line in &table {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(
        table
            .iter()
            .any(|l| l.starts_with("999     not found") && l.ends_with('…')),
        "{shown}"
    );
    assert_eq!(exit_code(&mut p), 7, "{shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_cancel_all_says_it_is_stopping_prints_the_report_and_exits_130() {
    use crate::interrupt::{emulator_with_jobs, slow_batches};
    use printjob::model::PrintJobProcessingState as State;
    let emulator = emulator_with_jobs(100).await;
    let home = tempfile::tempdir().unwrap();
    login(&emulator, home.path());
    emulator.set_faults(slow_batches(1500));
    let mut p = on_a_terminal(
        &emulator,
        home.path(),
        &[
            "cancel",
            LOBBY_PRINTER,
            "--all",
            "--yes",
            "--concurrency",
            "2",
        ],
        &[],
    );
    // Ctrl-C once the first two batches (40 jobs) are in flight.
    let started = std::time::Instant::now();
    while emulator
        .counters()
        .get("POST /v1.0/$batch")
        .copied()
        .unwrap_or(0)
        < 2
    {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    p.send_control('c').unwrap();
    p.exp_string("stopping: waiting up to 10 s for answers already sent")
        .unwrap();
    let shown = utf8(&p.exp_eof().unwrap());
    let canceled: Vec<String> = shown
        .lines()
        .map(|l| l.rsplit("\u{1b}[2K").next().unwrap_or(l))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let id = words.next()?;
            (words.next() == Some("canceled")).then(|| id.to_string())
        })
        .collect();
    let in_the_service: Vec<String> = (1..=100)
        .map(|n| n.to_string())
        .filter(|id| emulator.state().print().job_state(LOBBY_PRINTER, id) == Some(State::Canceled))
        .collect();
    assert_eq!(canceled, in_the_service, "{shown}");
    assert_eq!(canceled.len(), 40, "{shown}");
    assert!(
        shown.contains("interrupted (Ctrl-C): 100 jobs on printer"),
        "{shown}"
    );
    assert!(shown.contains("40 canceled, 60 not sent"), "{shown}");
    assert_eq!(exit_code(&mut p), 130, "{shown}");
}

/// `cancel --all` on a terminal, answered `answer` at its confirmation prompt.
fn cancel_all_answering(emulator: &Emulator, home: &Path, answer: &str) -> (String, i32) {
    let mut p = on_a_terminal(
        emulator,
        home,
        &["cancel", LOBBY_PRINTER, "--all", "--mine"],
        &[],
    );
    p.exp_string("Cancel 4 jobs on printer").unwrap();
    p.exp_string("[y/N]").unwrap();
    p.send_line(answer).unwrap();
    let shown = utf8(&p.exp_eof().unwrap());
    (shown, exit_code(&mut p))
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_all_on_a_terminal_asks_first_and_a_no_cancels_nothing() {
    use printjob::model::PrintJobProcessingState as State;
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    login(&emulator, home.path());
    let (shown, code) = cancel_all_answering(&emulator, home.path(), "n");
    assert!(shown.contains("nothing was canceled"), "{shown}");
    assert_eq!(code, 2, "{shown}");
    for id in ["101", "102", "103", "104"] {
        assert_ne!(
            emulator.state().print().job_state(LOBBY_PRINTER, id),
            Some(State::Canceled),
            "job {id}: {shown}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_all_on_a_terminal_cancels_the_jobs_it_listed_after_a_yes() {
    use printjob::model::PrintJobProcessingState as State;
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    login(&emulator, home.path());
    let (shown, code) = cancel_all_answering(&emulator, home.path(), "y");
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("4 jobs on printer"), "{shown}");
    // what the listing's states left out is still said after the confirmation
    assert!(shown.contains("1 completed job left as it is"), "{shown}");
    for id in ["101", "102", "103", "104"] {
        assert_eq!(
            emulator.state().print().job_state(LOBBY_PRINTER, id),
            Some(State::Canceled),
            "job {id}: {shown}"
        );
    }
}
