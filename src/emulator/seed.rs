//! The seed: what the emulator's directory and print service hold when it starts.
//!
//! `printjob emulator --seed FILE` loads the same JSON shape (documented in docs/emulator.md).

use super::directory::{Client, Directory, Tenant, User, PRINTER_ADMINISTRATOR};
use super::graph::seed::PrintSeed;
use crate::ids::CONSUMER_TENANT_GUID;
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
/// The normal work user who owns most seeded jobs.
pub const ADELE: &str = "adele@contoso.onmicrosoft.com";
/// A second work user (owns one job on each printer).
pub const MEGAN: &str = "megan@contoso.onmicrosoft.com";
/// The Printer Administrator.
pub const ADMIN: &str = "admin@contoso.onmicrosoft.com";
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
    /// Parses a seed file's JSON.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("the seed file is not valid: {e}"))
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
