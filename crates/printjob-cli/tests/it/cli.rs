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

/// A signed-in home (robot browser sign-in against an in-process emulator) for output tests.
struct SignedIn {
    emulator: printjob_emulator::Emulator,
    home: tempfile::TempDir,
}

impl SignedIn {
    async fn start() -> Self {
        let emulator = printjob_emulator::Emulator::builder()
            .start()
            .await
            .expect("emulator");
        let home = tempfile::tempdir().expect("temp dir");
        let s = Self { emulator, home };
        let out = s.command(&["login"]).output().expect("run printjob login");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        s
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(printjob_bin());
        c.args(args)
            .env_clear()
            .envs(crate::harness::emulator_env(
                &self.emulator,
                self.home.path(),
            ))
            .env("BROWSER", crate::harness::example_bin("robot_browser"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }
}

fn text(out: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const LOBBY: &str = printjob_emulator::graph::seed::LOBBY_PRINTER;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_into_a_closed_pipe_exits_0_without_a_panic_or_a_message() {
    let s = SignedIn::start().await;
    let mut child = s.command(&["jobs", LOBBY]).spawn().expect("spawn");
    drop(child.stdout.take()); // the reader is gone before the first line is written
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(out.stderr.is_empty(), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_piped_into_head_exits_0_without_a_panic() {
    let s = SignedIn::start().await;
    let bin = printjob_bin();
    let mut c = s.command(&[]);
    c.env("PJ", &bin);
    let script = r#""$PJ" jobs "$1" | head -n 1 >/dev/null; exit "${PIPESTATUS[0]}""#;
    let out = Command::new("bash")
        .args(["-c", script, "bash", LOBBY])
        .envs(c.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .output()
        .expect("run bash");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_to_a_full_disk_is_an_error_with_exit_1() {
    let s = SignedIn::start().await;
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    let out = s
        .command(&["token"])
        .stdout(full)
        .output()
        .expect("run printjob token");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write to standard output") && stderr.contains("No space left"),
        "{}",
        text(&out)
    );
    assert!(!stderr.contains("panicked"), "{}", text(&out));
}

/// A server on 127.0.0.1 answering every request with `status` and `body`.
async fn fixed_answer_server(status: u16, body: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

const HOSTILE: &str = "mallory\u{1b}[2J\u{1b}]0;pwned\u{7}\r\u{9b}31m\u{202e}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_in_graph_text_are_escaped_in_human_output_and_exact_in_json() {
    let s = SignedIn::start().await;
    // The emulator's real answer, with a hostile owner name.
    let token = s
        .emulator
        .mint_user_token(
            printjob_emulator::seed::ADELE,
            &["PrintJob.ReadWriteBasic"],
            3600,
        )
        .expect("token");
    let url = format!("{}/print/printers/{LOBBY}/jobs", s.emulator.graph_url());
    let mut page: serde_json::Value = ::reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("list jobs")
        .json()
        .await
        .expect("json");
    page["value"][0]["createdBy"]["userPrincipalName"] = HOSTILE.into();
    page.as_object_mut()
        .expect("object")
        .remove("@odata.nextLink");
    let graph = fixed_answer_server(200, page.to_string()).await;

    let human = s
        .command(&["jobs", LOBBY])
        .env("PRINTJOB_GRAPH_URL", format!("{graph}/v1.0"))
        .output()
        .expect("run");
    assert_eq!(human.status.code(), Some(0), "{}", text(&human));
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(
        !stdout
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("mallory\\x1b[2J\\x1b]0;pwned\\x07\\x0d\\x9b31m\\u{202e}"),
        "{stdout:?}"
    );

    let json = s
        .command(&["jobs", LOBBY, "--json"])
        .env("PRINTJOB_GRAPH_URL", format!("{graph}/v1.0"))
        .output()
        .expect("run");
    assert_eq!(json.status.code(), Some(0), "{}", text(&json));
    let raw = String::from_utf8_lossy(&json.stdout);
    assert!(
        !raw.chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
        "{raw:?}"
    );
    let value: serde_json::Value = serde_json::from_str(&raw).expect("valid JSON");
    assert!(
        value
            .to_string()
            .contains(&serde_json::Value::from(HOSTILE).to_string()),
        "{raw}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_in_identity_errors_are_escaped() {
    let body = serde_json::json!({
        "error": "invalid_tenant",
        "error_description": format!("AADSTS90002: Tenant {HOSTILE} not found."),
        "error_codes": [90002],
    })
    .to_string();
    let authority = fixed_answer_server(400, body).await;
    let home = tempfile::tempdir().expect("temp dir");
    let out = Command::new(printjob_bin())
        .args(["login", "--no-browser"])
        .env_clear()
        .env("HOME", home.path())
        .env("PRINTJOB_AUTHORITY", &authority)
        .env("PRINTJOB_TENANT_ID", "contoso.onmicrosoft.com")
        .env(
            "PRINTJOB_CLIENT_ID",
            printjob_emulator::seed::PUBLIC_CLIENT_ID,
        )
        .env("PRINTJOB_CACHE", home.path().join("cache.json"))
        .stdin(Stdio::null())
        .output()
        .expect("run printjob login");
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mallory\\x1b[2J"), "{}", text(&out));
    assert!(
        !stderr
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
        "{stderr:?}"
    );
}

#[test]
fn emulator_tls_serves_https_and_writes_its_ca_where_it_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca_file = dir.path().join("emulator-ca.pem");
    let EmulatorProcess {
        mut child,
        base,
        lines,
        ..
    } = spawn_emulator(
        Command::new(printjob_bin())
            .args(["emulator", "--tls", "--ca-file"])
            .arg(&ca_file)
            .stderr(Stdio::null()),
    );
    let rest: Vec<String> = lines.take(8).map(|l| l.expect("utf-8")).collect();
    let base = base.expect("the base URL line");
    let pem = std::fs::read_to_string(&ca_file);
    let health = health_over_tls(&base, &ca_file);
    let _ = child.kill();
    let _ = child.wait();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    assert!(
        rest.iter()
            .any(|l| l == &format!("  export SSL_CERT_FILE={}", ca_file.display())),
        "{rest:?}"
    );
    assert!(
        rest.iter()
            .any(|l| l.contains(&ca_file.display().to_string()) && l.starts_with("CA certificate")),
        "{rest:?}"
    );
    assert!(pem.expect("CA file").contains("BEGIN CERTIFICATE"));
    assert_eq!(health.as_deref(), Ok("ok"));
}

/// GET `{base}/_emulator/health` trusting only `ca_file` (no system or bundled roots).
fn health_over_tls(base: &str, ca_file: &std::path::Path) -> Result<String, String> {
    let pem = std::fs::read(ca_file).map_err(|e| e.to_string())?;
    let ca = ::reqwest::Certificate::from_pem(&pem).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = ::reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(ca)
            .build()
            .map_err(|e| e.to_string())?;
        let resp = client
            .get(format!("{base}/_emulator/health"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        resp.text().await.map_err(|e| e.to_string())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partly_failed_cancel_into_a_closed_pipe_keeps_exit_7() {
    let s = SignedIn::start().await;
    let mut child = s
        .command(&["cancel", LOBBY, "101", "999999"])
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(7), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let state = s
        .emulator
        .state()
        .print
        .lock()
        .expect("lock")
        .job_state(LOBBY, "101");
    assert_eq!(
        state,
        Some(printjob::model::PrintJobProcessingState::Canceled)
    );
}
