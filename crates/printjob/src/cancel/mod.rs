//! The cancel workflow: resolve which jobs, cancel them with bounded concurrency (through
//! `$batch` when there are several), optionally wait until each reaches a final state, and
//! report what happened to every job in a [`CancelReport`].
//!
//! Cancel first: a single cancel is one request. A job is read only when its cancel fails, to
//! say why (already finished, not found, someone else's), or for `--dry-run`. A share is
//! resolved to its printer once per run (cancel is documented on the printers path only).
//!
//! A run can be told to stop ([`CancelRequest::stop_on`], the command line's Ctrl-C): it then
//! sends no new request (no next chunk, no next listing page, no retry, no `--wait` poll),
//! waits at most [`CancelRequest::grace`] for the answers already in flight, and reports every
//! job it knows of: `canceled` only where the service confirmed it, `unknown` where a cancel
//! was sent and its answer never came, `notSent` where none was sent
//! ([`CancelReport::interrupted`]).
//!
//! ```no_run
//! # async fn demo(client: printjob::PrintClient) -> Result<(), printjob::Error> {
//! use printjob::cancel::{run, CancelRequest};
//! use printjob::PrintTarget;
//! use printjob::{PrintJobId, PrinterId};
//!
//! let printer = PrintTarget::Printer(PrinterId::new("2f3453b7-4686-4b5b-9575-4f1e5b909ba7")?);
//! let request = CancelRequest::jobs(printer, vec![PrintJobId::new("31")?]);
//! let report = run(&client, &request, &|_| {}).await?;
//! assert_eq!(report.totals.canceled, 1);
//! # Ok(()) }
//! ```

pub(crate) mod api;
mod batch;
mod outcome;
mod pace;
mod report;
mod requeue;
mod select;
mod tenant;

pub use crate::stop::{StopSignal, Stopper};
pub use report::{CancelReport, JobOutcome, JobReport, Totals, SCHEMA_VERSION};
pub use select::{list_jobs, SelectedJobs, SelectionNote};
pub use tenant::{
    check_all_printers_access, AllPrintersRequest, PrinterSection, TenantReport, TenantSummary,
    TENANT_SCHEMA_VERSION,
};

use crate::error::Error;
use crate::graph::batch::MAX_BATCH;
use crate::graph::model::{PrintJob, PrintJobProcessingState};
use crate::graph::{GraphError, JobFilter, PrintClient, PrintTarget};
use crate::ids::{PrintJobId, PrinterId};
use crate::stop::Interrupt;
use batch::{send_batch, send_batch_parking};
use futures::stream::{self, BoxStream, Stream, StreamExt};
use outcome::{outcome_of, Tried};
use pace::{Answered, Pace};
use requeue::{Requeue, Throttled};
use select::Selector;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

/// Which jobs to cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobSelection {
    /// These jobs (duplicates are cancelled and reported once).
    Ids(Vec<PrintJobId>),
    /// Every job of the target in one of `states` (default pending, processing, paused,
    /// stopped), only the signed-in user's own when `mine`, only `owner`'s when set (the rules:
    /// [`list_jobs`]). The jobs the states leave out are counted in the report
    /// ([`CancelReport::left_out`]).
    All {
        /// The states to cancel.
        states: Vec<PrintJobProcessingState>,
        /// Only jobs the signed-in user created: every listed job when the permission shows
        /// only your own, else matched by object id (or the ID token's `upn` where the service
        /// lists jobs without `createdBy.id`).
        mine: bool,
        /// Only jobs this user principal name created (`--owner`, for Printer Administrators;
        /// sent as the documented `createdBy/userPrincipalName` filter). Refused before any
        /// request when the permission shows only your own jobs.
        owner: Option<String>,
    },
}

/// How long and how often `--wait` polls a cancelled job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// Stop waiting after this long (all jobs together). Default 60 s.
    pub deadline: Duration,
    /// Time between polls of one job. Default 1 s.
    pub interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(60),
            interval: Duration::from_secs(1),
        }
    }
}

/// What to cancel and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRequest {
    /// The printer or share.
    pub target: PrintTarget,
    /// Which jobs.
    pub selection: JobSelection,
    /// Read each explicitly named job's state before cancelling; finished jobs are reported,
    /// not sent. Default false (cancel first: one request per job; a failed cancel is
    /// explained by reading the job). A dry run always reads them.
    pub pre_check: bool,
    /// Requests (or batches) in flight at once: a ceiling (the learned pace may send fewer).
    /// Default 4.
    pub concurrency: usize,
    /// Use `$batch` when there are several jobs. Default true.
    pub use_batch: bool,
    /// Learn the pace the service accepts and stay just under it once it throttles, re-batching
    /// throttled jobs after their `Retry-After` (docs/reliability.md, "The bulk cancel's pace").
    /// `false`: a fixed pressure of `concurrency` chunks in flight, each throttled chunk waiting
    /// out its `Retry-After` in its slot (the behaviour before issue 22, kept as the
    /// benchmarks' baseline). Default true.
    pub learn_pace: bool,
    /// Wait until each cancelled job reaches a final state.
    pub wait: Option<WaitOptions>,
    /// Resolve and pre-check only; send no cancel.
    pub dry_run: bool,
    /// Tells the run to stop (see the module documentation). Default none.
    pub stop: Option<StopSignal>,
    /// After a stop, how long the answers already in flight are awaited before their jobs are
    /// reported `unknown`. Default [`DEFAULT_GRACE`] (10 s).
    pub grace: Duration,
}

/// How long a stopped run waits for the answers already in flight: 10 s.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);

impl CancelRequest {
    /// Cancel these jobs.
    pub fn jobs(target: PrintTarget, jobs: Vec<PrintJobId>) -> Self {
        Self::new(target, JobSelection::Ids(jobs))
    }

    /// Cancel every pending, processing, paused or stopped job of the target
    /// ([`JobFilter::default_cancel_states`]).
    pub fn all(target: PrintTarget) -> Self {
        Self::new(
            target,
            JobSelection::All {
                states: JobFilter::default_cancel_states(),
                mine: false,
                owner: None,
            },
        )
    }

    fn new(target: PrintTarget, selection: JobSelection) -> Self {
        Self {
            target,
            selection,
            pre_check: false,
            concurrency: 4,
            use_batch: true,
            learn_pace: true,
            wait: None,
            dry_run: false,
            stop: None,
            grace: DEFAULT_GRACE,
        }
    }

    /// The request, stopped by `signal`: once it stops, no new request is sent, the answers
    /// in flight are awaited for [`CancelRequest::grace`], and the report is returned with
    /// [`CancelReport::interrupted`] set.
    pub fn stop_on(mut self, signal: StopSignal) -> Self {
        self.stop = Some(signal);
        self
    }

    /// The request, waiting `grace` for the answers in flight after a stop.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    fn is_stopped(&self) -> bool {
        self.stop.as_ref().is_some_and(StopSignal::is_stopped)
    }
}

/// Progress of a run, for a progress bar.
#[derive(Debug)]
pub enum Progress<'a> {
    /// The jobs to act on are known.
    Resolved {
        /// How many jobs will be reported.
        total: usize,
    },
    /// One job's outcome is known (reported once per job).
    Finished(&'a JobReport),
}

/// The progress callback type: called from the task running [`run`].
pub type ProgressFn<'a> = dyn Fn(Progress<'_>) + Send + Sync + 'a;

/// A job still to be acted on, with its state when known.
#[derive(Debug, Clone)]
struct Candidate {
    index: usize,
    id: PrintJobId,
    state: Option<PrintJobProcessingState>,
}

/// Collects outcomes by request order and reports each once.
struct Outcomes<'p, 'f> {
    done: report::ResultSlots,
    /// Jobs an `--all` listing returned that the state selection left out, by state.
    left_out: LeftOut,
    progress: &'p ProgressFn<'f>,
}

/// Jobs left out by state: state name → count.
type LeftOut = BTreeMap<String, usize>;

fn add_left_out(into: &mut LeftOut, from: LeftOut) {
    for (state, n) in from {
        *into.entry(state).or_default() += n;
    }
}

impl Outcomes<'_, '_> {
    fn record(&mut self, index: usize, report: JobReport) {
        if self.done.contains_key(&index) {
            return;
        }
        (self.progress)(Progress::Finished(&report));
        self.done.insert(index, report);
    }
}

/// Runs the workflow and reports every job. `Err` when the jobs could not be resolved (the
/// listing failed, `--mine` cannot tell who is signed in) or when the token source failed
/// (sign-in needed, app-only token); Graph failures of single jobs are in the report.
pub async fn run(
    client: &PrintClient,
    request: &CancelRequest,
    progress: &ProgressFn<'_>,
) -> Result<CancelReport, Error> {
    run_paced(
        client,
        request,
        progress,
        &mut Pace::learning(request.learn_pace),
    )
    .await
}

/// [`run`] with the pace of the run (one pace across the printers of [`run_all_printers`]: the
/// service's throttle counts the tenant's requests, not one printer's).
async fn run_paced(
    client: &PrintClient,
    request: &CancelRequest,
    progress: &ProgressFn<'_>,
    pace: &mut Pace,
) -> Result<CancelReport, Error> {
    let mut outcomes = Outcomes {
        done: report::ResultSlots::default(),
        left_out: LeftOut::new(),
        progress,
    };
    let selector = all_selector(client, request).await?;
    let note = selector.as_ref().and_then(Selector::note_when_empty);
    if let (Some(selector), false) = (&selector, request.dry_run) {
        let pages = listed_pages(
            selector.pages(client, &request.target)?,
            selected_states(request),
        );
        cancel_pool(client, request, pages, true, &mut outcomes, pace).await?;
        return finish(client, request, outcomes)
            .await
            .map(|r| noted(r, note));
    }
    let (candidates, left_out) = resolve(client, request, selector.as_ref()).await?;
    outcomes.left_out = left_out;
    progress(Progress::Resolved {
        total: candidates.len(),
    });
    let read_first = request.pre_check || request.dry_run;
    let candidates = if read_first && matches!(request.selection, JobSelection::Ids(_)) {
        pre_check(client, request, candidates, &mut outcomes).await?
    } else {
        candidates
    };
    if request.dry_run {
        for c in candidates {
            outcomes.record(
                c.index,
                JobReport::new(c.id, JobOutcome::WouldCancel { state: c.state }),
            );
        }
    } else {
        let one_page = stream::iter([Ok(Listed {
            candidates,
            left_out: LeftOut::new(),
        })])
        .boxed();
        cancel_pool(client, request, one_page, false, &mut outcomes, pace).await?;
    }
    finish(client, request, outcomes)
        .await
        .map(|r| noted(r, note))
}

impl CancelRequest {
    /// Every job in the default states on every printer of the tenant, `owner`'s only when
    /// given ([`run_all_printers`]).
    pub fn all_printers(owner: Option<String>) -> AllPrintersRequest {
        AllPrintersRequest {
            owner,
            ..AllPrintersRequest::default()
        }
    }
}

/// Progress of an all-printers run.
#[derive(Debug)]
pub enum TenantProgress<'a> {
    /// The printers are listed.
    Printers {
        /// How many.
        total: usize,
    },
    /// The jobs of this printer (0-based `index` of `total`) are being listed and cancelled.
    Printer {
        /// Its place in the listing.
        index: usize,
        /// The printer.
        printer_id: &'a PrinterId,
        /// Its display name.
        display_name: &'a str,
    },
    /// Progress within the current printer.
    Jobs(Progress<'a>),
}

/// The progress callback type of [`run_all_printers`].
pub type TenantProgressFn<'a> = dyn Fn(TenantProgress<'_>) + Send + Sync + 'a;

/// Cancels the selected jobs on every printer the signed-in user can list, and reports them
/// grouped by printer. `Err` before any Graph request when the token lacks the permissions
/// ([`check_all_printers_access`]), when the printers cannot be listed, or when the token
/// source fails; a printer whose jobs cannot be listed gets a section with Graph's error.
pub async fn run_all_printers(
    client: &PrintClient,
    request: &AllPrintersRequest,
    progress: &TenantProgressFn<'_>,
) -> Result<TenantReport, Error> {
    let mut sections = Vec::new();
    let summary =
        run_all_printers_each(client, request, progress, &mut |s| sections.push(s)).await?;
    Ok(summary.into_report(sections))
}

/// [`run_all_printers`], handing each printer's section to `on_section` as soon as it is
/// complete, in listing order, instead of keeping it: a run over a whole tenant holds one
/// printer's results at a time (the command line writes each section out; issue 22 item 4).
/// Returns the totals and verdict of the sections handed out.
pub async fn run_all_printers_each(
    client: &PrintClient,
    request: &AllPrintersRequest,
    progress: &TenantProgressFn<'_>,
    on_section: &mut (dyn FnMut(PrinterSection) + Send),
) -> Result<TenantSummary, Error> {
    tenant::check_all_printers_access(client).await?;
    let printers = client.printer_names().await?;
    progress(TenantProgress::Printers {
        total: printers.len(),
    });
    let mut summary = TenantSummary::new(request.dry_run);
    let stopped = || request.stop.as_ref().is_some_and(StopSignal::is_stopped);
    // One pace for the whole tenant: what the throttle taught on one printer holds on the next.
    let mut pace = Pace::learning(request.learn_pace);
    for (index, printer) in printers.into_iter().enumerate() {
        if stopped() {
            break;
        }
        let printer_id = PrinterId::new(printer.id)?;
        progress(TenantProgress::Printer {
            index,
            printer_id: &printer_id,
            display_name: &printer.display_name,
        });
        let one = CancelRequest {
            selection: JobSelection::All {
                states: request.states.clone(),
                mine: false,
                owner: request.owner.clone(),
            },
            concurrency: request.concurrency,
            use_batch: request.use_batch,
            learn_pace: request.learn_pace,
            dry_run: request.dry_run,
            stop: request.stop.clone(),
            ..CancelRequest::all(PrintTarget::Printer(printer_id.clone()))
        };
        let on_jobs = |p: Progress<'_>| progress(TenantProgress::Jobs(p));
        let section = match run_paced(client, &one, &on_jobs, &mut pace).await {
            Ok(report) => PrinterSection::from_report(printer_id, printer.display_name, report),
            Err(Error::Graph(error)) => {
                PrinterSection::refused(printer_id, printer.display_name, error)
            }
            Err(other) => return Err(other),
        };
        summary.add(&section);
        on_section(section);
    }
    summary.interrupted = stopped();
    Ok(summary)
}

/// The report with `note` when nothing was selected.
fn noted(mut report: CancelReport, note: Option<SelectionNote>) -> CancelReport {
    if report.results.is_empty() {
        report.note = note;
    }
    report
}

/// `--wait` (when asked), then the report in request (or listing) order.
async fn finish(
    client: &PrintClient,
    request: &CancelRequest,
    outcomes: Outcomes<'_, '_>,
) -> Result<CancelReport, Error> {
    let mut results: Vec<JobReport> = outcomes.done.into_values().collect();
    if let (Some(wait), false, false) = (request.wait, request.dry_run, request.is_stopped()) {
        // A stop during the wait ends it: the polls in flight are dropped.
        let waiting = wait_until_final(client, request, &mut results, wait);
        match &request.stop {
            Some(stop) => {
                tokio::select! {
                    () = waiting => {}
                    () = stop.stopped() => {}
                }
            }
            None => waiting.await,
        }
    }
    Ok(
        CancelReport::new(request.target.clone(), request.dry_run, results)
            .with_left_out(outcomes.left_out)
            .with_interrupted(request.is_stopped()),
    )
}

/// The jobs to act on, in request (or listing) order, without duplicates, and (for `--all`)
/// those the state selection left out.
async fn resolve(
    client: &PrintClient,
    request: &CancelRequest,
    selector: Option<&Selector>,
) -> Result<(Vec<Candidate>, LeftOut), Error> {
    if let Some(selector) = selector {
        let mut pages = listed_pages(
            selector.pages(client, &request.target)?,
            selected_states(request),
        );
        let (mut candidates, mut left_out) = (Vec::new(), LeftOut::new());
        // A stop ends the listing: the jobs listed so far are reported.
        while let Some(page) = next_unless_stopped(&mut pages, request.stop.as_ref()).await {
            let page = page?;
            candidates.extend(page.candidates);
            add_left_out(&mut left_out, page.left_out);
        }
        return Ok((candidates, left_out));
    }
    match &request.selection {
        JobSelection::Ids(ids) => {
            let mut seen = HashSet::new();
            let candidates = ids
                .iter()
                .filter(|id| seen.insert((*id).clone()))
                .enumerate()
                .map(|(index, id)| Candidate {
                    index,
                    id: id.clone(),
                    state: None,
                })
                .collect();
            Ok((candidates, LeftOut::new()))
        }
        JobSelection::All { .. } => Ok((Vec::new(), LeftOut::new())),
    }
}

/// The next item of `items`, or `None` at its end or once `stop` has stopped.
async fn next_unless_stopped<S: Stream + Unpin>(
    items: &mut S,
    stop: Option<&StopSignal>,
) -> Option<S::Item> {
    let Some(stop) = stop else {
        return items.next().await;
    };
    if stop.is_stopped() {
        return None;
    }
    tokio::select! {
        biased;
        () = stop.stopped() => None,
        item = items.next() => item,
    }
}

/// The states an `--all` selection cancels (empty for explicit ids). The listing itself is
/// filtered by creator only, and the states are selected in [`listed_pages`], so that the jobs
/// they leave out can be counted.
fn selected_states(request: &CancelRequest) -> Vec<PrintJobProcessingState> {
    match &request.selection {
        JobSelection::All { states, .. } => states.clone(),
        JobSelection::Ids(_) => Vec::new(),
    }
}

/// How an `--all` selection picks jobs by creator (`None` for explicit ids); refuses, before
/// any Graph request, a selection that cannot match ([`list_jobs`] has the rules).
async fn all_selector(
    client: &PrintClient,
    request: &CancelRequest,
) -> Result<Option<Selector>, Error> {
    let JobSelection::All {
        states: _,
        mine,
        owner,
    } = &request.selection
    else {
        return Ok(None);
    };
    // No states here: they are selected in `listed_pages`, so that those left out are counted.
    let selector = select::selector(client, &request.target, &[], *mine, owner.as_deref()).await?;
    Ok(Some(selector))
}

/// The pages of an `--all` listing as candidates: numbered in listing order and
/// de-duplicated across pages; a job in none of `states` (any state when empty) is counted by
/// its state instead.
fn listed_pages(
    pages: BoxStream<'static, Result<Vec<PrintJob>, Error>>,
    states: Vec<PrintJobProcessingState>,
) -> Pages {
    let mut seen = HashSet::new();
    let mut total = 0usize;
    pages
        .map(move |page| {
            let mut listed = Listed {
                candidates: Vec::new(),
                left_out: LeftOut::new(),
            };
            for job in page? {
                let id = PrintJobId::new(job.id)?;
                if !seen.insert(id.clone()) {
                    continue;
                }
                let state = job.status.state;
                if !states.is_empty() && !states.contains(&state) {
                    *listed.left_out.entry(state.to_string()).or_default() += 1;
                    continue;
                }
                listed.candidates.push(Candidate {
                    index: total,
                    id,
                    state: Some(state),
                });
                total += 1;
            }
            Ok(listed)
        })
        .boxed()
}

/// One page of jobs to cancel, and the jobs of that page the state selection left out.
struct Listed {
    candidates: Vec<Candidate>,
    left_out: LeftOut,
}

/// Pages of jobs to cancel, in order.
type Pages = BoxStream<'static, Result<Listed, Error>>;

/// The one bulk-cancel path: sends the jobs of `pages` in chunks of [`MAX_BATCH`] (one
/// `$batch` each; a chunk of one is a single request; without `use_batch` every job is its
/// own request), at most `concurrency` chunks in flight as one continuous pool. For `--all` the
/// pages are the listing's, so the jobs of page 1 are cancelled while page 2 is fetched (issue
/// 13's pipelining); a page's remainder waits for the next page, so the request count stays the
/// listing pages plus ⌈n/20⌉ batches, and the report is the same as listing first and
/// cancelling after. `listing`: the pages come from a listing (the total is reported when it
/// ends). If the listing fails part way, the cancels already sent finish and the error says
/// how many jobs were cancelled.
///
/// With [`CancelRequest::learn_pace`] (issue 22), `pace` is asked before each chunk and told of
/// each answer, and a batch's throttled (`429`) jobs are parked ([`Requeue`]) until their
/// `Retry-After` has passed, then re-batched with the jobs queued then, instead of holding
/// their slot for the whole wait; a job throttled for longer than the retry budget fails with
/// its `429`, as one whose retries run out.
async fn cancel_pool(
    client: &PrintClient,
    request: &CancelRequest,
    mut pages: Pages,
    listing: bool,
    outcomes: &mut Outcomes<'_, '_>,
    pace: &mut Pace,
) -> Result<(), Error> {
    use futures::stream::FuturesUnordered;
    let target = &request.target;
    let concurrency = request.concurrency.max(1);
    let batch_size = if request.use_batch { MAX_BATCH } else { 1 };
    let park = request.learn_pace;
    let budget = client.options().retry.max_total_wait;
    // After a stop: the grace period's end gives up the answers still awaited.
    let abandon = Stopper::new();
    let interrupt = request.stop.clone().map(|stop| Interrupt {
        stop,
        abandon: abandon.signal(),
    });
    let interrupt = interrupt.as_ref();
    let mut printer: Option<PrinterId> = None;
    let mut buffer: std::collections::VecDeque<Candidate> = Default::default();
    // Throttled jobs waiting out their `Retry-After`, with their `429`; when each was first
    // throttled (by report index) while it is still to be sent.
    let mut requeue: Requeue<(Candidate, GraphError)> = Requeue::default();
    let mut first_throttled: BTreeMap<usize, Instant> = BTreeMap::new();
    // Parked jobs wait through the client's `Sleeper`, as every retry wait does (a test's
    // sleeper skips them); the time it skipped is added to the parking clock, so the budget
    // counts the waits as waited.
    let sleeper = client.options().sleeper.clone();
    let mut skipped = Duration::ZERO;
    // Parked jobs due by this time have had their wait (through the sleeper, even a zero one).
    let mut waited_until = Instant::now();
    let mut parked_wait: Option<(Instant, futures::future::BoxFuture<'static, ()>)> = None;
    let mut total = 0usize;
    let mut listing_done = false;
    let mut listing_error: Option<Error> = None;
    let mut stopping: Option<Stopping> = None;
    // The jobs of each chunk in flight, by chunk number: those of a chunk still unanswered
    // when the stop's last deadline passes are reported `unknown`.
    let mut sent: BTreeMap<usize, Vec<Candidate>> = BTreeMap::new();
    let mut in_flight = FuturesUnordered::new();
    // Debug-level timeline (issue 13's profile): when each page arrives and each chunk is
    // sent and answered, in ms since the start.
    let started = Instant::now();
    let ms = move || started.elapsed().as_secs_f64() * 1000.0;
    let (mut page_no, mut chunk_no) = (0usize, 0usize);
    loop {
        if stopping.is_none() && request.is_stopped() {
            stopping = Some(Stopping::Grace(tokio::time::Instant::now() + request.grace));
            tracing::debug!(
                at_ms = ms(),
                in_flight = in_flight.len(),
                "bulk cancel: stopped; no new request, waiting for the answers in flight"
            );
            if !listing {
                // Explicit ids: every one of them is reported (their one page is at hand).
                while let Some(Ok(page)) = pages.next().await {
                    buffer.extend(page.candidates);
                }
            } else if !listing_done {
                // The jobs listed so far are all that will be reported.
                (outcomes.progress)(Progress::Resolved { total });
            }
            listing_done = true;
            for candidate in buffer.drain(..) {
                outcomes.record(
                    candidate.index,
                    JobReport::new(candidate.id, JobOutcome::NotSent),
                );
            }
            // Throttled and parked: sent once, answered 429, not sent again.
            for (candidate, error) in requeue.drain() {
                let tried = Tried {
                    result: Err(error.not_resent()),
                    retried: false,
                };
                let outcome = outcome_of(client, target, &candidate.id, tried, interrupt).await;
                outcomes.record(candidate.index, JobReport::new(candidate.id, outcome));
            }
        }
        // Parked jobs whose `Retry-After` has passed go first: they are the oldest.
        for due in requeue.take_due(waited_until).into_iter().rev() {
            buffer.push_front(due.job.0);
        }
        let mut pace_wake: Option<tokio::time::Instant> = None;
        while stopping.is_none()
            && in_flight.len() < concurrency
            && (buffer.len() >= batch_size
                || ((listing_done || !requeue.is_empty()) && !buffer.is_empty()))
        {
            let on = match &printer {
                Some(p) => p.clone(),
                None => {
                    let p = client.cancel_printer(target).await?;
                    printer = Some(p.clone());
                    p
                }
            };
            if request.is_stopped() {
                break;
            }
            let size = buffer.len().min(batch_size);
            if let Some(wait) = pace.acquire(size, Instant::now()) {
                pace_wake = Some(tokio::time::Instant::now() + wait);
                break;
            }
            let chunk: Vec<Candidate> = buffer.drain(..size).collect();
            let n = chunk_no;
            chunk_no += 1;
            tracing::debug!(
                at_ms = ms(),
                chunk = n,
                jobs = chunk.len(),
                in_flight = in_flight.len(),
                "bulk cancel: chunk sent"
            );
            sent.insert(n, chunk.clone());
            in_flight.push(async move {
                let sent_at = Instant::now();
                let answer = send_chunk(client, &on, target, &chunk, interrupt, park).await;
                tracing::debug!(at_ms = ms(), chunk = n, "bulk cancel: chunk answered");
                (n, chunk, sent_at, answer)
            });
        }
        let finished = match stopping {
            Some(_) => in_flight.is_empty(),
            None => listing_done && buffer.is_empty() && in_flight.is_empty() && requeue.is_empty(),
        };
        if finished {
            break;
        }
        let deadline = stopping.map(Stopping::deadline);
        // When the pace lets the next chunk go, or the next parked job is due.
        let wake = pace_wake.filter(|_| stopping.is_none());
        // The wait for the next parked job (a new one when an earlier job is due first).
        match (requeue.next_due(), &parked_wait) {
            (None, _) => parked_wait = None,
            (Some(due), Some((awaited, _))) if *awaited <= due => {}
            (Some(due), _) => {
                let left = due.saturating_duration_since(Instant::now() + skipped);
                parked_wait = Some((due, sleeper.sleep(left)));
            }
        }
        // Biased: the stop first; then the listing, so that the next page's request is sent
        // before the chunks just queued and the sequential listing (the floor of the run) is
        // never behind them.
        tokio::select! {
            biased;
            () = stopped(interrupt), if stopping.is_none() => {}
            () = sleep_until(deadline), if stopping.is_some() => match stopping {
                Some(Stopping::Grace(_)) => {
                    tracing::debug!(at_ms = ms(), in_flight = in_flight.len(), "bulk cancel: grace period over");
                    abandon.stop();
                    stopping = Some(Stopping::Abandoned(tokio::time::Instant::now() + ABANDON_MARGIN));
                }
                _ => {
                    // Every request obeys the abandon; this is the backstop.
                    for candidate in std::mem::take(&mut sent).into_values().flatten() {
                        outcomes.record(candidate.index, JobReport::new(candidate.id, no_answer()));
                    }
                    break;
                }
            },
            page = pages.next(), if !listing_done && stopping.is_none() => match page {
                Some(Ok(Listed { candidates: jobs, left_out })) => {
                    tracing::debug!(at_ms = ms(), page = page_no, jobs = jobs.len(), "bulk cancel: page of jobs received");
                    // The page's request took its token from the same throttle: the pace
                    // counts it among the requests accepted, or a long listing (100 pages for
                    // 10,000 jobs) would read as a service slower than it is.
                    let now = Instant::now();
                    pace.on_answer(Answered { sent_at: now, accepted: 1, throttled: 0 }, now);
                    page_no += 1;
                    total += jobs.len();
                    buffer.extend(jobs);
                    add_left_out(&mut outcomes.left_out, left_out);
                }
                Some(Err(error)) => {
                    listing_error = Some(error);
                    listing_done = true;
                    buffer.clear();
                }
                None => {
                    listing_done = true;
                    if listing {
                        (outcomes.progress)(Progress::Resolved { total });
                    }
                }
            },
            Some((n, chunk, sent_at, answer)) = in_flight.next(), if !in_flight.is_empty() => {
                sent.remove(&n);
                let chunked = answer?;
                let now = Instant::now();
                let parking_now = now + skipped;
                pace.on_answer(
                    Answered { sent_at, accepted: chunked.accepted, throttled: chunked.throttled },
                    now,
                );
                if chunked.throttled > 0 {
                    tracing::debug!(
                        at_ms = ms(),
                        chunk = n,
                        throttled = chunked.throttled,
                        after_ms = chunked.after.as_millis() as u64,
                        pace_per_s = pace.rate(now).unwrap_or(f64::INFINITY),
                        "bulk cancel: throttled jobs parked until their Retry-After"
                    );
                }
                let mut parked = Vec::new();
                let mut errors = chunked.throttled_errors.into_iter();
                for (candidate, tried) in chunk.into_iter().zip(chunked.tried) {
                    match tried {
                        Some(tried) => {
                            first_throttled.remove(&candidate.index);
                            let outcome = outcome_of(client, target, &candidate.id, tried, interrupt).await;
                            outcomes.record(candidate.index, JobReport::new(candidate.id, outcome));
                        }
                        None => {
                            let error = errors.next().unwrap_or_else(|| throttled_error(&candidate.id, target));
                            let first = *first_throttled.entry(candidate.index).or_insert(parking_now);
                            parked.push(Throttled { job: (candidate, error), first_throttled: Some(first) });
                        }
                    }
                }
                requeue.park(parked, chunked.after, parking_now);
                if chunked.throttled > 0 {
                    tracing::debug!(at_ms = ms(), parked = requeue.len(), "bulk cancel: jobs parked");
                }
                // Throttled for longer than the retry budget: failed, as when retries run out.
                for (candidate, error) in requeue.expired(budget) {
                    first_throttled.remove(&candidate.index);
                    let tried = Tried {
                        result: Err(error.with_hint(format!(
                            "throttled for longer than the retry budget ({} s)",
                            budget.as_secs()
                        ))),
                        retried: false,
                    };
                    let outcome = outcome_of(client, target, &candidate.id, tried, interrupt).await;
                    outcomes.record(candidate.index, JobReport::new(candidate.id, outcome));
                }
            }
            () = sleep_until(wake), if wake.is_some() => {}
            () = wait_parked(&mut parked_wait), if parked_wait.is_some() && stopping.is_none() => {
                if let Some((due, _)) = parked_wait.take() {
                    let now = Instant::now() + skipped;
                    skipped += due.saturating_duration_since(now);
                    waited_until = waited_until.max(due);
                }
            }
        }
    }
    match listing_error {
        None => Ok(()),
        Some(error) if outcomes.done.is_empty() => Err(error),
        Some(error) => Err(Error::other(
            error.kind(),
            format!(
                "{error}; listing stopped there, after {} had been acted on ({} canceled)",
                count_jobs(outcomes.done.len()),
                outcomes
                    .done
                    .values()
                    .filter(|r| matches!(r.outcome, JobOutcome::Canceled))
                    .count()
            ),
        )),
    }
}

/// The `429` of a parked job whose batch answer was not kept (never expected: the round
/// hands back one error per throttled job).
fn throttled_error(job: &PrintJobId, target: &PrintTarget) -> GraphError {
    GraphError::transport(
        &outcome::operation(job, target),
        crate::graph::error::codes::INVALID_RESPONSE,
        "throttled (429) and not sent again",
    )
}

/// `n` jobs, in words ("1 job", "3 jobs").
fn count_jobs(n: usize) -> String {
    if n == 1 {
        "1 job".to_owned()
    } else {
        format!("{n} jobs")
    }
}

/// Where a stopped pool is: waiting for the answers in flight until the grace period ends,
/// then (the answers given up) until the backstop.
#[derive(Debug, Clone, Copy)]
enum Stopping {
    Grace(tokio::time::Instant),
    Abandoned(tokio::time::Instant),
}

impl Stopping {
    fn deadline(self) -> tokio::time::Instant {
        match self {
            Stopping::Grace(at) | Stopping::Abandoned(at) => at,
        }
    }
}

/// How long after the grace period the pool waits for requests to give up their answers
/// (they do at once; this bounds a bug, not a wait).
const ABANDON_MARGIN: Duration = Duration::from_millis(500);

/// Completes when `interrupt` stops; never without one.
async fn stopped(interrupt: Option<&Interrupt>) {
    match interrupt {
        Some(interrupt) => interrupt.stop.stopped().await,
        None => std::future::pending().await,
    }
}

/// Completes when the parked jobs' wait ends; never without one.
async fn wait_parked(wait: &mut Option<(Instant, futures::future::BoxFuture<'static, ()>)>) {
    match wait {
        Some((_, sleeping)) => sleeping.await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `deadline`; never without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The outcome of a job whose cancel was sent and whose answer never came.
fn no_answer() -> JobOutcome {
    JobOutcome::Unknown {
        reason: "sent, but no answer came before the grace period after the stop ended".into(),
        error: None,
    }
}

/// What the service answered to one chunk ([`send_chunk`]).
struct Chunked {
    /// Per job, in order: its result, or `None` when it was throttled and is to be parked.
    tried: Vec<Option<Tried>>,
    /// The parked jobs' `429`s, in the order of the `None`s in `tried`.
    throttled_errors: Vec<GraphError>,
    /// How long the parked jobs wait.
    after: Duration,
    /// Requests the service accepted and throttled (for the pace).
    accepted: usize,
    throttled: usize,
}

/// Cancels one chunk: a single request for one job, else one `$batch`; with `park`, the
/// batch's throttled jobs come back unsent ([`send_batch_parking`]).
async fn send_chunk(
    client: &PrintClient,
    printer: &PrinterId,
    target: &PrintTarget,
    chunk: &[Candidate],
    interrupt: Option<&Interrupt>,
    park: bool,
) -> Result<Chunked, Error> {
    let settled = |tried: Vec<Tried>| Chunked {
        accepted: tried.len(),
        tried: tried.into_iter().map(Some).collect(),
        throttled_errors: Vec::new(),
        after: Duration::ZERO,
        throttled: 0,
    };
    if let [only] = chunk {
        let tried = Tried::single(client, printer, target, &only.id, interrupt).await?;
        return Ok(settled(vec![tried]));
    }
    let ids: Vec<PrintJobId> = chunk.iter().map(|c| c.id.clone()).collect();
    if !park {
        return send_batch(client, printer, target, &ids, interrupt)
            .await
            .map(settled);
    }
    let parking = send_batch_parking(client, printer, target, &ids, interrupt).await?;
    Ok(Chunked {
        tried: parking.tried,
        throttled_errors: parking.throttled.into_iter().map(|(_, e)| e).collect(),
        after: parking.after,
        accepted: parking.accepted,
        throttled: parking.throttled_count,
    })
}

/// Reads each job's state; finished, missing and forbidden jobs are reported right away.
async fn pre_check(
    client: &PrintClient,
    request: &CancelRequest,
    candidates: Vec<Candidate>,
    outcomes: &mut Outcomes<'_, '_>,
) -> Result<Vec<Candidate>, Error> {
    let target = &request.target;
    let mut unchecked: BTreeMap<usize, PrintJobId> =
        candidates.iter().map(|c| (c.index, c.id.clone())).collect();
    let mut checks = stream::iter(candidates)
        .map(|c| async move {
            let found = client.job(target, &c.id).await;
            (c, found)
        })
        .buffer_unordered(request.concurrency.max(1));
    let mut keep = Vec::new();
    while let Some((mut candidate, found)) =
        next_unless_stopped(&mut checks, request.stop.as_ref()).await
    {
        unchecked.remove(&candidate.index);
        match found {
            Ok(job) if job.status.state.is_terminal() => {
                let outcome = JobOutcome::AlreadyFinished {
                    state: job.status.state,
                };
                outcomes.record(candidate.index, JobReport::new(candidate.id, outcome));
            }
            Ok(job) => {
                candidate.state = Some(job.status.state);
                keep.push(candidate);
            }
            Err(Error::Graph(error)) => {
                outcomes.record(
                    candidate.index,
                    JobReport::new(candidate.id, JobOutcome::from_error(error)),
                );
            }
            Err(other) => return Err(other),
        }
    }
    // Stopped: the jobs not read yet are not acted on.
    if request.is_stopped() {
        for (index, id) in unchecked {
            outcomes.record(index, JobReport::new(id, JobOutcome::NotSent));
        }
    }
    keep.sort_by_key(|c| c.index);
    Ok(keep)
}

/// Polls every cancelled job until it is final or the deadline passes (a poll still in flight
/// at the deadline, e.g. one waiting out retries, is abandoned, so the wait is bounded).
async fn wait_until_final(
    client: &PrintClient,
    request: &CancelRequest,
    results: &mut [JobReport],
    wait: WaitOptions,
) {
    let deadline = Instant::now() + wait.deadline;
    let target = &request.target;
    let waiting = results
        .iter_mut()
        .filter(|r| matches!(r.outcome, JobOutcome::Canceled));
    stream::iter(waiting)
        .for_each_concurrent(request.concurrency.max(1), |report| async move {
            poll_job(client, target, report, deadline, wait.interval).await;
        })
        .await;
}

async fn poll_job(
    client: &PrintClient,
    target: &PrintTarget,
    report: &mut JobReport,
    deadline: Instant,
    interval: Duration,
) {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let poll = tokio::time::timeout(left, client.job(target, &report.job_id)).await;
        if let Ok(Ok(job)) = poll {
            let state = job.status.state;
            let terminal = state.is_terminal();
            report.final_state = Some(state);
            if terminal {
                report.wait_timed_out = false;
                return;
            }
        }
        let now = Instant::now();
        if now + interval > deadline {
            report.wait_timed_out = true;
            return;
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::PrinterId;
    use futures::stream::TryStreamExt;

    #[test]
    fn all_selects_every_cancelable_state_by_default_stopped_included() {
        let target = PrintTarget::Printer(PrinterId::new("p1").unwrap());
        let JobSelection::All { states, .. } = CancelRequest::all(target).selection else {
            panic!("CancelRequest::all selects by state");
        };
        let cancelable: Vec<PrintJobProcessingState> = PrintJobProcessingState::MEMBERS
            .iter()
            .map(|m| PrintJobProcessingState::from_wire(m))
            .filter(PrintJobProcessingState::is_cancelable)
            .collect();
        assert!(states.contains(&PrintJobProcessingState::Stopped));
        assert_eq!(states, cancelable);
    }

    fn listed(id: &str, state: &str) -> PrintJob {
        serde_json::from_value(serde_json::json!({
            "id": id, "createdDateTime": "2020-02-04T00:00:00Z", "isFetchable": false,
            "configuration": {}, "status": {"state": state, "description": "", "details": [], "isAcquiredByPrinter": false}
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn jobs_outside_the_selected_states_are_counted_by_state_once_each() {
        let pages = stream::iter([
            Ok(vec![
                listed("1", "pending"),
                listed("2", "completed"),
                listed("3", "stopped"),
            ]),
            // A job listed again on the next page is neither cancelled nor counted twice.
            Ok(vec![
                listed("2", "completed"),
                listed("4", "completed"),
                listed("5", "aborted"),
            ]),
        ])
        .boxed();
        let mut listed_pages = listed_pages(pages, JobFilter::default_cancel_states());
        let (mut ids, mut left_out) = (Vec::new(), LeftOut::new());
        while let Some(page) = listed_pages.try_next().await.unwrap() {
            ids.extend(page.candidates.into_iter().map(|c| c.id.to_string()));
            add_left_out(&mut left_out, page.left_out);
        }
        assert_eq!(ids, ["1", "3"]);
        assert_eq!(
            left_out,
            LeftOut::from([("aborted".into(), 1), ("completed".into(), 2)])
        );
    }
}
