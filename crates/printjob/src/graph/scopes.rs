//! Which delegated scopes serve each Graph operation printjob makes, from the reference pages'
//! permission tables. An operation is served by **any** token carrying one of the scopes (or
//! scope sets) it accepts, so an account signed in with `PrintJob.ReadWriteBasic.All` (a
//! Printer Administrator) is never asked for `PrintJob.ReadWriteBasic`.

use crate::ids::Scope;

/// An operation on Graph's print API, as far as permissions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /print/printers/{id}/jobs/{id}/cancel` (`printjob-cancel.md`).
    CancelJob,
    /// List or get a printer's jobs (`printer-list-jobs.md`, `printjob-get.md`).
    ReadJobs,
    /// List or get a share's jobs (`printershare-list-jobs.md`: a PrintJob scope plus "a
    /// permission that grants Get printerShare").
    ReadShareJobs,
    /// List or get printer shares (`printershare-get.md`, `print-list-shares.md`).
    ReadShares,
    /// List printers (`print-list-printers.md`).
    ReadPrinters,
}

/// `printjob-cancel.md`, delegated (work or school account).
pub const CANCEL_SCOPES: [&str; 4] = [
    "PrintJob.ReadWriteBasic",
    "PrintJob.ReadWrite",
    "PrintJob.ReadWriteBasic.All",
    "PrintJob.ReadWrite.All",
];

/// `printer-list-jobs.md` / `printjob-get.md`, delegated (work or school account).
pub const READ_JOB_SCOPES: [&str; 8] = [
    "PrintJob.ReadBasic",
    "PrintJob.Read",
    "PrintJob.ReadBasic.All",
    "PrintJob.Read.All",
    "PrintJob.ReadWriteBasic",
    "PrintJob.ReadWrite",
    "PrintJob.ReadWriteBasic.All",
    "PrintJob.ReadWrite.All",
];

/// `printershare-get.md`, delegated (work or school account).
pub const SHARE_SCOPES: [&str; 3] = [
    "PrinterShare.ReadBasic.All",
    "PrinterShare.Read.All",
    "PrinterShare.ReadWrite.All",
];

/// `print-list-printers.md`, delegated (work or school account).
pub const PRINTER_SCOPES: [&str; 3] = [
    "Printer.Read.All",
    "Printer.ReadWrite.All",
    "Printer.FullControl.All",
];

fn scopes(names: &[&str]) -> Vec<Vec<Scope>> {
    names
        .iter()
        .filter_map(|n| Scope::new(*n).ok())
        .map(|s| vec![s])
        .collect()
}

/// The scope sets that each serve `operation`: a token whose scopes cover any one set may be
/// used for it.
pub fn acceptable_scopes(operation: Operation) -> Vec<Vec<Scope>> {
    match operation {
        Operation::CancelJob => scopes(&CANCEL_SCOPES),
        Operation::ReadJobs => scopes(&READ_JOB_SCOPES),
        Operation::ReadShares => scopes(&SHARE_SCOPES),
        Operation::ReadPrinters => scopes(&PRINTER_SCOPES),
        Operation::ReadShareJobs => {
            let mut sets = Vec::new();
            for job in scopes(&READ_JOB_SCOPES) {
                for share in scopes(&SHARE_SCOPES) {
                    sets.push(job.iter().chain(&share).cloned().collect());
                }
            }
            sets
        }
    }
}

/// Whose jobs Graph shows a token, by its PrintJob scopes. The permission tables list each
/// PrintJob permission in a form ending in `.All` and one without; `printershare-list-jobs.md`:
/// "To read print jobs from another user, the signed in user needs to be a print administrator
/// and have the PrintJob.ReadBasic.All, PrintJob.Read.All, PrintJob.ReadWriteBasic.All, or
/// PrintJob.ReadWrite.All permission." So without a `.All` one, only the user's own jobs are
/// visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobVisibility {
    /// Only PrintJob scopes without `.All`: Graph shows the signed-in user's own jobs only.
    /// Holds the first such scope, whose `.All` form would show other users' jobs too.
    OwnJobsOnly(Scope),
    /// A `.All` PrintJob scope: other users' jobs are shown too, if the signed-in user is a
    /// Global Administrator or Printer Administrator (`printjob-get.md`).
    OtherUsersToAdministrators,
    /// The granted scopes are not known (an opaque token handed in without them).
    Unknown,
}

/// Reads [`JobVisibility`] from the granted scopes (case-insensitive).
pub fn job_visibility(granted: &[Scope]) -> JobVisibility {
    let job_scopes: Vec<&Scope> = granted
        .iter()
        .filter(|s| {
            READ_JOB_SCOPES
                .iter()
                .any(|known| known.eq_ignore_ascii_case(s.short()))
        })
        .collect();
    if job_scopes
        .iter()
        .any(|s| s.short().to_ascii_lowercase().ends_with(".all"))
    {
        return JobVisibility::OtherUsersToAdministrators;
    }
    match job_scopes.first() {
        Some(own) => JobVisibility::OwnJobsOnly((*own).clone()),
        None => JobVisibility::Unknown,
    }
}

/// The `.All` form of a PrintJob scope (`PrintJob.ReadWriteBasic` → `PrintJob.ReadWriteBasic.All`),
/// named without a resource prefix.
pub fn all_users_form(scope: &Scope) -> Option<Scope> {
    Scope::new(format!("{}.All", scope.short())).ok()
}

/// Whether `granted` covers one of the sets that serve `operation` (case-insensitive).
#[cfg(test)] // the tests' reading of the table; the client itself asks Graph
pub fn is_served_by(operation: Operation, granted: &[Scope]) -> bool {
    let has = |s: &Scope| {
        granted
            .iter()
            .any(|g| g.as_str().eq_ignore_ascii_case(s.as_str()))
    };
    acceptable_scopes(operation)
        .iter()
        .any(|set| set.iter().all(has))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str) -> Scope {
        Scope::new(name).unwrap()
    }

    #[test]
    fn an_administrators_all_scope_serves_cancel_and_reads() {
        let admin = [s("PrintJob.ReadWriteBasic.All")];
        assert!(is_served_by(Operation::CancelJob, &admin));
        assert!(is_served_by(Operation::ReadJobs, &admin));
        assert!(!is_served_by(Operation::ReadShareJobs, &admin));
    }

    #[test]
    fn a_read_scope_does_not_serve_cancel() {
        assert!(!is_served_by(Operation::CancelJob, &[s("PrintJob.Read")]));
    }

    #[test]
    fn a_scope_without_all_shows_only_your_own_jobs() {
        let granted = [s("openid"), s("PrintJob.ReadWriteBasic")];
        assert_eq!(
            job_visibility(&granted),
            JobVisibility::OwnJobsOnly(s("PrintJob.ReadWriteBasic"))
        );
        assert_eq!(
            all_users_form(&s("PrintJob.ReadWriteBasic")),
            Some(s("PrintJob.ReadWriteBasic.All"))
        );
    }

    #[test]
    fn any_all_job_scope_may_show_other_users_jobs() {
        let granted = [s("PrintJob.ReadWriteBasic"), s("printjob.read.all")];
        assert_eq!(
            job_visibility(&granted),
            JobVisibility::OtherUsersToAdministrators
        );
        assert_eq!(
            job_visibility(&[s("Printer.Read.All")]),
            JobVisibility::Unknown,
            "a .All scope that is not a PrintJob one says nothing about jobs"
        );
    }

    #[test]
    fn share_jobs_need_a_job_scope_and_a_share_scope() {
        let both = [s("PrintJob.ReadBasic"), s("PrinterShare.ReadBasic.All")];
        assert!(is_served_by(Operation::ReadShareJobs, &both));
        assert_eq!(acceptable_scopes(Operation::ReadShareJobs).len(), 24);
    }
}
