//! Requests to the emulator's identity platform as an application makes them: a sign-in
//! through the robot browser, the token endpoint's grants, the device code endpoint, discovery.

use crate::http_client;
use crate::redirect::{authorize_url, Captured, Receiver, SCOPES, VERIFIER};
use printjob_emulator::robot::{self, Consent, RobotUser};
use printjob_emulator::{seed, Emulator};
use serde_json::Value;
use std::collections::HashMap;
use url::Url;

/// Adele, the seeded ordinary user, with her password.
pub fn adele() -> RobotUser {
    RobotUser::new(seed::ADELE, seed::DEFAULT_PASSWORD)
}

/// Signs `user` in through the forms and returns what the loopback receiver got, and the
/// redirect URI it listened on.
pub async fn sign_in_as(
    em: &Emulator,
    user: RobotUser,
    extra: &[(&str, &str)],
) -> (Captured, String) {
    let receiver = Receiver::start().await;
    let redirect = receiver.redirect_uri.clone();
    let url = authorize_url(em, &redirect, extra);
    robot::sign_in(&url, &user, Consent::Accept)
        .await
        .expect("sign-in through the forms");
    (receiver.captured().await, redirect)
}

/// An authorization code for Adele and the redirect URI it was issued for.
pub async fn code_for_adele(em: &Emulator) -> (String, String) {
    let (captured, redirect) = sign_in_as(em, adele(), &[]).await;
    (captured.params["code"].clone(), redirect)
}

/// `POST /organizations/oauth2/v2.0/token` with `form`: the status and the JSON body.
pub async fn token_request(em: &Emulator, form: &[(&str, &str)]) -> (u16, Value) {
    let response = http_client()
        .post(format!("{}/organizations/oauth2/v2.0/token", em.base_url()))
        .form(form)
        .send()
        .await
        .expect("token response");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

/// Redeems `code` for the public client with PKCE `verifier`.
pub async fn redeem(em: &Emulator, code: &str, redirect: &str, verifier: &str) -> (u16, Value) {
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

/// Adele's refresh token, from a full sign-in and code redemption.
pub async fn refresh_token_for_adele(em: &Emulator) -> String {
    let (code, redirect) = code_for_adele(em).await;
    let (_, body) = redeem(em, &code, &redirect, VERIFIER).await;
    body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string()
}

/// The refresh token grant for the public client, optionally asking for `scope`.
pub async fn refresh(em: &Emulator, token: &str, scope: Option<&str>) -> (u16, Value) {
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

/// The first of Entra's `error_codes` (the AADSTS number), 0 when there is none.
pub fn aadsts(body: &Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap_or(0)
}

/// Loads a URL without following redirects: (status, Location query params, body).
pub async fn get_raw(url: &Url) -> (u16, HashMap<String, String>, String) {
    let response = http_client()
        .get(url.clone())
        .send()
        .await
        .expect("response");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(|v| Url::parse(v).expect("an absolute Location"));
    let params = location
        .map(|l| l.query_pairs().into_owned().collect())
        .unwrap_or_default();
    (status, params, response.text().await.expect("body"))
}

/// Starts the device code flow for the public client: the device authorization response.
pub async fn start_device_code(em: &Emulator) -> Value {
    http_client()
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            em.base_url()
        ))
        .form(&[("client_id", seed::PUBLIC_CLIENT_ID), ("scope", SCOPES)])
        .send()
        .await
        .expect("device code response")
        .json()
        .await
        .expect("JSON body")
}

/// Polls the token endpoint once for `device_code`.
pub async fn poll(em: &Emulator, device_code: &str) -> (u16, Value) {
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

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: the status and the JSON body.
pub async fn discovery(em: &Emulator, tenant: &str) -> (u16, Value) {
    let response = http_client()
        .get(format!(
            "{}/{tenant}/v2.0/.well-known/openid-configuration",
            em.base_url()
        ))
        .send()
        .await
        .expect("discovery response");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}
