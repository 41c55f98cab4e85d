//! `/_emulator/…`: counters, faults and the clock, for tests and for people poking at it.

use super::faults::FaultConfig;
use super::state::Shared;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::time::Duration;

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/_emulator/counters", get(counters).delete(reset_counters))
        .route("/_emulator/faults", get(faults).put(set_faults))
        .route("/_emulator/clock/advance", post(advance_clock))
        .route("/_emulator/health", get(|| async { "ok" }))
}

async fn counters(State(state): State<Shared>) -> Json<serde_json::Value> {
    Json(serde_json::json!(state.counter_snapshot()))
}

async fn reset_counters(State(state): State<Shared>) -> StatusCode {
    state.reset_counters();
    StatusCode::NO_CONTENT
}

async fn faults(State(state): State<Shared>) -> Json<FaultConfig> {
    Json(state.faults.config())
}

async fn set_faults(State(state): State<Shared>, Json(config): Json<FaultConfig>) -> StatusCode {
    state.faults.set(config);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

async fn advance_clock(
    State(state): State<Shared>,
    Query(q): Query<Advance>,
) -> Json<serde_json::Value> {
    state.clock.advance(Duration::from_secs(q.seconds));
    Json(serde_json::json!({ "offsetSeconds": state.clock.offset_secs() }))
}
