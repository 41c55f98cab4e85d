//! [`DelegatedCredentialBuilder`]: a credential's settings, checked once by `build()`, which
//! hands the credential its settings and [`SignInOptions`] (the builder itself is not kept).

use super::authority::environment_of;
use super::browser::Browser;
use super::cache::{CacheScope, GraphResource, TokenCache, DEFAULT_LOCK_TIMEOUT};
use super::credential::{DelegatedCredential, Settings};
use super::interactive::ResponseMode;
use super::loopback::RedirectHost;
use super::options::{SignInOptions, SignInUi};
use super::token;
use crate::clock::Clock;
use crate::config::{self, CacheStore, Cloud, Config};
use crate::ids::{Scope, TenantId};
use crate::permissions::PURPOSE;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where the builder keeps tokens.
#[derive(Debug, Clone)]
enum CacheChoice {
    Default,
    File(PathBuf),
    Memory,
}

/// Builds a [`DelegatedCredential`]; see [`DelegatedCredential::builder`].
pub struct DelegatedCredentialBuilder {
    /// The run-time options the credential is built with.
    options: SignInOptions,
    tenant: Option<String>,
    client_id: Option<String>,
    authority: Option<String>,
    scopes: Vec<Scope>,
    cache: CacheChoice,
    cache_store: Option<CacheStore>,
    lock_timeout: Duration,
}

impl std::fmt::Debug for DelegatedCredentialBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DelegatedCredentialBuilder")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("authority", &self.authority)
            .field("cloud", &self.options.cloud)
            .field("cache", &self.cache)
            .field("cache_store", &self.cache_store)
            .finish_non_exhaustive()
    }
}

impl Default for DelegatedCredentialBuilder {
    fn default() -> Self {
        Self {
            options: SignInOptions::default(),
            tenant: None,
            client_id: None,
            authority: None,
            scopes: Vec::new(),
            cache: CacheChoice::Default,
            cache_store: None,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }
}

impl DelegatedCredentialBuilder {
    /// Everything a [`Config`] holds: tenant, client id, authority, cloud, default scopes,
    /// cache file.
    pub fn from_config(config: &Config) -> Self {
        Self {
            tenant: Some(config.tenant.as_str().to_owned()),
            client_id: Some(config.client_id.as_str().to_owned()),
            authority: Some(config.authority.to_string()),
            scopes: config.scopes.clone(),
            cache: CacheChoice::File(config.cache_path.clone()),
            cache_store: Some(config.cache_store),
            ..Self::default()
        }
        .cloud(config.cloud)
    }

    /// The tenant: GUID, verified domain, or `organizations` (the default).
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// The application (client) id of your public client registration (required).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The identity provider host (default `https://login.microsoftonline.com`).
    pub fn authority(mut self, authority: impl Into<String>) -> Self {
        self.authority = Some(authority.into());
        self
    }

    /// The national cloud whose Microsoft Graph the tokens are for (default
    /// [`Cloud::Public`]). It decides the Graph resource cached tokens are matched by (a token
    /// for one Graph is never served for another, even at a shared sign-in host) and, for
    /// [`Cloud::UsGovDod`], that scopes are sent qualified with the DoD Graph resource. It does
    /// not set the authority: see [`authority`](DelegatedCredentialBuilder::authority).
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.options.cloud = cloud;
        self
    }

    /// The scopes used when a caller asks for none (default `PrintJob.ReadWriteBasic`).
    pub fn default_scopes(mut self, scopes: Vec<Scope>) -> Self {
        self.scopes = scopes;
        self
    }

    /// Where to keep tokens: [`CacheStore::Auto`] (the default, unless [`cache_path`] alone
    /// asked for a file) uses the platform's secret store when it answers, else the file;
    /// [`CacheStore::SecretStore`] requires the secret store; [`CacheStore::File`] the file.
    /// The cache path still names the item, the lock file and the change marker.
    ///
    /// [`cache_path`]: DelegatedCredentialBuilder::cache_path
    pub fn cache_store(mut self, store: CacheStore) -> Self {
        self.cache_store = Some(store);
        self
    }

    /// Keep tokens in this file (default: the platform cache directory). Without
    /// [`cache_store`](DelegatedCredentialBuilder::cache_store), the file itself is the store.
    pub fn cache_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.cache = CacheChoice::File(path.into());
        self
    }

    /// Keep tokens in memory only (gone when the credential is dropped).
    pub fn in_memory_cache(mut self) -> Self {
        self.cache = CacheChoice::Memory;
        self
    }

    /// How the sign-in page is opened (default: `$BROWSER`, else the system browser).
    pub fn browser(mut self, browser: Arc<dyn Browser>) -> Self {
        self.options.browser = browser;
        self
    }

    /// Whether to open a browser at all; `false` hands the URL to [`SignInUi::show_url`].
    pub fn open_browser(mut self, open: bool) -> Self {
        self.options.open_browser = open;
        self
    }

    /// How progress, URLs and device codes are shown (default: not at all).
    pub fn ui(mut self, ui: Arc<dyn SignInUi>) -> Self {
        self.options.ui = ui;
        self
    }

    /// `form_post` (default) or `query`. `form_post` is replaced by `query` when the provider's
    /// discovery document lists its response modes without `form_post`.
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.options.response_mode = mode;
        self
    }

    /// The account to sign in as (and to pick from the cache).
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.options.login_hint = Some(hint.into());
        self
    }

    /// A domain hint that skips home-realm discovery.
    pub fn domain_hint(mut self, hint: impl Into<String>) -> Self {
        self.options.domain_hint = Some(hint.into());
        self
    }

    /// The loopback port (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.options.port = port;
        self
    }

    /// `localhost` (default) or `127.0.0.1` in the redirect URI.
    pub fn redirect_host(mut self, host: RedirectHost) -> Self {
        self.options.redirect_host = host;
        self
    }

    /// How long to wait for the browser (default 5 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }

    /// Whether [`DelegatedCredential::token`] may open a browser (default true).
    pub fn allow_interactive(mut self, allow: bool) -> Self {
        self.options.allow_interactive = allow;
        self
    }

    /// Whether an interactive sign-in that [`DelegatedCredential::token`] needs uses the
    /// device code flow instead of the browser and the loopback listener (default false): for
    /// a machine where no browser can be opened, such as an SSH session, as `az` does. A
    /// claims challenge still goes through the browser (the device code request carries no
    /// claims). [`DelegatedCredential::login`] is always the browser;
    /// [`DelegatedCredential::login_device_code`] always the code.
    pub fn sign_in_with_device_code(mut self, yes: bool) -> Self {
        self.options.device_code_sign_in = yes;
        self
    }

    /// How long to wait for another process holding the token cache's lock (default 30 s)
    /// before failing with an error that names the lock file.
    pub fn cache_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The clock that decides token expiry (tests move it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.options.clock = clock;
        self
    }

    /// Validates the settings.
    pub fn build(self) -> Result<DelegatedCredential, crate::Error> {
        let tenant = match &self.tenant {
            Some(t) => TenantId::new(t.as_str())?,
            None => TenantId::organizations(),
        };
        let client_id = config::require_client_id(self.client_id.as_deref())?;
        let authority = config::parse_endpoint(
            "authority",
            self.authority
                .as_deref()
                .unwrap_or(config::Cloud::Public.authority_host()),
        )?;
        let scopes = if self.scopes.is_empty() {
            default_scopes()
        } else {
            self.scopes.clone()
        };
        let cache = match (&self.cache, self.cache_store) {
            (CacheChoice::Memory, _) => TokenCache::in_memory(),
            (CacheChoice::Default, store) => {
                TokenCache::with_store(config::default_cache_path()?, store.unwrap_or_default())
            }
            (CacheChoice::File(p), store) => {
                TokenCache::with_store(p, store.unwrap_or(CacheStore::File))
            }
        }
        .with_lock_timeout(self.lock_timeout);
        let http = token::http_client()?;
        Ok(DelegatedCredential::new(Settings {
            cache_scope: CacheScope {
                environment: environment_of(&authority),
                client_id: client_id.as_str().to_owned(),
                tenant: tenant.as_str().to_owned(),
                graph: GraphResource::new(
                    self.options.cloud.graph_resource(),
                    self.options.cloud.short_scope_resource(),
                ),
            },
            tenant,
            client_id,
            authority_host: authority,
            scopes,
            cache,
            http,
            options: self.options,
        }))
    }
}

impl DelegatedCredential {
    /// A builder; `client_id` is required, everything else has a default.
    pub fn builder() -> DelegatedCredentialBuilder {
        DelegatedCredentialBuilder::default()
    }

    /// A builder holding everything a resolved [`Config`] says.
    pub fn builder_from(config: &Config) -> DelegatedCredentialBuilder {
        DelegatedCredentialBuilder::from_config(config)
    }
}

/// The scopes asked for when none are configured: the least privileged one serving the
/// operation printjob signs in for.
pub(crate) fn default_scopes() -> Vec<Scope> {
    PURPOSE.least_privileged().into_iter().collect()
}
