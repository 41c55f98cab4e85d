//! Figures for `docs/reliability.md`. Tests call [`record`] with what they tried and what
//! happened; when `PRINTJOB_RELIABILITY_REPORT` names a file, each record is appended to it as
//! one Markdown table row (`scripts/reliability.sh` puts the rows in the table). Without it,
//! nothing is written. `PRINTJOB_RELIABILITY_FULL=1` selects the long runs ([`scale`]).
#![allow(dead_code)]

use std::io::Write;

/// Appends one record (area, what was tried, how many requests/faults/runs, the outcome).
pub fn record(area: &str, tried: &str, count: u64, outcome: &str) {
    let Some(path) = std::env::var_os("PRINTJOB_RELIABILITY_REPORT") else {
        return;
    };
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let mode = if full() { "full" } else { "smoke" };
    let line = format!(
        "| {} | {} | {count} | {} | {mode} |",
        cell(area),
        cell(tried),
        cell(outcome)
    );
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open the reliability report");
    writeln!(file, "{line}").expect("write the reliability report");
}

/// Whether the long runs were asked for (`PRINTJOB_RELIABILITY_FULL=1`).
pub fn full() -> bool {
    std::env::var("PRINTJOB_RELIABILITY_FULL").is_ok_and(|v| v == "1")
}

/// `smoke` in CI, `full` when the long runs were asked for.
pub fn scale(smoke: u64, full_value: u64) -> u64 {
    if full() {
        full_value
    } else {
        smoke
    }
}
