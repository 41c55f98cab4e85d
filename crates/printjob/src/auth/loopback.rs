//! The loopback redirect listener: an HTTP/1.1 server (hyper) on `127.0.0.1` (and `[::1]` on
//! the same port where the machine allows it, never any other interface) that waits for
//! exactly one redirect carrying the expected `state`, answers it with a small static page, and
//! closes.
//!
//! Every other request (a favicon, a wrong path, a wrong method or content type, a missing or
//! wrong `state`, garbage) gets a small static page and the wait goes on. Pages never echo
//! anything from the request. Every connection is served by a task of its own with a header
//! cap, read deadlines and one request per connection, so no client (a pipelining one that
//! never reads, a stalled body, a header without end, thousands of idle connections) can delay
//! the genuine redirect, the deadline or Ctrl-C. See `docs/security.md` for why each rule exists.
//!
//! ```no_run
//! # // An internal: reachable from outside only through the `test-support` feature.
//! # #[cfg(feature = "test-support")]
//! # async fn example() -> Result<(), printjob::AuthError> {
//! use printjob::test_support::{LoopbackListener, LoopbackOptions};
//! use printjob::ResponseMode;
//!
//! let listener = LoopbackListener::bind(&LoopbackOptions::default())?;
//! let redirect_uri = listener.redirect_uri(); // put this in the authorization request
//! # let state = "from PendingAuthorization::state()";
//! let redirect = listener.wait(state, ResponseMode::FormPost).await?;
//! # Ok(()) }
//! ```

use crate::auth::interactive::{constant_time_eq, RedirectParams, ResponseMode};
use crate::auth::AuthError;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;

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
    /// How long one connection may take to send its request head, and then its body
    /// (default 10 s each). A connection that has not sent its head in time is closed; one
    /// whose body stalls gets 408. A connection lives at most three times this long.
    pub connection_timeout: Duration,
}

impl Default for LoopbackOptions {
    fn default() -> Self {
        Self {
            port: 0,
            host: RedirectHost::Localhost,
            timeout: Duration::from_secs(300),
            max_body_bytes: 64 * 1024,
            connection_timeout: Duration::from_secs(10),
        }
    }
}

/// A bound loopback listener, ready before the browser opens; consumed by
/// [`LoopbackListener::wait`].
pub struct LoopbackListener {
    listeners: Vec<TcpListener>,
    addresses: Vec<SocketAddr>,
    redirect_uri: url::Url,
    timeout: Duration,
    max_body_bytes: usize,
    connection_timeout: Duration,
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

/// Ephemeral ports tried before giving up on finding one free on both loopback addresses.
const BIND_ATTEMPTS: usize = 8;
/// The largest request head (request line and headers) read; a longer one gets 431 and the
/// connection is closed (hyper's read buffer cap, so memory per connection stays bounded).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Rejected bodies up to this size are read and discarded before the answer, so that the
/// client sees the answer rather than a connection reset; larger ones are not read.
const DRAIN_LIMIT: usize = 1024 * 1024;
/// Connections served at once; more wait in the kernel's accept queue until one ends. Bounds
/// memory (each holds at most [`MAX_HEAD_BYTES`] plus the body limit).
const MAX_CONNECTIONS: usize = 1024;
/// How long accepting pauses after an error such as EMFILE (no file descriptor free).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

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
        for listener in &listeners {
            listener
                .set_nonblocking(true)
                .map_err(|e| listener_error(&format!("could not prepare the listener ({e})")))?;
        }
        let port = addresses
            .first()
            .map(SocketAddr::port)
            .unwrap_or(options.port);
        let redirect_uri = url::Url::parse(&format!("http://{}:{port}/", options.host.as_str()))
            .map_err(|e| listener_error(&format!("could not form the redirect URI ({e})")))?;
        tracing::debug!(?addresses, "sign-in listener bound");
        Ok(Self {
            listeners,
            addresses,
            redirect_uri,
            timeout: options.timeout,
            max_body_bytes: options.max_body_bytes,
            connection_timeout: options.connection_timeout.max(Duration::from_millis(1)),
        })
    }

    /// The redirect URI to register and send: `http://localhost:{port}/` (or `127.0.0.1`).
    pub fn redirect_uri(&self) -> url::Url {
        self.redirect_uri.clone()
    }

    /// The port the listener is bound to (the redirect URI's).
    #[cfg(any(test, feature = "test-support"))]
    pub fn port(&self) -> u16 {
        self.redirect_uri
            .port_or_known_default()
            .unwrap_or_default()
    }

    /// The socket addresses listened on (`127.0.0.1:{port}`, and `[::1]:{port}` when bound).
    #[cfg(feature = "test-support")]
    pub fn addresses(&self) -> &[SocketAddr] {
        &self.addresses
    }

    /// Waits for the redirect whose `state` matches, answers it and closes the listener.
    /// A redirect with `error=` also ends the wait (hand it to
    /// [`PendingAuthorization::finish`](crate::auth::interactive::PendingAuthorization::finish)).
    /// Fails with [`AuthError::TimedOut`] after the timeout. Requests that do not carry the
    /// expected `state` never end the wait, however many arrive. Dropping the future stops
    /// every connection and releases the port at once. Must run inside a tokio runtime.
    pub async fn wait(
        self,
        expected_state: &str,
        mode: ResponseMode,
    ) -> Result<RedirectParams, AuthError> {
        let deadline = Instant::now() + self.timeout;
        let (found, mut arrived) = mpsc::unbounded_channel();
        // Dropped when this future ends or is dropped: every task sees the channel close.
        let (_stop, stopped) = watch::channel(());
        let context = Arc::new(Context {
            expected_state: expected_state.to_owned(),
            mode,
            max_body_bytes: self.max_body_bytes,
            connection_timeout: self.connection_timeout,
            done: AtomicBool::new(false),
            found,
            slots: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
        });
        for listener in self.listeners {
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(|e| listener_error(&format!("could not start the listener ({e})")))?;
            tokio::spawn(accept_loop(listener, Arc::clone(&context), stopped.clone()));
        }
        drop(context);
        tokio::select! {
            params = arrived.recv() => params.ok_or_else(|| {
                listener_error("every listening socket stopped")
            }),
            () = tokio::time::sleep_until(deadline) => Err(AuthError::TimedOut {
                seconds: self.timeout.as_secs(),
            }),
        }
    }
}

fn listener_error(what: &str) -> AuthError {
    AuthError::Listener(format!(
        "the sign-in listener failed: {what}; sign in again"
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

/// The port cannot be used; the error's remedy (another port, or any free one) is worded by the
/// caller, which knows how its user chooses the port.
fn bind_error(error: &io::Error, port: u16, address: &str) -> AuthError {
    let message = match error.kind() {
        io::ErrorKind::AddrInUse => format!("port {port} is in use on {address}"),
        io::ErrorKind::PermissionDenied => {
            format!("not allowed to listen on port {port} (ports below 1024 need privileges)")
        }
        _ => format!("could not listen on {address}:{port} for the sign-in redirect ({error})"),
    };
    AuthError::PortUnavailable { port, message }
}

/// What every connection shares.
struct Context {
    expected_state: String,
    mode: ResponseMode,
    max_body_bytes: usize,
    connection_timeout: Duration,
    /// Set by whoever answers the matching redirect first.
    done: AtomicBool,
    /// Where the matching redirect's parameters go once its answer has been written.
    found: mpsc::UnboundedSender<RedirectParams>,
    /// One permit per connection being served.
    slots: Arc<Semaphore>,
}

/// Accepts connections until the wait ends, each served by a task of its own. Accept errors
/// (EMFILE, ENFILE, ENOBUFS, a connection reset before it was accepted) pause briefly and the
/// loop goes on: they never end the sign-in.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    context: Arc<Context>,
    mut stopped: watch::Receiver<()>,
) {
    loop {
        let permit = tokio::select! {
            _ = stopped.changed() => return,
            permit = Arc::clone(&context.slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let accepted = tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                let context = Arc::clone(&context);
                let stopped = stopped.clone();
                tokio::spawn(async move {
                    serve_connection(stream, &context, stopped).await;
                    drop(permit);
                });
            }
            Err(e) => {
                tracing::debug!(error = %e, "the sign-in listener could not accept a connection");
                tokio::select! {
                    _ = stopped.changed() => return,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                }
            }
        }
    }
}

/// Serves one request on one connection (no keep-alive), within the connection's deadlines.
/// The matching redirect's parameters are handed over only after its page has been written.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    context: &Arc<Context>,
    mut stopped: watch::Receiver<()>,
) {
    let slot: Arc<Mutex<Option<RedirectParams>>> = Arc::new(Mutex::new(None));
    let service = {
        let (context, slot) = (Arc::clone(context), Arc::clone(&slot));
        hyper::service::service_fn(move |request| {
            let (context, slot) = (Arc::clone(&context), Arc::clone(&slot));
            async move { Ok::<_, Infallible>(handle(request, &context, &slot).await) }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(context.connection_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(false);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let lifetime = context.connection_timeout.saturating_mul(3);
    tokio::select! {
        _ = stopped.changed() => return,
        served = tokio::time::timeout(lifetime, connection) => match served {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "a connection to the sign-in listener failed"),
            Err(_) => tracing::debug!("a connection to the sign-in listener took too long; closed"),
        },
    }
    let params = slot.lock().ok().and_then(|mut s| s.take());
    if let Some(params) = params {
        let _ = context.found.send(params);
    }
}

/// Triage, body, state check and answer for one request.
async fn handle(
    request: Request<Incoming>,
    context: &Context,
    slot: &Mutex<Option<RedirectParams>>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    // An absolute-form target (`http://host/…`) is kept whole so that it never looks like `/`.
    let target = if parts.uri.authority().is_some() {
        parts.uri.to_string()
    } else {
        parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned())
    };
    tracing::debug!(
        method = %parts.method,
        path = path_of(&target),
        "request to the sign-in listener"
    );
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let content_length = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let chunked = parts.headers.contains_key(TRANSFER_ENCODING);
    let head = RequestHead {
        method: parts.method.as_str(),
        url: &target,
        content_type,
        content_length,
    };
    let body_deadline = Instant::now() + context.connection_timeout;
    let decision = match triage(&head, context.mode, context.max_body_bytes) {
        Triage::Reply(page) => {
            if chunked || content_length.is_some_and(|n| n > 0 && n <= DRAIN_LIMIT) {
                drain(body, body_deadline).await;
            }
            Decision::Reject(page)
        }
        Triage::Query(query) => decide(query.as_bytes(), &context.expected_state),
        Triage::ReadForm => match read_body(body, context.max_body_bytes, body_deadline).await {
            Ok(body) => decide(&body, &context.expected_state),
            Err(page) => Decision::Reject(page),
        },
    };
    settle(decision, context, slot)
}

/// Reads at most `max` bytes of body before `deadline`: more is 413 (the rest drained up to
/// [`DRAIN_LIMIT`]), too slow is 408, a broken body 400.
async fn read_body(mut body: Incoming, max: usize, deadline: Instant) -> Result<Vec<u8>, Page> {
    let mut buffer = Vec::new();
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(Page::REQUEST_TIMEOUT),
            Ok(None) => return Ok(buffer),
            Ok(Some(Err(_))) => return Err(Page::BAD_REQUEST),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if buffer.len().saturating_add(data.len()) > max {
                let read = buffer.len().saturating_add(data.len());
                drain_from(body, read, deadline).await;
                return Err(Page::TOO_LARGE);
            }
            buffer.extend_from_slice(&data);
        }
    }
}

/// Reads and discards a body (at most [`DRAIN_LIMIT`] bytes, until `deadline`).
async fn drain(body: Incoming, deadline: Instant) {
    drain_from(body, 0, deadline).await;
}

async fn drain_from(mut body: Incoming, mut read: usize, deadline: Instant) {
    while read <= DRAIN_LIMIT {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                read = read.saturating_add(frame.data_ref().map_or(0, Bytes::len));
            }
            _ => return,
        }
    }
}

/// Answers the request; the first matching redirect wins, any later one is told it is over.
fn settle(
    decision: Decision,
    context: &Context,
    slot: &Mutex<Option<RedirectParams>>,
) -> Response<Full<Bytes>> {
    match decision {
        Decision::Reject(page) => {
            tracing::debug!(status = page.status, "sign-in listener refused a request");
            page.response()
        }
        Decision::Complete(params, page) => {
            if context.done.swap(true, Ordering::AcqRel) {
                return Page::ALREADY_DONE.response();
            }
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(params);
            }
            page.response()
        }
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

/// The pages' only style sheet, inline (no external resource: the page works offline and
/// tells no third party that someone signed in). The Content-Security-Policy allows exactly
/// this block by its hash (checked by a test).
const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5c5c5c;--bg:#f3f3f3;--card:#fff;\
--ok:#107c10;--bad:#c42b1c;--info:#0067b8;--line:#e1e1e1}\
@media (prefers-color-scheme:dark){:root{--fg:#f3f3f3;--muted:#b3b3b3;--bg:#1f1f1f;\
--card:#2b2b2b;--ok:#6ccb5f;--bad:#ff99a4;--info:#60cdff;--line:#3d3d3d}}\
*{box-sizing:border-box}\
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;\
background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\
main{max-width:32rem;margin:1rem;padding:2rem 2.25rem;background:var(--card);\
border:1px solid var(--line);border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}\
.product{margin:0 0 1.25rem;font-size:.8rem;font-weight:600;letter-spacing:.08em;\
text-transform:uppercase;color:var(--muted)}\
.mark{display:inline-flex;align-items:center;justify-content:center;width:2.5rem;height:2.5rem;\
border-radius:50%;font-size:1.35rem;font-weight:700;color:var(--card);margin-bottom:.75rem}\
.ok .mark{background:var(--ok)}.bad .mark{background:var(--bad)}.info .mark{background:var(--info)}\
h1{margin:0 0 .5rem;font-size:1.5rem;font-weight:600}\
p{margin:.5rem 0}.next{color:var(--muted)}\
code{font:.9em ui-monospace,Consolas,monospace;padding:.1em .35em;border-radius:4px;\
background:var(--line)}";

/// The look of a page: success, failure, or information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Success,
    Failure,
    Info,
}

/// A static page: every piece of text is a compile-time constant, so nothing from a request
/// can be reflected into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Page {
    status: u16,
    tone: Tone,
    title: &'static str,
    text: &'static str,
    /// What to do next (shown below the text).
    next: Option<&'static str>,
    error_code: Option<&'static str>,
    allow: Option<&'static str>,
}

impl Page {
    const fn new(status: u16, title: &'static str, text: &'static str) -> Self {
        Self {
            status,
            tone: Tone::Info,
            title,
            text,
            next: None,
            error_code: None,
            allow: None,
        }
    }

    const SUCCESS: Page = Page {
        tone: Tone::Success,
        next: Some(
            "Your sign-in is kept on this computer and renewed silently; the terminal you \
             signed in from can show who is signed in and sign you out.",
        ),
        ..Page::new(
            200,
            "Signed in",
            "Sign-in is complete. You may close this tab and return to the terminal.",
        )
    };
    const FAILED: Page = Page {
        tone: Tone::Failure,
        next: Some(
            "To try again, return to the terminal and sign in again. Without a browser on this \
             computer, a device code lets you sign in from another device.",
        ),
        ..Page::new(
            200,
            "Sign-in failed",
            "Sign-in did not complete. You may close this tab; the terminal says what happened and what to do.",
        )
    };
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
        "The sign-in response arrived in the address bar, but printjob asked for it as a form post so that the code never sits in your browser history. It was refused. If your identity provider does not support form_post, return to the terminal and sign in again asking for the response in the query string.",
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
    const REQUEST_TIMEOUT: Page = Page::new(
        408,
        "Request timeout",
        "The request was not sent in time. It was ignored.",
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
        let next = self
            .next
            .map(|n| format!("<p class=\"next\">{n}</p>"))
            .unwrap_or_default();
        let (class, mark) = match self.tone {
            Tone::Success => ("ok", "&#10003;"),
            Tone::Failure => ("bad", "&#10005;"),
            Tone::Info => ("info", "i"),
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>printjob: {title}</title><style>{STYLE}</style></head>\n\
             <body><main class=\"{class}\"><p class=\"product\">printjob &middot; Microsoft sign-in</p>\
             <div class=\"mark\" aria-hidden=\"true\">{mark}</div>\
             <h1>{title}</h1><p>{text}</p>{code}{next}</main></body></html>\n",
            title = self.title,
            text = self.text,
        )
    }

    fn headers(&self) -> Vec<(&'static str, &'static str)> {
        /// Nothing may load; only the inline style block, by its hash.
        const CSP: &str = concat!(
            "default-src 'none'; style-src 'sha256-WbksPS3E0tGFKJHyiHFs71OvCeV73Ir8N5XyINR8e2E='; ",
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        let mut headers = vec![
            ("content-type", "text/html; charset=utf-8"),
            ("cache-control", "no-store"),
            ("pragma", "no-cache"),
            ("referrer-policy", "no-referrer"),
            ("content-security-policy", CSP),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
        ];
        headers.extend(self.allow.map(|methods| ("allow", methods)));
        headers
    }

    fn response(&self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(Bytes::from(self.html())));
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let headers = response.headers_mut();
        for (name, value) in self.headers() {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        response
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
    fn every_page_is_styled_inline_and_loads_nothing() {
        let pages = [
            Page::SUCCESS,
            Page::failed("access_denied"),
            Page::ALREADY_DONE,
            Page::BAD_REQUEST,
            Page::RESPONSE_IN_URL,
            Page::NOT_FOUND,
            Page::METHOD_NOT_ALLOWED_POST,
            Page::TOO_LARGE,
            Page::REQUEST_TIMEOUT,
            Page::UNSUPPORTED_MEDIA_TYPE,
        ];
        for page in pages {
            let html = page.html().to_lowercase();
            assert!(html.contains("<style>") && html.contains("printjob"));
            for external in ["http:", "https:", "//", "src=", "href=", "url(", "@import"] {
                assert!(!html.contains(external), "{external} in {html}");
            }
        }
    }

    #[test]
    fn content_security_policy_allows_exactly_the_inline_style() {
        use base64::Engine;
        use sha2::Digest;
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(STYLE));
        let csp = Page::SUCCESS
            .headers()
            .into_iter()
            .find(|(name, _)| *name == "content-security-policy")
            .map(|(_, value)| value)
            .unwrap();
        assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
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

/// Property-based tests of redirect parsing (issue 12): whatever the request line, the
/// parameters, their encoding or repetition, parsing never panics and never accepts a wrong
/// `state`.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    const EXPECTED: &str = "Zk3q9s0VJm2cWq1y8HhB6tXo4aPnR5uE7dLwKjYgT2c";

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("code".to_owned()),
            Just("state".to_owned()),
            Just("error".to_owned()),
            Just("error_description".to_owned()),
            Just("session_state".to_owned()),
            Just("STATE".to_owned()),
            Just("state ".to_owned()),
            "[a-z_%+]{0,12}",
        ]
    }

    /// A value: printable text, raw bytes (including non-UTF-8), or near misses of the state.
    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            "\\PC{0,40}".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..48),
            Just(EXPECTED.as_bytes()[1..].to_vec()),
            Just(format!("{EXPECTED} ").into_bytes()),
            Just(EXPECTED.to_lowercase().into_bytes()),
            Just(format!("{EXPECTED}%00").into_bytes()),
            Just(format!("{EXPECTED}\u{0}").into_bytes()),
        ]
    }

    /// Encodes bytes the way a client might: raw, percent-encoded, or `+` for spaces.
    fn encode(bytes: &[u8], how: u8) -> Vec<u8> {
        match how % 3 {
            0 => bytes.to_vec(),
            1 => percent_encoding::percent_encode(bytes, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
                .into_bytes(),
            _ => url::form_urlencoded::byte_serialize(bytes)
                .collect::<String>()
                .into_bytes(),
        }
    }

    fn join(pairs: &[(String, Vec<u8>, u8)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (i, (name, value, how)) in pairs.iter().enumerate() {
            if i > 0 {
                body.push(b'&');
            }
            body.extend(encode(name.as_bytes(), *how));
            body.push(b'=');
            body.extend(encode(value, how / 3));
        }
        body
    }

    /// The value of `state` as the listener would read it, if given exactly once.
    fn state_of(body: &[u8]) -> Vec<String> {
        url::form_urlencoded::parse(body)
            .filter(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PRINTJOB_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
        ))]

        #[test]
        fn arbitrary_bytes_never_panic_and_never_complete_without_the_state(
            body in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            if let Decision::Complete(params, _) = decide(&body, EXPECTED) {
                prop_assert_eq!(params.state.as_deref(), Some(EXPECTED));
                prop_assert_eq!(state_of(&body), vec![EXPECTED.to_owned()]);
            }
        }

        #[test]
        fn parameters_without_the_exact_state_once_are_always_refused(
            pairs in proptest::collection::vec((name(), value(), any::<u8>()), 0..8)
        ) {
            let body = join(&pairs);
            let states = state_of(&body);
            let decision = decide(&body, EXPECTED);
            if states != vec![EXPECTED.to_owned()] {
                prop_assert!(matches!(decision, Decision::Reject(_)), "{:?}", states);
            }
        }

        #[test]
        fn the_genuine_redirect_is_accepted_among_harmless_extras(
            code in "[A-Za-z0-9._-]{1,2048}",
            extras in proptest::collection::vec(("[a-z_]{1,12}", "\\PC{0,40}"), 0..4),
            how in any::<u8>(),
        ) {
            let mut pairs = vec![
                ("code".to_owned(), code.clone().into_bytes(), how),
                ("state".to_owned(), EXPECTED.as_bytes().to_vec(), how),
            ];
            for (name, value) in extras {
                if !matches!(name.as_str(), "code" | "state" | "error" | "error_description"
                    | "error_uri" | "error_codes" | "session_state" | "iss" | "client_info"
                    | "trace_id" | "correlation_id" | "timestamp" | "admin_consent")
                {
                    pairs.push((name, value.into_bytes(), how));
                }
            }
            match decide(&join(&pairs), EXPECTED) {
                Decision::Complete(params, page) => {
                    prop_assert_eq!(page, Page::SUCCESS);
                    prop_assert_eq!(params.code.map(|c| c.secret().to_owned()), Some(code));
                }
                Decision::Reject(page) => prop_assert!(false, "refused: {:?}", page),
            }
        }

        #[test]
        fn arbitrary_request_targets_never_panic_and_reply_or_defer(
            method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), Just("PUT".to_owned()), "[A-Z]{1,8}"],
            target in "\\PC{0,200}",
            content_type in proptest::option::of("\\PC{0,60}"),
            content_length in proptest::option::of(any::<usize>()),
            query_mode in any::<bool>(),
        ) {
            let mode = if query_mode { ResponseMode::Query } else { ResponseMode::FormPost };
            let head = RequestHead {
                method: &method,
                url: &target,
                content_type: content_type.as_deref(),
                content_length,
            };
            match triage(&head, mode, 64 * 1024) {
                Triage::Query(query) => {
                    prop_assert!(query_mode && method == "GET");
                    prop_assert!(target.starts_with("/?") || target == "/");
                    if let Decision::Complete(params, _) = decide(query.as_bytes(), EXPECTED) {
                        prop_assert_eq!(params.state.as_deref(), Some(EXPECTED));
                    }
                }
                Triage::ReadForm => prop_assert!(!query_mode && method == "POST"),
                Triage::Reply(page) => prop_assert!(page.status >= 400),
            }
        }
    }
}
