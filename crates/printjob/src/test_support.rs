//! Internals this workspace's own tests and benches drive directly (cargo feature
//! `test-support`, off by default; the CLI and the emulator enable it only as a
//! dev-dependency). Not part of the public API: nothing here follows semver.

pub use crate::auth::authority::environment_of;
pub use crate::auth::cache::{AccessTokenEntry, CacheData, CacheScope, TokenCache};
pub use crate::auth::interactive::{AuthorizationParams, PendingAuthorization, RedirectParams};
pub use crate::auth::jwt::read_jwt;
pub use crate::auth::loopback::{LoopbackListener, LoopbackOptions};
pub use crate::auth::token::{http_client, TokenClient, TokenSet};
pub use crate::graph::retry::RecordingSleeper;
pub use crate::secret::RefreshToken;
