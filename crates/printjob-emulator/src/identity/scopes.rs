//! The scopes the emulator knows: OpenID Connect scopes and Microsoft Graph delegated
//! permissions, with whether they need an administrator's consent.

use super::super::directory::Client;
use super::errors::AadError;
use printjob::strip_graph_resource;

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
    fn default_expands_to_configured_permissions() {
        let got = normalize(
            "https://graph.microsoft.com/.default offline_access",
            &client(),
        );
        assert_eq!(got.unwrap(), ["offline_access", "PrintJob.ReadWriteBasic"]);
        assert!(normalize("https://graph.microsoft.com/.default User.Read", &client()).is_err());
    }
}
