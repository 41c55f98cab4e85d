//! Integration tests: the emulator standing in for a national cloud over real HTTP on
//! 127.0.0.1 — each cloud's Graph resource as the token audience, short and qualified scope
//! names, and a Graph that refuses another cloud's token (Graph `deployments.md`: "Access
//! tokens acquired for a national cloud deployment are not interchangeable with those acquired
//! for the global service or any other national cloud").

use printjob::Cloud;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::seed;
use printjob_emulator::Emulator;
use printjob_test_support::identity::{aadsts, adele, refresh, sign_in_as, token_request};
use printjob_test_support::redirect::VERIFIER;
use printjob_test_support::{graph_error_code, send, start_emulator_in};
use reqwest::Method;

const L4: &str = "https://graph.microsoft.us";
const DOD: &str = "https://dod-graph.microsoft.us";

/// The `aud` claim of a JWT (read, not verified).
fn audience(access_token: &str) -> String {
    use base64::Engine;
    let payload = access_token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    let claims: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON claims");
    claims["aud"].as_str().unwrap_or_default().to_owned()
}

fn jobs_url(em: &Emulator) -> String {
    format!("{}/print/printers/{LOBBY_PRINTER}/jobs", em.graph_url())
}

/// Short names: what the helpers' global-Graph-qualified scopes would be at a US Government
/// sign-in host, where `https://graph.microsoft.com` is not served.
const SHORT: &str = "openid profile offline_access PrintJob.ReadWriteBasic";

/// Adele's refresh token from a sign-in asking for short scope names.
async fn refresh_token_for_adele(em: &Emulator) -> String {
    let (captured, redirect) = sign_in_as(em, adele(), &[("scope", SHORT)]).await;
    let code = &captured.params["code"];
    let (status, body) = token_request(
        em,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::PUBLIC_CLIENT_ID),
            ("code", code),
            ("redirect_uri", &redirect),
            ("code_verifier", VERIFIER),
            ("scope", SHORT),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned()
}

/// A token from the refresh grant asking for `scope`: (status, access token, response scope).
async fn token_for(em: &Emulator, scope: &str) -> (u16, String, String) {
    let rt = refresh_token_for_adele(em).await;
    let (status, body) = refresh(em, &rt, Some(scope)).await;
    (
        status,
        body["access_token"].as_str().unwrap_or_default().to_owned(),
        body["scope"].as_str().unwrap_or_default().to_owned(),
    )
}

// graph-conformance: C3
#[tokio::test]
async fn usgov_dod_issues_dod_graph_tokens_for_qualified_scopes_and_its_graph_accepts_them() {
    let em = start_emulator_in(Cloud::UsGovDod).await;
    let (status, token, scope) = token_for(
        &em,
        &format!("openid offline_access {DOD}/PrintJob.ReadWriteBasic"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(audience(&token), DOD);
    assert!(
        scope.contains(&format!("{DOD}/PrintJob.ReadWriteBasic")),
        "{scope}"
    );
    let response = send(Method::GET, &jobs_url(&em), Some(&token)).await;
    assert_eq!(response.status(), 200);
}

// graph-conformance: C3
#[tokio::test]
async fn usgov_accepts_short_and_l4_qualified_scope_names_alike() {
    let em = start_emulator_in(Cloud::UsGov).await;
    for scope in [
        "openid PrintJob.ReadWriteBasic".to_string(),
        format!("openid {L4}/PrintJob.ReadWriteBasic"),
    ] {
        let (status, token, granted) = token_for(&em, &scope).await;
        assert_eq!(status, 200, "{scope}");
        assert_eq!(audience(&token), L4, "{scope}");
        assert!(granted.split(' ').any(|s| s == "PrintJob.ReadWriteBasic"));
        let response = send(Method::GET, &jobs_url(&em), Some(&token)).await;
        assert_eq!(response.status(), 200, "{scope}");
    }
}

// graph-conformance: C3
#[tokio::test]
async fn a_token_of_another_clouds_audience_is_refused_by_that_clouds_graph_with_401() {
    // Both Graphs sign in at login.microsoftonline.us: each emulator issues the other's token.
    for (cloud, other_scope, other_aud) in [
        (
            Cloud::UsGovDod,
            "openid PrintJob.ReadWriteBasic".to_string(),
            L4,
        ),
        (
            Cloud::UsGov,
            format!("openid {DOD}/PrintJob.ReadWriteBasic"),
            DOD,
        ),
    ] {
        let em = start_emulator_in(cloud).await;
        let (status, token, _) = token_for(&em, &other_scope).await;
        assert_eq!(status, 200);
        assert_eq!(audience(&token), other_aud);
        let response = send(Method::GET, &jobs_url(&em), Some(&token)).await;
        assert_eq!(response.status(), 401, "{cloud:?}");
        assert!(response.headers().contains_key("www-authenticate"));
        assert_eq!(
            graph_error_code(response).await,
            "InvalidAuthenticationToken"
        );
    }
}

// graph-conformance: C3
#[tokio::test]
async fn minted_tokens_carry_the_emulators_own_graph_audience() {
    let em = start_emulator_in(Cloud::UsGov).await;
    let minted = em
        .mint_user_token(seed::ADELE, printjob_test_support::BASIC, 3600)
        .unwrap();
    assert_eq!(audience(&minted), L4);
    let response = send(Method::GET, &jobs_url(&em), Some(&minted)).await;
    assert_eq!(response.status(), 200);
}

// graph-conformance: C3
#[tokio::test]
async fn another_sign_in_hosts_graph_is_aadsts500011_and_two_graphs_at_once_aadsts28000() {
    let em = start_emulator_in(Cloud::UsGov).await;
    let rt = refresh_token_for_adele(&em).await;
    let (status, body) = refresh(
        &em,
        &rt,
        Some("openid https://graph.microsoft.com/PrintJob.ReadWriteBasic"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(aadsts(&body), 500011);
    let (status, body) = refresh(
        &em,
        &rt,
        Some(&format!("PrintJob.ReadWriteBasic {DOD}/User.Read")),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(aadsts(&body), 28000);
}

// graph-conformance: C3
#[tokio::test]
async fn a_national_clouds_settings_name_the_cloud_and_the_public_ones_do_not() {
    let em = start_emulator_in(Cloud::UsGovDod).await;
    assert!(em.settings().contains("PRINTJOB_CLOUD=usgov-dod\n"));
    let public = printjob_test_support::start_emulator().await;
    assert!(!public.settings().contains("PRINTJOB_CLOUD"));
}
