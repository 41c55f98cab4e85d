//! Printers, shares and jobs at run time.

use super::seed::PrintSeed;

/// The print service's data.
#[derive(Debug, Default)]
pub struct PrintStore {}

impl PrintStore {
    /// The store a seed describes.
    pub fn from_seed(_seed: &PrintSeed) -> Self {
        Self {}
    }
}
