//! `printjob emulator` and `printjob demo`.

use super::{not_yet_available, GlobalArgs};
use clap::Args;
use printjob::Error;
use std::path::PathBuf;

/// `printjob emulator`
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// JSON seed file with tenants, users, apps, printers and jobs (see docs/emulator.md)
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Faults to inject, e.g. 429=0.1,503=0.05,drop=0.02,latency=200ms,retry-after=1
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
}

/// `printjob demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Sign in as the seeded user by submitting the emulator's forms (no browser needed)
    #[arg(long)]
    pub auto: bool,
}

/// Runs `printjob emulator`.
pub async fn emulator(_global: &GlobalArgs, _args: EmulatorArgs) -> Result<(), Error> {
    Err(not_yet_available("emulator"))
}

/// Runs `printjob demo`.
pub async fn demo(_global: &GlobalArgs, _args: DemoArgs) -> Result<(), Error> {
    Err(not_yet_available("demo"))
}
