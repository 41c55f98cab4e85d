//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — the seed files the docs show.

use printjob_emulator::seed::Seed;
use printjob_emulator::Emulator;
use printjob_test_support::{cancel_url, get_json, send as call, user_token as token, BASIC};
use reqwest::{Method, StatusCode};

/// The first ```json block after `heading` in a file of docs/.
fn json_block_after(doc: &str, heading: &str) -> String {
    let path = printjob_test_support::repo_root().join("docs").join(doc);
    let text = std::fs::read_to_string(&path).expect("docs file");
    let section = &text[text.find(heading).expect("heading in the docs")..];
    let start = section.find("```json\n").expect("a json block") + "```json\n".len();
    let end = section[start..].find("```").expect("end of the block");
    section[start..start + end].to_string()
}

#[tokio::test]
async fn seed_example_of_the_docs_loads_and_serves_its_printer_and_job() {
    let text = json_block_after("emulator.md", "### Seed file format");
    let seed = Seed::from_json(&text).expect("the documented seed loads");
    let emulator = Emulator::builder()
        .seed(seed)
        .start()
        .await
        .expect("emulator starts");
    assert!(emulator
        .settings()
        .contains("PRINTJOB_TENANT_ID=example.onmicrosoft.com\n"));
    assert!(emulator
        .settings()
        .contains("PRINTJOB_CLIENT_ID=bbbbbbbb-0001-4000-8000-000000000001\n"));
    let t = token(&emulator, "pat@example.onmicrosoft.com", BASIC);
    let printer = "cccccccc-0001-4000-8000-000000000001";
    let job = get_json(
        &format!("{}/print/printers/{printer}/jobs/1", emulator.graph_url()),
        &t,
    )
    .await;
    assert_eq!(job["status"]["state"], "pending");
    let cancel = call(Method::POST, &cancel_url(&emulator, printer, "1"), Some(&t)).await;
    assert_eq!(cancel.status(), StatusCode::NO_CONTENT);
}

#[test]
fn print_seed_example_of_the_graph_docs_loads() {
    let fragment = json_block_after("emulator-graph.md", "## Seed (");
    let text = format!(
        r#"{{"tenants": [{{"id": "11111111-2222-4333-8444-555555555555", "displayName": "T",
            "universalPrint": true}}], {fragment}}}"#
    );
    let seed = Seed::from_json(&text).expect("the documented print seed loads");
    assert_eq!(seed.print.printers.len(), 1);
    assert_eq!(seed.print.jobs.len(), 1);
}
