//! What the identity platform's handlers read from a request: the tenant segment of the path
//! (resolved against the directory, or AADSTS90002), a query string or form body, a cookie,
//! and whether a POST is a form. The router (`mod.rs`) and every endpoint take these from here.

use super::super::directory::Directory;
use super::super::state::EmulatorState;
use super::errors::AadError;
use axum::http::{header, HeaderMap};
use printjob::CONSUMER_TENANT_GUID;
use std::collections::HashMap;

/// The tenant segment of a URL, resolved against the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantPath {
    /// `organizations` or `common`: the tenant is the signed-in user's.
    Multi(&'static str),
    /// A directory tenant (by GUID, domain, or `consumers`).
    Specific {
        /// Its GUID.
        id: String,
        /// The segment to use in endpoint URLs (the GUID, or `consumers`).
        segment: String,
    },
}

impl TenantPath {
    /// Resolves a tenant segment; `None` when the directory has no such tenant.
    pub fn resolve(directory: &Directory, segment: &str) -> Option<Self> {
        let lower = segment.to_ascii_lowercase();
        match lower.as_str() {
            "organizations" => Some(Self::Multi("organizations")),
            "common" => Some(Self::Multi("common")),
            "consumers" => directory
                .tenant(CONSUMER_TENANT_GUID)
                .map(|t| Self::Specific {
                    id: t.id.clone(),
                    segment: "consumers".into(),
                }),
            _ => directory.tenant(&lower).map(|t| Self::Specific {
                id: t.id.clone(),
                segment: t.id.clone(),
            }),
        }
    }

    /// The segment used in the endpoints of the discovery document.
    pub fn segment(&self) -> &str {
        match self {
            Self::Multi(s) => s,
            Self::Specific { segment, .. } => segment,
        }
    }

    /// Whether a user of `tenant_id` may sign in through this tenant segment.
    pub fn admits(&self, tenant_id: &str) -> bool {
        match self {
            Self::Multi(_) => true,
            Self::Specific { id, .. } => id == tenant_id,
        }
    }
}

/// AADSTS90002: unknown tenant.
pub fn tenant_not_found(segment: &str) -> AadError {
    AadError::new(
        "invalid_tenant",
        90002,
        format!(
            "Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and \
             are signing into the correct cloud. Check with your subscription administrator, this \
             may happen if there are no active subscriptions for the tenant."
        ),
    )
}

/// Resolves the tenant of a request or answers AADSTS90002.
pub fn resolve_tenant(state: &EmulatorState, segment: &str) -> Result<TenantPath, AadError> {
    TenantPath::resolve(&state.directory(), segment).ok_or_else(|| tenant_not_found(segment))
}

/// Parses a query string or form body into a map (the first value of a repeated name wins).
pub fn parse_params(raw: &[u8]) -> HashMap<String, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(raw).unwrap_or_default();
    let mut map = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_insert(v);
    }
    map
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Whether a form POST carries `application/x-www-form-urlencoded`.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
}
