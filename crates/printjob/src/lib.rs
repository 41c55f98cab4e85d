// The crate documentation is README.md (its Rust examples run as doc tests, so it cannot go
// stale); crates/printjob/README.md links to the repository's README.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Modules are private: what users may name is the list of `pub use` below (oauth2-rs and
// azure_identity keep the same shape), so an internal can change without breaking anyone.
// Three namespaces stay public because a flat list would read worse:
// - `model`: the Graph resource types (about thirty `Print*`/`Printer*` structs and enums whose
//   names mirror Graph's documentation, read by users and served by the emulator);
// - `cancel`: the bulk workflow, `cancel::run(&client, &CancelRequest, …)` and its report types
//   (with the report's own `SCHEMA_VERSION`);
// - `azure` (cargo feature `azure`): the adapter to `azure_core`.
mod auth;
#[cfg(feature = "azure")]
pub mod azure;
pub mod cancel;
mod clock;
mod config;
mod error;
mod failure;
mod graph;
mod http;
mod ids;
mod permissions;
mod secret;
mod stop;
// Internals this workspace's tests and benches drive (see test_support.rs); not public API.
#[cfg(feature = "test-support")]
#[doc(hidden)]
pub mod test_support;

// Signing in: the credential, its builder and what it asks of the caller.
pub use auth::browser::{Browser, SystemBrowser};
pub use auth::builder::DelegatedCredentialBuilder;
pub use auth::cache::{AccountEntry, CacheLocation};
pub use auth::credential::AccountStatus;
pub use auth::id_token::{ClockSkew, SignedInUser};
pub use auth::interactive::ResponseMode;
pub use auth::loopback::RedirectHost;
pub use auth::options::{NoUi, SignInUi};
pub use auth::provider::needs_admin_consent;
pub use auth::token::DeviceCodePrompt;
pub use auth::{
    AuthError, DelegatedCredential, GrantedToken, ProviderError, StaticToken, TokenRequest,
    TokenSource,
};
pub use secret::AccessToken;

// Microsoft Graph: the client, its options, what it reads, how it fails.
pub use graph::batch::MAX_BATCH;
pub use graph::error::codes as graph_codes;
pub use graph::model;
pub use graph::names::{check_name as check_target_name, resolve as resolve_target};
pub use graph::retry::{Jitter, Sleeper};
pub use graph::{
    Creator, GraphError, JobFilter, PrintClient, PrintClientBuilder, PrintClientOptions,
    PrintTarget, RetryPolicy,
};
// The result type of `PrintClient::cancel_batch`, which the cancel protocol (`cancel/`) gives
// the client.
pub use cancel::api::JobCancel;

// Configuration, ids, time and errors. `CONSUMER_TENANT_GUID`, `is_guid` and
// `strip_graph_resource` are facts about Microsoft's identifiers that the emulator needs as much
// as the library (it answers for the personal-account tenant, checks ids, reads scopes): one
// documented copy here rather than a second one there. `OffsetClock` is the clock tests move.
pub use clock::{Clock, OffsetClock, SystemClock};
pub use config::{CacheStore, Cloud, Config, ConfigError, ConfigInputs};
pub use error::{Error, ErrorKind, Remedy, Result, Setting};
pub use ids::{
    is_guid, strip_graph_resource, ClientId, InvalidId, PrintJobId, PrinterId, PrinterShareId,
    Scope, TenantId, CONSUMER_TENANT_GUID,
};

// The HTTP client printjob itself uses (trust, proxies, no redirects, timeouts), for callers
// that talk to the same services or their stand-ins beside it (the emulator's robot browser).
pub use http::{
    client as http_client, ClientSettings as HttpClientSettings, SetupError as HttpSetupError,
};
