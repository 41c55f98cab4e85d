//! A `$batch` of cancels, as a round the bulk path drives: [`BatchRound::send`] sends the
//! round's pending jobs once and says what is left to do ([`Sent`]: every job settled, the batch
//! refused, or some jobs to send again after a delay or with a fresh token); [`send_batch`] is
//! the loop that drives one round to its end within the client's retry policy, and
//! [`BatchRound::finish`] hands back each job's result, in order, as [`Tried`] (the post-failure
//! read is `outcome.rs`'s, made once by the caller).
//!
//! The rules (docs/graph-conformance.md): each inner cancel carries `Content-Type:
//! application/json` and an empty `{}` body, at most 20 in a batch (row G5,
//! `concepts/json-batching.md`); a `400` on the batch itself sends its jobs one request each
//! (G5); inner `429`/`503`/`504` answers are re-sent, only those, together, after the longest
//! of their `Retry-After` values (G5, G12, `concepts/throttling.md`); a batch answered `424` is
//! read like one answered `200` (G12); inner `401`s are re-sent once with a fresh token, or one
//! carrying a claims challenge's claims (G10).

use super::outcome::{expect_cancelled, operation, Tried, CANCELLED};
use crate::auth::TokenRequest;
use crate::error::{Error, ErrorKind};
use crate::graph::batch::{BatchRequest, BatchRequestItem, BatchResponse, MAX_BATCH};
use crate::graph::decision::{decide, Decision};
use crate::graph::error::{codes, Resource};
use crate::graph::operations::parse_json;
use crate::graph::request::Answer;
use crate::graph::scopes::Operation;
use crate::graph::target::printer_cancel_path;
use crate::graph::{GraphError, PrintClient, PrintTarget};
use crate::ids::{PrintJobId, PrinterId, Scope};
use crate::stop::{self, Interrupt};
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

/// Cancels up to [`MAX_BATCH`] jobs of `target` on `printer` in one `$batch` round (its
/// re-sends included), without the post-failure check (the caller makes it, once); results in
/// the order of `jobs`. `Err` only when no request could be made at all (token, invalid input).
/// After `interrupt`'s stop no job is re-sent (the pending ones fail [`codes::NOT_RESENT`]);
/// after its abandon the answer in flight is given up ([`codes::NO_ANSWER`]); the answers
/// already read are kept.
pub(crate) async fn send_batch(
    client: &PrintClient,
    printer: &PrinterId,
    target: &PrintTarget,
    jobs: &[PrintJobId],
    interrupt: Option<&Interrupt>,
) -> Result<Vec<Tried>, Error> {
    let round = drive_round(client, printer, target, jobs, interrupt, false).await?;
    Ok(round.finish())
}

/// A `$batch` round of the learned pace ([`send_batch_parking`]): each job's result, or `None`
/// for a job the service throttled (`429`), which the pool parks until `after` has passed and
/// re-batches with whatever else is queued.
#[derive(Debug)]
pub(crate) struct Parking {
    /// Per job, in order: its result, or `None` when it was throttled and not re-sent here.
    pub tried: Vec<Option<Tried>>,
    /// The throttled jobs' errors (the `429` each got), in the order of `jobs`: reported if
    /// the job is throttled for longer than the retry budget, or not re-sent after a stop.
    pub throttled: Vec<(usize, GraphError)>,
    /// The longest `Retry-After` of the throttled jobs (1 s when none came with them).
    pub after: Duration,
    /// Inner requests the service accepted (any answer but a throttle), over the round's sends.
    pub accepted: usize,
    /// Inner requests answered `429`, over the round's sends.
    pub throttled_count: usize,
}

/// Like [`send_batch`], but the jobs answered `429` are not re-sent in this round (where they
/// would hold the pool's slot for their whole `Retry-After`): they come back in
/// [`Parking::tried`] as `None`, for the pool to park and re-batch (issue 22). The other
/// transient answers (`503`, `504`, a missing inner answer, inner `401`s) are re-sent here as
/// [`send_batch`] does: their jobs may have been acted on, and the round keeps track of that.
pub(crate) async fn send_batch_parking(
    client: &PrintClient,
    printer: &PrinterId,
    target: &PrintTarget,
    jobs: &[PrintJobId],
    interrupt: Option<&Interrupt>,
) -> Result<Parking, Error> {
    let mut round = drive_round(client, printer, target, jobs, interrupt, true).await?;
    let throttled = std::mem::take(&mut round.parked);
    let after = round.parked_after.unwrap_or(DEFAULT_THROTTLE_WAIT);
    let (accepted, throttled_count) = (round.accepted, round.throttled);
    let mut tried: Vec<Option<Tried>> = round.finish().into_iter().map(Some).collect();
    for index in throttled.keys() {
        tried[*index] = None;
    }
    Ok(Parking {
        tried,
        throttled: throttled.into_iter().collect(),
        after,
        accepted,
        throttled_count,
    })
}

/// The wait of a throttled job whose `429` came without a `Retry-After`: one second, the
/// shortest whole-second delay Graph sends (`concepts/throttling.md`; an *assumption* where the
/// header is missing, docs/graph-conformance.md).
const DEFAULT_THROTTLE_WAIT: Duration = Duration::from_secs(1);

/// Drives one round to its end within the client's retry policy; with `park`, the jobs
/// answered `429` leave the round after each send ([`BatchRound::park_throttled`]).
async fn drive_round(
    client: &PrintClient,
    printer: &PrinterId,
    target: &PrintTarget,
    jobs: &[PrintJobId],
    interrupt: Option<&Interrupt>,
    park: bool,
) -> Result<BatchRound, Error> {
    if jobs.len() > MAX_BATCH {
        return Err(Error::other(
            ErrorKind::Usage,
            format!(
                "a batch holds at most {MAX_BATCH} requests, not {}",
                jobs.len()
            ),
        ));
    }
    let options = client.options();
    let mut round = BatchRound::new(printer, target, jobs);
    round.interrupt = interrupt.cloned();
    let mut retry = options.retry.start();
    while !round.pending.is_empty() {
        if round.sends > 0 && stop::is_stopped(interrupt) {
            round.stop_resending();
            break;
        }
        let started = Instant::now();
        let mut sent = round.send(client).await?;
        retry.record_attempt(started.elapsed());
        if park {
            sent = round.park_throttled(sent);
        }
        match sent {
            Sent::Settled => break,
            Sent::Refused(refused) => {
                cancel_singly(client, &mut round, &refused).await?;
                break;
            }
            Sent::Resend {
                after: None,
                fresh_token: true,
            } => continue,
            Sent::Resend { after, .. } => match retry.next_delay(after, options.jitter.next()) {
                Ok(delay) => {
                    // A stop during the wait ends it (the loop's top sends nothing more).
                    stop::sleep_unless_stopped(options.sleeper.sleep(delay), interrupt).await;
                }
                Err(stop) => round.give_up(&stop.to_string()),
            },
        }
    }
    Ok(round)
}

/// `429 Too Many Requests`: the service's throttle (`concepts/throttling.md`).
const THROTTLED: u16 = 429;

/// What one send of a [`BatchRound`] left to do.
#[derive(Debug)]
pub(crate) enum Sent {
    /// Every job of the round has its result.
    Settled,
    /// Graph refused the `$batch` itself (`400`): the pending jobs are to be sent one request
    /// each ([`cancel_singly`]).
    Refused(GraphError),
    /// Some jobs are still pending, to be sent again: after `after` (the longest inner
    /// `Retry-After`; `None`: the retry policy's backoff), or at once when `fresh_token` (inner
    /// `401`s: the next send asks for a fresh token) and no `Retry-After` came with them.
    Resend {
        /// The longest inner `Retry-After`.
        after: Option<Duration>,
        /// The next send asks the token source for a fresh token.
        fresh_token: bool,
    },
}

/// One `$batch` of cancels in progress.
pub(crate) struct BatchRound {
    /// The printer whose documented cancel path is used.
    printer: PrinterId,
    /// The printer or share the user named (for messages and reads).
    target: PrintTarget,
    jobs: Vec<PrintJobId>,
    /// Indexes into `jobs` still to send.
    pending: Vec<usize>,
    results: BTreeMap<usize, Result<(), GraphError>>,
    /// Whether some request may have reached the service before a retry.
    ambiguous: bool,
    sends: u32,
    /// The last transient error per pending job (reported if retries run out).
    last_errors: BTreeMap<usize, GraphError>,
    /// Inner 401s were answered: the next send needs a fresh token (`Some(claims)` when a
    /// claims challenge came with them).
    unauthorized: Option<Option<String>>,
    /// A fresh token was already asked for once (a second inner 401 is final).
    reauthenticated: bool,
    /// Jobs whose cancel may have taken effect before their final answer: sent alone (the batch
    /// was refused) with a retried request of their own, or answered with a `2xx` other than the
    /// documented `204`. A later failure of theirs is checked by reading the job.
    maybe_delivered: HashSet<usize>,
    /// The token request of the next send, after inner `401`s ([`Self::take_reauthentication`]).
    next_token: Option<TokenRequest>,
    /// The bulk cancel's stop (no re-send after it), if it can be stopped.
    interrupt: Option<Interrupt>,
    /// Inner requests accepted (any answer but `429`) and throttled (`429`), over all sends.
    accepted: usize,
    throttled: usize,
    /// The retry wait of each pending job answered `429` by the last send (the longest
    /// `Retry-After` of the send), for [`Self::park_throttled`].
    throttled_now: BTreeMap<usize, Option<Duration>>,
    /// Jobs taken out of the round throttled ([`Self::park_throttled`]), with their `429`.
    parked: BTreeMap<usize, GraphError>,
    /// The longest `Retry-After` of the parked jobs.
    parked_after: Option<Duration>,
}

impl BatchRound {
    pub(crate) fn new(printer: &PrinterId, target: &PrintTarget, jobs: &[PrintJobId]) -> Self {
        Self {
            printer: printer.clone(),
            target: target.clone(),
            jobs: jobs.to_vec(),
            pending: (0..jobs.len()).collect(),
            results: BTreeMap::new(),
            ambiguous: false,
            sends: 0,
            last_errors: BTreeMap::new(),
            unauthorized: None,
            reauthenticated: false,
            maybe_delivered: HashSet::new(),
            next_token: None,
            interrupt: None,
            accepted: 0,
            throttled: 0,
            throttled_now: BTreeMap::new(),
            parked: BTreeMap::new(),
            parked_after: None,
        }
    }

    /// Takes the jobs the last send had answered `429` out of the round (their `Retry-After`
    /// is waited out by the pool, not in this round), and says what is left to do for the
    /// others: settled when nothing else is pending, else `sent` as it was.
    pub(crate) fn park_throttled(&mut self, sent: Sent) -> Sent {
        let throttled = std::mem::take(&mut self.throttled_now);
        if throttled.is_empty() {
            return sent;
        }
        for (index, after) in throttled {
            let Some(error) = self.last_errors.remove(&index) else {
                continue;
            };
            self.pending.retain(|&p| p != index);
            self.parked_after = self.parked_after.max(after);
            self.parked.insert(index, error.with_attempts(self.sends));
        }
        match sent {
            Sent::Resend { .. } if self.pending.is_empty() => Sent::Settled,
            other => other,
        }
    }

    /// Sends the pending requests of the round once and records their answers.
    pub(crate) async fn send(&mut self, client: &PrintClient) -> Result<Sent, Error> {
        let operation = format!(
            "cancel {} jobs on {} (batch)",
            self.pending.len(),
            self.target
        );
        let request = self.request();
        self.sends += 1;
        let first = self.next_token.take();
        let answer = match client
            .batch(
                operation.clone(),
                &request,
                Operation::CancelJob,
                first,
                self.interrupt.as_ref(),
            )
            .await
        {
            Ok(answer) => answer,
            Err(Error::Graph(error)) if error.status == Some(400) => {
                return Ok(Sent::Refused(error));
            }
            Err(Error::Graph(error)) => {
                self.fail_all(&error);
                return Ok(self.what_next(client, None));
            }
            Err(other) => return Err(other),
        };
        if answer.attempts > 1 {
            self.ambiguous = true;
        }
        let response: BatchResponse = match parse_json(&operation, &answer) {
            Ok(response) => response,
            Err(error) => {
                self.fail_all(&unreadable_batch(&operation, &answer, error));
                return Ok(self.what_next(client, None));
            }
        };
        if answer.status == 424 {
            tracing::debug!(
                jobs = self.pending.len(),
                "the $batch was answered 424 (a request in it was throttled): reading each answer"
            );
        }
        let after = self.absorb(response, &answer.scopes);
        Ok(self.what_next(client, after))
    }

    /// After a send: settled, or the pending jobs to send again (with a fresh token after
    /// inner `401`s, once per round).
    fn what_next(&mut self, client: &PrintClient, after: Option<Duration>) -> Sent {
        if self.pending.is_empty() {
            return Sent::Settled;
        }
        let fresh = self.take_reauthentication(client.token_request(Operation::CancelJob));
        let fresh_token = fresh.is_some();
        self.next_token = fresh;
        Sent::Resend { after, fresh_token }
    }

    /// Each job's result, in order, and whether it may have been delivered before its final
    /// answer (a retried batch, a batch without an answer for it, or its own retried send).
    pub(crate) fn finish(mut self) -> Vec<Tried> {
        let ambiguous = self.ambiguous || self.sends > 1;
        (0..self.jobs.len())
            .map(|index| Tried {
                result: self.results.remove(&index).unwrap_or_else(|| {
                    Err(GraphError::transport(
                        &self.operation(index),
                        codes::INVALID_RESPONSE,
                        "the batch response had no answer for this job",
                    ))
                }),
                retried: ambiguous || self.maybe_delivered.contains(&index),
            })
            .collect()
    }

    /// After inner 401s (once per batch): the token request for the next send.
    fn take_reauthentication(&mut self, mut request: TokenRequest) -> Option<TokenRequest> {
        let claims = self.unauthorized.take()?;
        self.reauthenticated = true;
        request.force_refresh = true;
        request.claims = claims;
        Some(request)
    }

    fn operation(&self, index: usize) -> String {
        operation(&self.jobs[index], &self.target)
    }

    fn request(&self) -> BatchRequest {
        BatchRequest {
            requests: self
                .pending
                .iter()
                .map(|&i| {
                    BatchRequestItem::write_without_body(
                        (i + 1).to_string(),
                        "POST",
                        printer_cancel_path(&self.printer, &self.jobs[i]),
                    )
                })
                .collect(),
        }
    }

    /// Records the inner answers; keeps the transient failures pending.
    fn absorb(&mut self, response: BatchResponse, scopes: &[Scope]) -> Option<Duration> {
        self.throttled_now.clear();
        let mut longest: Option<Duration> = None;
        let mut still = Vec::new();
        let mut answered = HashSet::new();
        for item in response.responses {
            let Some(index) = self.index_of(&item.id) else {
                continue;
            };
            if !answered.insert(index) {
                continue;
            }
            if item.status != THROTTLED {
                self.accepted += 1;
            }
            if item.status == CANCELLED {
                self.results.insert(index, Ok(()));
                continue;
            }
            let body = item
                .body
                .as_ref()
                .map(|b| b.to_string())
                .unwrap_or_default();
            let ids = (
                item.header("request-id").map(str::to_owned),
                item.header("client-request-id").map(str::to_owned),
            );
            let mut error = GraphError::from_response(
                &self.operation(index),
                item.status,
                body.as_bytes(),
                ids,
            );
            if error.is_forbidden() {
                error = error.with_forbidden_explained(Resource::Jobs, scopes);
            }
            if (200..300).contains(&item.status) {
                self.maybe_delivered.insert(index);
                if let Err(undocumented) = expect_cancelled(&self.operation(index), item.status) {
                    error = undocumented;
                }
            }
            match decide(item.status, &item, Some(&error), SystemTime::now()) {
                Decision::Reauthenticate { claims } if !self.reauthenticated => {
                    let slot = self.unauthorized.get_or_insert(None);
                    if slot.is_none() {
                        *slot = claims;
                    }
                    self.last_errors.insert(index, error);
                    still.push(index);
                }
                Decision::RetryAfter(after) => {
                    longest = longest.max(after);
                    if item.status == THROTTLED {
                        self.throttled_now.insert(index, after);
                        // A 429 that asks for no wait (`Retry-After: 0`) says nothing of a rate:
                        // it is re-sent at once and is no signal for the pace (G18).
                        if after != Some(Duration::ZERO) {
                            self.throttled += 1;
                        }
                    }
                    self.last_errors.insert(index, error);
                    still.push(index);
                }
                Decision::Done | Decision::Fail | Decision::Reauthenticate { .. } => {
                    self.results
                        .insert(index, Err(error.with_attempts(self.sends)));
                }
            }
        }
        for &index in &self.pending {
            if !answered.contains(&index) {
                self.ambiguous = true;
                still.push(index);
            }
        }
        still.sort_unstable();
        self.pending = still;
        longest
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        let n: usize = id.parse().ok()?;
        (1..=self.jobs.len())
            .contains(&n)
            .then(|| n - 1)
            .filter(|i| self.pending.contains(i))
    }

    /// The whole batch failed (after the outer retries): every pending job gets the error. Without
    /// an answer, after a `504`, or after a `424` whose body could not be read, some inner
    /// cancels may have run: a later failure of theirs is checked by reading the job.
    fn fail_all(&mut self, error: &GraphError) {
        if matches!(error.status, None | Some(504) | Some(424)) {
            self.ambiguous = true;
        }
        for index in std::mem::take(&mut self.pending) {
            let mut own = error.clone();
            own.operation = self.operation(index).into();
            self.results.insert(index, Err(own));
        }
    }

    /// The work was told to stop: the pending jobs are not sent again, each failing
    /// [`codes::NOT_RESENT`] with its last answer (or the lack of one) in the message.
    fn stop_resending(&mut self) {
        for index in std::mem::take(&mut self.pending) {
            let error = self.last_errors.remove(&index).unwrap_or_else(|| {
                GraphError::transport(
                    &self.operation(index),
                    codes::INVALID_RESPONSE,
                    "the batch response had no answer for this job",
                )
            });
            self.results
                .insert(index, Err(error.with_attempts(self.sends).not_resent()));
        }
    }

    /// Retries ran out: the pending jobs keep their last transient error.
    fn give_up(&mut self, why: &str) {
        for index in std::mem::take(&mut self.pending) {
            let error = self.last_errors.remove(&index).unwrap_or_else(|| {
                GraphError::transport(
                    &self.operation(index),
                    codes::INVALID_RESPONSE,
                    "the batch response had no answer for this job",
                )
            });
            let hint = match &error.hint {
                Some(h) => format!("{why}; {h}"),
                None => why.to_string(),
            };
            self.results
                .insert(index, Err(error.with_hint(hint).with_attempts(self.sends)));
        }
    }
}

/// Graph refused the batch itself (`400`): each pending job is cancelled with its own request,
/// so none is reported failed without an attempt of its own.
async fn cancel_singly(
    client: &PrintClient,
    round: &mut BatchRound,
    refused: &GraphError,
) -> Result<(), Error> {
    tracing::warn!(
        code = %refused.code,
        jobs = round.pending.len(),
        "Graph refused the $batch request; canceling its jobs one request each"
    );
    let interrupt = round.interrupt.clone();
    for index in std::mem::take(&mut round.pending) {
        let job = round.jobs[index].clone();
        if stop::is_stopped(interrupt.as_ref()) {
            let error = refused.clone().with_attempts(round.sends);
            round.results.insert(index, Err(error.not_resent()));
            continue;
        }
        let mut tried = Tried::single(
            client,
            &round.printer,
            &round.target,
            &job,
            interrupt.as_ref(),
        )
        .await?;
        tried.result = tried.result.map_err(|error| {
            error.with_hint(format!(
                "sent on its own after Graph refused the batch ({}: {})",
                refused.code, refused.message
            ))
        });
        if tried.retried {
            round.maybe_delivered.insert(index);
        }
        round.results.insert(index, tried.result);
    }
    Ok(())
}

/// The error of a `$batch` answer whose body is not a batch response: for a `424` (which
/// should carry one), Graph's own error in it; for a `2xx`, the unreadable body.
fn unreadable_batch(operation: &str, answer: &Answer, unreadable: GraphError) -> GraphError {
    if (200..300).contains(&answer.status) {
        return unreadable;
    }
    GraphError::from_response(operation, answer.status, &answer.body, (None, None))
        .with_attempts(answer.attempts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_of(jobs: &[&str]) -> BatchRound {
        let printer = PrinterId::new("p1").unwrap();
        let jobs: Vec<PrintJobId> = jobs.iter().map(|j| PrintJobId::new(*j).unwrap()).collect();
        BatchRound::new(&printer, &PrintTarget::Printer(printer.clone()), &jobs)
    }

    fn answers(value: serde_json::Value) -> BatchResponse {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_round_settles_its_204s_and_keeps_only_throttled_jobs_pending_for_the_longest_retry_after()
    {
        let mut round = round_of(&["a", "b", "c"]);
        let after = round.absorb(
            answers(serde_json::json!({"responses": [
                {"id": "1", "status": 204},
                {"id": "2", "status": 429, "headers": {"Retry-After": "3"}},
                {"id": "3", "status": 429, "headers": {"Retry-After": "1.5"}},
            ]})),
            &[],
        );
        assert_eq!(after, Some(Duration::from_secs(3)));
        assert_eq!(round.pending, [1, 2]);
        round.give_up("the retry budget ran out");
        let tried = round.finish();
        assert!(tried[0].result.is_ok());
        for throttled in &tried[1..] {
            let error = throttled.result.as_ref().unwrap_err();
            assert_eq!(error.status, Some(429));
            assert!(error
                .hint
                .as_deref()
                .unwrap_or_default()
                .starts_with("the retry budget ran out"));
        }
    }

    #[test]
    fn throttled_jobs_leave_the_round_and_only_429s_that_ask_for_a_wait_count_for_the_pace() {
        let mut round = round_of(&["a", "b", "c", "d"]);
        let after = round.absorb(
            answers(serde_json::json!({"responses": [
                {"id": "1", "status": 204},
                {"id": "2", "status": 429, "headers": {"Retry-After": "2"}},
                {"id": "3", "status": 429, "headers": {"Retry-After": "0"}},
                {"id": "4", "status": 503, "headers": {"Retry-After": "1"}},
            ]})),
            &[],
        );
        let sent = round.park_throttled(Sent::Resend {
            after,
            fresh_token: false,
        });
        assert!(
            matches!(sent, Sent::Resend { .. }),
            "the 503 stays in the round"
        );
        assert_eq!(round.pending, [3]);
        assert_eq!(round.parked.keys().copied().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(round.parked_after, Some(Duration::from_secs(2)));
        assert_eq!((round.accepted, round.throttled), (2, 1));
    }

    #[test]
    fn a_job_the_batch_answer_leaves_out_stays_pending_and_its_failure_is_read_later() {
        let mut round = round_of(&["a", "b"]);
        let after = round.absorb(
            answers(serde_json::json!({"responses": [
                {"id": "1", "status": 204},
                // An id the round never sent is ignored.
                {"id": "9", "status": 204},
            ]})),
            &[],
        );
        assert_eq!(after, None);
        assert_eq!(round.pending, [1]);
        round.give_up("stopped");
        let tried = round.finish();
        assert!(tried[0].result.is_ok());
        assert!(tried[1].result.is_err());
        assert!(
            tried.iter().all(|t| t.retried),
            "an unanswered job makes the round ambiguous"
        );
    }

    #[test]
    fn an_inner_2xx_other_than_204_is_not_a_cancel_but_is_read_after() {
        let mut round = round_of(&["a", "b"]);
        round.absorb(
            answers(serde_json::json!({"responses": [
                {"id": "1", "status": 200, "body": {}},
                {"id": "2", "status": 204},
            ]})),
            &[],
        );
        assert!(round.pending.is_empty());
        let tried = round.finish();
        let error = tried[0].result.as_ref().unwrap_err();
        assert!(error.message.contains("expected 204 No Content, got 200"));
        assert!(tried[0].retried, "a 200 may have cancelled: read the job");
        assert!(tried[1].result.is_ok() && !tried[1].retried);
    }
}
