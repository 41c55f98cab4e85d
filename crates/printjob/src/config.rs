//! Configuration: tenant, client id, cloud, endpoints, scopes, cache path.
//!
//! Sources, highest first: explicit settings ([`ConfigInputs`], e.g. a command line's flags) >
//! settings the caller read from its environment (another [`ConfigInputs`]) > the config file
//! (`config.toml` or `config.json` in the platform config directory, or a file the caller names).
//! The library reads no environment variable for configuration: which variables exist is the
//! caller's business (the command line's are in docs/configuration.md).

use crate::failure::{ErrorKind, Remedy, Setting};
use crate::ids::{ClientId, Scope, TenantId};
use crate::permissions::PURPOSE;
use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use url::Url;

/// An invalid configuration.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    message: String,
    setting: Option<Setting>,
}

impl ConfigError {
    /// A configuration error with an actionable message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            setting: None,
        }
    }

    /// A configuration error about one setting (the remedy names it).
    pub fn about(setting: Setting, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            setting: Some(setting),
        }
    }

    /// What would fix it: checking the setting it is about, if known.
    pub fn remedy(&self) -> Option<Remedy> {
        self.setting.map(|s| Remedy::CheckSettings(vec![s]))
    }

    /// Configuration errors are usage errors.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Usage
    }
}

/// A national cloud: each has its own sign-in host and Graph endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cloud {
    /// Microsoft's global cloud (the default).
    #[default]
    Public,
    /// Azure US Government (GCC High, L4).
    UsGov,
    /// Azure US Government, Department of Defense (L5): the same sign-in host as `UsGov`, its
    /// own Graph endpoint (Graph `deployments.md`).
    UsGovDod,
    /// Azure operated by 21Vianet (China): sign-in works, but Universal Print is not offered
    /// there (every print API page's availability table: China ❌), so print commands refuse it.
    China,
}

impl Cloud {
    /// Parses `public`, `usgov`, `usgov-dod` or `china` (case-insensitive).
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "public" | "global" | "azurepublic" => Ok(Cloud::Public),
            "usgov" | "usgovernment" | "azureusgovernment" => Ok(Cloud::UsGov),
            "usgov-dod" | "usgovdod" | "dod" => Ok(Cloud::UsGovDod),
            "china" | "azurechina" => Ok(Cloud::China),
            other => Err(ConfigError::about(Setting::Cloud, format!(
                "unknown cloud {other:?}; use public, usgov, usgov-dod or china (or an explicit authority and Graph URL for another provider)"
            ))),
        }
    }

    /// The identity provider host of this cloud.
    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::UsGov | Cloud::UsGovDod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The Microsoft Graph v1.0 endpoint of this cloud.
    pub fn graph_url(self) -> &'static str {
        match self {
            Cloud::Public => "https://graph.microsoft.com/v1.0",
            Cloud::UsGov => "https://graph.microsoft.us/v1.0",
            Cloud::UsGovDod => "https://dod-graph.microsoft.us/v1.0",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn/v1.0",
        }
    }

    /// This cloud's Microsoft Graph resource: the audience of its access tokens and the prefix
    /// of a qualified scope name (Graph `deployments.md`: "Access tokens acquired for a
    /// national cloud deployment are not interchangeable with those acquired for the global
    /// service or any other national cloud").
    pub fn graph_resource(self) -> &'static str {
        match self {
            Cloud::Public => "https://graph.microsoft.com",
            Cloud::UsGov => "https://graph.microsoft.us",
            Cloud::UsGovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The Graph resource a short scope name (`PrintJob.ReadWriteBasic`, no resource) means at
    /// this cloud's sign-in host. Graph `concepts/sdks/national-clouds.md`: "`User.Read` and
    /// `https://graph.microsoft.us/User.Read` are equivalent for the US Government L4 national
    /// cloud"; `usgov-dod` signs in at the same host, and no page says short names mean the
    /// DoD Graph there (*assumption*: they mean the L4 Graph, so DoD scopes are sent qualified).
    pub fn short_scope_resource(self) -> &'static str {
        match self {
            Cloud::UsGov | Cloud::UsGovDod => Cloud::UsGov.graph_resource(),
            other => other.graph_resource(),
        }
    }

    /// Whether scopes are sent qualified with [`Cloud::graph_resource`] because a short name
    /// would name another Graph ([`Cloud::short_scope_resource`]): `usgov-dod` only.
    pub fn qualifies_scopes(self) -> bool {
        self.short_scope_resource() != self.graph_resource()
    }

    /// Every cloud.
    pub const ALL: [Cloud; 4] = [Cloud::Public, Cloud::UsGov, Cloud::UsGovDod, Cloud::China];

    /// The name [`Cloud::parse`] reads (`public`, `usgov`, `usgov-dod`, `china`).
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::UsGov => "usgov",
            Cloud::UsGovDod => "usgov-dod",
            Cloud::China => "china",
        }
    }
}

/// Settings given explicitly (command-line flags, or a library caller); every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigInputs {
    /// Tenant GUID, domain, `organizations` or `common`.
    #[serde(default, alias = "tenant_id")]
    pub tenant: Option<String>,
    /// Application (client) id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// `public`, `usgov`, `usgov-dod` or `china`.
    #[serde(default)]
    pub cloud: Option<String>,
    /// Identity provider host (overrides `cloud`).
    #[serde(default)]
    pub authority: Option<String>,
    /// Microsoft Graph endpoint (overrides `cloud`).
    #[serde(default)]
    pub graph_url: Option<String>,
    /// Token cache file.
    #[serde(default)]
    pub cache: Option<PathBuf>,
    /// Where the token cache is kept: `auto`, `secret-service` (or `keyring`) or `file`.
    #[serde(default)]
    pub cache_store: Option<String>,
    /// Delegated scopes to request.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

impl ConfigInputs {
    /// Fills every unset field from `lower` (a lower-precedence source).
    fn or(self, lower: ConfigInputs) -> ConfigInputs {
        ConfigInputs {
            tenant: self.tenant.or(lower.tenant),
            client_id: self.client_id.or(lower.client_id),
            cloud: self.cloud.or(lower.cloud),
            authority: self.authority.or(lower.authority),
            graph_url: self.graph_url.or(lower.graph_url),
            cache: self.cache.or(lower.cache),
            cache_store: self.cache_store.or(lower.cache_store),
            scopes: self.scopes.or(lower.scopes),
        }
    }
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The tenant (`organizations` unless set).
    pub tenant: TenantId,
    /// The application (client) id of the public client registration.
    pub client_id: ClientId,
    /// The identity provider host, e.g. `https://login.microsoftonline.com` (no tenant).
    pub authority: Url,
    /// The Microsoft Graph endpoint, e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_url: Url,
    /// The delegated scopes to request (default `PrintJob.ReadWriteBasic`).
    pub scopes: Vec<Scope>,
    /// The token cache file.
    pub cache_path: PathBuf,
    /// Where the token cache is kept (`auto` unless set).
    pub cache_store: CacheStore,
    /// The national cloud chosen (`public` unless set).
    pub cloud: Cloud,
    /// Things the user should know (e.g. the `common` tenant); the command line prints them.
    pub warnings: Vec<String>,
}

impl Config {
    /// Refuses a cloud where Universal Print is not offered (Microsoft Azure operated by
    /// 21Vianet: every print API page's availability table says China ❌, and China's Graph
    /// metadata has no `printJob`). Sign-in itself works there.
    pub fn require_universal_print(&self) -> Result<(), ConfigError> {
        if self.cloud == Cloud::China {
            return Err(ConfigError::about(
                Setting::Cloud,
                "Universal Print is not offered in Microsoft Azure operated by 21Vianet (the china cloud): Microsoft Graph there has no print API, so printers and print jobs cannot be reached; use a tenant in the public or US Government cloud",
            ));
        }
        Ok(())
    }
}

impl Config {
    /// Resolves `flags` > `env` (settings a caller read from its environment) > the config file
    /// (`config_file` when given, else the default one, if it exists).
    pub fn load(
        flags: ConfigInputs,
        env: ConfigInputs,
        config_file: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let file = match config_file {
            Some(path) => Some(read_config_file(path)?),
            None => default_config_file()
                .map(|p| read_config_file(&p))
                .transpose()?,
        };
        Self::resolve(flags, env, file.unwrap_or_default())
    }

    /// Resolves `flags` > `env` > `file` without touching the file system.
    pub fn resolve(
        flags: ConfigInputs,
        env: ConfigInputs,
        file: ConfigInputs,
    ) -> Result<Config, ConfigError> {
        let merged = flags.or(env).or(file);
        let mut warnings = Vec::new();
        let tenant = resolve_tenant(merged.tenant.as_deref(), &mut warnings)?;
        let client_id = require_client_id(merged.client_id.as_deref())?;
        let cloud = merged
            .cloud
            .as_deref()
            .map(Cloud::parse)
            .transpose()?
            .unwrap_or_default();
        let authority = parse_endpoint(
            "authority",
            merged
                .authority
                .as_deref()
                .unwrap_or(cloud.authority_host()),
        )?;
        let graph_url = parse_endpoint(
            "Graph URL",
            merged.graph_url.as_deref().unwrap_or(cloud.graph_url()),
        )?;
        let scopes = resolve_scopes(merged.scopes.unwrap_or_default())?;
        let cache_path = match merged.cache {
            Some(path) => path,
            None => default_cache_path()?,
        };
        let cache_store = resolve_cache_store(merged.cache_store.as_deref())?;
        Ok(Config {
            tenant,
            client_id,
            authority,
            graph_url,
            scopes,
            cache_path,
            cache_store,
            cloud,
            warnings,
        })
    }
}

fn resolve_cache_store(value: Option<&str>) -> Result<CacheStore, ConfigError> {
    match value {
        None => Ok(CacheStore::default()),
        Some(v) => CacheStore::parse(v).ok_or_else(|| {
            ConfigError::about(
                Setting::CacheStore,
                format!("unknown token cache store {v:?}; use auto, secret-service (or keyring) or file"),
            )
        }),
    }
}

fn resolve_tenant(
    value: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<TenantId, ConfigError> {
    let tenant = match value {
        Some(v) => {
            TenantId::new(v).map_err(|e| ConfigError::about(Setting::Tenant, e.to_string()))?
        }
        None => TenantId::organizations(),
    };
    if tenant.as_str() == "common" {
        warnings.push(
            "tenant `common` also admits personal Microsoft accounts, which Universal Print does \
             not support; prefer your tenant's domain or GUID, or `organizations`"
                .into(),
        );
    }
    Ok(tenant)
}

/// The client id, or a usage error that explains how to register an application.
pub fn require_client_id(value: Option<&str>) -> Result<ClientId, ConfigError> {
    let Some(value) = value else {
        return Err(ConfigError::about(
            Setting::ClientId,
            "no client id: printjob signs in through an application you register in your tenant \
             (see \"Register an application\" in README.md), then set the client id to its \
             Application (client) ID",
        ));
    };
    ClientId::new(value.trim()).map_err(|e| ConfigError::about(Setting::ClientId, e.to_string()))
}

fn resolve_scopes(values: Vec<String>) -> Result<Vec<Scope>, ConfigError> {
    if values.is_empty() {
        return PURPOSE
            .least_privileged()
            .map(|scope| vec![scope])
            .ok_or_else(|| ConfigError::new("the operation printjob signs in for has no scope"));
    }
    values
        .into_iter()
        .map(|s| Scope::new(s).map_err(|e| ConfigError::about(Setting::Scopes, e.to_string())))
        .collect()
}

/// Parses an endpoint URL and refuses plain `http://` unless it is on the loopback interface.
pub fn parse_endpoint(what: &str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| {
        ConfigError::new(format!(
            "the {what} {value:?} is not a URL ({e}); give it as https://host[/path]"
        ))
    })?;
    require_secure_endpoint(what, &url).map_err(ConfigError::new)?;
    Ok(url)
}

/// Refuses anything but `https://`, except `http://` to 127.0.0.0/8, `::1` or `localhost`
/// (local emulators and test servers). The error says what to use instead.
pub fn require_secure_endpoint(what: &str, url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(url) => Ok(()),
        "http" => Err(format!(
            "the {what} {url} uses plain http, which would send tokens unencrypted; use https \
             (plain http is allowed only for 127.0.0.1, ::1 and localhost)"
        )),
        other => Err(format!(
            "the {what} {url} has the scheme {other:?}; use an https:// URL"
        )),
    }
}

/// Whether the URL's host is `localhost`, in 127.0.0.0/8 or `::1`.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "printjob")
}

/// The default token cache file: `token_cache.json` in the platform cache directory
/// (`~/.cache/printjob/token_cache.json` on Linux).
pub fn default_cache_path() -> Result<PathBuf, ConfigError> {
    project_dirs()
        .map(|d| d.cache_dir().join("token_cache.json"))
        .ok_or_else(|| {
            ConfigError::about(
                Setting::Cache,
                "cannot find a home directory for the token cache; set the token cache to a file path",
            )
        })
}

/// The config file in the platform config directory, if one exists (`config.toml`, else
/// `config.json`; `~/.config/printjob/` on Linux).
pub fn default_config_file() -> Option<PathBuf> {
    let dir = project_dirs()?.config_dir().to_path_buf();
    ["config.toml", "config.json"]
        .into_iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// Reads a TOML or JSON config file (chosen by extension; `.json` is JSON, anything else TOML).
pub fn read_config_file(path: &Path) -> Result<ConfigInputs, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    parse_config_text(path, &text)
}

fn parse_config_text(path: &Path, text: &str) -> Result<ConfigInputs, ConfigError> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let parsed = if is_json {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        toml::from_str(text).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| {
        ConfigError::new(format!(
            "the config file {} is not valid: {e}; see docs/configuration.md",
            path.display()
        ))
    })
}

/// Where a token cache keeps its document: the setting (`auto`, `secret-service`, `file`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheStore {
    /// The platform's secret store when one answers within a few seconds, else the file
    /// (with a notice saying why).
    #[default]
    Auto,
    /// The platform's secret store (Secret Service on Linux, the Keychain on macOS), or an
    /// [`crate::AuthError::SecretStoreUnavailable`] error.
    SecretStore,
    /// The plain file (mode 0600 on Unix).
    File,
}

impl CacheStore {
    /// Parses `auto`, `secret-service` (also `keyring`, `secret-store`, `keychain`) or `file`,
    /// ignoring case.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(CacheStore::Auto),
            "secret-service" | "secretservice" | "secret-store" | "keyring" | "keychain" => {
                Some(CacheStore::SecretStore)
            }
            "file" | "plain" => Some(CacheStore::File),
            _ => None,
        }
    }

    /// The setting's canonical value: `auto`, `secret-service` or `file`.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStore::Auto => "auto",
            CacheStore::SecretStore => "secret-service",
            CacheStore::File => "file",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "7d3f2c1b-8a9e-4b6d-a5c4-3e2f1d0c9b8a";

    fn with_client(inputs: ConfigInputs) -> ConfigInputs {
        ConfigInputs {
            client_id: inputs.client_id.or(Some(CLIENT.into())),
            cache: inputs.cache.or(Some("/tmp/cache.json".into())),
            ..inputs
        }
    }

    #[test]
    fn cache_store_comes_from_the_layers_and_defaults_to_auto() {
        let config = Config::resolve(
            with_client(ConfigInputs::default()),
            ConfigInputs::default(),
            ConfigInputs::default(),
        )
        .unwrap();
        assert_eq!(config.cache_store, CacheStore::Auto);
        let file: ConfigInputs = toml::from_str("cache_store = \"keyring\"").unwrap();
        let config = Config::resolve(
            with_client(ConfigInputs::default()),
            ConfigInputs::default(),
            file.clone(),
        )
        .unwrap();
        assert_eq!(config.cache_store, CacheStore::SecretStore);
        let env = ConfigInputs {
            cache_store: Some("file".into()),
            ..Default::default()
        };
        let config = Config::resolve(with_client(ConfigInputs::default()), env, file).unwrap();
        assert_eq!(config.cache_store, CacheStore::File);
    }

    #[test]
    fn unknown_cache_store_is_a_usage_error_naming_the_setting() {
        let env = ConfigInputs {
            cache_store: Some("vault".into()),
            ..Default::default()
        };
        let err = Config::resolve(
            with_client(ConfigInputs::default()),
            env,
            ConfigInputs::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("auto, secret-service (or keyring) or file"),
            "{err}"
        );
        assert_eq!(
            err.remedy(),
            Some(Remedy::CheckSettings(vec![Setting::CacheStore]))
        );
        assert_eq!(err.kind(), ErrorKind::Usage);
    }

    #[test]
    fn flags_win_over_environment_and_file() {
        let env = ConfigInputs {
            tenant: Some("env.onmicrosoft.com".into()),
            ..Default::default()
        };
        let file = ConfigInputs {
            tenant: Some("file.onmicrosoft.com".into()),
            ..Default::default()
        };
        let flags = with_client(ConfigInputs {
            tenant: Some("flag.onmicrosoft.com".into()),
            ..Default::default()
        });
        let config = Config::resolve(flags, env, file).unwrap();
        assert_eq!(config.tenant.as_str(), "flag.onmicrosoft.com");
    }

    #[test]
    fn environment_wins_over_config_file() {
        let env = ConfigInputs {
            tenant: Some("azure.onmicrosoft.com".into()),
            client_id: Some("11111111-2222-3333-4444-555555555555".into()),
            ..Default::default()
        };
        let file = ConfigInputs {
            tenant: Some("file.onmicrosoft.com".into()),
            client_id: Some(CLIENT.into()),
            cache: Some("/tmp/c.json".into()),
            ..Default::default()
        };
        let config = Config::resolve(Default::default(), env, file).unwrap();
        assert_eq!(config.tenant.as_str(), "azure.onmicrosoft.com");
        assert_eq!(
            config.client_id.as_str(),
            "11111111-2222-3333-4444-555555555555"
        );
    }

    #[test]
    fn config_file_fills_what_nothing_else_sets() {
        let text = format!("tenant = \"file.onmicrosoft.com\"\nclient_id = \"{CLIENT}\"\ncloud = \"usgov\"\ncache = \"/tmp/x.json\"\n");
        let file = parse_config_text(Path::new("config.toml"), &text).unwrap();
        let config = Config::resolve(Default::default(), Default::default(), file).unwrap();
        assert_eq!(config.tenant.as_str(), "file.onmicrosoft.com");
        assert_eq!(
            config.authority.as_str(),
            "https://login.microsoftonline.us/"
        );
        assert_eq!(config.graph_url.as_str(), "https://graph.microsoft.us/v1.0");
    }

    #[test]
    fn json_config_file_is_read_by_extension() {
        let text = format!("{{\"tenant\": \"json.onmicrosoft.com\", \"client_id\": \"{CLIENT}\"}}");
        let file = parse_config_text(Path::new("config.json"), &text).unwrap();
        assert_eq!(file.tenant.as_deref(), Some("json.onmicrosoft.com"));
    }

    #[test]
    fn unknown_config_file_key_is_an_error_naming_the_file() {
        let err = parse_config_text(Path::new("/etc/x/config.toml"), "tenat = \"a\"").unwrap_err();
        assert!(err.to_string().contains("/etc/x/config.toml"), "{err}");
    }

    #[test]
    fn tenant_defaults_to_organizations_with_public_cloud() {
        let config = Config::resolve(
            with_client(Default::default()),
            Default::default(),
            Default::default(),
        )
        .unwrap();
        assert_eq!(config.tenant.as_str(), "organizations");
        assert_eq!(
            config.authority.as_str(),
            "https://login.microsoftonline.com/"
        );
        assert_eq!(
            config.graph_url.as_str(),
            "https://graph.microsoft.com/v1.0"
        );
        assert_eq!(
            config.scopes,
            vec![Scope::new("PrintJob.ReadWriteBasic").unwrap()]
        );
        assert!(config.warnings.is_empty());
    }

    #[test]
    fn consumers_tenant_is_refused_as_personal_accounts() {
        let flags = with_client(ConfigInputs {
            tenant: Some("consumers".into()),
            ..Default::default()
        });
        let err = Config::resolve(flags, Default::default(), Default::default()).unwrap_err();
        assert!(err
            .to_string()
            .contains("personal Microsoft accounts are not supported"));
    }

    #[test]
    fn common_tenant_is_allowed_with_a_warning() {
        let flags = with_client(ConfigInputs {
            tenant: Some("common".into()),
            ..Default::default()
        });
        let config = Config::resolve(flags, Default::default(), Default::default()).unwrap();
        assert_eq!(config.warnings.len(), 1);
        assert!(config.warnings[0].contains("personal Microsoft accounts"));
    }

    #[test]
    fn missing_client_id_explains_how_to_register_one() {
        let err = Config::resolve(
            ConfigInputs {
                cache: Some("/tmp/c".into()),
                ..Default::default()
            },
            Default::default(),
            Default::default(),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("Register an application"), "{msg}");
        assert_eq!(
            err.remedy(),
            Some(Remedy::CheckSettings(vec![Setting::ClientId]))
        );
        assert_eq!(err.kind(), ErrorKind::Usage);
    }

    #[test]
    fn plain_http_authority_is_refused_unless_loopback() {
        let err = parse_endpoint("authority", "http://login.example.com").unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://[::1]:1234",
            "http://localhost:3000",
            "https://login.example.com",
        ] {
            assert!(parse_endpoint("authority", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn explicit_authority_and_graph_url_override_the_cloud() {
        let flags = with_client(ConfigInputs {
            cloud: Some("china".into()),
            authority: Some("http://127.0.0.1:9999".into()),
            graph_url: Some("http://127.0.0.1:9999/v1.0".into()),
            ..Default::default()
        });
        let config = Config::resolve(flags, Default::default(), Default::default()).unwrap();
        assert_eq!(config.authority.as_str(), "http://127.0.0.1:9999/");
        assert_eq!(config.graph_url.as_str(), "http://127.0.0.1:9999/v1.0");
    }

    #[test]
    fn usgov_dod_uses_the_dod_graph_endpoint() {
        let cloud = Cloud::parse("usgov-dod").unwrap();
        assert_eq!(cloud.graph_url(), "https://dod-graph.microsoft.us/v1.0");
        assert_eq!(cloud.authority_host(), "https://login.microsoftonline.us");
    }

    #[test]
    fn usgov_dod_scopes_are_qualified_with_the_dod_graph_and_usgov_ones_stay_short() {
        assert!(Cloud::UsGovDod.qualifies_scopes());
        assert_eq!(
            Cloud::UsGovDod.graph_resource(),
            "https://dod-graph.microsoft.us"
        );
        assert_eq!(
            Cloud::UsGovDod.short_scope_resource(),
            "https://graph.microsoft.us"
        );
        for cloud in [Cloud::Public, Cloud::UsGov, Cloud::China] {
            assert!(!cloud.qualifies_scopes(), "{cloud:?}");
            assert!(cloud.graph_url().starts_with(cloud.graph_resource()));
        }
        for cloud in Cloud::ALL {
            assert_eq!(Cloud::parse(cloud.as_str()).unwrap(), cloud);
        }
        let default = crate::auth::cache::GraphResource::default();
        assert_eq!(default.resource, Cloud::Public.graph_resource());
        assert_eq!(default.short_names, Cloud::Public.short_scope_resource());
    }

    #[test]
    fn unknown_cloud_is_refused_listing_the_choices() {
        let err = Cloud::parse("mars").unwrap_err();
        assert!(err
            .to_string()
            .contains("public, usgov, usgov-dod or china"));
    }
}
