//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — which bearer tokens Graph accepts (signature, expiry, audience, not-before, CAE).

use printjob::model::PrintJobProcessingState;
use printjob_emulator::graph::seed::LOBBY_PRINTER;
use printjob_emulator::seed::{ADELE, CONTOSO_TENANT};
use printjob_emulator::Emulator;
use printjob_test_support::{
    cancel_url, graph_error_code as error_code, http_client as client, job_state, send as call,
    start_emulator as start, user_token as token, BASIC,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn expired_token_is_refused_with_401_and_bearer_challenge() {
    let emulator = start().await;
    let t = emulator
        .mint_user_token(ADELE, BASIC, -60)
        .expect("seeded user");
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert_eq!(error_code(response).await, "InvalidAuthenticationToken");
}

#[tokio::test]
async fn token_with_bad_signature_is_refused() {
    let emulator = start().await;
    let mut t = token(&emulator, ADELE, BASIC).into_bytes();
    // Flip a character well inside the signature (the last one may only carry padding bits).
    let at = t.len() - 10;
    t[at] = if t[at] == b'A' { b'B' } else { b'A' };
    let t = String::from_utf8(t).unwrap();
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(response).await, "InvalidAuthenticationToken");
}

#[tokio::test]
async fn request_without_authorization_is_refused() {
    let emulator = start().await;
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        None,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn revoked_session_gets_claims_challenge_and_new_token_passes() {
    let emulator = start().await;
    let old = token(&emulator, ADELE, BASIC);
    let revoke = client()
        .post(format!(
            "{}/_emulator/graph/revoke-sessions?user={ADELE}",
            emulator.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert!(revoke.status().is_success());
    let url = format!(
        "{}/print/printers/{LOBBY_PRINTER}/jobs/101",
        emulator.graph_url()
    );
    let refused = call(Method::GET, &url, Some(&old)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("error=\"insufficient_claims\""),
        "{challenge}"
    );
    let claims_b64 = challenge
        .split("claims=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(claims_b64)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["access_token"]["nbf"]["essential"], true);
    emulator.state().clock.advance(Duration::from_secs(1));
    let fresh = token(&emulator, ADELE, BASIC);
    assert_eq!(
        call(Method::GET, &url, Some(&fresh)).await.status(),
        StatusCode::OK
    );
}

fn signed_for_adele(emulator: &Emulator, aud: &str, nbf_offset: i64) -> String {
    let state = emulator.state();
    let now = state.now();
    let oid = state
        .directory()
        .user_by_upn(ADELE)
        .expect("seeded")
        .id
        .clone();
    state.keys.sign(&printjob_emulator::jwt::IssuedClaims {
        aud: aud.into(),
        iss: format!("{}/{CONTOSO_TENANT}/v2.0", emulator.base_url()),
        tid: CONTOSO_TENANT.into(),
        oid: oid.clone(),
        sub: oid,
        iat: now,
        nbf: now + nbf_offset,
        exp: now + 3600,
        scp: Some("PrintJob.ReadWriteBasic".into()),
        preferred_username: Some(ADELE.into()),
        ..Default::default()
    })
}

#[tokio::test]
async fn token_issued_for_another_audience_is_refused_with_401() {
    let emulator = start().await;
    let t = signed_for_adele(&emulator, "api://some-other-api", 0);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("audience"));
    assert_eq!(
        job_state(&emulator, LOBBY_PRINTER, "101"),
        Some(PrintJobProcessingState::Pending)
    );
}

#[tokio::test]
async fn token_whose_nbf_is_beyond_the_clock_skew_is_refused_with_401() {
    let emulator = start().await;
    let t = signed_for_adele(&emulator, "https://graph.microsoft.com", 600);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not yet valid"));
}

#[tokio::test]
async fn hand_signed_graph_token_within_its_window_is_accepted() {
    // The control for the two refusals above: the same construction with the right audience
    // and a current nbf passes, so they fail for the claim they change.
    let emulator = start().await;
    let t = signed_for_adele(&emulator, "https://graph.microsoft.com", 0);
    let response = call(
        Method::POST,
        &cancel_url(&emulator, LOBBY_PRINTER, "101"),
        Some(&t),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}
