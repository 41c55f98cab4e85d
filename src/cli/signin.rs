//! `printjob login`, `status`, `token`, `logout`.

use super::{not_yet_available, GlobalArgs};
use clap::Args;
use printjob::Error;

/// `printjob login`
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Delegated scope to request (repeatable); default PrintJob.ReadWriteBasic
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Print the sign-in URL instead of opening a browser
    #[arg(long)]
    pub no_browser: bool,
    /// Use the device code flow (for machines without a browser)
    #[arg(long, conflicts_with = "no_browser")]
    pub device_code: bool,
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
}

/// `printjob logout`
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Forget every cached account
    #[arg(long)]
    pub all: bool,
}

/// Runs `printjob login`.
pub async fn login(_global: &GlobalArgs, _args: LoginArgs) -> Result<(), Error> {
    Err(not_yet_available("login"))
}

/// Runs `printjob status`.
pub async fn status(_global: &GlobalArgs, _args: StatusArgs) -> Result<(), Error> {
    Err(not_yet_available("status"))
}

/// Runs `printjob token`.
pub async fn token(_global: &GlobalArgs, _args: TokenArgs) -> Result<(), Error> {
    Err(not_yet_available("token"))
}

/// Runs `printjob logout`.
pub async fn logout(_global: &GlobalArgs, _args: LogoutArgs) -> Result<(), Error> {
    Err(not_yet_available("logout"))
}
