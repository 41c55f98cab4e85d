//! The one HTTP client configuration for identity and Graph: trust, proxies, timeouts, user
//! agent, redirects, response size limits, and which transport failures are permanent.
//!
//! - **Trust.** Mozilla's roots (bundled, as before) plus the operating system's certificate
//!   store as [`rustls_native_certs`] reads it: on Linux the OpenSSL locations
//!   (`/etc/ssl/certs/…`), on macOS the keychains' trust settings, on Windows the system store.
//!   When `SSL_CERT_FILE` or `SSL_CERT_DIR` is set, those are read *instead of* the OS store
//!   (OpenSSL's rule, which curl, git and Python's `ssl` follow). The roots are read once per
//!   process, at the first TLS handshake, and shared by every client. docs/configuration.md says why this crate and not
//!   rustls-platform-verifier.
//! - **Proxies.** `HTTPS_PROXY`/`https_proxy` for https URLs, `HTTP_PROXY`/`http_proxy` for
//!   http URLs (`HTTP_PROXY` ignored under CGI, where `REQUEST_METHOD` is set), `ALL_PROXY` for
//!   both, `NO_PROXY` exceptions. Loopback (`localhost`, `127.0.0.0/8`, `::1`) is never
//!   proxied, whatever the environment says: a loopback sign-in must not send its code,
//!   verifier or refresh token to a proxy.
//! - **Redirects** are never followed (the oauth2 crate asks for it on the token client; Graph
//!   calls do not redirect).
//! - **Bodies** are read with a cap ([`MAX_BODY_BYTES`]): a server that answers gigabytes
//!   ends the call with [`BodyError::TooLarge`], not the process.
//! - **Permanent failures.** A certificate the trust store refuses or a host name that does not
//!   resolve will not fix itself within a retry budget: [`is_permanent_transport_error`] names
//!   the cause so that callers fail at once, with what to do.

use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The largest response body read from an identity or Graph endpoint (8 MiB). Token
/// responses are a few KiB and a Graph page of print jobs well under 1 MiB.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("printjob/", env!("CARGO_PKG_VERSION"));

/// Hosts never sent through a proxy (added to any `NO_PROXY`).
const LOOPBACK_NO_PROXY: &str = "localhost,127.0.0.0/8,::1";

/// Timeouts and user agent of one client; the rest (trust, proxies, redirects) is fixed.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Time allowed to open a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, response body included.
    pub request_timeout: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            user_agent: USER_AGENT.to_string(),
            connect_timeout: Duration::from_secs(20),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// The HTTP client could not be set up (a proxy variable that is not a URL, a TLS backend
/// error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot set up the HTTP client: {0}")]
pub struct SetupError(String);

/// Builds a client with printjob's trust, proxy, redirect and timeout rules.
pub fn client(settings: &ClientSettings) -> Result<reqwest::Client, SetupError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .redirect(reqwest::redirect::Policy::none());
    builder = builder.use_preconfigured_tls(tls_config().clone());
    let proxies = proxies_from(&|name| std::env::var(name).ok())?;
    if proxies.is_empty() {
        builder = builder.no_proxy();
    }
    for proxy in proxies {
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| SetupError(error_chain(&e)))
}

/// The TLS settings every client shares: TLS 1.2 and 1.3 with the *ring* provider (as
/// reqwest's own rustls set-up), ALPN h2 and http/1.1, and [`LazyRoots`] as the verifier.
fn tls_config() -> &'static rustls::ClientConfig {
    static CONFIG: OnceLock<rustls::ClientConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(LazyRoots {
            provider: provider.clone(),
            verifier: OnceLock::new(),
        });
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .map(|b| {
                b.dangerous()
                    .with_custom_certificate_verifier(verifier)
                    .with_no_client_auth()
            })
            // ALL_VERSIONS is supported by the ring provider; unreachable in practice.
            .unwrap_or_else(|_| {
                rustls::ClientConfig::builder()
                    .with_root_certificates(mozilla_roots())
                    .with_no_client_auth()
            });
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        config
    })
}

/// rustls's standard (webpki) verification against Mozilla's roots plus the system store,
/// with the roots read at the first TLS handshake of the process rather than when a client
/// is built: reading the system store takes milliseconds (about 145 files on Debian), which a
/// process that only talks to a loopback emulator over http should not pay.
#[derive(Debug)]
struct LazyRoots {
    provider: Arc<rustls::crypto::CryptoProvider>,
    verifier: OnceLock<Result<Arc<rustls::client::WebPkiServerVerifier>, rustls::Error>>,
}

impl LazyRoots {
    fn verifier(&self) -> Result<&Arc<rustls::client::WebPkiServerVerifier>, rustls::Error> {
        self.verifier
            .get_or_init(|| {
                let mut roots = mozilla_roots();
                let (added, ignored) = roots.add_parsable_certificates(system_roots());
                tracing::debug!(added, ignored, "trusted roots loaded from the system store");
                rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots),
                    self.provider.clone(),
                )
                .build()
                .map_err(|e| rustls::Error::General(format!("no usable trusted roots: {e}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl rustls::client::danger::ServerCertVerifier for LazyRoots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Mozilla's root program, as bundled by webpki-roots (what reqwest's `rustls-tls` trusted).
fn mozilla_roots() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// The system store's roots, or `SSL_CERT_FILE`/`SSL_CERT_DIR`'s when set.
fn system_roots() -> Vec<CertificateDer<'static>> {
    let loaded = rustls_native_certs::load_native_certs();
    for error in &loaded.errors {
        tracing::debug!(%error, "skipped part of the certificate store");
    }
    loaded.certs
}

/// The proxies the environment asks for, each with `NO_PROXY` plus loopback as exceptions.
/// `env` reads a variable (tests pass a table).
fn proxies_from(env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<reqwest::Proxy>, SetupError> {
    let first = |names: &[&'static str]| -> Option<(&'static str, String)> {
        names
            .iter()
            .find_map(|n| env(n).filter(|v| !v.trim().is_empty()).map(|v| (*n, v)))
    };
    let cgi = env("REQUEST_METHOD").is_some();
    let http_names: &[&str] = if cgi {
        &["http_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy"]
    };
    let no_proxy = match first(&["NO_PROXY", "no_proxy"]) {
        Some((_, list)) => format!("{list},{LOOPBACK_NO_PROXY}"),
        None => LOOPBACK_NO_PROXY.to_string(),
    };
    let invalid =
        |name: &str, e: reqwest::Error| SetupError(format!("{name} is not a proxy URL ({e})"));
    let mut proxies = Vec::new();
    if let Some((name, url)) = first(&["HTTPS_PROXY", "https_proxy"]) {
        proxies.push(reqwest::Proxy::https(&url).map_err(|e| invalid(name, e))?);
    }
    if let Some((name, url)) = first(http_names) {
        proxies.push(reqwest::Proxy::http(&url).map_err(|e| invalid(name, e))?);
    }
    if let Some((name, url)) = first(&["ALL_PROXY", "all_proxy"]) {
        proxies.push(reqwest::Proxy::all(&url).map_err(|e| invalid(name, e))?);
    }
    Ok(proxies
        .into_iter()
        .map(|p| p.no_proxy(reqwest::NoProxy::from_string(&no_proxy)))
        .collect())
}

/// Why a transport failure will not go away by retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// The certificate chain ends at a root that is not trusted.
    UnknownIssuer,
    /// The certificate is not valid for the host name.
    NameMismatch,
    /// The certificate has expired.
    Expired,
    /// The certificate is not valid yet.
    NotValidYet,
    /// The certificate was revoked.
    Revoked,
    /// Another certificate problem (rustls's description).
    OtherCertificate(String),
    /// The host name does not resolve.
    NameResolution,
}

impl Cause {
    /// A short machine-readable code (`certificateUnknownIssuer`, `nameResolutionFailed`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Cause::UnknownIssuer => "certificateUnknownIssuer",
            Cause::NameMismatch => "certificateNameMismatch",
            Cause::Expired => "certificateExpired",
            Cause::NotValidYet => "certificateNotValidYet",
            Cause::Revoked => "certificateRevoked",
            Cause::OtherCertificate(_) => "certificateInvalid",
            Cause::NameResolution => "nameResolutionFailed",
        }
    }

    /// Whether `code` is one of [`Cause::code`]'s (for errors that kept only the code).
    pub fn is_permanent_code(code: &str) -> bool {
        code.starts_with("certificate") || code == "nameResolutionFailed"
    }

    /// What to do about it.
    pub fn advice(&self) -> &'static str {
        match self {
            Cause::UnknownIssuer => {
                "if a proxy or firewall inspects TLS, install its root CA into the system \
                 certificate store or name the CA file with SSL_CERT_FILE (or a directory with \
                 SSL_CERT_DIR), then try again"
            }
            Cause::NameMismatch => {
                "check the URL's host name (the authority or Graph URL); a TLS-inspecting proxy \
                 may be presenting its own certificate"
            }
            Cause::Expired | Cause::NotValidYet => {
                "check this computer's date and time; otherwise the server's certificate must be \
                 renewed"
            }
            Cause::Revoked | Cause::OtherCertificate(_) => {
                "the server's certificate cannot be trusted; check the URL and any TLS-inspecting \
                 proxy (its root CA can be named with SSL_CERT_FILE)"
            }
            Cause::NameResolution => {
                "check the host name (the authority or Graph URL), the DNS settings, and \
                 HTTPS_PROXY if a proxy is required on this network"
            }
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::UnknownIssuer => {
                f.write_str("the server's TLS certificate was issued by an unknown issuer (certificate not trusted)")
            }
            Cause::NameMismatch => {
                f.write_str("the server's TLS certificate is not valid for this host name (name mismatch)")
            }
            Cause::Expired => f.write_str("the server's TLS certificate has expired"),
            Cause::NotValidYet => f.write_str("the server's TLS certificate is not valid yet"),
            Cause::Revoked => f.write_str("the server's TLS certificate was revoked"),
            Cause::OtherCertificate(detail) => {
                write!(f, "the server's TLS certificate is invalid ({detail})")
            }
            Cause::NameResolution => f.write_str("the host name could not be resolved (DNS)"),
        }
    }
}

/// `Some(cause)` when `error` will not go away by retrying: the server's certificate is not
/// trusted (unknown issuer, name mismatch, expired, …) or its name does not resolve.
pub fn is_permanent_transport_error(error: &reqwest::Error) -> Option<Cause> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(cause) = certificate_cause(e) {
            return Some(cause);
        }
        // hyper-util's connector reports a failed lookup as "dns error" (its type is private).
        if e.to_string() == "dns error" {
            return Some(Cause::NameResolution);
        }
        current = e.source();
    }
    None
}

/// rustls's certificate error in `error`, looking through `io::Error` wrappers (the TLS stream
/// and reqwest's connector each wrap it once; `io::Error::source` skips the wrapped error).
fn certificate_cause(error: &(dyn StdError + 'static)) -> Option<Cause> {
    use rustls::CertificateError as C;
    let mut error = error;
    while let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        error = inner;
    }
    let rustls::Error::InvalidCertificate(cert) = error.downcast_ref::<rustls::Error>()? else {
        return None;
    };
    Some(match cert {
        C::UnknownIssuer => Cause::UnknownIssuer,
        C::NotValidForName | C::NotValidForNameContext { .. } => Cause::NameMismatch,
        C::Expired | C::ExpiredContext { .. } => Cause::Expired,
        C::NotValidYet | C::NotValidYetContext { .. } => Cause::NotValidYet,
        C::Revoked => Cause::Revoked,
        other => Cause::OtherCertificate(format!("{other:?}")),
    })
}

/// A transport error in a few words: the permanent cause and what to do when there is one,
/// else [`short_cause`]. The whole chain of sources (reqwest's, hyper's) is logged at debug
/// level (`-vv`), not put in the message: the caller names the URL once.
pub fn describe(error: &reqwest::Error) -> String {
    tracing::debug!(chain = %error_chain(error), "transport error");
    match is_permanent_transport_error(error) {
        Some(cause) => format!("{cause}; {}", cause.advice()),
        None => short_cause(error),
    }
}

/// What went wrong with a request that got no answer, in a few words and without the URL:
/// `could not connect (Connection refused (os error 111))`, `the request timed out`.
pub fn short_cause(error: &reqwest::Error) -> String {
    let innermost = innermost_source(error);
    let what = if error.is_timeout() {
        "the request timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the connection failed while reading the answer"
    } else {
        "the connection failed"
    };
    match innermost {
        Some(cause) => format!("{what} ({cause})"),
        None => what.to_owned(),
    }
}

/// The last source of `error`'s chain, as text (the operating system's words, e.g.
/// `Connection refused (os error 111)`), when it has one.
fn innermost_source(error: &dyn StdError) -> Option<String> {
    let mut last = None;
    let mut source = error.source();
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    last
}

/// An error and its sources, `outer: inner: …`, each source only when its text is not already
/// in the chain (a wrapper that prints its cause is not repeated): the one formatter of error
/// chains, for transport errors here and the token endpoint's in `auth/token.rs`.
pub(crate) fn error_chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// A response body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body is larger than the cap.
    #[error("the response body is larger than {limit} bytes; the server is misbehaving or this is not the expected endpoint")]
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The connection failed while reading.
    #[error("{}", describe(.0))]
    Transport(#[from] reqwest::Error),
}

/// Reads `response`'s body, refusing more than `limit` bytes (a larger `Content-Length` is
/// refused before reading).
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    let declared = response.content_length().unwrap_or(0);
    if declared > limit as u64 {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads `response`'s body as text (lossy UTF-8), capped at [`MAX_BODY_BYTES`].
pub async fn read_text_capped(response: reqwest::Response) -> Result<String, BodyError> {
    let body = read_capped(response, MAX_BODY_BYTES).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The oauth2 crate's HTTP client over a reqwest client, with the body cap:
/// `request.request_async(&http::capped(&client))`.
pub fn capped(client: &reqwest::Client) -> Capped {
    Capped(client.clone())
}

/// See [`capped`] (a reqwest client is a cheap, shared handle).
#[derive(Debug, Clone)]
pub struct Capped(reqwest::Client);

/// A failed token-endpoint call (see [`capped`]).
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The request could not be built from oauth2's parts.
    #[error("cannot build the request: {0}")]
    Request(String),
    /// Sending or reading failed.
    #[error(transparent)]
    Body(#[from] BodyError),
}

impl<'c> oauth2::AsyncHttpClient<'c> for Capped {
    type Error = TransportError;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)
                .map_err(|e| TransportError::Request(e.to_string()))?;
            let (method, path) = (request.method().clone(), request.url().path().to_owned());
            let started = std::time::Instant::now();
            let response = self.0.execute(request).await.map_err(|e| {
                log_request(&method, &path, None, started, None);
                BodyError::from(e)
            })?;
            log_request(
                &method,
                &path,
                Some(response.status().as_u16()),
                started,
                Some(response.headers()),
            );
            let mut builder = oauth2::http::Response::builder()
                .status(response.status())
                .version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = read_capped(response, MAX_BODY_BYTES).await?;
            builder
                .body(body)
                .map_err(|e| TransportError::Request(e.to_string()))
        })
    }
}

/// Logs one request on one line at info level (`-v`): method, path (no query: identity
/// requests carry their secrets in the body, which is never logged), status (or `no answer`),
/// milliseconds, and the request ids the service answered with (`request-id`,
/// `client-request-id`, and the identity platform's `x-ms-request-id`).
pub fn log_request(
    method: &reqwest::Method,
    path: &str,
    status: Option<u16>,
    started: std::time::Instant,
    headers: Option<&reqwest::header::HeaderMap>,
) {
    let status = status.map_or_else(|| "no answer".to_owned(), |s| s.to_string());
    let ids = headers.map(request_ids).unwrap_or_default();
    tracing::info!(
        target: "printjob::request",
        "{method} {path} {status} {} ms{ids}",
        started.elapsed().as_millis()
    );
}

/// ` request-id=… client-request-id=…` from a response's headers (empty when none is there).
fn request_ids(headers: &reqwest::header::HeaderMap) -> String {
    ["request-id", "client-request-id", "x-ms-request-id"]
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some(format!(" {name}={value}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn no_proxy_variables_mean_no_proxies() {
        assert!(proxies_from(&env(&[])).unwrap().is_empty());
    }

    #[test]
    fn each_proxy_variable_adds_one_proxy() {
        let e = env(&[
            ("HTTPS_PROXY", "http://proxy.example:3128"),
            ("http_proxy", "http://proxy.example:3128"),
        ]);
        assert_eq!(proxies_from(&e).unwrap().len(), 2);
    }

    #[test]
    fn http_proxy_in_upper_case_is_ignored_under_cgi() {
        let e = env(&[
            ("HTTP_PROXY", "http://proxy.example:3128"),
            ("REQUEST_METHOD", "GET"),
        ]);
        assert!(proxies_from(&e).unwrap().is_empty());
    }

    #[test]
    fn a_proxy_that_is_not_a_url_is_an_error_naming_the_variable() {
        let e = env(&[("HTTPS_PROXY", "http://[::1")]);
        let error = proxies_from(&e).unwrap_err();
        assert!(error.to_string().contains("HTTPS_PROXY"), "{error}");
    }

    /// A resolver that knows no name, as a DNS server answering NXDOMAIN would.
    struct NoSuchHost;

    impl reqwest::dns::Resolve for NoSuchHost {
        fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            let message = format!("failed to lookup address information: {}", name.as_str());
            Box::pin(async move { Err(std::io::Error::other(message).into()) })
        }
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_a_permanent_failure() {
        let client = reqwest::Client::builder()
            .dns_resolver(std::sync::Arc::new(NoSuchHost))
            .no_proxy()
            .build()
            .unwrap();
        let error = client
            .get("http://login.printjob-test.invalid/")
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            is_permanent_transport_error(&error),
            Some(Cause::NameResolution)
        );
        assert!(describe(&error).contains("DNS"), "{}", describe(&error));
    }

    #[tokio::test]
    async fn a_refused_connection_is_not_permanent() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let client = client(&ClientSettings::default()).unwrap();
        let error = client
            .get(format!("http://{addr}/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(is_permanent_transport_error(&error), None);
    }

    #[test]
    fn permanent_codes_are_recognised() {
        for cause in [Cause::UnknownIssuer, Cause::Expired, Cause::NameResolution] {
            assert!(Cause::is_permanent_code(cause.code()));
        }
        assert!(!Cause::is_permanent_code("connectionFailed"));
    }
}
