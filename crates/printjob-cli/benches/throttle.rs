//! The bulk cancel under a throttle (issue 22 item 5): `printjob cancel P --all` run as a
//! whole process against the in-process emulator behind `--throttle` (a token bucket per
//! application and tenant, graph-conformance ET1), at 50 ms per request.
//!
//! Scenarios: 10,000 jobs on one printer, and 10,000 across 50 printers (200 each), under
//! buckets of 50/s and 200/s (burst = one second's rate). Variants: printjob as built, its
//! bulk path at a fixed pressure (`--concurrency 4` and `16`: today's behaviour, the baseline).
//! `--all-printers` does not exist yet, so the 50-printer scenario runs 50 `cancel P --all`
//! commands one after another against the one bucket, and its wall time is their sum.
//!
//! For each run: wall time; the bucket's own minimum time, ((cancels + listing pages) - burst)
//! / rate; their ratio; the requests the throttle refused (`throttle:throttled`); jobs lost
//! (not cancelled at the end: must be 0, and the bench says so when it is not); peak RSS of the
//! `printjob` process (GNU time's `%M`: time forks printjob from its own small process, so the
//! figure is printjob's own; a child forked from this bench would carry the bench's peak
//! across its exec).
//!
//! Run:
//!   `PRINTJOB_BENCH_SMOKE=1 cargo bench --bench throttle` — 1,000 jobs at 200/s, fixed-4 only,
//!     on one printer and across 10 printers (CI; well under 30 s)
//!   `cargo bench --bench throttle [-- NAME]` — the full matrix, by hand (a run at 50/s takes
//!     at least 200 s); NAME filters the runs by name (`one_printer/200`, `fixed_16`, …).
//! Results: docs/benchmarks.md, "Under a throttle".

#[path = "../../printjob/benches/common/mod.rs"]
mod common;

use common::{figure, BenchError, Filter};
use printjob::model::PrintJobProcessingState;
use printjob_emulator::faults::FaultConfig;
use printjob_emulator::graph::query::DEFAULT_PAGE_SIZE;
use printjob_emulator::graph::seed::{numbered_printer_id, PrintSeed};
use printjob_emulator::robot::{self, Consent, RobotUser};
use printjob_emulator::seed::{Seed, ADELE, CONTOSO_TENANT, DEFAULT_PASSWORD, PUBLIC_CLIENT_ID};
use printjob_emulator::throttle::ThrottleSpec;
use printjob_emulator::Emulator;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Set (to anything) for the CI smoke mode.
const SMOKE_ENV: &str = "PRINTJOB_BENCH_SMOKE";
/// GNU time: measures a child it forks itself.
const GNU_TIME: &str = "/usr/bin/time";
/// The added latency of every request: a stand-in for the round trip to Graph.
const LATENCY_MS: u64 = 50;

/// How printjob's bulk path is driven.
#[derive(Debug, Clone, Copy)]
enum Variant {
    /// Today's behaviour: a fixed number of batches in flight whatever the service says.
    Fixed(u16),
    // HOOK (issue 22 item 2, the next engineer): "printjob with learned pace" — once the pacer
    // (crates/printjob/src/cancel/pace.rs) drives the pool, add `Learned` here, give it its
    // command-line arguments in `Variant::args` (the default invocation, `--concurrency`
    // becoming a ceiling) and its name in `Variant::name`, and put it first in `variants()`.
}

impl Variant {
    fn name(self) -> String {
        match self {
            Variant::Fixed(n) => format!("fixed_{n}"),
        }
    }

    fn args(self) -> Vec<String> {
        match self {
            Variant::Fixed(n) => vec!["--concurrency".into(), n.to_string()],
        }
    }
}

/// One run: jobs spread over printers, a bucket, a variant.
#[derive(Debug, Clone)]
struct Run {
    jobs: usize,
    printers: usize,
    rate: u32,
    variant: Variant,
}

impl Run {
    fn name(&self) -> String {
        let layout = if self.printers == 1 {
            "one_printer".to_string()
        } else {
            format!("{}_printers", self.printers)
        };
        format!(
            "throttle/{layout}/{}_jobs/{}_per_s/{}",
            self.jobs,
            self.rate,
            self.variant.name()
        )
    }

    fn spec(&self) -> ThrottleSpec {
        ThrottleSpec {
            rate_per_sec: f64::from(self.rate),
            burst: self.rate,
        }
    }

    /// Jobs on each printer (the first printers take the remainder).
    fn jobs_on(&self, printer: usize) -> usize {
        self.jobs / self.printers + usize::from(printer < self.jobs % self.printers)
    }

    /// Requests the bucket must accept: one cancel per job (inside `$batch`, each is one
    /// request) and every listing page (the service's default page size; the listing ends on
    /// a page without `@odata.nextLink`).
    fn must_accept(&self) -> u64 {
        let pages: usize = (0..self.printers)
            .map(|p| self.jobs_on(p).div_ceil(DEFAULT_PAGE_SIZE).max(1))
            .sum();
        (self.jobs + pages) as u64
    }
}

fn variants() -> Vec<Variant> {
    vec![Variant::Fixed(4), Variant::Fixed(16)]
}

fn runs(smoke: bool) -> Vec<Run> {
    if smoke {
        return vec![
            Run {
                jobs: 1_000,
                printers: 1,
                rate: 200,
                variant: Variant::Fixed(4),
            },
            Run {
                jobs: 1_000,
                printers: 10,
                rate: 200,
                variant: Variant::Fixed(4),
            },
        ];
    }
    let mut all = Vec::new();
    for rate in [200, 50] {
        for printers in [1, 50] {
            for variant in variants() {
                all.push(Run {
                    jobs: 10_000,
                    printers,
                    rate,
                    variant,
                });
            }
        }
    }
    all
}

fn main() -> ExitCode {
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(BenchError::from)
        .and_then(|rt| rt.block_on(bench()));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn bench() -> Result<(), BenchError> {
    let smoke = std::env::var_os(SMOKE_ENV).is_some();
    let filter = Filter::from_args();
    let printjob = PathBuf::from(env!("CARGO_BIN_EXE_printjob"));
    println!(
        "printjob under a throttle: {} CPUs, {LATENCY_MS} ms per request, {}{}",
        std::thread::available_parallelism().map_or(0, usize::from),
        if Path::new(GNU_TIME).exists() {
            "peak RSS by GNU time"
        } else {
            "no /usr/bin/time: peak RSS not measured"
        },
        if smoke { " (smoke mode)" } else { "" }
    );
    let mut lost_somewhere = Vec::new();
    for run in runs(smoke).into_iter().filter(|r| filter.wants(&r.name())) {
        let outcome = one_run(&printjob, &run).await?;
        outcome.print(&run);
        if outcome.lost > 0 {
            lost_somewhere.push(run.name());
        }
    }
    if smoke && !lost_somewhere.is_empty() {
        return Err(format!("jobs lost in {lost_somewhere:?}").into());
    }
    Ok(())
}

/// What one run measured.
struct Outcome {
    wall: Duration,
    accepted: u64,
    throttled: u64,
    lost: usize,
    failed_commands: usize,
    peak_kib: Option<u64>,
}

impl Outcome {
    fn print(&self, run: &Run) {
        let minimum = run.spec().minimum_time(run.must_accept());
        let ratio = self.wall.as_secs_f64() / minimum.as_secs_f64().max(f64::MIN_POSITIVE);
        let sent = self.accepted + self.throttled;
        let share = 100.0 * self.throttled as f64 / (sent.max(1)) as f64;
        println!("{}", run.name());
        figure(
            "  wall time",
            format!("{:.1}", self.wall.as_secs_f64()),
            "s",
        );
        figure(
            "  bucket's minimum",
            format!(
                "{:.1} s (({} - burst {}) / {}/s)",
                minimum.as_secs_f64(),
                run.must_accept(),
                run.spec().burst,
                run.rate
            ),
            "",
        );
        figure("  wall ÷ minimum", format!("{ratio:.2}"), "×");
        figure(
            "  requests throttled",
            format!("{} of {sent} ({share:.1} %)", self.throttled),
            "",
        );
        figure("  requests accepted", self.accepted, "");
        figure("  jobs lost (must be 0)", self.lost, "");
        if self.failed_commands > 0 {
            figure("  commands that failed", self.failed_commands, "");
        }
        match self.peak_kib {
            Some(kib) => figure(
                "  peak RSS of printjob",
                format!("{:.1}", kib as f64 / 1024.0),
                "MiB",
            ),
            None => figure("  peak RSS of printjob", "not measured", ""),
        }
    }
}

/// The seed: Adele's pending jobs spread over the run's printers (the lobby printer alone for
/// one printer), nothing else.
fn seed(run: &Run) -> (Seed, Vec<String>) {
    let mut print = PrintSeed::default_for(CONTOSO_TENANT);
    print.jobs.clear();
    let printers: Vec<String> = if run.printers == 1 {
        vec![printjob_emulator::graph::seed::LOBBY_PRINTER.to_string()]
    } else {
        print = print.with_printers(CONTOSO_TENANT, run.printers);
        (1..=run.printers).map(numbered_printer_id).collect()
    };
    for (n, printer) in printers.iter().enumerate() {
        print = print.with_jobs(
            printer,
            ADELE,
            run.jobs_on(n),
            PrintJobProcessingState::Pending,
        );
    }
    (
        Seed {
            print,
            ..Seed::default()
        },
        printers,
    )
}

/// The environment of every printjob process: the emulator's settings, a private home and
/// token cache file.
fn env(emulator: &Emulator, home: &Path) -> Vec<(&'static str, std::ffi::OsString)> {
    vec![
        ("HOME", home.into()),
        ("XDG_CONFIG_HOME", home.join("config").into()),
        ("XDG_CACHE_HOME", home.join("cache").into()),
        ("PRINTJOB_AUTHORITY", emulator.base_url().into()),
        ("PRINTJOB_GRAPH_URL", emulator.graph_url().into()),
        ("PRINTJOB_TENANT_ID", "contoso.onmicrosoft.com".into()),
        ("PRINTJOB_CLIENT_ID", PUBLIC_CLIENT_ID.into()),
        ("PRINTJOB_CACHE", home.join("token_cache.json").into()),
        ("PRINTJOB_CACHE_STORE", "file".into()),
        ("NO_COLOR", "1".into()),
    ]
}

/// `printjob login --device-code` as Adele, the emulator's robot completing the device flow.
async fn login(printjob: &Path, emulator: &Emulator, home: &Path) -> Result<(), BenchError> {
    let mut child = tokio::process::Command::new(printjob)
        .args(["login", "--device-code"])
        .env_clear()
        .envs(env(emulator, home))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let (uri, code) = loop {
        let line = lines
            .next_line()
            .await?
            .ok_or("printjob login ended without a device code")?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let uri = words
            .iter()
            .find(|w| w.starts_with("http"))
            .and_then(|w| url::Url::parse(w.trim_end_matches(['.', ','])).ok());
        let code = words
            .iter()
            .position(|w| *w == "code")
            .and_then(|at| words.get(at + 1))
            .map(|c| c.trim_end_matches(['.', ',']).to_owned());
        if let (Some(uri), Some(code)) = (uri, code) {
            break (uri, code);
        }
    };
    robot::device_login(
        &uri,
        &code,
        &RobotUser::new(ADELE, DEFAULT_PASSWORD),
        Consent::Accept,
    )
    .await?;
    if !child.wait().await?.success() {
        return Err("printjob login failed".into());
    }
    Ok(())
}

/// One `printjob cancel PRINTER --all --yes …`: wall time, whether it succeeded, peak RSS.
async fn cancel_all(
    printjob: &Path,
    emulator: &Emulator,
    home: &Path,
    printer: &str,
    variant: Variant,
) -> Result<(Duration, bool, Option<u64>), BenchError> {
    let rss_file = home.join("rss");
    let timed = Path::new(GNU_TIME).exists();
    let mut command = if timed {
        let mut c = tokio::process::Command::new(GNU_TIME);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(printjob);
        c
    } else {
        tokio::process::Command::new(printjob)
    };
    command
        .args(["--json", "cancel", printer, "--all", "--yes"])
        .args(variant.args())
        .env_clear()
        .envs(env(emulator, home))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let started = Instant::now();
    let output = command.output().await?;
    let wall = started.elapsed();
    let peak_kib = if timed {
        std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|text| text.lines().last()?.trim().parse().ok())
    } else {
        None
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: String = stderr.lines().rev().take(3).collect::<Vec<_>>().join(" | ");
        eprintln!(
            "  printjob cancel {printer} exited {}: {tail}",
            output.status
        );
    }
    Ok((wall, output.status.success(), peak_kib))
}

/// A fresh emulator (throttled, seeded), a signed-in printjob, then the run's commands.
async fn one_run(printjob: &Path, run: &Run) -> Result<Outcome, BenchError> {
    let (seed, printers) = seed(run);
    let emulator = Emulator::builder()
        .seed(seed)
        .throttle(run.spec())
        .start()
        .await?;
    let home = tempfile::tempdir()?;
    login(printjob, &emulator, home.path()).await?;
    // A sign-in that called Graph took tokens: wait until the bucket is full again, so every
    // run starts from a full bucket.
    if emulator.throttle_counters().is_some_and(|c| c.accepted > 0) {
        tokio::time::sleep(Duration::from_secs_f64(
            f64::from(run.spec().burst) / run.spec().rate_per_sec + 0.1,
        ))
        .await;
    }
    emulator.state().reset_counters();
    emulator.set_faults(FaultConfig {
        latency_ms: LATENCY_MS,
        ..FaultConfig::default()
    });
    let mut wall = Duration::ZERO;
    let mut peak_kib: Option<u64> = None;
    let mut failed_commands = 0;
    for printer in &printers {
        let (took, succeeded, peak) =
            cancel_all(printjob, &emulator, home.path(), printer, run.variant).await?;
        wall += took;
        failed_commands += usize::from(!succeeded);
        peak_kib = match (peak_kib, peak) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    let counters = emulator.throttle_counters().unwrap_or_default();
    let canceled = emulator
        .counters()
        .get("print:canceled")
        .copied()
        .unwrap_or(0) as usize;
    Ok(Outcome {
        wall,
        accepted: counters.accepted,
        throttled: counters.throttled,
        lost: run.jobs.saturating_sub(canceled),
        failed_commands,
        peak_kib,
    })
}
