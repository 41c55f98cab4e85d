//! [`PrintClient`]: the typed operations on Graph's print API.

use super::batch::{BatchRequest, BatchRequestItem, BatchResponse, MAX_BATCH};
use super::decision::{decide, Decision};
use super::error::{codes, GraphError, Resource};
use super::filter::{Creator, JobFilter};
use super::model::{Collection, PrintJob, PrintJobProcessingState, Printer, PrinterShare};
use super::request::{Answer, Call};
use super::retry::{Jitter, RandomJitter, RetryPolicy, Sleeper, TokioSleeper};
use super::scopes::Operation;
use super::target::{printer_cancel_path, PrintTarget};
use crate::auth::{TokenRequest, TokenSource};
use crate::config::require_secure_endpoint;
use crate::error::{Error, ErrorKind};
use crate::ids::{PrintJobId, PrinterId, PrinterShareId, Scope};
use crate::stop::{self, Interrupt};
use futures::stream::BoxStream;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use url::Url;

/// The most pages a listing follows before giving up (a loop guard).
const MAX_PAGES: usize = 10_000;

/// Settings of a [`PrintClient`]; [`PrintClientBuilder`] sets them.
#[derive(Clone)]
pub struct PrintClientOptions {
    /// The retry policy for transient failures.
    pub retry: RetryPolicy,
    /// Timeout for establishing a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Timeout for a whole request, response body included. Default 60 s.
    pub request_timeout: Duration,
    /// The `User-Agent` header. Default `printjob/{version}`.
    pub user_agent: String,
    /// The scopes asked of the token source for job operations. Default
    /// `PrintJob.ReadWriteBasic`.
    pub scopes: Vec<Scope>,
    /// The scopes asked for listing printers. Default `Printer.Read.All`.
    pub printer_scopes: Vec<Scope>,
    /// The scopes asked for listing printer shares. Default `PrinterShare.ReadBasic.All`.
    pub share_scopes: Vec<Scope>,
    /// How to wait between retries (real sleeping by default).
    pub sleeper: Arc<dyn Sleeper>,
    /// Where backoff jitter comes from (random by default).
    pub jitter: Arc<dyn Jitter>,
}

impl Default for PrintClientOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            user_agent: format!("printjob/{}", env!("CARGO_PKG_VERSION")),
            scopes: Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC)
                .into_iter()
                .collect(),
            printer_scopes: Scope::new("Printer.Read.All").into_iter().collect(),
            share_scopes: Scope::new("PrinterShare.ReadBasic.All")
                .into_iter()
                .collect(),
            sleeper: Arc::new(TokioSleeper),
            jitter: Arc::new(RandomJitter),
        }
    }
}

impl fmt::Debug for PrintClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrintClientOptions")
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("user_agent", &self.user_agent)
            .field("scopes", &self.scopes)
            .field("printer_scopes", &self.printer_scopes)
            .field("share_scopes", &self.share_scopes)
            .finish_non_exhaustive()
    }
}

/// Builds a [`PrintClient`].
pub struct PrintClientBuilder {
    source: Arc<dyn TokenSource>,
    graph_url: String,
    options: PrintClientOptions,
}

impl fmt::Debug for PrintClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrintClientBuilder")
            .field("graph_url", &self.graph_url)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl PrintClientBuilder {
    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = policy;
        self
    }

    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.connect_timeout = timeout;
        self
    }

    /// The whole-request timeout (default 60 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.options.request_timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.options.user_agent = user_agent.into();
        self
    }

    /// The scopes asked of the token source for job operations (default
    /// `PrintJob.ReadWriteBasic`).
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.options.scopes = scopes.into_iter().collect();
        self
    }

    /// The scopes asked for listing printers (default `Printer.Read.All`).
    pub fn printer_scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.options.printer_scopes = scopes.into_iter().collect();
        self
    }

    /// The scopes asked for listing printer shares (default `PrinterShare.ReadBasic.All`).
    pub fn share_scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.options.share_scopes = scopes.into_iter().collect();
        self
    }

    /// How to wait between retries (tests pass one that records).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.options.sleeper = sleeper;
        self
    }

    /// Where backoff jitter comes from (tests pass a fixed one).
    pub fn jitter(mut self, jitter: Arc<dyn Jitter>) -> Self {
        self.options.jitter = jitter;
        self
    }

    /// Checks the Graph URL and builds the HTTP client.
    pub fn build(self) -> Result<PrintClient, Error> {
        let base = parse_graph_url(&self.graph_url)?;
        let http = crate::http::client(&crate::http::ClientSettings {
            user_agent: self.options.user_agent.clone(),
            connect_timeout: self.options.connect_timeout,
            request_timeout: self.options.request_timeout,
        })
        .map_err(|e| {
            Error::other(
                ErrorKind::Internal,
                format!("cannot create the HTTP client: {e}"),
            )
        })?;
        Ok(PrintClient {
            inner: Arc::new(Inner {
                http,
                base,
                source: self.source,
                options: self.options,
            }),
        })
    }
}

/// A Microsoft Graph client for Universal Print jobs. Cheap to clone (shared state).
///
/// It takes tokens from a [`TokenSource`] (never obtaining them itself), sends every request
/// with `Authorization: Bearer` (a header marked sensitive) and a fresh `client-request-id`,
/// retries throttling and unavailability by its [`RetryPolicy`], refreshes the token once on
/// `401` (or re-acquires it with the claims of a CAE challenge), and turns Graph error bodies
/// into [`GraphError`]s.
///
/// ```no_run
/// # async fn demo() -> Result<(), printjob::Error> {
/// use printjob::StaticToken;
/// use printjob::{PrintClient, PrintTarget};
/// use printjob::AccessToken;
/// use printjob::{PrintJobId, PrinterId};
/// use std::sync::Arc;
///
/// let token = StaticToken::new(AccessToken::new("eyJ0eXAi…"), None)?;
/// let client = PrintClient::new(Arc::new(token), "https://graph.microsoft.com/v1.0")?;
/// let printer = PrintTarget::Printer(PrinterId::new("2f3453b7-4686-4b5b-9575-4f1e5b909ba7")?);
/// client.cancel_job(&printer, &PrintJobId::new("31")?).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PrintClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub http: reqwest::Client,
    pub base: Url,
    pub source: Arc<dyn TokenSource>,
    pub options: PrintClientOptions,
}

impl fmt::Debug for PrintClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrintClient")
            .field("graph_url", &self.inner.base.as_str())
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// One cancel as sent, before the post-failure check.
#[derive(Debug)]
pub(crate) struct Tried {
    /// `Ok` on `204 No Content`.
    pub result: Result<(), GraphError>,
    /// The request was sent more than once (or its answer went missing), so an earlier send
    /// may have cancelled the job: a failure is then checked by reading the job.
    pub retried: bool,
}

/// What reading a job after its cancel failed showed ([`PrintClient::after_failed_cancel`]).
#[derive(Debug)]
pub(crate) enum AfterFailure {
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

/// The outcome of one job's cancel inside a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCancel {
    /// The job.
    pub job: PrintJobId,
    /// `Ok` when Graph answered `204` (or a retried cancel found the job `canceled`).
    pub result: Result<(), GraphError>,
}

impl PrintClient {
    /// A client with default options for `graph_url` (`https://graph.microsoft.com/v1.0`).
    pub fn new(source: Arc<dyn TokenSource>, graph_url: &str) -> Result<Self, Error> {
        Self::builder(source, graph_url).build()
    }

    /// A builder, to set the retry policy, timeouts, user agent or scopes.
    pub fn builder(source: Arc<dyn TokenSource>, graph_url: &str) -> PrintClientBuilder {
        PrintClientBuilder {
            source,
            graph_url: graph_url.to_string(),
            options: PrintClientOptions::default(),
        }
    }

    /// The Graph endpoint this client talks to.
    pub fn graph_url(&self) -> &Url {
        &self.inner.base
    }

    /// The signed-in user as a job filter's creator (for `--mine`): the object id from the ID
    /// token (`oid`) and its `upn` claim; `None` when the token source knows neither.
    pub async fn signed_in_user(&self) -> Result<Option<Creator>, Error> {
        let token = self.token(&self.token_request(Operation::ReadJobs)).await?;
        let upn = self
            .inner
            .source
            .signed_in_user()
            .await?
            .and_then(|u| u.upn);
        Ok(match (token.user_id, upn) {
            (None, None) => None,
            (id, upn) => Some(Creator::User { id, upn }),
        })
    }

    /// The printer behind a share: `GET /print/shares/{id}?$expand=printer` (the v1.0
    /// metadata gives `printerShare` a `printer` navigation, and `printershare-get.md`
    /// documents `$expand`; that expanding it is allowed with the share scopes is an
    /// *assumption*, see docs/graph-conformance.md). A refusal carries advice.
    pub async fn share_printer(&self, share: &PrinterShareId) -> Result<PrinterId, Error> {
        let target = PrintTarget::Share(share.clone());
        let mut url = self.url(&target.path(), None)?;
        url.set_query(Some("$expand=printer"));
        let call = Call {
            resource: Resource::Shares,
            access: Operation::ReadShares,
            ..Call::jobs(format!("find the printer of {target}"), Method::GET, url)
        };
        let answer = self.execute(&call).await.map_err(|e| match e {
            Error::Graph(error) if error.is_forbidden() => Error::Graph(error.with_hint(
                "cancel is documented only on the printer (POST /print/printers/{printerId}/jobs/{printJobId}/cancel), \
                 and finding a share's printer was refused; ask your administrator for the printer id \
                 and cancel with the printer id instead of the share id",
            )),
            other => other,
        })?;
        let found: PrinterShare = parse_json(&call.operation, &answer)?;
        let id = found.printer.map(|p| p.base.id).ok_or_else(|| {
            Error::from(invalid(
                &call.operation,
                "the share was returned without its printer ($expand=printer)",
            ))
        })?;
        Ok(PrinterId::new(id)?)
    }

    /// The printer whose documented cancel path serves `target` (a share is resolved once).
    pub async fn cancel_printer(&self, target: &PrintTarget) -> Result<PrinterId, Error> {
        match target {
            PrintTarget::Printer(id) => Ok(id.clone()),
            PrintTarget::Share(share) => self.share_printer(share).await,
        }
    }

    /// `GET /print/printers`: every printer the user can see (all pages).
    pub async fn printers(&self) -> Result<Vec<Printer>, Error> {
        let url = self.url("/print/printers", None)?;
        self.list(
            "list printers",
            Resource::Printers,
            Operation::ReadPrinters,
            url,
        )
        .await
    }

    /// `GET /print/shares`: every printer share the user can see (all pages).
    pub async fn shares(&self) -> Result<Vec<PrinterShare>, Error> {
        let url = self.url("/print/shares", None)?;
        self.list(
            "list printer shares",
            Resource::Shares,
            Operation::ReadShares,
            url,
        )
        .await
    }

    /// `GET /print/shares`, reading only `id` and `displayName` of each share (what
    /// `print-list-shares.md` promises even in the limited response non-administrators get).
    pub(crate) async fn share_names(&self) -> Result<Vec<super::names::Named>, Error> {
        let url = self.url("/print/shares", None)?;
        self.list(
            "list printer shares",
            Resource::Shares,
            Operation::ReadShares,
            url,
        )
        .await
    }

    /// `GET /print/printers`, reading only `id` and `displayName` of each printer.
    pub(crate) async fn printer_names(&self) -> Result<Vec<super::names::Named>, Error> {
        let url = self.url("/print/printers", None)?;
        self.list(
            "list printers",
            Resource::Printers,
            Operation::ReadPrinters,
            url,
        )
        .await
    }

    /// `GET {target}/jobs`: the target's jobs that pass `filter` (all pages). States are
    /// selected here; only the documented `createdBy/userPrincipalName` `$filter` is sent.
    pub async fn jobs(
        &self,
        target: &PrintTarget,
        filter: &JobFilter,
    ) -> Result<Vec<PrintJob>, Error> {
        let url = self.url(&target.jobs_path(), filter.to_odata().as_deref())?;
        let jobs: Vec<PrintJob> = self
            .list(
                &format!("list jobs of {target}"),
                Resource::Jobs,
                read_access(target),
                url,
            )
            .await?;
        Ok(jobs.into_iter().filter(|j| filter.matches(j)).collect())
    }

    /// [`PrintClient::jobs`] one listing page at a time, as a stream (each item: the jobs of
    /// one page that pass `filter`), so that a caller can act on page 1 while page 2 is
    /// fetched. The stream keeps the page request in flight when it is not polled.
    pub fn job_pages(
        &self,
        target: &PrintTarget,
        filter: &JobFilter,
    ) -> Result<BoxStream<'static, Result<Vec<PrintJob>, Error>>, Error> {
        struct State {
            client: PrintClient,
            filter: JobFilter,
            operation: String,
            access: Operation,
            next: Option<Url>,
            seen: HashSet<String>,
        }
        let state = State {
            client: self.clone(),
            filter: filter.clone(),
            operation: format!("list jobs of {target}"),
            access: read_access(target),
            next: Some(self.url(&target.jobs_path(), filter.to_odata().as_deref())?),
            seen: HashSet::new(),
        };
        let pages = futures::stream::unfold(state, |mut state| async move {
            let url = state.next.take()?;
            let page = state
                .client
                .page::<PrintJob>(
                    &state.operation,
                    Resource::Jobs,
                    state.access,
                    url,
                    &mut state.seen,
                )
                .await;
            match page {
                Ok((jobs, next)) => {
                    state.next = next;
                    let jobs = jobs
                        .into_iter()
                        .filter(|j| state.filter.matches(j))
                        .collect();
                    Some((Ok(jobs), state))
                }
                Err(error) => Some((Err(error), state)),
            }
        });
        Ok(Box::pin(pages))
    }

    /// `GET {target}/jobs/{job}`.
    pub async fn job(&self, target: &PrintTarget, job: &PrintJobId) -> Result<PrintJob, Error> {
        let call = Call {
            access: read_access(target),
            ..Call::jobs(
                format!("get job {job} on {target}"),
                Method::GET,
                self.url(&target.job_path(job), None)?,
            )
        };
        let answer = self.execute(&call).await?;
        Ok(parse_json(&call.operation, &answer)?)
    }

    /// `POST /print/printers/{printer}/jobs/{job}/cancel` with no body (a share is first
    /// resolved to its printer: cancel is documented on the printers path only); success only
    /// on `204 No Content`.
    ///
    /// A cancel that had to be retried and then fails (the first try may have reached the
    /// service) is checked with a `GET`: a job found `canceled` counts as success.
    pub async fn cancel_job(&self, target: &PrintTarget, job: &PrintJobId) -> Result<(), Error> {
        let printer = self.cancel_printer(target).await?;
        self.cancel_on(&printer, target, job).await
    }

    /// [`PrintClient::cancel_job`] on an already resolved printer; `target` is where the job
    /// is read if the cancel needs checking.
    pub(crate) async fn cancel_on(
        &self,
        printer: &PrinterId,
        target: &PrintTarget,
        job: &PrintJobId,
    ) -> Result<(), Error> {
        let tried = self.try_cancel_on(printer, target, job, None).await?;
        Ok(self.settle(target, job, tried).await?)
    }

    /// One cancel request, without the post-failure check (the caller makes it, once); after
    /// `interrupt`'s stop it is not re-sent, after its abandon its answer is not awaited.
    pub(crate) async fn try_cancel_on(
        &self,
        printer: &PrinterId,
        target: &PrintTarget,
        job: &PrintJobId,
        interrupt: Option<&Interrupt>,
    ) -> Result<Tried, Error> {
        let call = Call {
            access: Operation::CancelJob,
            interrupt: interrupt.cloned(),
            ..Call::jobs(
                format!("cancel job {job} on {target}"),
                Method::POST,
                self.url(&printer_cancel_path(printer, job), None)?,
            )
        };
        match self.execute(&call).await {
            Ok(answer) => Ok(Tried {
                result: expect_no_content(&call.operation, &answer),
                retried: answer.attempts > 1,
            }),
            Err(Error::Graph(error)) => Ok(Tried {
                retried: error.attempts > 1,
                result: Err(error),
            }),
            Err(error) => Err(error),
        }
    }

    /// A cancel's result for callers of the client: a failure after a retried send is checked
    /// with [`PrintClient::after_failed_cancel`], and a job found `canceled` counts as success.
    async fn settle(
        &self,
        target: &PrintTarget,
        job: &PrintJobId,
        tried: Tried,
    ) -> Result<(), GraphError> {
        match tried.result {
            Err(error) if tried.retried => match self
                .after_failed_cancel(target, job, error, true)
                .await
            {
                AfterFailure::CanceledByUs => Ok(()),
                AfterFailure::Finished { error, .. } | AfterFailure::Failed(error) => Err(error),
            },
            result => result,
        }
    }

    /// The one post-failure check: after a cancel of `job` failed with `error`, reads the job
    /// once — unless the error already says all (transient, 401, 403, 404) — to tell a job
    /// that is finished (or that a retried send, `retried`, did cancel) from a real failure.
    pub(crate) async fn after_failed_cancel(
        &self,
        target: &PrintTarget,
        job: &PrintJobId,
        error: GraphError,
        retried: bool,
    ) -> AfterFailure {
        if error_says_all(&error) {
            return AfterFailure::Failed(error);
        }
        match self.job(target, job).await {
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

    /// Cancels up to [`MAX_BATCH`] jobs in one `POST /$batch`. Inner `429`/`503`/`504`
    /// answers are re-sent (only those, together, after the longest of their `Retry-After`
    /// values), within the retry policy; a batch answered `424` (Graph's answer to a batch
    /// holding a throttled request) is read like one answered `200`, each `204` in it a cancel;
    /// inner `401` answers (the token expired mid-bulk, or a CAE claims challenge) are re-sent
    /// once with a refreshed token (or one carrying the challenge's claims); a failure of the
    /// whole batch becomes each job's error. `Err` only when no request could be made at all
    /// (token, invalid input).
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
        self.cancel_batch_on(&printer, target, jobs).await
    }

    /// [`PrintClient::cancel_batch`] on an already resolved printer.
    pub(crate) async fn cancel_batch_on(
        &self,
        printer: &PrinterId,
        target: &PrintTarget,
        jobs: &[PrintJobId],
    ) -> Result<Vec<JobCancel>, Error> {
        let tried = self
            .try_cancel_batch_on(printer, target, jobs, None)
            .await?;
        let mut out = Vec::with_capacity(jobs.len());
        for (job, tried) in jobs.iter().zip(tried) {
            let result = self.settle(target, job, tried).await;
            out.push(JobCancel {
                job: job.clone(),
                result,
            });
        }
        Ok(out)
    }

    /// One `$batch` of cancels (its retries included), without the post-failure check (the
    /// caller makes it, once); results in the order of `jobs`. After `interrupt`'s stop no
    /// request is re-sent (the pending jobs fail [`codes::NOT_RESENT`]); after its abandon the
    /// answer in flight is given up ([`codes::NO_ANSWER`]); the answers already read are kept.
    pub(crate) async fn try_cancel_batch_on(
        &self,
        printer: &PrinterId,
        target: &PrintTarget,
        jobs: &[PrintJobId],
        interrupt: Option<&Interrupt>,
    ) -> Result<Vec<Tried>, Error> {
        if jobs.len() > MAX_BATCH {
            return Err(Error::other(
                ErrorKind::Usage,
                format!(
                    "a batch holds at most {MAX_BATCH} requests, not {}",
                    jobs.len()
                ),
            ));
        }
        let mut round = BatchRound::new(printer, target, jobs, interrupt);
        let mut retry = self.inner.options.retry.start();
        let mut token_request = None;
        while !round.pending.is_empty() {
            if round.sends > 0 && stop::is_stopped(interrupt) {
                round.stop_resending();
                break;
            }
            let started = std::time::Instant::now();
            let retry_after = self.send_round(&mut round, token_request.take()).await?;
            retry.record_attempt(started.elapsed());
            if let Some(refused) = round.refused.take() {
                self.cancel_singly(&mut round, &refused).await?;
                break;
            }
            if round.pending.is_empty() {
                break;
            }
            if let Some(request) =
                round.take_reauthentication(self.token_request(Operation::CancelJob))
            {
                token_request = Some(request);
                if retry_after.is_none() {
                    continue;
                }
            }
            match retry.next_delay(retry_after, self.inner.options.jitter.next()) {
                Ok(delay) => {
                    let sleep = self.inner.options.sleeper.sleep(delay);
                    stop::sleep_unless_stopped(sleep, interrupt).await;
                }
                Err(stop) => round.give_up(&stop.to_string()),
            }
        }
        Ok(round.finish())
    }

    /// Sends the pending requests of a batch once; returns the longest inner `Retry-After`.
    async fn send_round(
        &self,
        round: &mut BatchRound,
        token_request: Option<TokenRequest>,
    ) -> Result<Option<Duration>, Error> {
        let call = Call {
            operation: format!(
                "cancel {} jobs on {} (batch)",
                round.pending.len(),
                round.target
            ),
            method: Method::POST,
            url: self.url("/$batch", None)?,
            body: Some(serde_json::to_value(round.request()).map_err(internal)?),
            resource: Resource::Jobs,
            access: Operation::CancelJob,
            batch: true,
            interrupt: round.interrupt.clone(),
        };
        round.sends += 1;
        let first = token_request.unwrap_or_else(|| self.token_request(call.access));
        let answer = match self.execute_with(&call, first).await {
            Ok(answer) => answer,
            Err(Error::Graph(error)) if error.status == Some(400) => {
                round.refused = Some(error);
                return Ok(None);
            }
            Err(Error::Graph(error)) => {
                round.fail_all(&error);
                return Ok(None);
            }
            Err(other) => return Err(other),
        };
        if answer.attempts > 1 {
            round.ambiguous = true;
        }
        let response: BatchResponse = match parse_json(&call.operation, &answer) {
            Ok(response) => response,
            Err(error) => {
                round.fail_all(&unreadable_batch(&call.operation, &answer, error));
                return Ok(None);
            }
        };
        if answer.status == 424 {
            tracing::debug!(
                jobs = round.pending.len(),
                "the $batch was answered 424 (a request in it was throttled): reading each answer"
            );
        }
        Ok(round.absorb(response, &answer.scopes))
    }

    /// Graph refused the batch itself (`400`): each pending job is cancelled with its own
    /// request, so none is reported failed without an attempt of its own.
    async fn cancel_singly(
        &self,
        round: &mut BatchRound,
        refused: &GraphError,
    ) -> Result<(), Error> {
        tracing::warn!(
            code = %refused.code,
            jobs = round.pending.len(),
            "Graph refused the $batch request; cancelling its jobs one request each"
        );
        let interrupt = round.interrupt.clone();
        for index in std::mem::take(&mut round.pending) {
            let job = round.jobs[index].clone();
            if stop::is_stopped(interrupt.as_ref()) {
                let error = refused.clone().with_attempts(round.sends);
                round.results.insert(index, Err(error.not_resent()));
                continue;
            }
            let mut tried = self
                .try_cancel_on(&round.printer, &round.target, &job, interrupt.as_ref())
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

    async fn list<T: DeserializeOwned>(
        &self,
        operation: &str,
        resource: Resource,
        access: Operation,
        first: Url,
    ) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            let (page, link) = self
                .page(operation, resource, access, url, &mut seen)
                .await?;
            items.extend(page);
            next = link;
        }
        Ok(items)
    }

    /// One listing page and the next page's URL; `seen` guards against a `nextLink` loop.
    async fn page<T: DeserializeOwned>(
        &self,
        operation: &str,
        resource: Resource,
        access: Operation,
        url: Url,
        seen: &mut HashSet<String>,
    ) -> Result<(Vec<T>, Option<Url>), Error> {
        if !seen.insert(url.to_string()) || seen.len() > MAX_PAGES {
            return Err(invalid(
                operation,
                "the service returned the same @odata.nextLink twice",
            )
            .into());
        }
        let call = Call {
            resource,
            access,
            ..Call::jobs(operation.to_string(), Method::GET, url)
        };
        let answer = self.execute(&call).await?;
        let page: Collection<T> = parse_json(operation, &answer)?;
        let next = match page.next_link {
            Some(link) => Some(self.next_link(operation, &link)?),
            None => None,
        };
        Ok((page.value, next))
    }

    /// Accepts an `@odata.nextLink` as the whole URL, but only on the same origin and below
    /// the same version root as the configured Graph URL (a token is never sent elsewhere).
    fn next_link(&self, operation: &str, link: &str) -> Result<Url, GraphError> {
        let url = Url::parse(link)
            .map_err(|_| invalid(operation, "the @odata.nextLink is not an absolute URL"))?;
        let base = &self.inner.base;
        let same_origin = url.origin() == base.origin();
        let same_root = url.path().starts_with(base.path().trim_end_matches('/'));
        if !same_origin || !same_root {
            return Err(invalid(
                operation,
                &format!(
                    "refusing to follow @odata.nextLink to {} (outside {}); the access token is only sent to the configured Graph endpoint",
                    url.origin().ascii_serialization(),
                    base
                ),
            ));
        }
        Ok(url)
    }

    /// `{base}{path}` with an optional `$filter`.
    fn url(&self, path: &str, filter: Option<&str>) -> Result<Url, Error> {
        let base = self.inner.base.as_str().trim_end_matches('/');
        let mut text = format!("{base}{path}");
        if let Some(filter) = filter {
            text.push_str("?$filter=");
            text.extend(utf8_percent_encode(filter, QUERY_VALUE));
        }
        Url::parse(&text).map_err(|e| {
            Error::other(
                ErrorKind::Usage,
                format!("cannot build the request URL {text:?}: {e}"),
            )
        })
    }
}

/// Characters escaped in a query value (OData keeps `$`, `/`, `'`, `(`, `)` readable).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'@')
    .remove(b'$');

/// The access a read of `target`'s jobs needs (a share's also needs a PrinterShare scope).
fn read_access(target: &PrintTarget) -> Operation {
    match target {
        PrintTarget::Printer(_) => Operation::ReadJobs,
        PrintTarget::Share(_) => Operation::ReadShareJobs,
    }
}

/// One `$batch` of cancels in progress.
struct BatchRound {
    /// The printer whose documented cancel path is used.
    printer: PrinterId,
    /// The printer or share the user named (for messages and reads).
    target: PrintTarget,
    /// Graph refused the batch itself with `400`: its jobs go one request each.
    refused: Option<GraphError>,
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
    /// The bulk cancel's stop (no re-send after it), if it can be stopped.
    interrupt: Option<Interrupt>,
}

impl BatchRound {
    fn new(
        printer: &PrinterId,
        target: &PrintTarget,
        jobs: &[PrintJobId],
        interrupt: Option<&Interrupt>,
    ) -> Self {
        Self {
            printer: printer.clone(),
            target: target.clone(),
            refused: None,
            jobs: jobs.to_vec(),
            pending: (0..jobs.len()).collect(),
            results: BTreeMap::new(),
            ambiguous: false,
            sends: 0,
            last_errors: BTreeMap::new(),
            unauthorized: None,
            reauthenticated: false,
            maybe_delivered: HashSet::new(),
            interrupt: interrupt.cloned(),
        }
    }

    /// Each job's result, in order, and whether it may have been delivered before its final
    /// answer (a retried batch, a batch without an answer for it, or its own retried send).
    fn finish(mut self) -> Vec<Tried> {
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
        format!("cancel job {} on {}", self.jobs[index], self.target)
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
            if item.status == 204 {
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
                error = invalid(
                    &self.operation(index),
                    &format!("expected 204 No Content, got {}", item.status),
                );
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

/// Whether a failed cancel's error already says all (transient, 401, 403, 404), so that
/// reading the job after it would add nothing.
/// The error of a `$batch` answer whose body is not a batch response: for a `424` (which
/// should carry one), Graph's own error in it; for a `2xx`, the unreadable body.
fn unreadable_batch(operation: &str, answer: &Answer, unreadable: GraphError) -> GraphError {
    if (200..300).contains(&answer.status) {
        return unreadable;
    }
    GraphError::from_response(operation, answer.status, &answer.body, (None, None))
        .with_attempts(answer.attempts)
}

pub(crate) fn error_says_all(error: &GraphError) -> bool {
    error.is_transient()
        || error.is_not_found()
        || error.is_forbidden()
        || error.status == Some(401)
}

fn expect_no_content(operation: &str, answer: &Answer) -> Result<(), GraphError> {
    if answer.status == 204 {
        Ok(())
    } else {
        Err(invalid(
            operation,
            &format!("expected 204 No Content, got {}", answer.status),
        ))
    }
}

fn parse_json<T: DeserializeOwned>(operation: &str, answer: &Answer) -> Result<T, GraphError> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        invalid(
            operation,
            &format!("the response is not the JSON Graph documents: {e}"),
        )
    })
}

fn invalid(operation: &str, message: &str) -> GraphError {
    GraphError::transport(operation, codes::INVALID_RESPONSE, message)
}

fn internal(error: impl fmt::Display) -> Error {
    Error::other(ErrorKind::Internal, error.to_string())
}

/// Checks a Graph endpoint: absolute http(s) URL, `http` only on loopback, no query.
fn parse_graph_url(text: &str) -> Result<Url, Error> {
    let usage = |why: &str| {
        Error::other(
            ErrorKind::Usage,
            format!("invalid Graph URL {text:?}: {why}; use e.g. https://graph.microsoft.com/v1.0"),
        )
    };
    let url = Url::parse(text.trim()).map_err(|e| usage(&e.to_string()))?;
    // The one endpoint rule (https, or http only on loopback), shared with the configuration
    // and discovery.
    require_secure_endpoint("Graph URL", &url)
        .map_err(|why| Error::other(ErrorKind::Usage, why))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(usage("it must not have a query or fragment"));
    }
    Ok(url)
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

    #[test]
    fn graph_url_must_be_https_except_on_loopback() {
        assert!(parse_graph_url("https://graph.microsoft.com/v1.0").is_ok());
        assert!(parse_graph_url("http://127.0.0.1:8080/v1.0").is_ok());
        assert!(parse_graph_url("http://[::1]:8080/v1.0").is_ok());
        assert!(parse_graph_url("http://localhost:8080/v1.0").is_ok());
        assert!(parse_graph_url("http://graph.example.com/v1.0").is_err());
        assert!(parse_graph_url("http://127.0.0.1.example.com/v1.0").is_err());
        assert!(parse_graph_url("ftp://graph.microsoft.com").is_err());
        assert!(parse_graph_url("https://graph.microsoft.com/v1.0?x=1").is_err());
    }
}
