//! The crate's error type and its categories (a caller, such as the command line, maps each to
//! its own exit code).

use crate::ids::{InvalidId, Scope};

/// What kind of failure an error is; callers branch on it (the command line turns each into
/// its own exit code, documented in README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input was wrong: flags, ids, configuration. Fix the command and run it again.
    Usage,
    /// Sign-in failed or is needed (no account, expired refresh token, provider error).
    SignIn,
    /// The user cancelled sign-in (declined consent, closed the flow, Ctrl-C).
    SignInCancelled,
    /// The token lacks a permission, is app-only, or the user may not touch that job.
    Permission,
    /// A printer, share or job does not exist (or is not visible to the user).
    NotFound,
    /// Some of the requested jobs were not cancelled.
    PartialFailure,
    /// The service could not be reached or kept failing after the retries.
    Service,
    /// A capability this build does not offer yet.
    NotAvailable,
    /// Anything unexpected (a bug, an I/O failure).
    Internal,
}

/// What would fix a failure, as data. The library names no command, flag or environment
/// variable of any front end: a caller words the remedy in its own terms (the command line names
/// its commands and flags).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// Sign in again interactively.
    SignIn,
    /// Sign in again, waiting longer for the browser's redirect.
    SignInWaitingLonger,
    /// Sign in again asking for these scopes (and accept the consent page; permissions ending
    /// in `.All` need an administrator's consent first).
    SignInWithScopes(Vec<Scope>),
    /// Sign in with the browser (authorization code flow) instead of the device code flow.
    SignInWithBrowser,
    /// Sign in again asking for the response in the query string (the identity provider does
    /// not support `response_mode=form_post`).
    SignInWithQueryResponse,
    /// Check these settings (as given by whatever configured them).
    CheckSettings(Vec<Setting>),
    /// Copy the ids exactly as the service lists them (printers, shares, jobs).
    CopyListedIds,
    /// List the printer shares instead of the printers (no administrator permission needed).
    ListShares,
    /// Let the sign-in listener use another port (or any free one).
    ChooseAnotherPort,
}

/// A setting a [`Remedy`] asks to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The tenant (GUID, verified domain or `organizations`).
    Tenant,
    /// The application (client) id.
    ClientId,
    /// The identity provider's base URL (the authority).
    Authority,
    /// The Microsoft Graph base URL.
    GraphUrl,
    /// The token cache file.
    Cache,
    /// The requested scopes.
    Scopes,
    /// Whether an id names a printer share rather than a printer.
    Share,
}

/// Any error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An identifier was refused before any request was made.
    #[error(transparent)]
    InvalidId(#[from] InvalidId),
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Sign-in or token acquisition failed.
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    /// A Microsoft Graph call failed.
    #[error(transparent)]
    Graph(#[from] crate::graph::GraphError),
    /// Something else went wrong; the message says what.
    #[error("{message}")]
    Other {
        /// The category of the failure.
        kind: ErrorKind,
        /// What happened and what to do.
        message: String,
    },
}

impl Error {
    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidId(_) => ErrorKind::Usage,
            Error::Config(e) => e.kind(),
            Error::Auth(e) => e.kind(),
            Error::Graph(e) => e.kind(),
            Error::Other { kind, .. } => *kind,
        }
    }

    /// What would fix this failure, if the library knows (see [`Remedy`]).
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Error::InvalidId(e) if e.kind == "scope" => {
                Some(Remedy::CheckSettings(vec![Setting::Scopes]))
            }
            Error::InvalidId(_) => Some(Remedy::CopyListedIds),
            Error::Config(_) | Error::Other { .. } => None,
            Error::Auth(e) => e.remedy(),
            Error::Graph(e) => e.remedy(),
        }
    }

    /// A free-form error of the given kind.
    pub fn other(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::Other {
            kind,
            message: message.into(),
        }
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
