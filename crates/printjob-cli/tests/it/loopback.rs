//! Integration tests: the loopback redirect listener over real sockets on 127.0.0.1 (and
//! [::1] where the machine has IPv6 loopback).

use futures::StreamExt;
use printjob::test_support::{AuthorizationParams, PendingAuthorization, RedirectParams};
use printjob::test_support::{LoopbackListener, LoopbackOptions};
use printjob::RedirectHost;
use printjob::ResponseMode;
use printjob::{AuthError, Remedy};
use printjob::{ClientId, Scope};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinHandle;

const FORM: &str = "application/x-www-form-urlencoded";

/// A listener waiting in the background, and what a test needs to talk to it.
struct Flow {
    pending: PendingAuthorization,
    base: String,
    port: u16,
    waiting: JoinHandle<Result<RedirectParams, AuthError>>,
    http: reqwest::Client,
}

impl Flow {
    fn start(mode: ResponseMode) -> Self {
        Self::start_with(mode, LoopbackOptions::default())
    }

    fn start_with(mode: ResponseMode, options: LoopbackOptions) -> Self {
        let listener = LoopbackListener::bind(&options).expect("bind the loopback listener");
        let port = listener.port();
        let mut params = AuthorizationParams::new(
            "https://login.example.com/organizations/oauth2/v2.0/authorize"
                .parse()
                .unwrap(),
            ClientId::new("11111111-2222-3333-4444-555555555555").unwrap(),
            listener.redirect_uri(),
            vec![Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC).unwrap()],
        );
        params.response_mode = mode;
        let pending = PendingAuthorization::new(params);
        let state = pending.state().to_owned();
        let waiting = tokio::spawn(async move { listener.wait(&state, mode).await });
        Self {
            pending,
            base: format!("http://127.0.0.1:{port}"),
            port,
            waiting,
            http: reqwest::Client::new(),
        }
    }

    fn state(&self) -> String {
        self.pending.state().to_owned()
    }

    async fn post_form(&self, pairs: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}/", self.base))
            .form(pairs)
            .send()
            .await
            .expect("POST to the listener")
    }

    async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path_and_query}", self.base))
            .send()
            .await
            .expect("GET from the listener")
    }

    async fn outcome(self) -> (PendingAuthorization, Result<RedirectParams, AuthError>) {
        let result = tokio::time::timeout(Duration::from_secs(30), self.waiting)
            .await
            .expect("the listener answers within 30 s")
            .expect("the wait task does not panic");
        (self.pending, result)
    }

    fn still_waiting(&self) -> bool {
        !self.waiting.is_finished()
    }
}

async fn body(response: reqwest::Response) -> String {
    response.text().await.expect("response body")
}

#[tokio::test(flavor = "multi_thread")]
async fn form_post_redirect_completes_the_flow() {
    let flow = Flow::start(ResponseMode::FormPost);
    let state = flow.state();
    let response = flow
        .post_form(&[("code", "code-from-form"), ("state", &state)])
        .await;
    assert_eq!(response.status(), 200);
    assert!(body(response).await.contains("You may close this tab"));
    let (pending, result) = flow.outcome().await;
    let grant = pending.finish(result.unwrap()).unwrap();
    assert_eq!(grant.code.secret(), "code-from-form");
}

#[tokio::test(flavor = "multi_thread")]
async fn form_post_with_a_long_code_completes_the_flow() {
    let flow = Flow::start(ResponseMode::FormPost);
    let state = flow.state();
    let long_code = "0.A".to_owned() + &"x".repeat(2500);
    let session = "5f1c3a40-0000-0000-0000-000000000000";
    let response = flow
        .post_form(&[
            ("code", &long_code),
            ("state", &state),
            ("session_state", session),
        ])
        .await;
    assert_eq!(response.status(), 200);
    let (_, result) = flow.outcome().await;
    assert_eq!(result.unwrap().code.unwrap().secret(), long_code);
}

#[tokio::test(flavor = "multi_thread")]
async fn query_redirect_completes_the_flow() {
    let flow = Flow::start(ResponseMode::Query);
    let state = flow.state();
    let response = flow
        .get(&format!("/?code=code-from-query&state={state}"))
        .await;
    assert_eq!(response.status(), 200);
    let (pending, result) = flow.outcome().await;
    let grant = pending.finish(result.unwrap()).unwrap();
    assert_eq!(grant.code.secret(), "code-from-query");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_with_a_code_in_form_post_mode_is_refused_and_the_flow_goes_on() {
    let flow = Flow::start(ResponseMode::FormPost);
    let state = flow.state();
    let refused = flow.get(&format!("/?code=code-in-url&state={state}")).await;
    assert_eq!(refused.status(), 400);
    let page = body(refused).await;
    assert!(page.contains("query string"), "{page}");
    assert!(
        !page.contains("--response-mode"),
        "the library names no flag: {page}"
    );
    assert!(flow.still_waiting());
    flow.post_form(&[("code", "code-from-form"), ("state", &state)])
        .await;
    let (_, result) = flow.outcome().await;
    assert_eq!(result.unwrap().code.unwrap().secret(), "code-from-form");
}

#[tokio::test(flavor = "multi_thread")]
async fn listener_ignores_redirect_with_wrong_state() {
    let flow = Flow::start(ResponseMode::FormPost);
    let state = flow.state();
    let forged = flow
        .post_form(&[("code", "forged-code"), ("state", "forged-state")])
        .await;
    assert_eq!(forged.status(), 400);
    let missing = flow.post_form(&[("code", "forged-code")]).await;
    assert_eq!(missing.status(), 400);
    assert!(flow.still_waiting());
    flow.post_form(&[("code", "real-code"), ("state", &state)])
        .await;
    let (_, result) = flow.outcome().await;
    assert_eq!(result.unwrap().code.unwrap().secret(), "real-code");
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_ends_the_flow_as_cancelled() {
    let flow = Flow::start(ResponseMode::FormPost);
    let state = flow.state();
    let response = flow
        .post_form(&[
            ("error", "access_denied"),
            (
                "error_description",
                "AADSTS65004: User declined to consent to access the app.",
            ),
            ("state", &state),
        ])
        .await;
    let page = body(response).await;
    assert!(page.contains("Sign-in failed") && page.contains("access_denied"));
    let (pending, result) = flow.outcome().await;
    let err = pending.finish(result.unwrap()).unwrap_err();
    assert!(matches!(err, AuthError::Cancelled { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("sign-in was cancelled"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn script_in_error_description_is_not_reflected() {
    let flow = Flow::start(ResponseMode::FormPost);
    let state = flow.state();
    let script = "<script>alert(document.cookie)</script>";
    let wrong_state = flow
        .post_form(&[
            ("error", script),
            ("error_description", script),
            ("state", "x"),
        ])
        .await;
    let failed = flow
        .post_form(&[
            ("error", "invalid_request"),
            ("error_description", script),
            ("error_uri", script),
            ("state", &state),
        ])
        .await;
    for page in [body(wrong_state).await, body(failed).await] {
        assert!(!page.to_lowercase().contains("<script"), "{page}");
        assert!(!page.contains("alert("), "{page}");
    }
}

/// One malformed request of a few kinds, chosen by `i`.
async fn malformed_request(http: &reqwest::Client, base: &str, i: usize) {
    let url = format!("{base}/");
    let sent = match i % 6 {
        0 => http.get(format!("{base}/favicon.ico")).send().await,
        1 => {
            http.post(&url)
                .body("code=x&state=")
                .header("content-type", FORM)
                .send()
                .await
        }
        2 => {
            http.post(&url)
                .body("\u{0}\u{ff}%%%&&==")
                .header("content-type", FORM)
                .send()
                .await
        }
        3 => http.put(&url).body("x").send().await,
        4 => {
            http.post(&url)
                .json(&serde_json::json!({"code": "x"}))
                .send()
                .await
        }
        _ => {
            raw_garbage(base).await;
            return;
        }
    };
    if let Ok(response) = sent {
        assert!(
            response.status().is_client_error(),
            "{i}: {}",
            response.status()
        );
    }
}

/// Bytes that are not HTTP at all.
async fn raw_garbage(base: &str) {
    let address = base.trim_start_matches("http://");
    if let Ok(mut stream) = tokio::net::TcpStream::connect(address).await {
        let _ = stream
            .write_all(b"\x16\x03\x01\x02\x00GARBAGE\r\n\r\n")
            .await;
        let _ = stream.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn thousand_malformed_requests_do_not_break_the_wait() {
    let flow = Flow::start(ResponseMode::FormPost);
    let state = flow.state();
    let (http, base) = (flow.http.clone(), flow.base.clone());
    futures::stream::iter(0..1000)
        .for_each_concurrent(8, |i| {
            let (http, base) = (http.clone(), base.clone());
            async move { malformed_request(&http, &base, i).await }
        })
        .await;
    assert!(flow.still_waiting());
    let response = flow
        .post_form(&[("code", "code-after-flood"), ("state", &state)])
        .await;
    assert_eq!(response.status(), 200);
    let (_, result) = flow.outcome().await;
    assert_eq!(result.unwrap().code.unwrap().secret(), "code-after-flood");
}

#[tokio::test(flavor = "multi_thread")]
async fn absurd_content_length_does_not_break_the_wait() {
    let flow = Flow::start(ResponseMode::FormPost);
    let state = flow.state();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", flow.port))
        .await
        .unwrap();
    stream
        .write_all(
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 99999999999999\r\n\r\ncode=x",
        )
        .await
        .unwrap();
    drop(stream);
    let response = flow
        .post_form(&[("code", "good-code"), ("state", &state)])
        .await;
    assert_eq!(response.status(), 200);
    let (_, result) = flow.outcome().await;
    assert_eq!(result.unwrap().code.unwrap().secret(), "good-code");
}

#[tokio::test(flavor = "multi_thread")]
async fn other_methods_get_405() {
    let flow = Flow::start(ResponseMode::FormPost);
    let response = flow
        .http
        .delete(format!("{}/", flow.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test(flavor = "multi_thread")]
async fn form_post_with_another_content_type_gets_415() {
    let flow = Flow::start(ResponseMode::FormPost);
    let response = flow
        .http
        .post(format!("{}/", flow.base))
        .json(&serde_json::json!({"code": "x", "state": flow.state()}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert!(flow.still_waiting());
}

#[tokio::test(flavor = "multi_thread")]
async fn favicon_and_other_paths_get_404() {
    let flow = Flow::start(ResponseMode::Query);
    let state = flow.state();
    assert_eq!(flow.get("/favicon.ico").await.status(), 404);
    let elsewhere = flow.get(&format!("/callback?code=x&state={state}")).await;
    assert_eq!(elsewhere.status(), 404);
    assert!(flow.still_waiting());
}

#[tokio::test(flavor = "multi_thread")]
async fn form_body_over_the_limit_gets_413() {
    let options = LoopbackOptions {
        max_body_bytes: 2048,
        ..LoopbackOptions::default()
    };
    let flow = Flow::start_with(ResponseMode::FormPost, options);
    let state = flow.state();
    let big = "x".repeat(8 * 1024);
    let response = flow.post_form(&[("code", &big), ("state", &state)]).await;
    assert_eq!(response.status(), 413);
    assert!(flow.still_waiting());
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_carry_security_headers() {
    let flow = Flow::start(ResponseMode::FormPost);
    let state = flow.state();
    let not_found = flow.get("/favicon.ico").await;
    let success = flow.post_form(&[("code", "c"), ("state", &state)]).await;
    for response in [not_found, success] {
        let headers = response.headers();
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn listener_times_out_without_a_redirect() {
    let options = LoopbackOptions {
        timeout: Duration::from_secs(1),
        ..LoopbackOptions::default()
    };
    let started = Instant::now();
    let flow = Flow::start_with(ResponseMode::FormPost, options);
    let (_, result) = flow.outcome().await;
    assert!(
        matches!(result, Err(AuthError::TimedOut { seconds: 1 })),
        "{result:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test(flavor = "multi_thread")]
async fn pinned_port_in_use_is_reported_with_the_remedy_as_data() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = LoopbackListener::bind(&LoopbackOptions {
        port,
        ..LoopbackOptions::default()
    })
    .unwrap_err();
    assert!(
        matches!(err, AuthError::PortUnavailable { port: p, .. } if p == port),
        "{err:?}"
    );
    assert_eq!(err.remedy(), Some(Remedy::ChooseAnotherPort));
    let message = err.to_string();
    assert!(
        message.contains(&format!("port {port} is in use")),
        "{message}"
    );
    assert!(
        !message.contains("--port"),
        "the CLI words the flag: {message}"
    );
}

/// The library reports the port as data ([`Remedy::ChooseAnotherPort`]); the command line
/// words it with its own flag.
#[tokio::test(flavor = "multi_thread")]
async fn login_on_a_port_in_use_names_the_port_flag() {
    let emulator = printjob_test_support::start_emulator().await;
    let home = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = std::process::Command::new(crate::harness::printjob_bin())
        .args(["login", "--no-browser", "--port", &port])
        .env_clear()
        .envs(crate::harness::emulator_env(&emulator, home.path()))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(crate::harness::exit_code(printjob::ErrorKind::Usage)),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("port {port} is in use")),
        "{stderr}"
    );
    assert!(stderr.contains("pick another --port"), "{stderr}");
}

/// Binds `127.0.0.1:port` again, retrying until `within` has passed.
fn rebinds_within(port: u16, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_wait_releases_the_port() {
    let listener = LoopbackListener::bind(&LoopbackOptions::default()).unwrap();
    let port = listener.port();
    let wait = listener.wait("some-state", ResponseMode::FormPost);
    let cancelled = tokio::time::timeout(Duration::from_millis(200), wait).await;
    assert!(cancelled.is_err(), "the wait must still be running");
    assert!(rebinds_within(port, Duration::from_secs(5)));
}

#[tokio::test(flavor = "multi_thread")]
async fn listener_closes_after_the_redirect() {
    let flow = Flow::start(ResponseMode::FormPost);
    let (state, port) = (flow.state(), flow.port);
    flow.post_form(&[("code", "c"), ("state", &state)]).await;
    let (_, result) = flow.outcome().await;
    assert!(result.is_ok());
    assert!(rebinds_within(port, Duration::from_secs(5)));
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_uri_names_localhost_by_default_and_127_0_0_1_on_request() {
    let default = LoopbackListener::bind(&LoopbackOptions::default()).unwrap();
    assert_eq!(
        default.redirect_uri().as_str(),
        format!("http://localhost:{}/", default.port())
    );
    let ip = LoopbackListener::bind(&LoopbackOptions {
        host: RedirectHost::Ip,
        ..LoopbackOptions::default()
    })
    .unwrap();
    assert_eq!(
        ip.redirect_uri().as_str(),
        format!("http://127.0.0.1:{}/", ip.port())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn listener_binds_loopback_addresses_only() {
    let listener = LoopbackListener::bind(&LoopbackOptions::default()).unwrap();
    assert!(!listener.addresses().is_empty());
    for address in listener.addresses() {
        assert!(address.ip().is_loopback(), "{address}");
        assert_eq!(address.port(), listener.port());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ipv6_loopback_receives_the_redirect_where_the_machine_has_it() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipped: this machine cannot bind [::1]");
        return;
    }
    let mut flow = Flow::start(ResponseMode::FormPost);
    flow.base = format!("http://[::1]:{}", flow.port);
    let state = flow.state();
    let response = flow
        .post_form(&[("code", "code-over-ipv6"), ("state", &state)])
        .await;
    assert_eq!(response.status(), 200);
    let (_, result) = flow.outcome().await;
    assert_eq!(result.unwrap().code.unwrap().secret(), "code-over-ipv6");
}

/// The `<style>` block of a page and the `'sha256-…'` the Content-Security-Policy must name
/// for a browser to apply it.
fn style_hash(page: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let start = page.find("<style>").expect("an inline style block") + "<style>".len();
    let end = page[start..]
        .find("</style>")
        .expect("end of the style block")
        + start;
    let digest = sha2::Sha256::digest(&page.as_bytes()[start..end]);
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn success_and_failure_pages_load_nothing_external_and_reflect_nothing() {
    let marker = "R3FL3CT-7f2e";
    let pages = [
        (Flow::start(ResponseMode::FormPost), None),
        (Flow::start(ResponseMode::FormPost), Some("access_denied")),
    ];
    for (flow, error) in pages {
        let state = flow.state();
        let fields: Vec<(&str, &str)> = match error {
            None => vec![
                ("code", marker),
                ("state", &state),
                ("session_state", marker),
            ],
            Some(e) => vec![
                ("error", e),
                ("error_description", marker),
                ("error_uri", marker),
                ("state", &state),
            ],
        };
        let response = flow.post_form(&fields).await;
        assert_eq!(response.status(), 200);
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let page = body(response).await;
        assert!(page.contains("printjob"), "{page}");
        assert!(page.contains("terminal"), "{page}");
        for command in [
            "printjob login",
            "printjob status",
            "printjob logout",
            "--device-code",
        ] {
            assert!(
                !page.contains(command),
                "the library names no command: {page}"
            );
        }
        assert!(!page.contains(marker), "reflected: {page}");
        let lower = page.to_lowercase();
        for external in [
            "http:", "https:", "//", "src=", "href=", "url(", "@import", "<link", "<script",
        ] {
            assert!(!lower.contains(external), "{external} in {page}");
        }
        assert!(
            csp.contains(&format!("style-src {}", style_hash(&page))),
            "{csp}"
        );
        assert!(csp.contains("default-src 'none'"), "{csp}");
    }
}
