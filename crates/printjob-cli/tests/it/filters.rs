//! Integration tests: selections by creator that cannot match say so (issue 19, item 3) —
//! `--owner` without a `.All` permission is refused before any Graph request, an empty
//! `--owner` answer says why, `--mine` never selects nothing silently (jobs whose `createdBy`
//! is `{}`, with and without `.All`).

use crate::cancel::{graph_requests, json_stdout, login_as, printjob};
use futures::future::BoxFuture;
use printjob::cancel::{self, CancelRequest, JobSelection, SelectionNote};
use printjob::model::PrintJobProcessingState as State;
use printjob::test_support::RecordingSleeper;
use printjob::{AccessToken, AuthError, ErrorKind, GrantedToken, SignedInUser};
use printjob::{JobFilter, PrintClient, PrintTarget, PrinterId, Scope, TokenRequest, TokenSource};
use printjob_emulator::graph::seed::{PrintSeed, LOBBY_PRINTER};
use printjob_emulator::seed::{Seed, ADELE, ADMIN, CONTOSO_TENANT, MEGAN};
use printjob_emulator::Emulator;
use std::sync::Arc;

const ALL: &str = "PrintJob.ReadWriteBasic.All";

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

/// The default print seed, the lobby printer's jobs shown with `"createdBy": {}`, and two
/// pending jobs of the Printer Administrator there (ids 204, 205).
fn lobby_with_empty_created_by() -> PrintSeed {
    let mut print =
        PrintSeed::default_for(CONTOSO_TENANT).with_jobs(LOBBY_PRINTER, ADMIN, 2, State::Pending);
    for printer in &mut print.printers {
        if printer.id == LOBBY_PRINTER {
            printer.empty_created_by = true;
        }
    }
    print
}

fn lobby() -> PrintTarget {
    PrintTarget::Printer(PrinterId::new(LOBBY_PRINTER).unwrap())
}

fn state(emulator: &Emulator, id: &str) -> Option<State> {
    emulator.state().print().job_state(LOBBY_PRINTER, id)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Tokens the emulator signs for `user` with `scopes`; its ID token names `user` by `oid` and,
/// when `upn_claim`, by the `upn` claim (Entra's optional claim; the emulator's own ID tokens
/// carry none).
struct IdTokenSource {
    emulator: Arc<Emulator>,
    user: &'static str,
    scopes: Vec<&'static str>,
    upn_claim: bool,
}

impl IdTokenSource {
    fn client(
        emulator: &Arc<Emulator>,
        user: &'static str,
        scopes: &[&'static str],
        upn_claim: bool,
    ) -> PrintClient {
        let source = Arc::new(Self {
            emulator: emulator.clone(),
            user,
            scopes: scopes.to_vec(),
            upn_claim,
        });
        PrintClient::builder(source, &emulator.graph_url())
            .sleeper(Arc::new(RecordingSleeper::default()))
            .build()
            .unwrap()
    }

    fn oid(&self) -> Option<String> {
        let directory = self.emulator.state().directory();
        directory.user_by_upn(self.user).map(|u| u.id.clone())
    }
}

impl TokenSource for IdTokenSource {
    fn token<'a>(&'a self, _: &'a TokenRequest) -> BoxFuture<'a, Result<GrantedToken, AuthError>> {
        Box::pin(async move {
            let jwt = self
                .emulator
                .mint_user_token(self.user, &self.scopes, 3600)
                .unwrap();
            Ok(GrantedToken {
                access_token: AccessToken::new(jwt),
                expires_on: i64::MAX,
                scopes: self
                    .scopes
                    .iter()
                    .map(|s| Scope::new(*s).unwrap())
                    .collect(),
                username: Some(self.user.to_string()),
                user_id: self.oid(),
            })
        })
    }

    fn signed_in_user(&self) -> BoxFuture<'_, Result<Option<SignedInUser>, AuthError>> {
        Box::pin(async move {
            Ok(Some(SignedInUser {
                subject: "pairwise-sub".into(),
                oid: self.oid(),
                upn: self.upn_claim.then(|| self.user.to_string()),
                preferred_username: Some(self.user.to_string()),
                ..SignedInUser::default()
            }))
        })
    }
}

fn all_of(mine: bool, owner: Option<&str>) -> CancelRequest {
    CancelRequest {
        selection: JobSelection::All {
            states: JobFilter::default_cancel_states(),
            mine,
            owner: owner.map(str::to_owned),
        },
        ..CancelRequest::all(lobby())
    }
}

// ---- --owner --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn jobs_owner_without_an_all_permission_is_refused_before_any_graph_request() {
    let emulator = emulator_with(PrintSeed::default_for(CONTOSO_TENANT)).await;
    let dir = tempfile::tempdir().unwrap();
    login_as(&emulator, &dir, ADELE, &[]).await;
    let before = graph_requests(&emulator);
    let out = printjob(&emulator, &dir, &["jobs", LOBBY_PRINTER, "--owner", MEGAN]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(crate::harness::exit_code(ErrorKind::Permission)),
        "{err}"
    );
    assert!(err.contains("PrintJob.ReadWriteBasic.All"), "{err}");
    assert!(err.contains("admin consent"), "{err}");
    assert!(
        err.contains("printjob login --scope PrintJob.ReadWriteBasic.All"),
        "{err}"
    );
    assert_eq!(
        graph_requests(&emulator),
        before,
        "{:?}",
        emulator.counters()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_all_owner_without_an_all_permission_is_refused_before_any_graph_request() {
    let emulator = emulator_with(PrintSeed::default_for(CONTOSO_TENANT)).await;
    let dir = tempfile::tempdir().unwrap();
    login_as(&emulator, &dir, ADELE, &[]).await;
    let before = graph_requests(&emulator);
    let out = printjob(
        &emulator,
        &dir,
        &["cancel", LOBBY_PRINTER, "--all", "--owner", MEGAN, "--yes"],
    );
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(crate::harness::exit_code(ErrorKind::Permission)),
        "{err}"
    );
    assert!(err.contains("PrintJob.ReadWriteBasic.All"), "{err}");
    assert_eq!(
        graph_requests(&emulator),
        before,
        "{:?}",
        emulator.counters()
    );
    assert_eq!(state(&emulator, "107"), Some(State::Pending));
}

#[tokio::test]
async fn owner_with_an_all_permission_but_no_administrator_role_comes_back_empty_with_the_reason() {
    let emulator = emulator_with(PrintSeed::default_for(CONTOSO_TENANT)).await;
    let adele = IdTokenSource::client(&emulator, ADELE, &[ALL], false);
    let report = cancel::run(&adele, &all_of(false, Some(MEGAN)), &|_| {})
        .await
        .unwrap();
    assert!(report.results.is_empty(), "{report:?}");
    assert_eq!(
        report.note,
        Some(SelectionNote::OtherUsersJobsNeedAdministrator {
            owner: MEGAN.into()
        })
    );
    let note = report.note.unwrap().to_string();
    assert!(
        note.contains("Global Administrator or Printer Administrator"),
        "{note}"
    );
    let listed = cancel::list_jobs(&adele, &lobby(), &[], false, Some(MEGAN))
        .await
        .unwrap();
    assert!(listed.jobs.is_empty());
    assert!(listed.note.is_some());
    assert_eq!(state(&emulator, "107"), Some(State::Pending));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_owner_selection_prints_the_note_and_adds_it_to_the_json_report() {
    let emulator = emulator_with(PrintSeed::default_for(CONTOSO_TENANT)).await;
    let dir = tempfile::tempdir().unwrap();
    login_as(&emulator, &dir, ADMIN, &["--scope", ALL]).await;
    let nobody = "departed@contoso.onmicrosoft.com";
    let out = printjob(&emulator, &dir, &["jobs", LOBBY_PRINTER, "--owner", nobody]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: no job of departed@"),
        "{}",
        stderr(&out)
    );
    let out = printjob(
        &emulator,
        &dir,
        &[
            "cancel",
            LOBBY_PRINTER,
            "--all",
            "--owner",
            nobody,
            "--yes",
            "--json",
        ],
    );
    let json = json_stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{json}");
    assert_eq!(json["schemaVersion"], 1);
    assert_eq!(json["note"]["reason"], "otherUsersJobsNeedAdministrator");
    assert_eq!(json["note"]["owner"], nobody);
}

#[tokio::test]
async fn an_owner_selection_that_finds_jobs_carries_no_note() {
    let emulator = emulator_with(PrintSeed::default_for(CONTOSO_TENANT)).await;
    let admin = IdTokenSource::client(&emulator, ADMIN, &[ALL], false);
    let listed = cancel::list_jobs(&admin, &lobby(), &[], false, Some(MEGAN))
        .await
        .unwrap();
    let ids: Vec<&str> = listed.jobs.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, ["107"]);
    assert_eq!(listed.note, None);
}

// ---- --mine ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn mine_without_an_all_permission_cancels_every_visible_job_even_where_created_by_is_empty() {
    let emulator = emulator_with(lobby_with_empty_created_by()).await;
    let dir = tempfile::tempdir().unwrap();
    login_as(&emulator, &dir, ADELE, &[]).await;
    let out = printjob(
        &emulator,
        &dir,
        &[
            "cancel",
            LOBBY_PRINTER,
            "--all",
            "--mine",
            "--yes",
            "--json",
        ],
    );
    let json = json_stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{json}");
    assert_eq!(json["totals"]["canceled"], 4, "{json}");
    for id in ["101", "102", "103", "104"] {
        assert_eq!(state(&emulator, id), Some(State::Canceled), "job {id}");
    }
    assert_eq!(state(&emulator, "107"), Some(State::Pending));
}

#[tokio::test(flavor = "multi_thread")]
async fn mine_with_an_all_permission_and_no_upn_claim_is_refused_with_the_reason_where_created_by_is_empty(
) {
    let emulator = emulator_with(lobby_with_empty_created_by()).await;
    let dir = tempfile::tempdir().unwrap();
    login_as(&emulator, &dir, ADMIN, &["--scope", ALL]).await;
    let out = printjob(
        &emulator,
        &dir,
        &["cancel", LOBBY_PRINTER, "--all", "--mine", "--yes"],
    );
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(crate::harness::exit_code(ErrorKind::Usage)),
        "{err}"
    );
    assert!(err.contains("createdBy.id"), "{err}");
    assert!(err.contains("upn"), "{err}");
    let posts: u64 = emulator
        .counters()
        .iter()
        .filter(|(k, _)| k.starts_with("POST /v1.0"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(posts, 0, "{:?}", emulator.counters());
    assert_eq!(state(&emulator, "204"), Some(State::Pending));
}

#[tokio::test]
async fn mine_with_an_all_permission_sends_the_upn_filter_where_created_by_is_empty() {
    let emulator = emulator_with(lobby_with_empty_created_by()).await;
    let admin = IdTokenSource::client(&emulator, ADMIN, &[ALL], true);
    let report = cancel::run(&admin, &all_of(true, None), &|_| {})
        .await
        .unwrap();
    let ids: Vec<&str> = report.results.iter().map(|r| r.job_id.as_str()).collect();
    assert_eq!(ids, ["204", "205"], "{report:?}");
    assert_eq!(report.totals.canceled, 2);
    for id in ["101", "107"] {
        assert_eq!(state(&emulator, id), Some(State::Pending), "job {id}");
    }
}

#[tokio::test]
async fn mine_with_an_all_permission_matches_the_object_id_where_created_by_has_one() {
    let print =
        PrintSeed::default_for(CONTOSO_TENANT).with_jobs(LOBBY_PRINTER, ADMIN, 2, State::Pending);
    let emulator = emulator_with(print).await;
    let admin = IdTokenSource::client(&emulator, ADMIN, &[ALL], false);
    let listed = cancel::list_jobs(&admin, &lobby(), &[State::Pending], true, None)
        .await
        .unwrap();
    let ids: Vec<&str> = listed.jobs.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, ["204", "205"]);
}
