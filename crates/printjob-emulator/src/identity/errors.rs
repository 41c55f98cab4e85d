//! Errors shaped as the identity platform shapes them: the token endpoint's JSON body, the
//! redirect back to the client (`error`, `error_description`, `state`), and the HTML error page
//! shown when the redirect URI cannot be trusted.

use super::super::state::EmulatorState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// One AADSTS error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AadError {
    /// HTTP status of a token-endpoint answer (400, or 401 for `invalid_client`).
    pub status: StatusCode,
    /// The OAuth 2.0 `error` value.
    pub error: &'static str,
    /// The AADSTS number.
    pub code: u32,
    /// The text after `AADSTSnnnn: `.
    pub message: String,
    /// `suberror` (e.g. `consent_required`).
    pub suberror: Option<&'static str>,
}

impl AadError {
    /// An error with HTTP status 400.
    pub fn new(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        Self {
            status,
            error,
            code,
            message: message.into(),
            suberror: None,
        }
    }

    /// `invalid_request` AADSTS900144: a required parameter is missing.
    pub fn missing(parameter: &str) -> Self {
        Self::new(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }

    /// `unauthorized_client` AADSTS700016: no application has this client id.
    pub fn unknown_client(client_id: &str, tenant_segment: &str) -> Self {
        Self::new(
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory \
                 '{tenant_segment}'. This can happen if the application has not been installed by \
                 the administrator of the tenant or consented to by any user in the tenant. You \
                 may have sent your authentication request to the wrong tenant."
            ),
        )
    }

    /// Adds a `suberror`.
    pub fn with_suberror(mut self, suberror: &'static str) -> Self {
        self.suberror = Some(suberror);
        self
    }

    /// `AADSTSnnnn: text`.
    pub fn headline(&self) -> String {
        format!("AADSTS{}: {}", self.code, self.message)
    }

    /// The full `error_description`, with trace and correlation ids and a timestamp.
    pub fn description(&self, trace: &Trace) -> String {
        format!(
            "{} Trace ID: {} Correlation ID: {} Timestamp: {}",
            self.headline(),
            trace.trace_id,
            trace.correlation_id,
            trace.timestamp
        )
    }

    /// The token endpoint's JSON error response.
    pub fn to_json_response(&self, state: &EmulatorState) -> Response {
        let trace = Trace::new(state);
        let mut body = serde_json::json!({
            "error": self.error,
            "error_description": self.description(&trace),
            "error_codes": [self.code],
            "timestamp": trace.timestamp,
            "trace_id": trace.trace_id,
            "correlation_id": trace.correlation_id,
            "error_uri": error_uri(state, self.code),
        });
        if let Some(sub) = self.suberror {
            body["suberror"] = serde_json::Value::from(sub);
        }
        (self.status, Json(body)).into_response()
    }

    /// The parameters of an error redirect (`error`, `error_description`, `error_uri`).
    pub fn redirect_params(&self, state: &EmulatorState) -> Vec<(String, String)> {
        let trace = Trace::new(state);
        vec![
            ("error".into(), self.error.into()),
            ("error_description".into(), self.description(&trace)),
            ("error_uri".into(), error_uri(state, self.code)),
        ]
    }
}

fn error_uri(state: &EmulatorState, code: u32) -> String {
    format!("{}/error?code={code}", state.base_url)
}

/// Trace id, correlation id and timestamp of one error.
#[derive(Debug, Clone)]
pub struct Trace {
    /// Random per error.
    pub trace_id: String,
    /// Random per error (Entra echoes `client-request-id` here; the emulator does not).
    pub correlation_id: String,
    /// `YYYY-MM-DD HH:MM:SSZ` by the emulator's clock.
    pub timestamp: String,
}

impl Trace {
    /// A fresh trace at the emulator's current time.
    pub fn new(state: &EmulatorState) -> Self {
        Self {
            trace_id: uuid::Uuid::new_v4().to_string(),
            correlation_id: uuid::Uuid::new_v4().to_string(),
            timestamp: timestamp(state.now()),
        }
    }
}

/// Formats Unix seconds as Entra's error timestamp (`2024-05-01 10:00:00Z`).
pub fn timestamp(unix: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_has_entra_shape() {
        assert_eq!(timestamp(0), "1970-01-01 00:00:00Z");
    }

    #[test]
    fn invalid_client_is_401() {
        assert_eq!(
            AadError::new("invalid_client", 7000215, "x").status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(AadError::missing("code").code, 900144);
    }
}
