//! `printjob printers`, `jobs`, `cancel`.

use super::factory::Factory;
use super::output::{advice, count, graph_text, print_json, print_table, Column, JsonSpool};
use super::progress::while_waiting;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use printjob::cancel::{self, CancelReport, CancelRequest, JobOutcome, JobReport};
use printjob::cancel::{AllPrintersRequest, PrinterSection, TenantProgress, TenantSummary, Totals};
use printjob::cancel::{JobSelection, Progress, WaitOptions};
use printjob::model::{PrintJob, PrintJobProcessingState, PrinterStatus};
use printjob::{check_target_name, resolve_target};
use printjob::{Error, ErrorKind, PrintJobId};
use printjob::{JobFilter, PrintClient, PrintTarget};
use std::io::IsTerminal;
use std::time::Duration;

/// `printjob printers`
#[derive(Debug, Args)]
pub struct PrintersArgs {
    /// List printer shares (what most users print to) instead of printers
    #[arg(long)]
    pub shares: bool,
}

/// `printjob jobs`
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Printer or share: its id (a GUID; a share's with --share) or its display name
    pub printer: String,
    /// Treat PRINTER as a printer share id (or look the name up among shares only)
    #[arg(long)]
    pub share: bool,
    /// Only jobs in this state (comma separated or repeated)
    #[arg(long = "state", value_name = "STATE", value_delimiter = ',', ignore_case = true, value_parser = state_values())]
    pub states: Vec<String>,
    /// Only your own jobs (with a .All permission, matched by your object id)
    #[arg(long, conflicts_with = "owner")]
    pub mine: bool,
    /// Only the jobs of this user principal name (needs a .All permission and the Global or
    /// Printer Administrator role)
    #[arg(long, value_name = "UPN")]
    pub owner: Option<String>,
}

/// `printjob cancel`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("every").args(["all", "all_printers"])))]
pub struct CancelArgs {
    /// Printer or share: its id (a GUID; a share's with --share) or its display name
    #[arg(required_unless_present = "all_printers")]
    pub printer: Option<String>,
    /// Job ids to cancel
    pub jobs: Vec<String>,
    /// Treat PRINTER as a printer share id (or look the name up among shares only)
    #[arg(long)]
    pub share: bool,
    /// Cancel every job of the printer that matches --state, --mine and --owner
    #[arg(long, conflicts_with = "jobs")]
    pub all: bool,
    /// Cancel the jobs that match --state and --owner on every printer of the tenant (Printer
    /// Administrators; needs Printer.Read.All and a .All PrintJob permission)
    #[arg(long, conflicts_with_all = ["printer", "jobs", "share", "all", "mine", "wait"])]
    pub all_printers: bool,
    // `requires = "all"` alone is not enough: clap waives a requirement on an argument that
    // conflicts with one present, and `--all` conflicts with JOB ids, so `cancel P 101 --owner x`
    // passed. Each selection flag therefore also conflicts with the ids itself.
    /// With --all: states to cancel (comma separated or repeated); default pending,processing,paused,stopped
    #[arg(
        long = "state",
        value_name = "STATE",
        value_delimiter = ',',
        ignore_case = true,
        value_parser = state_values(),
        requires = "every",
        conflicts_with = "jobs"
    )]
    pub states: Vec<String>,
    /// With --all: only your own jobs (with a .All permission, matched by your object id)
    #[arg(long, requires = "all", conflicts_with_all = ["owner", "jobs"])]
    pub mine: bool,
    /// With --all: only the jobs of this user principal name (a .All permission and the Global
    /// or Printer Administrator role, e.g. to clear a departed user's queue)
    #[arg(long, requires = "every", conflicts_with = "jobs", value_name = "UPN")]
    pub owner: Option<String>,
    /// Show what would be cancelled; send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Wait until each job reaches a final state (at most --wait-timeout seconds)
    #[arg(long)]
    pub wait: bool,
    /// With --wait: the most seconds to wait for all jobs together (1 to 86400)
    #[arg(long, default_value_t = 60, value_name = "SECONDS", requires = "wait",
          value_parser = clap::value_parser!(u64).range(1..=super::signin::MAX_WAIT_SECS))]
    pub wait_timeout: u64,
    /// At most how many cancel requests (or batches of 20) may be in flight at once (1-16)
    #[arg(long, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=16))]
    pub concurrency: u16,
    /// How the bulk cancel paces itself under throttling: learn (the rate the service accepts,
    /// --concurrency a ceiling) or fixed (--concurrency batches in flight, each waiting out its
    /// Retry-After; for comparison)
    #[arg(long, value_enum, default_value_t = PaceArg::Learn, value_name = "PACE")]
    pub pace: PaceArg,
    /// Do not ask for confirmation (required for --all when not on a terminal, and always for
    /// --all-printers)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `--pace`: how a bulk cancel paces itself ([`CancelRequest::learn_pace`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PaceArg {
    /// Learn the rate the service accepts and stay just under it (default).
    Learn,
    /// A fixed pressure of --concurrency batches in flight (the behaviour before the learned
    /// pace, for comparison).
    Fixed,
}

/// The job states `--state` takes (completions offer them).
fn state_values() -> clap::builder::PossibleValuesParser {
    // `unknown` and `unknownFutureValue` are what Graph sends, not states a person asks for.
    clap::builder::PossibleValuesParser::new(
        PrintJobProcessingState::MEMBERS
            .iter()
            .filter(|m| !m.starts_with("unknown")),
    )
}

/// Runs `printjob printers`.
pub async fn printers(factory: &Factory, args: PrintersArgs) -> Result<(), Error> {
    let global = factory.global();
    let client = factory.print_clients()?.client;
    if args.shares {
        let shares = while_waiting(global.json, "Listing printer shares…", client.shares())
            .await
            .map_err(|e| listing_advice(e, SHARES_ADVICE))?;
        if global.json {
            return print_json(&shares);
        }
        let rows = shares
            .iter()
            .map(|s| {
                vec![
                    s.base.id.clone(),
                    s.base.display_name.clone(),
                    state_name(s.base.status.as_ref()),
                ]
            })
            .collect::<Vec<_>>();
        print_table(
            &[
                Column::keep("SHARE ID"),
                Column::shorten("NAME"),
                Column::keep("STATE"),
            ],
            &rows,
        );
        return Ok(());
    }
    let printers = while_waiting(global.json, "Listing printers…", client.printers())
        .await
        .map_err(|e| listing_advice(e, PRINTERS_ADVICE))?;
    if global.json {
        return print_json(&printers);
    }
    let rows = printers
        .iter()
        .map(|p| {
            vec![
                p.base.id.clone(),
                p.base.display_name.clone(),
                state_name(p.base.status.as_ref()),
                if p.is_shared { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect::<Vec<_>>();
    print_table(
        &[
            Column::keep("PRINTER ID"),
            Column::shorten("NAME"),
            Column::keep("STATE"),
            Column::keep("SHARED"),
        ],
        &rows,
    );
    Ok(())
}

/// What to do when listing printers is refused for lack of permission or consent.
const PRINTERS_ADVICE: &str = "listing printers needs the delegated permission Printer.Read.All, \
which only an administrator can consent to (and only Printer Administrators see every printer). \
If you have it, run `printjob login --scope Printer.Read.All`; otherwise list the printer shares \
you print to with `printjob printers --shares` (after `printjob login --scope \
PrinterShare.ReadBasic.All`), or use the printer id your administrator gave you with \
`printjob jobs PRINTER`";

/// What to do when listing printer shares is refused for lack of permission or consent.
const SHARES_ADVICE: &str = "listing printer shares needs the delegated permission \
PrinterShare.ReadBasic.All; run `printjob login --scope PrinterShare.ReadBasic.All`, or use the \
share id your administrator gave you with `printjob jobs --share SHARE`";

/// Adds what to do to a sign-in (missing consent) or permission failure of a listing: what
/// happened in the library's words without its own remedy (`— sign in again asking…`, or the
/// remedy the CLI would word), then this listing's one remedy.
fn listing_advice(error: Error, advice: &str) -> Error {
    match error.kind() {
        kind @ (ErrorKind::SignIn | ErrorKind::Permission) => {
            let said = match &error {
                Error::Graph(graph) => graph_text(graph, false),
                other => without_remedy(&other.to_string()),
            };
            Error::other(
                kind,
                format!("{}; {advice}", super::output::trim_stop(&said)),
            )
        }
        _ => error,
    }
}

/// A provider message (`AADSTS65001: … has not consented to X — what to do (correlation id
/// …)`) without its `— what to do` part, keeping the ids support asks for.
fn without_remedy(text: &str) -> String {
    let Some((said, rest)) = text.split_once(" — ") else {
        return text.to_owned();
    };
    match rest.rfind(" (") {
        Some(ids) if rest.ends_with(')') && rest[ids..].contains(" id ") => {
            format!("{said}{}", &rest[ids..])
        }
        _ => said.to_owned(),
    }
}

/// The printer or share `printer` names, with a spinner while names are looked up; the lookup
/// uses the token the user already has and never starts a sign-in.
async fn resolve(
    json: bool,
    lookup: &PrintClient,
    printer: &str,
    share: bool,
) -> Result<PrintTarget, Error> {
    let found = resolve_target(lookup, printer, share);
    while_waiting(json, "Looking up the printer or share…", found).await
}

/// Runs `printjob jobs`.
pub async fn jobs(factory: &Factory, args: JobsArgs) -> Result<(), Error> {
    let global = factory.global();
    check_target_name(&args.printer)?;
    let states = parse_states(&args.states)?;
    let clients = factory.print_clients()?;
    let client = clients.client;
    let target = resolve(global.json, &clients.lookup, &args.printer, args.share).await?;
    let message = format!("Listing the jobs of {target}…");
    let listing = cancel::list_jobs(&client, &target, &states, args.mine, args.owner.as_deref());
    let selected = while_waiting(global.json, &message, listing).await?;
    if let Some(note) = &selected.note {
        eprintln!("note: {note}");
    }
    let jobs = selected.jobs;
    if global.json {
        return print_json(&jobs);
    }
    print_table(
        &[
            Column::keep("JOB ID"),
            Column::keep("STATE"),
            Column::keep("OWNER"),
            Column::keep("CREATED"),
        ],
        &jobs.iter().map(job_row).collect::<Vec<_>>(),
    );
    Ok(())
}

/// Runs `printjob cancel`.
pub async fn cancel(factory: &Factory, args: CancelArgs) -> Result<(), Error> {
    if args.all_printers {
        return cancel_all_printers(factory, args).await;
    }
    let global = factory.global();
    let printer = args.printer.clone().unwrap_or_default();
    check_target_name(&printer)?;
    let jobs = job_ids(&args)?;
    if args.all && !args.yes && !args.dry_run && !std::io::stdin().is_terminal() {
        return Err(usage(
            "--all cancels every matching job; add --yes to confirm when not running on a terminal (or try --dry-run first)",
        ));
    }
    let clients = factory.print_clients()?;
    let client = clients.client;
    let target = resolve(global.json, &clients.lookup, &printer, args.share).await?;
    let mut request = cancel_request(&args, target, jobs)?;
    // The jobs the preview's states left out: the confirmed run names its jobs by id, so it
    // cannot count them itself.
    let mut left_out = None;
    if args.all && !args.yes && !args.dry_run {
        match confirm_all(&client, &request, global.json).await? {
            Some((confirmed, preview_left_out)) => {
                request = confirmed;
                left_out = Some(preview_left_out);
            }
            None => return Err(Error::other(ErrorKind::Usage, "nothing was canceled")),
        }
    }
    // From here the first Ctrl-C stops the cancel and the report still prints (exit 130).
    let (stop, bulk) = super::interrupt::bulk_cancel();
    let request = request.stop_on(stop);
    let report = run_with_progress(&client, &request, global.json).await;
    drop(bulk);
    let mut report = report?;
    if let Some(left_out) = left_out.filter(|_| report.left_out.is_empty()) {
        report.left_out = left_out;
    }
    if global.json {
        print_json(&report)?;
    } else {
        print_report(&report);
    }
    if report.interrupted {
        // `super::main` says it was interrupted and exits 130.
        return Ok(());
    }
    match error_kind(&report) {
        None => Ok(()),
        Some(kind) if global.json => Err(Error::other(kind, summary(&report))),
        Some(kind) => Err(Error::other(
            kind,
            "not every job was canceled; the DETAIL column above says why and what to do",
        )),
    }
}

/// Runs `printjob cancel --all-printers`: the access is checked with the silent-only client
/// (no sign-in starts by itself), then every printer's selected jobs are cancelled.
async fn cancel_all_printers(factory: &Factory, args: CancelArgs) -> Result<(), Error> {
    let global = factory.global();
    if !args.yes && !args.dry_run {
        return Err(usage(
            "--all-printers cancels the matching jobs on every printer of the tenant; add --yes to confirm (try --dry-run first)",
        ));
    }
    let mut states = parse_states(&args.states)?;
    if states.is_empty() {
        states = JobFilter::default_cancel_states();
    }
    let request = AllPrintersRequest {
        states,
        owner: args.owner.clone(),
        concurrency: usize::from(args.concurrency),
        learn_pace: args.pace == PaceArg::Learn,
        dry_run: args.dry_run,
        ..AllPrintersRequest::default()
    };
    let clients = factory.print_clients()?;
    cancel::check_all_printers_access(&clients.lookup).await?;
    // From here the first Ctrl-C stops the run and the report still prints (exit 130).
    let (stop, bulk) = super::interrupt::bulk_cancel();
    let request = AllPrintersRequest {
        stop: Some(stop),
        ..request
    };
    // Each printer's section is written out (JSON: spooled) as soon as it is complete and then
    // dropped: the run holds one printer's results at a time (issue 22 item 4).
    let mut spool = global.json.then(JsonSpool::new);
    let dry_run = request.dry_run;
    let mut on_section = |section: PrinterSection| match &mut spool {
        Some(spool) => spool.push(&section),
        None => print_section(&section, dry_run),
    };
    let summary =
        run_all_printers_with_progress(&clients.client, &request, global.json, &mut on_section)
            .await;
    drop(bulk);
    let summary = summary?;
    match spool {
        Some(spool) => spool.print_in(&summary.clone().into_report(Vec::new()), "printers")?,
        None => print_tenant_total(&summary),
    }
    if summary.interrupted {
        // `super::main` says it was interrupted and exits 130.
        return Ok(());
    }
    match summary.error_kind() {
        None => Ok(()),
        Some(_) if summary.dry_run && summary.printers_refused == 0 => Ok(()),
        Some(kind) => Err(Error::other(
            kind,
            "not every job was canceled on every printer; the sections above say why",
        )),
    }
}

/// Runs [`cancel::run_all_printers_each`] with a progress bar on stderr when it is a terminal:
/// the printer being worked on and the jobs done across printers. `on_section` runs with the
/// bar out of the way.
async fn run_all_printers_with_progress(
    client: &PrintClient,
    request: &AllPrintersRequest,
    json: bool,
    on_section: &mut (dyn FnMut(PrinterSection) + Send),
) -> Result<TenantSummary, Error> {
    let show = super::progress::enabled(json);
    let bar = jobs_bar(show, "{spinner} {pos}/{len} jobs {msg}");
    if show {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.set_length(0);
    }
    let printers = std::sync::atomic::AtomicUsize::new(0);
    let on_progress = |event: TenantProgress<'_>| match event {
        TenantProgress::Printers { total } => {
            printers.store(total, std::sync::atomic::Ordering::Relaxed);
        }
        TenantProgress::Printer {
            index,
            display_name,
            ..
        } => bar.set_message(format!(
            "printer {}/{} {display_name}",
            index + 1,
            printers.load(std::sync::atomic::Ordering::Relaxed)
        )),
        TenantProgress::Jobs(Progress::Resolved { total }) => bar.inc_length(total as u64),
        TenantProgress::Jobs(Progress::Finished(_)) => bar.inc(1),
    };
    let mut each = |section: PrinterSection| bar.suspend(|| on_section(section));
    let summary = cancel::run_all_printers_each(client, request, &on_progress, &mut each).await;
    bar.finish_and_clear();
    summary
}

/// One printer's section for people: its jobs, its totals, or why its jobs could not be listed.
fn print_section(section: &PrinterSection, dry_run: bool) {
    let name = if section.display_name.is_empty() {
        section.printer_id.to_string()
    } else {
        format!("{} ({})", section.display_name, section.printer_id)
    };
    println!("Printer {name}");
    if let Some(error) = &section.error {
        let remedy = error.remedy().as_ref().and_then(advice);
        println!("  jobs not listed: {}", graph_text(error, remedy.is_none()));
        if let Some(remedy) = remedy {
            println!("  {remedy}");
        }
        return;
    }
    let rows: Vec<Vec<String>> = section
        .results
        .iter()
        .map(|r| vec![r.job_id.to_string(), outcome_words(&r.outcome), detail(r)])
        .collect();
    print_results(&rows);
    println!("  {}", totals_words(&section.totals, dry_run));
    for (state, n) in section.left_out.iter().filter(|(_, n)| **n > 0) {
        println!("  {} {state} left as is", count(*n, "job", "jobs"));
    }
}

/// The grand total after the sections.
fn print_tenant_total(summary: &TenantSummary) {
    let printers = count(summary.printers, "printer", "printers");
    let refused = match summary.printers_refused {
        0 => String::new(),
        n => format!(" ({} not listed)", count(n, "printer", "printers")),
    };
    let interrupted = if summary.interrupted {
        "interrupted (Ctrl-C), printers after the last section not taken; "
    } else {
        ""
    };
    println!(
        "{interrupted}Total on {printers}{refused}: {}",
        totals_words(&summary.totals, summary.dry_run)
    );
}

/// A printer's or the grand totals in words.
fn totals_words(t: &Totals, dry_run: bool) -> String {
    if dry_run {
        return format!(
            "{} would be canceled; nothing was sent",
            count(t.would_cancel, "job", "jobs")
        );
    }
    format!(
        "{}: {}",
        count(t.requested, "job", "jobs"),
        outcome_counts_in_words(t)
    )
}

/// "N canceled" and each other outcome that happened, in words ("3 canceled, 1 not found").
fn outcome_counts_in_words(t: &Totals) -> String {
    let mut parts = vec![format!("{} canceled", t.canceled)];
    for (n, what) in [
        (t.already_finished, "already finished"),
        (t.not_found, "not found"),
        (t.forbidden, "forbidden"),
        (t.failed, "failed"),
        (t.wait_timed_out, "not final by the wait deadline"),
        (t.unknown, "no answer (may or may not be canceled)"),
        (t.not_sent, "not sent"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.join(", ")
}

/// How the command ends: a dry run that could read every target succeeds (a job already
/// finished is simply one it would leave alone); otherwise the report's own verdict.
fn error_kind(report: &CancelReport) -> Option<ErrorKind> {
    if report.dry_run {
        let unreadable = report.results.iter().any(|r| {
            matches!(
                r.outcome,
                JobOutcome::NotFound { .. }
                    | JobOutcome::Forbidden { .. }
                    | JobOutcome::Failed { .. }
            )
        });
        return if unreadable {
            report.error_kind()
        } else {
            None
        };
    }
    report.error_kind()
}

/// The job ids named on the command line (none with --all), checked before any request.
fn job_ids(args: &CancelArgs) -> Result<Vec<PrintJobId>, Error> {
    if args.all {
        return Ok(Vec::new());
    }
    if args.jobs.is_empty() {
        return Err(usage(
            "name the jobs to cancel (printjob cancel PRINTER JOB…) or use --all",
        ));
    }
    Ok(args
        .jobs
        .iter()
        .map(PrintJobId::new)
        .collect::<Result<Vec<_>, _>>()?)
}

fn cancel_request(
    args: &CancelArgs,
    target: PrintTarget,
    ids: Vec<PrintJobId>,
) -> Result<CancelRequest, Error> {
    let mut request = if args.all {
        let mut states = parse_states(&args.states)?;
        if states.is_empty() {
            states = JobFilter::default_cancel_states();
        }
        let mut request = CancelRequest::all(target);
        request.selection = JobSelection::All {
            states,
            mine: args.mine,
            owner: args.owner.clone(),
        };
        request
    } else {
        CancelRequest::jobs(target, ids)
    };
    request.dry_run = args.dry_run;
    request.concurrency = usize::from(args.concurrency);
    request.learn_pace = args.pace == PaceArg::Learn;
    request.wait = args.wait.then(|| WaitOptions {
        deadline: Duration::from_secs(args.wait_timeout),
        ..WaitOptions::default()
    });
    Ok(request)
}

fn parse_states(names: &[String]) -> Result<Vec<PrintJobProcessingState>, Error> {
    names
        .iter()
        .map(|name| {
            let state = PrintJobProcessingState::MEMBERS
                .iter()
                .find(|m| m.eq_ignore_ascii_case(name.trim()))
                .map(|m| PrintJobProcessingState::from_wire(m));
            state.ok_or_else(|| {
                usage(&format!(
                    "unknown job state {name:?}; use one of pending, processing, paused, stopped, completed, canceled, aborted"
                ))
            })
        })
        .collect()
}

/// Lists what `--all` would cancel and asks on the terminal; `Some(request for those ids)`
/// when the user agrees.
async fn confirm_all(
    client: &PrintClient,
    request: &CancelRequest,
    json: bool,
) -> Result<Option<(CancelRequest, std::collections::BTreeMap<String, usize>)>, Error> {
    let mut preview = request.clone();
    preview.dry_run = true;
    let message = format!("Listing the jobs of {}…", request.target);
    let listed = while_waiting(json, &message, cancel::run(client, &preview, &|_| {})).await?;
    let ids: Vec<PrintJobId> = listed.results.iter().map(|r| r.job_id.clone()).collect();
    if ids.is_empty() {
        return Ok(Some((preview, listed.left_out)));
    }
    let question = format!(
        "Cancel {} on {}? [y/N] ",
        count(ids.len(), "job", "jobs"),
        request.target
    );
    let answer = tokio::task::spawn_blocking(move || {
        eprint!("{question}");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| Error::other(ErrorKind::Internal, format!("cannot read the answer: {e}")))?
    .map_err(|e| Error::other(ErrorKind::Internal, format!("cannot read the answer: {e}")))?;
    if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        return Ok(None);
    }
    let mut confirmed = request.clone();
    confirmed.selection = JobSelection::Ids(ids);
    confirmed.pre_check = false;
    Ok(Some((confirmed, listed.left_out)))
}

/// A hidden progress bar, styled with `template` when it will be `shown`; the caller picks
/// when it starts drawing.
fn jobs_bar(shown: bool, template: &str) -> ProgressBar {
    let bar = ProgressBar::hidden();
    if shown {
        bar.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }
    bar
}

/// Runs the workflow with a progress bar on stderr when it is a terminal.
async fn run_with_progress(
    client: &PrintClient,
    request: &CancelRequest,
    json: bool,
) -> Result<CancelReport, Error> {
    let show = super::progress::enabled(json);
    let bar = jobs_bar(show, "{spinner} {bar:30} {pos}/{len} jobs {msg}");
    let on_progress = |event: Progress<'_>| match event {
        Progress::Resolved { total } if show && total > 1 => {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total as u64);
            super::progress::show_waits_on(&bar, "");
        }
        Progress::Finished(_) => bar.inc(1),
        _ => {}
    };
    let run = cancel::run(client, request, &on_progress);
    let stopping = async {
        if let Some(stop) = &request.stop {
            stop.stopped().await;
            let message = format!(
                "stopping: waiting up to {} s for answers already sent…",
                request.grace.as_secs()
            );
            if show && !bar.is_hidden() {
                // Without the bar's graphic, so that the line fits 80 columns.
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {pos}/{len} jobs {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_message(message);
            } else if super::progress::enabled(false) {
                // On its own line, after the `^C` the terminal echoed.
                eprintln!("\n{message}");
            }
        }
        // Only the run ends the wait.
        std::future::pending::<Result<CancelReport, Error>>().await
    };
    let report = tokio::select! {
        report = run => report,
        report = stopping => report,
    };
    super::progress::stop_showing_waits_on(&bar);
    bar.finish_and_clear();
    report
}

fn print_report(report: &CancelReport) {
    let rows: Vec<Vec<String>> = report
        .results
        .iter()
        .map(|r| {
            let detail = match &r.outcome {
                JobOutcome::Unknown { .. } => format!(
                    "may or may not be canceled; check with `{}`",
                    jobs_command(&report.target)
                ),
                _ => detail(r),
            };
            vec![r.job_id.to_string(), outcome_words(&r.outcome), detail]
        })
        .collect();
    print_results(&rows);
    println!("{}", summary(report));
    for line in report.describe_left_out() {
        println!("{line}");
    }
    if let Some(note) = &report.note {
        eprintln!("note: {note}");
    }
}

/// The command that lists the target's jobs.
fn jobs_command(target: &PrintTarget) -> String {
    match target {
        PrintTarget::Printer(id) => format!("printjob jobs {id}"),
        PrintTarget::Share(id) => format!("printjob jobs {id} --share"),
    }
}

/// The per-job table of a report (job id, outcome, detail), when there are jobs.
fn print_results(rows: &[Vec<String>]) {
    if !rows.is_empty() {
        print_table(
            &[
                Column::keep("JOB ID"),
                Column::keep("OUTCOME"),
                Column::shorten("DETAIL"),
            ],
            rows,
        );
    }
}

/// An outcome in plain words: `canceled`, `already finished`, `would cancel`, …
pub fn outcome_words(outcome: &JobOutcome) -> String {
    match outcome {
        JobOutcome::Canceled => "canceled",
        JobOutcome::AlreadyFinished { .. } => "already finished",
        JobOutcome::NotFound { .. } => "not found",
        JobOutcome::Forbidden { .. } => "forbidden",
        JobOutcome::Failed { .. } => "failed",
        JobOutcome::WouldCancel { .. } => "would cancel",
        JobOutcome::Unknown { .. } => "no answer",
        JobOutcome::NotSent => "not sent",
    }
    .to_owned()
}

/// What the OUTCOME column does not already say: the state, the service's error with one
/// remedy, the wait's result. Empty for a plain `canceled`.
pub fn detail(report: &JobReport) -> String {
    let remedy = report.remedy().as_ref().and_then(advice);
    let mut text = match &report.outcome {
        JobOutcome::Canceled => String::new(),
        JobOutcome::AlreadyFinished { state } => format!("the job was already {state}"),
        JobOutcome::NotFound { error } | JobOutcome::Failed { error } => {
            graph_text(error, remedy.is_none())
        }
        JobOutcome::Forbidden { reason, error } => {
            let ids = super::output::support_ids(error);
            format!("{} ({} {})", reason, error.code, ids.join(", "))
        }
        JobOutcome::WouldCancel { state: Some(state) } => format!("the job is {state}"),
        JobOutcome::Unknown { .. } => "may or may not be canceled".to_string(),
        JobOutcome::NotSent => "interrupted before its cancel was sent".to_string(),
        _ => String::new(),
    };
    if let Some(remedy) = remedy {
        text = format!("{}; {remedy}", super::output::trim_stop(&text));
    }
    if report.wait_timed_out {
        let last = report
            .final_state
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown".into());
        let wait = format!("still {last} when the wait deadline passed");
        text = if text.is_empty() {
            wait
        } else {
            format!("{text}; {wait}")
        };
    }
    text
}

fn summary(report: &CancelReport) -> String {
    let t = &report.totals;
    if report.dry_run {
        let mut text = format!(
            "dry run on {}: {} would be canceled",
            report.target,
            count(t.would_cancel, "job", "jobs")
        );
        if t.already_finished > 0 {
            text.push_str(&format!(
                ", {} already finished and would be left as is",
                count(t.already_finished, "job", "jobs")
            ));
        }
        text.push_str("; nothing was sent");
        return text;
    }
    let interrupted = if report.interrupted {
        "interrupted (Ctrl-C): "
    } else {
        ""
    };
    format!(
        "{interrupted}{} on {}: {}",
        count(t.requested, "job", "jobs"),
        report.target,
        outcome_counts_in_words(t)
    )
}

fn job_row(job: &PrintJob) -> Vec<String> {
    let owner = job
        .created_by
        .as_ref()
        .and_then(|c| {
            c.user_principal_name
                .clone()
                .or_else(|| c.display_name.clone())
        })
        .unwrap_or_default();
    let created = job
        .created_date_time
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    vec![job.id.clone(), job.status.state.to_string(), owner, created]
}

/// A printer's or share's state, empty when the listing left it out (the limited share
/// listing of users who are not Printer Administrators).
fn state_name(status: Option<&PrinterStatus>) -> String {
    status.map(|s| s.state.to_string()).unwrap_or_default()
}

/// "1 job", "3 jobs".
fn usage(message: &str) -> Error {
    Error::other(ErrorKind::Usage, message)
}
