//! Printers, shares and jobs in the seed.

use serde::{Deserialize, Serialize};

/// The print part of the seed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintSeed {}

impl PrintSeed {
    /// The default printers and jobs for `tenant`.
    pub fn default_for(_tenant: &str) -> Self {
        Self {}
    }
}
