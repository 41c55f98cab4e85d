//! [`CancelReport`]: what happened to each requested job, with totals. Its JSON form is the
//! `--json` output of `printjob cancel` (schema documented in `docs/cancel.md`, version
//! [`SCHEMA_VERSION`]).

use crate::error::{ErrorKind, Remedy};
use crate::graph::model::PrintJobProcessingState;
use crate::graph::{GraphError, PrintTarget};
use crate::ids::PrintJobId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of the report's JSON schema; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The result of a cancel run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The printer or share the jobs belong to.
    pub target: PrintTarget,
    /// Whether this was a dry run (nothing was sent).
    pub dry_run: bool,
    /// One entry per requested job, in the order requested (or listed, for `--all`).
    pub results: Vec<JobReport>,
    /// Counts per outcome.
    pub totals: Totals,
    /// The jobs an `--all` selection left out because of their state, counted by state
    /// (`{"completed": 3}`), so the user sees what was not touched and why. Jobs left out
    /// because someone else created them are not counted. Always present in JSON: `{}` when
    /// no job was left out, and for jobs named by id. (Additive: [`SCHEMA_VERSION`] stays 1.)
    #[serde(default)]
    pub left_out: BTreeMap<String, usize>,
    /// The run was told to stop (Ctrl-C on the command line) before it ended: the jobs it had
    /// not sent are `notSent`, those sent but unanswered `unknown`, and an `--all` listing may
    /// not have been read to its end. Always present in JSON. (Additive: [`SCHEMA_VERSION`]
    /// stays 1.)
    #[serde(default)]
    pub interrupted: bool,
    /// Why a selection by creator picked nothing, when the service's rules can explain it
    /// (absent otherwise; additive, schema version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<super::SelectionNote>,
}

/// What happened to one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobReport {
    /// The job.
    pub job_id: PrintJobId,
    /// The outcome (`"outcome"` tag plus its fields in JSON).
    #[serde(flatten)]
    pub outcome: JobOutcome,
    /// With `--wait`: the last state seen while waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_state: Option<PrintJobProcessingState>,
    /// With `--wait`: the deadline passed before the job reached a final state.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wait_timed_out: bool,
}

/// One job's outcome.
///
/// A report holds one per job (10,000 for a runaway queue), and most jobs are `canceled`: so
/// the errors, which only failed jobs carry, are boxed, keeping an outcome at 40 bytes instead
/// of the ~150 of an inline [`GraphError`] (issue 22 item 4). Their JSON is unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum JobOutcome {
    /// Graph accepted the cancel (`204`), or a retried cancel found the job `canceled`.
    Canceled,
    /// The job had already reached a final state; no cancel was sent for it (or the service
    /// refused it because of that state).
    AlreadyFinished {
        /// `completed`, `canceled` or `aborted`.
        state: PrintJobProcessingState,
    },
    /// The job (or its printer/share) does not exist or is not visible to the user.
    NotFound {
        /// Graph's error (boxed: see [`JobOutcome`]'s size note).
        error: Box<GraphError>,
    },
    /// The user may not cancel this job.
    Forbidden {
        /// Which permission or ownership rule denied it and what to do.
        reason: String,
        /// Graph's error (boxed).
        error: Box<GraphError>,
    },
    /// Anything else, after the retries.
    Failed {
        /// Graph's error (code, message, status, request ids; boxed).
        error: Box<GraphError>,
    },
    /// Dry run: would be cancelled.
    WouldCancel {
        /// The job's state, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<PrintJobProcessingState>,
    },
    /// The run was stopped after this job's cancel was sent and before the service confirmed
    /// or refused it: it may or may not be cancelled. Never counted as cancelled or failed.
    /// (Additive, as every new outcome: [`SCHEMA_VERSION`] stays 1.)
    Unknown {
        /// Why the answer is missing: no answer before the grace period ended, a retry that
        /// was not sent after the stop, a failure that was not checked after the stop.
        reason: String,
        /// The last answer the service gave for it, when there was one (e.g. a `429`; boxed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<Box<GraphError>>,
    },
    /// The run was stopped before this job's cancel was sent: it is as it was.
    NotSent,
}

impl JobOutcome {
    /// The outcome for a Graph error: not found, forbidden or failed.
    pub fn from_error(error: GraphError) -> Self {
        let error = Box::new(error);
        if error.is_not_found() {
            JobOutcome::NotFound { error }
        } else if error.is_forbidden() {
            JobOutcome::Forbidden {
                reason: error
                    .hint
                    .as_deref()
                    .unwrap_or("the service refused the request")
                    .to_string(),
                error,
            }
        } else {
            JobOutcome::Failed { error }
        }
    }

    /// The JSON tag: `canceled`, `alreadyFinished`, `notFound`, `forbidden`, `failed`,
    /// `wouldCancel`, `unknown`, `notSent`.
    pub fn name(&self) -> &'static str {
        match self {
            JobOutcome::Canceled => "canceled",
            JobOutcome::AlreadyFinished { .. } => "alreadyFinished",
            JobOutcome::NotFound { .. } => "notFound",
            JobOutcome::Forbidden { .. } => "forbidden",
            JobOutcome::Failed { .. } => "failed",
            JobOutcome::WouldCancel { .. } => "wouldCancel",
            JobOutcome::Unknown { .. } => "unknown",
            JobOutcome::NotSent => "notSent",
        }
    }
}

impl JobReport {
    /// A report without wait information.
    pub fn new(job_id: PrintJobId, outcome: JobOutcome) -> Self {
        Self {
            job_id,
            outcome,
            final_state: None,
            wait_timed_out: false,
        }
    }

    /// Whether the job ended the way the user asked: cancelled (now or before), or would be
    /// in a dry run; with `--wait`, only if it was seen `canceled` in time.
    pub fn succeeded(&self) -> bool {
        let outcome_ok = match &self.outcome {
            JobOutcome::Canceled | JobOutcome::WouldCancel { .. } => true,
            JobOutcome::AlreadyFinished { state } => *state == PrintJobProcessingState::Canceled,
            _ => false,
        };
        let ended_canceled = self
            .final_state
            .as_ref()
            .is_none_or(|s| *s == PrintJobProcessingState::Canceled || !s.is_terminal());
        outcome_ok && ended_canceled && !self.wait_timed_out
    }

    /// The exit-code category of a job that did not succeed.
    fn failure_kind(&self) -> ErrorKind {
        match &self.outcome {
            JobOutcome::NotFound { .. } => ErrorKind::NotFound,
            JobOutcome::Forbidden { .. } => ErrorKind::Permission,
            JobOutcome::Failed { error } => error.kind(),
            _ => ErrorKind::PartialFailure,
        }
    }

    /// What would fix this job's failure, if known (the caller words it).
    pub fn remedy(&self) -> Option<Remedy> {
        match &self.outcome {
            JobOutcome::NotFound { error }
            | JobOutcome::Forbidden { error, .. }
            | JobOutcome::Failed { error } => error.remedy(),
            _ => None,
        }
    }

    /// A one-line description for people: `canceled`, `already completed`, `not found: …`.
    pub fn describe(&self) -> String {
        let mut text = match &self.outcome {
            JobOutcome::Canceled => "canceled".to_string(),
            JobOutcome::AlreadyFinished { state } => format!("already {state}"),
            JobOutcome::NotFound { error } => format!("not found: {error}"),
            JobOutcome::Forbidden { reason, error } => {
                format!("forbidden: {reason} ({} {})", error.code, ids(error))
            }
            JobOutcome::Failed { error } => format!("failed: {error}"),
            JobOutcome::WouldCancel { state: Some(state) } => format!("would cancel ({state})"),
            JobOutcome::WouldCancel { state: None } => "would cancel".to_string(),
            JobOutcome::Unknown { reason, .. } => {
                format!("unknown: may or may not be canceled ({reason})")
            }
            JobOutcome::NotSent => "not sent: interrupted before its cancel was sent".to_string(),
        };
        if self.wait_timed_out {
            let last = self
                .final_state
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "unknown".into());
            text.push_str(&format!("; still {last} when the wait deadline passed"));
        }
        text
    }
}

fn ids(error: &GraphError) -> String {
    match (&error.request_id, &error.client_request_id) {
        (Some(r), Some(c)) => format!("request-id {r}, client-request-id {c}"),
        (Some(r), None) => format!("request-id {r}"),
        (None, Some(c)) => format!("client-request-id {c}"),
        (None, None) => String::new(),
    }
}

/// The results of a run by job index (request or listing order; indexes are dense from 0),
/// each recorded once: one slot per job in a plain vector, which becomes the report's results
/// in place. (A `BTreeMap` by index held about 400 bytes per job in half-full nodes, and its
/// values were then copied into the report's vector: issue 22 item 4.)
#[derive(Debug, Default)]
pub(super) struct ResultSlots {
    slots: Vec<Option<JobReport>>,
    recorded: usize,
}

impl ResultSlots {
    /// Whether job `index` has its result.
    pub(super) fn contains_key(&self, index: &usize) -> bool {
        self.slots.get(*index).is_some_and(Option::is_some)
    }

    /// Records job `index`'s result (replacing one already recorded).
    pub(super) fn insert(&mut self, index: usize, report: JobReport) {
        if index >= self.slots.len() {
            self.slots.resize_with(index + 1, || None);
        }
        if self.slots[index].replace(report).is_none() {
            self.recorded += 1;
        }
    }

    /// How many jobs have their result.
    pub(super) fn len(&self) -> usize {
        self.recorded
    }

    /// No job has its result yet.
    pub(super) fn is_empty(&self) -> bool {
        self.recorded == 0
    }

    /// The results recorded, in index order.
    pub(super) fn values(&self) -> impl Iterator<Item = &JobReport> {
        self.slots.iter().flatten()
    }

    /// The results recorded, in index order (in place: no second vector).
    pub(super) fn into_values(self) -> std::vec::IntoIter<JobReport> {
        #[allow(clippy::filter_map_identity)] // `flatten` would not collect in place
        let results: Vec<JobReport> = self.slots.into_iter().filter_map(|r| r).collect();
        results.into_iter()
    }
}

/// Counts per outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Jobs requested (after removing duplicate ids).
    pub requested: usize,
    /// `canceled`.
    pub canceled: usize,
    /// `alreadyFinished`.
    pub already_finished: usize,
    /// `notFound`.
    pub not_found: usize,
    /// `forbidden`.
    pub forbidden: usize,
    /// `failed`.
    pub failed: usize,
    /// `wouldCancel` (dry run).
    pub would_cancel: usize,
    /// `unknown` (sent, unanswered when the run was stopped). Additive: `0` when absent.
    #[serde(default)]
    pub unknown: usize,
    /// `notSent` (the run was stopped before they were sent). Additive: `0` when absent.
    #[serde(default)]
    pub not_sent: usize,
    /// With `--wait`: cancelled jobs still not final at the deadline.
    pub wait_timed_out: usize,
}

impl Totals {
    /// Counts `results`.
    pub fn count(results: &[JobReport]) -> Self {
        let mut totals = Totals {
            requested: results.len(),
            ..Totals::default()
        };
        for r in results {
            let slot = match r.outcome {
                JobOutcome::Canceled => &mut totals.canceled,
                JobOutcome::AlreadyFinished { .. } => &mut totals.already_finished,
                JobOutcome::NotFound { .. } => &mut totals.not_found,
                JobOutcome::Forbidden { .. } => &mut totals.forbidden,
                JobOutcome::Failed { .. } => &mut totals.failed,
                JobOutcome::WouldCancel { .. } => &mut totals.would_cancel,
                JobOutcome::Unknown { .. } => &mut totals.unknown,
                JobOutcome::NotSent => &mut totals.not_sent,
            };
            *slot += 1;
            totals.wait_timed_out += usize::from(r.wait_timed_out);
        }
        totals
    }
}

impl CancelReport {
    /// A report for `results` (totals computed).
    pub fn new(target: PrintTarget, dry_run: bool, results: Vec<JobReport>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            target,
            dry_run,
            totals: Totals::count(&results),
            results,
            left_out: BTreeMap::new(),
            interrupted: false,
            note: None,
        }
    }

    /// The report of a run that was told to stop (`interrupted`).
    pub fn with_interrupted(mut self, interrupted: bool) -> Self {
        self.interrupted = interrupted;
        self
    }

    /// The report with the jobs the state selection left out, counted by state.
    pub fn with_left_out(mut self, left_out: BTreeMap<String, usize>) -> Self {
        self.left_out = left_out;
        self
    }

    /// One line per state the selection left out, for people: `3 completed jobs left as they
    /// are`, `1 stopped job left as it is`.
    pub fn describe_left_out(&self) -> Vec<String> {
        self.left_out
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(state, n)| match n {
                1 => format!("1 {state} job left as it is"),
                n => format!("{n} {state} jobs left as they are"),
            })
            .collect()
    }

    /// `None` when every requested job ended cancelled (exit 0). Otherwise: when no job
    /// succeeded and all failed for the same reason, that reason (`NotFound`, `Permission`,
    /// `Service`, …); else `PartialFailure`.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        results_error_kind(&self.results)
    }
}

/// [`CancelReport::error_kind`] of `results`.
pub(super) fn results_error_kind(results: &[JobReport]) -> Option<ErrorKind> {
    let mut failures = results.iter().filter(|r| !r.succeeded());
    let kind = failures.next()?.failure_kind();
    let mut failed = 1;
    let mut same = true;
    for r in failures {
        failed += 1;
        same &= r.failure_kind() == kind;
    }
    if failed == results.len() && same {
        Some(kind)
    } else {
        Some(ErrorKind::PartialFailure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::error::codes;
    use crate::ids::PrinterId;

    fn target() -> PrintTarget {
        PrintTarget::Printer(PrinterId::new("p1").unwrap())
    }

    fn job(id: &str, outcome: JobOutcome) -> JobReport {
        JobReport::new(PrintJobId::new(id).unwrap(), outcome)
    }

    fn not_found() -> JobOutcome {
        JobOutcome::from_error(GraphError::from_response("x", 404, b"", (None, None)))
    }

    /// A report holds one result per job: a result without an error stays small (the errors
    /// are boxed), and a boxed error's JSON is the error's own, inline as before.
    #[test]
    fn a_job_result_is_small_and_its_error_is_written_inline() {
        assert!(
            std::mem::size_of::<JobOutcome>() <= 40,
            "{}",
            std::mem::size_of::<JobOutcome>()
        );
        assert!(
            std::mem::size_of::<JobReport>() <= 96,
            "{}",
            std::mem::size_of::<JobReport>()
        );
        let error = GraphError::from_response("cancel job 1", 404, b"", (None, None));
        let report = job("1", JobOutcome::from_error(error.clone()));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"jobId": "1", "outcome": "notFound", "error": error})
        );
        // Read back, it writes the same JSON (the error's remedy is not part of it).
        let back: JobReport = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), json);
    }

    #[test]
    fn result_slots_keep_index_order_and_count_each_job_once() {
        let mut slots = ResultSlots::default();
        assert!(slots.is_empty() && !slots.contains_key(&0));
        slots.insert(2, job("c", JobOutcome::Canceled));
        slots.insert(0, job("a", not_found()));
        slots.insert(2, job("c", JobOutcome::NotSent));
        assert!(slots.contains_key(&2) && !slots.contains_key(&1) && !slots.contains_key(&7));
        assert_eq!(slots.len(), 2);
        assert_eq!(slots.values().count(), 2);
        let results: Vec<JobReport> = slots.into_values().collect();
        let ids: Vec<&str> = results.iter().map(|r| r.job_id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!(results[1].outcome, JobOutcome::NotSent);
    }

    #[test]
    fn all_canceled_is_success() {
        let report = CancelReport::new(target(), false, vec![job("1", JobOutcome::Canceled)]);
        assert_eq!(report.error_kind(), None);
        assert_eq!(report.totals.canceled, 1);
    }

    #[test]
    fn all_not_found_is_not_found() {
        let report = CancelReport::new(
            target(),
            false,
            vec![job("1", not_found()), job("2", not_found())],
        );
        assert_eq!(report.error_kind(), Some(ErrorKind::NotFound));
    }

    #[test]
    fn a_mix_is_partial_failure() {
        let report = CancelReport::new(
            target(),
            false,
            vec![job("1", JobOutcome::Canceled), job("2", not_found())],
        );
        assert_eq!(report.error_kind(), Some(ErrorKind::PartialFailure));
    }

    #[test]
    fn already_canceled_counts_as_success_but_completed_does_not() {
        let canceled = JobOutcome::AlreadyFinished {
            state: PrintJobProcessingState::Canceled,
        };
        let completed = JobOutcome::AlreadyFinished {
            state: PrintJobProcessingState::Completed,
        };
        assert!(job("1", canceled).succeeded());
        assert!(!job("2", completed).succeeded());
    }

    #[test]
    fn json_has_the_documented_shape() {
        let failed = JobOutcome::Failed {
            error: Box::new(GraphError::transport(
                "cancel job 3 on printer p1",
                codes::TIMEOUT,
                "the request timed out",
            )),
        };
        let report = CancelReport::new(
            target(),
            false,
            vec![
                job("1", JobOutcome::Canceled),
                job(
                    "2",
                    JobOutcome::AlreadyFinished {
                        state: PrintJobProcessingState::Completed,
                    },
                ),
                job("3", failed),
            ],
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["schemaVersion"], 1);
        assert_eq!(
            json["target"],
            serde_json::json!({"kind": "printer", "id": "p1"})
        );
        assert_eq!(
            json["results"][0],
            serde_json::json!({"jobId": "1", "outcome": "canceled"})
        );
        assert_eq!(
            json["results"][1],
            serde_json::json!({"jobId": "2", "outcome": "alreadyFinished", "state": "completed"})
        );
        assert_eq!(json["results"][2]["error"]["code"], "timeout");
        assert_eq!(json["totals"]["failed"], 1);
        assert_eq!(json["leftOut"], serde_json::json!({}));
        let back: CancelReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn jobs_left_out_by_state_are_counted_in_json_and_worded_for_people() {
        let left_out = BTreeMap::from([("completed".to_string(), 3), ("aborted".to_string(), 1)]);
        let report = CancelReport::new(target(), false, vec![job("1", JobOutcome::Canceled)])
            .with_left_out(left_out);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["schemaVersion"], 1);
        assert_eq!(
            json["leftOut"],
            serde_json::json!({"aborted": 1, "completed": 3})
        );
        assert_eq!(
            report.describe_left_out(),
            vec![
                "1 aborted job left as it is".to_string(),
                "3 completed jobs left as they are".to_string()
            ]
        );
        assert_eq!(report.error_kind(), None, "left-out jobs are not failures");
        let back: CancelReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn an_interrupted_report_names_unknown_and_not_sent_jobs_and_counts_them() {
        let unknown = JobOutcome::Unknown {
            reason: "sent, but no answer came".into(),
            error: None,
        };
        let report = CancelReport::new(
            target(),
            false,
            vec![
                job("1", JobOutcome::Canceled),
                job("2", unknown),
                job("3", JobOutcome::NotSent),
            ],
        )
        .with_interrupted(true);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["schemaVersion"], 1);
        assert_eq!(json["interrupted"], true);
        assert_eq!(
            json["results"][1],
            serde_json::json!({"jobId": "2", "outcome": "unknown", "reason": "sent, but no answer came"})
        );
        assert_eq!(
            json["results"][2],
            serde_json::json!({"jobId": "3", "outcome": "notSent"})
        );
        let totals = &json["totals"];
        assert_eq!(
            (totals["canceled"].as_u64(), totals["unknown"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(
            (totals["notSent"].as_u64(), totals["failed"].as_u64()),
            (Some(1), Some(0))
        );
        assert!(!report.results[1].succeeded() && !report.results[2].succeeded());
        assert_eq!(report.error_kind(), Some(ErrorKind::PartialFailure));
        assert!(report.results[1]
            .describe()
            .contains("may or may not be canceled"));
        let back: CancelReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn a_report_written_before_interruptions_existed_still_reads() {
        let mut json = serde_json::to_value(CancelReport::new(target(), false, vec![])).unwrap();
        json.as_object_mut().unwrap().remove("interrupted");
        let totals = json["totals"].as_object_mut().unwrap();
        totals.remove("unknown");
        totals.remove("notSent");
        let report: CancelReport = serde_json::from_value(json).unwrap();
        assert!(!report.interrupted);
        assert_eq!(report.totals, Totals::default());
    }

    #[test]
    fn a_report_written_before_left_out_existed_still_reads() {
        let mut json = serde_json::to_value(CancelReport::new(target(), false, vec![])).unwrap();
        json.as_object_mut().unwrap().remove("leftOut");
        let report: CancelReport = serde_json::from_value(json).unwrap();
        assert!(report.left_out.is_empty());
        assert!(report.describe_left_out().is_empty());
    }
}
