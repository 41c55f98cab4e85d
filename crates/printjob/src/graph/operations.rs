//! The typed operations of [`PrintClient`], one method per documented Graph call: the
//! signed-in user, printers and shares (whole listings or `id` + `displayName` only), a share's
//! printer, a target's jobs (all pages, or page by page), one job, a cancel as one request and a
//! `$batch` as one request. Each is a [`Call`] run by [`PrintClient::execute`] (`request.rs`);
//! none decides what counts as a cancelled job — that is the cancel workflow's (`cancel/`).

use super::batch::BatchRequest;
use super::error::{codes, GraphError, Resource};
use super::filter::{Creator, JobFilter};
use super::model::{Collection, PrintJob, Printer, PrinterShare};
use super::names::Named;
use super::request::{Answer, Call};
use super::scopes::Operation;
use super::target::{printer_cancel_path, PrintTarget};
use super::PrintClient;
use crate::auth::TokenRequest;
use crate::error::{Error, ErrorKind};
use crate::ids::{PrintJobId, PrinterId, PrinterShareId};
use crate::stop::Interrupt;
use futures::stream::BoxStream;
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::fmt;
use url::Url;

/// The most pages a listing follows before giving up (a loop guard).
const MAX_PAGES: usize = 10_000;

impl PrintClient {
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
    pub(crate) async fn share_names(&self) -> Result<Vec<Named>, Error> {
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
    pub(crate) async fn printer_names(&self) -> Result<Vec<Named>, Error> {
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

    /// `POST /print/printers/{printer}/jobs/{job}/cancel` with no body, as one request (its
    /// retries included): the answer, whatever its `2xx`, or the typed error. Whether the job
    /// counts as cancelled (only `204 No Content`) and whether a failure is checked by reading
    /// the job are the cancel workflow's (`cancel/outcome.rs`), as is `operation` (what the
    /// request is for, in messages). After `interrupt`'s stop no retry is sent; after its
    /// abandon the answer is given up.
    pub(crate) async fn cancel_request(
        &self,
        operation: String,
        printer: &PrinterId,
        job: &PrintJobId,
        interrupt: Option<&Interrupt>,
    ) -> Result<Answer, Error> {
        let call = Call {
            access: Operation::CancelJob,
            interrupt: interrupt.cloned(),
            ..Call::jobs(
                operation,
                Method::POST,
                self.url(&printer_cancel_path(printer, job), None)?,
            )
        };
        self.execute(&call).await
    }

    /// `POST /$batch` of requests on print jobs needing `access`, as one request (its retries
    /// included): the answer (a `2xx`, or a `424` carrying the inner answers) or the typed
    /// error. `first` is the token request of the first send (`None`: the usual one for
    /// `access`; a batch whose inner requests were answered `401` is sent again with a fresh
    /// token). Reading the inner answers is the caller's. After `interrupt`'s stop no retry is
    /// sent; after its abandon the answer is given up.
    pub(crate) async fn batch(
        &self,
        operation: String,
        request: &BatchRequest,
        access: Operation,
        first: Option<TokenRequest>,
        interrupt: Option<&Interrupt>,
    ) -> Result<Answer, Error> {
        let call = Call {
            operation,
            method: Method::POST,
            url: self.url("/$batch", None)?,
            body: Some(serde_json::to_value(request).map_err(internal)?),
            resource: Resource::Jobs,
            access,
            batch: true,
            interrupt: interrupt.cloned(),
        };
        let first = first.unwrap_or_else(|| self.token_request(call.access));
        self.execute_with(&call, first).await
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
}

/// The access a read of `target`'s jobs needs (a share's also needs a PrinterShare scope).
fn read_access(target: &PrintTarget) -> Operation {
    match target {
        PrintTarget::Printer(_) => Operation::ReadJobs,
        PrintTarget::Share(_) => Operation::ReadShareJobs,
    }
}

/// An answer's body as the JSON type Graph documents for it.
pub(crate) fn parse_json<T: DeserializeOwned>(
    operation: &str,
    answer: &Answer,
) -> Result<T, GraphError> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        invalid(
            operation,
            &format!("the response is not the JSON Graph documents: {e}"),
        )
    })
}

/// An answer that is not what Graph documents for the call.
pub(crate) fn invalid(operation: &str, message: &str) -> GraphError {
    GraphError::transport(operation, codes::INVALID_RESPONSE, message)
}

fn internal(error: impl fmt::Display) -> Error {
    Error::other(ErrorKind::Internal, error.to_string())
}
