//! Microsoft Graph print API client: [`PrintClient`] lists printers, shares and jobs, gets a
//! job, and sends a cancel (`POST …/jobs/{id}/cancel`) or a `$batch` as one request. What
//! counts as a cancelled job, batch rounds and the post-failure read are the cancel workflow's
//! (`crate::cancel`), which also gives `PrintClient` its `cancel_job` and `cancel_batch`.
//!
//! It never obtains tokens itself: it asks a [`crate::auth::TokenSource`]. Failures become a
//! typed [`GraphError`] (Graph's `code`, `message`, `request-id`, `client-request-id`, status);
//! transient ones are retried by the [`retry::RetryPolicy`].

pub(crate) mod batch;
pub(crate) mod challenge;
mod client;
pub(crate) mod decision;
pub(crate) mod error;
pub(crate) mod filter;
pub mod model;
pub(crate) mod names;
pub(crate) mod operations;
pub(crate) mod request;
pub(crate) mod retry;
pub(crate) mod scopes;
mod status;
pub(crate) mod target;

pub use client::{PrintClient, PrintClientBuilder, PrintClientOptions};
pub use error::GraphError;
pub use filter::{Creator, JobFilter};
pub use retry::RetryPolicy;
pub use target::PrintTarget;
