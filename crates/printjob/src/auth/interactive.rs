//! The interactive authorization request: PKCE S256, `state`, `nonce`, the authorize URL, and
//! checking the redirect that comes back (the browser that opens the URL is `browser.rs`).
//!
//! One sign-in is one [`PendingAuthorization`], consumed once by
//! [`PendingAuthorization::finish`]; its PKCE verifier is never cloned and never printed. The
//! pieces that do not need a socket (URL building, the state check, mapping `error=`) are pure
//! functions tested here; the listener that receives the redirect lives in
//! [`crate::auth::loopback`].
//!
//! ```
//! # // An internal: reachable from outside only through the `test-support` feature.
//! # #[cfg(feature = "test-support")] {
//! use printjob::test_support::{AuthorizationParams, PendingAuthorization};
//! use printjob::{ClientId, Scope};
//!
//! let params = AuthorizationParams::new(
//!     "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize".parse().unwrap(),
//!     ClientId::new("00000000-0000-0000-0000-000000000001").unwrap(),
//!     "http://localhost:8400".parse().unwrap(),
//!     vec![Scope::new(Scope::PRINT_JOB_READ_WRITE_BASIC).unwrap()],
//! );
//! let pending = PendingAuthorization::new(params);
//! assert!(pending.url().as_str().contains("code_challenge_method=S256"));
//! # }
//! ```

use crate::auth::provider::ErrorContext;
use crate::auth::{AuthError, ProviderError};
use crate::ids::{ClientId, Scope};
use crate::secret::{AuthorizationCode, PkceVerifier};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

/// How the identity provider returns the authorization response to the redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseMode {
    /// `response_mode=form_post`: the browser POSTs `code` and `state` as a form, so the code
    /// never appears in the address bar, the history or a proxy log (the default).
    #[default]
    FormPost,
    /// `response_mode=query`: the code arrives in the redirect URL's query string, for
    /// providers that do not support `form_post`.
    Query,
}

impl ResponseMode {
    /// The value of the `response_mode` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseMode::FormPost => "form_post",
            ResponseMode::Query => "query",
        }
    }
}

impl fmt::Display for ResponseMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What goes into one authorization request (plain data).
#[derive(Debug, Clone)]
pub struct AuthorizationParams {
    /// The provider's authorization endpoint (from discovery).
    pub authorization_endpoint: url::Url,
    /// The application (client) id.
    pub client_id: ClientId,
    /// The loopback redirect URI the listener answers on.
    pub redirect_uri: url::Url,
    /// The scopes requested; `openid profile offline_access` are added (without duplicates).
    pub scopes: Vec<Scope>,
    /// How the provider returns the response.
    pub response_mode: ResponseMode,
    /// Pre-fills the account (`login_hint`); suppresses the default `prompt=select_account`.
    pub login_hint: Option<String>,
    /// Skips home-realm discovery (`domain_hint`, e.g. `contoso.com`).
    pub domain_hint: Option<String>,
    /// `prompt` (`login`, `consent`, `select_account`, `none`); `None` means `select_account`
    /// unless a login hint is set.
    pub prompt: Option<String>,
    /// A claims challenge (JSON) from Continuous Access Evaluation; merged with the client
    /// capability `cp1` (see `claims_with_client_capabilities`).
    pub claims: Option<String>,
}

impl AuthorizationParams {
    /// Parameters with the defaults: form_post, no hints, default prompt, no claims challenge.
    pub fn new(
        authorization_endpoint: url::Url,
        client_id: ClientId,
        redirect_uri: url::Url,
        scopes: Vec<Scope>,
    ) -> Self {
        Self {
            authorization_endpoint,
            client_id,
            redirect_uri,
            scopes,
            response_mode: ResponseMode::default(),
            login_hint: None,
            domain_hint: None,
            prompt: None,
            claims: None,
        }
    }
}

/// The client capabilities printjob declares: `cp1` means "this client handles claims
/// challenges" (Continuous Access Evaluation), as MSAL declares it.
pub const CLIENT_CAPABILITIES: [&str; 1] = ["cp1"];

/// The `claims` request parameter: the claims challenge (if any) with the client capabilities
/// merged in as `{"access_token":{"xms_cc":{"values":["cp1"]}}}`, the way MSAL merges them.
/// A challenge that is not a JSON object is passed on unchanged (the provider reports it).
/// The token endpoint takes the same value on refresh.
pub fn claims_with_client_capabilities(challenge: Option<&str>) -> String {
    let mut claims = match challenge.map(serde_json::from_str::<serde_json::Value>) {
        None => serde_json::Value::Object(serde_json::Map::new()),
        Some(Ok(value @ serde_json::Value::Object(_))) => value,
        Some(_) => return challenge.unwrap_or_default().to_owned(),
    };
    let capabilities = serde_json::json!({ "values": CLIENT_CAPABILITIES });
    if let Some(object) = claims.as_object_mut() {
        let access_token = object
            .entry("access_token")
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if !access_token.is_object() {
            *access_token = serde_json::Value::Object(serde_json::Map::new());
        }
        if let Some(access_token) = access_token.as_object_mut() {
            access_token.insert("xms_cc".into(), capabilities);
        }
    }
    claims.to_string()
}

/// The scopes actually requested: the caller's, then `openid profile offline_access`, each once.
pub fn requested_scopes(scopes: &[Scope]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let oidc = Scope::OIDC.iter().map(|s| (*s).to_owned());
    for scope in scopes.iter().map(|s| s.as_str().to_owned()).chain(oidc) {
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    out
}

/// 32 bytes from the operating system's CSPRNG, base64url without padding (43 characters).
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE S256 challenge of a verifier: `BASE64URL(SHA256(ASCII(verifier)))` (RFC 7636 §4.2).
pub fn pkce_challenge_s256(verifier: &PkceVerifier) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.secret().as_bytes()))
}

/// A fresh PKCE verifier: 43 unreserved characters from 256 random bits (RFC 7636 §4.1).
pub fn new_pkce_verifier() -> PkceVerifier {
    PkceVerifier::new(random_token())
}

/// The random values of one request, kept apart from the URL so tests can fix them.
struct RequestSecrets {
    state: String,
    nonce: String,
    verifier: PkceVerifier,
}

/// Builds the authorize URL (a pure function of its inputs).
fn authorize_url(params: &AuthorizationParams, secrets: &RequestSecrets) -> url::Url {
    let mut url = params.authorization_endpoint.clone();
    let challenge = pkce_challenge_s256(&secrets.verifier);
    let prompt = match (&params.prompt, &params.login_hint) {
        (Some(prompt), _) => Some(prompt.as_str()),
        (None, Some(_)) => None,
        (None, None) => Some("select_account"),
    };
    let claims = claims_with_client_capabilities(params.claims.as_deref());
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("client_id", params.client_id.as_str())
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", params.redirect_uri.as_str())
            .append_pair("scope", &requested_scopes(&params.scopes).join(" "))
            .append_pair("state", &secrets.state)
            .append_pair("nonce", &secrets.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("response_mode", params.response_mode.as_str());
        let optional = [
            ("prompt", prompt),
            ("login_hint", params.login_hint.as_deref()),
            ("domain_hint", params.domain_hint.as_deref()),
            ("claims", Some(claims.as_str())),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    url
}

/// One authorization request in progress: the URL to open and what is needed to check and
/// redeem the response. Not `Clone`: the PKCE verifier exists once and is consumed by
/// [`PendingAuthorization::finish`].
pub struct PendingAuthorization {
    url: url::Url,
    state: String,
    nonce: String,
    verifier: PkceVerifier,
    redirect_uri: url::Url,
    response_mode: ResponseMode,
    /// What an `error=` redirect's advice needs to name (client id, scopes, redirect URI).
    context: ErrorContext,
}

impl PendingAuthorization {
    /// Starts a request: random `state` and `nonce`, a PKCE S256 pair, and the authorize URL.
    pub fn new(params: AuthorizationParams) -> Self {
        let secrets = RequestSecrets {
            state: random_token(),
            nonce: random_token(),
            verifier: new_pkce_verifier(),
        };
        Self::with_secrets(params, secrets)
    }

    fn with_secrets(params: AuthorizationParams, secrets: RequestSecrets) -> Self {
        let url = authorize_url(&params, &secrets);
        let context = ErrorContext {
            client_id: params.client_id.as_str().to_owned(),
            tenant: String::new(),
            scopes: params.scopes.clone(),
            redirect_uri: Some(params.redirect_uri.to_string()),
        };
        Self {
            url,
            state: secrets.state,
            nonce: secrets.nonce,
            verifier: secrets.verifier,
            redirect_uri: params.redirect_uri,
            response_mode: params.response_mode,
            context,
        }
    }

    /// The URL to open in the browser. It carries `state`, `nonce` and the PKCE challenge,
    /// none of which is a secret, but log it at debug level only.
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The `state` the redirect must carry.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The `nonce` the ID token must carry.
    #[cfg(test)]
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// How the response comes back.
    pub fn response_mode(&self) -> ResponseMode {
        self.response_mode
    }

    /// Checks the redirect and hands out what the token request needs. The `state` must match
    /// (compared in constant time); `error=access_denied` becomes [`AuthError::Cancelled`],
    /// any other `error=` an [`AuthError::Provider`] saying what to do.
    pub fn finish(self, redirect: RedirectParams) -> Result<AuthorizationGrant, AuthError> {
        check_state(&self.state, redirect.state.as_deref())?;
        if let Some(error) = redirect.error.as_deref() {
            return Err(redirect_error(
                error,
                redirect.error_description.as_deref(),
                &self.context,
            ));
        }
        let code = redirect.code.ok_or_else(|| {
            AuthError::Listener(
                "the sign-in response carried neither a code nor an error; sign in again".into(),
            )
        })?;
        Ok(AuthorizationGrant {
            code,
            verifier: self.verifier,
            redirect_uri: self.redirect_uri,
            nonce: self.nonce,
        })
    }
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("response_mode", &self.response_mode)
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

/// RFC 9207 §2.4: the authorization response's `iss` must equal the provider's issuer. It is
/// required when discovery advertises `authorization_response_iss_parameter_supported`, and
/// checked whenever it is present. Entra's `{tenantid}` template matches any one path segment.
pub fn check_response_issuer(
    received: Option<&str>,
    issuer: &str,
    advertised: bool,
) -> Result<(), AuthError> {
    let refused = |what: String| {
        AuthError::IdToken(format!(
            "the sign-in response was refused: {what} (RFC 9207: a response from another identity provider); sign in again"
        ))
    };
    let Some(received) = received else {
        return if advertised {
            Err(refused(format!(
                "it carries no `iss` although the provider {issuer} says it always sends one"
            )))
        } else {
            Ok(())
        };
    };
    let matches = match issuer.split_once("{tenantid}") {
        Some((before, after)) => received
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            .is_some_and(|seg| !seg.is_empty() && !seg.contains('/')),
        None => received == issuer,
    };
    if matches {
        Ok(())
    } else {
        Err(refused(format!(
            "its issuer {received:?} is not the provider's issuer {issuer:?}"
        )))
    }
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses a response whose `state` is missing or differs from the request's.
pub fn check_state(expected: &str, received: Option<&str>) -> Result<(), AuthError> {
    match received {
        Some(received) if constant_time_eq(expected, received) => Ok(()),
        _ => Err(AuthError::Listener(
            "the sign-in response does not belong to this sign-in (its state does not match), so it \
             was refused; sign in again"
                .into(),
        )),
    }
}

/// The parameters of the redirect to the loopback listener.
#[derive(Default)]
pub struct RedirectParams {
    /// The authorization code (redacted in `Debug`).
    pub code: Option<AuthorizationCode>,
    /// The `state` echoed by the provider.
    pub state: Option<String>,
    /// The OAuth 2.0 error code, when sign-in failed.
    pub error: Option<String>,
    /// The provider's error text (untrusted: sanitised before it is shown).
    pub error_description: Option<String>,
    /// A page about the error.
    pub error_uri: Option<String>,
    /// RFC 9207: the issuer of the response, when the provider sends it.
    pub iss: Option<String>,
}

impl RedirectParams {
    /// Reads the parameters from `application/x-www-form-urlencoded` pairs (a query string or a
    /// form body). A parameter given twice makes the response ambiguous: `None`.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Self> {
        let mut params = RedirectParams::default();
        for (name, value) in pairs {
            let slot = match name {
                "code" => {
                    if params.code.is_some() {
                        return None;
                    }
                    params.code = Some(AuthorizationCode::new(value));
                    continue;
                }
                "state" => &mut params.state,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                "error_uri" => &mut params.error_uri,
                "iss" => &mut params.iss,
                _ => continue,
            };
            if slot.replace(value.to_owned()).is_some() {
                return None;
            }
        }
        Some(params)
    }
}

impl fmt::Debug for RedirectParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectParams")
            .field("code", &self.code)
            .field("state", &self.state.as_ref().map(|_| "[present]"))
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// What the token request needs after a successful redirect. Not `Clone`.
pub struct AuthorizationGrant {
    /// The authorization code (single use).
    pub code: AuthorizationCode,
    /// The PKCE verifier that proves this client started the request.
    pub verifier: PkceVerifier,
    /// The redirect URI, repeated in the token request.
    pub redirect_uri: url::Url,
    /// The nonce the ID token must carry.
    pub nonce: String,
}

impl fmt::Debug for AuthorizationGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationGrant")
            .field("code", &self.code)
            .field("verifier", &self.verifier)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .finish_non_exhaustive()
    }
}

/// Untrusted provider text made safe to show: control and bidirectional-override characters
/// become spaces, white space is collapsed, and the text is cut at 300 characters.
pub fn sanitize_provider_text(text: &str) -> String {
    const MAX: usize = 300;
    let cleaned: String = text
        .chars()
        .map(|c| if is_unsafe_char(c) { ' ' } else { c })
        .collect();
    let mut out = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((cut, _)) = out.char_indices().nth(MAX) {
        out.truncate(cut);
        out.push('…');
    }
    out
}

fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The value after `label` in Entra's description (`Trace ID: …`, `Correlation ID: …`).
fn labelled_id(description: &str, label: &str) -> Option<String> {
    let (_, rest) = description.split_once(label)?;
    let id: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    (!id.is_empty()).then_some(id)
}

/// Maps an `error=` redirect to the error the caller sees.
fn redirect_error(error: &str, description: Option<&str>, context: &ErrorContext) -> AuthError {
    let raw = description.unwrap_or_default();
    let detail = Some(sanitize_provider_text(raw)).filter(|d| !d.is_empty());
    if error == "access_denied" {
        return AuthError::Cancelled { detail };
    }
    let provider = ProviderError {
        error: sanitize_provider_text(error),
        description: detail,
        codes: super::provider::aadsts_codes(raw),
        trace_id: labelled_id(raw, "Trace ID:"),
        correlation_id: labelled_id(raw, "Correlation ID:"),
    };
    super::provider::provider_error(provider, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENDPOINT: &str = "https://login.example.com/tenant/oauth2/v2.0/authorize";

    fn params() -> AuthorizationParams {
        AuthorizationParams::new(
            ENDPOINT.parse().unwrap(),
            ClientId::new("11111111-2222-3333-4444-555555555555").unwrap(),
            "http://localhost:8400".parse().unwrap(),
            vec![Scope::new("PrintJob.ReadWriteBasic").unwrap()],
        )
    }

    fn fixed_secrets() -> RequestSecrets {
        RequestSecrets {
            state: "state-123".into(),
            nonce: "nonce-456".into(),
            verifier: PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        }
    }

    fn query(url: &url::Url) -> Vec<(String, String)> {
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn param(url: &url::Url, name: &str) -> Option<String> {
        query(url)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    fn redirect(code: Option<&str>, state: Option<&str>) -> RedirectParams {
        RedirectParams {
            code: code.map(AuthorizationCode::new),
            state: state.map(str::to_owned),
            ..RedirectParams::default()
        }
    }

    #[test]
    fn pkce_challenge_matches_rfc7636_appendix_b() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce_challenge_s256(&verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn pkce_challenge_agrees_with_the_oauth2_crate() {
        let verifier = new_pkce_verifier();
        let theirs = oauth2::PkceCodeChallenge::from_code_verifier_sha256(
            &oauth2::PkceCodeVerifier::new(verifier.secret().to_owned()),
        );
        assert_eq!(pkce_challenge_s256(&verifier), theirs.as_str());
    }

    #[test]
    fn pkce_verifier_has_43_to_128_unreserved_characters() {
        let verifier = new_pkce_verifier();
        let value = verifier.secret();
        assert!((43..=128).contains(&value.len()), "length {}", value.len());
        assert!(value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)));
    }

    #[test]
    fn each_request_gets_fresh_state_nonce_and_verifier() {
        let a = PendingAuthorization::new(params());
        let b = PendingAuthorization::new(params());
        assert_ne!(a.state(), b.state());
        assert_ne!(a.nonce(), b.nonce());
        assert_ne!(a.verifier.secret(), b.verifier.secret());
        assert_ne!(a.state(), a.nonce());
    }

    #[test]
    fn authorize_url_carries_every_parameter() {
        let pending = PendingAuthorization::with_secrets(params(), fixed_secrets());
        let url = pending.url();
        assert!(url.as_str().starts_with(ENDPOINT));
        let expect = [
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:8400/"),
            (
                "scope",
                "PrintJob.ReadWriteBasic openid profile offline_access",
            ),
            ("state", "state-123"),
            ("nonce", "nonce-456"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
            ("response_mode", "form_post"),
            ("prompt", "select_account"),
        ];
        for (name, value) in expect {
            assert_eq!(param(url, name).as_deref(), Some(value), "{name}");
        }
        assert_eq!(param(url, "login_hint"), None);
    }

    #[test]
    fn authorize_url_never_contains_the_verifier() {
        let pending = PendingAuthorization::with_secrets(params(), fixed_secrets());
        assert!(!pending
            .url()
            .as_str()
            .contains("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    }

    #[test]
    fn login_hint_replaces_the_default_prompt() {
        let mut p = params();
        p.login_hint = Some("ada@contoso.com".into());
        p.domain_hint = Some("contoso.com".into());
        let pending = PendingAuthorization::with_secrets(p, fixed_secrets());
        assert_eq!(param(pending.url(), "prompt"), None);
        assert_eq!(
            param(pending.url(), "login_hint").as_deref(),
            Some("ada@contoso.com")
        );
        assert_eq!(
            param(pending.url(), "domain_hint").as_deref(),
            Some("contoso.com")
        );
    }

    #[test]
    fn explicit_prompt_is_sent_as_given() {
        let mut p = params();
        p.prompt = Some("consent".into());
        let pending = PendingAuthorization::with_secrets(p, fixed_secrets());
        assert_eq!(param(pending.url(), "prompt").as_deref(), Some("consent"));
    }

    #[test]
    fn query_response_mode_is_requested_explicitly() {
        let mut p = params();
        p.response_mode = ResponseMode::Query;
        let pending = PendingAuthorization::with_secrets(p, fixed_secrets());
        assert_eq!(
            param(pending.url(), "response_mode").as_deref(),
            Some("query")
        );
    }

    #[test]
    fn oidc_scopes_are_not_duplicated() {
        let scopes = vec![
            Scope::new("openid").unwrap(),
            Scope::new("PrintJob.ReadWrite").unwrap(),
            Scope::new("offline_access").unwrap(),
        ];
        assert_eq!(
            requested_scopes(&scopes),
            ["openid", "PrintJob.ReadWrite", "offline_access", "profile"]
        );
    }

    #[test]
    fn endpoint_query_parameters_are_kept() {
        let mut p = params();
        p.authorization_endpoint = format!("{ENDPOINT}?p=b2c_1_signin").parse().unwrap();
        let pending = PendingAuthorization::with_secrets(p, fixed_secrets());
        assert_eq!(param(pending.url(), "p").as_deref(), Some("b2c_1_signin"));
    }

    #[test]
    fn claims_declare_client_capability_cp1() {
        let claims: serde_json::Value =
            serde_json::from_str(&claims_with_client_capabilities(None)).unwrap();
        assert_eq!(
            claims,
            serde_json::json!({"access_token": {"xms_cc": {"values": ["cp1"]}}})
        );
    }

    #[test]
    fn claims_challenge_is_merged_with_client_capabilities() {
        let challenge = r#"{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}"#;
        let merged: serde_json::Value =
            serde_json::from_str(&claims_with_client_capabilities(Some(challenge))).unwrap();
        assert_eq!(
            merged["access_token"]["nbf"]["value"],
            serde_json::json!("1700000000")
        );
        assert_eq!(
            merged["access_token"]["xms_cc"]["values"],
            serde_json::json!(["cp1"])
        );
    }

    #[test]
    fn authorize_url_carries_the_merged_claims() {
        let mut p = params();
        p.claims = Some(r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#.into());
        let pending = PendingAuthorization::with_secrets(p, fixed_secrets());
        let claims = param(pending.url(), "claims").unwrap();
        assert!(
            claims.contains("acrs") && claims.contains("cp1"),
            "{claims}"
        );
    }

    #[test]
    fn finish_with_matching_state_returns_the_grant() {
        let pending = PendingAuthorization::with_secrets(params(), fixed_secrets());
        let grant = pending
            .finish(redirect(Some("the-code"), Some("state-123")))
            .unwrap();
        assert_eq!(grant.code.secret(), "the-code");
        assert_eq!(
            grant.verifier.secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(grant.nonce, "nonce-456");
        assert_eq!(grant.redirect_uri.as_str(), "http://localhost:8400/");
    }

    #[test]
    fn finish_refuses_a_state_mismatch() {
        let pending = PendingAuthorization::with_secrets(params(), fixed_secrets());
        let err = pending
            .finish(redirect(Some("the-code"), Some("state-124")))
            .unwrap_err();
        assert!(matches!(err, AuthError::Listener(_)), "{err:?}");
        assert!(err.to_string().contains("state does not match"));
    }

    #[test]
    fn finish_refuses_a_missing_state() {
        let pending = PendingAuthorization::with_secrets(params(), fixed_secrets());
        let err = pending
            .finish(redirect(Some("the-code"), None))
            .unwrap_err();
        assert!(matches!(err, AuthError::Listener(_)), "{err:?}");
    }

    #[test]
    fn finish_refuses_an_error_with_the_wrong_state() {
        let pending = PendingAuthorization::with_secrets(params(), fixed_secrets());
        let mut params = redirect(None, Some("forged"));
        params.error = Some("access_denied".into());
        let err = pending.finish(params).unwrap_err();
        assert!(matches!(err, AuthError::Listener(_)), "{err:?}");
    }

    #[test]
    fn access_denied_becomes_cancelled_with_sanitised_text() {
        let pending = PendingAuthorization::with_secrets(params(), fixed_secrets());
        let mut params = redirect(None, Some("state-123"));
        params.error = Some("access_denied".into());
        params.error_description =
            Some("AADSTS65004: User declined.\r\nTrace ID: 1\x1b[31m\u{202e}x".into());
        let err = pending.finish(params).unwrap_err();
        let AuthError::Cancelled { detail } = &err else {
            panic!("expected Cancelled, got {err:?}");
        };
        assert_eq!(
            detail.as_deref(),
            Some("AADSTS65004: User declined. Trace ID: 1 [31m x")
        );
        assert!(err.to_string().starts_with("sign-in was cancelled"));
    }

    #[test]
    fn provider_error_keeps_codes_and_ids_and_says_what_to_do() {
        let pending = PendingAuthorization::with_secrets(params(), fixed_secrets());
        let mut params = redirect(None, Some("state-123"));
        params.error = Some("invalid_request".into());
        params.error_description = Some(
            "AADSTS50011: The redirect URI 'http://localhost:8400/' does not match.\r\n\
             Trace ID: 0a1b2c3d-0000-0000-0000-000000000001\r\n\
             Correlation ID: 9f8e7d6c-0000-0000-0000-000000000002\r\nTimestamp: 2026-01-01"
                .into(),
        );
        let err = pending.finish(params).unwrap_err();
        let AuthError::Provider { error, message, .. } = &err else {
            panic!("expected Provider, got {err:?}");
        };
        assert_eq!(error.error, "invalid_request");
        assert_eq!(error.codes, [50011]);
        assert_eq!(
            error.trace_id.as_deref(),
            Some("0a1b2c3d-0000-0000-0000-000000000001")
        );
        assert_eq!(
            error.correlation_id.as_deref(),
            Some("9f8e7d6c-0000-0000-0000-000000000002")
        );
        assert!(
            message
                .contains("AADSTS50011: the redirect URI http://localhost:8400/ is not registered"),
            "{message}"
        );
        assert!(message.contains("correlation id 9f8e7d6c"), "{message}");
    }

    #[test]
    fn sanitised_provider_text_is_bounded() {
        let long = "x".repeat(1000);
        assert_eq!(sanitize_provider_text(&long).chars().count(), 301);
    }

    #[test]
    fn redirect_params_with_a_repeated_parameter_are_refused() {
        assert!(RedirectParams::from_pairs([("code", "a"), ("code", "b")]).is_none());
        assert!(RedirectParams::from_pairs([("state", "a"), ("state", "a")]).is_none());
        let params = RedirectParams::from_pairs([("code", "a"), ("state", "s"), ("x", "y")]);
        assert_eq!(params.unwrap().state.as_deref(), Some("s"));
    }

    #[test]
    fn debug_output_shows_no_code_or_verifier() {
        let pending = PendingAuthorization::with_secrets(params(), fixed_secrets());
        let pending_debug = format!("{pending:?}");
        let params = redirect(Some("the-code-value"), Some("state-123"));
        let params_debug = format!("{params:?}");
        let grant = pending.finish(params).unwrap();
        let grant_debug = format!("{grant:?}");
        for text in [pending_debug, params_debug, grant_debug] {
            assert!(!text.contains("the-code-value"), "{text}");
            assert!(!text.contains("dBjftJeZ4CVP"), "{text}");
            assert!(!text.contains("state-123"), "{text}");
        }
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
        assert!(!constant_time_eq("", "a"));
    }
}
