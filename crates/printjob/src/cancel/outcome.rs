//! What counts as cancelled, decided once: a cancel as sent ([`Tried`]) becomes the report's
//! [`JobOutcome`] ([`outcome_of`], the workflow) or the client's `Result` ([`settle`],
//! `PrintClient::cancel_job` and `cancel_batch`), both through the one post-failure read of the
//! job ([`after_failure`]).
//!
//! The rules: Graph's cancel succeeds only with `204 No Content` (`printjob-cancel.md`: "If
//! successful, this method returns a `204 No Content` response code"); any other `2xx` is an
//! answer Graph does not document and is a failure. A failed cancel whose error leaves the job's
//! state open (not transient, `401`, `403` or `404`) is explained by reading the job once: a job
//! in a final state was finished before the cancel, and a job found `canceled` after a cancel
//! that was sent more than once was cancelled by an earlier send (rows G6 and G7 of
//! docs/graph-conformance.md).

use super::report::JobOutcome;
use crate::error::Error;
use crate::graph::error::codes;
use crate::graph::model::PrintJobProcessingState;
use crate::graph::operations::invalid;
use crate::graph::{GraphError, PrintClient, PrintTarget};
use crate::ids::{PrintJobId, PrinterId};
use crate::stop::{self, Interrupt};

/// The one answer that says a cancel was done: `204 No Content` (`printjob-cancel.md`).
pub(crate) const CANCELLED: u16 = 204;

/// One cancel as sent, before the post-failure check.
#[derive(Debug)]
pub(crate) struct Tried {
    /// `Ok` on `204 No Content`.
    pub result: Result<(), GraphError>,
    /// The request was sent more than once (or its answer went missing), so an earlier send
    /// may have cancelled the job: a failure is then checked by reading the job.
    pub retried: bool,
}

impl Tried {
    /// One cancel sent as its own request (`POST …/cancel`, its retries included), without
    /// the post-failure check (the caller makes it, once). `Err` only when no request could be
    /// made (token, invalid input). After `interrupt`'s stop it is not re-sent, after its
    /// abandon its answer is not awaited.
    pub(crate) async fn single(
        client: &PrintClient,
        printer: &PrinterId,
        target: &PrintTarget,
        job: &PrintJobId,
        interrupt: Option<&Interrupt>,
    ) -> Result<Self, Error> {
        let operation = operation(job, target);
        match client
            .cancel_request(operation.clone(), printer, job, interrupt)
            .await
        {
            Ok(answer) => Ok(Tried {
                result: expect_cancelled(&operation, answer.status),
                retried: answer.attempts > 1,
            }),
            Err(Error::Graph(error)) => Ok(Tried {
                retried: error.attempts > 1,
                result: Err(error),
            }),
            Err(error) => Err(error),
        }
    }
}

/// What a cancel of `job` on `target` is called in messages and errors.
pub(crate) fn operation(job: &PrintJobId, target: &PrintTarget) -> String {
    format!("cancel job {job} on {target}")
}

/// `Ok` for [`CANCELLED`]; any other (successful) status is an answer Graph does not document
/// for a cancel.
pub(crate) fn expect_cancelled(operation: &str, status: u16) -> Result<(), GraphError> {
    if status == CANCELLED {
        Ok(())
    } else {
        Err(invalid(
            operation,
            &format!("expected 204 No Content, got {status}"),
        ))
    }
}

/// What reading a job after its cancel failed showed ([`after_failure`]).
#[derive(Debug)]
enum AfterFailure {
    /// A retried cancel failed, but the job is `canceled`: an earlier send did it.
    CanceledByUs,
    /// The job is in a final state (it was finished before the cancel).
    Finished {
        /// Its state.
        state: PrintJobProcessingState,
        /// The cancel's own error.
        error: GraphError,
    },
    /// The error stands.
    Failed(GraphError),
}

/// A cancel as sent, as the report's outcome: a failure is read once ([`after_failure`]), so
/// that a job that was finished is reported as such and a retried cancel that did cancel is a
/// success. After `interrupt`'s stop the read is not made ([`unchecked_outcome`]).
pub(crate) async fn outcome_of(
    client: &PrintClient,
    target: &PrintTarget,
    job: &PrintJobId,
    tried: Tried,
    interrupt: Option<&Interrupt>,
) -> JobOutcome {
    let error = match tried.result {
        Ok(()) => return JobOutcome::Canceled,
        Err(error) => error,
    };
    if error.is_unanswered_after_stop() || stop::is_stopped(interrupt) {
        return unchecked_outcome(error, tried.retried);
    }
    let read = after_failure(client, target, job, error.clone(), tried.retried);
    let checked = match interrupt {
        None => read.await,
        Some(interrupt) => tokio::select! {
            biased;
            checked = read => checked,
            () = interrupt.stop.stopped() => return unchecked_outcome(error, tried.retried),
        },
    };
    match checked {
        AfterFailure::CanceledByUs => JobOutcome::Canceled,
        AfterFailure::Finished { state, .. } => JobOutcome::AlreadyFinished { state },
        AfterFailure::Failed(error) => JobOutcome::from_error(error),
    }
}

/// A failed cancel's outcome without reading the job (the run was stopped): `unknown` when its
/// request was not sent again or not answered, or when it was sent more than once and the
/// error leaves open whether an earlier send took effect; otherwise the error.
fn unchecked_outcome(error: GraphError, retried: bool) -> JobOutcome {
    if error.is_unanswered_after_stop() {
        let kept = error.code == codes::NOT_RESENT;
        return JobOutcome::Unknown {
            reason: error.message.clone(),
            error: kept.then(|| Box::new(error)),
        };
    }
    if retried && !error_says_all(&error) {
        return JobOutcome::Unknown {
            reason: "its cancel was sent more than once and then failed; the job was not read \
                     after the stop to see whether an earlier send took effect"
                .into(),
            error: Some(Box::new(error)),
        };
    }
    JobOutcome::from_error(error)
}

/// A cancel as sent, as the client's result (`PrintClient::cancel_job`, `cancel_batch`): only a
/// failure after a retried send is read ([`after_failure`]), and a job found `canceled` then
/// counts as success; every other failure keeps its error.
pub(crate) async fn settle(
    client: &PrintClient,
    target: &PrintTarget,
    job: &PrintJobId,
    tried: Tried,
) -> Result<(), GraphError> {
    match tried.result {
        Err(error) if tried.retried => {
            match after_failure(client, target, job, error, true).await {
                AfterFailure::CanceledByUs => Ok(()),
                AfterFailure::Finished { error, .. } | AfterFailure::Failed(error) => Err(error),
            }
        }
        result => result,
    }
}

/// The one post-failure check: after a cancel of `job` failed with `error`, reads the job
/// once — unless the error already says all ([`error_says_all`]) — to tell a job that is
/// finished (or that a retried send, `retried`, did cancel) from a real failure.
async fn after_failure(
    client: &PrintClient,
    target: &PrintTarget,
    job: &PrintJobId,
    error: GraphError,
    retried: bool,
) -> AfterFailure {
    if error_says_all(&error) {
        return AfterFailure::Failed(error);
    }
    match client.job(target, job).await {
        Ok(found) if retried && found.status.state == PrintJobProcessingState::Canceled => {
            AfterFailure::CanceledByUs
        }
        Ok(found) if found.status.state.is_terminal() => AfterFailure::Finished {
            state: found.status.state,
            error,
        },
        _ => AfterFailure::Failed(error),
    }
}

/// Whether a failed cancel's error already says all (transient, 401, 403, 404), so that
/// reading the job after it would add nothing.
fn error_says_all(error: &GraphError) -> bool {
    error.is_transient()
        || error.is_not_found()
        || error.is_forbidden()
        || error.status == Some(401)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_cancel_is_read_only_when_its_error_leaves_the_job_state_open() {
        let status = |s| GraphError::from_response("x", s, b"", (None, None));
        for open in [400, 409, 500] {
            assert!(!error_says_all(&status(open)), "{open}");
        }
        for settled in [401, 403, 404, 429, 503, 504] {
            assert!(error_says_all(&status(settled)), "{settled}");
        }
    }
}
