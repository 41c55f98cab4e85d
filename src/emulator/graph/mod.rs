//! The Graph print endpoints under `/v1.0`.

pub mod error;
pub mod seed;
pub mod store;

use super::state::Shared;
use axum::Router;

/// The Graph routes.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
}
