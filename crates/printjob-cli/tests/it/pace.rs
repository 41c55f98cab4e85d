//! Integration tests: the bulk cancel's learned pace (issue 22, docs/reliability.md "The bulk
//! cancel's pace") through `cancel::run` against the emulator's throttle (a token bucket per
//! application and tenant, graph-conformance ET1) over real sockets. The emulator's counters
//! and job states are the judges: how many requests its throttle refused, and that every job
//! the report calls `canceled` is canceled there.

use printjob::cancel::{self, CancelReport, CancelRequest};
use printjob::model::PrintJobProcessingState as State;
use printjob::{PrintTarget, PrinterId};
use printjob_emulator::graph::seed::{PrintSeed, LOBBY_PRINTER};
use printjob_emulator::seed::{Seed, ADELE, CONTOSO_TENANT};
use printjob_emulator::throttle::{ThrottleCounters, ThrottleSpec};
use printjob_emulator::Emulator;
use printjob_test_support::{job_state, print_client_as, BASIC};
use std::time::{Duration, Instant};

/// An emulator throttled by `spec` whose lobby printer holds `n` pending jobs of Adele's.
async fn throttled(n: usize, spec: &str) -> Emulator {
    let mut print = PrintSeed::default_for(CONTOSO_TENANT);
    print.jobs.clear();
    Emulator::builder()
        .seed(Seed {
            print: print.with_jobs(LOBBY_PRINTER, ADELE, n, State::Pending),
            ..Seed::default()
        })
        .throttle(ThrottleSpec::parse(spec).expect("a valid spec"))
        .start()
        .await
        .expect("emulator starts")
}

fn lobby() -> PrintTarget {
    PrintTarget::Printer(PrinterId::new(LOBBY_PRINTER).unwrap())
}

/// Every one of the `n` jobs is reported canceled and is canceled at the emulator.
fn assert_all_canceled(emulator: &Emulator, report: &CancelReport, n: usize) {
    assert_eq!(report.totals.canceled, n, "{:?}", report.totals);
    for result in &report.results {
        assert_eq!(
            job_state(emulator, LOBBY_PRINTER, result.job_id.as_str()),
            Some(State::Canceled),
            "job {}",
            result.job_id
        );
    }
}

/// The throttle's counters sampled every 100 ms while `cancel --all` runs on `emulator`.
async fn sampled_run(
    emulator: &Emulator,
    learn_pace: bool,
) -> (CancelReport, Vec<ThrottleCounters>) {
    let run = {
        let client = print_client_as(emulator, ADELE, BASIC);
        tokio::spawn(async move {
            let request = CancelRequest {
                concurrency: 8,
                learn_pace,
                ..CancelRequest::all(lobby())
            };
            cancel::run(&client, &request, &|_| {}).await
        })
    };
    let mut samples = Vec::new();
    while !run.is_finished() {
        tokio::time::sleep(Duration::from_millis(100)).await;
        samples.push(emulator.throttle_counters().expect("a throttle"));
    }
    let report = run
        .await
        .expect("the run ends")
        .expect("the bulk cancel runs");
    samples.push(emulator.throttle_counters().expect("a throttle"));
    (report, samples)
}

/// The requests refused, and all requests, after the service had accepted half of `total`.
fn second_half(samples: &[ThrottleCounters], total: u64) -> (u64, u64) {
    let half = samples
        .iter()
        .find(|c| c.accepted >= total / 2)
        .copied()
        .unwrap_or_default();
    let end = samples.last().copied().unwrap_or_default();
    let throttled = end.throttled - half.throttled;
    (throttled, throttled + end.accepted - half.accepted)
}

#[tokio::test(flavor = "multi_thread")]
async fn once_it_has_learned_the_throttle_the_pace_is_rarely_refused_where_a_fixed_pressure_keeps_being_refused(
) {
    // 3,000 cancels and 30 listing pages against 400/s: the run lasts at least 6.6 s. The first
    // throttle costs the chunks in flight when it comes (the pace knows nothing before it); what
    // the pace is judged on is the second half of the run, when it has learned.
    const JOBS: usize = 3_000;
    const SPEC: &str = "400/s,burst=400";
    let learned = throttled(JOBS, SPEC).await;
    let (report, samples) = sampled_run(&learned, true).await;
    assert_all_canceled(&learned, &report, JOBS);
    let total = samples.last().unwrap().accepted;
    let (learned_refused, learned_sent) = second_half(&samples, total);

    let fixed = throttled(JOBS, SPEC).await;
    let (report, samples) = sampled_run(&fixed, false).await;
    assert_all_canceled(&fixed, &report, JOBS);
    let (fixed_refused, fixed_sent) = second_half(&samples, total);

    eprintln!(
        "second half: learned {learned_refused} of {learned_sent} refused, fixed {fixed_refused} of {fixed_sent}"
    );
    let learned_share = learned_refused as f64 / learned_sent.max(1) as f64;
    let fixed_share = fixed_refused as f64 / fixed_sent.max(1) as f64;
    assert!(
        learned_share <= 0.05,
        "learned pace, second half: {learned_refused} of {learned_sent} requests refused"
    );
    assert!(
        fixed_share >= 0.10 && fixed_share >= 3.0 * learned_share,
        "fixed pressure, second half: {fixed_refused} of {fixed_sent} refused (learned: {learned_refused} of {learned_sent})"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_learned_pace_slows_under_a_throttle_and_speeds_up_again_once_it_lifts() {
    const JOBS: usize = 6_000;
    const RATE: f64 = 400.0;
    let emulator = throttled(JOBS, "400/s,burst=400").await;
    let run = {
        let client = print_client_as(&emulator, ADELE, BASIC);
        tokio::spawn(async move {
            let request = CancelRequest {
                concurrency: 16,
                ..CancelRequest::all(lobby())
            };
            cancel::run(&client, &request, &|_| {}).await
        })
    };
    // Accepted requests sampled every 100 ms; the throttle lifts 2 s after it first refused.
    let mut samples: Vec<(Instant, u64)> = Vec::new();
    let mut first_throttle: Option<Instant> = None;
    let mut lifted: Option<(Instant, ThrottleCounters)> = None;
    while !run.is_finished() {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = Instant::now();
        let counters = emulator.throttle_counters().expect("a throttle");
        samples.push((now, counters.accepted));
        if counters.throttled > 0 {
            first_throttle.get_or_insert(now);
        }
        if let (Some(at), None) = (first_throttle, lifted) {
            if now - at >= Duration::from_secs(2) {
                assert!(emulator.set_throttle(ThrottleSpec::parse("1000000/s").unwrap()));
                lifted = Some((now, counters));
            }
        }
    }
    let report = run
        .await
        .expect("the run ends")
        .expect("the bulk cancel runs");
    assert_all_canceled(&emulator, &report, JOBS);
    let (lifted_at, at_lift) = lifted.expect("the throttle refused requests and was lifted");
    let end = emulator.throttle_counters().expect("a throttle");
    assert_eq!(
        end.throttled, at_lift.throttled,
        "no request refused once the throttle lifted"
    );
    // Once it lifted, the pace rose well above the old limit: the best one-second
    // window after the lift accepted more than twice the old rate.
    let best = samples
        .iter()
        .filter(|(at, _)| *at >= lifted_at)
        .filter_map(|(at, accepted)| {
            let later = samples
                .iter()
                .find(|(t, _)| *t >= *at + Duration::from_secs(1))?;
            Some((later.1 - accepted) as f64 / (later.0 - *at).as_secs_f64())
        })
        .fold(0.0, f64::max);
    assert!(
        best > 2.0 * RATE,
        "after the lift the best second accepted {best:.0}/s (old limit {RATE}/s)"
    );
}
