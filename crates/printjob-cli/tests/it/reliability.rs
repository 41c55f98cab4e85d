//! Integration tests: the reliability suite of issue 12 that is not the listener (see
//! `hostile.rs` for that): a SIGKILL during a cache write, secrets at trace level over every
//! command, and a table of bad inputs. The real `printjob` binary against an in-process
//! emulator (or a deliberately broken fake service). Figures go to `docs/reliability.md`
//! through `report::record`; `PRINTJOB_RELIABILITY_FULL=1` runs the long versions.

use crate::harness::{emulator_env, example_bin, printjob_bin};
use crate::report;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::robot::{self, Consent, RobotUser};
use printjob_emulator::{seed, Emulator};
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

/// An emulator and a home directory signed in as Adele.
struct SignedIn {
    emulator: Emulator,
    dir: tempfile::TempDir,
}

impl SignedIn {
    async fn start() -> Self {
        let s = Self {
            emulator: Emulator::builder().start().await.expect("emulator"),
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let out = s.run(&["login"], &[]).await;
        assert!(out.status.success(), "{}", text(&out));
        s
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache").join("token_cache.json")
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(printjob_bin());
        c.args(args)
            .env_clear()
            .envs(emulator_env(&self.emulator, self.dir.path()))
            .env("BROWSER", example_bin("robot_browser"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let run = self.command(args, env).output();
        tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .unwrap_or_else(|_| panic!("printjob {args:?} ends within 60 s"))
            .expect("run printjob")
    }

    fn expire_cached_access_tokens(&self) {
        crate::harness::expire_cached_access_tokens(&self.cache());
    }

    fn secrets_in_cache(&self) -> Vec<String> {
        crate::harness::secrets_in_cache(&self.cache())
    }

    /// The seed's lobby printer and one of Adele's pending jobs on it, from the CLI's own JSON.
    async fn printer_and_job(&self) -> (String, Option<String>) {
        let printer = LOBBY_PRINTER.to_owned();
        let out = self
            .run(
                &["jobs", &printer, "--mine", "--state", "pending", "--json"],
                &[],
            )
            .await;
        let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let list = jobs
            .as_array()
            .cloned()
            .or_else(|| jobs["jobs"].as_array().cloned())
            .or_else(|| jobs["value"].as_array().cloned())
            .unwrap_or_default();
        let job = list
            .iter()
            .find_map(|j| j["id"].as_str())
            .map(str::to_owned);
        (printer, job)
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_cache_writes_leaves_a_valid_cache() {
    use rand::Rng;
    let s = SignedIn::start().await;
    let runs = report::scale(20, 300);
    let (mut killed, mut finished, mut rewritten) = (0u64, 0u64, 0u64);
    let mut rng = rand::thread_rng();
    // How long one refresh takes here: the kills are spread over that span, so that some land
    // while the new cache is being written.
    let mut span = u64::MAX;
    for _ in 0..3 {
        s.expire_cached_access_tokens();
        let started = Instant::now();
        let mut child = s.command(&["token"], &[]).spawn().unwrap();
        let status = child.wait().await.unwrap();
        assert!(status.success());
        span = span.min(
            u64::try_from(started.elapsed().as_micros())
                .unwrap_or(1)
                .max(4),
        );
    }
    for _ in 0..runs {
        s.expire_cached_access_tokens();
        let before = std::fs::read(s.cache()).unwrap();
        let mut child = s.command(&["token"], &[]).spawn().unwrap();
        tokio::time::sleep(Duration::from_micros(rng.gen_range(0..span * 2))).await;
        match child.try_wait().unwrap() {
            Some(_) => finished += 1,
            None => {
                child.start_kill().unwrap();
                killed += 1;
            }
        }
        let _ = child.wait().await;
        let after = std::fs::read(s.cache()).expect("the cache file is still there");
        let parsed: serde_json::Value = serde_json::from_slice(&after).unwrap_or_else(|e| {
            panic!(
                "a SIGKILL left a cache that is not JSON ({e}); before: {} bytes, after: {} bytes",
                before.len(),
                after.len()
            )
        });
        if after != before {
            rewritten += 1;
        }
        let refresh = parsed["RefreshToken"].as_object().map_or(0, |m| m.len());
        assert!(refresh >= 1, "a SIGKILL lost the refresh token");
    }
    s.expire_cached_access_tokens();
    let out = s.run(&["token"], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    report::record(
        "cache",
        &format!(
            "`printjob token` refreshing, SIGKILLed at a random moment of its run (0–{} ms: twice \
             the fastest run)",
            span / 500
        ),
        runs,
        &format!(
            "{killed} killed, {finished} finished first, {rewritten} rewrote the cache; cache valid JSON with its refresh token \
             after every run; 0 lost"
        ),
    );
}

/// Splits logs into words and says whether any hashes to the PKCE challenge.
fn leaks_verifier(logged: &str, challenge: &str) -> bool {
    logged
        .split(|c: char| !(c.is_ascii_alphanumeric() || "-._~".contains(c)))
        .filter(|w| (43..=128).contains(&w.len()))
        .any(|w| URL_SAFE_NO_PAD.encode(Sha256::digest(w.as_bytes())) == challenge)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_at_trace_level_leaks_no_secret() {
    let emulator = Emulator::builder().start().await.expect("emulator");
    let dir = tempfile::tempdir().unwrap();
    let s = SignedIn { emulator, dir };
    let trace = [("RUST_LOG", "trace")];
    // Sign in at trace level, through the listener, in query mode (the code in a URL).
    let mut child = s
        .command(
            &["-vvv", "login", "--no-browser", "--response-mode", "query"],
            &trace,
        )
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut logged = String::new();
    let url = loop {
        let line = lines.next_line().await.unwrap().expect("URL line");
        logged.push_str(&line);
        logged.push('\n');
        if line.contains("/oauth2/v2.0/authorize?") {
            break url::Url::parse(line.trim()).unwrap();
        }
    };
    let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
    robot::sign_in(&url, &user, Consent::Accept).await.unwrap();
    while let Some(line) = lines.next_line().await.unwrap() {
        logged.push_str(&line);
        logged.push('\n');
    }
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{logged}");
    logged.push_str(&String::from_utf8_lossy(&out.stdout));
    let mut secrets = s.secrets_in_cache();
    let challenge = url
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .map(|(_, v)| v.into_owned())
        .expect("code_challenge");

    let (printer, job) = s.printer_and_job().await;
    let mut commands: Vec<Vec<String>> = vec![
        vec!["status".into()],
        vec!["token".into()],
        vec!["status".into(), "--json".into()],
        vec!["printers".into()],
        vec!["printers".into(), "--json".into()],
        vec!["jobs".into(), printer.clone()],
        vec!["jobs".into(), printer.clone(), "--json".into()],
        vec!["cancel".into(), printer.clone(), "not-a-job".into()],
    ];
    if let Some(job) = job {
        commands.push(vec!["cancel".into(), printer.clone(), job]);
    }
    commands.push(vec!["logout".into(), "--all".into()]);
    let mut checked = 0u64;
    for (i, args) in commands.iter().enumerate() {
        if i == 1 {
            // `token` refreshes: the rotated tokens are checked too.
            s.expire_cached_access_tokens();
        }
        let mut full = vec!["-vvv".to_owned()];
        full.extend(args.iter().cloned());
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        if s.cache().exists() {
            secrets.extend(s.secrets_in_cache());
        }
        let out = s.run(&refs, &trace).await;
        logged.push_str(&String::from_utf8_lossy(&out.stderr));
        if args[0] != "token" {
            // `token` prints the access token on stdout by design; its stderr is checked.
            logged.push_str(&String::from_utf8_lossy(&out.stdout));
        }
        if s.cache().exists() {
            secrets.extend(s.secrets_in_cache());
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() >= 4, "tokens were found to check");
    for secret in &secrets {
        checked += 1;
        assert!(
            !logged.contains(secret.as_str()),
            "a token leaked at trace level"
        );
    }
    assert!(
        !logged.contains("code="),
        "an authorization code was logged"
    );
    assert!(
        !logged.contains("refresh_token="),
        "a refresh token was logged"
    );
    assert!(
        !leaks_verifier(&logged, &challenge),
        "the PKCE verifier leaked"
    );
    assert!(logged.len() > 10_000, "trace logging was on");
    report::record(
        "secrets",
        "`-vvv` + RUST_LOG=trace over login, status, token, printers, jobs, cancel, logout",
        u64::try_from(commands.len() + 1).unwrap_or(0),
        &format!(
            "{checked} cached tokens (before and after a refresh), the code parameter and the PKCE \
             verifier searched in {} KiB of logs; 0 leaks",
            logged.len() / 1024
        ),
    );
}

/// One row of the bad-input table: what was given and how printjob must fail.
struct Case {
    what: String,
    args: Vec<OsString>,
    env: Vec<(String, OsString)>,
    /// How long the case may take (30 s unless it waits on a service that never answers).
    bound: Duration,
}

fn case(what: &str, args: &[&str]) -> Case {
    Case {
        what: what.to_owned(),
        args: args.iter().map(OsString::from).collect(),
        env: Vec::new(),
        bound: Duration::from_secs(30),
    }
}

fn with_env(mut c: Case, name: &str, value: impl Into<OsString>) -> Case {
    c.env.push((name.to_owned(), value.into()));
    c
}

/// Runs a case: it must end within its bound with a documented non-zero exit code (not 101, the
/// panic code), say something on stderr and not panic. Returns the exit code.
async fn fails_cleanly(home: &Path, emulator: &Emulator, c: &Case) -> i32 {
    let mut command = tokio::process::Command::new(printjob_bin());
    command
        .args(&c.args)
        .env_clear()
        .envs(emulator_env(emulator, home))
        .envs(c.env.iter().map(|(k, v)| (k.as_str(), v.as_os_str())))
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let started = Instant::now();
    let out = tokio::time::timeout(c.bound, command.output())
        .await
        .unwrap_or_else(|_| panic!("{}: still running after {:?}", c.what, c.bound))
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{}: {}", c.what, text(&out));
    assert!(
        (1..=10).contains(&code),
        "{}: exit {code} is not one of the documented codes 1–10\n{}",
        c.what,
        text(&out)
    );
    assert!(!stderr.trim().is_empty(), "{}: no message", c.what);
    assert!(started.elapsed() < c.bound);
    code
}

/// A service that accepts connections and never answers.
async fn silent_service() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    format!("http://{address}")
}

/// A fake service that answers every request with `status` and `body` (after `delay`).
async fn fake_service(status: u16, body: &'static [u8], content_type: &'static str) -> String {
    use axum::response::IntoResponse;
    let app = axum::Router::new().fallback(move || async move {
        (
            axum::http::StatusCode::from_u16(status).unwrap(),
            [("content-type", content_type)],
            body,
        )
            .into_response()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_fail_with_a_clear_message_and_a_documented_exit_code() {
    use std::os::unix::ffi::OsStringExt;
    let s = SignedIn::start().await;
    let (printer, _) = s.printer_and_job().await;
    let home = s.dir.path();
    let long = "a".repeat(100_000);
    let mut cases = vec![
        case("empty printer id", &["jobs", ""]),
        case("printer id with a path", &["jobs", "../../../etc/passwd"]),
        case("printer id of 100,000 characters", &["jobs", &long]),
        case(
            "printer id with control characters",
            &["jobs", "ab\u{1b}[2J\u{7}"],
        ),
        case("job id that is not an id", &["cancel", &printer, "'; DROP"]),
        case(
            "unknown job state",
            &["jobs", &printer, "--state", "pendng"],
        ),
        case("negative timeout", &["login", "--timeout", "-1"]),
        case(
            "timeout past u64",
            &["login", "--timeout", "99999999999999999999999"],
        ),
        case("port past 65535", &["login", "--port", "70000"]),
        case("unknown cloud", &["--cloud", "mars", "status"]),
        case(
            "unknown response mode",
            &["login", "--response-mode", "fragment"],
        ),
        case(
            "tenant that is not a tenant",
            &["--tenant", "a b/c", "status"],
        ),
        case(
            "client id that is not a GUID",
            &["--client-id", "nope", "token"],
        ),
        case(
            "authority that is not a URL",
            &["--authority", "::", "token"],
        ),
        case(
            "Graph URL over plain http off loopback",
            &["--graph-url", "http://example.com/v1.0", "printers"],
        ),
    ];
    cases.push(Case {
        what: "non-UTF-8 printer id".into(),
        args: vec!["jobs".into(), OsString::from_vec(vec![0xff, 0xfe, b'a'])],
        env: Vec::new(),
        bound: Duration::from_secs(30),
    });
    // Config files.
    let config_dir = home.join("bad-config");
    std::fs::create_dir_all(&config_dir).unwrap();
    let garbage = config_dir.join("garbage.toml");
    std::fs::write(&garbage, b"tenant = [[[\n\xff\xfe").unwrap();
    let wrong_type = config_dir.join("wrong-type.toml");
    std::fs::write(&wrong_type, "tenant = 42\nclient_id = true\n").unwrap();
    let huge = config_dir.join("huge.toml");
    std::fs::write(
        &huge,
        format!(
            "# {}\ntenant = \"{}\"\nclient_id = 7\n",
            "x".repeat(8 << 20),
            "y".repeat(1 << 20)
        ),
    )
    .unwrap();
    for (what, path) in [
        ("config file that is not TOML", garbage.clone()),
        ("config file with wrong types", wrong_type),
        ("config file of 9 MiB with a wrong type at its end", huge),
        ("config path that is a directory", config_dir.clone()),
        (
            "config path that does not exist",
            config_dir.join("missing.toml"),
        ),
    ] {
        cases.push(with_env(case(what, &["status"]), "PRINTJOB_CONFIG", path));
    }
    // Cache files (`token` needs a usable cache; each must be refused or treated as signed out).
    let caches = home.join("bad-caches");
    std::fs::create_dir_all(&caches).unwrap();
    let mut cache_cases: Vec<(&str, PathBuf)> = Vec::new();
    for (what, name, bytes) in [
        (
            "cache that is not JSON",
            "garbage.json",
            b"{{{{\xff".to_vec(),
        ),
        ("empty cache file", "empty.json", Vec::new()),
        (
            "cache that is a JSON array",
            "array.json",
            b"[1,2,3]".to_vec(),
        ),
        (
            "cache with wrong field types",
            "types.json",
            br#"{"AccessToken":7,"RefreshToken":"x","Account":[]}"#.to_vec(),
        ),
        (
            "cache of 16 MiB of nesting",
            "deep.json",
            b"[".repeat(16 << 20),
        ),
    ] {
        let path = caches.join(name);
        std::fs::write(&path, bytes).unwrap();
        cache_cases.push((what, path));
    }
    cache_cases.push(("cache path that is a directory", caches.clone()));
    for (what, path) in cache_cases {
        cases.push(with_env(case(what, &["token"]), "PRINTJOB_CACHE", path));
    }
    // Graph and identity answers that are garbage or miss fields.
    for (what, status, body, content_type) in [
        (
            "Graph answering HTML",
            200,
            &b"<html>hello</html>"[..],
            "text/html",
        ),
        (
            "Graph answering invalid JSON",
            200,
            &b"{\"value\": [{\"id\": "[..],
            "application/json",
        ),
        (
            "Graph answering jobs without ids",
            200,
            &br#"{"value":[{"state":7}]}"#[..],
            "application/json",
        ),
        (
            "Graph answering 500 with an empty body",
            500,
            &b""[..],
            "application/json",
        ),
        (
            "Graph answering 404 with garbage",
            404,
            &b"\x00\xff\x1b[31m"[..],
            "application/json",
        ),
    ] {
        let graph = fake_service(status, body, content_type).await;
        cases.push(with_env(
            case(what, &["jobs", &printer]),
            "PRINTJOB_GRAPH_URL",
            format!("{graph}/v1.0"),
        ));
    }
    for (what, status, body) in [
        (
            "identity provider answering garbage discovery",
            200,
            &b"not json"[..],
        ),
        (
            "identity provider answering discovery without endpoints",
            200,
            &br#"{"issuer":"x"}"#[..],
        ),
        ("identity provider answering 500", 500, &b""[..]),
    ] {
        let authority = fake_service(status, body, "application/json").await;
        cases.push(with_env(
            case(what, &["login", "--no-browser", "--timeout", "5"]),
            "PRINTJOB_AUTHORITY",
            authority,
        ));
    }
    if report::full() {
        // Slow: an identity provider that accepts and never answers (about a minute each).
        let authority = silent_service().await;
        let mut slow = with_env(
            case(
                "identity provider that never answers",
                &["login", "--no-browser", "--timeout", "5"],
            ),
            "PRINTJOB_AUTHORITY",
            authority,
        );
        slow.bound = Duration::from_secs(120);
        cases.push(slow);
    }
    let mut rows = Vec::new();
    for c in &cases {
        let started = Instant::now();
        let code = fails_cleanly(home, &s.emulator, c).await;
        if c.bound > Duration::from_secs(30) {
            rows.push(format!(
                "{}: exit {code} after {} s",
                c.what,
                started.elapsed().as_secs()
            ));
        } else {
            rows.push(format!("{}: exit {code}", c.what));
        }
    }
    report::record(
        "bad input",
        "ids, flags, config files, cache files, Graph and identity answers (see the list)",
        u64::try_from(cases.len()).unwrap_or(0),
        &format!(
            "every case ended in time (30 s; 120 s for a silent service) with exit 1–9 and a \
             message; 0 panics. {}",
            rows.join("; ")
        ),
    );
}
