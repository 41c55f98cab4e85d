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
    fn share_jobs_need_a_job_scope_and_a_share_scope() {
        let both = [s("PrintJob.ReadBasic"), s("PrinterShare.ReadBasic.All")];
        assert!(is_served_by(Operation::ReadShareJobs, &both));
        assert_eq!(acceptable_scopes(Operation::ReadShareJobs).len(), 24);
    }
}
