//! Integration tests: the Azure SDK adapter (cargo feature `azure`). `printjob login` signs
//! Adele in against the emulator's TLS mode; the library's `DelegatedCredential`, reading that
//! token cache, is the `TokenCredential` of a real `azure_core` pipeline whose
//! `BearerTokenAuthorizationPolicy` authorizes a `POST …/cancel` over https (the policy refuses
//! plain http). azure_core is built without a transport of its own (Cargo.toml), so the
//! pipeline's transport here is reqwest with rustls trusting the emulator's CA.

use crate::harness::{emulator_env, example_bin, printjob_bin};
use azure_core::credentials::TokenCredential;
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::policies::Policy;
use azure_core::http::{
    AsyncRawResponse, Body, ClientOptions, Context, HttpClient, Method, Pipeline, Request,
    StatusCode, Transport, Url,
};
use printjob::model::PrintJobProcessingState as State;
use printjob::DelegatedCredential;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::seed::{ADELE, PUBLIC_CLIENT_ID};
use printjob_emulator::Emulator;
use std::sync::Arc;

/// reqwest 0.12 with rustls as an `azure_core` transport (what `reqwest_rustls` would give,
/// with the emulator's CA as a root).
#[derive(Debug)]
struct RustlsTransport(reqwest::Client);

#[async_trait::async_trait]
impl HttpClient for RustlsTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let method = match request.method() {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
            other => {
                return Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Other,
                    format!("{other:?} is not used by these tests"),
                ))
            }
        };
        let mut builder = self.0.request(method, request.url().clone());
        for (name, value) in request.headers().iter() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Body::Bytes(bytes) = request.body() {
            builder = builder.body(bytes.to_vec());
        }
        let response = builder.send().await.map_err(|e| {
            azure_core::Error::with_error(azure_core::error::ErrorKind::Io, e, "send")
        })?;
        let status = StatusCode::from(response.status().as_u16());
        let headers: std::collections::HashMap<_, _> = response
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.as_str().to_owned().into(),
                    v.to_str().ok()?.to_owned().into(),
                ))
            })
            .collect();
        let body = response.bytes().await.map_err(|e| {
            azure_core::Error::with_error(azure_core::error::ErrorKind::Io, e, "read body")
        })?;
        let stream = futures::stream::once(async move { Ok(body) });
        Ok(AsyncRawResponse::new(
            status,
            headers.into(),
            Box::pin(stream),
        ))
    }
}

struct Setup {
    emulator: Emulator,
    dir: tempfile::TempDir,
    credential: Arc<dyn TokenCredential>,
}

impl Setup {
    /// The emulator in TLS mode, Adele signed in by the `printjob` binary, and the library's
    /// credential on the same token cache (never interactive: a cache miss would fail).
    async fn signed_in() -> Self {
        let emulator = Emulator::builder()
            .tls(true)
            .start()
            .await
            .expect("emulator");
        let dir = tempfile::tempdir().expect("temp dir");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, emulator.ca_pem().expect("a CA in TLS mode")).expect("write CA");
        let login = tokio::process::Command::new(printjob_bin())
            .arg("login")
            .env_clear()
            .envs(emulator_env(&emulator, dir.path()))
            .env("BROWSER", example_bin("robot_browser"))
            .env("SSL_CERT_FILE", &ca)
            .kill_on_drop(true)
            .output()
            .await
            .expect("run printjob login");
        assert_eq!(
            login.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&login.stderr)
        );
        let credential = DelegatedCredential::builder()
            .authority(emulator.base_url())
            .tenant("contoso.onmicrosoft.com")
            .client_id(PUBLIC_CLIENT_ID)
            .cache_path(dir.path().join("cache").join("token_cache.json"))
            .allow_interactive(false)
            .build()
            .expect("credential");
        Self {
            emulator,
            dir,
            credential: Arc::new(credential),
        }
    }

    fn pipeline(&self, scopes: &[&str]) -> Pipeline {
        let ca = std::fs::read(self.dir.path().join("ca.pem")).expect("read CA");
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA PEM"))
            .build()
            .expect("reqwest client");
        let options = ClientOptions {
            transport: Some(Transport::new(Arc::new(RustlsTransport(http)))),
            ..ClientOptions::default()
        };
        let auth: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            self.credential.clone(),
            scopes.iter().copied(),
        ));
        Pipeline::new(
            Some("printjob-tests"),
            Some("0"),
            options,
            Vec::new(),
            vec![auth],
            None,
        )
    }

    /// One of Adele's pending jobs on the lobby printer.
    fn adeles_pending_job(&self) -> String {
        let print = self.emulator.state().print();
        print
            .jobs_of(LOBBY_PRINTER)
            .into_iter()
            .find(|j| j.owner.eq_ignore_ascii_case(ADELE) && j.state == State::Pending)
            .map(|j| j.id.clone())
            .expect("the default seed has a pending job of Adele's on the lobby printer")
    }

    fn cancel_request(&self, job: &str) -> Request {
        let url = format!(
            "{}/print/printers/{LOBBY_PRINTER}/jobs/{job}/cancel",
            self.emulator.graph_url()
        );
        let mut request = Request::new(Url::parse(&url).expect("URL"), Method::Post);
        request.set_body(azure_core::Bytes::new());
        request
    }

    fn state(&self, job: &str) -> Option<State> {
        self.emulator.state().print().job_state(LOBBY_PRINTER, job)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_core_pipeline_cancels_a_job_with_the_delegated_credential_over_https() {
    let s = Setup::signed_in().await;
    let job = s.adeles_pending_job();
    let pipeline = s.pipeline(&["https://graph.microsoft.com/.default"]);
    let mut request = s.cancel_request(&job);
    let response = pipeline
        .send(&Context::new(), &mut request, None)
        .await
        .expect("the cancel succeeds");
    assert_eq!(response.status(), StatusCode::NoContent);
    assert_eq!(s.state(&job), Some(State::Canceled));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_of_another_resource_fails_as_a_credential_error_before_any_request() {
    let s = Setup::signed_in().await;
    let job = s.adeles_pending_job();
    let before = s.emulator.counters();
    let pipeline = s.pipeline(&["https://storage.azure.com/.default"]);
    let mut request = s.cancel_request(&job);
    let err = pipeline
        .send(&Context::new(), &mut request, None)
        .await
        .expect_err("storage scopes are refused");
    assert_eq!(
        *err.kind(),
        azure_core::error::ErrorKind::Credential,
        "{err}"
    );
    assert_eq!(s.state(&job), Some(State::Pending));
    let cancels = |c: &std::collections::BTreeMap<String, u64>| {
        c.iter()
            .filter(|(k, _)| k.contains("cancel"))
            .map(|(_, v)| *v)
            .sum::<u64>()
    };
    assert_eq!(cancels(&s.emulator.counters()), cancels(&before));
}
