//! # printjob
//!
//! Sign a user in with delegated Microsoft identity (authorization code flow with PKCE through
//! a loopback redirect, or the device code flow) and cancel Universal Print jobs through
//! Microsoft Graph (`POST /print/printers/{printerId}/jobs/{printJobId}/cancel`).
//!
//! `printJob: cancel` accepts delegated permissions only (`PrintJob.ReadWriteBasic`,
//! `PrintJob.ReadWrite`, `PrintJob.ReadWriteBasic.All`, `PrintJob.ReadWrite.All`) for work or
//! school accounts; app-only tokens and personal Microsoft accounts are refused.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
#[cfg(feature = "azure")]
pub mod azure;
pub mod cancel;
pub mod clock;
pub mod config;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod error;
pub mod graph;
pub mod http;
pub mod ids;
pub mod secret;

pub use error::{Error, ErrorKind, Result};

/// README.md's Rust examples, compiled as doc tests so the README cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use ids::{ClientId, PrintJobId, PrinterId, PrinterShareId, Scope, TenantId};
