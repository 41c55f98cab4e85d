//! The client's own cancel calls, for library users who cancel without the workflow:
//! [`PrintClient::cancel_job`] (one request) and [`PrintClient::cancel_batch`] (one `$batch`
//! round), each job's result settled by `outcome.rs` (a failure after a retried send is read
//! once; a job found `canceled` then counts as success). They live here, beside the rest of the
//! cancel protocol, so that `PrintClient` itself stays a plain Graph client.

use super::batch::send_batch;
use super::outcome::{settle, Tried};
use crate::error::Error;
use crate::graph::{GraphError, PrintClient, PrintTarget};
use crate::ids::PrintJobId;

/// The outcome of one job's cancel inside a batch ([`PrintClient::cancel_batch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCancel {
    /// The job.
    pub job: PrintJobId,
    /// `Ok` when Graph answered `204` (or a retried cancel found the job `canceled`).
    pub result: Result<(), GraphError>,
}

impl PrintClient {
    /// `POST /print/printers/{printer}/jobs/{job}/cancel` with no body (a share is first
    /// resolved to its printer: cancel is documented on the printers path only); success only
    /// on `204 No Content`.
    ///
    /// A cancel that had to be retried and then fails (the first try may have reached the
    /// service) is checked with a `GET`: a job found `canceled` counts as success.
    pub async fn cancel_job(&self, target: &PrintTarget, job: &PrintJobId) -> Result<(), Error> {
        let printer = self.cancel_printer(target).await?;
        let tried = Tried::single(self, &printer, target, job, None).await?;
        Ok(settle(self, target, job, tried).await?)
    }

    /// Cancels up to [`MAX_BATCH`](crate::MAX_BATCH) jobs in one `POST /$batch`. Inner
    /// `429`/`503`/`504` answers are re-sent (only those, together, after the longest of their
    /// `Retry-After` values), within the retry policy; a batch answered `424` (Graph's answer to
    /// a batch holding a throttled request) is read like one answered `200`, each `204` in it a
    /// cancel; inner `401` answers (the token expired mid-bulk, or a CAE claims challenge) are
    /// re-sent once with a refreshed token (or one carrying the challenge's claims); a failure
    /// of the whole batch becomes each job's error. `Err` only when no request could be made
    /// at all (token, invalid input).
    ///
    /// Each inner cancel carries `Content-Type: application/json` and an empty `{}` body, as
    /// the JSON batching page requires of write requests. If Graph refuses the batch itself
    /// with `400`, its jobs are cancelled one request each, so no job is reported failed
    /// without an attempt of its own. A job whose cancel was sent more than once and then
    /// failed is read once: found `canceled`, it counts as success.
    pub async fn cancel_batch(
        &self,
        target: &PrintTarget,
        jobs: &[PrintJobId],
    ) -> Result<Vec<JobCancel>, Error> {
        let printer = self.cancel_printer(target).await?;
        let tried = send_batch(self, &printer, target, jobs, None).await?;
        let mut out = Vec::with_capacity(jobs.len());
        for (job, tried) in jobs.iter().zip(tried) {
            let result = settle(self, target, job, tried).await;
            out.push(JobCancel {
                job: job.clone(),
                result,
            });
        }
        Ok(out)
    }
}
