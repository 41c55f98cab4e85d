//! The loopback redirect listener: a tiny_http server on `127.0.0.1` (and `[::1]` on the same
//! port where the machine allows it, never any other interface) that waits for exactly one
//! redirect carrying the expected `state`, answers it with a small static page, and closes.
//!
//! Every other request (a favicon, a wrong path, a wrong method or content type, a missing or
//! wrong `state`, garbage) gets a small static page and the wait goes on. Pages never echo
//! anything from the request. See `docs/security.md` for why each rule exists.
//!
//! ```no_run
//! # async fn example() -> Result<(), printjob::auth::AuthError> {
//! use printjob::auth::interactive::ResponseMode;
//! use printjob::auth::loopback::{LoopbackListener, LoopbackOptions};
//!
//! let listener = LoopbackListener::bind(&LoopbackOptions::default())?;
//! let redirect_uri = listener.redirect_uri(); // put this in the authorization request
//! # let state = "from PendingAuthorization::state()";
//! let redirect = listener.wait(state, ResponseMode::FormPost).await?;
//! # Ok(()) }
//! ```

use crate::auth::interactive::{constant_time_eq, RedirectParams, ResponseMode};
use crate::auth::AuthError;
use std::fmt;
use std::io::{self, Read};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tiny_http::{Header, Request, Response, Server};

/// The host name the redirect URI uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedirectHost {
    /// `http://localhost:{port}` (the default; what app registrations usually list).
    #[default]
    Localhost,
    /// `http://127.0.0.1:{port}` (for registrations or machines where `localhost` misbehaves).
    Ip,
}

impl RedirectHost {
    /// The host as it appears in the redirect URI.
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectHost::Localhost => "localhost",
            RedirectHost::Ip => "127.0.0.1",
        }
    }
}

/// How the listener is bound and how long it waits.
#[derive(Debug, Clone)]
pub struct LoopbackOptions {
    /// The port; `0` picks a free ephemeral port (the default).
    pub port: u16,
    /// The redirect URI's host.
    pub host: RedirectHost,
    /// How long to wait for the redirect (default 5 minutes).
    pub timeout: Duration,
    /// The largest form body accepted (default 64 KiB); larger ones get 413.
    pub max_body_bytes: usize,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        Self {
            port: 0,
            host: RedirectHost::Localhost,
            timeout: Duration::from_secs(300),
            max_body_bytes: 64 * 1024,
        }
    }
}

/// A bound loopback listener, ready before the browser opens; consumed by
/// [`LoopbackListener::wait`].
pub struct LoopbackListener {
    servers: Vec<Server>,
    addresses: Vec<SocketAddr>,
    port: u16,
    redirect_uri: url::Url,
    timeout: Duration,
    max_body_bytes: usize,
}

impl fmt::Debug for LoopbackListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackListener")
            .field("addresses", &self.addresses)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// How often the blocking loop looks at its stop flag and deadline.
const POLL: Duration = Duration::from_millis(50);
/// Ephemeral ports tried before giving up on finding one free on both loopback addresses.
const BIND_ATTEMPTS: usize = 8;
/// tiny_http reads bodies up to this size before handing the request over.
const BUFFERED_BODY_BYTES: usize = 1024;
/// Rejected bodies up to this size are drained (tiny_http does so when a request is dropped).
const DRAIN_LIMIT: usize = 1024 * 1024;
/// Requests with a streamed body are handled on their own threads, at most this many at once.
const MAX_BODY_WORKERS: usize = 16;
/// Requests abandoned unanswered (absurd bodies, or no worker free) before the wait gives up.
const MAX_ABANDONED: usize = 64;

impl LoopbackListener {
    /// Binds `127.0.0.1:{port}` (and `[::1]` on the same port for `localhost` redirects where
    /// the machine has IPv6 loopback). A taken port is an [`AuthError::Listener`] that says
    /// to pick another `--port` or omit it.
    pub fn bind(options: &LoopbackOptions) -> Result<Self, AuthError> {
        let attempts = if options.port == 0 { BIND_ATTEMPTS } else { 1 };
        let mut last_error = None;
        for _ in 0..attempts {
            match bind_listeners(options) {
                Ok(listeners) => return Self::serve_on(listeners, options),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error
            .unwrap_or_else(|| AuthError::Listener("could not bind the sign-in listener".into())))
    }

    fn serve_on(listeners: Vec<TcpListener>, options: &LoopbackOptions) -> Result<Self, AuthError> {
        let addresses = listeners
            .iter()
            .map(TcpListener::local_addr)
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| listener_error(&format!("could not read the listener address ({e})")))?;
        let port = addresses
            .first()
            .map(SocketAddr::port)
            .unwrap_or(options.port);
        let servers = listeners
            .into_iter()
            .map(|l| Server::from_listener(l, None))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| listener_error(&format!("could not start the listener ({e})")))?;
        let redirect_uri = url::Url::parse(&format!("http://{}:{port}/", options.host.as_str()))
            .map_err(|e| listener_error(&format!("could not form the redirect URI ({e})")))?;
        tracing::debug!(?addresses, "sign-in listener bound");
        Ok(Self {
            servers,
            addresses,
            port,
            redirect_uri,
            timeout: options.timeout,
            max_body_bytes: options.max_body_bytes,
        })
    }

    /// The redirect URI to register and send: `http://localhost:{port}/` (or `127.0.0.1`).
    pub fn redirect_uri(&self) -> url::Url {
        self.redirect_uri.clone()
    }

    /// The port the listener is bound to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The socket addresses listened on (`127.0.0.1:{port}`, and `[::1]:{port}` when bound).
    pub fn addresses(&self) -> &[SocketAddr] {
        &self.addresses
    }

    /// Waits for the redirect whose `state` matches, answers it and closes the listener.
    /// A redirect with `error=` also ends the wait (hand it to
    /// [`PendingAuthorization::finish`](crate::auth::interactive::PendingAuthorization::finish)).
    /// Fails with [`AuthError::TimedOut`] after the timeout. Dropping the future stops the
    /// loop and releases the port within a fraction of a second.
    pub async fn wait(
        self,
        expected_state: &str,
        mode: ResponseMode,
    ) -> Result<RedirectParams, AuthError> {
        let stop = Arc::new(AtomicBool::new(false));
        let _stop_on_drop = StopOnDrop(Arc::clone(&stop));
        let context = Arc::new(Context {
            expected_state: expected_state.to_owned(),
            mode,
            max_body_bytes: self.max_body_bytes,
            done: AtomicBool::new(false),
            workers: AtomicUsize::new(0),
            abandoned: AtomicUsize::new(0),
        });
        let (servers, timeout) = (self.servers, self.timeout);
        tokio::task::spawn_blocking(move || serve(&servers, &context, timeout, &stop))
            .await
            .map_err(|e| listener_error(&format!("the listener stopped unexpectedly ({e})")))?
    }
}

fn listener_error(what: &str) -> AuthError {
    AuthError::Listener(format!(
        "the sign-in listener failed: {what}; run `printjob login` again"
    ))
}

/// Binds 127.0.0.1 and, for `localhost` redirects, [::1] on the same port.
fn bind_listeners(options: &LoopbackOptions) -> Result<Vec<TcpListener>, AuthError> {
    let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))
        .map_err(|e| bind_error(&e, options.port, "127.0.0.1"))?;
    if options.host != RedirectHost::Localhost {
        return Ok(vec![v4]);
    }
    let port = v4.local_addr().map(|a| a.port()).unwrap_or(options.port);
    match TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
        Ok(v6) => Ok(vec![v4, v6]),
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => Err(bind_error(&e, port, "[::1]")),
        Err(e) => {
            tracing::debug!(error = %e, "no IPv6 loopback; listening on 127.0.0.1 only");
            Ok(vec![v4])
        }
    }
}

fn bind_error(error: &io::Error, port: u16, address: &str) -> AuthError {
    let message = match error.kind() {
        io::ErrorKind::AddrInUse => format!(
            "port {port} is in use on {address}; pick another --port or omit it to use a free port"
        ),
        io::ErrorKind::PermissionDenied => format!(
            "not allowed to listen on port {port} (ports below 1024 need privileges); pick another \
             --port or omit it"
        ),
        _ => format!(
            "could not listen on {address}:{port} for the sign-in redirect ({error}); pick another \
             --port or omit it"
        ),
    };
    AuthError::Listener(message)
}

/// Sets the stop flag when the waiting future is dropped (Ctrl-C, `select!`).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// What every request handler shares.
struct Context {
    expected_state: String,
    mode: ResponseMode,
    max_body_bytes: usize,
    /// Set by whoever answers the matching redirect first.
    done: AtomicBool,
    workers: AtomicUsize,
    abandoned: AtomicUsize,
}

/// The blocking loop: polls each server, handles requests, watches the deadline and stop flag.
/// Dropping `servers` on return closes the listener.
fn serve(
    servers: &[Server],
    context: &Arc<Context>,
    timeout: Duration,
    stop: &AtomicBool,
) -> Result<RedirectParams, AuthError> {
    let (sender, receiver) = mpsc::channel();
    let deadline = Instant::now() + timeout;
    let slice = POLL / u32::try_from(servers.len().max(1)).unwrap_or(1);
    let mut turn = 0;
    loop {
        if let Ok(params) = receiver.try_recv() {
            return Ok(params);
        }
        if stop.load(Ordering::Acquire) {
            return Err(AuthError::Cancelled {
                detail: Some("stopped waiting for the browser".into()),
            });
        }
        if context.abandoned.load(Ordering::Relaxed) > MAX_ABANDONED {
            return Err(listener_error(
                "another program on this machine flooded it with oversized requests",
            ));
        }
        if Instant::now() >= deadline {
            return Err(AuthError::TimedOut {
                seconds: timeout.as_secs(),
            });
        }
        let mut idle = true;
        for server in servers {
            let request = server.try_recv().map_err(accept_error)?;
            idle &= request.is_none();
            if let Some(params) = request.and_then(|r| dispatch(r, context, &sender)) {
                return Ok(params);
            }
        }
        if idle {
            // Nothing queued anywhere: block briefly on one server, taking turns.
            turn = (turn + 1) % servers.len().max(1);
            let request = match servers.get(turn) {
                Some(server) => server.recv_timeout(slice).map_err(accept_error)?,
                None => None,
            };
            if let Some(params) = request.and_then(|r| dispatch(r, context, &sender)) {
                return Ok(params);
            }
        }
    }
}

fn accept_error(error: io::Error) -> AuthError {
    listener_error(&format!("could not accept a connection ({error})"))
}

/// How a request's body must be treated so that reading or discarding it never blocks the loop.
#[derive(Debug, PartialEq, Eq)]
enum BodyKind {
    /// No body, or tiny_http already read it into memory.
    Buffered,
    /// A body still on the socket: handled on a worker thread.
    Streamed,
    /// A declared length so large that discarding it is itself an attack (tiny_http allocates
    /// the remaining length when it drops a request): left unanswered.
    Absurd,
}

fn body_kind(
    content_length: Option<usize>,
    chunked_or_expect: bool,
    max_body_bytes: usize,
) -> BodyKind {
    let length = content_length.unwrap_or(0);
    if length > DRAIN_LIMIT.max(max_body_bytes) {
        BodyKind::Absurd
    } else if chunked_or_expect || length > BUFFERED_BODY_BYTES {
        BodyKind::Streamed
    } else {
        BodyKind::Buffered
    }
}

fn has_header(request: &Request, name: &'static str) -> bool {
    request.headers().iter().any(|h| h.field.equiv(name))
}

/// Routes one request: inline when its body is in memory, on a worker thread otherwise.
fn dispatch(
    request: Request,
    context: &Arc<Context>,
    sender: &mpsc::Sender<RedirectParams>,
) -> Option<RedirectParams> {
    tracing::debug!(
        method = %request.method(),
        path = path_of(request.url()),
        "request to the sign-in listener"
    );
    let streaming = has_header(&request, "Transfer-Encoding") || has_header(&request, "Expect");
    match body_kind(request.body_length(), streaming, context.max_body_bytes) {
        BodyKind::Buffered => process(request, context),
        BodyKind::Streamed => {
            spawn_worker(request, context, sender);
            None
        }
        BodyKind::Absurd => {
            abandon(request, context);
            None
        }
    }
}

/// Leaves a request unanswered without dropping it (see [`BodyKind::Absurd`]).
fn abandon(request: Request, context: &Context) {
    tracing::debug!("oversized request to the sign-in listener left unanswered");
    context.abandoned.fetch_add(1, Ordering::Relaxed);
    std::mem::forget(request);
}

/// Handles a request with a streamed body on its own thread (bounded).
fn spawn_worker(request: Request, context: &Arc<Context>, sender: &mpsc::Sender<RedirectParams>) {
    if context.workers.fetch_add(1, Ordering::AcqRel) >= MAX_BODY_WORKERS {
        context.workers.fetch_sub(1, Ordering::AcqRel);
        abandon(request, context);
        return;
    }
    let slot = WorkerSlot(Arc::clone(context));
    let sender = sender.clone();
    let spawned = std::thread::Builder::new()
        .name("printjob-loopback-body".into())
        .spawn(move || {
            if let Some(params) = process(request, &slot.0) {
                let _ = sender.send(params);
            }
        });
    if let Err(e) = spawned {
        tracing::debug!(error = %e, "could not start a thread for a request body");
    }
}

/// A worker's place in [`MAX_BODY_WORKERS`], given back when the worker ends (or never starts).
struct WorkerSlot(Arc<Context>);

impl Drop for WorkerSlot {
    fn drop(&mut self) {
        self.0.workers.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Triage, body, state check and answer for one request; the matching redirect's parameters
/// come back once.
fn process(mut request: Request, context: &Context) -> Option<RedirectParams> {
    let content_type = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Content-Type"))
        .map(|h| h.value.as_str().to_owned());
    let head = RequestHead {
        method: request.method().as_str(),
        url: request.url(),
        content_type: content_type.as_deref(),
        content_length: request.body_length(),
    };
    let decision = match triage(&head, context.mode, context.max_body_bytes) {
        Triage::Reply(page) => Decision::Reject(page),
        Triage::Query(query) => decide(query.as_bytes(), &context.expected_state),
        Triage::ReadForm => match read_body(&mut request, context.max_body_bytes) {
            Ok(body) => decide(&body, &context.expected_state),
            Err(page) => Decision::Reject(page),
        },
    };
    settle(request, decision, context)
}

/// Reads at most `max` bytes of body; more is 413, a broken body 400.
fn read_body(request: &mut Request, max: usize) -> Result<Vec<u8>, Page> {
    let mut body = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    match request.as_reader().take(limit).read_to_end(&mut body) {
        Ok(_) if body.len() > max => Err(Page::TOO_LARGE),
        Ok(_) => Ok(body),
        Err(_) => Err(Page::BAD_REQUEST),
    }
}

/// Answers the request; the first matching redirect wins, any later one is told it is over.
fn settle(request: Request, decision: Decision, context: &Context) -> Option<RedirectParams> {
    match decision {
        Decision::Reject(page) => {
            tracing::debug!(status = page.status, "sign-in listener refused a request");
            respond(request, &page);
            None
        }
        Decision::Complete(params, page) => {
            if context.done.swap(true, Ordering::AcqRel) {
                respond(request, &Page::ALREADY_DONE);
                return None;
            }
            respond(request, &page);
            Some(params)
        }
    }
}

fn respond(request: Request, page: &Page) {
    if let Err(e) = request.respond(page.response()) {
        tracing::debug!(error = %e, "could not answer a request to the sign-in listener");
    }
}

/// The path of a request target, without its query (safe to log: no code, no state).
fn path_of(url: &str) -> &str {
    url.split_once('?').map_or(url, |(path, _)| path)
}

/// The parts of a request that decide how it is answered (no socket needed).
#[derive(Debug, Clone, Copy)]
struct RequestHead<'a> {
    method: &'a str,
    url: &'a str,
    content_type: Option<&'a str>,
    content_length: Option<usize>,
}

/// The first look at a request, before any body is read.
#[derive(Debug, PartialEq, Eq)]
enum Triage {
    /// Answer with this page and keep waiting.
    Reply(Page),
    /// A query-mode redirect: decide on this query string.
    Query(String),
    /// A form post to `/`: read the body, then decide on it.
    ReadForm,
}

fn triage(head: &RequestHead<'_>, mode: ResponseMode, max_body_bytes: usize) -> Triage {
    let (path, query) = head.url.split_once('?').unwrap_or((head.url, ""));
    if path != "/" {
        return Triage::Reply(Page::NOT_FOUND);
    }
    match (mode, head.method) {
        (ResponseMode::Query, "GET") => Triage::Query(query.to_owned()),
        (ResponseMode::Query, _) => Triage::Reply(Page::METHOD_NOT_ALLOWED_GET),
        (ResponseMode::FormPost, "POST") => triage_form(head, max_body_bytes),
        (ResponseMode::FormPost, "GET") if carries_response(query) => {
            Triage::Reply(Page::RESPONSE_IN_URL)
        }
        (ResponseMode::FormPost, _) => Triage::Reply(Page::METHOD_NOT_ALLOWED_POST),
    }
}

fn triage_form(head: &RequestHead<'_>, max_body_bytes: usize) -> Triage {
    let media_type = head
        .content_type
        .and_then(|t| t.split(';').next())
        .map(str::trim);
    if !media_type.is_some_and(|t| t.eq_ignore_ascii_case("application/x-www-form-urlencoded")) {
        return Triage::Reply(Page::UNSUPPORTED_MEDIA_TYPE);
    }
    if head.content_length.is_some_and(|n| n > max_body_bytes) {
        return Triage::Reply(Page::TOO_LARGE);
    }
    Triage::ReadForm
}

/// Whether a query string carries any part of an authorization response.
fn carries_response(query: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes())
        .any(|(name, _)| matches!(name.as_ref(), "code" | "state" | "error"))
}

/// What to do with a request's parameters.
#[derive(Debug)]
enum Decision {
    /// Not the redirect we wait for: answer with this page and keep waiting.
    Reject(Page),
    /// The redirect (with a code or an error): answer with this page and stop.
    Complete(RedirectParams, Page),
}

/// Decides on `application/x-www-form-urlencoded` parameters (a query string or a form body).
fn decide(encoded: &[u8], expected_state: &str) -> Decision {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(encoded)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let Some(mut params) =
        RedirectParams::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    else {
        return Decision::Reject(Page::BAD_REQUEST);
    };
    let state_matches = params
        .state
        .as_deref()
        .is_some_and(|s| constant_time_eq(expected_state, s));
    if !state_matches {
        return Decision::Reject(Page::BAD_REQUEST);
    }
    params.code = params.code.filter(|c| !c.secret().is_empty());
    match (&params.error, &params.code) {
        (Some(error), _) => {
            let page = Page::failed(error);
            Decision::Complete(params, page)
        }
        (None, Some(_)) => Decision::Complete(params, Page::SUCCESS),
        (None, None) => Decision::Reject(Page::BAD_REQUEST),
    }
}

/// OAuth 2.0 / OpenID Connect error codes the failure page may name (never the request's text).
const SHOWN_ERRORS: [&str; 12] = [
    "access_denied",
    "account_selection_required",
    "consent_required",
    "interaction_required",
    "invalid_client",
    "invalid_request",
    "invalid_scope",
    "login_required",
    "server_error",
    "temporarily_unavailable",
    "unauthorized_client",
    "unsupported_response_type",
];

/// A static page: every piece of text is a compile-time constant, so nothing from a request
/// can be reflected into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Page {
    status: u16,
    title: &'static str,
    text: &'static str,
    error_code: Option<&'static str>,
    allow: Option<&'static str>,
}

impl Page {
    const fn new(status: u16, title: &'static str, text: &'static str) -> Self {
        Self {
            status,
            title,
            text,
            error_code: None,
            allow: None,
        }
    }

    const SUCCESS: Page = Page::new(
        200,
        "Signed in",
        "Sign-in is complete. You may close this tab and return to the terminal.",
    );
    const FAILED: Page = Page::new(
        200,
        "Sign-in failed",
        "Sign-in did not complete. You may close this tab; the terminal says what happened and what to do.",
    );
    const ALREADY_DONE: Page = Page::new(
        400,
        "Sign-in already finished",
        "This sign-in has already finished. You may close this tab.",
    );
    const BAD_REQUEST: Page = Page::new(
        400,
        "Not the expected sign-in response",
        "This address only accepts the response to the sign-in printjob started. The request was ignored and printjob is still waiting.",
    );
    const RESPONSE_IN_URL: Page = Page::new(
        400,
        "Sign-in response refused",
        "The sign-in response arrived in the address bar, but printjob asked for it as a form post so that the code never sits in your browser history. It was refused. If your identity provider does not support form_post, run printjob login --response-mode query.",
    );
    const NOT_FOUND: Page = Page::new(404, "Not found", "There is nothing here.");
    const METHOD_NOT_ALLOWED_POST: Page = Page {
        allow: Some("POST"),
        ..Page::new(
            405,
            "Method not allowed",
            "This address only accepts the sign-in response.",
        )
    };
    const METHOD_NOT_ALLOWED_GET: Page = Page {
        allow: Some("GET"),
        ..Page::METHOD_NOT_ALLOWED_POST
    };
    const TOO_LARGE: Page = Page::new(
        413,
        "Request too large",
        "The request body is larger than a sign-in response can be. It was ignored.",
    );
    const UNSUPPORTED_MEDIA_TYPE: Page = Page::new(
        415,
        "Unsupported content type",
        "This address only accepts a form post (application/x-www-form-urlencoded).",
    );

    /// The failure page, naming the OAuth error code only when it is a well-known one.
    fn failed(error: &str) -> Page {
        Page {
            error_code: SHOWN_ERRORS.iter().find(|e| **e == error).copied(),
            ..Page::FAILED
        }
    }

    fn html(&self) -> String {
        let code = self
            .error_code
            .map(|c| format!("<p>Error: <code>{c}</code></p>"))
            .unwrap_or_default();
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\">\
             <title>printjob: {title}</title></head>\n<body><h1>{title}</h1><p>{text}</p>{code}</body></html>\n",
            title = self.title,
            text = self.text,
        )
    }

    fn headers(&self) -> Vec<(&'static str, &'static str)> {
        let mut headers = vec![
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Pragma", "no-cache"),
            ("Referrer-Policy", "no-referrer"),
            (
                "Content-Security-Policy",
                "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
        ];
        headers.extend(self.allow.map(|methods| ("Allow", methods)));
        headers
    }

    fn response(&self) -> Response<io::Cursor<Vec<u8>>> {
        self.headers()
            .into_iter()
            .filter_map(|(name, value)| Header::from_bytes(name, value).ok())
            .fold(
                Response::from_string(self.html()).with_status_code(self.status),
                Response::with_header,
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &str = "application/x-www-form-urlencoded";

    fn head<'a>(method: &'a str, url: &'a str, content_type: Option<&'a str>) -> RequestHead<'a> {
        RequestHead {
            method,
            url,
            content_type,
            content_length: Some(10),
        }
    }

    fn reply(t: Triage) -> Page {
        match t {
            Triage::Reply(page) => page,
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    #[test]
    fn form_post_to_root_is_read() {
        let t = triage(&head("POST", "/", Some(FORM)), ResponseMode::FormPost, 100);
        assert_eq!(t, Triage::ReadForm);
    }

    #[test]
    fn form_post_content_type_parameters_are_allowed() {
        let ct = Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8");
        let t = triage(&head("POST", "/", ct), ResponseMode::FormPost, 100);
        assert_eq!(t, Triage::ReadForm);
    }

    #[test]
    fn form_post_with_another_content_type_is_415() {
        for ct in [Some("application/json"), Some("multipart/form-data"), None] {
            let t = triage(&head("POST", "/", ct), ResponseMode::FormPost, 100);
            assert_eq!(reply(t).status, 415, "{ct:?}");
        }
    }

    #[test]
    fn form_post_larger_than_the_limit_is_413() {
        let mut h = head("POST", "/", Some(FORM));
        h.content_length = Some(101);
        assert_eq!(reply(triage(&h, ResponseMode::FormPost, 100)).status, 413);
    }

    #[test]
    fn get_with_a_code_in_form_post_mode_is_refused() {
        let t = triage(
            &head("GET", "/?code=abc&state=s", None),
            ResponseMode::FormPost,
            100,
        );
        assert_eq!(reply(t), Page::RESPONSE_IN_URL);
    }

    #[test]
    fn other_methods_are_405_with_allow() {
        let page = reply(triage(
            &head("PUT", "/", Some(FORM)),
            ResponseMode::FormPost,
            100,
        ));
        assert_eq!((page.status, page.allow), (405, Some("POST")));
        let page = reply(triage(
            &head("POST", "/", Some(FORM)),
            ResponseMode::Query,
            100,
        ));
        assert_eq!((page.status, page.allow), (405, Some("GET")));
        let page = reply(triage(&head("GET", "/", None), ResponseMode::FormPost, 100));
        assert_eq!(page.status, 405);
    }

    #[test]
    fn other_paths_are_404() {
        for url in ["/favicon.ico", "/callback?code=x", "//", "http://evil/"] {
            let page = reply(triage(&head("GET", url, None), ResponseMode::Query, 100));
            assert_eq!(page.status, 404, "{url}");
        }
    }

    #[test]
    fn query_mode_get_is_decided_on_its_query() {
        let t = triage(
            &head("GET", "/?code=c&state=s", None),
            ResponseMode::Query,
            100,
        );
        assert_eq!(t, Triage::Query("code=c&state=s".into()));
    }

    #[test]
    fn matching_state_with_a_code_completes() {
        match decide(b"code=the-code&state=s1&session_state=x", "s1") {
            Decision::Complete(params, page) => {
                assert_eq!(params.code.unwrap().secret(), "the-code");
                assert_eq!(page, Page::SUCCESS);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_or_missing_state_is_rejected() {
        for body in [
            &b"code=c&state=s2"[..],
            b"code=c",
            b"code=c&state=",
            b"garbage\xff%%",
        ] {
            assert!(
                matches!(decide(body, "s1"), Decision::Reject(Page::BAD_REQUEST)),
                "{body:?}"
            );
        }
    }

    #[test]
    fn repeated_parameters_are_rejected() {
        assert!(matches!(
            decide(b"code=a&code=b&state=s1", "s1"),
            Decision::Reject(_)
        ));
    }

    #[test]
    fn matching_state_without_code_or_error_is_rejected() {
        assert!(matches!(
            decide(b"state=s1&code=", "s1"),
            Decision::Reject(_)
        ));
    }

    #[test]
    fn matching_state_with_an_error_completes_with_the_failure_page() {
        match decide(b"error=access_denied&error_description=no&state=s1", "s1") {
            Decision::Complete(params, page) => {
                assert_eq!(params.error.as_deref(), Some("access_denied"));
                assert_eq!(page.error_code, Some("access_denied"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn failure_page_names_only_well_known_error_codes() {
        assert_eq!(Page::failed("<script>").error_code, None);
        assert!(!Page::failed("<script>").html().contains("<script>"));
        assert!(Page::failed("login_required")
            .html()
            .contains("login_required"));
    }

    #[test]
    fn bodies_are_handled_where_reading_them_cannot_block_the_loop() {
        assert_eq!(body_kind(None, false, 65536), BodyKind::Buffered);
        assert_eq!(body_kind(Some(1024), false, 65536), BodyKind::Buffered);
        assert_eq!(body_kind(Some(1025), false, 65536), BodyKind::Streamed);
        assert_eq!(body_kind(None, true, 65536), BodyKind::Streamed);
        assert_eq!(body_kind(Some(usize::MAX), false, 65536), BodyKind::Absurd);
    }

    #[test]
    fn log_path_drops_the_query() {
        assert_eq!(path_of("/?code=secret&state=s"), "/");
        assert_eq!(path_of("/favicon.ico"), "/favicon.ico");
    }

    #[test]
    fn redirect_uri_uses_the_chosen_host() {
        let listener = LoopbackListener::bind(&LoopbackOptions {
            host: RedirectHost::Ip,
            ..LoopbackOptions::default()
        })
        .unwrap();
        let expected = format!("http://127.0.0.1:{}/", listener.port());
        assert_eq!(listener.redirect_uri().as_str(), expected);
        assert!(listener.port() != 0);
    }
}
