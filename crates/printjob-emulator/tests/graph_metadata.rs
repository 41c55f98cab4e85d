//! Integration tests: the Graph print emulator over real HTTP on 127.0.0.1 — JSON fidelity against Graph's published metadata.

use printjob_emulator::graph::seed::{FINANCE_PRINTER, LOBBY_PRINTER};
use printjob_emulator::seed::ADMIN;
use printjob_test_support::{get_json, start_emulator as start, user_token as token};
use serde_json::Value;

// ---- JSON fidelity against Graph's published metadata ----------------------------------
//
// The lists below are transcribed from `microsoftgraph/msgraph-metadata`,
// `clean_v10_metadata/cleanMetadata.xml`: every property declared `Nullable="false"` on the
// type and its base types (`entity`, `printerBase`), and the members of the enum types.

/// `printJob` (+ `entity`): non-nullable properties.
const PRINT_JOB_REQUIRED: &[&str] = &[
    "id",
    "configuration",
    "createdDateTime",
    "isFetchable",
    "status",
];
/// `printJobStatus`: non-nullable properties.
const PRINT_JOB_STATUS_REQUIRED: &[&str] =
    &["description", "details", "isAcquiredByPrinter", "state"];
/// `printer` (+ `printerBase`, `entity`): non-nullable properties.
const PRINTER_REQUIRED: &[&str] = &[
    "id",
    "displayName",
    "status",
    "hasPhysicalDevice",
    "isShared",
    "registeredDateTime",
];
/// `printerShare` (+ `printerBase`, `entity`): non-nullable properties.
const PRINTER_SHARE_REQUIRED: &[&str] = &[
    "id",
    "displayName",
    "status",
    "allowAllUsers",
    "createdDateTime",
];
/// `printerStatus`: non-nullable properties.
const PRINTER_STATUS_REQUIRED: &[&str] = &["details", "state"];

/// Every property the metadata declares on `printJob` (+ `entity`), navigation included.
const PRINT_JOB_PROPERTIES: &[&str] = &[
    "id",
    "acknowledgedDateTime",
    "configuration",
    "createdBy",
    "createdDateTime",
    "errorCode",
    "isFetchable",
    "redirectedFrom",
    "redirectedTo",
    "status",
    "documents",
    "tasks",
];
/// Every property of `printerBase` (+ `entity`).
const PRINTER_BASE_PROPERTIES: &[&str] = &[
    "id",
    "capabilities",
    "defaults",
    "displayName",
    "isAcceptingJobs",
    "location",
    "manufacturer",
    "model",
    "status",
    "jobs",
];
/// Properties `printer` adds to `printerBase`.
const PRINTER_PROPERTIES: &[&str] = &[
    "hasPhysicalDevice",
    "isShared",
    "lastSeenDateTime",
    "registeredDateTime",
    "connectors",
    "shares",
    "taskTriggers",
];
/// Properties `printerShare` adds to `printerBase`.
const PRINTER_SHARE_PROPERTIES: &[&str] = &[
    "allowAllUsers",
    "createdDateTime",
    "viewPoint",
    "allowedGroups",
    "allowedUsers",
    "printer",
];
/// `printJobProcessingState` members.
const PRINT_JOB_PROCESSING_STATE: &[&str] = &[
    "unknown",
    "pending",
    "processing",
    "paused",
    "stopped",
    "completed",
    "canceled",
    "aborted",
    "unknownFutureValue",
];
/// `printJobStateDetail` members.
const PRINT_JOB_STATE_DETAIL: &[&str] = &[
    "uploadPending",
    "transforming",
    "completedSuccessfully",
    "completedWithWarnings",
    "completedWithErrors",
    "releaseWait",
    "interpreting",
    "unknownFutureValue",
];
/// `printerProcessingState` members.
const PRINTER_PROCESSING_STATE: &[&str] = &[
    "unknown",
    "idle",
    "processing",
    "stopped",
    "unknownFutureValue",
];

fn assert_has(object: &Value, required: &[&str], what: &str) {
    for name in required {
        let value = object.get(*name);
        assert!(
            value.is_some_and(|v| !v.is_null()),
            "{what} lacks non-nullable property {name}: {object}"
        );
    }
}

fn assert_only_known(object: &Value, known: &[&[&str]], what: &str) {
    let map = object.as_object().expect("a JSON object");
    for key in map.keys().filter(|k| !k.starts_with("@odata.")) {
        assert!(
            known.iter().any(|list| list.contains(&key.as_str())),
            "{what} has property {key}, which the metadata does not declare"
        );
    }
}

fn assert_member(value: &Value, members: &[&str], what: &str) {
    let text = value.as_str().unwrap_or_default();
    assert!(
        members.contains(&text),
        "{what} = {value} is not a member of the metadata's enum"
    );
}

fn assert_print_job(job: &Value) {
    assert_has(job, PRINT_JOB_REQUIRED, "printJob");
    assert_only_known(job, &[PRINT_JOB_PROPERTIES], "printJob");
    assert!(job["configuration"].is_object(), "{job}");
    let status = &job["status"];
    assert_has(status, PRINT_JOB_STATUS_REQUIRED, "printJobStatus");
    assert_member(
        &status["state"],
        PRINT_JOB_PROCESSING_STATE,
        "printJobStatus.state",
    );
    for detail in status["details"]
        .as_array()
        .expect("details is a collection")
    {
        assert_member(detail, PRINT_JOB_STATE_DETAIL, "printJobStatus.details");
    }
}

fn assert_printer_status(status: &Value) {
    assert_has(status, PRINTER_STATUS_REQUIRED, "printerStatus");
    assert_member(
        &status["state"],
        PRINTER_PROCESSING_STATE,
        "printerStatus.state",
    );
    let details = printjob::model::PrinterProcessingStateDetail::MEMBERS;
    for detail in status["details"]
        .as_array()
        .expect("details is a collection")
    {
        assert_member(detail, details, "printerStatus.details");
    }
}

#[tokio::test]
async fn print_jobs_over_http_carry_every_non_nullable_property_of_the_metadata() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["PrintJob.ReadWrite.All"]);
    for printer in [LOBBY_PRINTER, FINANCE_PRINTER] {
        let url = format!("{}/print/printers/{printer}/jobs", emulator.graph_url());
        let page = get_json(&url, &t).await;
        let jobs = page["value"].as_array().expect("value");
        assert!(!jobs.is_empty());
        for job in jobs {
            assert_print_job(job);
            let one = get_json(&format!("{url}/{}", job["id"].as_str().unwrap()), &t).await;
            assert_print_job(&one);
        }
    }
}

#[tokio::test]
async fn every_job_state_is_sent_as_a_metadata_member() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["PrintJob.ReadWrite.All"]);
    let mut seen = std::collections::BTreeSet::new();
    for printer in [LOBBY_PRINTER, FINANCE_PRINTER] {
        let url = format!("{}/print/printers/{printer}/jobs", emulator.graph_url());
        for job in get_json(&url, &t).await["value"].as_array().unwrap() {
            seen.insert(job["status"]["state"].as_str().unwrap().to_string());
        }
    }
    let expected: std::collections::BTreeSet<String> = [
        "pending",
        "processing",
        "paused",
        "stopped",
        "completed",
        "canceled",
        "aborted",
    ]
    .map(String::from)
    .into();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn printers_over_http_carry_every_non_nullable_property_of_the_metadata() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["Printer.Read.All"]);
    let list = get_json(&format!("{}/print/printers", emulator.graph_url()), &t).await;
    let printers = list["value"].as_array().expect("value");
    assert_eq!(printers.len(), 2);
    for printer in printers {
        let url = format!(
            "{}/print/printers/{}",
            emulator.graph_url(),
            printer["id"].as_str().unwrap()
        );
        for p in [printer.clone(), get_json(&url, &t).await] {
            assert_has(&p, PRINTER_REQUIRED, "printer");
            assert_only_known(
                &p,
                &[PRINTER_BASE_PROPERTIES, PRINTER_PROPERTIES],
                "printer",
            );
            assert_printer_status(&p["status"]);
        }
    }
}

#[tokio::test]
async fn printer_shares_over_http_carry_every_non_nullable_property_of_the_metadata() {
    let emulator = start().await;
    let t = token(&emulator, ADMIN, &["PrinterShare.Read.All"]);
    let list = get_json(&format!("{}/print/shares", emulator.graph_url()), &t).await;
    let shares = list["value"].as_array().expect("value");
    assert_eq!(shares.len(), 2);
    for share in shares {
        let url = format!(
            "{}/print/shares/{}",
            emulator.graph_url(),
            share["id"].as_str().unwrap()
        );
        for s in [share.clone(), get_json(&url, &t).await] {
            assert_has(&s, PRINTER_SHARE_REQUIRED, "printerShare");
            assert_only_known(
                &s,
                &[PRINTER_BASE_PROPERTIES, PRINTER_SHARE_PROPERTIES],
                "printerShare",
            );
            assert_printer_status(&s["status"]);
        }
    }
}

#[tokio::test]
async fn graph_responses_carry_odata_context_like_graph() {
    let emulator = start().await;
    let t = token(
        &emulator,
        ADMIN,
        &["PrintJob.ReadWrite.All", "Printer.Read.All"],
    );
    let base = emulator.graph_url();
    let cases = [
        (format!("{base}/print/printers"), "$metadata#print/printers"),
        (
            format!("{base}/print/printers/{LOBBY_PRINTER}"),
            "$metadata#print/printers/$entity",
        ),
        (
            format!("{base}/print/printers/{LOBBY_PRINTER}/jobs"),
            "/jobs",
        ),
        (
            format!("{base}/print/printers/{LOBBY_PRINTER}/jobs/101"),
            "/jobs/$entity",
        ),
    ];
    for (url, suffix) in cases {
        let body = get_json(&url, &t).await;
        let context = body["@odata.context"].as_str().unwrap_or_default();
        assert!(
            context.starts_with(&format!("{base}/$metadata#")) && context.ends_with(suffix),
            "{url}: @odata.context {context:?}"
        );
    }
}
