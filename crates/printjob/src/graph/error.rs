//! Graph error bodies turned into a typed [`GraphError`].
//!
//! Graph answers failures with
//! `{"error":{"code":"itemNotFound","message":"…","innerError":{"request-id":"…","client-request-id":"…","date":"…"}}}`
//! and `request-id` / `client-request-id` headers. printjob decides on `status` and `code`
//! (never on `message`, which Microsoft may reword) and keeps both ids so a user can quote them
//! to support.

use crate::error::{ErrorKind, Remedy};
use crate::ids::Scope;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Graph error codes printjob branches on, and the codes printjob uses for failures that
/// never reached Graph (no status).
pub mod codes {
    /// 404: the printer, share or job does not exist or is not visible.
    pub const ITEM_NOT_FOUND: &str = "itemNotFound";
    /// 403: the token or the user may not do this.
    pub const ACCESS_DENIED: &str = "accessDenied";
    /// 403 variant used by directory-backed resources.
    pub const AUTHORIZATION_REQUEST_DENIED: &str = "Authorization_RequestDenied";
    /// 429 as the gateway spells it.
    pub const TOO_MANY_REQUESTS: &str = "TooManyRequests";
    /// 503.
    pub const SERVICE_NOT_AVAILABLE: &str = "serviceNotAvailable";
    /// 401: the token is missing, expired or invalid.
    pub const INVALID_AUTHENTICATION_TOKEN: &str = "InvalidAuthenticationToken";
    /// printjob: the connection failed or was dropped before a response arrived.
    pub const CONNECTION_FAILED: &str = "connectionFailed";
    /// printjob: the request did not complete within the configured timeout.
    pub const TIMEOUT: &str = "timeout";
    /// printjob: the service answered something that is not what Graph documents.
    pub const INVALID_RESPONSE: &str = "invalidResponse";
    /// printjob: a retry was due, but the work had been told to stop, so the request was not
    /// sent again (whether its earlier sends took effect is unknown).
    pub const NOT_RESENT: &str = "notResent";
    /// printjob: the request was sent, but no answer came before the grace period that
    /// followed a stop ended (whether it took effect is unknown).
    pub const NO_ANSWER: &str = "noAnswer";
}

/// A failed Microsoft Graph call: what was attempted, Graph's `code` and `message`, the HTTP
/// status, both request ids, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GraphError {
    /// What printjob was doing (`cancel job 42 on printer 9f…`).
    pub operation: Box<str>,
    /// The HTTP status; `None` when no response arrived (connection failure, timeout).
    pub status: Option<u16>,
    /// Graph's error code (`itemNotFound`, `accessDenied`, …) or one of printjob's own
    /// [`codes`] for failures without a response.
    pub code: String,
    /// Graph's message (or a description of the transport failure).
    pub message: String,
    /// Graph's `request-id` for support.
    pub request_id: Option<Box<str>>,
    /// The `client-request-id` printjob sent (Graph echoes it).
    pub client_request_id: Option<Box<str>>,
    /// What to do about it, or which permission or ownership rule denied it.
    pub hint: Option<Box<str>>,
    /// How many attempts were made (retries included).
    pub attempts: u16,
    /// What would fix it, if known: one byte, read through [`GraphError::remedy`] (the error
    /// travels by value through every `Result`, so it stays small).
    #[serde(skip)]
    fix: Option<Fix>,
}

/// The remedies a Graph error can carry, compactly (see [`GraphError::remedy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fix {
    SignIn,
    CopyListedIds,
    ListShares,
    AskShareScope,
    AskJobScope,
}

impl Fix {
    fn remedy(self) -> Option<Remedy> {
        let scope = |name: &str| {
            Scope::new(name)
                .ok()
                .map(|s| Remedy::SignInWithScopes(vec![s]))
        };
        match self {
            Fix::SignIn => Some(Remedy::SignIn),
            Fix::CopyListedIds => Some(Remedy::CopyListedIds),
            Fix::ListShares => Some(Remedy::ListShares),
            Fix::AskShareScope => scope("PrinterShare.ReadBasic.All"),
            Fix::AskJobScope => scope(Scope::PRINT_JOB_READ_WRITE_BASIC),
        }
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: ", self.operation)?;
        match self.status {
            Some(status) => write!(f, "{status} {}: {}", self.code, self.message)?,
            None => write!(f, "{}: {}", self.code, self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        let ids: Vec<String> = [
            self.request_id
                .as_ref()
                .map(|id| format!("request-id {id}")),
            self.client_request_id
                .as_ref()
                .map(|id| format!("client-request-id {id}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !ids.is_empty() {
            write!(f, " ({})", ids.join(", "))?;
        }
        Ok(())
    }
}

impl GraphError {
    /// An error without a response (connection failure, timeout, unreadable answer).
    pub fn transport(operation: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            operation: operation.into(),
            status: None,
            code: code.to_string(),
            message: message.into(),
            request_id: None,
            client_request_id: None,
            hint: None,
            attempts: 1,
            fix: None,
        }
    }

    /// Parses a Graph error response: its body (when it is Graph's error JSON) and its
    /// `request-id` / `client-request-id` headers (`header_ids`, used when the body has none).
    pub fn from_response(
        operation: &str,
        status: u16,
        body: &[u8],
        header_ids: (Option<String>, Option<String>),
    ) -> Self {
        let parsed = serde_json::from_slice::<ErrorEnvelope>(body).ok();
        let (code, message, inner) = match parsed {
            Some(ErrorEnvelope { error }) => (error.code, error.message, error.inner_error),
            None => (
                default_code(status).to_string(),
                format!("HTTP {status} without a Graph error body"),
                None,
            ),
        };
        let inner = inner.unwrap_or_default();
        let mut error = Self {
            operation: operation.into(),
            status: Some(status),
            code,
            message,
            request_id: inner.request_id.or(header_ids.0).map(Into::into),
            client_request_id: inner.client_request_id.or(header_ids.1).map(Into::into),
            hint: None,
            attempts: 1,
            fix: None,
        };
        error.hint = default_hint(&error);
        error.fix = default_fix(&error);
        error
    }

    /// The exit-code category: 404 → not found, 403 → permission, 401 → sign-in,
    /// 400 `invalidRequest` (the user's input: e.g. a printer id that is not a GUID) → usage;
    /// any other refusal, throttling, unavailability or no response → service (a `400
    /// BadRequest` for a request printjob built is the service refusing printjob, not a usage
    /// error of the user).
    pub fn kind(&self) -> ErrorKind {
        if self.is_not_found() {
            return ErrorKind::NotFound;
        }
        if self.is_forbidden() {
            return ErrorKind::Permission;
        }
        match self.status {
            Some(401) => ErrorKind::SignIn,
            Some(400) if self.code.eq_ignore_ascii_case("invalidRequest") => ErrorKind::Usage,
            _ => ErrorKind::Service,
        }
    }

    /// 404 or `itemNotFound`.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404) || self.code == codes::ITEM_NOT_FOUND
    }

    /// 403 or `accessDenied`.
    pub fn is_forbidden(&self) -> bool {
        self.status == Some(403)
            || self.code == codes::ACCESS_DENIED
            || self.code == codes::AUTHORIZATION_REQUEST_DENIED
    }

    /// Whether retrying may help: 429 / 503 / 504, or no response at all.
    pub fn is_transient(&self) -> bool {
        match self.status {
            Some(status) => super::status::is_retryable_status(status),
            None => {
                self.code != codes::INVALID_RESPONSE
                    && !crate::http::Cause::is_permanent_code(&self.code)
            }
        }
    }

    /// Replaces the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into().into());
        self
    }

    /// What would fix this failure, if known (the caller words it; see [`Remedy`]).
    pub fn remedy(&self) -> Option<Remedy> {
        self.fix.and_then(Fix::remedy)
    }

    /// Explains a 403 (see [`explain_forbidden`]) and sets the remedy that goes with it.
    pub(crate) fn with_forbidden_explained(
        mut self,
        resource: Resource,
        granted: &[Scope],
    ) -> Self {
        self.hint = Some(explain_forbidden(resource, &self.code, granted).into());
        self.fix = forbidden_fix(resource, &self.code, granted);
        self
    }

    /// Records the number of attempts made.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = u16::try_from(attempts).unwrap_or(u16::MAX);
        self
    }

    /// This failure, after the work was told to stop: the request is not sent again
    /// ([`codes::NOT_RESENT`]); the message keeps the last answer, the ids stay.
    pub(crate) fn not_resent(self) -> Self {
        let last = match self.status {
            Some(status) => format!("{status} {}: {}", self.code, self.message),
            None => format!("{}: {}", self.code, self.message),
        };
        Self {
            status: None,
            code: codes::NOT_RESENT.to_string(),
            message: format!("not sent again after the stop (last answer: {last})"),
            hint: None,
            fix: None,
            ..self
        }
    }

    /// Whether the request's effect is unknown because the work was told to stop: it was not
    /// sent again ([`codes::NOT_RESENT`]) or its answer never came ([`codes::NO_ANSWER`]).
    pub fn is_unanswered_after_stop(&self) -> bool {
        self.status.is_none() && (self.code == codes::NOT_RESENT || self.code == codes::NO_ANSWER)
    }

    /// Sets the `client-request-id` when the response did not echo it.
    pub fn with_client_request_id(mut self, id: &str) -> Self {
        if self.client_request_id.is_none() {
            self.client_request_id = Some(id.into());
        }
        self
    }
}

fn default_code(status: u16) -> &'static str {
    match status {
        401 => codes::INVALID_AUTHENTICATION_TOKEN,
        403 => codes::ACCESS_DENIED,
        404 => codes::ITEM_NOT_FOUND,
        429 => codes::TOO_MANY_REQUESTS,
        503 => codes::SERVICE_NOT_AVAILABLE,
        _ => "generalException",
    }
}

fn default_hint(error: &GraphError) -> Option<Box<str>> {
    let hint = match error.kind() {
        ErrorKind::NotFound => {
            "check the id against the printers and jobs the service lists (a printer share's id \
             is not a printer's id)"
        }
        ErrorKind::SignIn => "sign in again",
        ErrorKind::Service if error.is_transient() => {
            "the service is busy or unreachable; try again in a few minutes"
        }
        _ => return None,
    };
    Some(hint.into())
}

fn default_fix(error: &GraphError) -> Option<Fix> {
    match error.kind() {
        ErrorKind::NotFound => Some(Fix::CopyListedIds),
        ErrorKind::SignIn => Some(Fix::SignIn),
        _ => None,
    }
}

/// What would fix a 403, from the same inputs as [`explain_forbidden`].
fn forbidden_fix(resource: Resource, code: &str, granted: &[Scope]) -> Option<Fix> {
    if code == "notAllowed" {
        return None;
    }
    let has = |name: &str| granted.iter().any(|s| s.short().eq_ignore_ascii_case(name));
    match resource {
        Resource::Printers => Some(Fix::ListShares),
        Resource::Shares => Some(Fix::AskShareScope),
        Resource::Jobs => {
            let any = [
                Scope::PRINT_JOB_READ_WRITE_BASIC_ALL,
                Scope::PRINT_JOB_READ_WRITE_ALL,
                Scope::PRINT_JOB_READ_WRITE_BASIC,
                Scope::PRINT_JOB_READ_WRITE,
            ]
            .iter()
            .any(|name| has(name));
            if any || granted.is_empty() {
                None
            } else {
                Some(Fix::AskJobScope)
            }
        }
    }
}

/// What a request works on, to explain a `403` and to pick the scopes to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Print jobs (list, get, cancel): the `PrintJob.*` permissions.
    Jobs,
    /// Printers (list): the `Printer.*` permissions.
    Printers,
    /// Printer shares (list): the `PrinterShare.*` permissions.
    Shares,
}

/// Explains a 403: which permission or ownership rule denied it and what to do, from Graph's
/// error `code`, what the request worked on, and the scopes the token was granted.
pub fn explain_forbidden(resource: Resource, code: &str, granted: &[Scope]) -> String {
    if code == "notAllowed" {
        return "the service does not allow this for your account or tenant (for example, the \
                tenant has no Universal Print subscription); ask your administrator"
            .to_string();
    }
    match resource {
        Resource::Jobs => explain_job_forbidden(granted),
        Resource::Printers => "listing printers needs the delegated permission Printer.Read.All \
             (an administrator must consent, and only Printer Administrators see every printer); \
             most users list the printer shares they print to instead"
            .to_string(),
        Resource::Shares => "listing printer shares needs the delegated permission \
             PrinterShare.ReadBasic.All; sign in again asking for it"
            .to_string(),
    }
}

fn explain_job_forbidden(granted: &[Scope]) -> String {
    let has = |name: &str| granted.iter().any(|s| s.short().eq_ignore_ascii_case(name));
    let all_scope =
        has(Scope::PRINT_JOB_READ_WRITE_BASIC_ALL) || has(Scope::PRINT_JOB_READ_WRITE_ALL);
    let own_scope = has(Scope::PRINT_JOB_READ_WRITE_BASIC) || has(Scope::PRINT_JOB_READ_WRITE);
    if all_scope {
        "your token has an .All PrintJob permission, but other users' jobs can only be managed \
         by a Printer Administrator; ask one to cancel it"
            .to_string()
    } else if own_scope {
        let granted_names: Vec<&str> = granted
            .iter()
            .filter(|s| s.allows_cancel())
            .map(Scope::short)
            .collect();
        format!(
            "your token carries {}, which allows acting only on your own jobs, and this job \
             belongs to someone else; ask its owner or a Printer Administrator (administrators \
             sign in asking for {})",
            granted_names.join(" "),
            Scope::PRINT_JOB_READ_WRITE_BASIC_ALL
        )
    } else if granted.is_empty() {
        format!(
            "cancelling needs one of the delegated permissions {} (and, for other users' jobs, \
             an .All permission and the Printer Administrator role)",
            Scope::CANCEL_SCOPES.join(", ")
        )
    } else {
        format!(
            "your token carries none of the permissions this needs ({}); sign in again asking \
             for {}",
            Scope::CANCEL_SCOPES.join(", "),
            Scope::PRINT_JOB_READ_WRITE_BASIC
        )
    }
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default, alias = "innererror")]
    inner_error: Option<InnerError>,
}

#[derive(Debug, Default, Deserialize)]
struct InnerError {
    #[serde(default, rename = "request-id")]
    request_id: Option<String>,
    #[serde(default, rename = "client-request-id")]
    client_request_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str) -> Vec<u8> {
        serde_json::json!({"error": {"code": code, "message": "Something went wrong.",
            "innerError": {"request-id": "r-1", "client-request-id": "c-1", "date": "x"}}})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn graph_error_body_is_parsed_with_both_request_ids() {
        let e = GraphError::from_response("cancel job 1", 404, &body("itemNotFound"), (None, None));
        assert_eq!(e.code, "itemNotFound");
        assert_eq!(e.message, "Something went wrong.");
        assert_eq!(e.request_id.as_deref(), Some("r-1"));
        assert_eq!(e.client_request_id.as_deref(), Some("c-1"));
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let text = e.to_string();
        assert!(
            text.contains("cancel job 1 failed: 404 itemNotFound"),
            "{text}"
        );
        assert!(text.contains("request-id r-1"), "{text}");
    }

    #[test]
    fn kind_branches_on_code_not_message() {
        let e = GraphError::from_response("x", 400, &body("itemNotFound"), (None, None));
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = GraphError::from_response("x", 400, &body("invalidRequest"), (None, None));
        assert_eq!(e.kind(), ErrorKind::Usage);
        let e = GraphError::from_response("x", 400, &body("BadRequest"), (None, None));
        assert_eq!(
            e.kind(),
            ErrorKind::Service,
            "a refusal of printjob's own request"
        );
    }

    #[test]
    fn non_graph_body_keeps_status_and_header_ids() {
        let e = GraphError::from_response(
            "list printers",
            503,
            b"<html>busy</html>",
            (Some("hdr-r".into()), Some("hdr-c".into())),
        );
        assert_eq!(e.code, codes::SERVICE_NOT_AVAILABLE);
        assert_eq!(e.request_id.as_deref(), Some("hdr-r"));
        assert_eq!(e.kind(), ErrorKind::Service);
        assert!(e.is_transient());
    }

    #[test]
    fn status_maps_to_exit_kinds() {
        let k = |s| GraphError::from_response("x", s, b"", (None, None)).kind();
        assert_eq!(k(401), ErrorKind::SignIn);
        assert_eq!(k(403), ErrorKind::Permission);
        assert_eq!(k(429), ErrorKind::Service);
        assert_eq!(k(500), ErrorKind::Service);
        let t = GraphError::transport("x", codes::CONNECTION_FAILED, "reset");
        assert_eq!(t.kind(), ErrorKind::Service);
        assert!(t.is_transient());
    }

    #[test]
    fn forbidden_with_basic_scope_names_the_ownership_rule() {
        let granted = [Scope::new("PrintJob.ReadWriteBasic").unwrap()];
        let text = explain_forbidden(Resource::Jobs, "accessDenied", &granted);
        assert!(text.contains("PrintJob.ReadWriteBasic"), "{text}");
        assert!(text.contains("only on your own jobs"), "{text}");
    }

    #[test]
    fn forbidden_listing_printers_names_the_printer_permission() {
        let granted = [Scope::new("PrintJob.ReadWriteBasic").unwrap()];
        let text = explain_forbidden(Resource::Printers, "accessDenied", &granted);
        assert!(text.contains("Printer.Read.All"), "{text}");
    }

    #[test]
    fn forbidden_with_all_scope_names_the_administrator_rule() {
        let granted = [Scope::new("PrintJob.ReadWrite.All").unwrap()];
        let text = explain_forbidden(Resource::Jobs, "accessDenied", &granted);
        assert!(text.contains("Printer Administrator"), "{text}");
    }
}
