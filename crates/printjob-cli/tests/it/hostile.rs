//! Integration tests: the sign-in listener under hostile local traffic (issue 12, items 1–4),
//! over real sockets on 127.0.0.1. Each attack runs while a sign-in waits; the genuine
//! redirect must still be answered promptly, and no number of stray requests ends the wait.
//! Figures go to `docs/reliability.md` through `report::record` (see `scripts/reliability.sh`).

use crate::harness::{emulator_env, printjob_bin};
use crate::report;
use printjob::test_support::{AuthorizationParams, PendingAuthorization, RedirectParams};
use printjob::test_support::{LoopbackListener, LoopbackOptions};
use printjob::AuthError;
use printjob::ResponseMode;
use printjob::{ClientId, Scope};
use printjob_emulator::robot::{self, Consent, RobotUser};
use printjob_emulator::{seed, Emulator};
use printjob_test_support::start_emulator;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// A sign-in waiting in the background.
struct Waiting {
    state: String,
    port: u16,
    task: JoinHandle<Result<RedirectParams, AuthError>>,
}

impl Waiting {
    fn start(options: LoopbackOptions) -> Self {
        let listener = LoopbackListener::bind(&options).expect("bind the loopback listener");
        let port = listener.port();
        let params = AuthorizationParams::new(
            "https://login.example.com/organizations/oauth2/v2.0/authorize"
                .parse()
                .unwrap(),
            ClientId::new("11111111-2222-3333-4444-555555555555").unwrap(),
            listener.redirect_uri(),
            vec![Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC).unwrap()],
        );
        let pending = PendingAuthorization::new(params);
        let state = pending.state().to_owned();
        let expected = state.clone();
        let task =
            tokio::spawn(async move { listener.wait(&expected, ResponseMode::FormPost).await });
        Self { state, port, task }
    }

    fn default() -> Self {
        Self::start(LoopbackOptions::default())
    }

    /// Sends the genuine form_post (with an Entra-sized code, so the body is over 1 KiB) and
    /// checks that it is answered 200 within `within` and ends the wait with that code.
    async fn genuine_redirect_within(self, within: Duration) -> Duration {
        let started = Instant::now();
        let code = format!("0.AUo{}", "x".repeat(1800));
        let client = reqwest::Client::builder().timeout(within).build().unwrap();
        let response = client
            .post(format!("http://127.0.0.1:{}/", self.port))
            .form(&[
                ("code", code.as_str()),
                ("state", self.state.as_str()),
                ("session_state", "5f1c3a40-0000-0000-0000-000000000000"),
            ])
            .send()
            .await
            .expect("the genuine redirect is answered in time");
        assert_eq!(response.status(), 200);
        let result = tokio::time::timeout(within, self.task)
            .await
            .expect("the wait ends right after the genuine redirect")
            .expect("the wait does not panic");
        assert_eq!(result.unwrap().code.unwrap().secret(), code);
        started.elapsed()
    }

    fn still_waiting(&self) -> bool {
        !self.task.is_finished()
    }
}

/// Connects and writes `request` in the background, never reading: returns the task.
fn pipeline_without_reading(port: u16, copies: usize) -> JoinHandle<(TcpStream, usize)> {
    tokio::spawn(async move {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let one = b"GET /favicon.ico HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let batch: Vec<u8> = one.iter().copied().cycle().take(one.len() * 1000).collect();
        let mut sent = 0;
        for _ in 0..copies / 1000 {
            match tokio::time::timeout(Duration::from_secs(2), stream.write_all(&batch)).await {
                Ok(Ok(())) => sent += 1000,
                _ => break,
            }
        }
        (stream, sent)
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelining_client_that_never_reads_does_not_delay_the_redirect() {
    let waiting = Waiting::default();
    let pipeliner = pipeline_without_reading(waiting.port, 100_000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let took = waiting
        .genuine_redirect_within(Duration::from_secs(5))
        .await;
    let (_stream, sent) = pipeliner.await.unwrap();
    report::record(
        "listener",
        "pipelining client that never reads (1 connection)",
        sent as u64,
        &format!("genuine redirect answered in {} ms", took.as_millis()),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelining_client_does_not_hold_back_the_deadline() {
    let waiting = Waiting::start(LoopbackOptions {
        timeout: Duration::from_secs(1),
        ..LoopbackOptions::default()
    });
    let _pipeliner = pipeline_without_reading(waiting.port, 100_000);
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(5), waiting.task)
        .await
        .expect("the deadline is enforced while a client misbehaves")
        .unwrap();
    assert!(
        matches!(result, Err(AuthError::TimedOut { .. })),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_wait_releases_the_port_while_a_client_pipelines() {
    let waiting = Waiting::default();
    let port = waiting.port;
    let _pipeliner = pipeline_without_reading(port, 100_000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    waiting.task.abort();
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "the port is still held");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opens a connection, sends `head` (and `body`), reads nothing and keeps it open.
async fn stray(port: u16, head: &str, body: &[u8]) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    stream.write_all(head.as_bytes()).await.ok()?;
    let _ = stream.write_all(body).await;
    Some(stream)
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_declaring_a_huge_content_length_never_end_the_sign_in() {
    let waiting = Waiting::default();
    let mut open = Vec::new();
    let sent = report::scale(100, 1000);
    for _ in 0..sent {
        let head = "POST / HTTP/1.1\r\nHost: localhost\r\n\
                    Content-Type: application/x-www-form-urlencoded\r\n\
                    Content-Length: 99999999999999\r\n\r\n";
        open.extend(stray(waiting.port, head, b"code=x&state=y").await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(waiting.still_waiting(), "stray requests ended the sign-in");
    let took = waiting
        .genuine_redirect_within(Duration::from_secs(5))
        .await;
    report::record(
        "listener",
        "POSTs declaring Content-Length 99999999999999, 20 ms apart",
        sent,
        &format!(
            "sign-in not ended; genuine redirect in {} ms",
            took.as_millis()
        ),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn honest_two_mebibyte_posts_never_end_the_sign_in() {
    let waiting = Waiting::default();
    let client = reqwest::Client::new();
    let big = vec![b'a'; 2 * 1024 * 1024];
    let mut refused = 0u64;
    let sent = report::scale(70, 300);
    for _ in 0..sent {
        let response = client
            .post(format!("http://127.0.0.1:{}/", waiting.port))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big.clone())
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        // 413, or a reset once the listener stops reading: never a hang, never a 200.
        match response {
            Ok(r) => {
                assert_eq!(r.status(), 413);
                refused += 1;
            }
            Err(e) => assert!(!e.is_timeout(), "{e}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(waiting.still_waiting(), "2 MiB posts ended the sign-in");
    let took = waiting
        .genuine_redirect_within(Duration::from_secs(5))
        .await;
    report::record(
        "listener",
        "honest 2 MiB form POSTs, 20 ms apart",
        sent,
        &format!(
            "{refused} answered 413, sign-in not ended; genuine redirect in {} ms",
            took.as_millis()
        ),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stalled_bodies_do_not_starve_a_genuine_form_post() {
    let waiting = Waiting::default();
    let mut open = Vec::new();
    let sent = report::scale(100, 500);
    for _ in 0..sent {
        let head = "POST / HTTP/1.1\r\nHost: localhost\r\n\
                    Content-Type: application/x-www-form-urlencoded\r\n\
                    Content-Length: 4096\r\n\r\n";
        open.extend(stray(waiting.port, head, &[b'a'; 1500]).await);
    }
    // And one header that never ends.
    open.extend(stray(waiting.port, "POST / HTTP/1.1\r\nHost: local", b"").await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let took = waiting
        .genuine_redirect_within(Duration::from_secs(3))
        .await;
    report::record(
        "listener",
        "connections stalled mid-body (4 KiB declared, 1.5 KiB sent) + 1 mid-header",
        sent + 1,
        &format!("genuine 1.8 KiB form_post in {} ms", took.as_millis()),
    );
    drop(open);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_header_line_without_end_is_refused_within_the_head_cap() {
    let waiting = Waiting::default();
    let mut stream = TcpStream::connect(("127.0.0.1", waiting.port))
        .await
        .unwrap();
    stream
        .write_all(b"GET /?x=")
        .await
        .expect("the request line starts");
    let chunk = vec![b'a'; 64 * 1024];
    let mut accepted = 0usize;
    let limit = 64 * 1024 * 1024;
    while accepted < limit {
        match tokio::time::timeout(Duration::from_secs(2), stream.write_all(&chunk)).await {
            Ok(Ok(())) => accepted += chunk.len(),
            _ => break,
        }
    }
    // The kernel's socket buffers take a few MiB; the listener itself stops at 16 KiB.
    assert!(
        accepted < 16 * 1024 * 1024,
        "the listener kept reading a header without end ({accepted} bytes)"
    );
    let mut answer = [0u8; 12];
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut answer)).await;
    drop(stream);
    let took = waiting
        .genuine_redirect_within(Duration::from_secs(5))
        .await;
    report::record(
        "listener",
        "one request line without end (64 MiB offered)",
        1,
        &format!(
            "{} KiB taken before the connection was refused; genuine redirect in {} ms",
            accepted / 1024,
            took.as_millis()
        ),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_stalls_gets_408_and_a_stalled_head_or_silent_connection_is_closed() {
    let waiting = Waiting::start(LoopbackOptions {
        connection_timeout: Duration::from_millis(500),
        ..LoopbackOptions::default()
    });
    let head = "POST / HTTP/1.1\r\nHost: localhost\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\n";
    let mut body_staller = stray(waiting.port, head, b"code=").await.unwrap();
    let mut head_staller = stray(waiting.port, "GET / HTTP/1.1\r\nHost", b"")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(("127.0.0.1", waiting.port))
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(3),
        body_staller.read_to_end(&mut answer),
    )
    .await
    .expect("the stalled body is answered and closed")
    .unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), head_staller.read_to_end(&mut rest))
        .await
        .expect("the stalled head is closed")
        .ok();
    let mut nothing = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), silent.read_to_end(&mut nothing))
        .await
        .expect("a connection that sends nothing is closed")
        .ok();
    assert!(waiting.still_waiting());
    waiting
        .genuine_redirect_within(Duration::from_secs(3))
        .await;
    report::record(
        "listener",
        "a body, a request head and a connection that stall (connection timeout 0.5 s)",
        3,
        "stalled body answered 408, stalled head and silent connection closed, all within 3 s; sign-in went on",
    );
}

/// `printjob login --no-browser` run under `ulimit -n {limit}` against `emulator`: the child
/// and the authorize URL it printed.
async fn login_under_fd_limit(
    emulator: &Emulator,
    home: &std::path::Path,
    limit: u32,
) -> (
    tokio::process::Child,
    url::Url,
    tokio::task::JoinHandle<String>,
) {
    let mut command = tokio::process::Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
        .arg(printjob_bin())
        .args(["login", "--no-browser", "--timeout", "120"])
        .env_clear()
        .envs(emulator_env(emulator, home))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("start printjob login");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let prefix = format!("{}/", emulator.base_url());
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the authorize URL is printed")
            .unwrap()
            .expect("an authorize URL line");
        if line.starts_with(&prefix) && line.contains("/oauth2/v2.0/authorize?") {
            break url::Url::parse(&line).unwrap();
        }
    };
    let rest = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    (child, url, rest)
}

fn redirect_port(url: &url::Url) -> u16 {
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| url::Url::parse(&v).unwrap())
        .expect("redirect_uri");
    redirect.port().expect("a port")
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_past_the_descriptor_limit_do_not_kill_the_listener() {
    let emulator = start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let (mut child, url, stderr) = login_under_fd_limit(&emulator, home.path(), 256).await;
    let port = redirect_port(&url);
    let mut idle = Vec::new();
    let sent = 400;
    for _ in 0..sent {
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)).await {
            idle.push(stream);
        }
    }
    // Long enough for the listener to hit EMFILE on accept several times.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "printjob ended while idle connections were open"
    );
    drop(idle);
    let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
    tokio::time::timeout(
        Duration::from_secs(30),
        robot::sign_in(&url, &user, Consent::Accept),
    )
    .await
    .expect("the listener still answers")
    .expect("the robot signs in");
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("printjob ends after the redirect")
        .unwrap();
    let stderr = stderr.await.unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "{status:?}: {stderr}");
    report::record(
        "listener",
        "idle connections to `printjob login` under `ulimit -n 256`",
        sent,
        "listener kept accepting after EMFILE; sign-in completed; 0 panics",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_and_timeout_end_login_while_a_client_pipelines() {
    let emulator = start_emulator().await;
    for signal in [true, false] {
        let home = tempfile::tempdir().unwrap();
        let mut command = tokio::process::Command::new(printjob_bin());
        command
            .args(["login", "--no-browser", "--timeout", "3"])
            .env_clear()
            .envs(emulator_env(&emulator, home.path()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = loop {
            let line = lines.next_line().await.unwrap().expect("URL line");
            if line.contains("/oauth2/v2.0/authorize?") {
                break url::Url::parse(line.trim()).unwrap();
            }
        };
        let _pipeliner = pipeline_without_reading(redirect_port(&url), 100_000);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let started = Instant::now();
        if signal {
            let pid = child.id().unwrap().to_string();
            let sent = std::process::Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap();
            assert!(sent.success());
        }
        let status = tokio::time::timeout(Duration::from_secs(8), child.wait())
            .await
            .expect("printjob login ends despite the pipelining client")
            .unwrap();
        assert!(!status.success());
        assert!(started.elapsed() < Duration::from_secs(6));
    }
    report::record(
        "listener",
        "`printjob login --timeout 3` with a pipelining client: Ctrl-C, then the deadline",
        2,
        "both ended the process in time (< 6 s, exit non-zero)",
    );
}

/// Arbitrary raw requests over a real socket: request lines, methods, targets, headers,
/// percent-encodings, repeated parameters and non-UTF-8 bytes. None may end the wait (none
/// carries the state) or get a 2xx; afterwards the genuine redirect still completes.
#[test]
fn arbitrary_raw_requests_never_end_the_sign_in() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use std::io::{Read, Write};

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let waiting = runtime.block_on(async {
        Waiting::start(LoopbackOptions {
            connection_timeout: Duration::from_secs(2),
            ..LoopbackOptions::default()
        })
    });
    let (port, state) = (waiting.port, waiting.state.clone());
    let part = prop_oneof![
        Just(b"code=x".to_vec()),
        Just(b"state=".to_vec()),
        Just(b"state=%FF%FE".to_vec()),
        Just(format!("state={}", &state[1..]).into_bytes()),
        Just(format!("state={}x", state).into_bytes()),
        Just(format!("state={}&state={}", state, state).into_bytes()),
        Just(b"%%%%".to_vec()),
        Just(b"&&&==".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    let request = (
        prop_oneof![
            Just("GET".to_owned()),
            Just("POST".to_owned()),
            "[A-Z]{1,7}",
            "\\PC{0,8}"
        ],
        prop_oneof![
            Just("/".to_owned()),
            Just("/?".to_owned()),
            "/\\PC{0,30}",
            "\\PC{0,30}"
        ],
        proptest::collection::vec(part.clone(), 0..5),
        prop_oneof![
            Just("HTTP/1.1"),
            Just("HTTP/1.0"),
            Just("HTTP/9.9"),
            Just("")
        ],
        proptest::collection::vec(
            (
                prop_oneof![
                    Just("Content-Type".to_owned()),
                    Just("Content-Length".to_owned()),
                    Just("Transfer-Encoding".to_owned()),
                    Just("Expect".to_owned()),
                    "[A-Za-z-]{1,20}"
                ],
                prop_oneof![
                    Just("application/x-www-form-urlencoded".to_owned()),
                    Just("chunked".to_owned()),
                    Just("100-continue".to_owned()),
                    "[0-9]{1,20}",
                    "\\PC{0,40}"
                ],
            ),
            0..6,
        ),
        proptest::collection::vec(part, 0..5),
    );
    let cases = crate::report::scale(64, 2000);
    let mut runner = TestRunner::new(Config {
        cases: u32::try_from(cases).unwrap_or(64),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &request,
            |(method, target, query, version, headers, body)| {
                let mut raw = Vec::new();
                raw.extend(method.as_bytes());
                raw.push(b' ');
                raw.extend(target.as_bytes());
                raw.extend(query.join(&b'&'));
                raw.push(b' ');
                raw.extend(version.as_bytes());
                raw.extend(b"\r\nHost: localhost\r\n");
                for (name, value) in &headers {
                    raw.extend(format!("{name}: {value}\r\n").as_bytes());
                }
                raw.extend(b"\r\n");
                raw.extend(body.join(&b'&'));
                let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let _ = stream.write_all(&raw);
                let _ = stream.shutdown(std::net::Shutdown::Write);
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer);
                prop_assert!(
                    !answer.starts_with(b"HTTP/1.1 2"),
                    "a stray request was accepted: {}",
                    String::from_utf8_lossy(&answer)
                );
                Ok(())
            },
        )
        .unwrap();
    runtime.block_on(async {
        assert!(waiting.still_waiting(), "a stray request ended the sign-in");
        waiting
            .genuine_redirect_within(Duration::from_secs(5))
            .await;
    });
    report::record(
        "listener",
        "property-based raw requests (request lines, headers, encodings, repeats, non-UTF-8)",
        cases,
        "0 accepted, sign-in not ended, genuine redirect completed after them",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_attacks_at_once_do_not_delay_the_genuine_redirect() {
    let waiting = Waiting::default();
    let port = waiting.port;
    let scale = report::scale(1, 5);
    let pipeliners: Vec<_> = (0..4 * scale)
        .map(|_| pipeline_without_reading(port, 20_000))
        .collect();
    let mut open = Vec::new();
    for i in 0..100 * scale {
        let head = match i % 4 {
            0 => "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 99999999999999\r\n\r\n",
            1 => "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4096\r\n\r\ncode=",
            2 => "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n10\r\n",
            _ => "GET /?state=",
        };
        open.extend(stray(port, head, b"").await);
    }
    let flood = tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut refused = 0u64;
        for i in 0..200 * scale {
            let sent = client
                .post(format!("http://127.0.0.1:{port}/"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("code=forged{i}&state=forged{i}"))
                .send()
                .await;
            if sent.is_ok_and(|r| r.status() == 400) {
                refused += 1;
            }
        }
        refused
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(waiting.still_waiting());
    let took = waiting
        .genuine_redirect_within(Duration::from_secs(5))
        .await;
    let refused = flood.await.unwrap_or(0);
    for p in pipeliners {
        p.abort();
    }
    report::record(
        "listener",
        "all at once: pipelining clients, huge Content-Length, stalled and chunked bodies, \
         unfinished heads, forged form_posts",
        4 * scale + 100 * scale + 200 * scale,
        &format!(
            "genuine redirect in {} ms; {refused} forged posts answered 400 (the rest cut off when the wait ended); 0 \
             accepted",
            took.as_millis()
        ),
    );
    drop(open);
}
