//! The identity platform: discovery, authorize (sign-in and consent pages), token, device code.

pub mod store;

use super::state::Shared;
use axum::Router;

/// The identity routes.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
}
