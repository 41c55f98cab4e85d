//! Integration tests: the identity platform emulator over real HTTP on 127.0.0.1 — OIDC discovery and the signing keys.

use printjob_emulator::seed;
use printjob_test_support::identity::{aadsts, discovery};
use printjob_test_support::start_emulator as emulator;
use serde_json::Value;

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
