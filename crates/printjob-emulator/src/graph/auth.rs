//! Who is calling and what they may do: bearer verification, Continuous Access Evaluation,
//! the tenant's Universal Print subscription, and the permission tables of the Graph reference.

use super::error::GraphFailure;
use crate::jwt::VerifyError;
use crate::state::EmulatorState;
use axum::http::StatusCode;
use base64::Engine;

/// Graph's application id, as its `WWW-Authenticate` challenges name it.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Tenant GUID.
    pub tid: String,
    /// The calling application's client id (`azp`; empty when the token has none).
    pub app_id: String,
    /// Object id of the user (or service principal).
    pub oid: String,
    /// The user's principal name (delegated tokens).
    pub upn: Option<String>,
    /// Delegated scopes (`scp`).
    pub scopes: Vec<String>,
    /// Application roles (`roles`; app-only tokens).
    pub roles: Vec<String>,
    /// Whether the user holds Printer Administrator (or Global Administrator).
    pub is_printer_admin: bool,
}

impl Caller {
    /// An app-only token: roles and no delegated scopes.
    pub fn is_app_only(&self) -> bool {
        self.scopes.is_empty()
    }

    /// Whether `job_owner` is the caller.
    pub fn owns(&self, job_owner: &str) -> bool {
        self.upn
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(job_owner))
    }
}

/// The permissions an operation accepts, as its reference page lists them.
#[derive(Debug, Clone, Copy)]
pub struct Permission {
    /// What the operation is, for messages.
    pub operation: &'static str,
    /// Delegated (work or school account) scopes.
    pub delegated: &'static [&'static str],
    /// Application permissions (empty: not supported).
    pub application: &'static [&'static str],
}

/// `GET /print/printers` (list printers): delegated only.
pub const LIST_PRINTERS: Permission = Permission {
    operation: "List printers",
    delegated: &[
        "Printer.Read.All",
        "Printer.ReadWrite.All",
        "Printer.FullControl.All",
    ],
    application: &[],
};

/// `GET /print/printers/{id}` (get printer).
pub const GET_PRINTER: Permission = Permission {
    operation: "Get printer",
    delegated: &[
        "Printer.Read.All",
        "Printer.ReadWrite.All",
        "Printer.FullControl.All",
    ],
    application: &["Printer.Read.All", "Printer.ReadWrite.All"],
};

/// `GET /print/shares` and `GET /print/shares/{id}`.
pub const READ_SHARES: Permission = Permission {
    operation: "List or get printer shares",
    delegated: &[
        "PrinterShare.ReadBasic.All",
        "PrinterShare.Read.All",
        "PrinterShare.ReadWrite.All",
    ],
    application: &[],
};

/// Listing and reading jobs (printer or share).
pub const READ_JOBS: Permission = Permission {
    operation: "List or get printJobs",
    delegated: &[
        "PrintJob.ReadBasic",
        "PrintJob.Read",
        "PrintJob.ReadBasic.All",
        "PrintJob.Read.All",
        "PrintJob.ReadWriteBasic",
        "PrintJob.ReadWrite",
        "PrintJob.ReadWriteBasic.All",
        "PrintJob.ReadWrite.All",
    ],
    application: &[
        "PrintJob.ReadBasic.All",
        "PrintJob.Read.All",
        "PrintJob.ReadWriteBasic.All",
        "PrintJob.ReadWrite.All",
    ],
};

/// `printJob: cancel`: delegated only.
pub const CANCEL_JOB: Permission = Permission {
    operation: "printJob: cancel",
    delegated: &[
        "PrintJob.ReadWriteBasic",
        "PrintJob.ReadWrite",
        "PrintJob.ReadWriteBasic.All",
        "PrintJob.ReadWrite.All",
    ],
    application: &[],
};

/// What a permission check granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The caller may act on other users' jobs in the tenant: an app with a tenant-wide
    /// role, or a Printer Administrator holding an accepted `.All` scope.
    pub tenant_wide: bool,
}

fn contains(list: &[&str], value: &str) -> bool {
    list.iter().any(|p| p.eq_ignore_ascii_case(value))
}

/// Checks `caller` against `permission`: `403 accessDenied` naming what is needed.
pub fn require(caller: &Caller, permission: &Permission) -> Result<Grant, GraphFailure> {
    if caller.is_app_only() {
        if permission.application.is_empty() {
            return Err(GraphFailure::access_denied(format!(
                "{} does not support application permissions; call it with a delegated token \
                 (a signed-in user) holding one of '{}'.",
                permission.operation,
                permission.delegated.join(", ")
            )));
        }
        if caller
            .roles
            .iter()
            .any(|r| contains(permission.application, r))
        {
            return Ok(Grant { tenant_wide: true });
        }
        return Err(GraphFailure::access_denied(format!(
            "Missing role permissions on the request. API requires one of '{}'. Roles on the request '{}'.",
            permission.application.join(", "),
            caller.roles.join(", ")
        )));
    }
    let granted: Vec<&String> = caller
        .scopes
        .iter()
        .filter(|s| contains(permission.delegated, s))
        .collect();
    if granted.is_empty() {
        return Err(GraphFailure::access_denied(format!(
            "Missing scope permissions on the request. API requires one of '{}'. Scopes on the request '{}'.",
            permission.delegated.join(", "),
            caller.scopes.join(" ")
        )));
    }
    let any_all = granted.iter().any(|s| s.ends_with(".All"));
    Ok(Grant {
        tenant_wide: any_all && caller.is_printer_admin,
    })
}

/// The `WWW-Authenticate` challenge Graph sends with a 401.
fn challenge(state: &EmulatorState, extra: &str) -> String {
    format!(
        "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/v2.0/authorize\", client_id=\"{GRAPH_APP_ID}\"{extra}",
        state.base_url
    )
}

fn unauthorized(state: &EmulatorState, message: &str) -> GraphFailure {
    GraphFailure::new(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        message,
    )
    .with_header("www-authenticate", challenge(state, ""))
}

fn verify_message(error: VerifyError) -> &'static str {
    match error {
        VerifyError::Expired => "Lifetime validation failed, the token is expired.",
        VerifyError::NotYetValid => "Lifetime validation failed, the token is not yet valid.",
        VerifyError::WrongAudience => "Access token validation failure. Invalid audience.",
        VerifyError::InvalidSignature => "Access token validation failure. Invalid signature.",
        VerifyError::Malformed => {
            "IDX14100: JWT is not well formed. Access token validation failure."
        }
    }
}

/// The claims challenge for a token issued before the user's sessions were revoked.
fn revoked(state: &EmulatorState, revoked_at: i64) -> GraphFailure {
    let claims = format!(
        r#"{{"access_token":{{"nbf":{{"essential":true, "value":"{}"}}}}}}"#,
        revoked_at + 1
    );
    let encoded = base64::engine::general_purpose::STANDARD.encode(claims);
    let extra = format!(", error=\"insufficient_claims\", claims=\"{encoded}\"");
    GraphFailure::new(
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp",
    )
    .with_header("www-authenticate", challenge(state, &extra))
}

/// Verifies the `Authorization` header and resolves the caller; refuses revoked sessions and
/// tenants without a Universal Print subscription.
pub fn authenticate(
    state: &EmulatorState,
    authorization: Option<&str>,
) -> Result<Caller, GraphFailure> {
    let token = authorization
        .and_then(|h| {
            let (scheme, rest) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized(state, "Access token is empty."))?;
    let claims = state
        .keys
        .verify(token, state.cloud.graph_resource(), state.now())
        .map_err(|e| unauthorized(state, verify_message(e)))?;
    if let Some(revoked_at) = state.print().revoked_at(&claims.oid) {
        if claims.iat <= revoked_at {
            return Err(revoked(state, revoked_at));
        }
    }
    let directory = state.directory();
    let licensed = directory
        .tenant(&claims.tid)
        .is_some_and(|t| t.universal_print);
    if !licensed {
        return Err(GraphFailure::new(
            StatusCode::FORBIDDEN,
            "notAllowed",
            "The tenant does not have an active Universal Print subscription; a tenant administrator must assign Universal Print licenses before print APIs can be used.",
        ));
    }
    let user = directory.user(&claims.oid);
    Ok(Caller {
        tid: claims.tid.clone(),
        app_id: claims.azp.clone().unwrap_or_default(),
        oid: claims.oid.clone(),
        upn: claims
            .preferred_username
            .clone()
            .or_else(|| user.map(|u| u.user_principal_name.clone())),
        scopes: claims
            .scp
            .as_deref()
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        roles: claims.roles.clone().unwrap_or_default(),
        is_printer_admin: user.is_some_and(|u| u.is_printer_admin()),
    })
}
