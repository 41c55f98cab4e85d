//! Integration tests: the identity platform emulator over real HTTP on 127.0.0.1 — the refresh token grant: rotation, grace window, scopes.

use printjob::OffsetClock;
use printjob_emulator::identity::store::{RefreshPolicy, REFRESH_GRACE_SECS};
use printjob_emulator::Emulator;
use printjob_test_support::identity::{aadsts, refresh, refresh_token_for_adele};
use printjob_test_support::start_emulator as emulator;
use std::time::Duration;

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
