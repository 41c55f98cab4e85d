//! Integration tests: the identity platform emulator over real HTTP on 127.0.0.1 — the authorize endpoint: PKCE, redirect URIs, response modes, sign-in and consent pages.

use printjob_emulator::robot::{self, Consent, RobotError, RobotUser};
use printjob_emulator::seed;
use printjob_test_support::identity::{adele, code_for_adele, get_raw, redeem, sign_in_as};
use printjob_test_support::redirect::{authorize_url, Receiver, VERIFIER};
use printjob_test_support::start_emulator as emulator;

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
async fn redirect_uri_with_a_fragment_shows_aadsts50011_page_and_never_redirects() {
    let em = emulator().await;
    let url = authorize_url(&em, "http://127.0.0.1:5000/#frag", &[]);
    let (status, params, body) = get_raw(&url).await;
    assert_eq!(status, 400);
    assert!(params.is_empty());
    assert!(body.contains("AADSTS50011"), "{body}");
}
