//! Integration tests: the identity platform emulator over real HTTP on 127.0.0.1 (authorize,
//! token, refresh, device code, discovery, client credentials).

use printjob::test_support::read_jwt;
use printjob::OffsetClock;
use printjob_emulator::identity::store::{RefreshPolicy, REFRESH_GRACE_SECS};
use printjob_emulator::robot::{self, Consent, RobotError, RobotUser};
use printjob_emulator::{seed, Emulator};
use printjob_test_support::redirect::{authorize_url, Captured, Receiver, SCOPES, VERIFIER};
use printjob_test_support::start_emulator as emulator;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;
use url::Url;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn adele() -> RobotUser {
    RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD)
}

/// Signs `user` in through the forms and returns what the loopback receiver got.
async fn sign_in_as(em: &Emulator, user: RobotUser, extra: &[(&str, &str)]) -> (Captured, String) {
    let receiver = Receiver::start().await;
    let redirect = receiver.redirect_uri.clone();
    let url = authorize_url(em, &redirect, extra);
    robot::sign_in(&url, &user, Consent::Accept).await.unwrap();
    (receiver.captured().await, redirect)
}

async fn code_for_adele(em: &Emulator) -> (String, String) {
    let (captured, redirect) = sign_in_as(em, adele(), &[]).await;
    (captured.params["code"].clone(), redirect)
}

async fn token_request(em: &Emulator, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/organizations/oauth2/v2.0/token", em.base_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn redeem(em: &Emulator, code: &str, redirect: &str, verifier: &str) -> (u16, Value) {
    token_request(
        em,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::PUBLIC_CLIENT_ID),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("scope", SCOPES),
        ],
    )
    .await
}

async fn refresh(em: &Emulator, token: &str, scope: Option<&str>) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", seed::PUBLIC_CLIENT_ID),
        ("refresh_token", token),
    ];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    token_request(em, &form).await
}

fn aadsts(body: &Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap_or(0)
}

/// Loads a URL without following redirects: (status, Location query params, body).
async fn get_raw(url: &Url) -> (u16, HashMap<String, String>, String) {
    let response = no_redirects().get(url.clone()).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| Url::parse(v.to_str().unwrap()).unwrap());
    let params = location
        .map(|l| l.query_pairs().into_owned().collect())
        .unwrap_or_default();
    (status, params, response.text().await.unwrap())
}

#[tokio::test]
async fn authorization_code_flow_with_pkce_issues_graph_token_with_user_claims() {
    let em = emulator().await;
    let (captured, redirect) = sign_in_as(&em, adele(), &[]).await;
    assert_eq!(captured.method, "GET");
    assert_eq!(captured.params["state"], "st-123");
    let (status, body) = redeem(&em, &captured.params["code"], &redirect, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["refresh_token"].is_string());
    let claims = read_jwt(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.aud.as_deref(), Some("https://graph.microsoft.com"));
    assert_eq!(
        claims.iss.unwrap(),
        format!("{}/{}/v2.0", em.base_url(), seed::CONTOSO_TENANT)
    );
    assert_eq!(claims.tid.as_deref(), Some(seed::CONTOSO_TENANT));
    assert_eq!(claims.preferred_username.as_deref(), Some(seed::ADELE));
    assert!(claims
        .scp
        .unwrap()
        .split(' ')
        .any(|s| s == "PrintJob.ReadWriteBasic"));
    assert_eq!(claims.idtyp.as_deref(), Some("user"));
}

#[tokio::test]
async fn id_token_carries_the_nonce_and_the_client_as_audience() {
    let em = emulator().await;
    let (code, redirect) = code_for_adele(&em).await;
    let (_, body) = redeem(&em, &code, &redirect, VERIFIER).await;
    let id_token = body["id_token"].as_str().unwrap();
    let payload = id_token.split('.').nth(1).unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["aud"], seed::PUBLIC_CLIENT_ID);
}

#[tokio::test]
async fn wrong_code_verifier_is_refused_with_aadsts501481_in_entra_error_shape() {
    let em = emulator().await;
    let (code, redirect) = code_for_adele(&em).await;
    let wrong = "x".repeat(43);
    let (status, body) = redeem(&em, &code, &redirect, &wrong).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(aadsts(&body), 501481);
    let description = body["error_description"].as_str().unwrap();
    assert!(description.starts_with("AADSTS501481: "), "{description}");
    assert!(description.contains("Trace ID: ") && description.contains("Correlation ID: "));
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[field].is_string(), "{field} missing: {body}");
    }
}

#[tokio::test]
async fn code_verifier_shorter_than_43_characters_is_refused() {
    let em = emulator().await;
    let (code, redirect) = code_for_adele(&em).await;
    let (_, body) = redeem(&em, &code, &redirect, "short").await;
    assert_eq!(aadsts(&body), 501481);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("43 to 128"));
}

#[tokio::test]
async fn authorize_without_pkce_redirects_with_invalid_request() {
    let em = emulator().await;
    let url = authorize_url(
        &em,
        "http://127.0.0.1:9",
        &[("code_challenge", ""), ("code_challenge_method", "")],
    );
    let (status, params, _) = get_raw(&url).await;
    assert_eq!(status, 302);
    assert_eq!(params["error"], "invalid_request");
    assert!(params["error_description"].starts_with("AADSTS9002325"));
    assert_eq!(params["state"], "st-123");
}

#[tokio::test]
async fn authorize_with_plain_pkce_is_refused() {
    let em = emulator().await;
    let url = authorize_url(
        &em,
        "http://127.0.0.1:9",
        &[
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ],
    );
    let (_, params, _) = get_raw(&url).await;
    assert_eq!(params["error"], "invalid_request");
    assert!(params["error_description"].contains("plain"));
}

#[tokio::test]
async fn reused_code_is_refused_and_revokes_the_refresh_token_it_issued() {
    let em = emulator().await;
    let (code, redirect) = code_for_adele(&em).await;
    let (status, first) = redeem(&em, &code, &redirect, VERIFIER).await;
    assert_eq!(status, 200);
    let (status, second) = redeem(&em, &code, &redirect, VERIFIER).await;
    assert_eq!(
        (status, second["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(aadsts(&second), 54005);
    let (status, after) = refresh(&em, first["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(status, 400);
    assert_eq!(after["error"], "invalid_grant");
}

#[tokio::test]
async fn code_older_than_ten_minutes_is_refused_with_aadsts70008() {
    let clock = OffsetClock::new();
    let em = Emulator::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let (code, redirect) = code_for_adele(&em).await;
    clock.advance(Duration::from_secs(601));
    let (_, body) = redeem(&em, &code, &redirect, VERIFIER).await;
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(aadsts(&body), 70008);
}

#[tokio::test]
async fn unregistered_redirect_uri_shows_aadsts50011_page_and_never_redirects() {
    let em = emulator().await;
    let evil = "https://evil.example/callback";
    let (status, params, body) = get_raw(&authorize_url(&em, evil, &[])).await;
    assert_eq!(status, 400);
    assert!(params.is_empty());
    assert!(body.contains("AADSTS50011"), "{body}");
    assert!(
        body.contains("https:&#x2F;&#x2F;evil.example&#x2F;callback"),
        "{body}"
    );
}

#[tokio::test]
async fn loopback_redirect_with_another_path_is_refused() {
    let em = emulator().await;
    let (status, _, body) = get_raw(&authorize_url(&em, "http://127.0.0.1:5000/cb", &[])).await;
    assert_eq!(status, 400);
    assert!(body.contains("AADSTS50011"));
}

#[tokio::test]
async fn unknown_client_shows_aadsts700016_page() {
    let em = emulator().await;
    let url = authorize_url(
        &em,
        "http://127.0.0.1:9",
        &[("client_id", "00000000-0000-0000-0000-000000000000")],
    );
    let (status, params, body) = get_raw(&url).await;
    assert_eq!(status, 400);
    assert!(params.is_empty());
    assert!(body.contains("AADSTS700016"));
}

#[tokio::test]
async fn personal_account_sign_in_is_refused_with_aadsts50020() {
    let em = emulator().await;
    let url = authorize_url(&em, "http://127.0.0.1:9", &[]);
    let user = RobotUser::new(seed::PERSONAL, seed::DEFAULT_PASSWORD);
    let err = robot::sign_in(&url, &user, Consent::Accept)
        .await
        .unwrap_err();
    match err {
        RobotError::SignInRefused(message) => {
            assert!(message.starts_with("AADSTS50020"), "{message}");
            assert!(message.contains("personal Microsoft accounts are not supported"));
        }
        other => panic!("expected a refused sign-in, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_password_shows_the_sign_in_page_again_with_aadsts50126() {
    let em = emulator().await;
    let url = authorize_url(&em, "http://127.0.0.1:9", &[]);
    let user = RobotUser::new(seed::ADELE, "not-the-password");
    let err = robot::sign_in(&url, &user, Consent::Accept)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RobotError::SignInRefused(m) if m.starts_with("AADSTS50126")),
        "{err:?}"
    );
}

#[tokio::test]
async fn unknown_scope_redirects_with_invalid_scope_aadsts70011() {
    let em = emulator().await;
    let url = authorize_url(&em, "http://127.0.0.1:9", &[("scope", "openid Mail.Send")]);
    let (status, params, _) = get_raw(&url).await;
    assert_eq!(status, 302);
    assert_eq!(params["error"], "invalid_scope");
    assert!(params["error_description"].starts_with("AADSTS70011"));
}

#[tokio::test]
async fn form_post_response_mode_posts_code_and_state_to_the_redirect_uri() {
    let em = emulator().await;
    let (captured, redirect) = sign_in_as(&em, adele(), &[("response_mode", "form_post")]).await;
    assert_eq!(captured.method, "POST");
    assert_eq!(captured.params["state"], "st-123");
    let (status, _) = redeem(&em, &captured.params["code"], &redirect, VERIFIER).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn fragment_response_mode_is_refused_for_the_code_flow() {
    let em = emulator().await;
    let url = authorize_url(&em, "http://127.0.0.1:9", &[("response_mode", "fragment")]);
    let (status, params, _) = get_raw(&url).await;
    assert_eq!(status, 302);
    assert_eq!(params["error"], "invalid_request");
    assert!(params["error_description"].contains("fragment"));
}

#[tokio::test]
async fn consent_cancel_redirects_with_access_denied_aadsts65004() {
    let em = emulator().await;
    let receiver = Receiver::start().await;
    let url = authorize_url(&em, &receiver.redirect_uri, &[]);
    robot::sign_in(&url, &adele(), Consent::Cancel)
        .await
        .unwrap();
    let captured = receiver.captured().await;
    assert_eq!(captured.params["error"], "access_denied");
    assert!(captured.params["error_description"].starts_with("AADSTS65004"));
    assert_eq!(captured.params["state"], "st-123");
    assert!(!captured.params.contains_key("code"));
}

#[tokio::test]
async fn consent_is_asked_once_per_user_and_client() {
    let em = emulator().await;
    code_for_adele(&em).await;
    code_for_adele(&em).await;
    let counters = em.counters();
    assert_eq!(counters.get("code:issued"), Some(&2));
    assert_eq!(counters.get("consent:accepted"), Some(&1));
}

#[tokio::test]
async fn normal_user_asking_an_admin_scope_gets_access_denied_aadsts90094() {
    let em = emulator().await;
    let receiver = Receiver::start().await;
    let url = authorize_url(
        &em,
        &receiver.redirect_uri,
        &[("scope", "openid PrintJob.ReadWrite.All")],
    );
    robot::sign_in(&url, &adele(), Consent::Accept)
        .await
        .unwrap();
    let captured = receiver.captured().await;
    assert_eq!(captured.params["error"], "access_denied");
    assert!(captured.params["error_description"].starts_with("AADSTS90094"));
}

async fn refresh_token_for_adele(em: &Emulator) -> String {
    let (code, redirect) = code_for_adele(em).await;
    let (_, body) = redeem(em, &code, &redirect, VERIFIER).await;
    body["refresh_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn refresh_rotates_the_token_and_counts_one_grant() {
    let em = emulator().await;
    let first = refresh_token_for_adele(&em).await;
    let (status, body) = refresh(&em, &first, None).await;
    assert_eq!(status, 200);
    let second = body["refresh_token"].as_str().unwrap();
    assert_ne!(second, first);
    assert_eq!(em.counters().get("grant:refresh_token"), Some(&1));
    assert_eq!(em.state().identity().refresh_family_count(), 1);
}

#[tokio::test]
async fn rotated_refresh_token_works_within_grace_window_then_is_refused() {
    let clock = OffsetClock::new();
    let em = Emulator::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    em.state()
        .identity()
        .set_refresh_policy(RefreshPolicy::Grace);
    let old = refresh_token_for_adele(&em).await;
    assert_eq!(refresh(&em, &old, None).await.0, 200);
    assert_eq!(
        refresh(&em, &old, None).await.0,
        200,
        "within the grace window"
    );
    clock.advance(Duration::from_secs(REFRESH_GRACE_SECS as u64 + 2));
    let (status, body) = refresh(&em, &old, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(aadsts(&body), 70000);
}

#[tokio::test]
async fn refresh_for_an_unconsented_scope_is_consent_required() {
    let em = emulator().await;
    let token = refresh_token_for_adele(&em).await;
    let (_, body) = refresh(&em, &token, Some("PrintJob.ReadWrite offline_access")).await;
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["suberror"], "consent_required");
    assert_eq!(aadsts(&body), 65001);
}

#[tokio::test]
async fn refused_refresh_does_not_use_up_the_refresh_token() {
    let em = emulator().await;
    let token = refresh_token_for_adele(&em).await;
    let (status, _) = refresh(&em, &token, Some("PrintJob.ReadWrite offline_access")).await;
    assert_eq!(status, 400);
    // Long after any rotation grace window, the same token still works: nothing was rotated.
    em.state()
        .clock
        .advance(Duration::from_secs(REFRESH_GRACE_SECS as u64 + 60));
    let (status, body) = refresh(&em, &token, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].is_string());
}

#[tokio::test]
async fn refresh_may_ask_for_a_subset_of_the_consented_scopes() {
    let em = emulator().await;
    let token = refresh_token_for_adele(&em).await;
    let (status, body) = refresh(&em, &token, Some("PrintJob.ReadWriteBasic")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "PrintJob.ReadWriteBasic");
}

#[tokio::test]
async fn client_credentials_token_is_app_only_with_roles_and_no_scp() {
    let em = emulator().await;
    let (status, body) = token_request(
        &em,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", seed::DAEMON_CLIENT_ID),
            ("client_secret", seed::DAEMON_CLIENT_SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let claims = read_jwt(body["access_token"].as_str().unwrap()).unwrap();
    assert!(claims.scp.is_none());
    assert!(claims
        .roles
        .unwrap()
        .contains(&"PrintJob.Manage.All".to_string()));
    assert_eq!(claims.idtyp.as_deref(), Some("app"));
}

#[tokio::test]
async fn client_credentials_with_wrong_secret_is_401_aadsts7000215() {
    let em = emulator().await;
    let (status, body) = token_request(
        &em,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", seed::DAEMON_CLIENT_ID),
            ("client_secret", "wrong"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(aadsts(&body), 7000215);
}

#[tokio::test]
async fn client_credentials_from_a_public_client_is_refused() {
    let em = emulator().await;
    let (status, body) = token_request(
        &em,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", seed::PUBLIC_CLIENT_ID),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!((status, aadsts(&body)), (401, 7000218));
}

#[tokio::test]
async fn token_request_in_json_is_refused_as_missing_grant_type() {
    let em = emulator().await;
    let response = reqwest::Client::new()
        .post(format!("{}/organizations/oauth2/v2.0/token", em.base_url()))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(aadsts(&body), 900144);
}

async fn start_device_code(em: &Emulator) -> Value {
    reqwest::Client::new()
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            em.base_url()
        ))
        .form(&[("client_id", seed::PUBLIC_CLIENT_ID), ("scope", SCOPES)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn poll(em: &Emulator, device_code: &str) -> (u16, Value) {
    token_request(
        em,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", seed::PUBLIC_CLIENT_ID),
            ("device_code", device_code),
        ],
    )
    .await
}

#[tokio::test]
async fn device_code_flow_is_pending_until_the_user_approves_then_issues_tokens() {
    let clock = OffsetClock::new();
    let em = Emulator::builder()
        .clock(clock.clone())
        .device_code_interval(1)
        .start()
        .await
        .unwrap();
    let started = start_device_code(&em).await;
    assert_eq!(started["interval"], 1);
    assert_eq!(started["expires_in"], 900);
    let device_code = started["device_code"].as_str().unwrap();
    let (_, pending) = poll(&em, device_code).await;
    assert_eq!(pending["error"], "authorization_pending");
    let uri = Url::parse(started["verification_uri"].as_str().unwrap()).unwrap();
    let user_code = started["user_code"].as_str().unwrap();
    let done = robot::device_login(&uri, user_code, &adele(), Consent::Accept)
        .await
        .unwrap();
    assert!(done.body.contains("You have signed in"));
    clock.advance(Duration::from_secs(2));
    let (status, tokens) = poll(&em, device_code).await;
    assert_eq!(status, 200, "{tokens}");
    let claims = read_jwt(tokens["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.preferred_username.as_deref(), Some(seed::ADELE));
}

#[tokio::test]
async fn device_code_polled_faster_than_the_interval_gets_slow_down() {
    let em = emulator().await;
    let started = start_device_code(&em).await;
    assert_eq!(started["interval"], 5);
    let device_code = started["device_code"].as_str().unwrap();
    poll(&em, device_code).await;
    let (status, body) = poll(&em, device_code).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("slow_down")));
}

#[tokio::test]
async fn device_code_declined_on_the_consent_page_is_authorization_declined() {
    let em = emulator().await;
    let started = start_device_code(&em).await;
    let uri = Url::parse(started["verification_uri"].as_str().unwrap()).unwrap();
    robot::device_login(
        &uri,
        started["user_code"].as_str().unwrap(),
        &adele(),
        Consent::Cancel,
    )
    .await
    .unwrap();
    let (_, body) = poll(&em, started["device_code"].as_str().unwrap()).await;
    assert_eq!(body["error"], "authorization_declined");
}

#[tokio::test]
async fn device_code_expires_after_fifteen_minutes() {
    let clock = OffsetClock::new();
    let em = Emulator::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let started = start_device_code(&em).await;
    clock.advance(Duration::from_secs(901));
    let (_, body) = poll(&em, started["device_code"].as_str().unwrap()).await;
    assert_eq!(body["error"], "expired_token");
}

#[tokio::test]
async fn unknown_device_code_is_bad_verification_code() {
    let em = emulator().await;
    let (_, body) = poll(&em, "DAQ.not-issued").await;
    assert_eq!(body["error"], "bad_verification_code");
}

async fn discovery(em: &Emulator, tenant: &str) -> (u16, Value) {
    let response = reqwest::get(format!(
        "{}/{tenant}/v2.0/.well-known/openid-configuration",
        em.base_url()
    ))
    .await
    .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn discovery_issuer_carries_the_tenant_guid_for_a_guid_or_a_domain() {
    let em = emulator().await;
    let expected = format!("{}/{}/v2.0", em.base_url(), seed::CONTOSO_TENANT);
    for tenant in [seed::CONTOSO_TENANT, "contoso.onmicrosoft.com"] {
        let (status, doc) = discovery(&em, tenant).await;
        assert_eq!(status, 200);
        assert_eq!(doc["issuer"], expected.as_str());
        assert_eq!(doc["response_modes_supported"][2], "form_post");
    }
}

#[tokio::test]
async fn discovery_issuer_is_the_tenantid_template_for_organizations_and_common() {
    let em = emulator().await;
    for tenant in ["organizations", "common"] {
        let (_, doc) = discovery(&em, tenant).await;
        assert_eq!(
            doc["issuer"],
            format!("{}/{{tenantid}}/v2.0", em.base_url())
        );
        assert_eq!(
            doc["token_endpoint"],
            format!("{}/{tenant}/oauth2/v2.0/token", em.base_url())
        );
    }
}

#[tokio::test]
async fn discovery_for_an_unknown_tenant_is_aadsts90002() {
    let em = emulator().await;
    let (status, body) = discovery(&em, "nowhere.example").await;
    assert_eq!(status, 400);
    assert_eq!(aadsts(&body), 90002);
}

#[tokio::test]
async fn jwks_publishes_the_signing_key() {
    let em = emulator().await;
    let jwks: Value = reqwest::get(format!(
        "{}/organizations/discovery/v2.0/keys",
        em.base_url()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
}

#[tokio::test]
async fn script_in_login_hint_is_escaped_on_the_sign_in_page() {
    let em = emulator().await;
    let script = "\"><script>alert(1)</script>";
    let url = authorize_url(&em, "http://127.0.0.1:9", &[("login_hint", script)]);
    let (status, _, body) = get_raw(&url).await;
    assert_eq!(status, 200);
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(body.contains("&lt;script&gt;alert(1)"));
}

#[tokio::test]
async fn script_in_state_is_escaped_on_the_form_post_page() {
    let em = emulator().await;
    let script = "\"><script>alert(1)</script>";
    let url = authorize_url(
        &em,
        "http://127.0.0.1:9",
        &[
            ("response_mode", "form_post"),
            ("scope", "Mail.Send"),
            ("state", script),
        ],
    );
    let (status, _, body) = get_raw(&url).await;
    assert_eq!(status, 200);
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(body.contains("&lt;script&gt;alert(1)"));
}

#[tokio::test]
async fn prompt_none_redirects_with_login_required() {
    let em = emulator().await;
    let url = authorize_url(&em, "http://127.0.0.1:9", &[("prompt", "none")]);
    let (_, params, _) = get_raw(&url).await;
    assert_eq!(params["error"], "login_required");
}

#[tokio::test]
async fn token_from_the_form_flow_cancels_the_users_own_job_through_graph() {
    use printjob_emulator::graph::seed::LOBBY_PRINTER;
    let em = emulator().await;
    let (captured, redirect) = sign_in_as(&em, adele(), &[]).await;
    let (status, body) = redeem(&em, &captured.params["code"], &redirect, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let cancel = |job: &'static str| {
        reqwest::Client::new()
            .post(format!(
                "{}/print/printers/{LOBBY_PRINTER}/jobs/{job}/cancel",
                em.graph_url()
            ))
            .bearer_auth(token)
            .send()
    };
    let own = cancel("101").await.unwrap();
    assert_eq!(own.status().as_u16(), 204);
    assert_eq!(own.text().await.unwrap(), "", "204 has no body");
    let state = em.state().print().job_state(LOBBY_PRINTER, "101");
    assert_eq!(
        state.map(|s| s.as_str().to_string()).as_deref(),
        Some("canceled")
    );
    // PrintJob.ReadWriteBasic: Megan's job is not Adele's to cancel.
    let other = cancel("107").await.unwrap();
    assert_eq!(other.status().as_u16(), 403);
    let error: Value = other.json().await.unwrap();
    assert_eq!(error["error"]["code"], "accessDenied");
}

// ---- more refusals at the token and authorize endpoints ---------------------------------

#[tokio::test]
async fn token_request_without_code_verifier_is_refused_with_aadsts900144() {
    let em = emulator().await;
    let (code, redirect) = code_for_adele(&em).await;
    let (status, body) = token_request(
        &em,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::PUBLIC_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", &redirect),
            ("scope", SCOPES),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(aadsts(&body), 900144);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("code_verifier"));
    assert!(body.get("access_token").is_none());
}

#[tokio::test]
async fn code_redeemed_with_another_redirect_uri_is_refused_with_aadsts500112() {
    let em = emulator().await;
    let (code, _) = code_for_adele(&em).await;
    let (status, body) = redeem(&em, &code, "http://127.0.0.1:1/", VERIFIER).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(aadsts(&body), 500112);
}

#[tokio::test]
async fn public_client_sending_a_client_secret_with_pkce_is_refused_with_aadsts700025() {
    let em = emulator().await;
    let (code, redirect) = code_for_adele(&em).await;
    let (status, body) = token_request(
        &em,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::PUBLIC_CLIENT_ID),
            ("client_secret", "anything"),
            ("code", &code),
            ("redirect_uri", &redirect),
            ("code_verifier", VERIFIER),
            ("scope", SCOPES),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(aadsts(&body), 700025);
}

#[tokio::test]
async fn code_redeemed_by_another_client_is_refused_with_invalid_grant() {
    let em = emulator().await;
    let (code, redirect) = code_for_adele(&em).await;
    let (status, body) = token_request(
        &em,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::DAEMON_CLIENT_ID),
            ("client_secret", seed::DAEMON_CLIENT_SECRET),
            ("code", &code),
            ("redirect_uri", &redirect),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(body.get("access_token").is_none());
}

#[tokio::test]
async fn redirect_uri_with_a_fragment_shows_aadsts50011_page_and_never_redirects() {
    let em = emulator().await;
    let url = authorize_url(&em, "http://127.0.0.1:5000/#frag", &[]);
    let (status, params, body) = get_raw(&url).await;
    assert_eq!(status, 400);
    assert!(params.is_empty());
    assert!(body.contains("AADSTS50011"), "{body}");
}

#[tokio::test]
async fn device_code_redeemed_once_is_bad_verification_code_afterwards() {
    let clock = OffsetClock::new();
    let em = Emulator::builder()
        .clock(clock.clone())
        .device_code_interval(1)
        .start()
        .await
        .unwrap();
    let started = start_device_code(&em).await;
    let device_code = started["device_code"].as_str().unwrap();
    let uri = Url::parse(started["verification_uri"].as_str().unwrap()).unwrap();
    let user_code = started["user_code"].as_str().unwrap();
    robot::device_login(&uri, user_code, &adele(), Consent::Accept)
        .await
        .unwrap();
    clock.advance(Duration::from_secs(2));
    let (status, _) = poll(&em, device_code).await;
    assert_eq!(status, 200);
    clock.advance(Duration::from_secs(2));
    let (status, body) = poll(&em, device_code).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "bad_verification_code");
}

#[tokio::test]
async fn token_response_without_offline_access_and_openid_has_no_refresh_or_id_token() {
    let em = emulator().await;
    let scope = "https://graph.microsoft.com/PrintJob.ReadWriteBasic";
    let (captured, redirect) = sign_in_as(&em, adele(), &[("scope", scope)]).await;
    let (status, body) = token_request(
        &em,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::PUBLIC_CLIENT_ID),
            ("code", &captured.params["code"]),
            ("redirect_uri", &redirect),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "PrintJob.ReadWriteBasic");
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body.get("id_token").is_none(), "{body}");
    let claims = read_jwt(body["access_token"].as_str().unwrap()).unwrap();
    assert!(claims.exp.is_some());
}

#[tokio::test]
async fn identity_route_under_an_injected_429_answers_with_retry_after() {
    let em = emulator().await;
    em.set_faults(printjob_emulator::faults::FaultConfig {
        next: 1,
        force: 429,
        retry_after_secs: 3,
        ..Default::default()
    });
    let response = reqwest::Client::new()
        .post(format!("{}/organizations/oauth2/v2.0/token", em.base_url()))
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "3");
    assert_eq!(em.counters()["fault:429"], 1);
}

#[tokio::test]
async fn get_on_the_token_endpoint_is_refused_with_aadsts900561() {
    let em = emulator().await;
    let response = reqwest::get(format!(
        "{}/organizations/oauth2/v2.0/token?grant_type=client_credentials",
        em.base_url()
    ))
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(aadsts(&body), 900561);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_redemptions_never_redeem_one_code_twice() {
    let em = emulator().await;
    let url = format!("{}/organizations/oauth2/v2.0/token", em.base_url());
    // Twenty clients with a warm connection each, released together for every code.
    let clients: Vec<reqwest::Client> = (0..20).map(|_| reqwest::Client::new()).collect();
    for client in &clients {
        let _ = client.get(em.base_url()).send().await;
    }
    const CODES: usize = 150;
    let mut twice = 0;
    for _ in 0..CODES {
        let (code, redirect) = code_for_adele(&em).await;
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients.len()));
        let attempts = clients.iter().map(|client| {
            let (client, url, barrier) = (client.clone(), url.clone(), barrier.clone());
            let (code, redirect) = (code.clone(), redirect.clone());
            tokio::spawn(async move {
                let request = client.post(url).form(&[
                    ("grant_type", "authorization_code"),
                    ("client_id", seed::PUBLIC_CLIENT_ID),
                    ("code", code.as_str()),
                    ("redirect_uri", redirect.as_str()),
                    ("code_verifier", VERIFIER),
                    ("scope", SCOPES),
                ]);
                barrier.wait().await;
                request.send().await.unwrap().status().as_u16()
            })
        });
        let statuses = futures::future::join_all(attempts).await;
        let ok = statuses
            .iter()
            .filter(|s| *s.as_ref().unwrap() == 200)
            .count();
        assert!(ok >= 1, "{statuses:?}");
        twice += usize::from(ok > 1);
    }
    assert_eq!(twice, 0, "codes redeemed more than once");
    assert_eq!(em.counters().get("code:redeemed"), Some(&(CODES as u64)));
}

#[tokio::test]
async fn by_default_a_rotated_out_refresh_token_stays_valid_as_entra_documents() {
    let em = emulator().await;
    let old = refresh_token_for_adele(&em).await;
    assert_eq!(refresh(&em, &old, None).await.0, 200);
    em.state().clock.advance(Duration::from_secs(7 * 86_400));
    let (status, body) = refresh(&em, &old, None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn strict_mode_revokes_the_family_when_a_rotated_out_refresh_token_is_reused() {
    let em = emulator().await;
    em.state()
        .identity()
        .set_refresh_policy(RefreshPolicy::Strict);
    let old = refresh_token_for_adele(&em).await;
    let (status, body) = refresh(&em, &old, None).await;
    assert_eq!(status, 200);
    let newer = body["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh(&em, &old, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = refresh(&em, &newer, None).await;
    assert_eq!(status, 400, "the whole family is revoked");
    assert_eq!(em.counters().get("refresh:reuse_revoked_family"), Some(&1));
}
