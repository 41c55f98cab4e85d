//! Integration tests: the identity platform emulator over real HTTP on 127.0.0.1 — redeeming an authorization code at the token endpoint.

use printjob::test_support::read_jwt;
use printjob::OffsetClock;
use printjob_emulator::{seed, Emulator};
use printjob_test_support::identity::{
    aadsts, adele, code_for_adele, redeem, refresh, sign_in_as, token_request,
};
use printjob_test_support::redirect::{SCOPES, VERIFIER};
use printjob_test_support::start_emulator as emulator;
use serde_json::Value;
use std::time::Duration;

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
