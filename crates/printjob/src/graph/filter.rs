//! Which jobs a listing returns: by state, by creator.
//!
//! The job-list reference pages (`printer-list-jobs.md`, `printershare-list-jobs.md`) document
//! one `$filter` only: `createdBy/userPrincipalName eq '{upn}'`. So states are selected here,
//! on the client, from the documented listing. The creator filter is sent to the service for a
//! user principal name: one the user typed (`--owner UPN`), or the ID token's `upn` claim when
//! the service lists jobs without `createdBy.id` (`cancel/select.rs`). A job that comes back
//! naming another creator is dropped; one whose `createdBy` is empty (`{}`, as the examples of
//! `printjob-get.md` and `printershare-list-jobs.md` show) is kept, the service having filtered
//! it. `--mine` is matched on the client by the job's `createdBy.id` against the signed-in
//! user's object id (the ID token's `oid`), else by `createdBy.userPrincipalName` against the
//! ID token's `upn`; never by `preferred_username`, which Entra's ID token reference calls
//! mutable ("Since it's mutable, this value can't be used to make authorization decisions").

use super::model::{PrintJob, PrintJobProcessingState};

/// Who created the jobs to select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Creator {
    /// `--owner UPN`: this user principal name, sent as the documented `$filter`.
    Upn(String),
    /// `--mine`: the signed-in user, by object id (`oid`), else by user principal name.
    User {
        /// The object id from the ID token (`oid`), when known.
        id: Option<String>,
        /// The ID token's `upn` claim (not `preferred_username`), used only where an id is
        /// absent on either side.
        upn: Option<String>,
    },
}

/// A filter on a printer's (or share's) jobs. The default matches every job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only jobs in one of these states (any state when empty); applied on the client.
    pub states: Vec<PrintJobProcessingState>,
    /// Only jobs created by this user.
    pub created_by: Option<Creator>,
}

impl JobFilter {
    /// The states a cancel acts on by default: `pending`, `processing`, `paused`, `stopped`
    /// (every state a cancel can act on; `printjobstatus.md`: `stopped` is "The print job has
    /// been stopped because an issue with the printer needs to be addressed before the job can
    /// continue").
    pub fn default_cancel_states() -> Vec<PrintJobProcessingState> {
        vec![
            PrintJobProcessingState::Pending,
            PrintJobProcessingState::Processing,
            PrintJobProcessingState::Paused,
            PrintJobProcessingState::Stopped,
        ]
    }

    /// The OData `$filter` sent to the service: only the documented
    /// `createdBy/userPrincipalName eq '…'`, only for [`Creator::Upn`]; `None` otherwise.
    pub fn to_odata(&self) -> Option<String> {
        match &self.created_by {
            Some(Creator::Upn(upn)) => {
                Some(format!("createdBy/userPrincipalName eq {}", quote(upn)))
            }
            _ => None,
        }
    }

    /// Whether `job` passes the filter (names and ids compare case-insensitively). For
    /// [`Creator::Upn`], sent as `$filter`, a job without `createdBy.userPrincipalName` passes
    /// (the service selected it).
    pub fn matches(&self, job: &PrintJob) -> bool {
        let state_ok = self.states.is_empty() || self.states.contains(&job.status.state);
        state_ok && self.creator_matches(job)
    }

    fn creator_matches(&self, job: &PrintJob) -> bool {
        let by = job.created_by.as_ref();
        let job_upn = by.and_then(|c| c.user_principal_name.as_deref());
        let job_id = by.and_then(|c| c.id.as_deref());
        let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        match &self.created_by {
            None => true,
            Some(Creator::Upn(upn)) => job_upn.is_none_or(|j| j.eq_ignore_ascii_case(upn)),
            Some(Creator::User { id, upn }) => match (id.as_deref(), job_id) {
                (Some(id), Some(job_id)) => id.eq_ignore_ascii_case(job_id),
                _ => same(job_upn, upn.as_deref()),
            },
        }
    }
}

/// An OData string literal: single quotes, with `'` doubled.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::model::UserIdentity;

    fn job(id: Option<&str>, upn: Option<&str>) -> PrintJob {
        let mut job: PrintJob = serde_json::from_value(serde_json::json!({
            "id": "1", "createdDateTime": "2020-02-04T00:00:00Z", "isFetchable": false,
            "configuration": {}, "status": {"state": "pending", "description": "", "details": [], "isAcquiredByPrinter": false}
        }))
        .unwrap();
        job.created_by = Some(UserIdentity {
            id: id.map(str::to_owned),
            display_name: None,
            ip_address: None,
            user_principal_name: upn.map(str::to_owned),
        });
        job
    }

    #[test]
    fn states_are_never_sent_to_the_service() {
        let filter = JobFilter {
            states: JobFilter::default_cancel_states(),
            created_by: None,
        };
        assert_eq!(filter.to_odata(), None);
    }

    #[test]
    fn owner_is_the_documented_creator_filter_with_quotes_doubled() {
        let filter = JobFilter {
            states: vec![],
            created_by: Some(Creator::Upn("o'neil@contoso.com".into())),
        };
        assert_eq!(
            filter.to_odata().unwrap(),
            "createdBy/userPrincipalName eq 'o''neil@contoso.com'"
        );
    }

    #[test]
    fn mine_matches_the_object_id_before_the_upn() {
        let filter = JobFilter {
            states: vec![],
            created_by: Some(Creator::User {
                id: Some("OID-1".into()),
                upn: Some("adele@contoso.com".into()),
            }),
        };
        assert_eq!(filter.to_odata(), None);
        assert!(filter.matches(&job(Some("oid-1"), Some("adele.vance@contoso.com"))));
        assert!(!filter.matches(&job(Some("oid-2"), Some("adele@contoso.com"))));
        assert!(filter.matches(&job(None, Some("adele@contoso.com"))));
        assert!(!filter.matches(&job(None, None)));
    }

    #[test]
    fn owner_filter_keeps_jobs_the_service_lists_with_an_empty_creator() {
        let filter = JobFilter {
            states: vec![],
            created_by: Some(Creator::Upn("megan@contoso.com".into())),
        };
        assert!(filter.matches(&job(None, None)));
        assert!(filter.matches(&job(Some("x"), Some("MEGAN@contoso.com"))));
        assert!(!filter.matches(&job(Some("x"), Some("adele@contoso.com"))));
    }
}
