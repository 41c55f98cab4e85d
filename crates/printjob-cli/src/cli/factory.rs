//! What every command is built from, in one place (as gh's `cmdutil.Factory`): the
//! configuration (flags > environment > config file), the sign-in UI, the credential and the
//! Graph client. A command takes the factory and asks for what it needs; no command reads the
//! environment or builds a credential by itself.

use super::global::GlobalArgs;
use super::signin_ui::CliUi;
use printjob::{Config, ConfigInputs, DelegatedCredential, DelegatedCredentialBuilder};
use printjob::{Error, PrintClient};
use std::io::IsTerminal;
use std::sync::Arc;

/// Builds configuration, credentials and clients for one command run.
#[derive(Debug, Clone)]
pub struct Factory {
    global: GlobalArgs,
}

/// The Graph clients of a print command.
pub struct PrintClients {
    /// Signs in silently first, then interactively when needed and standard input is a
    /// terminal.
    pub client: PrintClient,
    /// For looking printer and share names up: the token the user already has, never an
    /// interactive sign-in (a mistyped name must not start a sign-in for a permission only an
    /// administrator can grant).
    pub lookup: PrintClient,
}

impl Factory {
    /// A factory for the options every command takes.
    pub fn new(global: GlobalArgs) -> Self {
        Self { global }
    }

    /// The global options.
    pub fn global(&self) -> &GlobalArgs {
        &self.global
    }

    /// Whether `--json` was given.
    pub fn json(&self) -> bool {
        self.global.json
    }

    /// The sign-in UI on stderr (no spinner with `--json`, `-q`, or off a terminal).
    pub fn ui(&self) -> Arc<CliUi> {
        CliUi::for_output(self.global.json)
    }

    /// Resolves the configuration from the global flags (and `scopes`), the environment and the
    /// config file, and prints its warnings.
    pub fn config(&self, scopes: &[String]) -> Result<Config, Error> {
        let global = &self.global;
        let flags = ConfigInputs {
            tenant: global.tenant.clone(),
            client_id: global.client_id.clone(),
            cloud: global.cloud.clone(),
            authority: global.authority.clone(),
            graph_url: global.graph_url.clone(),
            cache: global.cache.clone(),
            cache_store: global.cache_store.clone(),
            scopes: (!scopes.is_empty()).then(|| scopes.to_vec()),
        };
        let config = Config::load(
            flags,
            super::env::inputs(),
            super::env::config_file().as_deref(),
        )?;
        for warning in &config.warnings {
            eprintln!("warning: {warning}");
        }
        Ok(config)
    }

    /// A credential builder for `config` with `ui` and the environment's cache lock wait.
    pub fn credential_builder(
        &self,
        config: &Config,
        ui: Arc<CliUi>,
    ) -> Result<DelegatedCredentialBuilder, Error> {
        let builder = DelegatedCredential::builder_from(config).ui(ui);
        Ok(match super::env::lock_timeout()? {
            Some(wait) => builder.cache_lock_timeout(wait),
            None => builder,
        })
    }

    /// The configuration and a credential for the print commands: silent first, then an
    /// interactive sign-in when needed and standard input is a terminal.
    pub fn credential(&self) -> Result<(Config, DelegatedCredential), Error> {
        let config = self.config(&[])?;
        config.require_universal_print()?;
        let credential = self
            .credential_builder(&config, self.ui())?
            .allow_interactive(std::io::stdin().is_terminal())
            .sign_in_with_device_code(super::headless::no_browser_here().is_some())
            .build()?;
        Ok((config, credential))
    }

    /// The Graph clients of `printers`, `jobs` and `cancel`.
    pub fn print_clients(&self) -> Result<PrintClients, Error> {
        let (config, credential) = self.credential()?;
        let silent = self
            .credential_builder(&config, self.ui())?
            .allow_interactive(false)
            .build()?;
        let client = |credential: DelegatedCredential| {
            PrintClient::builder(Arc::new(credential), config.graph_url.as_str())
                .scopes(config.scopes.clone())
                .build()
        };
        Ok(PrintClients {
            client: client(credential)?,
            lookup: client(silent)?,
        })
    }
}
