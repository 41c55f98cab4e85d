//! The HTTP server: an accept loop serving the axum router over hyper, with counters, faults
//! and the ability to drop a connection without answering (a fault real networks produce).

use super::faults::Fault;
use super::state::Shared;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

/// Marks a response whose connection must be closed without sending it.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

#[derive(Debug)]
struct DroppedByFault;

impl std::fmt::Display for DroppedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedByFault {}

/// Counts the request under its route template and applies any configured fault.
pub async fn count_and_fault(
    State(state): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| request.uri().path().to_string());
    let key = format!("{} {}", request.method(), route);
    state.counters.bump(&key);
    if route.starts_with("/_emulator") {
        return next.run(request).await;
    }
    let (fault, latency, retry_after) = state.faults.decide(request.uri().path());
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        None => next.run(request).await,
        Some(Fault::Drop) => {
            state.counters.bump("fault:drop");
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(DropConnection);
            response
        }
        Some(Fault::Status(status)) => {
            state.counters.bump(&format!("fault:{status}"));
            fault_response(&route, status, &retry_after)
        }
    }
}

fn fault_response(route: &str, status: u16, retry_after: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = if route.starts_with("/v1.0") {
        super::graph::error::graph_error(status, fault_code(status), fault_message(status))
    } else {
        (status, fault_message(status)).into_response()
    };
    if matches!(status.as_u16(), 429 | 503) {
        if let Ok(v) = HeaderValue::from_str(retry_after) {
            response.headers_mut().insert("retry-after", v);
        }
    }
    response
}

fn fault_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        429 => "TooManyRequests",
        503 => "serviceNotAvailable",
        504 => "gatewayTimeout",
        _ => "generalException",
    }
}

fn fault_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        429 => "Too many requests. Retry after the interval in the Retry-After header.",
        503 => "The service is temporarily unavailable. Retry after the interval in the Retry-After header.",
        504 => "The gateway timed out.",
        _ => "An error occurred.",
    }
}

/// The counter bumped for every TCP connection accepted (before any TLS handshake), so
/// tests can count connection attempts, retries included.
pub const CONNECTIONS_COUNTER: &str = "tcp:connections";

/// Serves `router` on `listener` until `shutdown` turns true: plain HTTP, or HTTPS when `tls`
/// is given.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Shared,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let Ok((stream, _peer)) = accepted else {
            continue;
        };
        state.counters.bump(CONNECTIONS_COUNTER);
        let router = router.clone();
        let tls = tls.clone();
        let conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, router, conn_shutdown).await,
                Some(acceptor) => {
                    let handshake = tokio::time::timeout(
                        std::time::Duration::from_secs(10),
                        acceptor.accept(stream),
                    );
                    if let Ok(Ok(stream)) = handshake.await {
                        serve_connection(stream, router, conn_shutdown).await;
                    }
                }
            }
        });
    }
}

/// Serves HTTP/1.1 on one accepted connection (plain or TLS).
async fn serve_connection<S>(
    stream: S,
    router: axum::Router,
    mut conn_shutdown: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let router = router.clone();
        async move {
            let response = router
                .oneshot(req.map(axum::body::Body::new))
                .await
                .unwrap_or_else(|never| match never {});
            if response.extensions().get::<DropConnection>().is_some() {
                return Err(DroppedByFault);
            }
            Ok(response)
        }
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = conn_shutdown.changed() => {}
    }
}
