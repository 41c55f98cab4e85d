//! `printjob demo`: the whole product against an in-process emulator, no account needed.
//!
//! Every step is the real code path a user's `printjob login` / `printjob cancel` takes: the
//! loopback listener, PKCE, the token exchange, a token cache (in a temporary directory), the
//! Graph client and the cancel workflow. Only the identity provider and Graph are local.

use super::global::GlobalArgs;
use super::output::{print_table, Column};
use clap::Args;
use printjob::cancel::{self, CancelReport, CancelRequest, JobOutcome, JobSelection};
use printjob::model::{PrintJob, PrintJobProcessingState};
use printjob::DelegatedCredential;
use printjob::{Browser, DeviceCodePrompt, SignInUi, SystemBrowser};
use printjob::{Error, ErrorKind, PrintJobId, Scope};
use printjob::{JobFilter, PrintClient, PrintTarget};
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::robot::{self, Consent, RobotUser};
use printjob_emulator::{seed, Emulator};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// `printjob demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Sign in as the seeded user by submitting the emulator's forms (no browser needed);
    /// automatic when there is no display and no $BROWSER
    #[arg(long)]
    pub auto: bool,
}

/// Megan's pending job on the lobby printer: not Adele's to cancel under PrintJob.ReadWriteBasic.
const OTHER_USERS_JOB: &str = "107";

/// A "browser" that signs the seeded user in by submitting the emulator's forms.
struct RobotBrowser;

impl Browser for RobotBrowser {
    fn open(&self, url: &Url) -> Result<(), String> {
        let url = url.clone();
        std::thread::Builder::new()
            .name("demo-robot".into())
            .spawn(move || {
                let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
                let outcome = robot::sign_in_blocking(&url, &user, Consent::Accept);
                if let Err(e) = outcome {
                    eprintln!("demo: the automatic sign-in failed: {e}");
                }
            })
            .map(|_| ())
            .map_err(|e| format!("cannot start the automatic sign-in: {e}"))
    }
}

/// The sign-in UI of an unattended demo: it opens no browser, so it says neither that one
/// opened nor that it waits for the user; its spinner says what happens.
struct UnattendedUi(Arc<super::signin_ui::CliUi>);

impl SignInUi for UnattendedUi {
    fn browser_opened(&self, _url: &Url) {}
    fn show_url(&self, url: &Url, error: Option<&str>) {
        self.0.show_url(url, error);
    }
    fn show_device_code(&self, prompt: &DeviceCodePrompt) {
        self.0.show_device_code(prompt);
    }
    fn waiting(&self, _message: &str) {
        self.0.waiting("signing in unattended");
    }
    fn finished(&self) {
        self.0.finished();
    }
    fn notice(&self, message: &str) {
        self.0.notice(message);
    }
}

fn step(n: u32, text: &str) {
    println!("\n[{n}/6] {text}");
}

fn failed(message: impl Into<String>) -> Error {
    Error::other(ErrorKind::Internal, message)
}

/// Whether to sign in unattended: asked for, or no way to show a browser.
fn unattended(auto: bool) -> bool {
    let has = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let headless = cfg!(target_os = "linux") && !has("DISPLAY") && !has("WAYLAND_DISPLAY");
    auto || (headless && !has("BROWSER"))
}

/// Runs `printjob demo`.
pub async fn demo(_global: &GlobalArgs, args: DemoArgs) -> Result<(), Error> {
    step(
        1,
        "Starting the emulator (identity platform + Graph print API) on 127.0.0.1",
    );
    let emulator = Emulator::builder()
        .start()
        .await
        .map_err(|e| failed(format!("the emulator did not start: {e}")))?;
    println!(
        "   authority {}  graph {}",
        emulator.base_url(),
        emulator.graph_url()
    );
    let home = tempfile::tempdir().map_err(|e| failed(format!("no temporary directory: {e}")))?;
    let auto = unattended(args.auto);
    let browser: Arc<dyn Browser> = if auto {
        Arc::new(RobotBrowser)
    } else {
        Arc::new(SystemBrowser)
    };
    let credential = DelegatedCredential::builder()
        .authority(emulator.base_url())
        .tenant("contoso.onmicrosoft.com")
        .client_id(seed::PUBLIC_CLIENT_ID)
        .cache_path(home.path().join("token_cache.json"))
        .browser(browser)
        .ui(if auto {
            Arc::new(UnattendedUi(super::signin_ui::CliUi::for_output(false))) as Arc<dyn SignInUi>
        } else {
            super::signin_ui::CliUi::for_output(false)
        })
        .timeout(Duration::from_secs(if auto { 60 } else { 300 }))
        .build()?;

    step(
        2,
        "Signing in (authorization code + PKCE through a loopback redirect)",
    );
    if auto {
        println!(
            "   signing in unattended as {} (the emulator's forms are submitted for you)",
            seed::ADELE
        );
    } else {
        println!(
            "   your browser opens the emulator's sign-in page: use {} / {} and accept",
            seed::ADELE,
            seed::DEFAULT_PASSWORD
        );
    }
    let scope = Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC)?;
    let token = credential.login(std::slice::from_ref(&scope)).await?;
    println!(
        "   signed in as {}; granted: {}",
        token.username.as_deref().unwrap_or("(unknown user)"),
        token
            .scopes
            .iter()
            .map(Scope::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    );

    let client = PrintClient::new(Arc::new(credential.clone()), &emulator.graph_url())?;
    let target = PrintTarget::parse(LOBBY_PRINTER, false)?;
    step(3, "Your jobs on the lobby printer");
    let before = client.jobs(&target, &JobFilter::default()).await?;
    print_jobs(&before);

    step(
        4,
        "Canceling your pending, processing, paused and stopped jobs",
    );
    let mut all = CancelRequest::all(target.clone());
    all.selection = JobSelection::All {
        states: JobFilter::default_cancel_states(),
        mine: true,
        owner: None,
    };
    let mine = cancel::run(&client, &all, &|_| {}).await?;
    print_report(&mine);

    step(
        5,
        "Trying another user's job (PrintJob.ReadWriteBasic covers only your own)",
    );
    let other = CancelRequest::jobs(target.clone(), vec![PrintJobId::new(OTHER_USERS_JOB)?]);
    let refused = cancel::run(&client, &other, &|_| {}).await?;
    print_report(&refused);

    step(6, "Final states");
    let after = client.jobs(&target, &JobFilter::default()).await?;
    print_jobs(&after);
    summarize(&before, &mine, &refused, &after)
}

fn print_jobs(jobs: &[PrintJob]) {
    let rows: Vec<Vec<String>> = jobs
        .iter()
        .map(|j| {
            vec![
                j.id.clone(),
                j.status.state.as_str().to_string(),
                j.created_by
                    .as_ref()
                    .and_then(|u| u.user_principal_name.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    print_table(
        &[
            Column::keep("   JOB"),
            Column::keep("STATE"),
            Column::keep("OWNER"),
        ],
        &indent(rows),
    );
}

fn indent(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    for row in &mut rows {
        if let Some(first) = row.first_mut() {
            *first = format!("   {first}");
        }
    }
    rows
}

fn print_report(report: &CancelReport) {
    let rows: Vec<Vec<String>> = report
        .results
        .iter()
        .map(|r| {
            vec![
                r.job_id.to_string(),
                super::cancel::outcome_words(&r.outcome),
                super::cancel::detail(r),
            ]
        })
        .collect();
    print_table(
        &[
            Column::keep("   JOB"),
            Column::keep("RESULT"),
            Column::shorten("DETAIL"),
        ],
        &indent(rows),
    );
}

/// Checks that every step did what it said; the demo exits 0 only then.
fn summarize(
    before: &[PrintJob],
    mine: &CancelReport,
    refused: &CancelReport,
    after: &[PrintJob],
) -> Result<(), Error> {
    let cancelable: Vec<&str> = before
        .iter()
        .filter(|j| JobFilter::default_cancel_states().contains(&j.status.state))
        .map(|j| j.id.as_str())
        .collect();
    let canceled_now = after
        .iter()
        .filter(|j| cancelable.contains(&j.id.as_str()))
        .filter(|j| j.status.state == PrintJobProcessingState::Canceled)
        .count();
    let all_reported = mine.results.len() == cancelable.len()
        && mine
            .results
            .iter()
            .all(|r| matches!(r.outcome, JobOutcome::Canceled));
    let was_refused = refused
        .results
        .iter()
        .any(|r| matches!(r.outcome, JobOutcome::Forbidden { .. }));
    println!();
    if cancelable.is_empty() || canceled_now != cancelable.len() || !all_reported || !was_refused {
        return Err(failed(format!(
            "the demo did not go as expected: {canceled_now} of {} cancelable jobs ended canceled, \
             other user's job refused: {was_refused}",
            cancelable.len()
        )));
    }
    println!(
        "Done: {canceled_now} of your jobs canceled, another user's job refused as the permission \
         model requires. Nothing left the machine; sign in to your own tenant with `printjob login`."
    );
    Ok(())
}
