//! The token endpoint: authorization code exchange, refresh (with rotation) and the device code
//! flow, through the oauth2 crate over reqwest (redirects never followed).
//!
//! Identity-provider errors are parsed and explained in [`super::provider`], which discovery, the
//! authorize step and this token step share. Nothing here logs or formats a token, a code or a verifier.

use super::provider::{first_line, lenient_u64};
pub use super::provider::{
    needs_interaction, parse_provider_error, provider_error, ErrorBody, ErrorContext,
};
use super::{access_token, AuthError};
use crate::http::error_chain;
use crate::ids::{ClientId, Scope};
use crate::permissions::PURPOSE;
use crate::secret::{AccessToken, AuthorizationCode, IdToken, PkceVerifier, RefreshToken};
use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    DeviceAuthorizationUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet, RequestTokenError,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;
use url::Url;

/// Fields of a token response beyond RFC 6749's, all optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraFields {
    /// The OpenID Connect ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<IdToken>,
    /// Entra's hint to refresh early (seconds).
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub refresh_in: Option<u64>,
    /// Entra's extended lifetime (seconds).
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub ext_expires_in: Option<u64>,
    /// Entra's `client_info` (base64url JSON with `uid` and `utid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_info: Option<String>,
}

impl oauth2::ExtraTokenFields for ExtraFields {}

/// Extra fields of a device authorization response (Entra adds a ready-made `message`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeviceExtraFields {
    /// The provider's instructions for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl oauth2::ExtraDeviceAuthorizationFields for DeviceExtraFields {}

type RawTokenResponse = StandardTokenResponse<ExtraFields, BasicTokenType>;
type DeviceResponse = oauth2::DeviceAuthorizationResponse<DeviceExtraFields>;
type OAuthClient = oauth2::Client<
    ErrorBody,
    RawTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Tokens from one successful token response.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token, if the provider returned one.
    pub refresh_token: Option<RefreshToken>,
    /// The ID token, if the provider returned one.
    pub id_token: Option<IdToken>,
    /// Lifetime in seconds from the response (`expires_in`), if given.
    pub expires_in: Option<u64>,
    /// Extended lifetime in seconds, if given.
    pub ext_expires_in: Option<u64>,
    /// When to refresh, in seconds from now, if given.
    pub refresh_in: Option<u64>,
    /// `exp` of the access token when it is a readable JWT.
    pub jwt_expires_on: Option<i64>,
    /// The granted scopes: from the response's `scope`, else the JWT's `scp`, else the
    /// requested ones.
    pub scopes: Vec<Scope>,
    /// `client_info`, if the provider returned it.
    pub client_info: Option<String>,
    /// The token type (`Bearer`).
    pub token_type: String,
}

/// What the user must do to finish a device code sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    /// The code to type.
    pub user_code: String,
    /// Where to type it.
    pub verification_uri: String,
    /// A URL with the code already filled in, if the provider gives one.
    pub verification_uri_complete: Option<String>,
    /// The provider's own instructions, if any.
    pub message: Option<String>,
    /// How long the code is valid.
    pub expires_in: Duration,
    /// The polling interval the provider asked for.
    pub interval: Duration,
}

/// A started device code flow; [`TokenClient::poll_device_code`] finishes it.
pub struct DeviceCodeFlow {
    response: DeviceResponse,
    prompt: DeviceCodePrompt,
    requested: Vec<Scope>,
}

impl fmt::Debug for DeviceCodeFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCodeFlow")
            .field("verification_uri", &self.prompt.verification_uri)
            .field("requested", &self.requested)
            .finish_non_exhaustive()
    }
}

impl DeviceCodeFlow {
    /// What to show the user.
    pub fn prompt(&self) -> &DeviceCodePrompt {
        &self.prompt
    }
}

/// The `claims` parameter of every token request: the claims challenge being answered (if
/// any) with the client capabilities merged in, as msal-python's
/// `_merge_claims_challenge_and_capabilities` does when capabilities are configured.
pub fn claims_parameter(challenge: Option<&str>) -> String {
    super::interactive::claims_with_client_capabilities(challenge)
}

/// An HTTP client for identity endpoints: no redirects followed (the oauth2 crate asks for it),
/// bounded time.
pub fn http_client() -> Result<reqwest::Client, AuthError> {
    crate::http::client(&crate::http::ClientSettings::default())
        .map_err(|e| AuthError::Network(e.to_string()))
}

/// The scopes sent to the provider: the requested ones plus `openid profile offline_access`.
pub fn scopes_with_oidc(requested: &[Scope]) -> Vec<Scope> {
    let mut all: Vec<Scope> = requested.iter().filter(|s| !s.is_oidc()).cloned().collect();
    all.extend(Scope::OIDC.iter().filter_map(|s| Scope::new(*s).ok()));
    all
}

fn scope_param(scopes: &[Scope]) -> String {
    scopes_with_oidc(scopes)
        .iter()
        .map(Scope::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

fn oauth_scopes(scopes: &[Scope]) -> Vec<oauth2::Scope> {
    scopes_with_oidc(scopes)
        .into_iter()
        .map(|s| oauth2::Scope::new(s.into()))
        .collect()
}

/// Calls one provider's token endpoint for one client.
#[derive(Debug, Clone)]
pub struct TokenClient {
    oauth: OAuthClient,
    http: reqwest::Client,
    context: ErrorContext,
    token_endpoint: Url,
}

impl TokenClient {
    /// A client for `token_endpoint` (and `device_endpoint`, when the provider has one).
    pub fn new(
        http: reqwest::Client,
        client_id: &ClientId,
        tenant: &str,
        token_endpoint: &Url,
        device_endpoint: Option<&Url>,
    ) -> Self {
        let oauth = oauth2::Client::new(oauth2::ClientId::new(client_id.as_str().to_owned()))
            .set_auth_type(oauth2::AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(token_endpoint.clone()))
            .set_device_authorization_url_option(
                device_endpoint.map(|u| DeviceAuthorizationUrl::from_url(u.clone())),
            );
        Self {
            oauth,
            http,
            context: ErrorContext {
                client_id: client_id.as_str().to_owned(),
                tenant: tenant.to_owned(),
                ..ErrorContext::default()
            },
            token_endpoint: token_endpoint.clone(),
        }
    }

    fn context(&self, scopes: &[Scope], redirect_uri: Option<&Url>) -> ErrorContext {
        ErrorContext {
            scopes: scopes.to_vec(),
            redirect_uri: redirect_uri.map(Url::to_string),
            ..self.context.clone()
        }
    }

    /// Redeems an authorization code (with its PKCE verifier and the exact redirect URI).
    /// `claims` is the claims challenge the sign-in answered, if any; the client capability
    /// `cp1` is always merged in (see [`claims_parameter`]).
    pub async fn exchange_code(
        &self,
        code: &AuthorizationCode,
        verifier: &PkceVerifier,
        redirect_uri: &Url,
        requested: &[Scope],
        claims: Option<&str>,
    ) -> Result<TokenSet, AuthError> {
        tracing::debug!(endpoint = %self.token_endpoint, "redeeming the authorization code");
        let redirect = oauth2::RedirectUrl::from_url(redirect_uri.clone());
        let result = self
            .oauth
            .exchange_code(oauth2::AuthorizationCode::new(code.secret().to_owned()))
            .set_pkce_verifier(oauth2::PkceCodeVerifier::new(verifier.secret().to_owned()))
            .set_redirect_uri(Cow::Owned(redirect))
            .add_extra_param("scope", scope_param(requested))
            .add_extra_param("client_info", "1")
            .add_extra_param("claims", claims_parameter(claims))
            .request_async(&crate::http::capped(&self.http))
            .await;
        let ctx = self.context(requested, Some(redirect_uri));
        let response = result.map_err(|e| request_error(e, &self.token_endpoint, &ctx))?;
        token_set(response, requested)
    }

    /// Redeems a refresh token; `claims` passes a claims challenge (CAE) to the provider, with
    /// the client capability `cp1` merged in (sent on every refresh, as MSAL does).
    pub async fn refresh(
        &self,
        refresh_token: &RefreshToken,
        requested: &[Scope],
        claims: Option<&str>,
    ) -> Result<TokenSet, AuthError> {
        tracing::debug!(endpoint = %self.token_endpoint, "redeeming the refresh token");
        let token = oauth2::RefreshToken::new(refresh_token.secret().to_owned());
        let request = self
            .oauth
            .exchange_refresh_token(&token)
            .add_scopes(oauth_scopes(requested))
            .add_extra_param("client_info", "1")
            .add_extra_param("claims", claims_parameter(claims));
        let result = request
            .request_async(&crate::http::capped(&self.http))
            .await;
        let ctx = self.context(requested, None);
        let response = result.map_err(|e| request_error(e, &self.token_endpoint, &ctx))?;
        token_set(response, requested)
    }

    /// Starts the device code flow: returns the code to show the user.
    pub async fn start_device_code(
        &self,
        requested: &[Scope],
    ) -> Result<DeviceCodeFlow, AuthError> {
        let request = self.oauth.exchange_device_code().map_err(|_| {
            AuthError::Usage(
                "this identity provider has no device authorization endpoint; sign in with the browser instead"
                    .into(),
            )
        })?;
        let ctx = self.context(requested, None);
        let response: DeviceResponse = request
            .add_scopes(oauth_scopes(requested))
            .request_async(&crate::http::capped(&self.http))
            .await
            .map_err(|e| request_error(e, &self.token_endpoint, &ctx))?;
        let prompt = DeviceCodePrompt {
            user_code: response.user_code().secret().to_owned(),
            verification_uri: response.verification_uri().to_string(),
            verification_uri_complete: response
                .verification_uri_complete()
                .map(|u| u.secret().to_owned()),
            message: response.extra_fields().message.clone(),
            expires_in: response.expires_in(),
            interval: response.interval(),
        };
        Ok(DeviceCodeFlow {
            response,
            prompt,
            requested: requested.to_vec(),
        })
    }

    /// Polls until the user finishes (honouring `interval` and `slow_down`), the code expires,
    /// or the user declines (`access_denied`, or Entra's `authorization_declined`: both
    /// [`AuthError::Cancelled`]). Each poll sends `client_info=1` and the `claims` parameter
    /// with the client capability `cp1`, as MSAL does.
    pub async fn poll_device_code(&self, flow: DeviceCodeFlow) -> Result<TokenSet, AuthError> {
        let ctx = self.context(&flow.requested, None);
        let result = self
            .oauth
            .exchange_device_access_token(&flow.response)
            .add_extra_param("client_info", "1")
            .add_extra_param("claims", claims_parameter(None))
            .request_async(&crate::http::capped(&self.http), tokio::time::sleep, None)
            .await;
        let response: RawTokenResponse = result.map_err(|e| match e {
            RequestTokenError::ServerResponse(r) => {
                let body = ErrorBody {
                    error: r.error().as_ref().to_owned(),
                    error_description: r.error_description().cloned(),
                    ..ErrorBody::default()
                };
                if body.error == "expired_token" {
                    return AuthError::TimedOut {
                        seconds: flow.prompt.expires_in.as_secs(),
                    };
                }
                if matches!(
                    body.error.as_str(),
                    "authorization_declined" | "access_denied"
                ) {
                    return AuthError::Cancelled {
                        detail: body
                            .error_description
                            .as_deref()
                            .map(|d| first_line(d).to_owned()),
                    };
                }
                provider_error(body.into(), &ctx)
            }
            other => request_error_generic(other, &self.token_endpoint),
        })?;
        token_set(response, &flow.requested)
    }
}

fn request_error<RE: std::error::Error + 'static>(
    error: RequestTokenError<RE, ErrorBody>,
    endpoint: &Url,
    ctx: &ErrorContext,
) -> AuthError {
    match error {
        RequestTokenError::ServerResponse(body) => provider_error(body.into(), ctx),
        other => request_error_generic(other, endpoint),
    }
}

/// Network and parse failures. A parse error names only the JSON path, never the body (which
/// may hold tokens).
fn request_error_generic<RE, TE>(error: RequestTokenError<RE, TE>, endpoint: &Url) -> AuthError
where
    RE: std::error::Error + 'static,
    TE: oauth2::ErrorResponse + 'static,
{
    match error {
        RequestTokenError::Request(e) => AuthError::Network(format!(
            "cannot reach the token endpoint {endpoint}: {}; check your network and the authority",
            error_chain(&e)
        )),
        RequestTokenError::Parse(e, _body) => AuthError::Network(format!(
            "the token endpoint {endpoint} answered something that is not a valid token response (at `{}`: {:?} error); the provider may be down or misconfigured",
            e.path(),
            e.inner().classify()
        )),
        RequestTokenError::Other(msg) => AuthError::Network(format!(
            "the token endpoint {endpoint} answered unexpectedly: {msg}"
        )),
        RequestTokenError::ServerResponse(r) => AuthError::Network(format!(
            "the token endpoint {endpoint} refused the request: {r}"
        )),
    }
}

fn token_set(response: RawTokenResponse, requested: &[Scope]) -> Result<TokenSet, AuthError> {
    let access_token = AccessToken::new(response.access_token().secret().to_owned());
    let response_scopes: Option<Vec<Scope>> = response.scopes().map(|list| {
        list.iter()
            .filter_map(|s| Scope::new(s.as_str()).ok())
            .collect()
    });
    let inspected = access_token::inspect(&access_token, response_scopes.as_deref())?;
    let scopes = if inspected.scopes_known {
        inspected.scopes
    } else {
        requested.to_vec()
    };
    if requested.iter().any(|s| PURPOSE.is_served_by_scope(s)) {
        access_token::require_purpose_scope(&scopes)?;
    }
    let extra = response.extra_fields().clone();
    Ok(TokenSet {
        access_token,
        refresh_token: response
            .refresh_token()
            .map(|r| RefreshToken::new(r.secret().to_owned())),
        id_token: extra.id_token,
        expires_in: response.expires_in().map(|d| d.as_secs()),
        ext_expires_in: extra.ext_expires_in,
        refresh_in: extra.refresh_in,
        jwt_expires_on: inspected.expires_on,
        scopes,
        client_info: extra.client_info,
        token_type: response.token_type().as_ref().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ProviderError;
    use crate::failure::{Remedy, Setting};
    use axum::routing::post;

    fn ctx() -> ErrorContext {
        ErrorContext {
            client_id: "7d3f2c1b-8a9e-4b6d-a5c4-3e2f1d0c9b8a".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            scopes: Scope::parse_list("PrintJob.ReadWriteBasic openid"),
            redirect_uri: Some("http://localhost:51234/".into()),
        }
    }

    fn entra(code: u64, error: &str) -> ProviderError {
        ErrorBody {
            error: error.into(),
            error_description: Some(format!(
                "AADSTS{code}: something.\r\nTrace ID: t1\r\nCorrelation ID: c1\r\nTimestamp: now"
            )),
            error_codes: Some(vec![code]),
            trace_id: Some("t1".into()),
            correlation_id: Some("c1".into()),
        }
        .into()
    }

    #[test]
    fn consent_missing_asks_for_admin_consent_naming_the_scopes() {
        let error = provider_error(entra(65001, "invalid_grant"), &ctx());
        let msg = error.to_string();
        assert!(msg.starts_with("AADSTS65001: the user or an administrator has not consented to PrintJob.ReadWriteBasic — sign in again asking for these permissions and accept the consent page"), "{msg}");
        assert!(msg.contains("correlation id c1"), "{msg}");
        assert_eq!(
            error.remedy(),
            Some(Remedy::SignInWithScopes(vec![Scope::new(
                "PrintJob.ReadWriteBasic"
            )
            .unwrap()]))
        );
    }

    #[test]
    fn app_not_found_points_at_client_id_and_tenant() {
        let error = provider_error(entra(700016, "unauthorized_client"), &ctx());
        let msg = error.to_string();
        assert!(
            msg.contains("7d3f2c1b-8a9e-4b6d-a5c4-3e2f1d0c9b8a"),
            "{msg}"
        );
        assert!(msg.contains("contoso.onmicrosoft.com"), "{msg}");
        assert!(msg.contains("check the client id and the tenant"), "{msg}");
        assert_eq!(
            error.remedy(),
            Some(Remedy::CheckSettings(vec![
                Setting::ClientId,
                Setting::Tenant
            ]))
        );
    }

    #[test]
    fn redirect_mismatch_says_to_register_http_localhost() {
        let msg = provider_error(entra(50011, "invalid_request"), &ctx()).to_string();
        assert!(msg.contains("http://localhost:51234/"), "{msg}");
        assert!(
            msg.contains(
                "add `http://localhost` as a Mobile and desktop applications redirect URI"
            ),
            "{msg}"
        );
    }

    #[test]
    fn invalid_grant_says_sign_in_again() {
        let error = provider_error(entra(70000, "invalid_grant"), &ctx());
        let msg = error.to_string();
        assert!(
            msg.contains("the saved sign-in has expired or was revoked"),
            "{msg}"
        );
        assert_eq!(error.remedy(), Some(Remedy::SignIn));
    }

    #[test]
    fn aadsts_code_is_read_from_the_description_when_codes_are_absent() {
        let body = r#"{"error":"invalid_client","error_description":"AADSTS700016: Application not found"}"#;
        let parsed = parse_provider_error(body).unwrap();
        assert_eq!(parsed.codes, vec![700016]);
        assert_eq!(
            parsed.description.as_deref(),
            Some("AADSTS700016: Application not found")
        );
    }

    #[test]
    fn interaction_required_is_recognised_for_fallback() {
        let err = provider_error(entra(50076, "interaction_required"), &ctx());
        assert!(needs_interaction(&err));
        assert!(!needs_interaction(&AuthError::Network("x".into())));
    }

    use crate::auth::jwt::test_support::unsigned_jwt as jwt;

    async fn serve_token_endpoint(status: u16, body: String) -> Url {
        let app = axum::Router::new().route(
            "/token",
            post(move || {
                let body = body.clone();
                async move {
                    (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        [("content-type", "application/json")],
                        body,
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Url::parse(&format!("http://{addr}/token")).unwrap()
    }

    fn client(endpoint: &Url) -> TokenClient {
        TokenClient::new(
            http_client().unwrap(),
            &ClientId::new("client").unwrap(),
            "organizations",
            endpoint,
            None,
        )
    }

    fn basic() -> Vec<Scope> {
        Scope::parse_list("PrintJob.ReadWriteBasic")
    }

    type Seen = std::sync::Arc<std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>>;

    /// A token endpoint (and device endpoint) that records every form it receives and answers
    /// `status` + `body` from /token.
    async fn recording_endpoint(status: u16, body: &'static str) -> (Url, Url, Seen) {
        let seen = Seen::default();
        let record = seen.clone();
        let app = axum::Router::new()
            .route(
                "/token",
                post(
                    move |axum::extract::Form(f): axum::extract::Form<
                        std::collections::HashMap<String, String>,
                    >| {
                        let record = record.clone();
                        async move {
                            record.lock().unwrap().push(f);
                            (
                                axum::http::StatusCode::from_u16(status).unwrap(),
                                [("content-type", "application/json")],
                                body,
                            )
                        }
                    },
                ),
            )
            .route(
                "/device",
                post(|| async {
                    axum::Json(serde_json::json!({
                        "device_code": "dc", "user_code": "ABC", "verification_uri":
                        "https://example.com/device", "expires_in": 900, "interval": 1
                    }))
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (
            Url::parse(&format!("http://{addr}/token")).unwrap(),
            Url::parse(&format!("http://{addr}/device")).unwrap(),
            seen,
        )
    }

    const OK: &str = r#"{"access_token":"opaque","token_type":"Bearer","expires_in":3600}"#;

    fn xms_cc(form: &std::collections::HashMap<String, String>) -> serde_json::Value {
        let claims: serde_json::Value = serde_json::from_str(&form["claims"]).unwrap();
        claims["access_token"]["xms_cc"].clone()
    }

    #[tokio::test]
    async fn cp1_is_sent_in_claims_on_code_redemption_refresh_and_device_poll() {
        let (token, device, seen) = recording_endpoint(200, OK).await;
        let client = TokenClient::new(
            http_client().unwrap(),
            &ClientId::new("client").unwrap(),
            "organizations",
            &token,
            Some(&device),
        );
        client
            .exchange_code(
                &AuthorizationCode::new("code"),
                &PkceVerifier::new("v".repeat(43)),
                &Url::parse("http://localhost:1/").unwrap(),
                &basic(),
                None,
            )
            .await
            .unwrap();
        let challenge = r#"{"access_token":{"nbf":{"essential":true,"value":"1"}}}"#;
        client
            .refresh(&RefreshToken::new("rt"), &basic(), Some(challenge))
            .await
            .unwrap();
        let flow = client.start_device_code(&basic()).await.unwrap();
        client.poll_device_code(flow).await.unwrap();
        let forms = seen.lock().unwrap().clone();
        assert_eq!(forms.len(), 3);
        for form in &forms {
            assert_eq!(
                xms_cc(form),
                serde_json::json!({"values": ["cp1"]}),
                "{form:?}"
            );
            assert_eq!(form.get("client_info").map(String::as_str), Some("1"));
        }
        let refresh: serde_json::Value = serde_json::from_str(&forms[1]["claims"]).unwrap();
        assert_eq!(
            refresh["access_token"]["nbf"]["value"], "1",
            "the challenge is kept"
        );
    }

    #[tokio::test]
    async fn device_code_declined_by_the_user_is_cancelled() {
        let body = r#"{"error":"authorization_declined","error_description":"AADSTS70000: the user declined"}"#;
        let (token, device, _) = recording_endpoint(400, body).await;
        let client = TokenClient::new(
            http_client().unwrap(),
            &ClientId::new("client").unwrap(),
            "organizations",
            &token,
            Some(&device),
        );
        let flow = client.start_device_code(&basic()).await.unwrap();
        let err = client.poll_device_code(flow).await.unwrap_err();
        assert!(matches!(err, AuthError::Cancelled { .. }), "{err:?}");
        assert_eq!(err.kind(), crate::error::ErrorKind::SignInCancelled);
    }

    #[tokio::test]
    async fn response_without_refresh_or_id_token_or_scope_is_accepted() {
        let url = serve_token_endpoint(
            200,
            r#"{"access_token":"opaque-value","token_type":"Bearer","expires_in":3600}"#.into(),
        )
        .await;
        let set = client(&url)
            .refresh(&RefreshToken::new("rt"), &basic(), None)
            .await
            .unwrap();
        assert!(set.refresh_token.is_none() && set.id_token.is_none());
        assert_eq!(set.scopes, basic(), "falls back to the requested scopes");
    }

    #[tokio::test]
    async fn granted_scopes_come_from_the_response_and_refresh_in_is_read() {
        let url = serve_token_endpoint(
            200,
            r#"{"access_token":"opaque","token_type":"bearer","expires_in":3600,"refresh_in":"1800","scope":"https://graph.microsoft.com/PrintJob.ReadWrite openid","refresh_token":"r2"}"#.into(),
        )
        .await;
        let set = client(&url)
            .refresh(&RefreshToken::new("rt"), &basic(), None)
            .await
            .unwrap();
        assert_eq!(set.refresh_in, Some(1800));
        assert_eq!(set.scopes[0].short(), "PrintJob.ReadWrite");
        assert_eq!(set.refresh_token.unwrap().secret(), "r2");
    }

    #[tokio::test]
    async fn app_only_token_in_a_response_is_refused() {
        let token = jwt(serde_json::json!({"roles": ["PrintJob.ReadWrite.All"]}));
        let body = serde_json::json!({"access_token": token, "token_type": "Bearer"}).to_string();
        let url = serve_token_endpoint(200, body).await;
        let err = client(&url)
            .refresh(&RefreshToken::new("rt"), &basic(), None)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::AppOnlyToken), "{err}");
    }

    #[tokio::test]
    async fn token_without_printjob_scope_is_refused() {
        let body = r#"{"access_token":"opaque","token_type":"Bearer","scope":"User.Read"}"#;
        let url = serve_token_endpoint(200, body.into()).await;
        let err = client(&url)
            .refresh(&RefreshToken::new("rt"), &basic(), None)
            .await
            .unwrap_err();
        assert!(matches!(err, AuthError::MissingScopes { .. }), "{err}");
    }

    #[tokio::test]
    async fn entra_error_body_becomes_provider_error_with_codes() {
        let body = r#"{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented.","error_codes":[65001],"trace_id":"t","correlation_id":"c"}"#;
        let url = serve_token_endpoint(400, body.into()).await;
        let err = client(&url)
            .refresh(&RefreshToken::new("rt"), &basic(), None)
            .await
            .unwrap_err();
        match err {
            AuthError::Provider { error, message, .. } => {
                assert_eq!(error.codes, vec![65001]);
                assert_eq!(error.correlation_id.as_deref(), Some("c"));
                assert!(message.starts_with("AADSTS65001"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn unreadable_success_body_never_echoes_the_body() {
        let body = r#"{"access_token": 12345, "secret_marker": "do-not-print"}"#;
        let url = serve_token_endpoint(200, body.into()).await;
        let err = client(&url)
            .refresh(&RefreshToken::new("rt"), &basic(), None)
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            !msg.contains("do-not-print") && !msg.contains("12345"),
            "{msg}"
        );
        assert!(msg.contains("not a valid token response"), "{msg}");
    }
}
