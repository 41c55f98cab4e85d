//! Where print jobs live: a printer (`/print/printers/{id}`) or a printer share
//! (`/print/shares/{id}`). Graph documents listing and reading jobs under both, but cancel
//! only under the printer (`printjob-cancel.md`: `POST /print/printers/{printerId}/jobs/{printJobId}/cancel`),
//! so a share's jobs are cancelled through its printer ([`printer_cancel_path`]).

use crate::ids::{InvalidId, PrintJobId, PrinterId, PrinterShareId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A printer or a printer share: the parent of the jobs an operation works on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "camelCase")]
pub enum PrintTarget {
    /// A printer (`/print/printers/{printerId}`).
    Printer(PrinterId),
    /// A printer share (`/print/shares/{printerShareId}`), what most users print to.
    Share(PrinterShareId),
}

impl PrintTarget {
    /// A printer, or a share when `share` is true, from an id as typed by a user.
    pub fn parse(id: &str, share: bool) -> Result<Self, InvalidId> {
        Ok(if share {
            PrintTarget::Share(PrinterShareId::new(id)?)
        } else {
            PrintTarget::Printer(PrinterId::new(id)?)
        })
    }

    /// The id as given.
    pub fn id(&self) -> &str {
        match self {
            PrintTarget::Printer(id) => id.as_str(),
            PrintTarget::Share(id) => id.as_str(),
        }
    }

    /// `printer` or `share`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            PrintTarget::Printer(_) => "printer",
            PrintTarget::Share(_) => "share",
        }
    }

    /// The path below the Graph version root, ids percent-encoded:
    /// `/print/printers/{id}` or `/print/shares/{id}`.
    pub fn path(&self) -> String {
        match self {
            PrintTarget::Printer(id) => format!("/print/printers/{}", id.path_segment()),
            PrintTarget::Share(id) => format!("/print/shares/{}", id.path_segment()),
        }
    }

    /// `{target}/jobs`.
    pub fn jobs_path(&self) -> String {
        format!("{}/jobs", self.path())
    }

    /// `{target}/jobs/{jobId}`.
    pub fn job_path(&self, job: &PrintJobId) -> String {
        format!("{}/jobs/{}", self.path(), job.path_segment())
    }

    /// The printer, when this target is one.
    pub fn printer(&self) -> Option<&PrinterId> {
        match self {
            PrintTarget::Printer(id) => Some(id),
            PrintTarget::Share(_) => None,
        }
    }
}

/// `/print/printers/{printerId}/jobs/{printJobId}/cancel`: the only documented cancel path.
pub fn printer_cancel_path(printer: &PrinterId, job: &PrintJobId) -> String {
    format!(
        "/print/printers/{}/jobs/{}/cancel",
        printer.path_segment(),
        job.path_segment()
    )
}

impl From<PrinterId> for PrintTarget {
    fn from(id: PrinterId) -> Self {
        PrintTarget::Printer(id)
    }
}

impl From<PrinterShareId> for PrintTarget {
    fn from(id: PrinterShareId) -> Self {
        PrintTarget::Share(id)
    }
}

impl fmt::Display for PrintTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind_name(), self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_and_share_paths_differ_only_in_the_collection() {
        let job = PrintJobId::new("42").unwrap();
        let printer = PrinterId::new("p:1").unwrap();
        let share = PrintTarget::parse("s1", true).unwrap();
        assert_eq!(
            printer_cancel_path(&printer, &job),
            "/print/printers/p%3A1/jobs/42/cancel"
        );
        assert_eq!(share.job_path(&job), "/print/shares/s1/jobs/42");
        assert_eq!(share.printer(), None);
        assert_eq!(share.to_string(), "share s1");
    }

    #[test]
    fn malformed_target_ids_are_refused() {
        assert!(PrintTarget::parse("a/b", false).is_err());
        assert!(PrintTarget::parse("..", true).is_err());
    }
}
