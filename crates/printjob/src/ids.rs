//! Validated identifiers: tenants, clients, printers, shares, jobs and scopes.
//!
//! Every id is checked at the boundary, so a value with `/`, `?`, `#`, `..`, white space or a
//! control character never reaches a URL; ids that go into a URL path are percent-encoded as one
//! path segment by [`path_segment`].

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: {reason}")]
pub struct InvalidId {
    /// What kind of identifier it was (`printer id`, `tenant`, …).
    pub kind: &'static str,
    /// The refused value (ids are not secrets).
    pub value: String,
    /// What is wrong with it and what to use instead.
    pub reason: String,
}

impl InvalidId {
    fn new(kind: &'static str, value: &str, reason: impl Into<String>) -> Self {
        Self {
            kind,
            value: value.chars().take(200).collect(),
            reason: reason.into(),
        }
    }
}

/// Checks a value that will become one URL path segment or query value.
fn check_opaque_id(kind: &'static str, value: &str) -> Result<(), InvalidId> {
    if value.is_empty() {
        return Err(InvalidId::new(kind, value, "it is empty"));
    }
    if value.len() > 256 {
        return Err(InvalidId::new(
            kind,
            value,
            "it is longer than 256 characters",
        ));
    }
    if value == "." || value.contains("..") {
        return Err(InvalidId::new(kind, value, "it contains `..`"));
    }
    if let Some(c) = value
        .chars()
        .find(|c| matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_control() || c.is_whitespace())
    {
        return Err(InvalidId::new(
            kind,
            value,
            format!("it contains {c:?}; copy the id exactly as the service lists it"),
        ));
    }
    Ok(())
}

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a validated id as a single URL path segment.
pub fn path_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

macro_rules! opaque_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps an id.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                check_opaque_id($kind, &value)?;
                Ok(Self(value))
            }

            /// The id as given.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id percent-encoded as one URL path segment.
            pub fn path_segment(&self) -> String {
                path_segment(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.0)
            }
        }
    };
}

opaque_id!(
    /// A Universal Print printer id (`printer.id` in Graph).
    PrinterId,
    "printer id"
);
opaque_id!(
    /// A Universal Print printer share id (`printerShare.id` in Graph).
    PrinterShareId,
    "printer share id"
);
opaque_id!(
    /// A print job id (`printJob.id` in Graph).
    PrintJobId,
    "print job id"
);
opaque_id!(
    /// An application (client) id registered with the identity provider.
    ClientId,
    "client id"
);

/// A directory tenant: a GUID, a verified domain, or one of `organizations` / `common`.
///
/// `consumers` (and the personal-account tenant GUID) are refused: Universal Print supports
/// work or school accounts only.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

/// The tenant id Microsoft uses for personal (consumer) accounts.
pub const CONSUMER_TENANT_GUID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

impl TenantId {
    /// `organizations`: any work or school account (the default).
    pub fn organizations() -> Self {
        Self("organizations".into())
    }

    /// Validates a tenant.
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidId> {
        let value = value.into().trim().to_ascii_lowercase();
        if value == "consumers" || value == CONSUMER_TENANT_GUID {
            return Err(InvalidId::new(
                "tenant",
                &value,
                "personal Microsoft accounts are not supported by Universal Print; use your \
                 work or school tenant (its domain or GUID) or `organizations`",
            ));
        }
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if value.is_empty() || !valid_chars || value.starts_with('.') || value.contains("..") {
            return Err(InvalidId::new(
                "tenant",
                &value,
                "expected a tenant GUID, a domain such as contoso.onmicrosoft.com, or `organizations`",
            ));
        }
        Ok(Self(value))
    }

    /// The tenant as it goes into the authority URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `organizations` or `common`: the tenant is only known after sign-in.
    pub fn is_multi_tenant(&self) -> bool {
        self.0 == "organizations" || self.0 == "common"
    }

    /// Whether the value is a GUID (8-4-4-4-12 hex digits).
    pub fn is_guid(&self) -> bool {
        is_guid(&self.0)
    }
}

/// Whether `s` has the 8-4-4-4-12 hex-digit shape of a GUID.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl FromStr for TenantId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for TenantId {
    type Error = InvalidId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<TenantId> for String {
    fn from(t: TenantId) -> String {
        t.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantId({:?})", self.0)
    }
}

/// One OAuth 2.0 scope, e.g. `PrintJob.ReadWriteBasic` or `offline_access`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Scope(String);

impl Scope {
    /// `PrintJob.ReadWriteBasic`: cancel the signed-in user's own jobs (least privileged; the default).
    pub const PRINT_JOB_READ_WRITE_BASIC: &'static str = "PrintJob.ReadWriteBasic";
    /// `PrintJob.ReadWrite`: the user's own jobs, including document content.
    pub const PRINT_JOB_READ_WRITE: &'static str = "PrintJob.ReadWrite";
    /// `PrintJob.ReadWriteBasic.All`: jobs of any user the signed-in user may manage.
    pub const PRINT_JOB_READ_WRITE_BASIC_ALL: &'static str = "PrintJob.ReadWriteBasic.All";
    /// `PrintJob.ReadWrite.All`: the most privileged PrintJob scope.
    pub const PRINT_JOB_READ_WRITE_ALL: &'static str = "PrintJob.ReadWrite.All";
    /// OpenID Connect scopes printjob adds to every sign-in.
    pub const OIDC: [&'static str; 3] = ["openid", "profile", "offline_access"];

    /// Validates a scope (non-empty, no white space or control characters, at most 512 chars).
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidId> {
        let value = value.into();
        if value.is_empty()
            || value.len() > 512
            || value
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\')
        {
            return Err(InvalidId::new(
                "scope",
                &value,
                "a scope is one word such as PrintJob.ReadWriteBasic (give several scopes one by one)",
            ));
        }
        Ok(Self(value))
    }

    /// The scope as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The scope without a Microsoft Graph resource prefix, so that
    /// `https://graph.microsoft.com/PrintJob.ReadWrite` and `PrintJob.ReadWrite` compare equal.
    pub fn short(&self) -> &str {
        strip_graph_resource(&self.0)
    }

    /// Whether this is one of the OpenID Connect scopes (`openid`, `profile`, `offline_access`, `email`).
    pub fn is_oidc(&self) -> bool {
        matches!(
            self.0.as_str(),
            "openid" | "profile" | "offline_access" | "email"
        )
    }

    /// Parses a space-separated scope string (as in a token response); invalid words are skipped.
    pub fn parse_list(s: &str) -> Vec<Scope> {
        s.split_whitespace()
            .filter_map(|w| Scope::new(w).ok())
            .collect()
    }
}

/// Removes a leading `https://graph.microsoft.com/` (any Graph cloud host) from a scope.
pub fn strip_graph_resource(scope: &str) -> &str {
    if let Some(rest) = scope.strip_prefix("https://") {
        if let Some((host, name)) = rest.split_once('/') {
            if host.starts_with("graph.")
                || host.starts_with("microsoftgraph.")
                || host == "dod-graph.microsoft.us"
            {
                return name;
            }
        }
    }
    scope
}

impl FromStr for Scope {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for Scope {
    type Error = InvalidId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scope({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_id_with_path_characters_is_refused() {
        for bad in [
            "a/b", "a?b", "a#b", "..", "a..b", "a b", "a\nb", "", "a%2Fb",
        ] {
            assert!(PrintJobId::new(bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(PrintJobId::new("42").unwrap().as_str(), "42");
    }

    #[test]
    fn path_segment_escapes_reserved_characters() {
        assert_eq!(path_segment("a:b@c"), "a%3Ab%40c");
        assert_eq!(path_segment("0f3c-9A_x.y~z"), "0f3c-9A_x.y~z");
    }

    #[test]
    fn consumers_tenant_is_refused_with_reason() {
        let err = TenantId::new("consumers").unwrap_err();
        assert!(err
            .reason
            .contains("personal Microsoft accounts are not supported"));
        assert!(TenantId::new(CONSUMER_TENANT_GUID).is_err());
        assert!(
            TenantId::new("Contoso.onmicrosoft.com").unwrap().as_str() == "contoso.onmicrosoft.com"
        );
        assert!(TenantId::new("organizations").unwrap().is_multi_tenant());
    }

    #[test]
    fn scope_short_form_ignores_graph_prefix() {
        let s = Scope::new("https://graph.microsoft.com/PrintJob.ReadWrite").unwrap();
        assert_eq!(s.short(), "PrintJob.ReadWrite");
        assert!(s.allows_cancel());
        assert!(!Scope::new("PrintJob.Read").unwrap().allows_cancel());
        assert!(Scope::new("two words").is_err());
    }

    #[test]
    fn guid_shape() {
        assert!(is_guid("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert!(!is_guid("contoso.com"));
    }
}
