//! The emulator's directory: tenants, users and registered applications, loaded from a seed.

use printjob::CONSUMER_TENANT_GUID;
use serde::{Deserialize, Serialize};

/// The normal work user who owns most seeded jobs.
pub const ADELE: &str = "adele@contoso.onmicrosoft.com";
/// A second work user (owns one job on each printer).
pub const MEGAN: &str = "megan@contoso.onmicrosoft.com";
/// The Printer Administrator.
pub const ADMIN: &str = "admin@contoso.onmicrosoft.com";

/// A directory tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// The tenant GUID.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Verified domains (`contoso.onmicrosoft.com`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Whether the tenant has an active Universal Print subscription.
    #[serde(default)]
    pub universal_print: bool,
}

/// A user account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object id (`oid`).
    pub id: String,
    /// Home tenant GUID (the consumer tenant GUID for personal accounts).
    pub tenant_id: String,
    /// Sign-in name.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: String,
    /// Password for the emulator's sign-in page.
    pub password: String,
    /// Directory roles, e.g. `Printer Administrator`.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("user_principal_name", &self.user_principal_name)
            .finish_non_exhaustive()
    }
}

/// The directory role that lets `.All` scopes act on other users' jobs.
pub const PRINTER_ADMINISTRATOR: &str = "Printer Administrator";

impl User {
    /// Whether this is a personal Microsoft account.
    pub fn is_personal(&self) -> bool {
        self.tenant_id == CONSUMER_TENANT_GUID
    }

    /// Whether the user holds the Printer Administrator (or Global Administrator) role.
    pub fn is_printer_admin(&self) -> bool {
        self.roles
            .iter()
            .any(|r| r == PRINTER_ADMINISTRATOR || r == "Global Administrator")
    }
}

/// A registered application.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    /// Application (client) id.
    pub client_id: String,
    /// Display name, shown on the consent page.
    pub display_name: String,
    /// Registered redirect URIs.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Public client (no secret; PKCE required).
    #[serde(default)]
    pub public: bool,
    /// Client secret of a confidential client.
    #[serde(default)]
    pub secret: Option<String>,
    /// Application permissions granted to a confidential client (issued as `roles`).
    #[serde(default)]
    pub app_roles: Vec<String>,
    /// Delegated Graph permissions configured on the registration (what
    /// `https://graph.microsoft.com/.default` stands for in a delegated request).
    #[serde(default)]
    pub api_permissions: Vec<String>,
    /// The tenant the application is registered in.
    pub tenant_id: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("client_id", &self.client_id)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// Tenants, users and applications.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    /// Tenants.
    #[serde(default)]
    pub tenants: Vec<Tenant>,
    /// Users.
    #[serde(default)]
    pub users: Vec<User>,
    /// Registered applications.
    #[serde(default)]
    pub clients: Vec<Client>,
}

impl Directory {
    /// A tenant by GUID or verified domain (case-insensitive).
    pub fn tenant(&self, id_or_domain: &str) -> Option<&Tenant> {
        let key = id_or_domain.to_ascii_lowercase();
        self.tenants
            .iter()
            .find(|t| t.id == key || t.domains.iter().any(|d| d.eq_ignore_ascii_case(&key)))
    }

    /// A user by user principal name (case-insensitive).
    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.user_principal_name.eq_ignore_ascii_case(upn.trim()))
    }

    /// A user by object id.
    pub fn user(&self, oid: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == oid)
    }

    /// An application by client id.
    pub fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }
}
