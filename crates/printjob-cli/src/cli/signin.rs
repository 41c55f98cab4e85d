//! `printjob login`, `status`, `token` and `logout` (the other commands get their credential from
//! [`super::factory::Factory`]).

use super::factory::Factory;
use clap::{Args, ValueEnum};
use printjob::CacheLocation;
use printjob::Config;
use printjob::GrantedToken;
use printjob::RedirectHost;
use printjob::ResponseMode;
use printjob::{AccountStatus, SignInUi};
use printjob::{Error, ErrorKind, Scope};
use serde::Serialize;
use std::time::Duration;

/// The redirect URI host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RedirectHostArg {
    /// http://localhost:{port}
    #[value(name = "localhost")]
    Localhost,
    /// http://127.0.0.1:{port}
    #[value(name = "127.0.0.1")]
    Ip,
}

/// How the provider returns the sign-in response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResponseModeArg {
    /// The browser POSTs the code to the listener (the code never sits in the URL bar)
    #[value(name = "form_post")]
    FormPost,
    /// The code arrives in the redirect URL (for providers without form_post)
    #[value(name = "query")]
    Query,
}

/// The longest wait a duration flag accepts, in seconds (*ours*: a day); with it no deadline
/// computed from a flag can overflow.
pub const MAX_WAIT_SECS: u64 = 86_400;

/// `printjob login`
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Delegated scope to request (repeatable); default PrintJob.ReadWriteBasic
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Print the sign-in URL instead of opening a browser (for a browser on another machine)
    #[arg(long)]
    pub no_browser: bool,
    /// Use the device code flow (chosen by itself when no browser can be opened: no display,
    /// or an SSH session, and no $BROWSER)
    #[arg(long, conflicts_with = "no_browser")]
    pub device_code: bool,
    /// Loopback port for the redirect (default: any free port)
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Host name in the redirect URI
    #[arg(long, value_enum, default_value = "localhost", value_name = "HOST")]
    pub redirect_host: RedirectHostArg,
    /// How the sign-in response comes back
    #[arg(long, value_enum, default_value = "form_post", value_name = "MODE")]
    pub response_mode: ResponseModeArg,
    /// The account to sign in as (skips the account picker)
    #[arg(long, value_name = "USER")]
    pub login_hint: Option<String>,
    /// Your organization's domain (skips home-realm discovery)
    #[arg(long, value_name = "DOMAIN")]
    pub domain_hint: Option<String>,
    /// Seconds to wait for the browser before giving up (1 to 86400)
    #[arg(long, default_value_t = 300, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=MAX_WAIT_SECS))]
    pub timeout: u64,
}

/// `printjob status`
#[derive(Debug, Args)]
pub struct StatusArgs {}

/// `printjob token`
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Delegated scope the token must carry (repeatable); default PrintJob.ReadWriteBasic
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Sign in in the browser if no token can be obtained silently
    #[arg(long)]
    pub interactive: bool,
    /// Sign in as / pick this account from the cache
    #[arg(long, value_name = "USER")]
    pub login_hint: Option<String>,
    /// Answer a claims challenge (Continuous Access Evaluation): the `claims` value of a
    /// WWW-Authenticate header (base64) or its JSON. The cached token is not reused
    #[arg(long, value_name = "CHALLENGE")]
    pub claims: Option<String>,
}

/// `printjob logout`
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Forget every cached account
    #[arg(long)]
    pub all: bool,
    /// The account to sign out (default: the most recently used one)
    #[arg(long, value_name = "USER", conflicts_with = "all")]
    pub account: Option<String>,
}

/// The version of the JSON documents `login`, `logout` and `token --json` print; it changes
/// only when a key is renamed or removed (docs/configuration.md, "JSON output").
pub const SCHEMA_VERSION: u32 = 1;

/// Runs `printjob login`.
pub async fn login(factory: &Factory, args: LoginArgs) -> Result<(), Error> {
    let config = factory.config(&args.scopes)?;
    let ui = factory.ui();
    let mut b = factory
        .credential_builder(&config, ui.clone())?
        .open_browser(!args.no_browser)
        .port(args.port.unwrap_or(0))
        .timeout(Duration::from_secs(args.timeout))
        .redirect_host(match args.redirect_host {
            RedirectHostArg::Localhost => RedirectHost::Localhost,
            RedirectHostArg::Ip => RedirectHost::Ip,
        })
        .response_mode(match args.response_mode {
            ResponseModeArg::FormPost => ResponseMode::FormPost,
            ResponseModeArg::Query => ResponseMode::Query,
        });
    if let Some(hint) = &args.login_hint {
        b = b.login_hint(hint);
    }
    if let Some(hint) = &args.domain_hint {
        b = b.domain_hint(hint);
    }
    let credential = b.build()?;
    // Ctrl-C is answered in `super::run_interruptible` (exit 130, as in every command): dropping
    // this future closes the listener and frees the port.
    let token = if use_device_code(&args) {
        credential.login_device_code(&config.scopes).await
    } else {
        credential.login(&config.scopes).await
    };
    ui.finished();
    let token = token.map_err(|e| busy_port_is_usage(e.into()))?;
    report_login(factory.json(), &token)?;
    // Where the tokens now are, when that is a plain file only because no secret store answered
    // (gh says "saved in plain text" at sign-in too); every later command stays quiet about it.
    if let CacheLocation::File {
        path,
        fallback: Some(reason),
    } = credential.cache_location().await?
    {
        eprintln!(
            "warning: {reason}; the tokens are in the plain file {} (readable by your user only)",
            path.display()
        );
    }
    Ok(())
}

/// A `--port` another program holds is a mistake in the command (exit 2), not a failed sign-in.
fn busy_port_is_usage(error: Error) -> Error {
    match error.remedy() {
        Some(printjob::Remedy::ChooseAnotherPort) => Error::other_with_remedy(
            ErrorKind::Usage,
            error.to_string(),
            printjob::Remedy::ChooseAnotherPort,
        ),
        _ => error,
    }
}

/// `--device-code`, or no flag and no browser can be opened here (said on stderr).
fn use_device_code(args: &LoginArgs) -> bool {
    if args.device_code {
        return true;
    }
    if args.no_browser {
        return false;
    }
    match super::headless::no_browser_here() {
        Some(reason) => {
            super::output::note(&super::headless::fallback_notice(reason));
            true
        }
        None => false,
    }
}

/// `printjob login --json`: camelCase like every other document (before schema version 1 the
/// keys were `signed_in` and `expires_on`).
fn report_login(json: bool, token: &GrantedToken) -> Result<(), Error> {
    let scopes = scope_names(&token.scopes);
    if json {
        return super::output::print_json(&serde_json::json!({
            "schemaVersion": SCHEMA_VERSION,
            "signedIn": true,
            "username": token.username,
            "scopes": scopes,
            "expiresOn": rfc3339(token.expires_on),
        }));
    }
    println!(
        "Signed in as {} (scopes: {}; the access token expires {}).",
        token.username.as_deref().unwrap_or("an unnamed account"),
        scopes.join(" "),
        rfc3339(token.expires_on)
    );
    Ok(())
}

fn scope_names(scopes: &[Scope]) -> Vec<String> {
    scopes
        .iter()
        .filter(|s| !s.is_oidc())
        .map(|s| s.as_str().to_owned())
        .collect()
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// One account in `printjob status --json` (camelCase, like every `--json` output).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusJson {
    username: String,
    home_account_id: String,
    tenant_id: String,
    environment: String,
    refresh_token: bool,
    access_tokens: Vec<TokenJson>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenJson {
    scopes: Vec<String>,
    expires_on: String,
    expired: bool,
}

fn status_json(status: &AccountStatus, now: i64) -> StatusJson {
    StatusJson {
        username: status.account.username.clone(),
        home_account_id: status.account.home_account_id.clone(),
        tenant_id: status.account.realm.clone(),
        environment: status.account.environment.clone(),
        refresh_token: status.has_refresh_token,
        access_tokens: status
            .access_tokens
            .iter()
            .map(|(scopes, exp)| TokenJson {
                scopes: scope_names(scopes),
                expires_on: rfc3339(*exp),
                expired: *exp <= now,
            })
            .collect(),
    }
}

/// Runs `printjob status`.
pub async fn status(factory: &Factory, _args: StatusArgs) -> Result<(), Error> {
    let global = factory.global();
    let config = factory.config(&[])?;
    let credential = factory
        .credential_builder(&config, factory.ui())?
        .allow_interactive(false)
        .build()?;
    let mut statuses = credential.status().await?;
    if statuses.is_empty() {
        // A cache that could not be read shows no account. Reading does not repair; the silent
        // token path does (under the lock it sets a corrupt cache aside and says so through the
        // UI, as `printjob token` does), and with no account it asks nothing of the network.
        let _ = credential.token_silent(&config.scopes).await;
        statuses = credential.status().await?;
    }
    let location = credential.cache_location().await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let accounts: Vec<StatusJson> = statuses.iter().map(|s| status_json(s, now)).collect();
    if global.json {
        super::output::print_json(&serde_json::json!({
            "signedIn": !accounts.is_empty(),
            "tenant": config.tenant.as_str(),
            "authority": config.authority.as_str(),
            "cache": config.cache_path,
            "cacheStore": store_json(&location),
            "accounts": accounts,
        }))?;
    } else {
        print_status(&config, &accounts);
        println!("Token cache: {}", describe_location(&location));
    }
    if accounts.is_empty() {
        return Err(Error::other(
            ErrorKind::SignIn,
            "not signed in; run `printjob login`",
        ));
    }
    Ok(())
}

/// `cacheStore` in `printjob status --json`: `secret-service` (or `keychain`), `file`, `memory`.
fn store_json(location: &CacheLocation) -> serde_json::Value {
    match location {
        CacheLocation::File { path, fallback } => {
            serde_json::json!({ "kind": "file", "path": path, "fallback": fallback })
        }
        CacheLocation::SecretStore {
            store,
            path,
            marker,
        } => serde_json::json!({
            "kind": if cfg!(target_os = "macos") { "keychain" } else { "secret-service" },
            "name": store,
            "item": path,
            "changeMarker": marker,
        }),
        CacheLocation::Memory => serde_json::json!({ "kind": "memory" }),
    }
}

fn describe_location(location: &CacheLocation) -> String {
    match location {
        CacheLocation::File {
            path,
            fallback: None,
        } => format!("the file {} (plain, mode 0600)", path.display()),
        CacheLocation::File {
            path,
            fallback: Some(reason),
        } => format!("the file {} (plain, mode 0600; {reason})", path.display()),
        CacheLocation::SecretStore { store, path, .. } => {
            format!("{store}, as one secret named by {}", path.display())
        }
        CacheLocation::Memory => "this process's memory".to_owned(),
    }
}

fn print_status(config: &Config, accounts: &[StatusJson]) {
    if accounts.is_empty() {
        println!("Not signed in (authority {}).", config.authority);
        return;
    }
    for a in accounts {
        let name = if a.username.is_empty() {
            a.home_account_id.as_str()
        } else {
            a.username.as_str()
        };
        println!("Signed in as {name}");
        println!("  tenant:        {}", a.tenant_id);
        println!("  authority:     {}", config.authority);
        println!(
            "  refresh token: {}",
            if a.refresh_token {
                "yes (silent renewal)"
            } else {
                "no"
            }
        );
        for t in &a.access_tokens {
            let state = if t.expired { "expired" } else { "expires" };
            println!(
                "  access token:  {} ({state} {})",
                t.scopes.join(" "),
                t.expires_on
            );
        }
    }
}

/// Runs `printjob token`: prints only the access token on stdout, or with `--json` the
/// document `az account get-access-token` prints (camelCase): `accessToken`, `expiresOn`,
/// `scopes`, `account`.
pub async fn token(factory: &Factory, args: TokenArgs) -> Result<(), Error> {
    let config = factory.config(&args.scopes)?;
    let mut b = factory
        .credential_builder(&config, factory.ui())?
        .allow_interactive(args.interactive)
        .sign_in_with_device_code(super::headless::no_browser_here().is_some());
    if let Some(hint) = &args.login_hint {
        b = b.login_hint(hint);
    }
    let credential = b.build()?;
    let token = match &args.claims {
        Some(claims) => credential.token_with_claims(&config.scopes, claims).await?,
        None => credential.token(&config.scopes).await?,
    };
    if factory.json() {
        return super::output::print_json(&serde_json::json!({
            "schemaVersion": SCHEMA_VERSION,
            "accessToken": token.access_token.secret(),
            "expiresOn": rfc3339(token.expires_on),
            "scopes": scope_names(&token.scopes),
            "account": token.username,
        }));
    }
    println!("{}", token.access_token.secret());
    Ok(())
}

/// Runs `printjob logout`.
pub async fn logout(factory: &Factory, args: LogoutArgs) -> Result<(), Error> {
    let config = factory.config(&[])?;
    let credential = factory
        .credential_builder(&config, factory.ui())?
        .allow_interactive(false)
        .build()?;
    let secret_store = match credential.cache_location().await? {
        CacheLocation::SecretStore { store, .. } => Some(store),
        _ => None,
    };
    let signed_out: Vec<String> = if args.all {
        let accounts = credential.accounts().await?;
        credential.sign_out_all().await?;
        accounts.into_iter().map(|a| a.username).collect()
    } else {
        let accounts = credential.accounts().await?;
        let chosen = match &args.account {
            Some(name) => match accounts
                .iter()
                .find(|a| a.username.eq_ignore_ascii_case(name))
            {
                Some(account) => Some(account.clone()),
                None => return Err(not_signed_in_as(name, &accounts)),
            },
            None => accounts.into_iter().next(),
        };
        match chosen {
            Some(account) => {
                credential.sign_out(&account).await?;
                vec![account.username]
            }
            None => Vec::new(),
        }
    };
    if factory.json() {
        return super::output::print_json(&serde_json::json!({
            "schemaVersion": SCHEMA_VERSION,
            "signedOut": signed_out,
        }));
    }
    match signed_out.as_slice() {
        [] => println!("No account to sign out."),
        [one] if !args.all => println!("Signed out {one}."),
        [one] => println!("Signed out 1 account ({one})."),
        many => println!("Signed out {} accounts ({}).", many.len(), many.join(", ")),
    }
    if let (true, Some(store)) = (args.all, secret_store) {
        println!("The token cache in {store} holds no token any more.");
    }
    Ok(())
}

/// `logout --account NAME` when NAME is not signed in: nothing to sign out, said as an error
/// (exit 3, "sign-in … required", as `status` when no account is signed in), with the accounts
/// that are.
fn not_signed_in_as(name: &str, accounts: &[printjob::AccountEntry]) -> Error {
    let names: Vec<&str> = accounts.iter().map(|a| a.username.as_str()).collect();
    let which = if names.is_empty() {
        "no account is signed in".to_owned()
    } else {
        format!("signed in: {}", names.join(", "))
    };
    Error::other(
        ErrorKind::SignIn,
        format!("not signed in as {name:?}, so nothing was signed out ({which})"),
    )
}
