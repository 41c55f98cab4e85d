//! Benchmarks of the cancel workflow against the in-process emulator on 127.0.0.1:
//! bulk cancel of 1,000 jobs (clean, with 50 ms per request, and with 20 % injected faults),
//! single-cancel latency, the silent token from the cache file, listing 1,000 jobs page by
//! page, and the peak resident memory of a bulk cancel (measured in a child process of this
//! binary, so the number is not mixed with the other benches).
//!
//! Run: `cargo bench --all-features --bench workflow` (optionally followed by `-- NAME` to run
//! only the benches whose name contains NAME). Results and targets: `docs/benchmarks.md`.

// The figures and report helpers shared with the library's loopback bench.
#[path = "../../printjob/benches/common/mod.rs"]
mod common;

use common::{figure, mib, proc_status_kib, report, report_us, BenchError, Filter};
use printjob::cancel::{self, CancelReport, CancelRequest, JobOutcome};
use printjob::model::PrintJobProcessingState;
use printjob::AccessToken;
use printjob::StaticToken;
use printjob::{JobFilter, PrintClient, PrintTarget, RetryPolicy};
use printjob::{PrintJobId, PrinterId};
use printjob_emulator::faults::FaultConfig;
use printjob_emulator::graph::seed::{PrintSeed, LOBBY_PRINTER};
use printjob_emulator::seed::{Seed, ADELE, CONTOSO_TENANT};
use printjob_emulator::Emulator;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// Jobs seeded for the bulk benches.
const JOBS: usize = 1000;
/// The delegated scope the benches' tokens carry.
const BASIC: &str = "PrintJob.ReadWriteBasic";
/// Seed of the emulator's fault RNG (the same fault rates, the same draws per request order).
const RNG_SEED: u64 = 20_240_115;
/// Set (to a child mode) when this binary re-executes itself to measure memory.
const CHILD_ENV: &str = "PRINTJOB_BENCH_CHILD";
/// The Graph URL handed to a `rss-client` child.
const GRAPH_URL_ENV: &str = "PRINTJOB_BENCH_GRAPH_URL";

const BATCH_ROUTE: &str = "POST /v1.0/$batch";
const LIST_JOBS_ROUTE: &str = "GET /v1.0/print/printers/{printerId}/jobs";
const CANCEL_ROUTE: &str = "POST /v1.0/print/printers/{printerId}/jobs/{printJobId}/cancel";
const INNER_CANCEL: &str =
    "batch:inner POST /v1.0/print/printers/{printerId}/jobs/{printJobId}/cancel";
const FAULT_KEYS: [&str; 7] = [
    "fault:429",
    "fault:503",
    "fault:504",
    "fault:drop",
    "batch:fault:429",
    "batch:fault:503",
    "batch:fault:504",
];

fn main() -> ExitCode {
    let outcome = match std::env::var(CHILD_ENV) {
        Ok(mode) => child_main(&mode),
        Err(_) => parent_main(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, BenchError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn parent_main() -> Result<(), BenchError> {
    let filter = Filter::from_args();
    println!(
        "printjob workflow benches: {} CPUs, {} jobs, emulator on 127.0.0.1 in this process",
        std::thread::available_parallelism().map_or(0, usize::from),
        JOBS
    );
    runtime()?.block_on(async {
        bulk_cancels(&filter).await?;
        if filter.wants("single_cancel") {
            single_cancel().await?;
        }
        for (name, faults, runs) in [
            ("single_cancel/workflow", FaultConfig::default(), 200),
            ("single_cancel/workflow_latency_50ms", fifty_ms(), 20),
        ] {
            if filter.wants(name) {
                single_cancel_workflow(name, faults, runs).await?;
            }
        }
        if filter.wants("silent_token") {
            silent_token().await?;
        }
        if filter.wants("listing") {
            listing().await?;
        }
        if filter.wants("rss") {
            rss().await?;
        }
        Ok(())
    })
}

// ---- setup ---------------------------------------------------------------------------------

/// The print seed with `JOBS` pending jobs of Adele's on the lobby printer and nothing else.
fn bulk_seed() -> Seed {
    let mut print = PrintSeed::default_for(CONTOSO_TENANT);
    print.jobs.clear();
    Seed {
        print: print.with_jobs(LOBBY_PRINTER, ADELE, JOBS, PrintJobProcessingState::Pending),
        ..Seed::default()
    }
}

async fn bulk_emulator(faults: FaultConfig) -> Result<Emulator, BenchError> {
    Ok(Emulator::builder()
        .seed(bulk_seed())
        .faults(faults)
        .rng_seed(RNG_SEED)
        .start()
        .await?)
}

/// The fault mix of issue 4's reliability test: 20 % of Graph requests fail.
fn twenty_percent_faults() -> FaultConfig {
    FaultConfig {
        rate_429: 0.10,
        rate_503: 0.05,
        rate_drop: 0.05,
        retry_after_secs: 0,
        only: "/v1.0".into(),
        ..FaultConfig::default()
    }
}

/// 50 ms added to every HTTP request: a stand-in for the round trip to the real Graph service.
fn fifty_ms() -> FaultConfig {
    FaultConfig {
        latency_ms: 50,
        ..FaultConfig::default()
    }
}

/// Retries with a 1 ms base and a 10 ms cap, so the bench measures the client, not sleeping.
fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        max_total_wait: Duration::from_secs(30),
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(10),
    }
}

fn adele_token(emulator: &Emulator) -> Result<String, BenchError> {
    Ok(emulator
        .mint_user_token(ADELE, &[BASIC], 3600)
        .ok_or("the emulator seed has no Adele")?)
}

fn client_for(
    graph_url: &str,
    jwt: String,
    policy: RetryPolicy,
) -> Result<PrintClient, BenchError> {
    let token = StaticToken::new(AccessToken::new(jwt), None)?;
    Ok(PrintClient::builder(Arc::new(token), graph_url)
        .retry_policy(policy)
        .build()?)
}

fn adele(emulator: &Emulator, policy: RetryPolicy) -> Result<PrintClient, BenchError> {
    client_for(&emulator.graph_url(), adele_token(emulator)?, policy)
}

fn lobby() -> Result<PrintTarget, BenchError> {
    Ok(PrintTarget::Printer(PrinterId::new(LOBBY_PRINTER)?))
}

fn count(counters: &BTreeMap<String, u64>, key: &str) -> u64 {
    counters.get(key).copied().unwrap_or(0)
}

/// HTTP requests the emulator received (keys `METHOD /route`; events like `fault:429` and
/// the requests inside a `$batch` are not separate HTTP requests).
fn http_requests(counters: &BTreeMap<String, u64>) -> u64 {
    counters
        .iter()
        .filter(|(key, _)| {
            key.split_once(' ')
                .is_some_and(|(method, _)| method.chars().all(|c| c.is_ascii_uppercase()))
        })
        .map(|(_, n)| n)
        .sum()
}

fn faults_injected(counters: &BTreeMap<String, u64>) -> u64 {
    FAULT_KEYS.iter().map(|k| count(counters, k)).sum()
}

/// Fails the bench unless every one of the `JOBS` jobs is reported canceled exactly once and
/// the emulator cancelled exactly `JOBS` jobs: a failed, lost or doubled job is an error in
/// every scenario (the default retry policy is a 60 s time budget, far above the few seconds
/// of backoff the faults cost, so no job may be given up).
fn check_all_canceled(
    scenario: &Scenario,
    report: &CancelReport,
    emulator: &Emulator,
) -> Result<(), BenchError> {
    let name = scenario.name;
    let canceled_by_service = count(&emulator.counters(), "print:canceled");
    let totals = &report.totals;
    let distinct: std::collections::BTreeSet<&str> =
        report.results.iter().map(|r| r.job_id.as_str()).collect();
    let all_canceled = report
        .results
        .iter()
        .all(|r| matches!(r.outcome, JobOutcome::Canceled));
    if totals.canceled != JOBS
        || report.results.len() != JOBS
        || distinct.len() != JOBS
        || !all_canceled
        || canceled_by_service != JOBS as u64
    {
        return Err(format!(
            "{name}: expected {JOBS} jobs canceled once, the report says {totals:?} ({} results, {} distinct) and the emulator canceled {canceled_by_service}",
            report.results.len(),
            distinct.len()
        )
        .into());
    }
    Ok(())
}

// ---- bulk cancel ---------------------------------------------------------------------------

/// One way of running the bulk cancel.
#[derive(Clone)]
struct Scenario {
    name: &'static str,
    faults: FaultConfig,
    policy: RetryPolicy,
    concurrency: usize,
    use_batch: bool,
    runs: usize,
}

impl Scenario {
    /// The workflow's defaults (4 in flight, `$batch`, default retry policy), no faults.
    fn clean(name: &'static str, runs: usize) -> Self {
        Self {
            name,
            faults: FaultConfig::default(),
            policy: RetryPolicy::default(),
            concurrency: 4,
            use_batch: true,
            runs,
        }
    }
}

fn bulk_scenarios() -> Vec<Scenario> {
    let clean = Scenario::clean("bulk_cancel/clean", 10);
    let with_faults = Scenario {
        faults: twenty_percent_faults(),
        ..clean.clone()
    };
    vec![
        clean.clone(),
        Scenario {
            name: "bulk_cancel/clean_concurrency_1",
            concurrency: 1,
            runs: 5,
            ..clean.clone()
        },
        Scenario {
            name: "bulk_cancel/clean_concurrency_8",
            concurrency: 8,
            runs: 5,
            ..clean.clone()
        },
        Scenario {
            name: "bulk_cancel/no_batch",
            use_batch: false,
            runs: 5,
            ..clean.clone()
        },
        Scenario {
            name: "bulk_cancel/latency_50ms",
            faults: fifty_ms(),
            runs: 3,
            ..clean.clone()
        },
        Scenario {
            name: "bulk_cancel/latency_50ms_concurrency_8",
            faults: fifty_ms(),
            concurrency: 8,
            runs: 3,
            ..clean
        },
        Scenario {
            name: "bulk_cancel/faults_fast_retry",
            policy: fast_policy(),
            runs: 5,
            ..with_faults.clone()
        },
        Scenario {
            name: "bulk_cancel/faults_default_retry",
            runs: 3,
            ..with_faults
        },
    ]
}

/// One `--all` cancel of `JOBS` jobs on a fresh emulator: wall time and the emulator counters.
async fn one_bulk_cancel(
    scenario: &Scenario,
) -> Result<(Duration, BTreeMap<String, u64>), BenchError> {
    let emulator = bulk_emulator(scenario.faults.clone()).await?;
    let client = adele(&emulator, scenario.policy.clone())?;
    let mut request = CancelRequest::all(lobby()?);
    request.concurrency = scenario.concurrency;
    request.use_batch = scenario.use_batch;
    let started = Instant::now();
    let report = cancel::run(&client, &request, &|_| {}).await?;
    let elapsed = started.elapsed();
    check_all_canceled(scenario, &report, &emulator)?;
    Ok((elapsed, emulator.counters()))
}

/// Prints the spread of a counter over the runs (`min–max`, or one value).
fn counter_range(
    name: &str,
    runs: &[BTreeMap<String, u64>],
    of: impl Fn(&BTreeMap<String, u64>) -> u64,
) {
    let values: Vec<u64> = runs.iter().map(of).collect();
    let (min, max) = (
        values.iter().min().copied().unwrap_or(0),
        values.iter().max().copied().unwrap_or(0),
    );
    let shown = if min == max {
        min.to_string()
    } else {
        format!("{min}–{max}")
    };
    figure(name, shown, "per run");
}

async fn bulk_cancel(scenario: &Scenario) -> Result<(), BenchError> {
    let mut times = Vec::with_capacity(scenario.runs);
    let mut counters = Vec::with_capacity(scenario.runs);
    for _ in 0..scenario.runs {
        let (elapsed, run_counters) = one_bulk_cancel(scenario).await?;
        times.push(elapsed);
        counters.push(run_counters);
    }
    let stats = report(scenario.name, &times)?;
    let rate = JOBS as f64 / stats.median.as_secs_f64();
    figure("  jobs/s (at the median)", format!("{rate:.0}"), "jobs/s");
    counter_range("  $batch calls", &counters, |c| count(c, BATCH_ROUTE));
    counter_range("  listing calls", &counters, |c| count(c, LIST_JOBS_ROUTE));
    counter_range("  single cancel calls", &counters, |c| {
        count(c, CANCEL_ROUTE)
    });
    counter_range("  cancels inside batches", &counters, |c| {
        count(c, INNER_CANCEL)
    });
    counter_range("  HTTP requests in all", &counters, http_requests);
    counter_range("  faults injected", &counters, faults_injected);
    Ok(())
}

async fn bulk_cancels(filter: &Filter) -> Result<(), BenchError> {
    let wanted: Vec<Scenario> = bulk_scenarios()
        .into_iter()
        .filter(|s| filter.wants(s.name))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    // One unmeasured run warms the allocator and the connection code paths.
    one_bulk_cancel(&Scenario::clean("warm-up", 1)).await?;
    for scenario in &wanted {
        bulk_cancel(scenario).await?;
    }
    Ok(())
}

// ---- single cancel -------------------------------------------------------------------------

/// `PrintClient::cancel_job` one job at a time, each a fresh pending job.
async fn single_cancel() -> Result<(), BenchError> {
    const WARM_UP: usize = 20;
    const MEASURED: usize = 500;
    let emulator = bulk_emulator(FaultConfig::default()).await?;
    let client = adele(&emulator, RetryPolicy::default())?;
    let target = lobby()?;
    let mut times = Vec::with_capacity(MEASURED);
    // Seeded ids are 1..=JOBS (the seed's own jobs were cleared).
    for n in 1..=(WARM_UP + MEASURED) {
        let job = PrintJobId::new(n.to_string())?;
        let started = Instant::now();
        client.cancel_job(&target, &job).await?;
        if n > WARM_UP {
            times.push(started.elapsed());
        }
    }
    report("single_cancel/latency", &times)?;
    let counters = emulator.counters();
    figure(
        "  POST …/cancel per job",
        count(&counters, CANCEL_ROUTE) as f64 / (WARM_UP + MEASURED) as f64,
        "requests",
    );
    Ok(())
}

/// `cancel::run` with one named job (`printjob cancel P J`): cancel first, so exactly one HTTP
/// request (`POST …/cancel`) per run and no `GET` of the job.
async fn single_cancel_workflow(
    name: &str,
    faults: FaultConfig,
    runs: usize,
) -> Result<(), BenchError> {
    const WARM_UP: usize = 3;
    let emulator = bulk_emulator(faults).await?;
    let client = adele(&emulator, RetryPolicy::default())?;
    let mut times = Vec::with_capacity(runs);
    for n in 1..=(WARM_UP + runs) {
        let request = CancelRequest::jobs(lobby()?, vec![PrintJobId::new(n.to_string())?]);
        let before = http_requests(&emulator.counters());
        let started = Instant::now();
        let report = cancel::run(&client, &request, &|_| {}).await?;
        let elapsed = started.elapsed();
        let counters = emulator.counters();
        let sent = http_requests(&counters) - before;
        if report.totals.canceled != 1 || sent != 1 {
            return Err(format!(
                "{name}: job {n}: {:?} in {sent} HTTP requests; expected 1 canceled in 1 request",
                report.totals
            )
            .into());
        }
        if n > WARM_UP {
            times.push(elapsed);
        }
    }
    report(name, &times)?;
    let counters = emulator.counters();
    figure("  HTTP requests per cancel", 1, "(checked on every run)");
    figure(
        "  GET of a job",
        count(
            &counters,
            "GET /v1.0/print/printers/{printerId}/jobs/{printJobId}",
        ),
        "in all",
    );
    Ok(())
}

// ---- silent token --------------------------------------------------------------------------

/// The emulator's client id used by the silent-token bench (any id: the cache decides).
const BENCH_CLIENT: &str = "00000000-0000-0000-0000-00000000b0b0";

/// Stores a fresh token for Adele (`at` marks which write it is) through the cache's lock, as
/// `printjob login` or another process writes it.
async fn write_cached_token(
    cache: &printjob::test_support::TokenCache,
    scope: &printjob::test_support::CacheScope,
    jwt: &str,
    at: usize,
) -> Result<(), BenchError> {
    let set = printjob::test_support::TokenSet {
        access_token: AccessToken::new(format!("{jwt}.{at:06}")),
        refresh_token: Some(printjob::test_support::RefreshToken::new(
            "bench-refresh-token",
        )),
        id_token: None,
        expires_in: Some(3600),
        ext_expires_in: None,
        refresh_in: None,
        jwt_expires_on: None,
        scopes: vec![printjob::Scope::new(BASIC)?],
        client_info: None,
        token_type: "Bearer".into(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let mut guard = cache.lock().await?;
    guard.data_mut().store(scope, &set, now, None);
    guard.save().await?;
    Ok(())
}

/// `DelegatedCredential::token_silent` served from the cache file, in process: once the file
/// has settled (older than the 2 s racy window: a stat, no read), right after another writer
/// changed it (read and parsed), and while it is younger than 2 s but unchanged (read and
/// compared, not parsed).
async fn silent_token() -> Result<(), BenchError> {
    const FROM_MEMORY: usize = 20_000;
    const AFTER_CHANGE: usize = 300;
    const FRESH: usize = 2_000;
    let emulator = bulk_emulator(FaultConfig::default()).await?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("token_cache.json");
    let authority = emulator.base_url().to_owned();
    let scope = printjob::test_support::CacheScope {
        environment: printjob::test_support::environment_of(&url::Url::parse(&authority)?),
        client_id: BENCH_CLIENT.into(),
        tenant: "organizations".into(),
        graph: Default::default(),
    };
    // The other writer: a second cache on the same file.
    let writer = printjob::test_support::TokenCache::file(&path);
    let jwt = adele_token(&emulator)?;
    write_cached_token(&writer, &scope, &jwt, 0).await?;
    let credential = printjob::DelegatedCredential::builder()
        .client_id(BENCH_CLIENT)
        .authority(&authority)
        .cache_path(&path)
        .allow_interactive(false)
        .build()?;
    let scopes = [printjob::Scope::new(BASIC)?];
    let expect = |token: &printjob::GrantedToken, at: usize| -> Result<(), BenchError> {
        if token.access_token.secret() != format!("{jwt}.{at:06}") {
            return Err(format!("silent_token: not the token of write {at}").into());
        }
        Ok(())
    };
    // Unchanged but younger than the racy window: read and compared.
    let mut fresh = Vec::with_capacity(FRESH);
    expect(&credential.token_silent(&scopes).await?, 0)?;
    let written = Instant::now();
    for _ in 0..FRESH {
        let started = Instant::now();
        let token = credential.token_silent(&scopes).await?;
        fresh.push(started.elapsed());
        expect(&token, 0)?;
    }
    if written.elapsed() >= Duration::from_secs(2) {
        println!("silent_token: the fresh-file loop outlived the racy window; its figure mixes both paths");
    }
    // Settled: the file is older than the racy window; a stat of the file and its directory.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let mut settled = Vec::with_capacity(FROM_MEMORY);
    for _ in 0..FROM_MEMORY {
        let started = Instant::now();
        let token = credential.token_silent(&scopes).await?;
        settled.push(started.elapsed());
        expect(&token, 0)?;
    }
    report_us("silent_token/from_memory", &settled)?;
    report_us("silent_token/fresh_file_unchanged", &fresh)?;
    // Changed by the other writer before every call: seen at once, read and parsed.
    let mut changed = Vec::with_capacity(AFTER_CHANGE);
    for at in 1..=AFTER_CHANGE {
        write_cached_token(&writer, &scope, &jwt, at).await?;
        let started = Instant::now();
        let token = credential.token_silent(&scopes).await?;
        changed.push(started.elapsed());
        expect(&token, at)?;
    }
    report_us("silent_token/after_file_change", &changed)?;
    figure(
        "  cache file size",
        std::fs::metadata(&path)?.len(),
        "bytes",
    );
    Ok(())
}

// ---- listing -------------------------------------------------------------------------------

/// Listing `JOBS` jobs: through `PrintClient::jobs` (the service's default page size), and by
/// hand with `$top` page sizes, following `@odata.nextLink`.
async fn listing() -> Result<(), BenchError> {
    const RUNS: usize = 20;
    let emulator = bulk_emulator(FaultConfig::default()).await?;
    let client = adele(&emulator, RetryPolicy::default())?;
    let target = lobby()?;
    let filter = JobFilter {
        states: JobFilter::default_cancel_states(),
        created_by: None,
    };
    client.jobs(&target, &filter).await?;
    let before = count(&emulator.counters(), LIST_JOBS_ROUTE);
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let jobs = client.jobs(&target, &filter).await?;
        times.push(started.elapsed());
        if jobs.len() != JOBS {
            return Err(format!("listing: {} jobs listed, not {JOBS}", jobs.len()).into());
        }
    }
    report("listing/print_client_default_page", &times)?;
    let pages = (count(&emulator.counters(), LIST_JOBS_ROUTE) - before) as f64 / RUNS as f64;
    figure("  GET …/jobs per listing", pages, "requests");
    let jwt = adele_token(&emulator)?;
    for top in [20, 100, 999] {
        listing_with_top(&emulator, &jwt, top, RUNS).await?;
    }
    Ok(())
}

async fn listing_with_top(
    emulator: &Emulator,
    jwt: &str,
    top: usize,
    runs: usize,
) -> Result<(), BenchError> {
    let http = reqwest::Client::builder().no_proxy().build()?;
    let first = format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs?$top={top}",
        emulator.graph_url()
    );
    let mut times = Vec::with_capacity(runs);
    let mut pages = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let (listed, followed) = list_all_pages(&http, jwt, &first).await?;
        times.push(started.elapsed());
        if listed != JOBS {
            return Err(format!("$top={top}: {listed} jobs listed, not {JOBS}").into());
        }
        pages = followed;
    }
    report(&format!("listing/raw_top_{top}"), &times)?;
    figure("  pages per listing", pages, "requests");
    Ok(())
}

/// Follows `@odata.nextLink` from `url`; returns (jobs listed, pages fetched).
async fn list_all_pages(
    http: &reqwest::Client,
    jwt: &str,
    url: &str,
) -> Result<(usize, usize), BenchError> {
    let (mut listed, mut pages) = (0, 0);
    let mut next = Some(url.to_owned());
    while let Some(url) = next {
        let page: serde_json::Value = http
            .get(&url)
            .bearer_auth(jwt)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        pages += 1;
        listed += page["value"].as_array().map_or(0, Vec::len);
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    Ok((listed, pages))
}

// ---- memory --------------------------------------------------------------------------------

/// Peak RSS of a bulk cancel, measured in fresh child processes of this binary: the client
/// alone (the emulator stays in this process), and client and emulator in one process.
async fn rss() -> Result<(), BenchError> {
    const RUNS: usize = 3;
    for mode in ["rss-client", "rss-combined"] {
        let mut peaks = Vec::with_capacity(RUNS);
        let mut baselines = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let (baseline, peak) = rss_child(mode).await?;
            baselines.push(baseline);
            peaks.push(peak);
        }
        peaks.sort_unstable();
        baselines.sort_unstable();
        let (median_peak, median_base) = (peaks[RUNS / 2], baselines[RUNS / 2]);
        figure(
            &format!("rss/{mode} peak (VmHWM)"),
            format!(
                "{} MiB median (min {}, max {}); {} MiB before the cancel",
                mib(median_peak),
                mib(peaks[0]),
                mib(peaks[RUNS - 1]),
                mib(median_base)
            ),
            "",
        );
    }
    Ok(())
}

/// Runs one child; returns its (VmHWM before the cancel, VmHWM after) in KiB.
async fn rss_child(mode: &str) -> Result<(u64, u64), BenchError> {
    let emulator = bulk_emulator(FaultConfig::default()).await?;
    let mut command = tokio::process::Command::new(std::env::current_exe()?);
    command
        .env(CHILD_ENV, mode)
        .env(GRAPH_URL_ENV, emulator.graph_url())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = command.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        if mode == "rss-client" {
            stdin.write_all(adele_token(&emulator)?.as_bytes()).await?;
        }
        stdin.shutdown().await?;
    }
    let output = child.wait_with_output().await?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("{mode} child failed ({}): {text}", output.status).into());
    }
    if mode == "rss-client" && count(&emulator.counters(), "print:canceled") != JOBS as u64 {
        return Err(format!("{mode}: the child did not cancel all {JOBS} jobs").into());
    }
    parse_rss_line(&text).ok_or_else(|| format!("{mode}: no RSS line in {text:?}").into())
}

/// Parses the child's `RSS before_kib=N peak_kib=M` line.
fn parse_rss_line(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("RSS "))?;
    let value = |key: &str| -> Option<u64> {
        line.split_whitespace()
            .find_map(|part| part.strip_prefix(key)?.parse().ok())
    };
    Some((value("before_kib=")?, value("peak_kib=")?))
}

/// The child: one bulk cancel, then `RSS before_kib=… peak_kib=…` on stdout.
fn child_main(mode: &str) -> Result<(), BenchError> {
    runtime()?.block_on(async {
        let emulator;
        let client = match mode {
            "rss-client" => {
                let url = std::env::var(GRAPH_URL_ENV)?;
                let mut jwt = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut jwt)?;
                client_for(&url, jwt.trim().to_owned(), RetryPolicy::default())?
            }
            "rss-combined" => {
                emulator = bulk_emulator(FaultConfig::default()).await?;
                adele(&emulator, RetryPolicy::default())?
            }
            other => return Err(format!("unknown child mode {other:?}").into()),
        };
        let before = proc_status_kib("VmHWM").ok_or("no VmHWM in /proc/self/status")?;
        let report = cancel::run(&client, &CancelRequest::all(lobby()?), &|_| {}).await?;
        let peak = proc_status_kib("VmHWM").ok_or("no VmHWM in /proc/self/status")?;
        if report.totals.canceled != JOBS {
            return Err(format!("child canceled {:?}", report.totals).into());
        }
        println!("RSS before_kib={before} peak_kib={peak}");
        Ok(())
    })
}
