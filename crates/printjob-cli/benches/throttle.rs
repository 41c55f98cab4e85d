//! The bulk cancel under a throttle, side by side (issue 22 item 5): printjob as a whole
//! process, and msgraph-sdk's batching as a Python process, against the in-process emulator
//! behind `--throttle` (a token bucket per application and tenant, graph-conformance ET1), at
//! 50 ms per request.
//!
//! Variants:
//! - `learned`: `printjob cancel …` as a user runs it (the learned pace, `--concurrency` 4 a
//!   ceiling);
//! - `fixed_4`, `fixed_16`: `--pace fixed --concurrency N`, a fixed number of batches in flight
//!   whatever the service says (the behaviour before the learned pace: the baseline);
//! - `msgraph_sdk`: `benches/peers/sdk_throttled.py`, msgraph-sdk listing the jobs and
//!   cancelling them 20 per `$batch` with the SDK's batch API, one batch after the other, with
//!   nothing added to the SDK's own handling of throttling (a throttled request inside a batch is
//!   not retried: jobs are lost, and that is what is measured). It needs a Python with the pinned
//!   `benches/peers/requirements.txt`: `PRINTJOB_BENCH_PYTHON`, else `target/peers-venv` (made by
//!   `benches/peers/run.sh`); without one its rows say "not measured".
//!
//! Scenarios: 10,000 pending jobs on one printer (`cancel P --all --yes`, as their owner), and
//! 10,000 across 50 printers (200 each) as ONE `cancel --all-printers --yes` (a Printer
//! Administrator signed in with `PrintJob.ReadWriteBasic.All` and `Printer.Read.All`), under
//! buckets of 200/s and 50/s (burst = one second's rate). And the quiet service: 1,000 jobs on
//! one printer at 50 ms and no throttle, `learned` and `fixed_4` alternated in one emulator
//! (ABBA order) and their median wall times compared (goal ≤ 1.1×).
//!
//! For each throttled run: wall time; the bucket's own minimum time, ((cancels + listing pages)
//! - burst) / rate; their ratio; the requests the throttle refused (`throttle:throttled`); jobs
//!   lost (not cancelled at the end, from the emulator's `print:canceled`); peak RSS of the
//!   measured process (GNU time's `%M`: time forks it from its own small process, so the figure
//!   is the contender's own; a child forked from this bench would carry the bench's peak across
//!   its exec). The goals are printed beside. A printjob variant that loses a job fails
//!   the bench (after all its runs); msgraph-sdk's lost jobs are reported, not failed on. Timing
//!   ratios are printed, never failed on (a shared machine).
//!
//! Run:
//!   `PRINTJOB_BENCH_SMOKE=1 cargo bench --bench throttle` — CI: 1,000 jobs at 200/s on one
//!     printer (`learned`, `fixed_4`) and across 10 printers (`learned`), the quiet service
//!     (2 pairs); about 30 s
//!   `cargo bench --bench throttle [-- NAME]` — the full matrix, by hand (a run at 50/s takes
//!     at least 200 s); NAME filters the runs by name (`one_printer/10000_jobs/200_per_s`,
//!     `fixed_16`, `quiet`, …).
//! Results: docs/benchmarks.md, "Under a throttle".

#[path = "../../printjob/benches/common/mod.rs"]
mod common;

use common::{figure, BenchError, Filter};
use printjob::model::PrintJobProcessingState;
use printjob_emulator::faults::FaultConfig;
use printjob_emulator::graph::query::DEFAULT_PAGE_SIZE;
use printjob_emulator::graph::seed::{numbered_printer_id, PrintSeed, LOBBY_PRINTER};
use printjob_emulator::robot::{self, Consent, RobotUser};
use printjob_emulator::seed::{
    Seed, ADELE, ADMIN, CONTOSO_TENANT, DEFAULT_PASSWORD, PUBLIC_CLIENT_ID,
};
use printjob_emulator::throttle::ThrottleSpec;
use printjob_emulator::Emulator;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Set (to anything) for the CI smoke mode.
const SMOKE_ENV: &str = "PRINTJOB_BENCH_SMOKE";
/// The `printjob` binary to measure, instead of the bench profile's.
const PRINTJOB_ENV: &str = "PRINTJOB_BENCH_PRINTJOB";
/// The Python that runs the msgraph-sdk contender (default: `target/peers-venv/bin/python`).
const PYTHON_ENV: &str = "PRINTJOB_BENCH_PYTHON";
/// GNU time: measures a child it forks itself.
const GNU_TIME: &str = "/usr/bin/time";
/// The added latency of every request: a stand-in for the round trip to Graph.
const LATENCY_MS: u64 = 50;
/// The scopes `--all-printers` needs (docs/cancel.md).
const ADMIN_SCOPES: [&str; 2] = ["PrintJob.ReadWriteBasic.All", "Printer.Read.All"];

/// The goals, printed beside the figures.
const GOAL_RATIO: f64 = 1.15;
const GOAL_THROTTLED_PERCENT: f64 = 5.0;
const GOAL_RSS_MIB: f64 = 12.0;
const GOAL_QUIET_RATIO: f64 = 1.1;

/// Who clears the queue.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Variant {
    /// printjob as built: the learned pace, the default invocation.
    Learned,
    /// printjob with the pace learning off: a fixed number of batches in flight.
    Fixed(u16),
    /// msgraph-sdk's batching (`benches/peers/sdk_throttled.py`).
    MsgraphSdk,
}

impl Variant {
    fn name(self) -> String {
        match self {
            Variant::Learned => "learned".into(),
            Variant::Fixed(n) => format!("fixed_{n}"),
            Variant::MsgraphSdk => "msgraph_sdk".into(),
        }
    }

    /// How the docs' table names it.
    fn label(self) -> String {
        match self {
            Variant::Learned => "printjob (learned pace)".into(),
            Variant::Fixed(n) => format!("printjob --pace fixed --concurrency {n}"),
            Variant::MsgraphSdk => "msgraph-sdk, $batch of 20".into(),
        }
    }

    fn is_printjob(self) -> bool {
        !matches!(self, Variant::MsgraphSdk)
    }

    /// printjob's arguments after `cancel … --yes`.
    fn printjob_args(self) -> Vec<String> {
        match self {
            Variant::Learned | Variant::MsgraphSdk => Vec::new(),
            Variant::Fixed(n) => vec![
                "--pace".into(),
                "fixed".into(),
                "--concurrency".into(),
                n.to_string(),
            ],
        }
    }
}

/// One throttled run: jobs spread over printers, a bucket, a variant.
#[derive(Debug, Clone)]
struct Run {
    jobs: usize,
    printers: usize,
    rate: u32,
    variant: Variant,
}

impl Run {
    fn layout(&self) -> String {
        if self.printers == 1 {
            "one_printer".to_string()
        } else {
            format!("{}_printers", self.printers)
        }
    }

    fn name(&self) -> String {
        format!(
            "throttle/{}/{}_jobs/{}_per_s/{}",
            self.layout(),
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
    /// request), every page of every printer's job listing (the service's default page size; a
    /// listing ends on a page without `@odata.nextLink`) and, across printers, the pages of
    /// the printer listing.
    fn must_accept(&self) -> u64 {
        let job_pages: usize = (0..self.printers)
            .map(|p| self.jobs_on(p).div_ceil(DEFAULT_PAGE_SIZE).max(1))
            .sum();
        let printer_pages = if self.printers == 1 {
            0
        } else {
            self.printers.div_ceil(DEFAULT_PAGE_SIZE).max(1)
        };
        (self.jobs + job_pages + printer_pages) as u64
    }
}

fn runs(smoke: bool) -> Vec<Run> {
    let run = |jobs, printers, rate, variant| Run {
        jobs,
        printers,
        rate,
        variant,
    };
    if smoke {
        return vec![
            run(1_000, 1, 200, Variant::Learned),
            run(1_000, 1, 200, Variant::Fixed(4)),
            run(1_000, 10, 200, Variant::Learned),
        ];
    }
    // In the order they matter most (a long matrix on a shared machine may be cut short).
    let all = [
        Variant::Learned,
        Variant::Fixed(4),
        Variant::Fixed(16),
        Variant::MsgraphSdk,
    ];
    let mut out = Vec::new();
    for rate in [200, 50] {
        for printers in [1, 50] {
            for variant in all {
                out.push(run(10_000, printers, rate, variant));
            }
        }
    }
    out
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

/// Where to find the programs the bench starts.
struct Programs {
    printjob: PathBuf,
    /// The Python with msgraph-sdk and the contender's script, when there is one.
    sdk: Result<(PathBuf, PathBuf), String>,
}

impl Programs {
    fn find() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let script = root.join("benches/peers/sdk_throttled.py");
        let python = std::env::var_os(PYTHON_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/peers-venv/bin/python"));
        let sdk = if python.exists() {
            Ok((python, script))
        } else {
            Err(format!(
                "no Python at {} (set {PYTHON_ENV}, or run benches/peers/run.sh once to make \
                 target/peers-venv)",
                python.display()
            ))
        };
        // The bench profile builds printjob without LTO (quicker to build) and its code pages
        // weigh about 2 MiB more than the shipped binary's: PRINTJOB_BENCH_PRINTJOB names
        // another build to run, e.g. the fat-LTO `target/release/printjob`.
        let printjob = std::env::var_os(PRINTJOB_ENV).map_or_else(
            || PathBuf::from(env!("CARGO_BIN_EXE_printjob")),
            PathBuf::from,
        );
        Self { printjob, sdk }
    }
}

async fn bench() -> Result<(), BenchError> {
    let smoke = std::env::var_os(SMOKE_ENV).is_some();
    let filter = Filter::from_args();
    let programs = Programs::find();
    println!(
        "printjob under a throttle: {} CPUs, load average {}, {LATENCY_MS} ms per request, {}{}",
        std::thread::available_parallelism().map_or(0, usize::from),
        load_average(),
        if Path::new(GNU_TIME).exists() {
            "peak RSS by GNU time"
        } else {
            "no /usr/bin/time: peak RSS not measured"
        },
        if smoke { " (smoke mode)" } else { "" }
    );
    println!("printjob binary: {}", programs.printjob.display());
    let mut lost_somewhere = Vec::new();
    let mut rows = Vec::new();
    let quiet_name = format!("quiet/one_printer/1000_jobs/{LATENCY_MS}_ms/learned_vs_fixed_4");
    if filter.wants(&quiet_name) {
        let (row, lost) = quiet(&programs.printjob, if smoke { 2 } else { 5 }).await?;
        rows.push(row);
        lost_somewhere.extend(lost);
    }
    for run in runs(smoke).into_iter().filter(|r| filter.wants(&r.name())) {
        if run.variant == Variant::MsgraphSdk {
            if let Err(why) = &programs.sdk {
                println!("{}\n  not measured: {why}", run.name());
                rows.push(run.row(None));
                continue;
            }
        }
        let outcome = one_run(&programs, &run).await?;
        outcome.print(&run);
        if outcome.lost > 0 && run.variant.is_printjob() {
            lost_somewhere.push(run.name());
        }
        rows.push(run.row(Some(&outcome)));
    }
    println!("\nload average at the end: {}", load_average());
    println!("rows for docs/benchmarks.md:\n{}", rows.join("\n"));
    if !lost_somewhere.is_empty() {
        return Err(format!("printjob lost jobs in {lost_somewhere:?}").into());
    }
    Ok(())
}

/// `/proc/loadavg`'s three figures ("?" where there is none).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

/// What one throttled run measured.
struct Outcome {
    wall: Duration,
    accepted: u64,
    throttled: u64,
    lost: usize,
    failed: bool,
    peak_kib: Option<u64>,
    /// What msgraph-sdk's script said it did (its JSON line).
    sdk_said: Option<String>,
}

impl Outcome {
    fn ratio(&self, run: &Run) -> f64 {
        let minimum = run.spec().minimum_time(run.must_accept());
        self.wall.as_secs_f64() / minimum.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// The ratio, said to be no measure of speed when jobs were left: the run stopped early.
    fn ratio_text(&self, run: &Run) -> String {
        let ratio = self.ratio(run);
        if self.lost > 0 {
            format!("{ratio:.2} × (stopped with jobs left)")
        } else {
            format!("{ratio:.2} ×")
        }
    }

    fn throttled_share(&self) -> f64 {
        let sent = self.accepted + self.throttled;
        100.0 * self.throttled as f64 / (sent.max(1)) as f64
    }

    fn print(&self, run: &Run) {
        let minimum = run.spec().minimum_time(run.must_accept());
        let ratio = self.ratio(run);
        let share = self.throttled_share();
        let sent = self.accepted + self.throttled;
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
        figure(
            "  wall ÷ minimum",
            format!(
                "{}   goal ≤ {GOAL_RATIO} × {}",
                self.ratio_text(run),
                if self.lost > 0 {
                    "(NOT met: jobs left)"
                } else {
                    verdict(ratio <= GOAL_RATIO)
                }
            ),
            "",
        );
        figure(
            "  requests throttled",
            format!(
                "{} of {sent} ({share:.1} %)   goal ≤ {GOAL_THROTTLED_PERCENT} % {}",
                self.throttled,
                verdict(share <= GOAL_THROTTLED_PERCENT)
            ),
            "",
        );
        figure("  requests accepted", self.accepted, "");
        figure(
            "  jobs lost",
            format!("{}   goal 0 {}", self.lost, verdict(self.lost == 0)),
            "",
        );
        if self.failed {
            figure("  the command", "exited with an error", "");
        }
        if let Some(said) = &self.sdk_said {
            figure("  the script's own tally", said, "");
        }
        match self.peak_kib {
            Some(kib) => {
                let mib = kib as f64 / 1024.0;
                let goal = if run.printers > 1 {
                    format!(
                        "   goal ≤ {GOAL_RSS_MIB} MiB {}",
                        verdict(mib <= GOAL_RSS_MIB)
                    )
                } else {
                    String::new()
                };
                figure("  peak RSS", format!("{mib:.1} MiB{goal}"), "")
            }
            None => figure("  peak RSS", "not measured", ""),
        }
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "(met)"
    } else {
        "(NOT met)"
    }
}

impl Run {
    /// The run's row of the table in docs/benchmarks.md.
    fn row(&self, outcome: Option<&Outcome>) -> String {
        let layout = if self.printers == 1 {
            "one printer".to_string()
        } else {
            format!("{} printers", self.printers)
        };
        let minimum = self.spec().minimum_time(self.must_accept()).as_secs_f64();
        let head = format!(
            "| {} jobs, {layout} | {}/s | {} |",
            self.jobs,
            self.rate,
            self.variant.label()
        );
        match outcome {
            None => format!("{head} not measured this run | {minimum:.1} s | | | | |"),
            Some(o) => format!(
                "{head} {:.1} s | {minimum:.1} s | {} | {} of {} ({:.1} %) | {} | {} |",
                o.wall.as_secs_f64(),
                o.ratio_text(self),
                o.throttled,
                o.accepted + o.throttled,
                o.throttled_share(),
                o.lost,
                o.peak_kib.map_or("not measured".into(), |k| format!(
                    "{:.1} MiB",
                    k as f64 / 1024.0
                ))
            ),
        }
    }
}

/// Adele's pending jobs on the lobby printer (one printer), or spread over exactly `printers`
/// numbered printers (the seed's own two printers and their shares removed, so the printer
/// listing holds the run's printers and nothing else).
fn seed(jobs: &[usize]) -> (Seed, Vec<String>) {
    let mut print = PrintSeed::default_for(CONTOSO_TENANT);
    print.jobs.clear();
    let printers: Vec<String> = if jobs.len() == 1 {
        vec![LOBBY_PRINTER.to_string()]
    } else {
        print.printers.clear();
        print.shares.clear();
        print = print.with_printers(CONTOSO_TENANT, jobs.len());
        (1..=jobs.len()).map(numbered_printer_id).collect()
    };
    for (printer, count) in printers.iter().zip(jobs) {
        print = print.with_jobs(printer, ADELE, *count, PrintJobProcessingState::Pending);
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
fn env(emulator: &Emulator, home: &Path) -> Vec<(&'static str, OsString)> {
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

/// `printjob login --device-code [--scope …]` as `user`, the emulator's robot completing the
/// device flow.
async fn login(
    printjob: &Path,
    emulator: &Emulator,
    home: &Path,
    user: &str,
    scopes: &[&str],
) -> Result<(), BenchError> {
    let mut child = tokio::process::Command::new(printjob)
        .args(["login", "--device-code"])
        .args(scopes.iter().flat_map(|s| ["--scope", s]))
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
        &RobotUser::new(user, DEFAULT_PASSWORD),
        Consent::Accept,
    )
    .await?;
    if !child.wait().await?.success() {
        return Err("printjob login failed".into());
    }
    Ok(())
}

/// `printjob token [--scope …]`: the signed-in user's access token, for the msgraph-sdk
/// contender (msal refuses the emulator's plain-http authority). Never printed.
async fn token(
    printjob: &Path,
    emulator: &Emulator,
    home: &Path,
    scopes: &[&str],
) -> Result<String, BenchError> {
    let output = tokio::process::Command::new(printjob)
        .arg("token")
        .args(scopes.iter().flat_map(|s| ["--scope", s]))
        .env_clear()
        .envs(env(emulator, home))
        .stdin(Stdio::null())
        .output()
        .await?;
    if !output.status.success() {
        return Err(format!("printjob token exited {}", output.status).into());
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// One measured process: its wall time, whether it succeeded, its stdout's last line, its peak
/// RSS (KiB).
struct Measured {
    wall: Duration,
    succeeded: bool,
    last_line: Option<String>,
    peak_kib: Option<u64>,
}

/// Runs `program args…` under GNU time (when there is one) with `envs` only.
async fn measure(
    program: &Path,
    args: &[OsString],
    envs: Vec<(&'static str, OsString)>,
    home: &Path,
) -> Result<Measured, BenchError> {
    let rss_file = home.join("rss");
    let timed = Path::new(GNU_TIME).exists();
    let mut command = if timed {
        let mut c = tokio::process::Command::new(GNU_TIME);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(program);
        c
    } else {
        tokio::process::Command::new(program)
    };
    command
        .args(args)
        .env_clear()
        .envs(envs)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
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
        eprintln!("  {} exited {}: {tail}", program.display(), output.status);
    }
    let last_line = String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .map(str::to_owned);
    Ok(Measured {
        wall,
        succeeded: output.status.success(),
        last_line,
        peak_kib,
    })
}

/// `print:canceled` now.
fn canceled(emulator: &Emulator) -> usize {
    emulator
        .counters()
        .get("print:canceled")
        .copied()
        .unwrap_or(0) as usize
}

/// A fresh emulator (throttled, seeded), a signed-in user, then the run's one command.
async fn one_run(programs: &Programs, run: &Run) -> Result<Outcome, BenchError> {
    let jobs: Vec<usize> = (0..run.printers).map(|p| run.jobs_on(p)).collect();
    let (seed, printers) = seed(&jobs);
    let emulator = Emulator::builder()
        .seed(seed)
        .throttle(run.spec())
        .device_code_interval(1)
        .start()
        .await?;
    let home = tempfile::tempdir()?;
    let printjob = &programs.printjob;
    // One printer: its jobs' owner clears her own queue. Every printer: a Printer Administrator
    // with the scopes `--all-printers` asks for.
    let (user, scopes): (&str, &[&str]) = if run.printers == 1 {
        (ADELE, &[])
    } else {
        (ADMIN, &ADMIN_SCOPES)
    };
    login(printjob, &emulator, home.path(), user, scopes).await?;
    let sdk_token = if run.variant == Variant::MsgraphSdk {
        Some(token(printjob, &emulator, home.path(), scopes).await?)
    } else {
        None
    };
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
    let target: Vec<OsString> = if run.printers == 1 {
        vec![printers[0].clone().into(), "--all".into()]
    } else {
        vec!["--all-printers".into()]
    };
    let measured = match (run.variant, sdk_token, &programs.sdk) {
        (Variant::MsgraphSdk, Some(token), Ok((python, script))) => {
            let mut args: Vec<OsString> = vec![script.into(), emulator.graph_url().into()];
            args.push(if run.printers == 1 {
                printers[0].clone().into()
            } else {
                "--all-printers".into()
            });
            let envs = vec![
                ("HOME", home.path().into()),
                ("PYTHONDONTWRITEBYTECODE", "1".into()),
                ("PRINTJOB_BENCH_TOKEN", token.into()),
            ];
            measure(python, &args, envs, home.path()).await?
        }
        (Variant::MsgraphSdk, _, _) => return Err("msgraph-sdk without a Python".into()),
        (variant, _, _) => {
            let mut args: Vec<OsString> = vec!["--json".into(), "cancel".into()];
            args.extend(target);
            args.push("--yes".into());
            args.extend(variant.printjob_args().into_iter().map(OsString::from));
            measure(printjob, &args, env(&emulator, home.path()), home.path()).await?
        }
    };
    let counters = emulator.throttle_counters().unwrap_or_default();
    Ok(Outcome {
        wall: measured.wall,
        accepted: counters.accepted,
        throttled: counters.throttled,
        lost: run.jobs.saturating_sub(canceled(&emulator)),
        failed: !measured.succeeded,
        peak_kib: measured.peak_kib,
        sdk_said: (run.variant == Variant::MsgraphSdk)
            .then_some(measured.last_line)
            .flatten(),
    })
}

/// The quiet service: 1,000 jobs on one printer at 50 ms and no throttle, `learned` and
/// `fixed_4` alternated (ABBA) over `pairs` pairs in one emulator (a printer of 1,000 jobs per
/// command), median wall times compared. Returns the docs' row and the names of runs that lost
/// jobs.
async fn quiet(printjob: &Path, pairs: usize) -> Result<(String, Vec<String>), BenchError> {
    const JOBS: usize = 1_000;
    let name = format!("quiet/one_printer/{JOBS}_jobs/{LATENCY_MS}_ms/learned_vs_fixed_4");
    let order: Vec<Variant> = (0..pairs)
        .flat_map(|p| {
            if p % 2 == 0 {
                [Variant::Learned, Variant::Fixed(4)]
            } else {
                [Variant::Fixed(4), Variant::Learned]
            }
        })
        .collect();
    let (seed, printers) = seed(&vec![JOBS; order.len()]);
    let emulator = Emulator::builder()
        .seed(seed)
        .device_code_interval(1)
        .start()
        .await?;
    let home = tempfile::tempdir()?;
    login(printjob, &emulator, home.path(), ADELE, &[]).await?;
    emulator.set_faults(FaultConfig {
        latency_ms: LATENCY_MS,
        ..FaultConfig::default()
    });
    let mut walls: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let mut peaks: [Option<u64>; 2] = [None, None];
    let mut lost = Vec::new();
    for (variant, printer) in order.iter().zip(&printers) {
        emulator.state().reset_counters();
        let mut args: Vec<OsString> = vec![
            "--json".into(),
            "cancel".into(),
            printer.into(),
            "--all".into(),
            "--yes".into(),
        ];
        args.extend(variant.printjob_args().into_iter().map(OsString::from));
        let measured = measure(printjob, &args, env(&emulator, home.path()), home.path()).await?;
        let slot = usize::from(*variant != Variant::Learned);
        walls[slot].push(measured.wall);
        peaks[slot] = peaks[slot].max(measured.peak_kib);
        if canceled(&emulator) != JOBS || !measured.succeeded {
            lost.push(format!("{name} ({})", variant.name()));
        }
    }
    let median = |v: &[Duration]| {
        let mut s = v.to_vec();
        s.sort_unstable();
        s[(s.len() - 1) / 2]
    };
    let [learned, fixed] = [median(&walls[0]), median(&walls[1])];
    let ratio = learned.as_secs_f64() / fixed.as_secs_f64().max(f64::MIN_POSITIVE);
    let spread = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mib = |k: Option<u64>| {
        k.map_or("not measured".into(), |k| {
            format!("{:.1} MiB", k as f64 / 1024.0)
        })
    };
    println!("{name} ({pairs} pairs, ABBA)");
    figure(
        "  learned, median",
        format!(
            "{:.0} ms (runs: {} ms)",
            learned.as_secs_f64() * 1000.0,
            spread(&walls[0])
        ),
        "",
    );
    figure(
        "  fixed_4, median",
        format!(
            "{:.0} ms (runs: {} ms)",
            fixed.as_secs_f64() * 1000.0,
            spread(&walls[1])
        ),
        "",
    );
    figure(
        "  learned ÷ fixed_4",
        format!(
            "{ratio:.2} ×   goal ≤ {GOAL_QUIET_RATIO} × {}",
            verdict(ratio <= GOAL_QUIET_RATIO)
        ),
        "",
    );
    figure(
        "  peak RSS learned / fixed_4",
        format!("{} / {}", mib(peaks[0]), mib(peaks[1])),
        "",
    );
    figure("  runs that lost jobs", lost.len(), "");
    let row = format!(
        "| {JOBS} jobs, one printer | none (quiet) | learned ÷ fixed 4 | {:.0} ms ÷ {:.0} ms | | {ratio:.2} × (goal ≤ {GOAL_QUIET_RATIO} ×) | | {} | {} / {} |",
        learned.as_secs_f64() * 1000.0,
        fixed.as_secs_f64() * 1000.0,
        if lost.is_empty() { "0".to_string() } else { format!("{} runs lost jobs", lost.len()) },
        mib(peaks[0]),
        mib(peaks[1]),
    );
    Ok((row, lost))
}
