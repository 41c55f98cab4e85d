//! OpenID Connect discovery.
//!
//! The document is fetched from `{authority}/{tenant}/v2.0/.well-known/openid-configuration`
//! (Microsoft's identity platform); when that answers 404, from
//! `{authority}/{tenant}/.well-known/openid-configuration` (the layout of other OpenID
//! providers, e.g. a Keycloak realm with `--authority https://idp.example.com/realms`). The
//! endpoints come from the document, never from hard-coded paths, so any standards-compliant
//! OpenID provider works. The document's `issuer` is checked: it must be the URL the document
//! was fetched from minus `/.well-known/openid-configuration` (OpenID Connect Discovery §4.3),
//! with Entra's two documented deviations accepted — the `{tenantid}` template for
//! `organizations`/`common`, and the tenant GUID in place of a domain name.

use super::AuthError;
use crate::config::require_secure_endpoint;
use crate::ids::{is_guid, TenantId};
use serde::Deserialize;
use url::Url;

/// The fields of an OpenID Provider configuration document that printjob uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DiscoveryDocument {
    /// The issuer identifier.
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where codes and refresh tokens are redeemed.
    pub token_endpoint: String,
    /// RFC 8628 device authorization endpoint (optional).
    #[serde(default)]
    pub device_authorization_endpoint: Option<String>,
    /// RP-initiated logout endpoint (optional).
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    /// Supported response modes (optional; `query` and `fragment` when absent).
    #[serde(default)]
    pub response_modes_supported: Option<Vec<String>>,
    /// RFC 9207: the authorization response carries `iss` (optional, false when absent).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

/// A discovered authority: the endpoints to use for one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// The identity provider host as configured (e.g. `https://login.microsoftonline.com`).
    pub host: Url,
    /// The tenant as configured.
    pub tenant: TenantId,
    /// The issuer from the document.
    pub issuer: String,
    /// The authorization endpoint.
    pub authorization_endpoint: Url,
    /// The token endpoint.
    pub token_endpoint: Url,
    /// The device authorization endpoint, if the provider has one.
    pub device_authorization_endpoint: Option<Url>,
    /// The logout endpoint, if the provider has one.
    pub end_session_endpoint: Option<Url>,
    /// Response modes the provider lists, if it lists them.
    pub response_modes_supported: Option<Vec<String>>,
    /// RFC 9207: whether authorization responses carry `iss` (then it is required and checked).
    pub authorization_response_iss_parameter_supported: bool,
}

/// The MSAL cache `environment` for an authority host URL: its host name, lower-cased, without
/// a port, as msal-python's `canonicalize` returns it (`urlparse(…).hostname`).
pub fn environment_of(host: &Url) -> String {
    host.host_str().unwrap_or_default().to_ascii_lowercase()
}

/// `{authority}/{tenant}` as a base URL (any path of the authority kept, trailing `/` added).
pub fn tenant_url(authority: &Url, tenant: &TenantId) -> Result<Url, AuthError> {
    let mut base = authority.clone();
    let path = base.path().trim_end_matches('/').to_owned();
    base.set_path(&format!(
        "{path}/{}/",
        crate::ids::path_segment(tenant.as_str())
    ));
    base.set_query(None);
    base.set_fragment(None);
    Ok(base)
}

/// Where a provider publishes its OpenID configuration, relative to `{authority}/{tenant}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerLayout {
    /// `{authority}/{tenant}/v2.0`: Microsoft's identity platform (tried first).
    TenantV2,
    /// `{authority}/{tenant}`: other OpenID providers (tried when the first answers 404).
    Tenant,
}

impl IssuerLayout {
    /// What follows the tenant segment in the issuer.
    pub fn suffix(self) -> &'static str {
        match self {
            IssuerLayout::TenantV2 => "/v2.0",
            IssuerLayout::Tenant => "",
        }
    }
}

#[cfg(test)] // the `v2.0` shorthand the tests use
/// The discovery document URL for a tenant (Microsoft's `v2.0` layout).
pub fn discovery_url(authority: &Url, tenant: &TenantId) -> Result<Url, AuthError> {
    discovery_url_in(authority, tenant, IssuerLayout::TenantV2)
}

/// The discovery document URL for a tenant in the given layout.
pub fn discovery_url_in(
    authority: &Url,
    tenant: &TenantId,
    layout: IssuerLayout,
) -> Result<Url, AuthError> {
    let relative = match layout {
        IssuerLayout::TenantV2 => "v2.0/.well-known/openid-configuration",
        IssuerLayout::Tenant => ".well-known/openid-configuration",
    };
    tenant_url(authority, tenant)?.join(relative).map_err(|e| {
        AuthError::Usage(format!(
            "cannot build the discovery URL from {authority}: {e}"
        ))
    })
}

/// Fetches and checks the discovery document of `tenant` at `authority`: the `v2.0` layout
/// first, the plain `{tenant}` layout when the first answers 404 (see the module docs).
pub async fn discover(
    http: &reqwest::Client,
    authority: &Url,
    tenant: &TenantId,
) -> Result<Authority, AuthError> {
    let first = fetch_document(http, authority, tenant, IssuerLayout::TenantV2).await?;
    let (document, layout) = match first {
        Fetched::Document(document) => (document, IssuerLayout::TenantV2),
        Fetched::NotFound(first_error) => {
            match fetch_document(http, authority, tenant, IssuerLayout::Tenant).await {
                Ok(Fetched::Document(document)) => (document, IssuerLayout::Tenant),
                _ => return Err(first_error),
            }
        }
    };
    from_document_in(document, authority, tenant, layout)
}

/// A discovery fetch that reached the provider.
enum Fetched {
    /// The document was found and parsed.
    Document(DiscoveryDocument),
    /// The provider answered 404 (the error to report if no other layout works either).
    NotFound(AuthError),
}

async fn fetch_document(
    http: &reqwest::Client,
    authority: &Url,
    tenant: &TenantId,
    layout: IssuerLayout,
) -> Result<Fetched, AuthError> {
    let url = discovery_url_in(authority, tenant, layout)?;
    tracing::debug!(%url, "fetching the OpenID configuration");
    let started = std::time::Instant::now();
    let response = http.get(url.clone()).send().await.map_err(|e| {
        crate::http::log_request(&reqwest::Method::GET, url.path(), None, started, None);
        AuthError::Network(format!(
            "cannot reach the identity provider at {url}: {}; check the authority URL and your network",
            crate::http::describe(&e)
        ))
    })?;
    let status = response.status();
    crate::http::log_request(
        &reqwest::Method::GET,
        url.path(),
        Some(status.as_u16()),
        started,
        Some(response.headers()),
    );
    let body = crate::http::read_text_capped(response).await.map_err(|e| {
        AuthError::Network(format!(
            "cannot read the discovery document from {url}: {e}"
        ))
    })?;
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(Fetched::NotFound(discovery_status_error(
            &url, status, &body, tenant,
        )));
    }
    if !status.is_success() {
        return Err(discovery_status_error(&url, status, &body, tenant));
    }
    serde_json::from_str(&body).map(Fetched::Document).map_err(|e| {
        AuthError::Discovery(format!(
            "the discovery document at {url} is not a valid OpenID configuration ({e}); check the authority URL"
        ))
    })
}

fn discovery_status_error(
    url: &Url,
    status: reqwest::StatusCode,
    body: &str,
    tenant: &TenantId,
) -> AuthError {
    let provider = super::token::parse_provider_error(body);
    let detail = provider
        .as_ref()
        .and_then(|p| p.description.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    AuthError::Discovery(format!(
        "the identity provider has no configuration for tenant `{tenant}` at {url} ({detail}); \
         check the tenant (GUID or verified domain) and the authority URL"
    ))
}

#[cfg(test)] // the `v2.0` shorthand the tests use
/// Checks a discovery document fetched from the `v2.0` layout against the authority and
/// tenant it was fetched for.
pub fn from_document(
    document: DiscoveryDocument,
    authority: &Url,
    tenant: &TenantId,
) -> Result<Authority, AuthError> {
    from_document_in(document, authority, tenant, IssuerLayout::TenantV2)
}

/// Checks a discovery document fetched from `layout` against the authority and tenant it was
/// fetched for.
pub fn from_document_in(
    document: DiscoveryDocument,
    authority: &Url,
    tenant: &TenantId,
    layout: IssuerLayout,
) -> Result<Authority, AuthError> {
    check_issuer_in(&document.issuer, authority, tenant, layout)?;
    let endpoint = |what: &str, value: &str| -> Result<Url, AuthError> {
        let url = Url::parse(value).map_err(|e| {
            AuthError::Discovery(format!(
                "the discovery document's {what} {value:?} is not a URL ({e}); the provider's configuration is broken"
            ))
        })?;
        require_secure_endpoint(what, &url).map_err(AuthError::Discovery)?;
        Ok(url)
    };
    let optional =
        |what: &str, value: Option<&String>| value.map(|v| endpoint(what, v)).transpose();
    Ok(Authority {
        host: authority.clone(),
        tenant: tenant.clone(),
        authorization_endpoint: endpoint(
            "authorization_endpoint",
            &document.authorization_endpoint,
        )?,
        token_endpoint: endpoint("token_endpoint", &document.token_endpoint)?,
        device_authorization_endpoint: optional(
            "device_authorization_endpoint",
            document.device_authorization_endpoint.as_ref(),
        )?,
        end_session_endpoint: optional(
            "end_session_endpoint",
            document.end_session_endpoint.as_ref(),
        )?,
        response_modes_supported: document.response_modes_supported,
        authorization_response_iss_parameter_supported: document
            .authorization_response_iss_parameter_supported,
        issuer: document.issuer,
    })
}

/// Sign-in hosts of one cloud that Entra documents as aliases of each other, whose discovery
/// documents name an issuer on the other host: Microsoft Azure operated by 21Vianet signs in at
/// `login.chinacloudapi.cn` (Entra "national clouds" page) while its issuer is on
/// `login.partner.microsoftonline.cn` (its discovery document; both are listed as one
/// cloud's aliases in Entra's instance discovery metadata, which MSAL uses).
const HOST_ALIASES: &[&[&str]] = &[&["login.chinacloudapi.cn", "login.partner.microsoftonline.cn"]];

/// The bases an issuer may start with: the authority itself, and the same URL on each
/// documented alias of its host (https only).
fn issuer_bases(authority: &Url) -> Vec<String> {
    let base = authority.as_str().trim_end_matches('/').to_owned();
    let mut bases = vec![base];
    let host = authority
        .host_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if authority.scheme() != "https" {
        return bases;
    }
    for group in HOST_ALIASES.iter().filter(|g| g.contains(&host.as_str())) {
        for alias in group.iter().filter(|a| **a != host) {
            let mut other = authority.clone();
            if other.set_host(Some(alias)).is_ok() {
                bases.push(other.as_str().trim_end_matches('/').to_owned());
            }
        }
    }
    bases
}

#[cfg(test)] // the `v2.0` shorthand the tests use
/// Accepts `{authority}/{tenant}/v2.0`, Entra's `{tenantid}` template for multi-tenant
/// authorities, and a tenant GUID in place of a domain tenant.
pub fn check_issuer(issuer: &str, authority: &Url, tenant: &TenantId) -> Result<(), AuthError> {
    check_issuer_in(issuer, authority, tenant, IssuerLayout::TenantV2)
}

/// Accepts `{authority}/{tenant}` followed by the layout's suffix (the URL the document was
/// fetched from minus `/.well-known/openid-configuration`), with Entra's `{tenantid}` template
/// for multi-tenant authorities and a tenant GUID in place of a domain tenant.
pub fn check_issuer_in(
    issuer: &str,
    authority: &Url,
    tenant: &TenantId,
    layout: IssuerLayout,
) -> Result<(), AuthError> {
    let base = authority.as_str().trim_end_matches('/');
    let normalized = issuer.trim_end_matches('/');
    let suffix = layout.suffix();
    let segment = issuer_bases(authority).into_iter().find_map(|b| {
        normalized
            .strip_prefix(b.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|rest| rest.strip_suffix(suffix))
            .filter(|seg| !seg.contains('/'))
    });
    let accepted = match segment {
        Some(seg) if seg.eq_ignore_ascii_case(tenant.as_str()) => true,
        Some("{tenantid}") => tenant.is_multi_tenant(),
        Some(seg) => !tenant.is_guid() && !tenant.is_multi_tenant() && is_guid(seg),
        None => false,
    };
    if accepted {
        return Ok(());
    }
    Err(AuthError::Discovery(format!(
        "the discovery document names the issuer {issuer:?}, which does not belong to \
         {base}/{tenant}{suffix}; check the authority URL and the tenant (a proxy or a misconfigured \
         provider can cause this)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Url {
        Url::parse("https://login.example.com").unwrap()
    }

    fn doc(issuer: &str) -> DiscoveryDocument {
        DiscoveryDocument {
            issuer: issuer.into(),
            authorization_endpoint: "https://login.example.com/t/oauth2/v2.0/authorize".into(),
            token_endpoint: "https://login.example.com/t/oauth2/v2.0/token".into(),
            device_authorization_endpoint: None,
            end_session_endpoint: None,
            response_modes_supported: None,
            authorization_response_iss_parameter_supported: false,
        }
    }

    fn tenant(s: &str) -> TenantId {
        TenantId::new(s).unwrap()
    }

    #[test]
    fn discovery_url_is_tenant_v2_well_known() {
        let url = discovery_url(&host(), &tenant("contoso.onmicrosoft.com")).unwrap();
        assert_eq!(
            url.as_str(),
            "https://login.example.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
        );
    }

    #[test]
    fn discovery_url_keeps_an_authority_path_prefix() {
        let authority = Url::parse("http://127.0.0.1:9000/idp/").unwrap();
        let url = discovery_url(&authority, &tenant("organizations")).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9000/idp/organizations/v2.0/.well-known/openid-configuration"
        );
    }

    #[test]
    fn issuer_equal_to_authority_tenant_is_accepted() {
        let t = tenant("5f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40");
        assert!(check_issuer(
            "https://login.example.com/5f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40/v2.0",
            &host(),
            &t
        )
        .is_ok());
    }

    #[test]
    fn tenantid_template_is_accepted_for_organizations_only() {
        let issuer = "https://login.example.com/{tenantid}/v2.0";
        assert!(check_issuer(issuer, &host(), &tenant("organizations")).is_ok());
        assert!(check_issuer(issuer, &host(), &tenant("common")).is_ok());
        assert!(check_issuer(issuer, &host(), &tenant("contoso.onmicrosoft.com")).is_err());
    }

    #[test]
    fn domain_tenant_accepts_a_guid_issuer() {
        let issuer = "https://login.example.com/5f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40/v2.0";
        assert!(check_issuer(issuer, &host(), &tenant("contoso.onmicrosoft.com")).is_ok());
    }

    #[test]
    fn guid_tenant_refuses_another_guid_issuer() {
        let issuer = "https://login.example.com/0b8e7d6c-5a4f-4e3d-9c2b-1a0f9e8d7c6b/v2.0";
        let err = check_issuer(
            issuer,
            &host(),
            &tenant("5f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("does not belong to"), "{err}");
    }

    #[test]
    fn plain_layout_discovery_url_has_no_v2_segment() {
        let authority = Url::parse("https://idp.example.com/realms").unwrap();
        let url = discovery_url_in(&authority, &tenant("printing"), IssuerLayout::Tenant).unwrap();
        assert_eq!(
            url.as_str(),
            "https://idp.example.com/realms/printing/.well-known/openid-configuration"
        );
    }

    #[test]
    fn plain_layout_accepts_the_issuer_without_v2_and_refuses_it_with_v2() {
        let authority = Url::parse("https://idp.example.com/realms").unwrap();
        let t = tenant("printing");
        let plain = "https://idp.example.com/realms/printing";
        assert!(check_issuer_in(plain, &authority, &t, IssuerLayout::Tenant).is_ok());
        assert!(check_issuer_in(plain, &authority, &t, IssuerLayout::TenantV2).is_err());
        let v2 = "https://idp.example.com/realms/printing/v2.0";
        assert!(check_issuer_in(v2, &authority, &t, IssuerLayout::Tenant).is_err());
    }

    #[test]
    fn china_issuer_on_the_partner_host_is_accepted_for_the_chinacloudapi_authority() {
        let authority = Url::parse("https://login.chinacloudapi.cn").unwrap();
        let issuer = "https://login.partner.microsoftonline.cn/{tenantid}/v2.0";
        assert!(check_issuer(issuer, &authority, &tenant("organizations")).is_ok());
        let elsewhere = "https://login.partner.example.cn/{tenantid}/v2.0";
        assert!(check_issuer(elsewhere, &authority, &tenant("organizations")).is_err());
        let public = Url::parse("https://login.microsoftonline.com").unwrap();
        assert!(check_issuer(issuer, &public, &tenant("organizations")).is_err());
    }

    #[test]
    fn issuer_on_another_host_is_refused() {
        let issuer = "https://evil.example.net/organizations/v2.0";
        assert!(check_issuer(issuer, &host(), &tenant("organizations")).is_err());
    }

    #[test]
    fn endpoints_come_from_the_document() {
        let mut d = doc("https://login.example.com/organizations/v2.0");
        d.token_endpoint = "https://tokens.example.org/custom/path/token".into();
        d.device_authorization_endpoint = Some("https://login.example.com/device".into());
        let a = from_document(d, &host(), &tenant("organizations")).unwrap();
        assert_eq!(
            a.token_endpoint.as_str(),
            "https://tokens.example.org/custom/path/token"
        );
        assert_eq!(
            a.device_authorization_endpoint.unwrap().as_str(),
            "https://login.example.com/device"
        );
    }

    #[test]
    fn plain_http_endpoint_in_the_document_is_refused() {
        let mut d = doc("https://login.example.com/organizations/v2.0");
        d.token_endpoint = "http://login.example.com/t/token".into();
        let err = from_document(d, &host(), &tenant("organizations")).unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
    }

    #[test]
    fn environment_is_the_host_name_without_a_port_as_msal_writes_it() {
        assert_eq!(environment_of(&host()), "login.example.com");
        assert_eq!(
            environment_of(&Url::parse("http://127.0.0.1:8400").unwrap()),
            "127.0.0.1"
        );
    }
}
