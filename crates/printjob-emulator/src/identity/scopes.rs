//! The scopes the emulator knows: OpenID Connect scopes and Microsoft Graph delegated
//! permissions, with whether they need an administrator's consent.

use super::super::directory::Client;
use super::errors::AadError;
use printjob::{strip_graph_resource, Cloud};

/// A Graph delegated permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownScope {
    /// Canonical name (`PrintJob.ReadWriteBasic`).
    pub name: &'static str,
    /// Whether only an administrator (here: a Printer Administrator) can consent to it.
    pub admin_consent: bool,
    /// What the consent page says it allows.
    pub description: &'static str,
}

const fn scope(name: &'static str, admin_consent: bool, description: &'static str) -> KnownScope {
    KnownScope {
        name,
        admin_consent,
        description,
    }
}

/// Graph delegated permissions the emulator accepts.
pub const GRAPH_SCOPES: &[KnownScope] = &[
    scope("User.Read", false, "Sign you in and read your profile"),
    scope(
        "User.ReadBasic.All",
        false,
        "Read all users' basic profiles",
    ),
    scope(
        "PrintJob.ReadBasic",
        false,
        "Read basic information of your print jobs",
    ),
    scope("PrintJob.Read", false, "Read your print jobs"),
    scope(
        "PrintJob.ReadWriteBasic",
        false,
        "Read and write basic information of your print jobs",
    ),
    scope(
        "PrintJob.ReadWrite",
        false,
        "Read and write your print jobs",
    ),
    scope("PrintJob.Create", false, "Create your print jobs"),
    scope(
        "PrintJob.ReadBasic.All",
        true,
        "Read basic information of user print jobs",
    ),
    scope("PrintJob.Read.All", true, "Read user print jobs"),
    scope(
        "PrintJob.ReadWriteBasic.All",
        true,
        "Read and write basic information of user print jobs",
    ),
    scope(
        "PrintJob.ReadWrite.All",
        true,
        "Read and write user print jobs",
    ),
    scope("Printer.Read.All", true, "Read printers"),
    scope("Printer.ReadWrite.All", true, "Read and update printers"),
    scope(
        "PrinterShare.ReadBasic.All",
        false,
        "Read basic information about printer shares",
    ),
    scope("PrinterShare.Read.All", true, "Read printer shares"),
    scope(
        "PrinterShare.ReadWrite.All",
        true,
        "Read and write printer shares",
    ),
    scope(
        "PrintSettings.Read.All",
        true,
        "Read tenant-wide print settings",
    ),
];

/// OpenID Connect scopes (lower case, as the standard spells them).
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Whether `scope` (normalised) is an OpenID Connect scope.
pub fn is_oidc(scope: &str) -> bool {
    OIDC_SCOPES.contains(&scope)
}

/// The catalog entry of a normalised Graph scope.
pub fn known(scope: &str) -> Option<&'static KnownScope> {
    GRAPH_SCOPES.iter().find(|s| s.name == scope)
}

/// Whether consenting to `scope` needs an administrator.
pub fn needs_admin(scope: &str) -> bool {
    known(scope).is_some_and(|s| s.admin_consent)
}

/// What the consent page says about a normalised scope.
pub fn describe(scope: &str) -> &'static str {
    match scope {
        "openid" => "Sign you in",
        "profile" => "View your basic profile",
        "email" => "View your email address",
        "offline_access" => "Maintain access to data you have given it access to",
        other => known(other).map_or("Unknown permission", |s| s.description),
    }
}

fn invalid_scope(scope: &str) -> AadError {
    AadError::new(
        "invalid_scope",
        70011,
        format!(
            "The provided request must include a 'scope' input parameter. The provided value for \
             the input parameter 'scope' is not valid. The scope '{scope}' does not exist."
        ),
    )
}

/// Normalises a requested `scope` parameter: OIDC scopes lower-cased, Graph scopes without the
/// `https://graph.microsoft.com/` prefix in their canonical case, `.default` expanded to the
/// client's configured permissions. Unknown scopes give AADSTS70011.
pub fn normalize(requested: &str, client: &Client) -> Result<Vec<String>, AadError> {
    let mut out: Vec<String> = Vec::new();
    let mut default = false;
    let mut graph_named = false;
    for word in requested.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if is_oidc(&lower) {
            push_unique(&mut out, lower);
            continue;
        }
        let short = strip_graph_resource(word);
        if short == ".default" && short != word {
            default = true;
            continue;
        }
        let known = GRAPH_SCOPES
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(short))
            .ok_or_else(|| invalid_scope(word))?;
        graph_named = true;
        push_unique(&mut out, known.name.to_string());
    }
    if out.is_empty() && !default {
        return Err(AadError::missing("scope"));
    }
    if default && graph_named {
        return Err(AadError::new(
            "invalid_scope",
            70011,
            "The provided value for the input parameter 'scope' is not valid. '.default' cannot \
             be combined with other scopes of the same resource.",
        ));
    }
    if default {
        for permission in &client.api_permissions {
            if let Some(known) = known(permission) {
                push_unique(&mut out, known.name.to_string());
            }
        }
    }
    Ok(out)
}

/// The Graph resource a `scope` parameter names, which becomes the access token's audience:
/// the resource its qualified Graph scopes carry (`https://dod-graph.microsoft.us/…`), else
/// what a short name means at `cloud`'s sign-in host (Graph `concepts/sdks/national-clouds.md`:
/// "`User.Read` and `https://graph.microsoft.us/User.Read` are equivalent for the US Government
/// L4 national cloud"; that DoD is not meant by short names there is an *assumption*, see
/// [`Cloud::short_scope_resource`]). The Graphs of every cloud signing in at the same host are
/// served (`usgov` and `usgov-dod` share `login.microsoftonline.us`); another Graph is
/// AADSTS500011, two resources in one request AADSTS28000.
pub fn resource(requested: &str, cloud: Cloud) -> Result<String, AadError> {
    let served: Vec<&'static str> = Cloud::ALL
        .into_iter()
        .filter(|c| c.authority_host() == cloud.authority_host())
        .map(Cloud::graph_resource)
        .collect();
    let mut found: Option<&'static str> = None;
    for word in requested.split_whitespace() {
        if is_oidc(&word.to_ascii_lowercase()) {
            continue;
        }
        let short = strip_graph_resource(word);
        let named = match word.get(..word.len() - short.len()) {
            Some(prefix) if !prefix.is_empty() => prefix.trim_end_matches('/'),
            _ => cloud.short_scope_resource(),
        };
        let named = served
            .iter()
            .copied()
            .find(|r| r.eq_ignore_ascii_case(named))
            .ok_or_else(|| {
                AadError::new(
                    "invalid_resource",
                    500011,
                    format!(
                        "The resource principal named {named} was not found in the tenant. This \
                         sign-in host serves {}.",
                        served.join(" and ")
                    ),
                )
            })?;
        match found {
            Some(earlier) if earlier != named => {
                return Err(AadError::new(
                    "invalid_scope",
                    28000,
                    format!(
                        "Provided value for the input parameter scope is not valid because it \
                         contains more than one resource. Scope {requested} is not valid."
                    ),
                ))
            }
            _ => found = Some(named),
        }
    }
    Ok(found.unwrap_or(cloud.short_scope_resource()).to_string())
}

/// The `scope` of a token response: the `scp` names, qualified with `resource` when short
/// names at `cloud`'s sign-in host mean another Graph (as Entra returns scopes of a resource
/// other than the one short names mean).
pub fn response_scope(scopes: &[String], resource: &str, cloud: Cloud) -> String {
    let scp = scp_claim(scopes);
    if resource.eq_ignore_ascii_case(cloud.short_scope_resource()) {
        return scp;
    }
    scp.split_whitespace()
        .map(|s| {
            if is_oidc(s) {
                s.to_string()
            } else {
                format!("{resource}/{s}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn push_unique(out: &mut Vec<String>, scope: String) {
    if !out.contains(&scope) {
        out.push(scope);
    }
}

/// The `scp` claim of a Graph access token: Graph scopes plus `openid profile email` (never
/// `offline_access`), space separated.
pub fn scp_claim(scopes: &[String]) -> String {
    scopes
        .iter()
        .filter(|s| s.as_str() != "offline_access")
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client {
            client_id: "c".into(),
            display_name: "c".into(),
            redirect_uris: vec![],
            public: true,
            secret: None,
            app_roles: vec![],
            api_permissions: vec!["PrintJob.ReadWriteBasic".into()],
            tenant_id: "t".into(),
        }
    }

    #[test]
    fn graph_prefix_and_case_are_normalised() {
        let got = normalize(
            "OpenID https://graph.microsoft.com/printjob.readwritebasic User.Read",
            &client(),
        )
        .unwrap();
        assert_eq!(got, ["openid", "PrintJob.ReadWriteBasic", "User.Read"]);
    }

    #[test]
    fn unknown_scope_is_aadsts70011() {
        let err = normalize("openid Mail.Send", &client()).unwrap_err();
        assert_eq!((err.error, err.code), ("invalid_scope", 70011));
        assert!(err.message.contains("Mail.Send"));
    }

    #[test]
    fn short_names_mean_the_l4_graph_at_the_us_government_sign_in_host() {
        for cloud in [Cloud::UsGov, Cloud::UsGovDod] {
            let got = resource("openid PrintJob.ReadWriteBasic", cloud).unwrap();
            assert_eq!(got, "https://graph.microsoft.us");
        }
        assert_eq!(
            resource("offline_access User.Read", Cloud::Public).unwrap(),
            "https://graph.microsoft.com"
        );
    }

    #[test]
    fn qualified_names_pick_the_graph_of_the_same_sign_in_host() {
        let dod = "openid https://dod-graph.microsoft.us/PrintJob.ReadWriteBasic";
        for cloud in [Cloud::UsGov, Cloud::UsGovDod] {
            assert_eq!(
                resource(dod, cloud).unwrap(),
                "https://dod-graph.microsoft.us"
            );
            assert_eq!(
                resource("https://graph.microsoft.us/User.Read", cloud).unwrap(),
                "https://graph.microsoft.us"
            );
        }
        let err = resource(dod, Cloud::Public).unwrap_err();
        assert_eq!((err.error, err.code), ("invalid_resource", 500011));
        let err = resource("https://graph.microsoft.com/User.Read", Cloud::UsGov).unwrap_err();
        assert_eq!(err.code, 500011);
    }

    #[test]
    fn two_resources_in_one_request_are_aadsts28000() {
        let err = resource(
            "PrintJob.ReadWriteBasic https://dod-graph.microsoft.us/User.Read",
            Cloud::UsGovDod,
        )
        .unwrap_err();
        assert_eq!((err.error, err.code), ("invalid_scope", 28000));
    }

    #[test]
    fn the_response_scope_is_qualified_only_for_a_graph_short_names_do_not_mean() {
        let granted = vec!["openid".to_string(), "PrintJob.ReadWriteBasic".to_string()];
        assert_eq!(
            response_scope(&granted, "https://graph.microsoft.us", Cloud::UsGovDod),
            "openid PrintJob.ReadWriteBasic"
        );
        assert_eq!(
            response_scope(&granted, "https://dod-graph.microsoft.us", Cloud::UsGovDod),
            "openid https://dod-graph.microsoft.us/PrintJob.ReadWriteBasic"
        );
    }

    #[test]
    fn default_expands_to_configured_permissions() {
        let got = normalize(
            "https://graph.microsoft.com/.default offline_access",
            &client(),
        );
        assert_eq!(got.unwrap(), ["offline_access", "PrintJob.ReadWriteBasic"]);
        assert!(normalize("https://graph.microsoft.com/.default User.Read", &client()).is_err());
    }
}
