//! [`PrintClient`]: a plain Microsoft Graph client for Universal Print — its settings, its
//! builder and the endpoint it talks to. The requests themselves (token, headers, the retry of
//! one request, the answer or a typed error) are `request.rs`'s; the typed operations (listing,
//! getting a job, a cancel as one request, a `$batch`) are `operations.rs`'s. What counts as a
//! cancelled job, batch rounds and the post-failure read are the cancel workflow's (`cancel/`).

use super::retry::{Jitter, RandomJitter, RetryPolicy, Sleeper, TokioSleeper};
use crate::auth::TokenSource;
use crate::config::require_secure_endpoint;
use crate::error::{Error, ErrorKind};
use crate::ids::Scope;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

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
/// into [`GraphError`](super::GraphError)s.
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

    /// The client's settings (a `$batch` round of cancels is retried by its policy, sleeper and
    /// jitter, like a single request).
    pub(crate) fn options(&self) -> &PrintClientOptions {
        &self.inner.options
    }

    /// `{base}{path}` with an optional `$filter`.
    pub(crate) fn url(&self, path: &str, filter: Option<&str>) -> Result<Url, Error> {
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
