#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! A local, strict emulator of the Microsoft identity platform and of the Microsoft Graph
//! print endpoints, for tests and for the zero-setup demo.
//!
//! It is one HTTP service on `127.0.0.1`: the identity routes under `/{tenant}/…`, Graph under
//! `/v1.0/…`, and its own admin routes under `/_emulator/…` (counters, faults, clock). It
//! rejects what the real services reject (PKCE, redirect URI, single-use codes, scopes, app-only
//! tokens), so a client that works against it has been held to the real rules. See
//! `docs/emulator.md`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), String> {
//! use printjob_emulator::Emulator;
//! let emulator = Emulator::builder().start().await?;
//! println!("authority: {}", emulator.base_url());
//! emulator.shutdown();
//! # Ok(()) }
//! ```

pub mod directory;
pub mod faults;
pub mod graph;
pub mod identity;
pub mod jwt;
pub mod robot;
pub mod seed;
pub mod server;
pub mod state;
pub mod throttle;
pub mod tls;

mod admin;

use faults::{FaultConfig, Faults};
use printjob::{Cloud, OffsetClock};
use seed::Seed;
use state::{EmulatorState, Shared};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use throttle::{Throttle, ThrottleCounters, ThrottleSpec};
use tokio::sync::watch;

/// Configures and starts an [`Emulator`].
#[derive(Debug, Default)]
pub struct EmulatorBuilder {
    port: u16,
    seed: Option<Seed>,
    faults: FaultConfig,
    rng_seed: u64,
    clock: Option<OffsetClock>,
    device_code_interval: Option<u64>,
    tls: bool,
    cloud: Cloud,
    throttle: Option<ThrottleSpec>,
}

impl EmulatorBuilder {
    /// Port on 127.0.0.1 (0, the default, picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The directory and print data to start with (default: [`Seed::default`]).
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Faults to inject from the start.
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Seed of the fault RNG (same seed, same fault sequence).
    pub fn rng_seed(mut self, seed: u64) -> Self {
        self.rng_seed = seed;
        self
    }

    /// A clock shared with the test, to expire codes and tokens without waiting.
    pub fn clock(mut self, clock: OffsetClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The polling interval (seconds) device codes ask for; default 5, as Entra sends.
    /// Tests use 1 (and move the clock) to poll without waiting.
    pub fn device_code_interval(mut self, secs: u64) -> Self {
        self.device_code_interval = Some(secs);
        self
    }

    /// The national cloud it stands in for (default [`Cloud::Public`]): its tokens carry that
    /// cloud's Graph resource as audience, short scope names mean what they mean at that
    /// cloud's sign-in host, qualified names of another Graph at the same host (`usgov` and
    /// `usgov-dod`) get that Graph's tokens, and its Graph refuses every audience but its own.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// Throttles Graph like a token bucket per application and tenant (`--throttle
    /// 100/s,burst=200`; see [`mod@throttle`]): every Graph request takes a token, each request
    /// inside a `$batch` one, and a request that finds none is answered `429` with a
    /// whole-second `Retry-After` (inside a batch: an inner `429`, and the batch `424`).
    pub fn throttle(mut self, spec: ThrottleSpec) -> Self {
        self.throttle = Some(spec);
        self
    }

    /// Serves HTTPS with a certificate from a CA generated at start ([`Emulator::ca_pem`]);
    /// URLs become `https://127.0.0.1:{port}`.
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Binds 127.0.0.1 and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<Emulator, String> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", self.port))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot read the listening address: {e}"))?;
        let tls = if self.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://127.0.0.1:{}", addr.port());
        let seed = self.seed.unwrap_or_default();
        let state: Shared = Arc::new(EmulatorState {
            base_url: base_url.clone(),
            identity: Mutex::new(identity::store::IdentityStore::with_device_interval(
                self.device_code_interval
                    .unwrap_or(identity::store::DEFAULT_DEVICE_CODE_INTERVAL_SECS),
            )),
            print: Mutex::new(graph::store::PrintStore::from_seed(&seed.print)),
            directory: RwLock::new(seed.directory),
            keys: jwt::SigningKeys::generate()?,
            clock: self.clock.unwrap_or_default(),
            cloud: self.cloud,
            faults: Faults::new(self.faults, self.rng_seed),
            counters: faults::Counters::default(),
            throttle: self.throttle.map(Throttle::new),
        });
        let router = router(state.clone());
        let (shutdown, rx) = watch::channel(false);
        let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
        tokio::spawn(server::serve(listener, router, acceptor, state.clone(), rx));
        Ok(Emulator {
            addr,
            base_url,
            ca_pem: tls.map(|t| t.ca_pem),
            state,
            shutdown,
        })
    }
}

fn router(state: Shared) -> axum::Router {
    axum::Router::new()
        .merge(identity::routes())
        .merge(graph::routes())
        .merge(admin::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            server::count_and_fault,
        ))
        .with_state(state)
}

/// A running emulator. Dropping it (or calling [`Emulator::shutdown`]) stops it.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    base_url: String,
    ca_pem: Option<String>,
    state: Shared,
    shutdown: watch::Sender<bool>,
}

impl Emulator {
    /// A builder with the default seed, no faults, port 0.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// `http://127.0.0.1:{port}`: the authority host (discovery at
    /// `{base}/{tenant}/v2.0/.well-known/openid-configuration`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The PEM of the CA that signed the server certificate (with [`EmulatorBuilder::tls`]).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// `{base}/v1.0`: the Graph endpoint.
    pub fn graph_url(&self) -> String {
        format!("{}/v1.0", self.base_url)
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (directory, stores, counters, faults, clock).
    pub fn state(&self) -> &Shared {
        &self.state
    }

    /// Requests served per route (`POST /{tenant}/oauth2/v2.0/token`, …) and events; with a
    /// throttle, also `throttle:accepted` and `throttle:throttled`.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.state.counter_snapshot()
    }

    /// The throttle's accepted and throttled requests (`None` without
    /// [`EmulatorBuilder::throttle`]).
    pub fn throttle_counters(&self) -> Option<ThrottleCounters> {
        self.state.throttle.as_ref().map(Throttle::counters)
    }

    /// Changes the throttle's rate and size from now on ([`Throttle::set_spec`]): `false`, and
    /// nothing changes, when the emulator was started without [`EmulatorBuilder::throttle`].
    pub fn set_throttle(&self, spec: ThrottleSpec) -> bool {
        match &self.state.throttle {
            Some(throttle) => {
                throttle.set_spec(spec);
                true
            }
            None => false,
        }
    }

    /// Replaces the fault settings.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.faults.set(faults);
    }

    /// The settings a client needs, one `NAME=value` per line (environment variables): the
    /// authority, the Graph URL, the first work tenant of the directory (its first domain, else
    /// its GUID) and its first public client — the seeded Contoso and printjob client unless
    /// a seed file says otherwise.
    pub fn settings(&self) -> String {
        let (tenant, client) = self.default_tenant_and_client();
        let mut settings = format!(
            "PRINTJOB_AUTHORITY={base}\nPRINTJOB_GRAPH_URL={base}/v1.0\nPRINTJOB_TENANT_ID={tenant}\nPRINTJOB_CLIENT_ID={client}\n",
            base = self.base_url,
        );
        if self.state.cloud != Cloud::Public {
            settings.push_str(&format!("PRINTJOB_CLOUD={}\n", self.state.cloud.as_str()));
        }
        settings
    }

    fn default_tenant_and_client(&self) -> (String, String) {
        let directory = self.state.directory();
        let tenant = directory
            .tenants
            .iter()
            .find(|t| t.id != printjob::CONSUMER_TENANT_GUID)
            .map(|t| t.domains.first().cloned().unwrap_or_else(|| t.id.clone()))
            .unwrap_or_else(|| "organizations".to_string());
        let client = directory
            .clients
            .iter()
            .find(|c| c.public)
            .map(|c| c.client_id.clone())
            .unwrap_or_else(|| seed::PUBLIC_CLIENT_ID.to_string());
        (tenant, client)
    }

    /// The national cloud it stands in for.
    pub fn cloud(&self) -> Cloud {
        self.state.cloud
    }

    /// Signs a delegated Graph access token for a seeded user, as the token endpoint would
    /// after a sign-in (for tests of the Graph side that do not need the browser flow), with
    /// this emulator's Graph as audience. `None` if no user has that name.
    pub fn mint_user_token(
        &self,
        upn: &str,
        scopes: &[&str],
        lifetime_secs: i64,
    ) -> Option<String> {
        let user = self.state.directory().user_by_upn(upn)?.clone();
        Some(identity::mint::user_access_token(
            &self.state,
            &user,
            seed::PUBLIC_CLIENT_ID,
            (self.state.cloud.graph_resource(), &scopes.join(" ")),
            lifetime_secs,
        ))
    }

    /// Signs an app-only Graph token (`roles`, no `scp`) for the seeded daemon client.
    pub fn mint_app_token(&self, roles: &[&str]) -> String {
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        identity::mint::app_access_token(
            &self.state,
            self.state.cloud.graph_resource(),
            seed::CONTOSO_TENANT,
            seed::DAEMON_CLIENT_ID,
            &roles,
            identity::mint::ACCESS_TOKEN_LIFETIME_SECS,
        )
    }

    /// Stops serving.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}
