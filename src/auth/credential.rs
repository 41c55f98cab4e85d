//! `DelegatedCredential`: the entry point (placeholder until the sign-in issue lands).

/// A delegated (user) credential for Microsoft Graph.
#[derive(Debug, Clone)]
pub struct DelegatedCredential {
    _private: (),
}
