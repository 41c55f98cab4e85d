//! The permissions room: which delegated scopes serve each Graph operation printjob makes, from
//! the reference pages' permission tables, and the one operation printjob signs in for
//! ([`PURPOSE`]). Sign-in (`auth/`) and the Graph client (`graph/`) both read this table; neither
//! holds a scope list of its own. An operation is served by **any** token carrying one of the scopes (or
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

/// `printjob-cancel.md`, delegated (work or school account): the scopes `printJob: cancel`
/// accepts, least to most privileged.
pub const CANCEL_SCOPES: [&str; 4] = [
    Scope::PRINT_JOB_READ_WRITE_BASIC,
    Scope::PRINT_JOB_READ_WRITE,
    Scope::PRINT_JOB_READ_WRITE_BASIC_ALL,
    Scope::PRINT_JOB_READ_WRITE_ALL,
];

/// The operation printjob signs in for. A sign-in asked for one of its scopes is refused when
/// the provider grants none of them, and a request for the default scope is served by any
/// cached token that carries one of them.
pub const PURPOSE: Operation = Operation::CancelJob;

impl Operation {
    /// The operation's name as the Graph reference titles it (`printJob: cancel`).
    pub fn name(self) -> &'static str {
        match self {
            Operation::CancelJob => "printJob: cancel",
            Operation::ReadJobs => "List printJobs",
            Operation::ReadShareJobs => "List printJobs (of a printerShare)",
            Operation::ReadShares => "Get printerShare",
            Operation::ReadPrinters => "List printers",
        }
    }

    /// The single scopes that serve the operation, least to most privileged (empty for an
    /// operation served only by a set of two scopes).
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Operation::CancelJob => &CANCEL_SCOPES,
            Operation::ReadJobs => &READ_JOB_SCOPES,
            Operation::ReadShares => &SHARE_SCOPES,
            Operation::ReadPrinters => &PRINTER_SCOPES,
            Operation::ReadShareJobs => &[],
        }
    }

    /// The least privileged scope that serves the operation alone, the one asked for by default.
    pub fn least_privileged(self) -> Option<Scope> {
        self.scopes().first().and_then(|s| Scope::new(*s).ok())
    }

    /// Whether `scope` (case-insensitively, Graph resource prefix ignored) serves the operation
    /// by itself.
    pub fn is_served_by_scope(self, scope: &Scope) -> bool {
        self.scopes()
            .iter()
            .any(|s| s.eq_ignore_ascii_case(scope.short()))
    }

    /// Refuses a known scope set that serves the operation with none of its scopes. An empty
    /// set means "unknown" (an opaque token) and is let through: Graph decides.
    pub fn require(self, granted: &[Scope]) -> Result<(), NotServed> {
        if granted.is_empty() || granted.iter().any(|s| self.is_served_by_scope(s)) {
            return Ok(());
        }
        Err(NotServed {
            needed: self.scopes().join(", "),
            granted: granted
                .iter()
                .map(Scope::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        })
    }
}

/// A granted scope set that serves an operation with none of its scopes (see
/// [`Operation::require`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotServed {
    /// The scopes that would do, comma separated.
    pub needed: String,
    /// The scopes granted, space separated.
    pub granted: String,
}

impl Scope {
    /// The delegated scopes `printJob: cancel` accepts, least to most privileged (the list is
    /// `CANCEL_SCOPES` of the permissions room; kept on `Scope` for the public API).
    pub const CANCEL_SCOPES: [&'static str; 4] = CANCEL_SCOPES;

    /// Whether this scope (case-insensitively, prefix ignored) is one of the four scopes
    /// that allow `printJob: cancel`.
    pub fn allows_cancel(&self) -> bool {
        Operation::CancelJob.is_served_by_scope(self)
    }
}

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
    fn the_cancel_scopes_are_asked_for_least_privileged_first() {
        assert_eq!(
            PURPOSE.least_privileged(),
            Some(s(Scope::PRINT_JOB_READ_WRITE_BASIC))
        );
        assert!(s("https://graph.microsoft.com/printjob.readwrite.all").allows_cancel());
        assert!(!s("PrintJob.Read").allows_cancel());
    }

    #[test]
    fn a_scope_set_without_a_cancel_scope_is_refused_naming_both_lists() {
        let refused = PURPOSE
            .require(&Scope::parse_list("User.Read openid"))
            .unwrap_err();
        assert_eq!(
            refused.needed,
            "PrintJob.ReadWriteBasic, PrintJob.ReadWrite, PrintJob.ReadWriteBasic.All, PrintJob.ReadWrite.All"
        );
        assert_eq!(refused.granted, "User.Read openid");
        assert!(
            PURPOSE.require(&[]).is_ok(),
            "unknown scopes: Graph decides"
        );
        assert!(PURPOSE.require(&[s("printjob.readwrite")]).is_ok());
    }

    #[test]
    fn share_jobs_need_a_job_scope_and_a_share_scope() {
        let both = [s("PrintJob.ReadBasic"), s("PrinterShare.ReadBasic.All")];
        assert!(is_served_by(Operation::ReadShareJobs, &both));
        assert_eq!(acceptable_scopes(Operation::ReadShareJobs).len(), 24);
    }
}
