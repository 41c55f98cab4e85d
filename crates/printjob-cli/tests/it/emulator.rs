//! Integration tests: the emulator driven through binaries of this crate (`printjob emulator`
//! and the `robot_browser` example). The emulator's own tests are in
//! crates/printjob-emulator/tests/.

use printjob_emulator::graph::seed::{LOBBY_PRINTER, LOBBY_SHARE};
use printjob_emulator::seed::{self, Seed, MEGAN};
use printjob_test_support::redirect::{authorize_url, Receiver};
use printjob_test_support::start_emulator as emulator;

#[tokio::test(flavor = "multi_thread")]
async fn robot_browser_example_used_as_browser_delivers_the_redirect() {
    let em = emulator().await;
    let receiver = Receiver::start().await;
    let url = authorize_url(&em, &receiver.redirect_uri, &[]);
    let status = tokio::process::Command::new(crate::harness::example_bin("robot_browser"))
        .arg(url.as_str())
        .env("PRINTJOB_ROBOT_USER", seed::MEGAN)
        .status()
        .await
        .expect("robot_browser runs (built by cargo test)");
    assert!(status.success());
    assert!(receiver.captured().await.params.contains_key("code"));
}

#[tokio::test(flavor = "multi_thread")]
async fn robot_browser_example_fails_on_a_wrong_password() {
    let em = emulator().await;
    let url = authorize_url(&em, "http://127.0.0.1:9", &[]);
    let output = tokio::process::Command::new(crate::harness::example_bin("robot_browser"))
        .arg(url.as_str())
        .env("PRINTJOB_ROBOT_PASSWORD", "wrong")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("AADSTS50126"));
}

#[test]
fn emulator_prints_the_users_printers_and_shares_of_its_seed_file() {
    let mut seed = Seed::default();
    let mut zoe = seed
        .directory
        .users
        .iter()
        .find(|u| u.user_principal_name == MEGAN)
        .cloned()
        .unwrap();
    zoe.id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".into();
    zoe.user_principal_name = "zoe@contoso.onmicrosoft.com".into();
    zoe.password = "Zoe-only-Secret-1".into();
    seed.directory.users.push(zoe);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.json");
    std::fs::write(&path, serde_json::to_string(&seed).unwrap()).unwrap();
    let crate::harness::EmulatorProcess {
        mut child, lines, ..
    } = crate::harness::spawn_emulator(
        std::process::Command::new(crate::harness::printjob_bin())
            .args(["emulator", "--port", "0", "--seed"])
            .arg(&path),
    );
    let printed: Vec<String> = lines
        .take_while(|l| l.as_ref().is_ok_and(|l| !l.starts_with("Press Ctrl-C")))
        .map(|l| l.unwrap_or_default())
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    let text = printed.join("\n");
    assert!(
        text.contains("zoe@contoso.onmicrosoft.com (password as in the seed file"),
        "{text}"
    );
    assert!(!text.contains("Zoe-only-Secret-1"), "{text}");
    assert!(text.contains(LOBBY_PRINTER), "{text}");
    assert!(text.contains(LOBBY_SHARE), "{text}");
}

/// `printjob emulator --throttle`: Graph requests beyond the bucket get `429` with the
/// whole seconds until a token is back, and the counters show what the throttle decided.
// graph-conformance: ET1
#[tokio::test]
async fn emulator_throttle_flag_throttles_graph_and_counts_what_it_refused() {
    let crate::harness::EmulatorProcess {
        mut child, base, ..
    } = crate::harness::spawn_emulator(
        std::process::Command::new(crate::harness::printjob_bin()).args([
            "emulator",
            "--port",
            "0",
            "--throttle",
            "6/m,burst=1",
        ]),
    );
    let base = base.expect("the listening line");
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let token: serde_json::Value = http
        .post(format!("{base}/{}/oauth2/v2.0/token", seed::CONTOSO_TENANT))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", seed::DAEMON_CLIENT_ID),
            ("client_secret", seed::DAEMON_CLIENT_SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = token["access_token"]
        .as_str()
        .expect("an app token")
        .to_owned();
    let printer = format!("{base}/v1.0/print/printers/{LOBBY_PRINTER}");
    let first = http
        .get(&printer)
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    let second = http
        .get(&printer)
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    let counters: serde_json::Value = http
        .get(format!("{base}/_emulator/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(first.status(), reqwest::StatusCode::OK);
    assert_eq!(second.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        second
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("10"),
        "one token in ten seconds"
    );
    assert_eq!(counters["throttle:accepted"], 1);
    assert_eq!(counters["throttle:throttled"], 1);
}

#[test]
fn emulator_refuses_a_throttle_it_cannot_read_with_a_usage_error_naming_the_part() {
    let out = std::process::Command::new(crate::harness::printjob_bin())
        .args(["emulator", "--throttle", "100/h"])
        .output()
        .expect("run printjob");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--throttle"), "{stderr}");
    assert!(stderr.contains("\"h\" is not s or m"), "{stderr}");
}
