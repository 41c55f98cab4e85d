//! The crate's error type and the categories the command line maps to exit codes.

use crate::ids::InvalidId;

/// What kind of failure an error is; the command line turns each into its own exit code
/// (documented in README.md) and scripts branch on it.
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
    /// A printer or share name matched none, or several, of those the user can see.
    UnresolvedName,
    /// Anything unexpected (a bug, an I/O failure).
    Internal,
}

impl ErrorKind {
    /// The process exit code for this kind (0 is success and is never returned here).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Internal => 1,
            ErrorKind::Usage => 2,
            ErrorKind::SignIn => 3,
            ErrorKind::SignInCancelled => 4,
            ErrorKind::Permission => 5,
            ErrorKind::NotFound => 6,
            ErrorKind::PartialFailure => 7,
            ErrorKind::Service => 8,
            ErrorKind::NotAvailable => 9,
            ErrorKind::UnresolvedName => 10,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_distinct() {
        let kinds = [
            ErrorKind::Internal,
            ErrorKind::Usage,
            ErrorKind::SignIn,
            ErrorKind::SignInCancelled,
            ErrorKind::Permission,
            ErrorKind::NotFound,
            ErrorKind::PartialFailure,
            ErrorKind::Service,
            ErrorKind::NotAvailable,
            ErrorKind::UnresolvedName,
        ];
        let mut codes: Vec<u8> = kinds.iter().map(|k| k.exit_code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), kinds.len());
        assert!(!codes.contains(&0));
    }
}
