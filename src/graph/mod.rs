//! Microsoft Graph print API client.

use crate::error::ErrorKind;

/// A failed Graph call.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct GraphError {
    message: String,
}

impl GraphError {
    /// The exit-code category of this error.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Service
    }
}
