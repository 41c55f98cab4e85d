//! Every printer of a tenant (`printjob cancel --all-printers`, issue 22 item 3): the printers
//! listed with `GET /print/printers` (all pages, `print-list-printers.md`), then each printer's
//! jobs (`GET /print/printers/{id}/jobs`, with the documented
//! `createdBy/userPrincipalName eq '…'` filter when an owner is given, `printer-list-jobs.md`)
//! selected by state and cancelled, the report grouped by printer ([`TenantReport`], JSON
//! schema version [`TENANT_SCHEMA_VERSION`], documented in `docs/cancel.md`).
//!
//! It needs `Printer.Read.All` (or a wider printer permission) to list the printers and a `.All`
//! PrintJob permission to see other users' jobs: without them the run is refused before any
//! Graph request ([`check_all_printers_access`]), naming the scopes to sign in with. A printer
//! whose job listing is refused is reported with Graph's error and the others proceed.
//!
//! Printers are taken one after the other, each through the same bulk path as `--all` (its
//! listing pipelined with its cancels), with one learned pace for the whole run: the throttle
//! counts the tenant's requests, so what one printer taught holds on the next. Listing the next
//! printer while the last chunks of one are in flight (one pool across printers) is not done.

use super::report::{CancelReport, JobReport, Totals};
use crate::error::{Error, ErrorKind, Remedy};
use crate::graph::model::PrintJobProcessingState;
use crate::graph::scopes::{all_users_form, job_visibility, JobVisibility, Operation};
use crate::graph::{GraphError, JobFilter, PrintClient};
use crate::ids::{PrinterId, Scope};
use crate::permissions::PRINTER_SCOPES;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of the multi-printer report's JSON schema (the single-printer
/// [`CancelReport`] stays version 1).
pub const TENANT_SCHEMA_VERSION: u32 = 2;

/// What to cancel on every printer of the tenant.
#[derive(Debug, Clone)]
pub struct AllPrintersRequest {
    /// The states to cancel (default pending, processing, paused, stopped).
    pub states: Vec<PrintJobProcessingState>,
    /// Only the jobs this user principal name created (sent as the documented
    /// `createdBy/userPrincipalName` filter).
    pub owner: Option<String>,
    /// Batches in flight at once, per printer. Default 4.
    pub concurrency: usize,
    /// Use `$batch` when there are several jobs. Default true.
    pub use_batch: bool,
    /// Learn the service's pace, one pace across all printers ([`super::CancelRequest::learn_pace`]).
    /// Default true.
    pub learn_pace: bool,
    /// List only; send no cancel.
    pub dry_run: bool,
    /// Tells the run to stop (the command line's Ctrl-C): no new request, no further printer.
    pub stop: Option<crate::stop::StopSignal>,
}

impl Default for AllPrintersRequest {
    fn default() -> Self {
        Self {
            states: JobFilter::default_cancel_states(),
            owner: None,
            concurrency: 4,
            use_batch: true,
            learn_pace: true,
            dry_run: false,
            stop: None,
        }
    }
}

/// The result of an all-printers run, grouped by printer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantReport {
    /// [`TENANT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Whether this was a dry run (nothing was cancelled).
    pub dry_run: bool,
    /// The run was told to stop (Ctrl-C): the printers after the one being worked on were not
    /// taken, and that printer's section has `unknown` / `notSent` jobs as `CancelReport` says.
    #[serde(default)]
    pub interrupted: bool,
    /// One section per listed printer, in listing order.
    pub printers: Vec<PrinterSection>,
    /// The counts of every printer's jobs together.
    pub totals: Totals,
    /// Printers whose jobs could not be listed.
    pub printers_refused: usize,
}

/// One printer's part of a [`TenantReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrinterSection {
    /// The printer.
    pub printer_id: PrinterId,
    /// Its display name as listed (empty when the service left it out).
    pub display_name: String,
    /// One entry per selected job, in listing order (empty when the listing was refused).
    pub results: Vec<JobReport>,
    /// Counts per outcome for this printer.
    pub totals: Totals,
    /// Jobs left out because of their state, counted by state.
    pub left_out: BTreeMap<String, usize>,
    /// Graph's error when this printer's jobs could not be listed (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<GraphError>,
}

impl PrinterSection {
    /// A printer whose jobs could not be listed: Graph's error, no results.
    pub(super) fn refused(printer_id: PrinterId, display_name: String, error: GraphError) -> Self {
        Self {
            printer_id,
            display_name,
            results: Vec::new(),
            totals: Totals::default(),
            left_out: BTreeMap::new(),
            error: Some(error),
        }
    }

    pub(super) fn from_report(
        printer_id: PrinterId,
        display_name: String,
        report: CancelReport,
    ) -> Self {
        Self {
            printer_id,
            display_name,
            results: report.results,
            totals: report.totals,
            left_out: report.left_out,
            error: None,
        }
    }
}

impl TenantReport {
    /// `None` when every job on every printer ended cancelled (or would be, in a dry run) and
    /// no printer was refused; else `PartialFailure`, or the one reason all failures share.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        let mut summary = TenantSummary::new(self.dry_run);
        for section in &self.printers {
            summary.add(section);
        }
        summary.error_kind()
    }
}

/// An all-printers run without its sections: what [`super::run_all_printers_each`] returns
/// after handing each [`PrinterSection`] to its caller, so that a run over a whole tenant need
/// not keep every job's result (issue 22 item 4). The same totals and verdict as the
/// [`TenantReport`] of the same sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSummary {
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// The run was told to stop ([`TenantReport::interrupted`]).
    pub interrupted: bool,
    /// The sections handed out: printers taken.
    pub printers: usize,
    /// Printers whose jobs could not be listed.
    pub printers_refused: usize,
    /// The counts of every printer's jobs together.
    pub totals: Totals,
    /// The first failure's kind, and whether every failure so far had it.
    failures: Option<(ErrorKind, bool)>,
    /// Some job on some printer succeeded.
    any_success: bool,
}

impl TenantSummary {
    /// Nothing counted yet.
    pub fn new(dry_run: bool) -> Self {
        Self {
            dry_run,
            interrupted: false,
            printers: 0,
            printers_refused: 0,
            totals: Totals::default(),
            failures: None,
            any_success: false,
        }
    }

    /// Counts one printer's section.
    pub fn add(&mut self, section: &PrinterSection) {
        self.printers += 1;
        add_totals(&mut self.totals, &section.totals);
        if let Some(error) = &section.error {
            self.printers_refused += 1;
            self.failed(error.kind());
        }
        self.any_success |= section.results.iter().any(JobReport::succeeded);
        if let Some(kind) = super::report::results_error_kind(&section.results) {
            self.failed(kind);
        }
    }

    fn failed(&mut self, kind: ErrorKind) {
        match &mut self.failures {
            None => self.failures = Some((kind, true)),
            Some((first, same)) => *same &= *first == kind,
        }
    }

    /// [`TenantReport::error_kind`] of the sections counted.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        let (first, same) = self.failures?;
        if !self.any_success && same {
            Some(first)
        } else {
            Some(ErrorKind::PartialFailure)
        }
    }

    /// The report of these counts and `printers`, the sections counted.
    pub fn into_report(self, printers: Vec<PrinterSection>) -> TenantReport {
        TenantReport {
            schema_version: TENANT_SCHEMA_VERSION,
            dry_run: self.dry_run,
            interrupted: self.interrupted,
            printers,
            totals: self.totals,
            printers_refused: self.printers_refused,
        }
    }
}

/// Adds `from` to `into`.
fn add_totals(into: &mut Totals, from: &Totals) {
    // Destructured in full: a new count cannot be left out of the grand total.
    let Totals {
        requested,
        canceled,
        already_finished,
        not_found,
        forbidden,
        failed,
        would_cancel,
        unknown,
        not_sent,
        wait_timed_out,
    } = from;
    into.requested += requested;
    into.canceled += canceled;
    into.already_finished += already_finished;
    into.not_found += not_found;
    into.forbidden += forbidden;
    into.failed += failed;
    into.would_cancel += would_cancel;
    into.unknown += unknown;
    into.not_sent += not_sent;
    into.wait_timed_out += wait_timed_out;
}

/// Refuses, before any Graph request, a token that cannot list the printers
/// (`print-list-printers.md`: `Printer.Read.All`, `Printer.ReadWrite.All`,
/// `Printer.FullControl.All`) or shows only the signed-in user's own jobs (no `.All` PrintJob
/// permission). The error names the scopes to sign in with (never starts a sign-in itself:
/// the token source decides that). Tokens whose scopes are not known pass.
pub async fn check_all_printers_access(client: &PrintClient) -> Result<(), Error> {
    let job_token = client
        .token(&client.token_request(Operation::CancelJob))
        .await?;
    let mut missing: Vec<Scope> = Vec::new();
    if let JobVisibility::OwnJobsOnly(held) = job_visibility(&job_token.scopes) {
        missing.extend(all_users_form(&held));
    }
    let has_printer_scope = |scopes: &[Scope]| {
        scopes.iter().any(|s| {
            PRINTER_SCOPES
                .iter()
                .any(|p| p.eq_ignore_ascii_case(s.short()))
        })
    };
    if !job_token.scopes.is_empty() && !has_printer_scope(&job_token.scopes) {
        let printer_token = client
            .token(&client.token_request(Operation::ReadPrinters))
            .await;
        let refused = match &printer_token {
            Ok(token) => !token.scopes.is_empty() && !has_printer_scope(&token.scopes),
            Err(Error::Auth(_)) => true,
            Err(_) => false,
        };
        if refused {
            missing.extend(Scope::new(PRINTER_SCOPES[0]).ok());
        } else {
            printer_token?;
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(Scope::short).collect();
    Err(Error::other_with_remedy(
        ErrorKind::Permission,
        format!(
            "cancelling on every printer needs {}: listing the printers needs Printer.Read.All \
             (print-list-printers.md) and other users' jobs need a .All PrintJob permission \
             (printjob-get.md); both need an administrator's consent, and the signed-in user \
             must be a Printer Administrator. Nothing was sent to the service",
            names.join(" and ")
        ),
        Remedy::SignInWithScopes(missing),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report of `printers`, with the grand totals.
    fn tenant_report(
        dry_run: bool,
        interrupted: bool,
        printers: Vec<PrinterSection>,
    ) -> TenantReport {
        let mut summary = TenantSummary::new(dry_run);
        for section in &printers {
            summary.add(section);
        }
        summary.interrupted = interrupted;
        summary.into_report(printers)
    }

    fn section(id: &str, canceled: usize, refused: bool) -> PrinterSection {
        PrinterSection {
            printer_id: PrinterId::new(id).unwrap(),
            display_name: id.into(),
            results: (0..canceled)
                .map(|n| {
                    let job = crate::ids::PrintJobId::new(n.to_string()).unwrap();
                    JobReport::new(job, super::super::report::JobOutcome::Canceled)
                })
                .collect(),
            totals: Totals {
                requested: canceled,
                canceled,
                ..Totals::default()
            },
            left_out: BTreeMap::new(),
            error: refused.then(|| {
                serde_json::from_value(serde_json::json!({
                    "operation": "list jobs", "code": "accessDenied", "message": "no",
                    "status": 403, "requestId": null, "clientRequestId": null, "hint": null,
                    "attempts": 1
                }))
                .unwrap()
            }),
        }
    }

    /// Sections counted one by one, as `run_all_printers_each` hands them out, give the same
    /// totals and verdict as the report that keeps them.
    #[test]
    fn a_summary_counted_section_by_section_agrees_with_the_whole_report() {
        let not_found = |id: &str, jobs: usize| {
            let mut s = section(id, 0, false);
            s.results = (0..jobs)
                .map(|n| {
                    let error = GraphError::from_response("cancel", 404, b"", (None, None));
                    JobReport::new(
                        crate::ids::PrintJobId::new(n.to_string()).unwrap(),
                        super::super::report::JobOutcome::from_error(error),
                    )
                })
                .collect();
            s.totals = Totals {
                requested: jobs,
                not_found: jobs,
                ..Totals::default()
            };
            s
        };
        let cases = [
            vec![not_found("p1", 2), not_found("p2", 1)],
            vec![not_found("p1", 2), section("p2", 1, false)],
            vec![section("p1", 0, true), section("p2", 0, true)],
            vec![section("p1", 2, false)],
            vec![],
        ];
        let expected = [
            Some(ErrorKind::NotFound),
            Some(ErrorKind::PartialFailure),
            Some(ErrorKind::Permission),
            None,
            None,
        ];
        for (sections, expected) in cases.into_iter().zip(expected) {
            let mut summary = TenantSummary::new(false);
            for s in &sections {
                summary.add(s);
            }
            let report = tenant_report(false, false, sections.clone());
            assert_eq!(summary.error_kind(), expected, "{sections:?}");
            assert_eq!(report.error_kind(), expected, "{sections:?}");
            assert_eq!(summary.totals, report.totals);
            assert_eq!(summary.printers, report.printers.len());
            assert_eq!(summary.printers_refused, report.printers_refused);
            assert_eq!(summary.into_report(sections), report);
        }
    }

    #[test]
    fn the_grand_total_adds_every_printers_totals_and_counts_refused_printers() {
        let report = tenant_report(
            false,
            false,
            vec![
                section("p1", 3, false),
                section("p2", 0, true),
                section("p3", 2, false),
            ],
        );
        assert_eq!(report.schema_version, 2);
        assert_eq!(report.totals.requested, 5);
        assert_eq!(report.totals.canceled, 5);
        assert_eq!(report.printers_refused, 1);
        assert_eq!(report.error_kind(), Some(ErrorKind::PartialFailure));
        let clean = tenant_report(false, false, vec![section("p1", 3, false)]);
        assert_eq!(clean.error_kind(), None);
    }
}
