//! Integration tests: a bulk cancel told to stop (issue 20, "Ctrl-C is an answer, not an
//! accident"), through `cancel::run` against the emulator over real sockets. Latency faults
//! keep requests in flight when the stop comes; the emulator's state is the judge of every
//! `canceled` in the report.

use futures::future::BoxFuture;
use printjob::cancel::{self, CancelReport, CancelRequest, JobOutcome, Progress, Stopper};
use printjob::model::PrintJobProcessingState as State;
use printjob::{graph_codes, AccessToken, PrintClient, PrintJobId, PrintTarget, PrinterId};
use printjob::{RetryPolicy, Sleeper, StaticToken};
use printjob_emulator::faults::FaultConfig;
use printjob_emulator::graph::seed::{PrintSeed, LOBBY_PRINTER};
use printjob_emulator::seed::{ADELE, CONTOSO_TENANT};
use printjob_emulator::Emulator;
use printjob_test_support::{start_emulator_with_print, user_token, BASIC, CANCEL_ROUTE};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BATCH_ROUTE: &str = "POST /v1.0/$batch";
const INNER_CANCEL: &str =
    "batch:inner POST /v1.0/print/printers/{printerId}/jobs/{printJobId}/cancel";

/// An emulator whose lobby printer holds `n` pending jobs of Adele's, numbered 1 to `n`.
pub(crate) async fn emulator_with_jobs(n: usize) -> Emulator {
    let mut print = PrintSeed::default_for(CONTOSO_TENANT);
    print.jobs.clear();
    start_emulator_with_print(print.with_jobs(LOBBY_PRINTER, ADELE, n, State::Pending)).await
}

/// Adele's client; `sleeper` waits out the retries.
fn client(emulator: &Emulator, sleeper: Arc<dyn Sleeper>) -> PrintClient {
    let token = AccessToken::new(user_token(emulator, ADELE, BASIC));
    let source = Arc::new(StaticToken::new(token, None).unwrap());
    PrintClient::builder(source, &emulator.graph_url())
        .retry_policy(RetryPolicy {
            max_attempts: 5,
            max_total_wait: Duration::from_secs(120),
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(60),
        })
        .sleeper(sleeper)
        .build()
        .unwrap()
}

fn lobby() -> PrintTarget {
    PrintTarget::Printer(PrinterId::new(LOBBY_PRINTER).unwrap())
}

fn ids(range: std::ops::RangeInclusive<usize>) -> Vec<PrintJobId> {
    range
        .map(|n| PrintJobId::new(n.to_string()).unwrap())
        .collect()
}

fn count(emulator: &Emulator, key: &str) -> u64 {
    emulator.counters().get(key).copied().unwrap_or(0)
}

/// Only `$batch` requests are slow (the listing and the inner requests are not).
pub(crate) fn slow_batches(latency_ms: u64) -> FaultConfig {
    FaultConfig {
        latency_ms,
        only: "/v1.0/$batch".into(),
        ..FaultConfig::default()
    }
}

/// The next `n` inner cancels of a batch (or single cancels) answered 429 with `Retry-After`.
fn throttle_next(n: u32, retry_after_secs: u64) -> FaultConfig {
    FaultConfig {
        next: n,
        force: 429,
        retry_after_secs,
        only: "/v1.0/print/".into(),
        ..FaultConfig::default()
    }
}

/// The outcome names of the report, counted: (canceled, unknown, notSent, anything else).
fn tally(report: &CancelReport) -> (usize, usize, usize, usize) {
    let t = &report.totals;
    let other = t.requested - t.canceled - t.unknown - t.not_sent;
    (t.canceled, t.unknown, t.not_sent, other)
}

/// The report never claims more than the service did: each `canceled` job is canceled in the
/// emulator, each `notSent` job is as it was (pending).
fn assert_report_agrees_with_the_service(emulator: &Emulator, report: &CancelReport) {
    for result in &report.results {
        let state = emulator
            .state()
            .print()
            .job_state(LOBBY_PRINTER, result.job_id.as_str());
        match result.outcome {
            JobOutcome::Canceled => assert_eq!(state, Some(State::Canceled), "{result:?}"),
            JobOutcome::NotSent => assert_eq!(state, Some(State::Pending), "{result:?}"),
            JobOutcome::Unknown { .. } => {}
            _ => panic!("unexpected outcome after a stop: {result:?}"),
        }
    }
}

/// Stops `stopper` once `after` jobs have an outcome.
fn stop_after(stopper: &Stopper, after: usize) -> impl Fn(Progress<'_>) + Send + Sync {
    let stopper = stopper.clone();
    let finished = AtomicUsize::new(0);
    move |event| {
        if let Progress::Finished(_) = event {
            if finished.fetch_add(1, Ordering::SeqCst) + 1 == after {
                stopper.stop();
            }
        }
    }
}

/// A Ctrl-C during or after a retry's wait: the stop comes `stop_after` into the wait (at
/// once when zero); the wait lasts its full length when `wait_out`, else it ends at once.
#[derive(Debug)]
struct StopWhileWaiting {
    stopper: Stopper,
    stop_after: Duration,
    wait_out: bool,
    /// Makes this emulator's batches slow (700 ms) when the wait starts.
    slow_batches_after: Option<Arc<Emulator>>,
}

impl Sleeper for StopWhileWaiting {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let stopper = self.stopper.clone();
        let (after, wait_out) = (self.stop_after, self.wait_out);
        if let Some(emulator) = &self.slow_batches_after {
            emulator.set_faults(slow_batches(700));
        }
        if after.is_zero() {
            stopper.stop();
        } else {
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                stopper.stop();
            });
        }
        Box::pin(async move {
            if wait_out {
                tokio::time::sleep(duration).await;
            }
        })
    }
}

/// Chunks 0 and 1 (20 jobs each) are answered together; chunk 2 is sent after the first of
/// them is read, and the stop comes when the second is read (40 outcomes): chunk 2 is in
/// flight, chunks 3 and 4 are never sent.
async fn bulk_cancel_stopped_with_chunk_two_in_flight(grace: Duration) -> (Emulator, CancelReport) {
    let emulator = emulator_with_jobs(100).await;
    emulator.set_faults(slow_batches(700));
    let stopper = Stopper::new();
    let request = CancelRequest {
        concurrency: 2,
        ..CancelRequest::all(lobby())
            .stop_on(stopper.signal())
            .grace(grace)
    };
    let client = client(
        &emulator,
        Arc::new(printjob::test_support::RecordingSleeper::default()),
    );
    let report = cancel::run(&client, &request, &stop_after(&stopper, 40))
        .await
        .unwrap();
    (emulator, report)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_bulk_cancel_reports_confirmed_jobs_canceled_in_flight_ones_unknown_and_the_rest_not_sent(
) {
    let (emulator, report) =
        bulk_cancel_stopped_with_chunk_two_in_flight(Duration::from_millis(100)).await;
    assert!(report.interrupted);
    assert_eq!(tally(&report), (40, 20, 40, 0), "{:?}", report.totals);
    assert_eq!(report.results.len(), 100, "every listed job is reported");
    assert_report_agrees_with_the_service(&emulator, &report);
    assert_eq!(
        count(&emulator, BATCH_ROUTE),
        3,
        "nothing sent after the stop"
    );
    for unknown in report
        .results
        .iter()
        .filter(|r| r.outcome.name() == "unknown")
    {
        let JobOutcome::Unknown { reason, .. } = &unknown.outcome else {
            unreachable!()
        };
        assert!(reason.contains("no answer"), "{reason}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_bulk_cancel_waits_for_the_answers_in_flight_within_the_grace_period() {
    let started = Instant::now();
    let (emulator, report) =
        bulk_cancel_stopped_with_chunk_two_in_flight(Duration::from_secs(10)).await;
    assert!(report.interrupted);
    assert_eq!(tally(&report), (60, 0, 40, 0), "{:?}", report.totals);
    assert_report_agrees_with_the_service(&emulator, &report);
    assert_eq!(count(&emulator, BATCH_ROUTE), 3);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "returned when the last answer came, not at the end of the grace period: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_stop_with_nothing_in_flight_returns_at_once_and_sends_nothing() {
    let emulator = emulator_with_jobs(30).await;
    let stopper = Stopper::new();
    stopper.stop();
    let request = CancelRequest::jobs(lobby(), ids(1..=30)).stop_on(stopper.signal());
    let client = client(
        &emulator,
        Arc::new(printjob::test_support::RecordingSleeper::default()),
    );
    let started = Instant::now();
    let report = cancel::run(&client, &request, &|_| {}).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(report.interrupted);
    assert_eq!(tally(&report), (0, 0, 30, 0));
    assert_eq!(
        count(&emulator, BATCH_ROUTE) + count(&emulator, CANCEL_ROUTE),
        0
    );
    assert_report_agrees_with_the_service(&emulator, &report);
}

#[tokio::test]
async fn a_stop_during_a_retry_wait_sends_no_retry_and_leaves_the_throttled_jobs_unknown() {
    let emulator = emulator_with_jobs(20).await;
    emulator.set_faults(throttle_next(5, 1));
    let stopper = Stopper::new();
    let sleeper = StopWhileWaiting {
        stopper: stopper.clone(),
        stop_after: Duration::ZERO,
        wait_out: false,
        slow_batches_after: None,
    };
    let request = CancelRequest::jobs(lobby(), ids(1..=20)).stop_on(stopper.signal());
    let report = cancel::run(&client(&emulator, Arc::new(sleeper)), &request, &|_| {})
        .await
        .unwrap();
    assert_eq!(tally(&report), (15, 5, 0, 0), "{:?}", report.totals);
    assert_eq!(
        count(&emulator, BATCH_ROUTE),
        1,
        "the throttled five not re-sent"
    );
    assert_eq!(count(&emulator, INNER_CANCEL), 20);
    assert_report_agrees_with_the_service(&emulator, &report);
    for result in &report.results {
        if let JobOutcome::Unknown { error, .. } = &result.outcome {
            let error = error.as_ref().expect("the last answer is kept");
            assert_eq!(error.code, graph_codes::NOT_RESENT);
            assert!(error.message.contains("429"), "{}", error.message);
            let state = emulator
                .state()
                .print()
                .job_state(LOBBY_PRINTER, result.job_id.as_str());
            assert_eq!(state, Some(State::Pending), "a throttled cancel never ran");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_given_up_at_the_end_of_the_grace_keeps_the_cancels_its_first_round_confirmed() {
    let emulator = Arc::new(emulator_with_jobs(20).await);
    emulator.set_faults(throttle_next(5, 0));
    let stopper = Stopper::new();
    // The first round is answered (15 cancelled, 5 throttled); during the wait the batches
    // turn slow, the retry round is sent and is 300 ms into its 700 ms when the stop comes;
    // the grace ends 100 ms later.
    let sleeper = StopWhileWaiting {
        stopper: stopper.clone(),
        stop_after: Duration::from_millis(300),
        wait_out: false,
        slow_batches_after: Some(emulator.clone()),
    };
    let request = CancelRequest::jobs(lobby(), ids(1..=20))
        .stop_on(stopper.signal())
        .grace(Duration::from_millis(100));
    let report = cancel::run(&client(&emulator, Arc::new(sleeper)), &request, &|_| {})
        .await
        .unwrap();
    assert_eq!(tally(&report), (15, 5, 0, 0), "{:?}", report.totals);
    assert_eq!(count(&emulator, BATCH_ROUTE), 2);
    assert_report_agrees_with_the_service(&emulator, &report);
}

#[tokio::test]
async fn a_stop_during_a_long_retry_after_cuts_the_wait_short() {
    let emulator = emulator_with_jobs(20).await;
    emulator.set_faults(throttle_next(5, 30));
    let stopper = Stopper::new();
    let sleeper = StopWhileWaiting {
        stopper: stopper.clone(),
        stop_after: Duration::from_millis(100),
        wait_out: true,
        slow_batches_after: None,
    };
    let request = CancelRequest::jobs(lobby(), ids(1..=20)).stop_on(stopper.signal());
    let started = Instant::now();
    let report = cancel::run(&client(&emulator, Arc::new(sleeper)), &request, &|_| {})
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the 30 s Retry-After was not waited out: {:?}",
        started.elapsed()
    );
    assert_eq!(tally(&report), (15, 5, 0, 0), "{:?}", report.totals);
    assert_eq!(count(&emulator, BATCH_ROUTE), 1);
    assert_report_agrees_with_the_service(&emulator, &report);
}

#[tokio::test]
async fn a_stop_during_a_single_cancels_retry_wait_sends_no_retry_and_nothing_after_it() {
    let emulator = emulator_with_jobs(2).await;
    emulator.set_faults(throttle_next(1, 1));
    let stopper = Stopper::new();
    let sleeper = StopWhileWaiting {
        stopper: stopper.clone(),
        stop_after: Duration::ZERO,
        wait_out: false,
        slow_batches_after: None,
    };
    let request = CancelRequest {
        use_batch: false,
        concurrency: 1,
        ..CancelRequest::jobs(lobby(), ids(1..=2)).stop_on(stopper.signal())
    };
    let report = cancel::run(&client(&emulator, Arc::new(sleeper)), &request, &|_| {})
        .await
        .unwrap();
    assert_eq!(tally(&report), (0, 1, 1, 0), "{:?}", report.totals);
    assert_eq!(report.results[0].outcome.name(), "unknown");
    assert_eq!(report.results[1].outcome, JobOutcome::NotSent);
    assert_eq!(count(&emulator, CANCEL_ROUTE), 1, "no retry, no next job");
    assert_report_agrees_with_the_service(&emulator, &report);
}

// ---- the command line: Ctrl-C during `printjob cancel --all` -------------------------------

/// `printjob cancel LOBBY --all --yes {extra}`, signed in as Adele, against `emulator`.
fn cancel_all_command(
    emulator: &Emulator,
    home: &tempfile::TempDir,
    extra: &[&str],
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(crate::harness::printjob_bin());
    command
        .args(["cancel", LOBBY_PRINTER, "--all", "--yes"])
        .args(extra)
        .env_clear()
        .envs(crate::harness::emulator_env(emulator, home.path()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Sends SIGINT (Ctrl-C) to `child`.
fn ctrl_c(child: &tokio::process::Child) {
    let pid = child.id().expect("the child runs").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Waits until the emulator has received `n` `$batch` requests.
async fn until_batches_sent(emulator: &Emulator, n: u64) {
    let started = Instant::now();
    while count(emulator, BATCH_ROUTE) < n {
        assert!(started.elapsed() < Duration::from_secs(30), "no batch sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Signs Adele in and starts `cancel --all` on 100 jobs whose batches take `latency_ms`;
/// returns once its first two batches (40 jobs, `--concurrency 2`) are in flight.
async fn cancel_all_with_two_batches_in_flight(
    latency_ms: u64,
    extra: &[&str],
) -> (Emulator, tempfile::TempDir, tokio::process::Child) {
    let emulator = emulator_with_jobs(100).await;
    let home = tempfile::tempdir().unwrap();
    crate::cancel::login_as(&emulator, &home, ADELE, &[]).await;
    emulator.set_faults(slow_batches(latency_ms));
    let mut args = vec!["--concurrency", "2"];
    args.extend(extra);
    let child = cancel_all_command(&emulator, &home, &args).spawn().unwrap();
    until_batches_sent(&emulator, 2).await;
    (emulator, home, child)
}

/// The job ids the emulator shows canceled.
fn canceled_in_the_service(emulator: &Emulator) -> Vec<String> {
    (1..=100)
        .map(|n| n.to_string())
        .filter(|id| emulator.state().print().job_state(LOBBY_PRINTER, id) == Some(State::Canceled))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_ctrl_c_during_cancel_all_prints_the_json_report_of_what_the_service_confirmed_and_exits_130(
) {
    let (emulator, _home, child) = cancel_all_with_two_batches_in_flight(1500, &["--json"]).await;
    ctrl_c(&child);
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("the command ends after the answers in flight")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    crate::cancel::assert_matches_documented_schema(&json);
    assert_eq!(json["interrupted"], true);
    let canceled: Vec<String> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "canceled")
        .map(|r| r["jobId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(canceled, canceled_in_the_service(&emulator), "{stderr}");
    assert_eq!(json["totals"]["canceled"], 40, "{}", json["totals"]);
    assert_eq!(json["totals"]["notSent"], 60, "{}", json["totals"]);
    assert_eq!(
        count(&emulator, BATCH_ROUTE),
        2,
        "nothing sent after Ctrl-C"
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_ctrl_c_during_cancel_all_marks_the_jobs_unanswered_within_ten_seconds_unknown_and_exits_130(
) {
    let (emulator, _home, child) = cancel_all_with_two_batches_in_flight(12_000, &[]).await;
    let stopped = Instant::now();
    ctrl_c(&child);
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the command ends after the grace period")
        .unwrap();
    let waited = stopped.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        waited >= Duration::from_secs(9) && waited < Duration::from_secs(11),
        "the grace period is 10 s: {waited:?}"
    );
    assert_eq!(
        stdout
            .matches("may or may not be canceled; check with `printjob jobs ")
            .count(),
        40,
        "{stdout}"
    );
    assert_eq!(
        stdout
            .matches("interrupted before its cancel was sent")
            .count(),
        60,
        "{stdout}"
    );
    assert!(
        stdout.contains("interrupted (Ctrl-C): 100 jobs on printer"),
        "totals line: {stdout}"
    );
    assert!(stdout.contains("40 no answer (may or may not be canceled), 60 not sent"));
    assert!(
        stdout.contains(": 0 canceled"),
        "nothing confirmed: {stdout}"
    );
    assert_eq!(count(&emulator, BATCH_ROUTE), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_a_second_ctrl_c_during_cancel_all_exits_130_at_once() {
    let (_emulator, _home, child) =
        cancel_all_with_two_batches_in_flight(30_000, &["--json"]).await;
    ctrl_c(&child);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = Instant::now();
    ctrl_c(&child);
    let out = tokio::time::timeout(Duration::from_secs(5), child.wait_with_output())
        .await
        .expect("the second Ctrl-C ends the command at once")
        .unwrap();
    assert!(second.elapsed() < Duration::from_secs(3));
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
