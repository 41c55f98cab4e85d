//! Command-line parsing, dispatch, output and exit codes.

// Every `println!`, `print!`, `eprintln!` and `eprint!` in this module and its children goes
// through `output`, which never panics on a closed or full stdout (std's macros do: exit 101 on
// `printjob jobs P | head -n 1`) and escapes control characters that came from a service.
// Defined before the `mod` lines so that they shadow std's macros in every child module.
macro_rules! println {
    () => {
        $crate::cli::output::write_stdout("\n", true)
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(&format!("{}\n", format_args!($($arg)*)), true)
    };
}
#[allow(unused_macros)] // kept so that a future `print!` cannot bypass `output`
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(&format!($($arg)*), true)
    };
}
macro_rules! eprintln {
    () => {
        $crate::cli::output::write_stderr("\n")
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}
macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stderr(&format!($($arg)*))
    };
}

pub mod cancel;
pub mod completions;
#[cfg(feature = "emulator")]
pub mod demo;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod env;
pub mod exit;
pub mod headless;
pub mod output;
pub mod progress;
pub mod signin;

use clap::{Args, Parser, Subcommand};
use printjob::{Error, ErrorKind};
use std::path::PathBuf;
use std::process::ExitCode;

/// Sign in to Microsoft (delegated, work or school account) and cancel Universal Print jobs.
#[derive(Debug, Parser)]
#[command(name = "printjob", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes. Each can also come from the environment or the config file.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Tenant: GUID, domain (contoso.onmicrosoft.com) or `organizations` (default)
    #[arg(long, global = true, env = "PRINTJOB_TENANT_ID", value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Application (client) id of your public client app registration
    #[arg(long, global = true, env = "PRINTJOB_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,
    /// Cloud: public (default), usgov, usgov-dod, china (sign-in only: no Universal Print)
    #[arg(long, global = true, value_name = "CLOUD")]
    pub cloud: Option<String>,
    /// Identity provider host, e.g. https://login.microsoftonline.com (overrides --cloud)
    #[arg(long, global = true, env = "PRINTJOB_AUTHORITY", value_name = "URL")]
    pub authority: Option<String>,
    /// Microsoft Graph endpoint, e.g. https://graph.microsoft.com/v1.0 (overrides --cloud)
    #[arg(long, global = true, env = "PRINTJOB_GRAPH_URL", value_name = "URL")]
    pub graph_url: Option<String>,
    /// Token cache file
    #[arg(long, global = true, env = "PRINTJOB_CACHE", value_name = "FILE")]
    pub cache: Option<PathBuf>,
    /// Where to keep the token cache: auto (the OS secret store when it answers, else the
    /// file), secret-service, or file [env: PRINTJOB_CACHE_STORE]
    #[arg(long, global = true, value_name = "STORE")]
    pub cache_store: Option<String>,
    /// Output JSON (stable schema, see docs/) instead of human text
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG also works
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in (browser with PKCE through a loopback redirect, or --device-code)
    Login(signin::LoginArgs),
    /// Show who is signed in, the granted scopes and token expiry
    Status(signin::StatusArgs),
    /// Print a valid delegated access token (for scripts), refreshing it silently
    Token(signin::TokenArgs),
    /// Sign out: forget the cached tokens of an account (or --all)
    Logout(signin::LogoutArgs),
    /// List the printers you can see
    Printers(cancel::PrintersArgs),
    /// List the jobs of a printer (or of a share with --share)
    Jobs(cancel::JobsArgs),
    /// Cancel print jobs: JOB ids, or --all jobs matching --state/--mine
    Cancel(cancel::CancelArgs),
    /// Run the local identity-platform + Graph print emulator
    #[cfg(feature = "emulator")]
    Emulator(emulator::EmulatorArgs),
    /// Run the whole workflow against an in-process emulator (no account needed)
    #[cfg(feature = "emulator")]
    Demo(demo::DemoArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish
    Completions(completions::CompletionsArgs),
    /// Print the printjob(1) man page (roff) to standard output
    Man(completions::ManArgs),
}

/// Parses arguments, runs the command, prints any error and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::code(ErrorKind::Usage)
            } else {
                0
            });
        }
    };
    output::init_logging(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::code(ErrorKind::Internal));
        }
    };
    let result = runtime.block_on(run(cli));
    // A reader that went away (`| head`) is not an error: the operation's own exit code stands.
    // Any other failure to write stdout (a full disk) is reported, exit 1, unless the operation
    // failed with its own code.
    let write_failure = output::stdout_failure();
    match result {
        Ok(()) => match write_failure {
            None => ExitCode::SUCCESS,
            Some(e) => {
                eprintln!("error: cannot write to standard output: {e}");
                ExitCode::from(exit::code(ErrorKind::Internal))
            }
        },
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(exit::code(e.kind()))
        }
    }
}

async fn run(cli: Cli) -> Result<(), Error> {
    let global = cli.global;
    match cli.command {
        Command::Login(args) => signin::login(&global, args).await,
        Command::Status(args) => signin::status(&global, args).await,
        Command::Token(args) => signin::token(&global, args).await,
        Command::Logout(args) => signin::logout(&global, args).await,
        Command::Printers(args) => cancel::printers(&global, args).await,
        Command::Jobs(args) => cancel::jobs(&global, args).await,
        Command::Cancel(args) => cancel::cancel(&global, args).await,
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::emulator(&global, args).await,
        #[cfg(feature = "emulator")]
        Command::Demo(args) => demo::demo(&global, args).await,
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
    }
}
