//! Which jobs a listing returns: by state and by creator, as an OData `$filter`
//! (`status/state eq 'pending' or …` and `createdBy/userPrincipalName eq '{upn}'`).
//!
//! The same filter is applied again to the returned jobs, so a service that ignores part of
//! the `$filter` still never hands printjob a job the user did not ask for.

use super::model::{PrintJob, PrintJobProcessingState};

/// A filter on a printer's (or share's) jobs. The default matches every job.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only jobs in one of these states (any state when empty).
    pub states: Vec<PrintJobProcessingState>,
    /// Only jobs created by this user principal name (`--mine`).
    pub created_by: Option<String>,
}

impl JobFilter {
    /// The states a cancel acts on by default: `pending`, `processing`, `paused`.
    pub fn default_cancel_states() -> Vec<PrintJobProcessingState> {
        vec![
            PrintJobProcessingState::Pending,
            PrintJobProcessingState::Processing,
            PrintJobProcessingState::Paused,
        ]
    }

    /// The OData `$filter` expression, or `None` when the filter matches everything.
    pub fn to_odata(&self) -> Option<String> {
        let mut clauses = Vec::new();
        if !self.states.is_empty() {
            let states: Vec<String> = self
                .states
                .iter()
                .map(|s| format!("status/state eq {}", quote(s.as_str())))
                .collect();
            clauses.push(if states.len() == 1 {
                states.join("")
            } else {
                format!("({})", states.join(" or "))
            });
        }
        if let Some(upn) = &self.created_by {
            clauses.push(format!("createdBy/userPrincipalName eq {}", quote(upn)));
        }
        (!clauses.is_empty()).then(|| clauses.join(" and "))
    }

    /// Whether `job` passes the filter (user principal names compare case-insensitively).
    pub fn matches(&self, job: &PrintJob) -> bool {
        let state_ok = self.states.is_empty() || self.states.contains(&job.status.state);
        let creator_ok = match &self.created_by {
            None => true,
            Some(upn) => job
                .created_by
                .as_ref()
                .and_then(|c| c.user_principal_name.as_deref())
                .is_some_and(|owner| owner.eq_ignore_ascii_case(upn)),
        };
        state_ok && creator_ok
    }
}

/// An OData string literal: single quotes, with `'` doubled.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_filter_sends_no_filter() {
        assert_eq!(JobFilter::default().to_odata(), None);
    }

    #[test]
    fn states_are_or_ed_and_the_creator_is_and_ed() {
        let filter = JobFilter {
            states: JobFilter::default_cancel_states(),
            created_by: Some("o'neil@contoso.com".into()),
        };
        assert_eq!(
            filter.to_odata().unwrap(),
            "(status/state eq 'pending' or status/state eq 'processing' or status/state eq 'paused') \
             and createdBy/userPrincipalName eq 'o''neil@contoso.com'"
        );
    }

    #[test]
    fn mine_alone_is_the_documented_creator_filter() {
        let filter = JobFilter {
            states: vec![],
            created_by: Some("adele@contoso.com".into()),
        };
        assert_eq!(
            filter.to_odata().unwrap(),
            "createdBy/userPrincipalName eq 'adele@contoso.com'"
        );
    }
}
