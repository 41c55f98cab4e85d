// The crate documentation is README.md (its Rust examples run as doc tests, so it cannot go
// stale); crates/printjob/README.md links to the repository's README.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
#[cfg(feature = "azure")]
pub mod azure;
pub mod cancel;
pub mod clock;
pub mod config;
pub mod error;
mod failure;
pub mod graph;
pub mod http;
pub mod ids;
pub mod secret;

pub use error::{Error, ErrorKind, Remedy, Result, Setting};

pub use ids::{ClientId, PrintJobId, PrinterId, PrinterShareId, Scope, TenantId};
