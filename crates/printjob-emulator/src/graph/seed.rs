//! Printers, shares and jobs in the seed (the `"print"` object of the seed JSON).

use crate::directory::{ADELE, ADMIN, MEGAN};
use printjob::model::{PrintJobProcessingState, PrinterProcessingState};
use serde::{Deserialize, Serialize};
use time::macros::datetime;
use time::OffsetDateTime;

/// The first default printer (Contoso lobby; shared as [`LOBBY_SHARE`] to everyone).
pub const LOBBY_PRINTER: &str = "6f1c2b3a-4d5e-4f60-8a71-0c1d2e3f4a51";
/// The second default printer (finance; shared as [`FINANCE_SHARE`] to Adele and the admin).
pub const FINANCE_PRINTER: &str = "7a2d3c4b-5e6f-4a71-9b82-1d2e3f4a5b62";
/// The share of [`LOBBY_PRINTER`] (all users allowed).
pub const LOBBY_SHARE: &str = "8b3e4d5c-6f7a-4b82-ac93-2e3f4a5b6c73";
/// The share of [`FINANCE_PRINTER`] (Adele and the admin only).
pub const FINANCE_SHARE: &str = "9c4f5e6d-7a8b-4c93-bda4-3f4a5b6c7d84";

fn epoch() -> OffsetDateTime {
    datetime!(2024-01-15 08:00 UTC)
}

fn idle() -> PrinterProcessingState {
    PrinterProcessingState::Idle
}

fn yes() -> bool {
    true
}

/// A printer's location (a subset of `printerLocation`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedLocation {
    /// Building.
    #[serde(default)]
    pub building: Option<String>,
    /// Floor.
    #[serde(default)]
    pub floor: Option<String>,
    /// Room.
    #[serde(default)]
    pub room_name: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
}

/// A registered printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedPrinter {
    /// Printer id (a GUID).
    pub id: String,
    /// The tenant GUID it is registered in.
    pub tenant_id: String,
    /// Display name.
    pub display_name: String,
    /// Manufacturer.
    #[serde(default)]
    pub manufacturer: Option<String>,
    /// Model.
    #[serde(default)]
    pub model: Option<String>,
    /// Location.
    #[serde(default)]
    pub location: Option<SeedLocation>,
    /// Printer state (default `idle`).
    #[serde(default = "idle")]
    pub state: PrinterProcessingState,
    /// Whether it accepts jobs (default true).
    #[serde(default = "yes")]
    pub is_accepting_jobs: bool,
    /// Registration time.
    #[serde(default = "epoch", with = "time::serde::rfc3339")]
    pub registered_date_time: OffsetDateTime,
    /// The service shows this printer's jobs with `"createdBy": {}` (no `id`, no
    /// `userPrincipalName`), as the examples of `printjob-get.md` and
    /// `printershare-list-jobs.md` do; the `createdBy/userPrincipalName` filter still selects
    /// by owner. Default false (the `printer-list-jobs.md` example's full `createdBy`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_created_by: bool,
    /// The service refuses to list this printer's jobs (`403 accessDenied`), for tests of a
    /// tenant-wide run in which one printer's jobs cannot be read. Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refuse_job_listing: bool,
}

/// A printer share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedShare {
    /// Share id (a GUID).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// The printer it shares.
    pub printer_id: String,
    /// Whether every user of the tenant may use it.
    #[serde(default)]
    pub allow_all_users: bool,
    /// User principal names allowed to use it (when not `allowAllUsers`).
    #[serde(default)]
    pub allowed_users: Vec<String>,
    /// Creation time.
    #[serde(default = "epoch", with = "time::serde::rfc3339")]
    pub created_date_time: OffsetDateTime,
}

/// A print job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedJob {
    /// Job id (Graph uses numeric strings such as `"31"`).
    pub id: String,
    /// The printer it was sent to.
    pub printer_id: String,
    /// The owner's user principal name.
    pub owner: String,
    /// The job's state.
    pub state: PrintJobProcessingState,
    /// Creation time.
    #[serde(default = "epoch", with = "time::serde::rfc3339")]
    pub created_date_time: OffsetDateTime,
    /// The document's name.
    #[serde(default)]
    pub document_name: String,
}

/// The print part of the seed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintSeed {
    /// Printers.
    #[serde(default)]
    pub printers: Vec<SeedPrinter>,
    /// Printer shares.
    #[serde(default)]
    pub shares: Vec<SeedShare>,
    /// Jobs.
    #[serde(default)]
    pub jobs: Vec<SeedJob>,
}

fn printer(id: &str, tenant: &str, name: &str, model: &str, floor: &str) -> SeedPrinter {
    SeedPrinter {
        id: id.into(),
        tenant_id: tenant.into(),
        display_name: name.into(),
        manufacturer: Some("Contoso Imaging".into()),
        model: Some(model.into()),
        location: Some(SeedLocation {
            building: Some("Building 1".into()),
            floor: Some(floor.into()),
            room_name: None,
            city: Some("Redmond".into()),
        }),
        state: PrinterProcessingState::Idle,
        is_accepting_jobs: true,
        registered_date_time: epoch(),
        empty_created_by: false,
        refuse_job_listing: false,
    }
}

impl PrintSeed {
    /// The default printers and jobs for `tenant`: two printers with a share each. On the
    /// lobby printer Adele has jobs 101, 102 (pending), 103 (processing), 104 (paused),
    /// 105 (completed), 106 (canceled) and Megan job 107 (pending); on the finance printer
    /// Adele has 201 (pending) and 202 (aborted), Megan 203 (stopped).
    pub fn default_for(tenant: &str) -> Self {
        use PrintJobProcessingState as S;
        let mut seed = Self {
            printers: vec![
                printer(LOBBY_PRINTER, tenant, "Lobby MFP", "LX-9000", "1"),
                printer(FINANCE_PRINTER, tenant, "Finance Color", "CX-420", "3"),
            ],
            shares: vec![
                SeedShare {
                    id: LOBBY_SHARE.into(),
                    display_name: "Lobby".into(),
                    printer_id: LOBBY_PRINTER.into(),
                    allow_all_users: true,
                    allowed_users: vec![],
                    created_date_time: epoch(),
                },
                SeedShare {
                    id: FINANCE_SHARE.into(),
                    display_name: "Finance".into(),
                    printer_id: FINANCE_PRINTER.into(),
                    allow_all_users: false,
                    allowed_users: vec![ADELE.into(), ADMIN.into()],
                    created_date_time: epoch(),
                },
            ],
            jobs: Vec::new(),
        };
        let jobs = [
            (
                "101",
                LOBBY_PRINTER,
                ADELE,
                S::Pending,
                "Quarterly report.docx",
            ),
            ("102", LOBBY_PRINTER, ADELE, S::Pending, "Boarding pass.pdf"),
            ("103", LOBBY_PRINTER, ADELE, S::Processing, "Slides.pptx"),
            ("104", LOBBY_PRINTER, ADELE, S::Paused, "Poster.pdf"),
            ("105", LOBBY_PRINTER, ADELE, S::Completed, "Memo.docx"),
            ("106", LOBBY_PRINTER, ADELE, S::Canceled, "Draft.docx"),
            ("107", LOBBY_PRINTER, MEGAN, S::Pending, "Budget.xlsx"),
            ("201", FINANCE_PRINTER, ADELE, S::Pending, "Invoice 17.pdf"),
            ("202", FINANCE_PRINTER, ADELE, S::Aborted, "Invoice 16.pdf"),
            ("203", FINANCE_PRINTER, MEGAN, S::Stopped, "Ledger.xlsx"),
        ];
        for (i, (id, printer_id, owner, state, doc)) in jobs.into_iter().enumerate() {
            seed.jobs.push(SeedJob {
                id: id.into(),
                printer_id: printer_id.into(),
                owner: owner.into(),
                state,
                created_date_time: epoch() + time::Duration::minutes(i as i64),
                document_name: doc.into(),
            });
        }
        seed
    }

    /// Adds `count` printers of `tenant` with the ids [`numbered_printer_id`]`(1..=count)`,
    /// named "Printer N" (for tenant-scale benches: 10,000 jobs across 50 printers).
    pub fn with_printers(mut self, tenant: &str, count: usize) -> Self {
        for n in 1..=count {
            let name = format!("Printer {n}");
            let id = numbered_printer_id(n);
            self.printers
                .push(printer(&id, tenant, &name, "LX-9000", "1"));
        }
        self
    }

    /// Adds `count` jobs owned by `owner_upn` on `printer_id`, all in `state`, with numeric
    /// ids following the highest numeric id already seeded (for bulk tests: 1,000 jobs).
    pub fn with_jobs(
        mut self,
        printer_id: &str,
        owner_upn: &str,
        count: usize,
        state: PrintJobProcessingState,
    ) -> Self {
        let first = self
            .jobs
            .iter()
            .filter_map(|j| j.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        for n in 0..count as u64 {
            self.jobs.push(SeedJob {
                id: (first + n).to_string(),
                printer_id: printer_id.into(),
                owner: owner_upn.into(),
                state: state.clone(),
                created_date_time: epoch() + time::Duration::seconds(3600 + n as i64),
                document_name: format!("Bulk document {}.pdf", first + n),
            });
        }
        self
    }
}

/// The id [`PrintSeed::with_printers`] gives its `n`th printer: a GUID whose last group is `n`.
pub fn numbered_printer_id(n: usize) -> String {
    format!("0e5a1b2c-3d4e-4f50-8a61-{n:012}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_printers_adds_numbered_printers_of_the_tenant_whose_ids_are_guids() {
        let seed = PrintSeed::default().with_printers("tenant-1", 50);
        assert_eq!(seed.printers.len(), 50);
        assert_eq!(seed.printers[49].id, numbered_printer_id(50));
        assert_eq!(seed.printers[49].display_name, "Printer 50");
        assert!(seed.printers.iter().all(|p| p.tenant_id == "tenant-1"));
        assert!(seed.printers.iter().all(|p| printjob::is_guid(&p.id)));
        let distinct: std::collections::BTreeSet<_> = seed.printers.iter().map(|p| &p.id).collect();
        assert_eq!(distinct.len(), 50);
    }
}
