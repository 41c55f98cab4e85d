//! Printers, shares and jobs at run time, and the session revocations of Continuous Access
//! Evaluation.

use super::seed::{PrintSeed, SeedJob, SeedPrinter, SeedShare};
use printjob::model::{
    PrintJob, PrintJobConfiguration, PrintJobProcessingState, PrintJobStateDetail, PrintJobStatus,
    Printer, PrinterBase, PrinterLocation, PrinterShare, PrinterStatus, UserIdentity,
};
use std::collections::HashMap;
use time::OffsetDateTime;

/// A job as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    /// Job id.
    pub id: String,
    /// The printer it belongs to.
    pub printer_id: String,
    /// Owner's user principal name.
    pub owner: String,
    /// State.
    pub state: PrintJobProcessingState,
    /// Whether a printer has acquired it.
    pub is_acquired_by_printer: bool,
    /// Creation time.
    pub created_date_time: OffsetDateTime,
    /// Document name.
    pub document_name: String,
}

/// The owner's identity as `createdBy` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    /// Object id.
    pub id: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
}

/// Why a cancel was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelRefused {
    /// No such job on that printer.
    NotFound,
    /// The job already reached this terminal state.
    Finished(PrintJobProcessingState),
}

fn description(state: &PrintJobProcessingState) -> &'static str {
    use PrintJobProcessingState as S;
    match state {
        S::Pending => "The print job is waiting for a printer to pick it up.",
        S::Processing => "The print job is being processed by the printer.",
        S::Paused => "The print job has been paused.",
        S::Stopped => "The print job has been stopped and is waiting to be resumed or canceled.",
        S::Completed => {
            "The print job has completed successfully and no further processing will take place."
        }
        S::Canceled => "The print job has been canceled and no further processing will take place.",
        S::Aborted => {
            "The print job was aborted by the system and no further processing will take place."
        }
        _ => "The state of the print job is unknown.",
    }
}

fn details(state: &PrintJobProcessingState) -> Vec<PrintJobStateDetail> {
    match state {
        PrintJobProcessingState::Completed => vec![PrintJobStateDetail::CompletedSuccessfully],
        PrintJobProcessingState::Processing => vec![PrintJobStateDetail::Interpreting],
        _ => Vec::new(),
    }
}

impl JobRecord {
    fn from_seed(job: &SeedJob) -> Self {
        use PrintJobProcessingState as S;
        let acquired = matches!(
            job.state,
            S::Processing | S::Paused | S::Stopped | S::Completed
        );
        Self {
            id: job.id.clone(),
            printer_id: job.printer_id.clone(),
            owner: job.owner.clone(),
            state: job.state.clone(),
            is_acquired_by_printer: acquired,
            created_date_time: job.created_date_time,
            document_name: job.document_name.clone(),
        }
    }

    /// The numeric value of the id (Graph job ids are numeric strings), for ordering.
    pub fn numeric_id(&self) -> u64 {
        self.id.parse().unwrap_or(u64::MAX)
    }

    /// The Graph `printJob` representation.
    pub fn to_model(&self, owner: &Owner) -> PrintJob {
        PrintJob {
            id: self.id.clone(),
            acknowledged_date_time: None,
            configuration: PrintJobConfiguration::default(),
            created_by: Some(UserIdentity {
                id: owner.id.clone(),
                display_name: owner.display_name.clone(),
                ip_address: None,
                user_principal_name: Some(self.owner.clone()),
            }),
            created_date_time: self.created_date_time,
            error_code: None,
            is_fetchable: matches!(self.state, PrintJobProcessingState::Pending),
            redirected_from: None,
            redirected_to: None,
            status: PrintJobStatus {
                description: description(&self.state).into(),
                details: details(&self.state),
                is_acquired_by_printer: self.is_acquired_by_printer,
                state: self.state.clone(),
            },
            documents: None,
        }
    }
}

fn base_of(printer: &SeedPrinter, id: &str, display_name: &str) -> PrinterBase {
    PrinterBase {
        id: id.into(),
        capabilities: None,
        defaults: None,
        display_name: display_name.into(),
        is_accepting_jobs: Some(printer.is_accepting_jobs),
        location: printer.location.as_ref().map(|l| PrinterLocation {
            building: l.building.clone(),
            floor: l.floor.clone(),
            room_name: l.room_name.clone(),
            city: l.city.clone(),
            ..Default::default()
        }),
        manufacturer: printer.manufacturer.clone(),
        model: printer.model.clone(),
        status: Some(PrinterStatus {
            description: None,
            details: Vec::new(),
            state: printer.state.clone(),
        }),
    }
}

/// The Graph `printer` representation of a seeded printer.
pub fn printer_model(printer: &SeedPrinter, shared: bool) -> Printer {
    Printer {
        base: base_of(printer, &printer.id, &printer.display_name),
        has_physical_device: true,
        is_shared: shared,
        last_seen_date_time: None,
        registered_date_time: printer.registered_date_time,
    }
}

/// The Graph `printerShare` representation of a seeded share of `printer`.
pub fn share_model(share: &SeedShare, printer: &SeedPrinter) -> PrinterShare {
    PrinterShare {
        base: base_of(printer, &share.id, &share.display_name),
        allow_all_users: Some(share.allow_all_users),
        created_date_time: Some(share.created_date_time),
        view_point: None,
        printer: None,
    }
}

/// The print service's data.
#[derive(Debug, Default)]
pub struct PrintStore {
    printers: Vec<SeedPrinter>,
    shares: Vec<SeedShare>,
    jobs: Vec<JobRecord>,
    index: HashMap<(String, String), usize>,
    revocations: HashMap<String, i64>,
}

impl PrintStore {
    /// The store a seed describes.
    pub fn from_seed(seed: &PrintSeed) -> Self {
        let jobs: Vec<JobRecord> = seed.jobs.iter().map(JobRecord::from_seed).collect();
        let index = jobs
            .iter()
            .enumerate()
            .map(|(i, j)| ((j.printer_id.clone(), j.id.clone()), i))
            .collect();
        Self {
            printers: seed.printers.clone(),
            shares: seed.shares.clone(),
            jobs,
            index,
            revocations: HashMap::new(),
        }
    }

    /// A printer by id.
    pub fn printer(&self, id: &str) -> Option<&SeedPrinter> {
        self.printers.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    /// The printers of a tenant.
    pub fn printers_in(&self, tenant: &str) -> Vec<&SeedPrinter> {
        self.printers
            .iter()
            .filter(|p| p.tenant_id.eq_ignore_ascii_case(tenant))
            .collect()
    }

    /// Whether some share points at `printer_id`.
    pub fn is_shared(&self, printer_id: &str) -> bool {
        self.shares.iter().any(|s| s.printer_id == printer_id)
    }

    /// A share by id.
    pub fn share(&self, id: &str) -> Option<&SeedShare> {
        self.shares.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// All shares, with their printers.
    pub fn shares(&self) -> Vec<(&SeedShare, &SeedPrinter)> {
        self.shares
            .iter()
            .filter_map(|s| self.printer(&s.printer_id).map(|p| (s, p)))
            .collect()
    }

    /// The jobs of a printer.
    pub fn jobs_of(&self, printer_id: &str) -> Vec<&JobRecord> {
        self.jobs
            .iter()
            .filter(|j| j.printer_id == printer_id)
            .collect()
    }

    /// One job.
    pub fn job(&self, printer_id: &str, job_id: &str) -> Option<&JobRecord> {
        self.index
            .get(&(printer_id.to_string(), job_id.to_string()))
            .and_then(|&i| self.jobs.get(i))
    }

    /// The state of a job (for tests).
    pub fn job_state(&self, printer_id: &str, job_id: &str) -> Option<PrintJobProcessingState> {
        self.job(printer_id, job_id).map(|j| j.state.clone())
    }

    /// Cancels a job: `pending`, `processing`, `paused` and `stopped` become `canceled`.
    pub fn cancel(&mut self, printer_id: &str, job_id: &str) -> Result<(), CancelRefused> {
        let i = *self
            .index
            .get(&(printer_id.to_string(), job_id.to_string()))
            .ok_or(CancelRefused::NotFound)?;
        let job = self.jobs.get_mut(i).ok_or(CancelRefused::NotFound)?;
        if !job.state.is_cancelable() {
            return Err(CancelRefused::Finished(job.state.clone()));
        }
        job.state = PrintJobProcessingState::Canceled;
        Ok(())
    }

    /// Records that every session of the user `oid` was revoked at `at` (Unix seconds).
    pub fn revoke_sessions(&mut self, oid: &str, at: i64) {
        self.revocations.insert(oid.to_string(), at);
    }

    /// When the sessions of `oid` were last revoked.
    pub fn revoked_at(&self, oid: &str) -> Option<i64> {
        self.revocations.get(oid).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::super::seed::{LOBBY_PRINTER, LOBBY_SHARE};
    use super::*;

    #[test]
    fn cancel_moves_pending_job_to_canceled() {
        let mut store = PrintStore::from_seed(&PrintSeed::default_for("t"));
        assert_eq!(store.cancel(LOBBY_PRINTER, "101"), Ok(()));
        assert_eq!(
            store.job_state(LOBBY_PRINTER, "101"),
            Some(PrintJobProcessingState::Canceled)
        );
    }

    #[test]
    fn cancel_of_completed_job_is_refused_with_its_state() {
        let mut store = PrintStore::from_seed(&PrintSeed::default_for("t"));
        assert_eq!(
            store.cancel(LOBBY_PRINTER, "105"),
            Err(CancelRefused::Finished(PrintJobProcessingState::Completed))
        );
    }

    #[test]
    fn with_jobs_appends_numeric_ids_after_the_highest() {
        let seed = PrintSeed::default_for("t").with_jobs(
            LOBBY_PRINTER,
            "x@y",
            3,
            PrintJobProcessingState::Pending,
        );
        let ids: Vec<&str> = seed.jobs[seed.jobs.len() - 3..]
            .iter()
            .map(|j| j.id.as_str())
            .collect();
        assert_eq!(ids, ["204", "205", "206"]);
    }

    #[test]
    fn seeded_models_serialize_every_non_nullable_property() {
        let store = PrintStore::from_seed(&PrintSeed::default_for("t"));
        let job = serde_json::to_value(
            store
                .job(LOBBY_PRINTER, "103")
                .unwrap()
                .to_model(&Owner::default()),
        )
        .unwrap();
        for name in [
            "id",
            "configuration",
            "createdDateTime",
            "isFetchable",
            "status",
        ] {
            assert!(job.get(name).is_some(), "job lacks {name}");
        }
        let printer =
            serde_json::to_value(printer_model(store.printer(LOBBY_PRINTER).unwrap(), true))
                .unwrap();
        for name in [
            "id",
            "displayName",
            "status",
            "hasPhysicalDevice",
            "isShared",
            "registeredDateTime",
        ] {
            assert!(printer.get(name).is_some(), "printer lacks {name}");
        }
        let (share, p) = store
            .shares()
            .into_iter()
            .find(|(s, _)| s.id == LOBBY_SHARE)
            .unwrap();
        let share = serde_json::to_value(share_model(share, p)).unwrap();
        for name in [
            "id",
            "displayName",
            "status",
            "allowAllUsers",
            "createdDateTime",
        ] {
            assert!(share.get(name).is_some(), "share lacks {name}");
        }
    }
}
