//! End-to-end sign-in in a real browser: headless Chromium driven through chromedriver
//! (WebDriver, via fantoccini) against the emulator's real pages and the real `printjob` binary.
//!
//! These tests need Debian's `chromium` and `chromium-driver`. Without them they are skipped on a
//! developer machine, but they FAIL when `CI=true` or `PRINTJOB_BROWSER_TESTS=1` (which
//! `.ci/run` sets), so CI can never pass without really running them.

use crate::harness::{emulator_env, printjob_bin};
use fantoccini::{Client, ClientBuilder, Locator};
use printjob_emulator::{seed, Emulator};
use printjob_test_support::start_emulator;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1000,900",
];

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// `Some((chromium, chromedriver))`, `None` to skip; panics when the tests are required.
fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    let required = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("PRINTJOB_BROWSER_TESTS").is_ok_and(|v| v == "1");
    match (which("chromium"), which("chromedriver")) {
        (Some(browser), Some(driver)) => Some((browser, driver)),
        _ if required => panic!(
            "browser tests are required (CI=true or PRINTJOB_BROWSER_TESTS=1) but chromium or \
             chromedriver is missing: apt-get install -y chromium chromium-driver"
        ),
        _ => {
            eprintln!("skipping browser test: chromium/chromedriver not installed");
            None
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("browser-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// A child process killed when the guard drops.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_chromedriver(driver: &Path) -> (Killed, String) {
    let port = free_port();
    let child = Killed(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if reqwest::get(format!("{url}/status")).await.is_ok() {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start within 20 s");
}

async fn connect(driver_url: &str, chrome_options: serde_json::Value) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), chrome_options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver_url)
        .await
        .expect("WebDriver session")
}

async fn launch_chromium(browser: &Path, driver_url: &str, profile: &Path) -> Client {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    connect(
        driver_url,
        serde_json::json!({"binary": browser, "args": args}),
    )
    .await
}

/// The emulator on an ephemeral port and a temporary home (browser profile, cache, wrapper).
struct Fixture {
    emulator: Emulator,
    home: tempfile::TempDir,
}

impl Drop for Fixture {
    /// A test that fails mid-way leaves no browser behind: every Chromium process of this test
    /// names its profile inside `home`.
    fn drop(&mut self) {
        let _ = Command::new("pkill")
            .args(["-f", &self.home.path().display().to_string()])
            .status();
    }
}

impl Fixture {
    async fn new() -> Self {
        Self {
            emulator: start_emulator().await,
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(printjob_bin());
        cmd.env_remove("BROWSER")
            .envs(emulator_env(&self.emulator, self.home.path()))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        cmd
    }

    /// Starts `printjob login` with extra args; stderr lines arrive on the channel.
    fn start_login(
        &self,
        extra: &[&str],
        envs: &[(&str, &str)],
    ) -> (Killed, mpsc::Receiver<String>) {
        let mut cmd = self.command();
        cmd.arg("login").args(extra);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start printjob login");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        (Killed(child), rx)
    }
}

/// Reads stderr lines until the authorize URL appears; returns it and the lines seen.
fn authorize_url(lines: &mpsc::Receiver<String>, base: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) => {
                if let Some(url) = line
                    .split_whitespace()
                    .find(|w| w.starts_with(base) && w.contains("/oauth2/v2.0/authorize"))
                {
                    return url.to_string();
                }
                seen.push(line);
            }
            Err(_) => break,
        }
    }
    panic!("printjob login printed no authorize URL; stderr was: {seen:#?}");
}

fn rest_of(lines: &mpsc::Receiver<String>) -> String {
    lines.try_iter().collect::<Vec<_>>().join("\n")
}

fn wait_exit(child: &mut Killed, within: Duration) -> Option<i32> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.0.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

async fn save_screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(screenshot_dir().join(name), png).expect("write screenshot");
}

/// How long a page may take to show an element: generous, because a 2-core CI machine runs
/// the whole suite (and Chromium's first start) at once; a passing run never waits this long.
const ELEMENT_WAIT: Duration = Duration::from_secs(60);

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client
        .wait()
        .at_most(ELEMENT_WAIT)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(e) => {
            // Say where the browser was and what it showed, so a failure can be diagnosed.
            let url = client.current_url().await.map(|u| u.to_string());
            let source = client.source().await.unwrap_or_default();
            panic!("no element {css} within {ELEMENT_WAIT:?} ({e}); browser at {url:?} showing:\n{source}")
        }
    }
}

async fn body_text(client: &Client) -> String {
    // The page may be replaced between finding <body> and reading it (the form_post page
    // submits itself): read again until one read succeeds.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let read = match client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await,
            Err(e) => Err(e),
        };
        match read {
            Ok(text) => return text,
            Err(e) => assert!(Instant::now() < deadline, "cannot read the page: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types the user's name and password into the emulator's sign-in page and submits it.
async fn sign_in(client: &Client, user: &str, shot: Option<&str>) {
    let username = wait_for(client, "input[name=login]").await;
    username.send_keys(user).await.expect("type user");
    let password = wait_for(client, "input[type=password]").await;
    password
        .send_keys(seed::DEFAULT_PASSWORD)
        .await
        .expect("type password");
    if let Some(name) = shot {
        save_screenshot(client, name).await;
    }
    wait_for(client, "form [type=submit]")
        .await
        .click()
        .await
        .expect("submit sign-in");
}

/// Presses Accept or Cancel on the consent page.
async fn consent(client: &Client, accept: bool) {
    let css = if accept {
        "button[value=accept]"
    } else {
        "button[value=cancel]"
    };
    let button = wait_for(client, css).await;
    assert!(
        body_text(client).await.contains("PrintJob.ReadWriteBasic"),
        "the consent page lists the requested scope"
    );
    button.click().await.expect("consent button");
}

/// Waits until the browser shows the loopback listener's page (on localhost) and returns its text.
async fn listener_page(client: &Client) -> String {
    // The redirect URI is http://localhost:{port}; the emulator's own pages (including the
    // self-submitting form_post page) are on 127.0.0.1, so the host tells them apart.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = client.current_url().await.expect("current url");
        if url.host_str() == Some("localhost") && url.port().is_some() {
            let text = body_text(client).await;
            if !text.trim().is_empty() {
                return text;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the browser never reached the listener page: {url}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sign_in_ends_on_the_listener_success_page() {
    let Some((browser, driver)) = browser_tools() else {
        return;
    };
    let fx = Fixture::new().await;
    let (mut login, lines) = fx.start_login(&["--no-browser"], &[]);
    let url = authorize_url(&lines, fx.emulator.base_url());
    let (_driver, driver_url) = start_chromedriver(&driver).await;
    let client = launch_chromium(&browser, &driver_url, &fx.home.path().join("profile")).await;
    client.goto(&url).await.expect("open the authorize URL");
    sign_in(&client, seed::ADELE, Some("sign-in-page.png")).await;
    consent(&client, true).await;
    let text = listener_page(&client).await;
    save_screenshot(&client, "success-page.png").await;
    client.close().await.expect("close browser");
    assert!(
        text.to_lowercase().contains("signed in"),
        "success page text: {text}"
    );
    assert!(
        text.to_lowercase().contains("close"),
        "success page text: {text}"
    );
    let code = wait_exit(&mut login, Duration::from_secs(30));
    assert_eq!(code, Some(0), "printjob login stderr: {}", rest_of(&lines));
    let status = fx
        .command()
        .args(["status", "--json"])
        .output()
        .expect("printjob status");
    assert!(status.status.success());
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert!(json.to_string().contains(seed::ADELE), "status: {json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_cancel_on_consent_shows_failure_and_login_exits_cancelled() {
    let Some((browser, driver)) = browser_tools() else {
        return;
    };
    let fx = Fixture::new().await;
    let (mut login, lines) = fx.start_login(&["--no-browser"], &[]);
    let url = authorize_url(&lines, fx.emulator.base_url());
    let (_driver, driver_url) = start_chromedriver(&driver).await;
    let client = launch_chromium(&browser, &driver_url, &fx.home.path().join("profile")).await;
    client.goto(&url).await.expect("open the authorize URL");
    sign_in(&client, seed::ADELE, None).await;
    consent(&client, false).await;
    let text = listener_page(&client).await;
    save_screenshot(&client, "cancelled-page.png").await;
    client.close().await.expect("close browser");
    assert!(
        text.to_lowercase().contains("sign-in failed"),
        "failure page text: {text}"
    );
    let code = wait_exit(&mut login, Duration::from_secs(30));
    let stderr = rest_of(&lines);
    assert_eq!(
        code,
        Some(4),
        "sign-in-cancelled exit code; stderr: {stderr}"
    );
    assert!(stderr.contains("sign-in was cancelled"), "stderr: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_env_var_launches_the_browser_that_signs_in() {
    let Some((browser, driver)) = browser_tools() else {
        return;
    };
    let fx = Fixture::new().await;
    let devtools_port = free_port();
    let wrapper = fx.home.path().join("browser.sh");
    let pid_file = fx.home.path().join("browser.pid");
    let flags = CHROMIUM_FLAGS.join(" ");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho $$ > '{pid}'\nexec '{browser}' {flags} --remote-debugging-port={devtools_port} --user-data-dir='{profile}' \"$1\"\n",
            pid = pid_file.display(),
            browser = browser.display(),
            profile = fx.home.path().join("profile").display(),
        ),
    )
    .expect("write wrapper");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let wrapper_str = wrapper.display().to_string();
    let (mut login, lines) = fx.start_login(&[], &[("BROWSER", wrapper_str.as_str())]);
    let (_driver, driver_url) = start_chromedriver(&driver).await;
    // Attach to the Chromium that `printjob login` launched through $BROWSER.
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = loop {
        if reqwest::get(format!("http://127.0.0.1:{devtools_port}/json/version"))
            .await
            .is_ok()
        {
            break connect(
                &driver_url,
                serde_json::json!({"debuggerAddress": format!("127.0.0.1:{devtools_port}")}),
            )
            .await;
        }
        assert!(
            Instant::now() < deadline,
            "$BROWSER was never launched; stderr: {}",
            rest_of(&lines)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    sign_in(&client, seed::ADELE, None).await;
    consent(&client, true).await;
    let text = listener_page(&client).await;
    save_screenshot(&client, "browser-env-success-page.png").await;
    let code = wait_exit(&mut login, Duration::from_secs(30));
    if let Ok(pid) = std::fs::read_to_string(&pid_file) {
        let _ = Command::new("kill").arg(pid.trim()).status();
    }
    assert!(
        text.to_lowercase().contains("signed in"),
        "success page text: {text}"
    );
    assert_eq!(code, Some(0), "printjob login stderr: {}", rest_of(&lines));
}
