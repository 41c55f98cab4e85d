//! Benchmarks of the sign-in loopback listener over real sockets on 127.0.0.1: the time from
//! binding the listener to a completed `form_post` redirect, and the time to absorb 1,000
//! malformed requests and still complete the sign-in.
//!
//! Run: `cargo bench --all-features --bench loopback` (optionally followed by `-- NAME`).
//! Results and targets: `docs/benchmarks.md`.

mod common;

use common::{figure, report, BenchError, Filter};
use futures::StreamExt;
use printjob::test_support::{LoopbackListener, LoopbackOptions};
use printjob::ResponseMode;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const FORM: &str = "application/x-www-form-urlencoded";
/// Malformed requests sent during one flood.
const FLOOD: usize = 1000;
/// Malformed requests in flight at once.
const FLOOD_CONCURRENCY: usize = 8;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), BenchError> {
    let filter = Filter::from_args();
    println!(
        "printjob loopback benches: {} CPUs, listener on 127.0.0.1 (and [::1] where available)",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        if filter.wants("loopback/bind_to_redirect") {
            bind_to_redirect(Via::V4, "loopback/bind_to_redirect").await?;
        }
        if filter.wants("loopback/bind_to_redirect_ipv6") {
            bind_to_redirect(Via::V6, "loopback/bind_to_redirect_ipv6").await?;
        }
        if filter.wants("loopback/flood") {
            flood().await?;
        }
        Ok(())
    })
}

/// A listener waiting in the background for `state`.
struct Waiting {
    base: String,
    state: String,
    task: tokio::task::JoinHandle<Result<String, BenchError>>,
}

/// The loopback address the benches' requests go to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    /// `127.0.0.1`.
    V4,
    /// `[::1]`.
    V6,
}

/// Binds a listener (form_post mode) and starts waiting; returns it and the bind time, or
/// `None` when asked for `[::1]` and the listener could not bind it on this machine.
fn start_listener(via: Via) -> Result<Option<(Waiting, Duration)>, BenchError> {
    let started = Instant::now();
    let listener = LoopbackListener::bind(&LoopbackOptions::default())?;
    let bound = started.elapsed();
    let port = listener.port();
    let base = match via {
        Via::V4 => format!("http://127.0.0.1:{port}"),
        Via::V6 if listener.addresses().iter().any(|a| a.is_ipv6()) => {
            format!("http://[::1]:{port}")
        }
        Via::V6 => return Ok(None),
    };
    let state = uuid::Uuid::new_v4().to_string();
    let expected = state.clone();
    let task = tokio::spawn(async move {
        let params = listener.wait(&expected, ResponseMode::FormPost).await?;
        let code = params.code.ok_or("the redirect carried no code")?;
        Ok(code.secret().to_owned())
    });
    Ok(Some((Waiting { base, state, task }, bound)))
}

impl Waiting {
    /// POSTs the matching redirect and waits until the listener has returned the code.
    async fn complete(self, http: &reqwest::Client, code: &str) -> Result<(), BenchError> {
        let response = http
            .post(format!("{}/", self.base))
            .form(&[("code", code), ("state", self.state.as_str())])
            .send()
            .await?;
        if response.status() != 200 {
            return Err(format!("the redirect got {}", response.status()).into());
        }
        response.bytes().await?;
        let received = tokio::time::timeout(Duration::from_secs(30), self.task).await???;
        if received != code {
            return Err("the listener returned another code".into());
        }
        Ok(())
    }
}

/// Bind, POST the redirect (to 127.0.0.1 or [::1]), and wait until `wait` returns: repeated.
async fn bind_to_redirect(via: Via, name: &str) -> Result<(), BenchError> {
    const WARM_UP: usize = 5;
    const MEASURED: usize = 50;
    let http = reqwest::Client::builder()
        .no_proxy()
        // A new connection per request: a pooled connection to an earlier listener whose port
        // the OS handed out again would reach that listener's orphaned connection thread.
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()?;
    let (mut totals, mut binds) = (Vec::new(), Vec::new());
    for n in 0..(WARM_UP + MEASURED) {
        let started = Instant::now();
        let Some((waiting, bound)) = start_listener(via)? else {
            println!("{name}: skipped, the listener has no [::1] address on this machine");
            return Ok(());
        };
        waiting.complete(&http, "code-from-form").await?;
        if n >= WARM_UP {
            totals.push(started.elapsed());
            binds.push(bound);
        }
    }
    report(name, &totals)?;
    report("  of which bind", &binds)?;
    Ok(())
}

/// 1,000 malformed requests (8 at a time) during the wait, then the real redirect.
async fn flood() -> Result<(), BenchError> {
    const RUNS: usize = 3;
    let (mut totals, mut finals) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let http = reqwest::Client::builder()
            .no_proxy()
            // A new connection per request: a pooled connection to an earlier listener whose port
            // the OS handed out again would reach that listener's orphaned connection thread.
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(30))
            .build()?;
        let started = Instant::now();
        let (waiting, _) = start_listener(Via::V4)?.ok_or("no listener")?;
        let base = waiting.base.clone();
        futures::stream::iter(0..FLOOD)
            .for_each_concurrent(FLOOD_CONCURRENCY, |i| {
                let (http, base) = (http.clone(), base.clone());
                async move { malformed_request(&http, &base, i).await }
            })
            .await;
        if waiting.task.is_finished() {
            return Err("the flood ended the wait".into());
        }
        let flooded = Instant::now();
        waiting.complete(&http, "code-after-flood").await?;
        finals.push(flooded.elapsed());
        totals.push(started.elapsed());
    }
    let stats = report("loopback/flood_1000_then_redirect", &totals)?;
    report("  redirect after the flood", &finals)?;
    let rate = FLOOD as f64 / stats.median.as_secs_f64();
    figure(
        "  malformed requests/s (median)",
        format!("{rate:.0}"),
        "requests/s",
    );
    Ok(())
}

/// One malformed request of six kinds, chosen by `i`; any answer (or none) is fine, as long
/// as the wait goes on.
async fn malformed_request(http: &reqwest::Client, base: &str, i: usize) {
    let url = format!("{base}/");
    let sent = match i % 6 {
        0 => http.get(format!("{base}/favicon.ico")).send().await,
        1 => {
            let request = http.post(&url).header("content-type", FORM);
            request.body("code=x&state=").send().await
        }
        2 => {
            let request = http.post(&url).header("content-type", FORM);
            request.body("\u{0}\u{ff}%%%&&==").send().await
        }
        3 => http.put(&url).body("x").send().await,
        4 => http.post(&url).body("{\"code\":\"x\"}").send().await,
        _ => {
            raw_garbage(base).await;
            return;
        }
    };
    if let Ok(response) = sent {
        let _ = response.bytes().await;
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
