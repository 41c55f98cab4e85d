//! Integration tests: signin. The real `printjob` binary against an in-process emulator, with
//! the robot browser (`examples/robot_browser.rs`) as `$BROWSER`.

use crate::harness::{emulator_env, example_bin, printjob_bin};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use printjob::AccessToken;
use printjob::Browser as _;
use printjob::Scope;
use printjob::{AuthError, StaticToken};
use printjob_emulator::robot::{self, Consent, RobotUser};
use printjob_emulator::{seed, Emulator};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::process::{Output, Stdio};
use tokio::io::{AsyncBufReadExt, BufReader};

const TENANT: &str = "contoso.onmicrosoft.com";

struct Setup {
    emulator: Emulator,
    dir: tempfile::TempDir,
}

impl Setup {
    async fn start() -> Self {
        Self {
            emulator: Emulator::builder().start().await.expect("emulator"),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache").join("token_cache.json")
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(printjob_bin());
        c.args(args)
            .env_clear()
            .envs(emulator_env(&self.emulator, self.dir.path()))
            .env("BROWSER", example_bin("robot_browser"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().await.expect("run printjob")
    }

    async fn login(&self) -> Output {
        let out = self.run(&["login"]).await;
        assert_success(&out);
        out
    }

    fn count(&self, key: &str) -> u64 {
        self.emulator.counters().get(key).copied().unwrap_or(0)
    }

    fn cache_json(&self) -> serde_json::Value {
        crate::harness::cache_json(&self.cache())
    }

    /// What the cache looks like once its access tokens have expired (the client decides expiry
    /// from its own clock, so the cache is what has to say so).
    fn expire_cached_access_tokens(&self) {
        crate::harness::expire_cached_access_tokens(&self.cache());
    }

    fn secrets_in_cache(&self) -> Vec<String> {
        crate::harness::secrets_in_cache(&self.cache())
    }
}

const AUTHORIZE: &str = "GET /{tenant}/oauth2/v2.0/authorize";
const TOKEN: &str = "POST /{tenant}/oauth2/v2.0/token";

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_through_the_browser_caches_tokens_in_a_0600_file() {
    let s = Setup::start().await;
    let out = s.login().await;
    assert!(stdout(&out).contains(seed::ADELE), "{}", stdout(&out));
    assert_eq!(s.count(AUTHORIZE), 1);
    let cache = s.cache_json();
    assert_eq!(cache["printjob_schema_version"], 1);
    assert_eq!(cache["RefreshToken"].as_object().unwrap().len(), 1);
    let account = cache["Account"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(account["username"], seed::ADELE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.cache()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn token_while_fresh_calls_neither_authorize_nor_token_endpoint() {
    let s = Setup::start().await;
    s.login().await;
    let (authorize, token) = (s.count(AUTHORIZE), s.count(TOKEN));
    let out = s.run(&["token"]).await;
    assert_success(&out);
    let printed = stdout(&out).trim().to_owned();
    assert!(
        s.secrets_in_cache().contains(&printed),
        "prints the cached access token"
    );
    assert_eq!(s.count(AUTHORIZE), authorize);
    assert_eq!(s.count(TOKEN), token);
}

#[tokio::test(flavor = "multi_thread")]
async fn token_after_expiry_refreshes_once_without_the_browser() {
    let s = Setup::start().await;
    s.login().await;
    s.expire_cached_access_tokens();
    let old_refresh = s.cache_json()["RefreshToken"].clone();
    let out = s.run(&["token"]).await;
    assert_success(&out);
    assert_eq!(s.count("grant:refresh_token"), 1);
    assert_eq!(s.count(AUTHORIZE), 1, "no second sign-in");
    assert_ne!(
        s.cache_json()["RefreshToken"],
        old_refresh,
        "the rotated refresh token is kept"
    );
    let again = s.run(&["token"]).await;
    assert_success(&again);
    assert_eq!(
        s.count("grant:refresh_token"),
        1,
        "the new token is used from the cache"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_with_claims_bypasses_the_cached_token_and_refreshes_with_the_challenge() {
    let s = Setup::start().await;
    s.login().await;
    let cached = stdout(&s.run(&["token"]).await).trim().to_owned();
    // As Graph's WWW-Authenticate header carries it: base64 of the JSON challenge.
    let challenge = base64::engine::general_purpose::STANDARD
        .encode(r#"{"access_token":{"nbf":{"essential":true,"value":"1604106651"}}}"#);
    let out = s.run(&["token", "--claims", &challenge]).await;
    assert_success(&out);
    let fresh = stdout(&out).trim().to_owned();
    assert_ne!(fresh, cached, "a new token, not the rejected one");
    assert_eq!(
        s.count("grant:refresh_token"),
        1,
        "silent: the refresh token"
    );
    assert_eq!(s.count(AUTHORIZE), 1, "no browser");
    assert_eq!(
        s.count("claims:challenge"),
        1,
        "the challenge reached Entra"
    );
    assert_eq!(
        s.count("claims:cp1"),
        s.count("grant:authorization_code") + s.count("grant:refresh_token"),
        "cp1 on every token request"
    );
    let bad = s.run(&["token", "--claims", "not a challenge"]).await;
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_early_refresh_returns_the_cached_token_while_it_is_valid() {
    let s = Setup::start().await;
    s.login().await;
    let cached = stdout(&s.run(&["token"]).await).trim().to_owned();
    // The access token is due for its early refresh (refresh_in passed) but valid for an hour.
    let mut cache = s.cache_json();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for entry in cache["AccessToken"].as_object_mut().unwrap().values_mut() {
        entry["refresh_on"] = (now - 10).to_string().into();
    }
    std::fs::write(s.cache(), cache.to_string()).unwrap();
    supersede_cached_refresh_token(&s).await; // so the refresh fails
    let out = s.run(&["token", "-vv"]).await;
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), cached);
    assert!(stderr(&out).contains("early refresh"), "{}", stderr(&out));
    assert_eq!(
        s.count("token_error:invalid_grant"),
        1,
        "the refresh was tried"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_without_sign_in_fails_without_opening_a_browser() {
    let s = Setup::start().await;
    let out = s.run(&["token"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("printjob login"), "{}", stderr(&out));
    assert_eq!(s.count(AUTHORIZE), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_concurrent_token_runs_on_an_expired_token_refresh_once() {
    let s = Setup::start().await;
    s.login().await;
    s.expire_cached_access_tokens();
    // Strict rotation (RFC 9700 §4.14.2): a second use of the cached refresh token would
    // revoke the family, so the client's lock must make exactly one process use it.
    s.emulator
        .state()
        .identity()
        .set_refresh_policy(printjob_emulator::identity::store::RefreshPolicy::Strict);
    let runs: Vec<_> = (0..8).map(|_| s.run(&["token"])).collect();
    let outputs = futures::future::join_all(runs).await;
    for out in &outputs {
        assert_success(out);
    }
    let printed: std::collections::BTreeSet<String> = outputs
        .iter()
        .map(|o| stdout(o).trim().to_owned())
        .collect();
    assert_eq!(printed.len(), 1, "all runs print the one refreshed token");
    assert_eq!(s.count("grant:refresh_token"), 1);
    assert_eq!(s.count("token_error:invalid_grant"), 0);
    assert_eq!(s.count("refresh:reuse_revoked_family"), 0);
    assert_eq!(s.cache_json()["RefreshToken"].as_object().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn consumers_tenant_is_refused_before_any_request() {
    let s = Setup::start().await;
    let out = s.run(&["login", "--tenant", "consumers"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("personal Microsoft accounts are not supported"));
    assert!(s
        .emulator
        .counters()
        .keys()
        .all(|k| !k.starts_with("GET /")));
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_authority_off_loopback_is_refused() {
    let s = Setup::start().await;
    let out = s
        .run(&["login", "--authority", "http://login.example.com"])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("plain http"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn app_only_token_from_the_emulator_is_refused() {
    let s = Setup::start().await;
    let token = s.emulator.mint_app_token(&["PrintJob.ReadWrite.All"]);
    let err = StaticToken::new(AccessToken::new(token), None).unwrap_err();
    assert!(matches!(err, AuthError::AppOnlyToken), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn user_token_without_printjob_scope_is_refused_naming_the_scopes() {
    let s = Setup::start().await;
    let token = s
        .emulator
        .mint_user_token(seed::ADELE, &["User.Read"], 3600)
        .unwrap();
    let err = StaticToken::new(AccessToken::new(token), None).unwrap_err();
    assert!(
        err.to_string().contains(Scope::PRINT_JOB_READ_WRITE_BASIC),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_browser_prints_the_authorize_url_on_its_own_line() {
    let s = Setup::start().await;
    let mut child = s.command(&["login", "--no-browser"]).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let prefix = authorize_prefix(&s);
    let url = loop {
        let line = lines.next_line().await.unwrap().expect("URL line");
        if line.starts_with(&prefix) && line.contains("/oauth2/v2.0/authorize?") {
            break url::Url::parse(&line).unwrap();
        }
    };
    let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
    robot::sign_in(&url, &user, Consent::Accept).await.unwrap();
    let status = child.wait().await.unwrap();
    assert!(status.success());
    assert_eq!(s.count("grant:authorization_code"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn device_code_login_completes_end_to_end() {
    let s = Setup::start().await;
    let mut child = s.command(&["login", "--device-code"]).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (uri, code) = loop {
        let line = lines.next_line().await.unwrap().expect("device code line");
        if let Some(found) = device_prompt(&line) {
            break found;
        }
    };
    let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
    robot::device_login(&uri, &code, &user, Consent::Accept)
        .await
        .unwrap();
    let status = child.wait().await.unwrap();
    assert!(status.success());
    let grant = "grant:urn:ietf:params:oauth:grant-type:device_code";
    assert!(s.count(grant) >= 1);
    assert_eq!(s.count(AUTHORIZE), 0);
    let token = s.run(&["token"]).await;
    assert_success(&token);
}

#[tokio::test(flavor = "multi_thread")]
async fn device_code_declined_by_the_user_exits_as_cancelled() {
    let s = Setup::start().await;
    let mut child = s.command(&["login", "--device-code"]).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (uri, code) = loop {
        let line = lines.next_line().await.unwrap().expect("device code line");
        if let Some(found) = device_prompt(&line) {
            break found;
        }
    };
    let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
    let _ = robot::device_login(&uri, &code, &user, Consent::Cancel).await;
    let mut rest = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push_str(&line);
        rest.push('\n');
    }
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(4), "{rest}");
    assert!(rest.contains("cancelled"), "{rest}");
    assert_eq!(s.count("token_error:authorization_declined"), 1);
}

/// The start of the authorize URL line: the emulator's base URL (the discovery document names
/// the tenant segment).
fn authorize_prefix(s: &Setup) -> String {
    format!("{}/", s.emulator.base_url())
}

/// Finds the verification URL and the code in the prompt line (the provider's message or
/// printjob's own wording).
fn device_prompt(line: &str) -> Option<(url::Url, String)> {
    let uri = line
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .and_then(|w| url::Url::parse(w.trim_end_matches(['.', ','])).ok())?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "code")?;
    let code = words.get(at + 1)?.trim_end_matches(['.', ',']).to_owned();
    Some((uri, code))
}

#[tokio::test(flavor = "multi_thread")]
async fn trace_logs_contain_no_token_code_or_verifier() {
    let s = Setup::start().await;
    let mut child = s.command(&["login", "--no-browser", "--response-mode", "query"]);
    child.env("RUST_LOG", "trace");
    let mut child = child.spawn().unwrap();
    let mut err_lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let prefix = authorize_prefix(&s);
    let mut logged = String::new();
    let url = loop {
        let line = err_lines.next_line().await.unwrap().expect("URL line");
        logged.push_str(&line);
        logged.push('\n');
        if line.starts_with(&prefix) && line.contains("/oauth2/v2.0/authorize?") {
            break url::Url::parse(&line).unwrap();
        }
    };
    let user = RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD);
    robot::sign_in(&url, &user, Consent::Accept).await.unwrap();
    while let Some(line) = err_lines.next_line().await.unwrap() {
        logged.push_str(&line);
        logged.push('\n');
    }
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{logged}");
    logged.push_str(&stdout(&out));
    let mut secrets = s.secrets_in_cache();
    s.expire_cached_access_tokens();
    let mut status_run = s.command(&["status"]);
    status_run.env("RUST_LOG", "trace");
    let mut token_run = s.command(&["token"]);
    token_run.env("RUST_LOG", "trace");
    let token_out = token_run.output().await.unwrap();
    assert_success(&token_out);
    logged.push_str(&stderr(&token_out));
    let status_out = status_run.output().await.unwrap();
    logged.push_str(&stdout(&status_out));
    logged.push_str(&stderr(&status_out));

    secrets.extend(s.secrets_in_cache());
    assert!(
        secrets.len() >= 6,
        "tokens before and after the refresh are checked"
    );
    for secret in &secrets {
        assert!(
            !logged.contains(secret.as_str()),
            "a token leaked into the logs"
        );
    }
    assert!(
        !logged.contains("code="),
        "an authorization code parameter was logged"
    );
    let challenge = url
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .map(|(_, v)| v.into_owned())
        .expect("code_challenge");
    for word in logged.split(|c: char| !(c.is_ascii_alphanumeric() || "-._~".contains(c))) {
        if (43..=128).contains(&word.len()) {
            let hash = URL_SAFE_NO_PAD.encode(Sha256::digest(word.as_bytes()));
            assert_ne!(hash, challenge, "the PKCE verifier leaked into the logs");
        }
    }
    assert!(
        logged.len() > 1000,
        "trace logging was on ({} bytes)",
        logged.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn corrupt_cache_file_is_set_aside_and_reported() {
    let s = Setup::start().await;
    std::fs::create_dir_all(s.cache().parent().unwrap()).unwrap();
    std::fs::write(s.cache(), b"{ not json").unwrap();
    let out = s.run(&["token"]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("was not valid JSON"),
        "{}",
        stderr(&out)
    );
    let aside: Vec<PathBuf> = std::fs::read_dir(s.cache().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(&aside[0]).unwrap(), b"{ not json");
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_forgets_the_account_and_status_then_says_not_signed_in() {
    let s = Setup::start().await;
    s.login().await;
    let status = s.run(&["status", "--json"]).await;
    assert_success(&status);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["signedIn"], true);
    assert_eq!(json["accounts"][0]["username"], seed::ADELE);
    assert_eq!(json["accounts"][0]["refreshToken"], true);
    let scopes = &json["accounts"][0]["accessTokens"][0]["scopes"];
    assert_eq!(scopes[0], "PrintJob.ReadWriteBasic", "{json}");
    assert_success(&s.run(&["logout"]).await);
    let after = s.run(&["status"]).await;
    assert_eq!(after.status.code(), Some(3));
    assert!(s.cache_json()["RefreshToken"]
        .as_object()
        .unwrap()
        .is_empty());
}

/// A minimal standards-compliant OpenID provider that is not Entra: discovery at
/// `/realms/{realm}/.well-known/openid-configuration` with an issuer without `/v2.0`, endpoints
/// at `/auth` and `/oauth/token`, no `form_post`, and token responses with an opaque access
/// token and no `id_token`, `refresh_token` or `scope`.
mod generic_provider {
    use axum::extract::{Query, State};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::routing::{get, post};
    use axum::{Form, Json, Router};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use sha2::{Digest, Sha256};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    pub const REALM: &str = "printing";

    /// What the provider saw and issued.
    #[derive(Default)]
    pub struct Record {
        /// `code -> (code_challenge, redirect_uri)` of each authorization.
        pub codes: HashMap<String, (String, String)>,
        /// `code -> (nonce, client_id)` of each authorization, for the ID token.
        pub nonces: HashMap<String, (String, String)>,
        /// The `response_mode` of each authorization request.
        pub response_modes: Vec<String>,
        /// Every authorization code issued.
        pub codes_issued: Vec<String>,
        /// Every PKCE verifier received.
        pub verifiers: Vec<String>,
        /// Access tokens issued.
        pub issued: Vec<String>,
        /// Token requests refused (and why).
        pub refused: Vec<String>,
        /// How to spoil the ID token: `no-nonce`, `issuer`, `audience`, `expired`, `not-jwt`.
        pub bad_id_token: Option<&'static str>,
        /// RFC 9207: advertise `authorization_response_iss_parameter_supported`.
        pub advertise_iss: bool,
        /// RFC 9207: the `iss` to put on the authorization response (`None`: none).
        pub response_iss: Option<String>,
    }

    pub struct Provider {
        pub base: String,
        pub record: Arc<Mutex<Record>>,
        _server: tokio::task::JoinHandle<()>,
    }

    pub async fn start() -> Provider {
        let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", socket.local_addr().unwrap());
        let record = Arc::new(Mutex::new(Record::default()));
        let app = Router::new()
            .route(
                &format!("/realms/{REALM}/.well-known/openid-configuration"),
                get(discovery),
            )
            .route("/auth", get(authorize))
            .route("/oauth/token", post(token))
            .with_state((base.clone(), record.clone()));
        let server = tokio::spawn(async move {
            axum::serve(socket, app).await.unwrap();
        });
        Provider {
            base,
            record,
            _server: server,
        }
    }

    type St = State<(String, Arc<Mutex<Record>>)>;

    async fn discovery(State((base, record)): St) -> Json<serde_json::Value> {
        let advertise = record.lock().unwrap().advertise_iss;
        Json(serde_json::json!({
            "authorization_response_iss_parameter_supported": advertise,
            "issuer": format!("{base}/realms/{REALM}"),
            "authorization_endpoint": format!("{base}/auth"),
            "token_endpoint": format!("{base}/oauth/token"),
            "response_modes_supported": ["query", "fragment"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }))
    }

    async fn authorize(
        State((_, record)): St,
        Query(q): Query<HashMap<String, String>>,
    ) -> Response {
        let get = |k: &str| q.get(k).cloned().unwrap_or_default();
        let code = format!("code-{}", uuid::Uuid::new_v4().simple());
        let mut record = record.lock().unwrap();
        record.response_modes.push(get("response_mode"));
        record.codes_issued.push(code.clone());
        record
            .codes
            .insert(code.clone(), (get("code_challenge"), get("redirect_uri")));
        record
            .nonces
            .insert(code.clone(), (get("nonce"), get("client_id")));
        let mut target = url::Url::parse(&get("redirect_uri")).unwrap();
        target
            .query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &get("state"));
        if let Some(iss) = &record.response_iss {
            target.query_pairs_mut().append_pair("iss", iss);
        }
        Redirect::to(target.as_str()).into_response()
    }

    async fn token(State((base, record)): St, Form(f): Form<HashMap<String, String>>) -> Response {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        let mut record = record.lock().unwrap();
        let (nonce, client_id) = record.nonces.get(&get("code")).cloned().unwrap_or_default();
        record.verifiers.push(get("code_verifier"));
        let verified = record
            .codes
            .remove(&get("code"))
            .is_some_and(|(challenge, uri)| {
                let computed =
                    URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
                computed == challenge && uri == get("redirect_uri")
            });
        if get("grant_type") != "authorization_code" || !verified {
            record
                .refused
                .push(format!("{:?}", f.keys().collect::<Vec<_>>()));
            let body = serde_json::json!({"error": "invalid_grant"});
            return (axum::http::StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
        let access = format!("opaque-{}", uuid::Uuid::new_v4().simple());
        record.issued.push(access.clone());
        // The ID token OpenID Connect requires, with only the required claims (no tid, oid,
        // preferred_username: those are Entra's).
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let enc = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let mut claims = serde_json::json!({
            "iss": format!("{base}/realms/{REALM}"), "sub": "user-1", "aud": client_id,
            "exp": now + 3600, "iat": now, "nonce": nonce
        });
        match record.bad_id_token {
            Some("no-nonce") => {
                claims.as_object_mut().unwrap().remove("nonce");
            }
            Some("issuer") => claims["iss"] = "https://evil.example/realms/printing".into(),
            Some("audience") => claims["aud"] = "another-client".into(),
            Some("expired") => {
                claims["exp"] = (now - 7200).into();
                claims["iat"] = (now - 10800).into();
            }
            _ => {}
        }
        claims["preferred_username"] = "attacker@evil.example".into();
        let mut id_token = format!(
            "{}.{}.c2ln",
            enc(serde_json::json!({"alg": "RS256", "typ": "JWT"})),
            enc(claims)
        );
        if record.bad_id_token == Some("not-jwt") {
            id_token = "not-a-jwt".into();
        }
        Json(serde_json::json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": id_token,
        }))
        .into_response()
    }
}

/// A "browser" that follows the provider's redirect to the loopback listener, the way a real
/// browser does after the user signs in.
struct RedirectFollower;

impl printjob::Browser for RedirectFollower {
    fn open(&self, url: &url::Url) -> Result<(), String> {
        let url = url.clone();
        tokio::runtime::Handle::current().spawn(async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::limited(3))
                .build()
                .unwrap();
            let _ = client.get(url).send().await;
        });
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_works_against_a_generic_openid_provider_with_opaque_tokens() {
    let provider = generic_provider::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cred = printjob::DelegatedCredential::builder()
        .authority(format!("{}/realms", provider.base))
        .tenant(generic_provider::REALM)
        .client_id(seed::PUBLIC_CLIENT_ID)
        .cache_path(dir.path().join("cache.json"))
        .browser(std::sync::Arc::new(RedirectFollower))
        .build()
        .unwrap();
    let scopes = [Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC).unwrap()];
    let granted = cred.token(&scopes).await.expect("signed in");
    {
        let record = provider.record.lock().unwrap();
        assert!(record.refused.is_empty(), "{:?}", record.refused);
        assert_eq!(
            record.issued,
            vec![granted.access_token.secret().to_owned()]
        );
        assert_eq!(
            record.response_modes,
            vec!["query".to_owned()],
            "form_post is not listed"
        );
        assert!(
            granted.scopes.iter().any(|s| s.allows_cancel()),
            "without `scope` in the response, the requested scopes are granted"
        );
    }
    let again = cred.token_silent(&scopes).await.expect("cached");
    assert_eq!(again.access_token.secret(), granted.access_token.secret());
    assert_eq!(
        provider.record.lock().unwrap().issued.len(),
        1,
        "served from the cache"
    );
}

/// Signs in through the library against the generic provider as set up by `setup`.
async fn generic_sign_in(
    setup: impl FnOnce(&mut generic_provider::Record),
) -> (
    Result<printjob::GrantedToken, AuthError>,
    PathBuf,
    tempfile::TempDir,
) {
    let provider = generic_provider::start().await;
    setup(&mut provider.record.lock().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.json");
    let cred = printjob::DelegatedCredential::builder()
        .authority(format!("{}/realms", provider.base))
        .tenant(generic_provider::REALM)
        .client_id(seed::PUBLIC_CLIENT_ID)
        .cache_path(&cache)
        .browser(std::sync::Arc::new(RedirectFollower))
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let scopes = [Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC).unwrap()];
    (cred.token(&scopes).await, cache, dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn id_tokens_failing_openid_connect_validation_are_refused_and_nothing_is_cached() {
    for (spoil, says) in [
        ("no-nonce", "no nonce"),
        ("issuer", "is not the provider's issuer"),
        ("audience", "issued to another application"),
        ("not-jwt", "not a JWT"),
    ] {
        let (result, cache, _dir) = generic_sign_in(|r| r.bad_id_token = Some(spoil)).await;
        let err = result.expect_err(spoil);
        assert!(matches!(err, AuthError::IdToken(_)), "{spoil}: {err:?}");
        assert!(err.to_string().contains(says), "{spoil}: {err}");
        assert!(!err.to_string().contains("attacker"), "{err}");
        assert!(!cache.exists(), "{spoil}: nothing saved");
    }
}

/// A [`printjob::SignInUi`] that keeps the clock warnings it is given.
#[derive(Default)]
struct ClockWarnings(std::sync::Mutex<Vec<printjob::ClockSkew>>);

impl printjob::SignInUi for ClockWarnings {
    fn clock_skew(&self, skew: &printjob::ClockSkew) {
        self.0.lock().unwrap().push(*skew);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_expired_by_this_computers_clock_is_kept_with_one_clock_warning() {
    let provider = generic_provider::start().await;
    provider.record.lock().unwrap().bad_id_token = Some("expired");
    let dir = tempfile::tempdir().unwrap();
    let ui = std::sync::Arc::new(ClockWarnings::default());
    let cred = printjob::DelegatedCredential::builder()
        .authority(format!("{}/realms", provider.base))
        .tenant(generic_provider::REALM)
        .client_id(seed::PUBLIC_CLIENT_ID)
        .cache_path(dir.path().join("cache.json"))
        .browser(std::sync::Arc::new(RedirectFollower))
        .ui(ui.clone())
        .build()
        .unwrap();
    let scopes = [Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC).unwrap()];
    cred.token(&scopes).await.expect("signed in");
    let warnings = ui.0.lock().unwrap().clone();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].provider_ahead_secs, -10800, "from `iat`");
    assert!(
        dir.path().join("cache.json").exists(),
        "the sign-in was saved"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rfc9207_iss_on_the_authorization_response_is_checked_when_advertised() {
    let (result, _, _dir) = generic_sign_in(|r| {
        r.advertise_iss = true;
        r.response_iss = Some("https://evil.example/realms/printing".into());
    })
    .await;
    let err = result.unwrap_err();
    assert!(err.to_string().contains("RFC 9207"), "{err}");
    let (result, _, _dir) = generic_sign_in(|r| r.advertise_iss = true).await;
    assert!(result.unwrap_err().to_string().contains("carries no `iss`"));
    // Not advertised, but present and wrong: still refused (RFC 9207 §2.4).
    let (result, _, _dir) = generic_sign_in(|r| {
        r.response_iss = Some("https://evil.example/realms/printing".into());
    })
    .await;
    assert!(result.unwrap_err().to_string().contains("RFC 9207"));
}

#[tokio::test(flavor = "multi_thread")]
async fn rfc9207_matching_iss_is_accepted_and_the_user_is_exposed() {
    let provider = generic_provider::start().await;
    {
        let mut r = provider.record.lock().unwrap();
        r.advertise_iss = true;
        r.response_iss = Some(format!(
            "{}/realms/{}",
            provider.base,
            generic_provider::REALM
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let cred = printjob::DelegatedCredential::builder()
        .authority(format!("{}/realms", provider.base))
        .tenant(generic_provider::REALM)
        .client_id(seed::PUBLIC_CLIENT_ID)
        .cache_path(dir.path().join("cache.json"))
        .browser(std::sync::Arc::new(RedirectFollower))
        .build()
        .unwrap();
    let scopes = [Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC).unwrap()];
    cred.token(&scopes).await.expect("signed in");
    let user = cred.signed_in_user().await.unwrap().expect("a user");
    assert_eq!(user.subject, "user-1");
    assert_eq!(user.oid, None, "optional claims stay optional");
}

#[tokio::test(flavor = "multi_thread")]
async fn trace_logs_never_contain_the_real_code_verifier_or_token() {
    let provider = generic_provider::start().await;
    let s = Setup::start().await;
    let authority = format!("{}/realms", provider.base);
    let args = [
        "login",
        "--no-browser",
        "--authority",
        authority.as_str(),
        "--tenant",
        generic_provider::REALM,
    ];
    let mut command = s.command(&args);
    command.env("RUST_LOG", "trace");
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut logged = String::new();
    let auth_prefix = format!("{}/auth?", provider.base);
    while let Some(line) = lines.next_line().await.unwrap() {
        logged.push_str(&line);
        logged.push('\n');
        if line.starts_with(&auth_prefix) {
            RedirectFollower
                .open(&url::Url::parse(&line).unwrap())
                .unwrap();
        }
    }
    let out = child.wait_with_output().await.unwrap();
    logged.push_str(&stdout(&out));
    assert!(out.status.success(), "{logged}");
    let record = provider.record.lock().unwrap();
    let secrets: Vec<&String> = record
        .codes_issued
        .iter()
        .chain(&record.verifiers)
        .chain(&record.issued)
        .collect();
    assert_eq!(secrets.len(), 3, "one code, one verifier, one token");
    for secret in secrets {
        assert!(secret.len() >= 32, "a value long enough to find");
        assert!(
            !logged.contains(secret.as_str()),
            "a secret leaked into the logs"
        );
    }
    assert!(
        logged.contains("TRACE") || logged.len() > 1000,
        "trace logging was on"
    );
}

/// The cached refresh token, as the client would send it.
fn cached_refresh_token(s: &Setup) -> String {
    let cache = s.cache_json();
    let entry = cache["RefreshToken"]
        .as_object()
        .and_then(|m| m.values().next())
        .expect("a cached refresh token");
    entry["secret"].as_str().expect("secret").to_string()
}

/// Rotates the cached refresh token behind the client's back (as another machine would) with
/// the emulator in its strict mode (RFC 9700 §4.14.2), so the cached one is refused.
async fn supersede_cached_refresh_token(s: &Setup) {
    s.emulator
        .state()
        .identity()
        .set_refresh_policy(printjob_emulator::identity::store::RefreshPolicy::Strict);
    let base = s.emulator.base_url();
    let rotated = reqwest::Client::new()
        .post(format!("{base}/{TENANT}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", seed::PUBLIC_CLIENT_ID),
            ("refresh_token", cached_refresh_token(s).as_str()),
        ])
        .send()
        .await
        .expect("refresh");
    assert_eq!(rotated.status().as_u16(), 200);
    let advanced = reqwest::Client::new()
        .post(format!("{base}/_emulator/clock/advance?seconds=120"))
        .send()
        .await
        .expect("advance the clock");
    assert!(advanced.status().is_success());
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_refresh_token_asks_for_sign_in_and_keeps_the_cache_when_not_interactive() {
    let s = Setup::start().await;
    s.login().await;
    s.expire_cached_access_tokens();
    supersede_cached_refresh_token(&s).await;
    let before = cached_refresh_token(&s);
    let out = s.run(&["token"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("printjob login"), "{}", stderr(&out));
    assert!(
        stdout(&out).is_empty(),
        "no token printed: {}",
        stdout(&out)
    );
    assert_eq!(s.count(AUTHORIZE), 1, "no browser without --interactive");
    assert_eq!(
        cached_refresh_token(&s),
        before,
        "the refresh token is not deleted blindly"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_refresh_token_falls_back_to_interactive_sign_in() {
    let s = Setup::start().await;
    s.login().await;
    s.expire_cached_access_tokens();
    supersede_cached_refresh_token(&s).await;
    let before = cached_refresh_token(&s);
    let out = s.run(&["token", "--interactive"]).await;
    assert_success(&out);
    assert!(!stdout(&out).trim().is_empty(), "a token is printed");
    assert_eq!(s.count(AUTHORIZE), 2, "the browser signed in again");
    assert_ne!(
        cached_refresh_token(&s),
        before,
        "the new sign-in's token is cached"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn print_commands_refuse_the_china_cloud_naming_the_reason() {
    let s = Setup::start().await;
    for command in [vec!["printers"], vec!["jobs", "p1"]] {
        let mut args = command.clone();
        args.extend(["--cloud", "china"]);
        let out = s.run(&args).await;
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out)
                .contains("Universal Print is not offered in Microsoft Azure operated by 21Vianet"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(s.count(TOKEN) + s.count(AUTHORIZE), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn unwritable_cache_location_is_reported_before_the_browser_opens() {
    let s = Setup::start().await;
    let blocker = s.dir.path().join("not-a-directory");
    std::fs::write(&blocker, b"x").unwrap();
    let out = s
        .command(&["login"])
        .env("PRINTJOB_CACHE", blocker.join("token_cache.json"))
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("token cache"), "{}", stderr(&out));
    assert_eq!(s.count(AUTHORIZE), 0, "the browser never opened");
    assert_eq!(s.count(TOKEN), 0);
}

/// The Python that has msal-python: `PRINTJOB_MSAL_PYTHON` (`.ci/run` installs msal from PyPI
/// into a venv and sets it), else `python3` if it can import msal. `None` (the tests skip) only
/// outside CI; in CI a missing msal fails them.
fn msal_python() -> Option<String> {
    let candidate = std::env::var("PRINTJOB_MSAL_PYTHON").unwrap_or_else(|_| "python3".into());
    let works = std::process::Command::new(&candidate)
        .args(["-c", "import msal"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(candidate);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {candidate} cannot import msal (msal-python from PyPI; .ci/run installs it)"
    );
    eprintln!("skipped: {candidate} cannot import msal (set PRINTJOB_MSAL_PYTHON)");
    None
}

async fn run_msal(python: &str, args: &[&str]) -> serde_json::Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/msal/interop.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .await
        .expect("run python");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "msal: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&text).expect("msal's JSON line")
}

fn cached_access_token(s: &Setup) -> (String, Vec<String>) {
    let cache = s.cache_json();
    let at = cache["AccessToken"]
        .as_object()
        .and_then(|m| m.values().next())
        .expect("a cached access token")
        .clone();
    let scopes = at["target"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    (at["secret"].as_str().unwrap().to_owned(), scopes)
}

#[tokio::test(flavor = "multi_thread")]
async fn msal_python_acquire_token_silent_is_served_from_printjobs_cache() {
    let Some(python) = msal_python() else { return };
    let s = Setup::start().await;
    s.login().await;
    let (secret, scopes) = cached_access_token(&s);
    let tokens_before = s.count(TOKEN);
    let cache = s.cache();
    let mut args = vec![
        "silent",
        s.emulator.base_url(),
        TENANT,
        seed::PUBLIC_CLIENT_ID,
        cache.to_str().unwrap(),
    ];
    args.extend(scopes.iter().map(String::as_str));
    let result = run_msal(&python, &args).await;
    assert_eq!(result["access_token"], secret.as_str(), "{result}");
    assert_eq!(result["token_source"], "cache", "{result}");
    assert_eq!(result["token_calls"], 0);
    assert_eq!(
        s.count(TOKEN),
        tokens_before,
        "no token request reached the emulator"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn printjob_uses_a_cache_written_by_msal_python() {
    let Some(python) = msal_python() else { return };
    let s = Setup::start().await;
    s.login().await;
    let (_, scopes) = cached_access_token(&s);
    let refresh = cached_refresh_token(&s);
    let msal_cache = s.dir.path().join("cache").join("msal_cache.json");
    let mut args = vec![
        "write",
        s.emulator.base_url(),
        TENANT,
        seed::PUBLIC_CLIENT_ID,
        msal_cache.to_str().unwrap(),
        refresh.as_str(),
    ];
    args.extend(scopes.iter().map(String::as_str));
    let written = run_msal(&python, &args).await;
    let text = std::fs::read_to_string(&msal_cache).unwrap();
    assert!(!text.contains("printjob_schema_version"), "msal's own file");
    let tokens_before = s.count(TOKEN);
    let out = s
        .command(&["token"])
        .env("PRINTJOB_CACHE", &msal_cache)
        .output()
        .await
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout(&out).trim(),
        written["access_token"].as_str().unwrap()
    );
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert_eq!(s.count(TOKEN), tokens_before, "served from msal's cache");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_process_holding_the_cache_lock_does_not_block_others_forever() {
    let s = Setup::start().await;
    s.login().await;
    s.expire_cached_access_tokens();
    let lock = {
        let mut name = s.cache().into_os_string();
        name.push(".lock");
        PathBuf::from(name)
    };
    // util-linux flock(1) takes the lock and holds it while `sleep` runs; then it is stopped
    // as Ctrl-Z would stop it.
    let mut holder = std::process::Command::new("flock");
    std::os::unix::process::CommandExt::process_group(&mut holder, 0);
    let mut holder = holder
        .arg(&lock)
        .args(["sleep", "60"])
        .spawn()
        .expect("flock(1) from util-linux");
    let taken = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        !std::process::Command::new("flock")
            .args(["-n"])
            .arg(&lock)
            .arg("true")
            .status()
            .unwrap()
            .success()
    });
    assert!(taken, "flock holds the lock");
    // Its own process group (flock and sleep), stopped and later ended as one.
    let group = format!("-{}", holder.id());
    std::process::Command::new("kill")
        .args(["-STOP", "--", &group])
        .status()
        .unwrap();
    let started = std::time::Instant::now();
    let out = s
        .command(&["token"])
        .env("PRINTJOB_CACHE_LOCK_TIMEOUT", "1")
        .output()
        .await
        .unwrap();
    let waited = started.elapsed();
    std::process::Command::new("kill")
        .args(["-KILL", "--", &group])
        .status()
        .unwrap();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("token_cache.json.lock"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("locked by another process"),
        "{}",
        stderr(&out)
    );
    assert!(waited < std::time::Duration::from_secs(10), "{waited:?}");
    assert_eq!(s.count("grant:refresh_token"), 0);
}
