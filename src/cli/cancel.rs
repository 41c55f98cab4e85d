//! `printjob printers`, `jobs`, `cancel`.

use super::{not_yet_available, GlobalArgs};
use clap::Args;
use printjob::Error;

/// `printjob printers`
#[derive(Debug, Args)]
pub struct PrintersArgs {}

/// `printjob jobs`
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Printer id (or share id with --share)
    pub printer: String,
    /// Treat PRINTER as a printer share id
    #[arg(long)]
    pub share: bool,
    /// Only jobs in this state (repeatable): pending, processing, paused, stopped, completed, canceled, aborted
    #[arg(long = "state", value_name = "STATE")]
    pub states: Vec<String>,
    /// Only your own jobs
    #[arg(long)]
    pub mine: bool,
}

/// `printjob cancel`
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// Printer id (or share id with --share)
    pub printer: String,
    /// Job ids to cancel
    pub jobs: Vec<String>,
    /// Treat PRINTER as a printer share id
    #[arg(long)]
    pub share: bool,
    /// Cancel every job of the printer that matches --state and --mine
    #[arg(long, conflicts_with = "jobs")]
    pub all: bool,
    /// With --all: states to cancel (comma separated or repeated); default pending,processing,paused
    #[arg(long = "state", value_name = "STATE", value_delimiter = ',')]
    pub states: Vec<String>,
    /// With --all: only your own jobs
    #[arg(long)]
    pub mine: bool,
    /// Show what would be cancelled; send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Wait until each job reaches a final state
    #[arg(long)]
    pub wait: bool,
    /// How many cancel requests may be in flight at once
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: usize,
    /// Do not ask for confirmation (required for --all when not on a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Runs `printjob printers`.
pub async fn printers(_global: &GlobalArgs, _args: PrintersArgs) -> Result<(), Error> {
    Err(not_yet_available("printers"))
}

/// Runs `printjob jobs`.
pub async fn jobs(_global: &GlobalArgs, _args: JobsArgs) -> Result<(), Error> {
    Err(not_yet_available("jobs"))
}

/// Runs `printjob cancel`.
pub async fn cancel(_global: &GlobalArgs, _args: CancelArgs) -> Result<(), Error> {
    Err(not_yet_available("cancel"))
}
