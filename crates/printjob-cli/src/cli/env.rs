//! The environment variables of this command line (docs/configuration.md): `PRINTJOB_*`, with
//! `AZURE_TENANT_ID` / `AZURE_CLIENT_ID` as fallbacks, and `PRINTJOB_CONFIG` naming a config
//! file. The library reads no environment variable for its configuration: it takes these as one
//! more layer of [`ConfigInputs`].

use printjob::ConfigInputs;
use std::path::PathBuf;

/// The variable that chooses where the token cache is kept: `auto`, `secret-service` or `file`.
pub const CACHE_STORE_ENV: &str = "PRINTJOB_CACHE_STORE";

/// The variable that names a config file explicitly.
pub const CONFIG_FILE_ENV: &str = "PRINTJOB_CONFIG";

/// `PRINTJOB_CACHE_LOCK_TIMEOUT`: seconds to wait for another process holding the token
/// cache's lock (default 30).
pub const LOCK_TIMEOUT_ENV: &str = "PRINTJOB_CACHE_LOCK_TIMEOUT";

/// The longest cache lock wait `PRINTJOB_CACHE_LOCK_TIMEOUT` may ask for, in seconds (*ours*:
/// an hour; a bound keeps `Instant + Duration` from overflowing).
pub const MAX_LOCK_TIMEOUT_SECS: f64 = 3600.0;

/// The settings this process's environment gives.
pub fn inputs() -> ConfigInputs {
    inputs_from(|name| std::env::var(name).ok())
}

/// The config file `PRINTJOB_CONFIG` names, if set.
pub fn config_file() -> Option<PathBuf> {
    value(&|name| std::env::var(name).ok(), CONFIG_FILE_ENV).map(PathBuf::from)
}

/// The cache lock wait `PRINTJOB_CACHE_LOCK_TIMEOUT` asks for, if set; a value that is not a
/// number of seconds from 0 to [`MAX_LOCK_TIMEOUT_SECS`] is a usage error (not silently ignored).
pub fn lock_timeout() -> Result<Option<std::time::Duration>, printjob::Error> {
    lock_timeout_from(|name| std::env::var(name).ok())
}

/// [`lock_timeout`] from an environment `get` reads.
pub fn lock_timeout_from(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<std::time::Duration>, printjob::Error> {
    let Some(text) = value(&get, LOCK_TIMEOUT_ENV) else {
        return Ok(None);
    };
    match text.trim().parse::<f64>() {
        Ok(secs) if (0.0..=MAX_LOCK_TIMEOUT_SECS).contains(&secs) => {
            Ok(Some(std::time::Duration::from_secs_f64(secs)))
        }
        _ => Err(printjob::Error::other(
            printjob::ErrorKind::Usage,
            format!(
                "{LOCK_TIMEOUT_ENV}={text:?} is not a number of seconds from 0 to {MAX_LOCK_TIMEOUT_SECS}"
            ),
        )),
    }
}

/// The settings an environment gives (`get` reads one variable); empty values count as unset.
pub fn inputs_from(get: impl Fn(&str) -> Option<String>) -> ConfigInputs {
    let get = |name: &str| value(&get, name);
    ConfigInputs {
        tenant: get("PRINTJOB_TENANT_ID").or_else(|| get("AZURE_TENANT_ID")),
        client_id: get("PRINTJOB_CLIENT_ID").or_else(|| get("AZURE_CLIENT_ID")),
        cloud: get("PRINTJOB_CLOUD"),
        authority: get("PRINTJOB_AUTHORITY"),
        graph_url: get("PRINTJOB_GRAPH_URL"),
        cache: get("PRINTJOB_CACHE").map(PathBuf::from),
        cache_store: get(CACHE_STORE_ENV),
        scopes: None,
    }
}

fn value(get: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    get(name).filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn printjob_variables_win_over_azure_variables() {
        let inputs = inputs_from(env(&[
            ("PRINTJOB_TENANT_ID", "printjob.onmicrosoft.com"),
            ("AZURE_TENANT_ID", "azure.onmicrosoft.com"),
            ("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555"),
        ]));
        assert_eq!(inputs.tenant.as_deref(), Some("printjob.onmicrosoft.com"));
        assert_eq!(
            inputs.client_id.as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
    }

    #[test]
    fn cache_store_comes_from_printjob_cache_store() {
        let inputs = inputs_from(env(&[("PRINTJOB_CACHE_STORE", "secret-service")]));
        assert_eq!(inputs.cache_store.as_deref(), Some("secret-service"));
        assert_eq!(inputs_from(env(&[])).cache_store, None);
    }

    #[test]
    fn lock_timeout_out_of_range_is_a_usage_error_not_a_panic() {
        for bad in ["1e300", "-1", "NaN", "inf", "soon", "3601"] {
            let error = lock_timeout_from(env(&[(LOCK_TIMEOUT_ENV, bad)])).unwrap_err();
            assert_eq!(error.kind(), printjob::ErrorKind::Usage, "{bad}");
            assert!(error.to_string().contains(LOCK_TIMEOUT_ENV), "{error}");
        }
        assert_eq!(
            lock_timeout_from(env(&[(LOCK_TIMEOUT_ENV, "0.5")])).unwrap(),
            Some(std::time::Duration::from_millis(500))
        );
        assert_eq!(lock_timeout_from(env(&[])).unwrap(), None);
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let inputs = inputs_from(env(&[
            ("PRINTJOB_TENANT_ID", " "),
            ("AZURE_TENANT_ID", "azure.onmicrosoft.com"),
        ]));
        assert_eq!(inputs.tenant.as_deref(), Some("azure.onmicrosoft.com"));
    }
}
