//! Integration tests: the identity platform emulator over real HTTP on 127.0.0.1 — the client credentials grant (app-only tokens).

use printjob::test_support::read_jwt;
use printjob_emulator::seed;
use printjob_test_support::identity::{aadsts, token_request};
use printjob_test_support::start_emulator as emulator;

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
