//! The crate's error type and its categories (a caller, such as the command line, maps each to
//! its own exit code).

pub use crate::failure::{ErrorKind, Remedy, Setting};
use crate::ids::InvalidId;

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
        /// What happened.
        message: String,
        /// What would fix it, if known (the caller words it).
        remedy: Option<Remedy>,
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
            Error::Config(e) => e.remedy(),
            Error::Other { remedy, .. } => remedy.clone(),
            Error::Auth(e) => e.remedy(),
            Error::Graph(e) => e.remedy(),
        }
    }

    /// A free-form error of the given kind.
    pub fn other(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error::Other {
            kind,
            message: message.into(),
            remedy: None,
        }
    }

    /// A free-form error of the given kind with what would fix it.
    pub fn other_with_remedy(kind: ErrorKind, message: impl Into<String>, remedy: Remedy) -> Self {
        Error::Other {
            kind,
            message: message.into(),
            remedy: Some(remedy),
        }
    }
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
