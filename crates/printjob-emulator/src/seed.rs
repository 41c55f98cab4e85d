//! The seed: what the emulator's directory and print service hold when it starts.
//!
//! `printjob emulator --seed FILE` loads the same JSON shape (documented in docs/emulator.md).

use super::directory::{Client, Directory, Tenant, User, PRINTER_ADMINISTRATOR};
use super::graph::seed::PrintSeed;
use printjob::CONSUMER_TENANT_GUID;
use serde::{Deserialize, Serialize};

/// The Contoso work tenant: has Universal Print.
pub const CONTOSO_TENANT: &str = "5f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40";
/// The Fabrikam work tenant: no Universal Print subscription.
pub const FABRIKAM_TENANT: &str = "0b8e7d6c-5a4f-4e3d-9c2b-1a0f9e8d7c6b";
/// The public client registered for printjob (redirect URIs `http://localhost`, `http://127.0.0.1`).
pub const PUBLIC_CLIENT_ID: &str = "7d3f2c1b-8a9e-4b6d-a5c4-3e2f1d0c9b8a";
/// A confidential client with application permissions (for app-only refusal tests).
pub const DAEMON_CLIENT_ID: &str = "c4b3a291-0f8e-4d7c-b6a5-948372615a0f";
/// The daemon client's secret.
pub const DAEMON_CLIENT_SECRET: &str = "emulator-daemon-secret";
/// The password of every seeded user.
pub const DEFAULT_PASSWORD: &str = "Passw0rd!";
pub use super::directory::{ADELE, ADMIN, MEGAN};
/// A personal Microsoft account (sign-in refused).
pub const PERSONAL: &str = "alex@outlook.com";
/// A work user whose tenant has no Universal Print subscription.
pub const NESTOR: &str = "nestor@fabrikam.onmicrosoft.com";

/// Everything the emulator starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seed {
    /// Tenants, users and applications.
    #[serde(flatten)]
    pub directory: Directory,
    /// Printers, shares and jobs.
    #[serde(default)]
    pub print: PrintSeed,
}

impl Seed {
    /// Parses a seed file's JSON and checks it (see [`Seed::validate`]).
    pub fn from_json(text: &str) -> Result<Self, String> {
        let seed: Self =
            serde_json::from_str(text).map_err(|e| format!("the seed file is not valid: {e}"))?;
        seed.validate()
            .map_err(|e| format!("the seed file is not valid: {e}"))?;
        Ok(seed)
    }

    /// Checks what the JSON shape alone cannot: tenant ids are lowercase GUIDs, every
    /// `tenantId` and `printerId` names an entry of the seed, and job and printer states are
    /// members of Graph's enums (a typo would otherwise become an unknown state).
    pub fn validate(&self) -> Result<(), String> {
        let directory = &self.directory;
        for tenant in &directory.tenants {
            if !printjob::is_guid(&tenant.id) || tenant.id != tenant.id.to_ascii_lowercase() {
                return Err(format!(
                    "tenant id {:?} must be a GUID in lowercase",
                    tenant.id
                ));
            }
        }
        let has_tenant = |id: &str| directory.tenants.iter().any(|t| t.id == id);
        for (what, name, tenant) in directory
            .users
            .iter()
            .map(|u| ("user", &u.user_principal_name, &u.tenant_id))
            .chain(
                directory
                    .clients
                    .iter()
                    .map(|c| ("client", &c.client_id, &c.tenant_id)),
            )
            .chain(
                self.print
                    .printers
                    .iter()
                    .map(|p| ("printer", &p.id, &p.tenant_id)),
            )
        {
            if !has_tenant(tenant) {
                return Err(format!(
                    "{what} {name:?} names tenantId {tenant:?}, which is not in \"tenants\""
                ));
            }
        }
        self.validate_print()
    }

    fn validate_print(&self) -> Result<(), String> {
        use printjob::model::{PrintJobProcessingState, PrinterProcessingState};
        let print = &self.print;
        let has_printer = |id: &str| print.printers.iter().any(|p| p.id == id);
        for printer in &print.printers {
            if let PrinterProcessingState::Unrecognized(s) = &printer.state {
                return Err(format!(
                    "printer {:?} has state {s:?}; use one of {}",
                    printer.id,
                    PrinterProcessingState::MEMBERS.join(", ")
                ));
            }
        }
        for share in &print.shares {
            if !has_printer(&share.printer_id) {
                return Err(format!(
                    "share {:?} names printerId {:?}, which is not in \"printers\"",
                    share.id, share.printer_id
                ));
            }
        }
        for job in &print.jobs {
            if !has_printer(&job.printer_id) {
                return Err(format!(
                    "job {:?} names printerId {:?}, which is not in \"printers\"",
                    job.id, job.printer_id
                ));
            }
            if let PrintJobProcessingState::Unrecognized(s) = &job.state {
                return Err(format!(
                    "job {:?} has state {s:?}; use one of {}",
                    job.id,
                    PrintJobProcessingState::MEMBERS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

fn user(oid: &str, tenant: &str, upn: &str, name: &str, roles: &[&str]) -> User {
    User {
        id: oid.into(),
        tenant_id: tenant.into(),
        user_principal_name: upn.into(),
        display_name: name.into(),
        password: DEFAULT_PASSWORD.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

impl Default for Seed {
    fn default() -> Self {
        let directory = Directory {
            tenants: vec![
                Tenant {
                    id: CONTOSO_TENANT.into(),
                    display_name: "Contoso".into(),
                    domains: vec!["contoso.onmicrosoft.com".into(), "contoso.com".into()],
                    universal_print: true,
                },
                Tenant {
                    id: FABRIKAM_TENANT.into(),
                    display_name: "Fabrikam".into(),
                    domains: vec!["fabrikam.onmicrosoft.com".into()],
                    universal_print: false,
                },
                Tenant {
                    id: CONSUMER_TENANT_GUID.into(),
                    display_name: "Microsoft Accounts".into(),
                    domains: vec!["outlook.com".into()],
                    universal_print: false,
                },
            ],
            users: vec![
                user(
                    "1a2b3c4d-0001-4000-8000-00000000a001",
                    CONTOSO_TENANT,
                    ADELE,
                    "Adele Vance",
                    &[],
                ),
                user(
                    "1a2b3c4d-0002-4000-8000-00000000a002",
                    CONTOSO_TENANT,
                    MEGAN,
                    "Megan Bowen",
                    &[],
                ),
                user(
                    "1a2b3c4d-0003-4000-8000-00000000a003",
                    CONTOSO_TENANT,
                    ADMIN,
                    "Printer Admin",
                    &[PRINTER_ADMINISTRATOR],
                ),
                user(
                    "1a2b3c4d-0004-4000-8000-00000000a004",
                    CONSUMER_TENANT_GUID,
                    PERSONAL,
                    "Alex (personal)",
                    &[],
                ),
                user(
                    "1a2b3c4d-0005-4000-8000-00000000a005",
                    FABRIKAM_TENANT,
                    NESTOR,
                    "Nestor Wilke",
                    &[],
                ),
            ],
            clients: vec![
                Client {
                    client_id: PUBLIC_CLIENT_ID.into(),
                    display_name: "printjob".into(),
                    redirect_uris: vec!["http://localhost".into(), "http://127.0.0.1".into()],
                    public: true,
                    secret: None,
                    app_roles: vec![],
                    api_permissions: vec![
                        "User.Read".into(),
                        "PrintJob.ReadWriteBasic".into(),
                        "PrinterShare.ReadBasic.All".into(),
                    ],
                    tenant_id: CONTOSO_TENANT.into(),
                },
                Client {
                    client_id: DAEMON_CLIENT_ID.into(),
                    display_name: "print daemon".into(),
                    redirect_uris: vec![],
                    public: false,
                    secret: Some(DAEMON_CLIENT_SECRET.into()),
                    app_roles: vec!["PrintJob.Manage.All".into(), "Printer.Read.All".into()],
                    api_permissions: vec![],
                    tenant_id: CONTOSO_TENANT.into(),
                },
            ],
        };
        Seed {
            directory,
            print: PrintSeed::default_for(CONTOSO_TENANT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_json() -> serde_json::Value {
        serde_json::to_value(Seed::default()).unwrap()
    }

    #[test]
    fn default_seed_round_trips_through_json() {
        let text = default_json().to_string();
        assert_eq!(Seed::from_json(&text), Ok(Seed::default()));
    }

    #[test]
    fn seed_with_a_misspelt_job_state_is_refused() {
        let mut json = default_json();
        json["print"]["jobs"][0]["state"] = "pendng".into();
        let error = Seed::from_json(&json.to_string()).unwrap_err();
        assert!(error.contains("\"pendng\""), "{error}");
    }

    #[test]
    fn seed_job_on_an_unknown_printer_is_refused() {
        let mut json = default_json();
        json["print"]["jobs"][0]["printerId"] = "00000000-0000-4000-8000-000000000000".into();
        let error = Seed::from_json(&json.to_string()).unwrap_err();
        assert!(error.contains("not in \"printers\""), "{error}");
    }

    #[test]
    fn seed_user_of_an_unknown_tenant_is_refused() {
        let mut json = default_json();
        json["users"][0]["tenantId"] = "00000000-0000-4000-8000-000000000000".into();
        let error = Seed::from_json(&json.to_string()).unwrap_err();
        assert!(error.contains("not in \"tenants\""), "{error}");
    }

    #[test]
    fn seed_tenant_id_in_uppercase_is_refused() {
        let mut json = default_json();
        json["tenants"][0]["id"] = CONTOSO_TENANT.to_ascii_uppercase().into();
        assert!(Seed::from_json(&json.to_string()).is_err());
    }
}
