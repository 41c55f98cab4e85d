//! Microsoft Graph print API client: [`PrintClient`] lists printers, shares and jobs, gets a
//! job, and cancels one job (`POST …/jobs/{id}/cancel`) or many (`POST /$batch`).
//!
//! It never obtains tokens itself: it asks a [`crate::auth::TokenSource`]. Failures become a
//! typed [`GraphError`] (Graph's `code`, `message`, `request-id`, `client-request-id`, status);
//! transient ones are retried by the [`retry::RetryPolicy`].

pub(crate) mod batch;
pub(crate) mod challenge;
mod client;
mod decision;
pub(crate) mod error;
pub(crate) mod filter;
pub mod model;
pub(crate) mod names;
mod request;
pub(crate) mod retry;
pub(crate) mod scopes;
pub(crate) mod target;

pub(crate) use client::{error_says_all, AfterFailure, Tried};
pub use client::{JobCancel, PrintClient, PrintClientBuilder, PrintClientOptions};
pub use error::GraphError;
pub use filter::{Creator, JobFilter};
pub use retry::RetryPolicy;
pub use target::PrintTarget;
