//! Configuration: tenant, client id, cloud, endpoints, scopes, cache path.

use crate::error::ErrorKind;

/// An invalid configuration.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    /// A configuration error with an actionable message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// Configuration errors are usage errors.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Usage
    }
}
