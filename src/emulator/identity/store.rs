//! Authorization codes, refresh tokens, consents and device codes.

/// What the identity routes remember between requests.
#[derive(Debug, Default)]
pub struct IdentityStore {}
