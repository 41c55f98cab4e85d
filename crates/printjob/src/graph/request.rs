//! One logical Graph request: token, headers, retries, 401 handling, and the answer or a typed
//! error. Every typed operation of [`PrintClient`] goes through [`PrintClient::execute`].

use super::decision::{batch_answer_carries_responses, decide, Decision};
use super::error::{codes, GraphError, Resource};
use super::retry::{GiveUp, RetryState};
use super::scopes::{acceptable_scopes, Operation};
use super::PrintClient;
use crate::auth::{access_token as claims, GrantedToken, TokenRequest};
use crate::error::Error;
use crate::ids::Scope;
use crate::stop::{self, Interrupt};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::Method;
use std::time::{Duration, SystemTime};
use url::Url;

/// A request to make: what it is for (for messages), method, absolute URL and JSON body.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub operation: String,
    pub method: Method,
    pub url: Url,
    pub body: Option<serde_json::Value>,
    /// What it works on (explains a 403).
    pub resource: Resource,
    /// Which scopes serve it.
    pub access: Operation,
    /// A `POST /$batch`: a `424` answer carries the inner answers and is returned like a `200`
    /// (`decision::batch_answer_carries_responses`).
    pub batch: bool,
    /// A bulk cancel's stop: once stopped, no retry is sent; once abandoned, the awaited
    /// answer is given up ([`codes::NOT_RESENT`], [`codes::NO_ANSWER`]).
    pub interrupt: Option<Interrupt>,
}

impl Call {
    /// A call on print jobs without a body.
    pub fn jobs(operation: String, method: Method, url: Url) -> Self {
        let write = method_is_write(&method);
        Self {
            operation,
            method,
            url,
            body: None,
            resource: Resource::Jobs,
            access: if write {
                Operation::CancelJob
            } else {
                Operation::ReadJobs
            },
            batch: false,
            interrupt: None,
        }
    }
}

fn method_is_write(method: &Method) -> bool {
    *method != Method::GET && *method != Method::HEAD
}

/// A successful (2xx) answer, or a `$batch`'s `424` (its inner answers are in the body).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// Attempts it took (1 = no retry).
    pub attempts: u32,
    /// The scopes of the token that was sent (to explain a 403 inside a batch).
    pub scopes: Vec<Scope>,
}

/// What one attempt produced.
enum Attempt {
    Done(Answer),
    /// Retry after this wait (or the policy's backoff), with this error if retries run out.
    Retry(Option<Duration>, GraphError),
    /// 401: try again with a fresh token, or with the claims the service asked for.
    Reauthenticate(Option<String>, GraphError),
    Fail(GraphError),
}

/// How the token for the next attempt must be obtained.
#[derive(Debug, Default)]
struct AuthStep {
    refreshed: bool,
    challenged: bool,
    next: TokenRequest,
}

impl PrintClient {
    /// Runs `call` to completion: retries transient failures by the policy, refreshes the token
    /// once on 401 (or re-acquires it with the claims a challenge asks for), and turns a final
    /// non-2xx answer into a [`GraphError`].
    pub(crate) async fn execute(&self, call: &Call) -> Result<Answer, Error> {
        let first = self.token_request(call.access);
        self.execute_with(call, first).await
    }

    /// [`PrintClient::execute`] whose first token is asked with `first` (a `$batch` whose inner
    /// requests were refused with 401 re-sends them with `force_refresh` or `claims` set).
    pub(crate) async fn execute_with(
        &self,
        call: &Call,
        first: TokenRequest,
    ) -> Result<Answer, Error> {
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut retry = self.inner.options.retry.start();
        let mut auth = AuthStep {
            refreshed: first.force_refresh && first.claims.is_none(),
            challenged: first.claims.is_some(),
            next: first,
        };
        let interrupt = call.interrupt.as_ref();
        loop {
            let started = std::time::Instant::now();
            let sent = stop::unless_abandoned(
                async {
                    let token = self.token(&auth.next).await?;
                    Ok::<_, Error>(
                        self.attempt_within(call, &token, &client_request_id, retry.remaining())
                            .await,
                    )
                },
                interrupt,
            )
            .await;
            retry.record_attempt(started.elapsed());
            let Some(attempt) = sent else {
                let error = GraphError::transport(
                    &call.operation,
                    codes::NO_ANSWER,
                    "sent, but no answer came before the grace period after the stop ended",
                );
                return Err(finish(error, &retry, &client_request_id));
            };
            let attempt = attempt?;
            let failure = match attempt {
                Attempt::Done(mut answer) => {
                    answer.attempts = retry.attempts();
                    return Ok(answer);
                }
                Attempt::Fail(error) => return Err(finish(error, &retry, &client_request_id)),
                Attempt::Reauthenticate(_, error) | Attempt::Retry(_, error)
                    if stop::is_stopped(interrupt) =>
                {
                    return Err(finish(error.not_resent(), &retry, &client_request_id));
                }
                Attempt::Reauthenticate(claims, error) => {
                    if !auth.reauthenticate(claims) {
                        return Err(finish(error, &retry, &client_request_id));
                    }
                    continue;
                }
                Attempt::Retry(after, error) => (after, error),
            };
            self.wait_or_give_up(
                &mut retry,
                failure,
                &call.url,
                &client_request_id,
                interrupt,
            )
            .await?;
            auth.next.force_refresh = false;
            auth.next.claims = None;
        }
    }

    async fn wait_or_give_up(
        &self,
        retry: &mut RetryState,
        (after, error): (Option<Duration>, GraphError),
        url: &Url,
        client_request_id: &str,
        interrupt: Option<&Interrupt>,
    ) -> Result<(), Error> {
        match retry.next_delay(after, self.inner.options.jitter.next()) {
            Ok(delay) => {
                // A command line shows this while it waits ("retrying in 5 s: 429 Too Many
                // Requests"): `status` is 0 when no answer came (`code` then says why).
                tracing::info!(
                    operation = %error.operation,
                    code = %error.code,
                    status = error.status.unwrap_or(0),
                    host = url.host_str().unwrap_or_default(),
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    attempt = retry.attempts(),
                    "retrying a Graph request"
                );
                let sleep = self.inner.options.sleeper.sleep(delay);
                if stop::sleep_unless_stopped(sleep, interrupt).await {
                    return Err(finish(error.not_resent(), retry, client_request_id));
                }
                Ok(())
            }
            Err(stop) => Err(gave_up(error, &stop, retry, client_request_id).into()),
        }
    }

    /// What to ask the token source for, for `access`: the configured scopes first, and every
    /// scope set the operation's reference page accepts as an alternative.
    pub(crate) fn token_request(&self, access: Operation) -> TokenRequest {
        let options = &self.inner.options;
        let scopes: Vec<Scope> = match access {
            Operation::CancelJob | Operation::ReadJobs => options.scopes.clone(),
            Operation::ReadShareJobs => options
                .scopes
                .iter()
                .chain(&options.share_scopes)
                .cloned()
                .collect(),
            Operation::ReadShares => options.share_scopes.clone(),
            Operation::ReadPrinters => options.printer_scopes.clone(),
        };
        TokenRequest {
            acceptable: acceptable_scopes(access),
            ..TokenRequest::new(scopes)
        }
    }

    /// Asks the token source and refuses a readable app-only token before it is sent.
    pub(crate) async fn token(&self, request: &TokenRequest) -> Result<GrantedToken, Error> {
        let token = self.inner.source.token(request).await?;
        claims::inspect(&token.access_token, Some(&token.scopes))?;
        Ok(token)
    }

    /// One attempt, cut off when the time budget (or the request timeout) runs out.
    async fn attempt_within(
        &self,
        call: &Call,
        token: &GrantedToken,
        client_request_id: &str,
        budget: Duration,
    ) -> Attempt {
        let limit = budget.min(self.inner.options.request_timeout);
        match tokio::time::timeout(limit, self.attempt(call, token, client_request_id)).await {
            Ok(attempt) => attempt,
            Err(_) => Attempt::Retry(
                None,
                GraphError::transport(
                    &call.operation,
                    codes::TIMEOUT,
                    // Worded like reqwest's own timeout (`transport_failure`): whichever of the two
                    // fires first, the user reads the same cause.
                    format!(
                        "{} did not answer in time (within {:.1} s)",
                        call.url.host_str().unwrap_or("Microsoft Graph"),
                        limit.as_secs_f64()
                    ),
                )
                .with_hint("check the network connection and the Graph URL, then try again"),
            ),
        }
    }

    async fn attempt(&self, call: &Call, token: &GrantedToken, client_request_id: &str) -> Attempt {
        let started = std::time::Instant::now();
        let path = logged_path(&call.url);
        let response = match self.send(call, token, client_request_id).await {
            Ok(response) => response,
            Err(error) => {
                crate::http::log_request(&call.method, &path, None, started, None);
                return transport_failure(&call.operation, &call.url, &error);
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        crate::http::log_request(&call.method, &path, Some(status), started, Some(&headers));
        let body = match crate::http::read_capped(response, crate::http::MAX_BODY_BYTES).await {
            Ok(body) => body,
            Err(crate::http::BodyError::Transport(error)) => {
                return transport_failure(&call.operation, &call.url, &error)
            }
            Err(too_large) => {
                return Attempt::Fail(GraphError::transport(
                    &call.operation,
                    codes::INVALID_RESPONSE,
                    too_large.to_string(),
                ))
            }
        };
        if (200..300).contains(&status) || (call.batch && batch_answer_carries_responses(status)) {
            return Attempt::Done(Answer {
                status,
                body,
                attempts: 1,
                scopes: token.scopes.clone(),
            });
        }
        let mut error =
            GraphError::from_response(&call.operation, status, &body, header_ids(&headers));
        if error.is_forbidden() {
            error = error.with_forbidden_explained(call.resource, &token.scopes);
        }
        match decide(status, &headers, Some(&error), SystemTime::now()) {
            // A 2xx was answered above; the decision table never says done for another.
            Decision::Done | Decision::Fail => Attempt::Fail(error),
            Decision::RetryAfter(after) => Attempt::Retry(after, error),
            Decision::Reauthenticate { claims } => Attempt::Reauthenticate(claims, error),
        }
    }

    async fn send(
        &self,
        call: &Call,
        token: &GrantedToken,
        client_request_id: &str,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", token.access_token.secret()))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid"));
        bearer.set_sensitive(true);
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone())
            .header(AUTHORIZATION, bearer)
            .header("client-request-id", client_request_id)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        request.send().await
    }
}

impl AuthStep {
    /// Prepares the token request after a 401; false when that was already tried.
    fn reauthenticate(&mut self, claims: Option<String>) -> bool {
        match claims {
            Some(claims) if !self.challenged => {
                self.challenged = true;
                self.next.claims = Some(claims);
                self.next.force_refresh = true;
                true
            }
            _ if !self.refreshed => {
                self.refreshed = true;
                self.next.force_refresh = true;
                true
            }
            _ => false,
        }
    }
}

/// The path and query of a Graph URL for the request log (Graph's queries carry no secret:
/// `$filter` names a user at most, which the job listing shows anyway).
fn logged_path(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

fn transport_failure(operation: &str, url: &Url, error: &reqwest::Error) -> Attempt {
    if let Some(cause) = crate::http::is_permanent_transport_error(error) {
        let error = GraphError::transport(operation, cause.code(), cause.to_string());
        return Attempt::Fail(error.with_hint(cause.advice()));
    }
    let host = url.host_str().unwrap_or("Microsoft Graph");
    let (code, what) = if error.is_timeout() {
        (codes::TIMEOUT, format!("{host} did not answer in time"))
    } else if error.is_connect() {
        (
            codes::CONNECTION_FAILED,
            format!("cannot connect to {host}"),
        )
    } else if error.is_builder() {
        return Attempt::Fail(GraphError::transport(
            operation,
            codes::INVALID_RESPONSE,
            format!("could not build the request: {error}"),
        ));
    } else {
        (
            codes::CONNECTION_FAILED,
            format!("the connection to {host} failed before the response was complete"),
        )
    };
    // the operating system's words (`Connection refused (os error 111)`), not reqwest's chain
    // (which is logged at -vv by `describe`)
    let detail = crate::http::short_cause(error);
    let detail = match detail.find('(') {
        Some(open) => format!(" {}", &detail[open..]),
        None => String::new(),
    };
    tracing::debug!(cause = %crate::http::describe(error), "Graph request got no answer");
    Attempt::Retry(
        None,
        GraphError::transport(operation, code, format!("{what}{detail}"))
            .with_hint("check the network connection and the Graph URL, then try again"),
    )
}

fn header_ids(headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    (get("request-id"), get("client-request-id"))
}

fn finish(error: GraphError, retry: &RetryState, client_request_id: &str) -> Error {
    error
        .with_attempts(retry.attempts())
        .with_client_request_id(client_request_id)
        .into()
}

fn gave_up(
    error: GraphError,
    stop: &GiveUp,
    retry: &RetryState,
    client_request_id: &str,
) -> GraphError {
    let hint = match &error.hint {
        Some(hint) => format!("{stop}; {hint}"),
        None => stop.to_string(),
    };
    error
        .with_hint(hint)
        .with_attempts(retry.attempts())
        .with_client_request_id(client_request_id)
}
