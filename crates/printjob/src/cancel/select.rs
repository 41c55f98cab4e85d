//! Which jobs a selection by state and creator picks (`--all`, `printjob jobs`), and why a
//! selection by creator cannot match, said before any request or beside an empty answer.
//!
//! Whose jobs Graph shows depends on the token's PrintJob permission ([`JobVisibility`]):
//! - without a `.All` permission Graph shows the signed-in user's own jobs only, so "your own
//!   jobs" are all the jobs listed (no creator is compared), and another user's jobs cannot be
//!   listed at all: asking for them is refused before any Graph request, naming the `.All`
//!   permission (an administrator must consent to it);
//! - with a `.All` permission other users' jobs are listed too, but only to a Global or
//!   Printer Administrator (`printjob-get.md`). "Your own jobs" are those whose `createdBy.id`
//!   is the ID token's `oid`; where the service lists jobs without `createdBy.id` (the
//!   reference examples show `"createdBy": {}`), the documented
//!   `createdBy/userPrincipalName eq '…'` filter is sent with the ID token's `upn` claim, and
//!   without that claim the selection is refused with the reason (never `preferred_username`,
//!   which Entra calls mutable). A selection of another user's jobs that comes back empty
//!   carries a [`SelectionNote`].

use crate::error::{Error, ErrorKind, Remedy};
use crate::graph::model::{PrintJob, PrintJobProcessingState};
use crate::graph::scopes::{all_users_form, job_visibility, JobVisibility, Operation};
use crate::graph::{Creator, JobFilter, PrintClient, PrintTarget};
use futures::stream::{self, BoxStream, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

/// Why a selection by creator came back empty, when the service's rules can explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "camelCase")]
#[non_exhaustive]
pub enum SelectionNote {
    /// No job of `owner` was listed, and other users' jobs are shown only to Global
    /// Administrators and Printer Administrators (`printjob-get.md`).
    OtherUsersJobsNeedAdministrator {
        /// The user principal name asked for.
        owner: String,
    },
}

impl fmt::Display for SelectionNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectionNote::OtherUsersJobsNeedAdministrator { owner } => write!(
                f,
                "no job of {owner} was listed; if {owner} has jobs here, note that the service shows \
                 other users' jobs only to a Global Administrator or Printer Administrator, even with \
                 a .All permission (printjob-get.md)"
            ),
        }
    }
}

/// The jobs a selection picked, and a note when an empty answer has a known reason.
#[derive(Debug, Clone)]
pub struct SelectedJobs {
    /// The jobs, in listing order.
    pub jobs: Vec<PrintJob>,
    /// Set when no job was picked and the service's rules may be why.
    pub note: Option<SelectionNote>,
}

/// How the creator of a selection is matched.
#[derive(Debug, Clone)]
enum By {
    /// Every job listed (no creator asked for, or only the user's own jobs are visible).
    Anyone,
    /// `createdBy/userPrincipalName eq '…'` sent to the service.
    Upn {
        upn: String,
        /// Another user's jobs were asked for: an empty answer gets a note.
        note_when_empty: bool,
    },
    /// The signed-in user by `createdBy.id`, switching to the `upn` filter where the service
    /// leaves `createdBy.id` out.
    Oid { oid: String, upn: Option<String> },
}

/// A selection, decided before any Graph request.
#[derive(Debug, Clone)]
pub(super) struct Selector {
    states: Vec<PrintJobProcessingState>,
    by: By,
    owner: Option<String>,
}

impl Selector {
    /// The note for an empty answer, if this selection has one.
    pub(super) fn note_when_empty(&self) -> Option<SelectionNote> {
        match (&self.by, &self.owner) {
            (
                By::Upn {
                    note_when_empty: true,
                    ..
                },
                Some(owner),
            ) => Some(SelectionNote::OtherUsersJobsNeedAdministrator {
                owner: owner.clone(),
            }),
            _ => None,
        }
    }

    /// The selected jobs, one listing page at a time.
    pub(super) fn pages(
        &self,
        client: &PrintClient,
        target: &PrintTarget,
    ) -> Result<BoxStream<'static, Result<Vec<PrintJob>, Error>>, Error> {
        let filter = |created_by| JobFilter {
            states: self.states.clone(),
            created_by,
        };
        match &self.by {
            By::Anyone => client.job_pages(target, &filter(None)),
            By::Upn { upn, .. } => {
                client.job_pages(target, &filter(Some(Creator::Upn(upn.clone()))))
            }
            By::Oid { oid, upn } => by_oid_pages(
                client.clone(),
                target.clone(),
                self.states.clone(),
                oid.clone(),
                upn.clone(),
            ),
        }
    }
}

/// Decides how `states`, `mine` and `owner` select jobs of `target`: reads the token's scopes
/// (and, for `mine`, the signed-in user); refuses what cannot match. Sends no Graph request.
pub(super) async fn selector(
    client: &PrintClient,
    target: &PrintTarget,
    states: &[PrintJobProcessingState],
    mine: bool,
    owner: Option<&str>,
) -> Result<Selector, Error> {
    let selector = |by| Selector {
        states: states.to_vec(),
        by,
        owner: owner.map(str::to_owned),
    };
    if !mine && owner.is_none() {
        return Ok(selector(By::Anyone));
    }
    let token = client
        .token(&client.token_request(read_access(target)))
        .await?;
    let visibility = job_visibility(&token.scopes);
    if let Some(owner) = owner {
        if let JobVisibility::OwnJobsOnly(held) = &visibility {
            return Err(owner_refused(owner, held));
        }
        return Ok(selector(By::Upn {
            upn: owner.to_owned(),
            note_when_empty: true,
        }));
    }
    if let JobVisibility::OwnJobsOnly(_) = visibility {
        return Ok(selector(By::Anyone));
    }
    let upn = client
        .inner
        .source
        .signed_in_user()
        .await?
        .and_then(|u| u.upn);
    match (token.user_id, upn) {
        (Some(oid), upn) => Ok(selector(By::Oid { oid, upn })),
        (None, Some(upn)) => Ok(selector(By::Upn {
            upn,
            note_when_empty: false,
        })),
        (None, None) => Err(Error::other(
            ErrorKind::Usage,
            "selecting your own jobs needs to know who you are, but this sign-in carries neither \
             your object id (the ID token's oid) nor your user principal name (its upn claim); \
             list the printer's jobs and cancel them by id",
        )),
    }
}

fn read_access(target: &PrintTarget) -> Operation {
    match target {
        PrintTarget::Printer(_) => Operation::ReadJobs,
        PrintTarget::Share(_) => Operation::ReadShareJobs,
    }
}

/// Another user's jobs asked for with a permission that shows only your own.
fn owner_refused(owner: &str, held: &crate::ids::Scope) -> Error {
    let wider = all_users_form(held);
    let wider_name = wider
        .as_ref()
        .map_or_else(|| format!("{}.All", held.short()), |s| s.short().to_owned());
    let message = format!(
        "the jobs of {owner} cannot be listed with this sign-in: its permission {} shows only your \
         own jobs; other users' jobs need {wider_name}, a permission only an administrator can \
         consent to (admin consent), and the signed-in user must be a Global Administrator or \
         Printer Administrator (printjob-get.md). Nothing was sent to the service",
        held.short()
    );
    match wider {
        Some(scope) => Error::other_with_remedy(
            ErrorKind::Permission,
            message,
            Remedy::SignInWithScopes(vec![scope]),
        ),
        None => Error::other(ErrorKind::Permission, message),
    }
}

/// Jobs listed without `createdBy.id`, so `oid` cannot tell whose they are, and no `upn` claim.
fn creators_unknown() -> Error {
    Error::other(
        ErrorKind::Usage,
        "your own jobs cannot be told apart here: the service lists this printer's jobs without \
         createdBy.id, and your ID token carries no upn claim to send the documented \
         createdBy/userPrincipalName filter with (preferred_username is never used: Entra calls \
         it mutable). Nothing was selected; list the printer's jobs and cancel yours by id",
    )
}

enum Phase {
    ById(BoxStream<'static, Result<Vec<PrintJob>, Error>>),
    ByUpn(BoxStream<'static, Result<Vec<PrintJob>, Error>>),
    Done,
}

struct ByOid {
    phase: Phase,
    client: PrintClient,
    target: PrintTarget,
    states: Vec<PrintJobProcessingState>,
    oid: String,
    upn: Option<String>,
    yielded: HashSet<String>,
}

fn creator_id(job: &PrintJob) -> Option<&str> {
    job.created_by.as_ref().and_then(|c| c.id.as_deref())
}

/// The signed-in user's jobs by `createdBy.id` = `oid`; at the first page holding a job
/// without `createdBy.id`, the listing starts again with the `upn` filter (jobs already
/// yielded are not yielded twice), or fails without a `upn`.
fn by_oid_pages(
    client: PrintClient,
    target: PrintTarget,
    states: Vec<PrintJobProcessingState>,
    oid: String,
    upn: Option<String>,
) -> Result<BoxStream<'static, Result<Vec<PrintJob>, Error>>, Error> {
    let unfiltered = client.job_pages(
        &target,
        &JobFilter {
            states: states.clone(),
            created_by: None,
        },
    )?;
    let state = ByOid {
        phase: Phase::ById(unfiltered),
        client,
        target,
        states,
        oid,
        upn,
        yielded: HashSet::new(),
    };
    Ok(stream::unfold(state, |mut s| async move {
        let page = match &mut s.phase {
            Phase::Done => return None,
            Phase::ById(pages) | Phase::ByUpn(pages) => pages.next().await?,
        };
        let jobs = match page {
            Ok(jobs) => jobs,
            Err(error) => {
                s.phase = Phase::Done;
                return Some((Err(error), s));
            }
        };
        let by_id = matches!(s.phase, Phase::ById(_));
        if by_id && jobs.iter().any(|j| creator_id(j).is_none()) {
            if let Err(error) = s.switch_to_upn() {
                s.phase = Phase::Done;
                return Some((Err(error), s));
            }
        }
        let oid = s.oid.clone();
        let keep: Vec<PrintJob> = jobs
            .into_iter()
            .filter(|j| match creator_id(j) {
                Some(id) => id.eq_ignore_ascii_case(&oid),
                None => !by_id,
            })
            .filter(|j| s.yielded.insert(j.id.clone()))
            .collect();
        Some((Ok(keep), s))
    })
    .boxed())
}

impl ByOid {
    fn switch_to_upn(&mut self) -> Result<(), Error> {
        let upn = self.upn.clone().ok_or_else(creators_unknown)?;
        let filtered = self.client.job_pages(
            &self.target,
            &JobFilter {
                states: self.states.clone(),
                created_by: Some(Creator::Upn(upn)),
            },
        )?;
        self.phase = Phase::ByUpn(filtered);
        Ok(())
    }
}

/// Lists the jobs of `target` that `states`, `mine` and `owner` select (see the module docs),
/// with a [`SelectionNote`] when an empty answer has a known reason. `Err` before any Graph
/// request when the selection cannot match (another user's jobs with a permission that shows
/// only your own; your own jobs when the sign-in does not say who you are).
pub async fn list_jobs(
    client: &PrintClient,
    target: &PrintTarget,
    states: &[PrintJobProcessingState],
    mine: bool,
    owner: Option<&str>,
) -> Result<SelectedJobs, Error> {
    let selector = selector(client, target, states, mine, owner).await?;
    let mut pages = selector.pages(client, target)?;
    let mut jobs = Vec::new();
    while let Some(page) = pages.next().await {
        jobs.extend(page?);
    }
    let note = if jobs.is_empty() {
        selector.note_when_empty()
    } else {
        None
    };
    Ok(SelectedJobs { jobs, note })
}
