//! Integration tests: `printjob cancel --all-printers` (issue 22, item 3) — every printer of
//! the tenant listed, each printer's selected jobs cancelled, a report grouped by printer
//! (schema version 2); refused before any Graph request without the permissions it needs; a
//! printer whose jobs cannot be listed is reported and the others proceed.

use crate::cancel::{graph_requests, json_stdout, login_as, printjob};
use printjob::model::PrintJobProcessingState as State;
use printjob::ErrorKind;
use printjob_emulator::graph::seed::{PrintSeed, FINANCE_PRINTER, LOBBY_PRINTER};
use printjob_emulator::seed::{Seed, ADELE, ADMIN, CONTOSO_TENANT, MEGAN};
use printjob_emulator::Emulator;
use std::sync::Arc;

const JOBS_ALL: &str = "PrintJob.ReadWriteBasic.All";
const PRINTERS: &str = "Printer.Read.All";

async fn emulator_with(print: PrintSeed) -> Arc<Emulator> {
    let seed = Seed {
        print,
        ..Seed::default()
    };
    Arc::new(
        Emulator::builder()
            .seed(seed)
            .device_code_interval(1)
            .start()
            .await
            .expect("emulator"),
    )
}

/// The default seed plus 25 pending jobs of Megan on the finance printer (more than one batch).
fn seed() -> PrintSeed {
    PrintSeed::default_for(CONTOSO_TENANT).with_jobs(FINANCE_PRINTER, MEGAN, 25, State::Pending)
}

fn state(emulator: &Emulator, printer: &str, id: &str) -> Option<State> {
    emulator.state().print().job_state(printer, id)
}

/// Every seeded job's (printer, id, owner, state) now.
fn jobs(emulator: &Emulator, seed: &PrintSeed) -> Vec<(String, String, String, Option<State>)> {
    seed.jobs
        .iter()
        .map(|j| {
            (
                j.printer_id.clone(),
                j.id.clone(),
                j.owner.clone(),
                state(emulator, &j.printer_id, &j.id),
            )
        })
        .collect()
}

async fn admin_with(emulator: &Emulator, dir: &tempfile::TempDir, scopes: &[&str]) {
    let mut extra = Vec::new();
    for scope in scopes {
        extra.extend(["--scope", scope]);
    }
    login_as(emulator, dir, ADMIN, &extra).await;
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn all_printers_owner_cancels_exactly_that_users_jobs_on_every_printer_and_nothing_else() {
    let seed = seed();
    let emulator = emulator_with(seed.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    admin_with(&emulator, &dir, &[JOBS_ALL, PRINTERS]).await;
    let before = jobs(&emulator, &seed);
    let out = printjob(
        &emulator,
        &dir,
        &[
            "cancel",
            "--all-printers",
            "--owner",
            MEGAN,
            "--yes",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for ((printer, id, owner, was), (_, _, _, now)) in before.iter().zip(jobs(&emulator, &seed)) {
        let cancelable = was.as_ref().is_some_and(State::is_cancelable);
        if owner == MEGAN && cancelable {
            assert_eq!(now, Some(State::Canceled), "{printer} {id}");
        } else {
            assert_eq!(&now, was, "{printer} {id} of {owner} must be left alone");
        }
    }
    let report = json_stdout(&out);
    assert_eq!(report["schemaVersion"], 2, "{report}");
    let printers = report["printers"].as_array().unwrap();
    assert_eq!(printers.len(), 2, "{report}");
    let canceled = |printer: &str| {
        printers
            .iter()
            .find(|p| p["printerId"] == printer)
            .map(|p| p["totals"]["canceled"].clone())
    };
    assert_eq!(canceled(LOBBY_PRINTER), Some(1.into()), "{report}");
    assert_eq!(canceled(FINANCE_PRINTER), Some(26.into()), "{report}");
    assert_eq!(report["totals"]["canceled"], 27, "{report}");
    assert_eq!(report["printersRefused"], 0, "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn all_printers_reports_a_printer_whose_listing_is_refused_and_the_others_proceed() {
    let mut seed = seed();
    for printer in &mut seed.printers {
        if printer.id == LOBBY_PRINTER {
            printer.refuse_job_listing = true;
        }
    }
    let emulator = emulator_with(seed).await;
    let dir = tempfile::tempdir().unwrap();
    admin_with(&emulator, &dir, &[JOBS_ALL, PRINTERS]).await;
    let out = printjob(
        &emulator,
        &dir,
        &[
            "cancel",
            "--all-printers",
            "--owner",
            MEGAN,
            "--yes",
            "--json",
        ],
    );
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(state(&emulator, LOBBY_PRINTER, "107"), Some(State::Pending));
    assert_eq!(
        state(&emulator, FINANCE_PRINTER, "203"),
        Some(State::Canceled)
    );
    let report = json_stdout(&out);
    assert_eq!(report["printersRefused"], 1, "{report}");
    let lobby = report["printers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["printerId"] == LOBBY_PRINTER)
        .cloned()
        .unwrap();
    assert_eq!(lobby["error"]["status"], 403, "{report}");
    assert_eq!(report["totals"]["canceled"], 26, "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn all_printers_human_output_has_a_section_per_printer_and_a_grand_total() {
    let emulator = emulator_with(seed()).await;
    let dir = tempfile::tempdir().unwrap();
    admin_with(&emulator, &dir, &[JOBS_ALL, PRINTERS]).await;
    let out = printjob(
        &emulator,
        &dir,
        &["cancel", "--all-printers", "--owner", MEGAN, "--yes"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(text.contains("Printer Lobby MFP"), "{text}");
    assert!(text.contains("Printer Finance Color"), "{text}");
    assert!(text.contains("1 job: 1 canceled"), "{text}");
    assert!(text.contains("26 jobs: 26 canceled"), "{text}");
    assert!(
        text.contains("Total on 2 printers: 27 jobs: 27 canceled"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_printers_without_printer_read_all_is_refused_before_any_graph_request() {
    let seed = seed();
    let emulator = emulator_with(seed.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    admin_with(&emulator, &dir, &[JOBS_ALL]).await;
    let before = graph_requests(&emulator);
    let jobs_before = jobs(&emulator, &seed);
    let out = printjob(&emulator, &dir, &["cancel", "--all-printers", "--yes"]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(crate::harness::exit_code(ErrorKind::Permission)),
        "{err}"
    );
    assert!(
        err.contains("printjob login --scope Printer.Read.All"),
        "{err}"
    );
    assert_eq!(
        graph_requests(&emulator),
        before,
        "{:?}",
        emulator.counters()
    );
    assert_eq!(jobs(&emulator, &seed), jobs_before);
}

#[tokio::test(flavor = "multi_thread")]
async fn all_printers_without_an_all_job_permission_is_refused_before_any_graph_request() {
    let emulator = emulator_with(seed()).await;
    let dir = tempfile::tempdir().unwrap();
    admin_with(&emulator, &dir, &["PrintJob.ReadWriteBasic", PRINTERS]).await;
    let before = graph_requests(&emulator);
    let out = printjob(
        &emulator,
        &dir,
        &["cancel", "--all-printers", "--owner", ADELE, "--yes"],
    );
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(crate::harness::exit_code(ErrorKind::Permission)),
        "{err}"
    );
    assert!(err.contains("PrintJob.ReadWriteBasic.All"), "{err}");
    assert!(err.contains("printjob login --scope"), "{err}");
    assert_eq!(
        graph_requests(&emulator),
        before,
        "{:?}",
        emulator.counters()
    );
    assert_eq!(state(&emulator, LOBBY_PRINTER, "101"), Some(State::Pending));
}

#[tokio::test(flavor = "multi_thread")]
async fn all_printers_dry_run_lists_what_it_would_cancel_on_every_printer_and_sends_no_cancel() {
    let seed = seed();
    let emulator = emulator_with(seed.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    admin_with(&emulator, &dir, &[JOBS_ALL, PRINTERS]).await;
    let jobs_before = jobs(&emulator, &seed);
    let out = printjob(
        &emulator,
        &dir,
        &["cancel", "--all-printers", "--dry-run", "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(jobs(&emulator, &seed), jobs_before);
    let report = json_stdout(&out);
    assert_eq!(report["dryRun"], true, "{report}");
    // Lobby: 101-104 and 107; finance: 201, 203 and the 25 seeded.
    assert_eq!(report["totals"]["wouldCancel"], 32, "{report}");
    let cancels = emulator
        .counters()
        .iter()
        .filter(|(k, _)| k.contains("/cancel") || k.contains("$batch"))
        .map(|(_, v)| *v)
        .sum::<u64>();
    assert_eq!(cancels, 0, "{:?}", emulator.counters());
}

/// The command line writes each printer's section out as it completes (issue 22 item 4): its
/// JSON is still byte for byte the library's report of the same run, serialized whole.
#[tokio::test(flavor = "multi_thread")]
async fn all_printers_json_streamed_section_by_section_is_the_librarys_report_byte_for_byte() {
    let emulator = emulator_with(seed()).await;
    let dir = tempfile::tempdir().unwrap();
    admin_with(&emulator, &dir, &[JOBS_ALL, PRINTERS]).await;
    let out = printjob(
        &emulator,
        &dir,
        &["cancel", "--all-printers", "--dry-run", "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let client = printjob_test_support::print_client_as(&emulator, ADMIN, &[JOBS_ALL, PRINTERS]);
    let request = printjob::cancel::AllPrintersRequest {
        dry_run: true,
        ..printjob::cancel::AllPrintersRequest::default()
    };
    let report = printjob::cancel::run_all_printers(&client, &request, &|_| {})
        .await
        .unwrap();
    assert_eq!(report.printers.len(), 2);
    assert!(report.printers.iter().all(|p| !p.results.is_empty()));
    let whole = serde_json::to_string_pretty(&report).unwrap() + "\n";
    assert_eq!(String::from_utf8_lossy(&out.stdout), whole);
}

#[test]
fn all_printers_without_yes_or_dry_run_is_a_usage_error() {
    let out = std::process::Command::new(crate::harness::printjob_bin())
        .args(["cancel", "--all-printers"])
        .env_clear()
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(crate::harness::exit_code(ErrorKind::Usage)),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
}

/// The Printer Administrator's tokens with the scopes `--all-printers` needs.
struct AdminSource(Arc<Emulator>);

impl printjob::TokenSource for AdminSource {
    fn token<'a>(
        &'a self,
        _: &'a printjob::TokenRequest,
    ) -> futures::future::BoxFuture<'a, Result<printjob::GrantedToken, printjob::AuthError>> {
        Box::pin(async move {
            let scopes = [JOBS_ALL, PRINTERS];
            Ok(printjob::GrantedToken {
                access_token: printjob::AccessToken::new(
                    self.0.mint_user_token(ADMIN, &scopes, 3600).unwrap(),
                ),
                expires_on: i64::MAX,
                scopes: scopes
                    .iter()
                    .map(|s| printjob::Scope::new(*s).unwrap())
                    .collect(),
                username: Some(ADMIN.into()),
                user_id: None,
            })
        })
    }
}

#[tokio::test]
async fn a_stopped_all_printers_run_takes_no_further_printer_and_sends_no_cancel() {
    use printjob::cancel::{self, AllPrintersRequest, Stopper};
    let seed = seed();
    let emulator = emulator_with(seed.clone()).await;
    let client = printjob::PrintClient::new(
        Arc::new(AdminSource(emulator.clone())),
        &emulator.graph_url(),
    )
    .unwrap();
    let jobs_before = jobs(&emulator, &seed);
    let stopper = Stopper::new();
    let request = AllPrintersRequest {
        owner: Some(MEGAN.into()),
        stop: Some(stopper.signal()),
        ..AllPrintersRequest::default()
    };
    let seen = std::sync::Mutex::new(Vec::new());
    let report = cancel::run_all_printers(&client, &request, &|event| {
        if let cancel::TenantProgress::Printers { .. } = event {
            // Ctrl-C once the printers are listed, before the first printer's jobs.
            stopper.stop();
        }
        seen.lock().unwrap().push(format!("{event:?}"));
    })
    .await
    .unwrap();
    assert!(report.interrupted);
    assert!(report.printers.is_empty(), "{report:?}");
    assert_eq!(jobs(&emulator, &seed), jobs_before);
    let job_listings: u64 = emulator
        .counters()
        .iter()
        .filter(|(k, _)| k.contains("/jobs"))
        .map(|(_, v)| *v)
        .sum();
    assert_eq!(job_listings, 0, "{:?}", emulator.counters());
    assert_eq!(seen.lock().unwrap().len(), 1, "{seen:?}");
}
