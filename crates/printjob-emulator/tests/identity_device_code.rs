//! Integration tests: the identity platform emulator over real HTTP on 127.0.0.1 — the device code flow.

use printjob::test_support::read_jwt;
use printjob::OffsetClock;
use printjob_emulator::robot::{self, Consent};
use printjob_emulator::{seed, Emulator};
use printjob_test_support::identity::{adele, poll, start_device_code};
use printjob_test_support::start_emulator as emulator;
use std::time::Duration;
use url::Url;

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
