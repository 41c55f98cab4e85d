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
pub mod factory;
pub mod global;
pub mod headless;
pub mod interrupt;
pub mod logging;
pub mod output;
pub mod progress;
pub mod signin;
pub mod signin_ui;

use clap::{CommandFactory, Parser, Subcommand};
use global::GlobalArgs;
use printjob::{Error, ErrorKind};
use std::process::ExitCode;

/// Sign in to Microsoft (delegated, work or school account) and cancel Universal Print jobs.
#[derive(Debug, Parser)]
#[command(name = "printjob", version, about, long_about = None, propagate_version = true, after_help = examples::TOP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in (browser with PKCE through a loopback redirect, or --device-code)
    #[command(after_help = examples::LOGIN)]
    Login(signin::LoginArgs),
    /// Show who is signed in, the granted scopes and token expiry
    #[command(after_help = examples::STATUS)]
    Status(signin::StatusArgs),
    /// Print a valid delegated access token (for scripts), refreshing it silently
    #[command(after_help = examples::TOKEN)]
    Token(signin::TokenArgs),
    /// Sign out: forget the cached tokens of an account (or --all)
    #[command(after_help = examples::LOGOUT)]
    Logout(signin::LogoutArgs),
    /// List the printers you can see
    #[command(after_help = examples::PRINTERS)]
    Printers(cancel::PrintersArgs),
    /// List the jobs of a printer (or of a share with --share)
    #[command(after_help = examples::JOBS)]
    Jobs(cancel::JobsArgs),
    /// Cancel print jobs: JOB ids, or --all jobs matching --state/--mine/--owner
    #[command(after_help = examples::CANCEL)]
    Cancel(cancel::CancelArgs),
    /// Run the local identity-platform + Graph print emulator
    #[cfg(feature = "emulator")]
    #[command(after_help = examples::EMULATOR)]
    Emulator(emulator::EmulatorArgs),
    /// Run the whole workflow against an in-process emulator (no account needed)
    #[cfg(feature = "emulator")]
    #[command(after_help = examples::DEMO)]
    Demo(demo::DemoArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish
    #[command(after_help = examples::COMPLETIONS)]
    Completions(completions::CompletionsArgs),
    /// Print the printjob(1) man page (roff) to standard output
    #[command(after_help = examples::MAN)]
    Man(completions::ManArgs),
}

impl Command {
    /// Why this command refuses `--json`, when it does: it prints no document a script could
    /// read (a script, a roff page, a guided tour).
    fn json_refusal(&self) -> Option<&'static str> {
        match self {
            Command::Completions(_) => Some("`printjob completions` prints a shell script"),
            Command::Man(_) => Some("`printjob man` prints a roff page"),
            #[cfg(feature = "emulator")]
            Command::Demo(_) => {
                Some("`printjob demo` is a guided tour for a person; script `printjob emulator --json` instead")
            }
            _ => None,
        }
    }

    /// Whether the command answers Ctrl-C itself: `printjob emulator` serves until Ctrl-C,
    /// which is how it is stopped (exit 0). Every other command exits 130 on an interrupt.
    fn stops_on_interrupt(&self) -> bool {
        #[cfg(feature = "emulator")]
        if matches!(self, Command::Emulator(_)) {
            return true;
        }
        false
    }
}

/// The EXAMPLES of every command's help (and of the man page).
pub mod examples {
    /// `printjob --help`.
    pub const TOP: &str = "Examples:
  printjob demo                                   # try it all locally, no account
  printjob login
  printjob jobs \"Second floor\" --mine
  printjob cancel \"Second floor\" 101 102
  printjob cancel \"Second floor\" --all --mine --dry-run";
    /// `printjob login --help`.
    pub const LOGIN: &str = "Examples:
  printjob login
  printjob login --device-code                    # a machine without a browser
  printjob login --scope PrintJob.ReadWriteBasic --scope PrinterShare.ReadBasic.All
  printjob login --json";
    /// `printjob status --help`.
    pub const STATUS: &str = "Examples:
  printjob status
  printjob status --json";
    /// `printjob token --help`.
    pub const TOKEN: &str = "Examples:
  curl -H \"Authorization: Bearer $(printjob token)\" https://graph.microsoft.com/v1.0/print/shares
  printjob token --json                           # accessToken, expiresOn, scopes, account";
    /// `printjob logout --help`.
    pub const LOGOUT: &str = "Examples:
  printjob logout
  printjob logout --account adele@contoso.onmicrosoft.com
  printjob logout --all";
    /// `printjob printers --help`.
    pub const PRINTERS: &str = "Examples:
  printjob printers --shares                      # the shares you print to
  printjob printers --json                        # Printer Administrators";
    /// `printjob jobs --help`.
    pub const JOBS: &str = "Examples:
  printjob jobs \"Second floor\"
  printjob jobs \"Second floor\" --state pending,paused --mine
  printjob jobs --share 5a8d1f9e-2c4b-4f7a-9e31-0c6b2d7a8e44 --json";
    /// `printjob cancel --help`.
    pub const CANCEL: &str = "Examples:
  printjob cancel \"Second floor\" 101 102
  printjob cancel \"Second floor\" --all --mine --dry-run
  printjob cancel \"Second floor\" --all --state paused --yes --json";
    /// `printjob emulator --help`.
    #[cfg(feature = "emulator")]
    pub const EMULATOR: &str = "Examples:
  printjob emulator
  printjob emulator --port 8400 --faults 429=0.1,retry-after=1
  printjob emulator --json";
    /// `printjob demo --help`.
    #[cfg(feature = "emulator")]
    pub const DEMO: &str = "Examples:
  printjob demo
  printjob demo --auto                            # no browser: the sign-in forms are submitted for you";
    /// `printjob completions --help`.
    pub const COMPLETIONS: &str = "Examples:
  echo 'source <(printjob completions bash)' >> ~/.bashrc
  printjob completions fish > ~/.config/fish/completions/printjob.fish";
    /// `printjob man --help`.
    pub const MAN: &str = "Examples:
  printjob man > /tmp/printjob.1 && man -l /tmp/printjob.1";
}

/// The exit code of a command stopped by Ctrl-C: 128 + SIGINT, as shells and cargo report it.
pub const INTERRUPTED: u8 = 130;

/// Parses arguments, runs the command, prints any error and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match parse(std::env::args_os()) {
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
    output::set_quiet(cli.global.quiet);
    logging::init_logging(cli.global.verbose);
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
    let result = runtime.block_on(run_interruptible(cli));
    // A thread still blocked on the terminal (the `--all` confirmation) must not hold the exit.
    runtime.shutdown_background();
    let Some(result) = result else {
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            eprintln!();
        }
        eprintln!("interrupted (Ctrl-C)");
        return ExitCode::from(INTERRUPTED);
    };
    if interrupt::stopped_a_bulk_cancel() {
        // The report is printed; a failure that kept it from being made is said.
        if let Err(e) = &result {
            output::print_error(e);
        }
        eprintln!("interrupted (Ctrl-C): the report says which jobs were canceled");
        return ExitCode::from(INTERRUPTED);
    }
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

/// The command line, or the usage error clap prints: clap's own checks, then those clap cannot
/// express (a flag that does not apply to the command, a job id that cannot be one).
pub fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args).map_err(explain_conflict)?;
    if cli.global.json {
        if let Some(why) = cli.command.json_refusal() {
            return Err(Cli::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                format!("--json does not apply here: {why}"),
            ));
        }
    }
    Ok(cli)
}

/// Adds the reason to clap's "cannot be used with" errors about job ids: the selection flags
/// choose among every job of the printer, so with named jobs they would silently do nothing.
fn explain_conflict(mut e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind as Kind};
    if e.kind() != Kind::ArgumentConflict {
        return e;
    }
    let names = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    };
    let mut involved = names(ContextKind::InvalidArg);
    involved.extend(names(ContextKind::PriorArg));
    if involved.iter().any(|a| a.contains("JOBS")) {
        e.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![clap::builder::StyledStr::from(
                "--state, --mine and --owner choose among every job of the printer with --all; \
                 the jobs named by id are cancelled whatever their state or owner",
            )]),
        );
    }
    e
}

/// Runs the command; `None` when Ctrl-C stopped it (every command but the emulator's). The
/// first Ctrl-C during a bulk cancel stops the cancel instead, which then prints its report
/// ([`interrupt`]); a second one ends the command.
async fn run_interruptible(cli: Cli) -> Option<Result<(), Error>> {
    if cli.command.stops_on_interrupt() {
        return Some(run(cli).await);
    }
    // Listening starts before the command does, so no Ctrl-C falls to the default handler.
    let mut ctrl_c = Box::pin(tokio::signal::ctrl_c());
    if futures::poll!(&mut ctrl_c).is_ready() {
        return None;
    }
    let command = run(cli);
    tokio::pin!(command);
    loop {
        tokio::select! {
            biased;
            _ = &mut ctrl_c => {
                if !interrupt::stop_bulk_cancel() {
                    return None;
                }
                ctrl_c = Box::pin(tokio::signal::ctrl_c());
            }
            result = &mut command => return Some(result),
        }
    }
}

async fn run(cli: Cli) -> Result<(), Error> {
    let global = cli.global;
    let factory = factory::Factory::new(global.clone());
    match cli.command {
        Command::Login(args) => signin::login(&factory, args).await,
        Command::Status(args) => signin::status(&factory, args).await,
        Command::Token(args) => signin::token(&factory, args).await,
        Command::Logout(args) => signin::logout(&factory, args).await,
        Command::Printers(args) => cancel::printers(&factory, args).await,
        Command::Jobs(args) => cancel::jobs(&factory, args).await,
        Command::Cancel(args) => cancel::cancel(&factory, args).await,
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::emulator(&global, args).await,
        #[cfg(feature = "emulator")]
        Command::Demo(args) => demo::demo(&global, args).await,
        Command::Completions(args) => completions::completions(args, Cli::command()),
        Command::Man(args) => completions::man(args, Cli::command()),
    }
}
