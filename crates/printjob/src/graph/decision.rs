//! The one retry decision: an answer's status and headers (and, for a `403`, its Graph error)
//! in; *done*, *retry after*, *re-authenticate with claims* or *fail* out. A single request
//! ([`super::request`]), a whole `$batch` (the same path) and each answer inside a batch
//! (`crate::cancel`'s batch round) all ask [`decide`]; what they do with the decision (sleep by the retry
//! policy, ask the token source again, report the error) is theirs.
//!
//! The rules and their sources (docs/graph-conformance.md):
//! - `2xx` is done (whether `204` was the expected answer is the caller's check);
//! - `401`, or a `403` whose `WWW-Authenticate` carries an `insufficient_claims` challenge or
//!   whose error says `insufficient_claims`, asks for a new token (with the challenge's
//!   claims when there is one) — row G10, `concepts/errors.md`;
//! - `429`, `503` and `504` are retried after the `Retry-After` the answer carries (delta
//!   seconds or an HTTP date), else after the retry policy's backoff — row G9,
//!   `concepts/throttling.md`; inside a batch each answer is decided on its own (row G5,
//!   `concepts/json-batching.md`: "requests in a batch are evaluated individually against
//!   throttling limits");
//! - anything else fails;
//! - a `$batch` answered `424 Failed Dependency` as a whole is read like one answered `200`
//!   ([`batch_answer_carries_responses`]): Graph's `concepts/throttling.md` ("Throttling and
//!   batching") says a throttled inner request "fails with a `status` of `429`" and "The batch
//!   itself fails with a status code of `424` (Failed Dependency)", and to "retry each failed
//!   request from the batch using the value provided in the `retry-after` response header from
//!   the JSON content" — so its inner answers decide each job (row G5).
//!
//! Transport failures (no answer at all) are decided where they are read
//! (`request::transport_failure`): retried unless their cause is permanent.

use super::batch::BatchResponseItem;
use super::challenge::parse_claims_challenge;
use super::error::GraphError;
use super::retry::parse_retry_after;
use super::status::is_retryable_status;
use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

/// What to do with one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// A `2xx` answer.
    Done,
    /// Send again after this wait (`None`: the retry policy's backoff).
    RetryAfter(Option<Duration>),
    /// Send again once, with a fresh token, or one carrying these claims.
    Reauthenticate {
        /// The claims of an `insufficient_claims` challenge (decoded from the header).
        claims: Option<String>,
    },
    /// Final: report the error.
    Fail,
}

/// The headers [`decide`] reads: an HTTP response's, or those of an answer inside a batch.
pub(crate) trait Headers {
    /// Every value of the header `name` (case-insensitive).
    fn values(&self, name: &str) -> Vec<&str>;
}

impl Headers for HeaderMap {
    fn values(&self, name: &str) -> Vec<&str> {
        self.get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
}

impl Headers for BatchResponseItem {
    fn values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Whether a `$batch` answered with `status` carries its inner answers in its body: `2xx`, and
/// `424` (a batch holding a throttled request, `concepts/throttling.md`). Any other status of the
/// batch itself is decided by [`decide`] like a single request's (a `429`/`503` without a
/// batch body is retried whole).
pub(crate) fn batch_answer_carries_responses(status: u16) -> bool {
    (200..300).contains(&status) || status == 424
}

/// The decision for one answer. `error` is the answer's Graph error (read from its body), if
/// it was not a success; `now` dates a `Retry-After` given as an HTTP date.
pub(crate) fn decide(
    status: u16,
    headers: &dyn Headers,
    error: Option<&GraphError>,
    now: SystemTime,
) -> Decision {
    let claims = || {
        headers
            .values("www-authenticate")
            .into_iter()
            .find_map(parse_claims_challenge)
            .map(|c| c.claims)
    };
    match status {
        200..=299 => Decision::Done,
        401 => Decision::Reauthenticate { claims: claims() },
        403 if claims().is_some() || error.is_some_and(is_insufficient_claims) => {
            Decision::Reauthenticate { claims: claims() }
        }
        s if is_retryable_status(s) => Decision::RetryAfter(
            headers
                .values("retry-after")
                .first()
                .and_then(|v| parse_retry_after(v, now)),
        ),
        _ => Decision::Fail,
    }
}

/// Whether a Graph error names `insufficient_claims` as its code, or in its message (Graph's
/// `errors.md` describes the 403 as "`HTTP 403; Forbidden error=insufficient_claims`").
fn is_insufficient_claims(error: &GraphError) -> bool {
    error.code.eq_ignore_ascii_case("insufficient_claims")
        || error.message.contains("error=insufficient_claims")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const CHALLENGE: &str = r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ==""#;
    /// The challenge's claims, base64-decoded as the token request wants them.
    const CLAIMS: &str = r#"{"access_token":{}}"#;

    fn item(status: u16, headers: &[(&str, &str)]) -> BatchResponseItem {
        BatchResponseItem {
            id: "1".into(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            body: None,
        }
    }

    fn map(headers: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(*k, v.parse().unwrap());
        }
        map
    }

    fn graph_error(status: u16, body: &str) -> GraphError {
        GraphError::from_response("cancel job 1", status, body.as_bytes(), (None, None))
    }

    /// Status, headers, Graph error body, expected decision.
    type Row<'a> = (u16, Vec<(&'static str, &'a str)>, &'a str, Decision);

    /// Each row: status, headers, error body → decision; the same through a response's
    /// `HeaderMap` and through a batch item's headers (the two callers).
    #[test]
    fn each_status_and_header_combination_has_one_decision() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let in_ten_s = httpdate::fmt_http_date(now + Duration::from_secs(10));
        let claims_403 = r#"{"error":{"code":"Forbidden","message":"HTTP 403; Forbidden error=insufficient_claims"}}"#;
        let plain_403 = r#"{"error":{"code":"accessDenied","message":"Access denied."}}"#;
        let code_403 =
            r#"{"error":{"code":"insufficient_claims","message":"More claims needed."}}"#;
        let reauth = |claims: Option<&str>| Decision::Reauthenticate {
            claims: claims.map(str::to_owned),
        };
        let table: Vec<Row<'_>> = vec![
            (200, vec![], "", Decision::Done),
            (204, vec![], "", Decision::Done),
            (202, vec![], "", Decision::Done),
            // G10: 401 re-authenticates, with the challenge's claims when there is one.
            (401, vec![], "", reauth(None)),
            (
                401,
                vec![("WWW-Authenticate", CHALLENGE)],
                "",
                reauth(Some(CLAIMS)),
            ),
            (
                401,
                vec![("WWW-Authenticate", r#"Bearer error="invalid_token""#)],
                "",
                reauth(None),
            ),
            // G10: a 403 only when it is a claims challenge (header or error).
            (
                403,
                vec![("WWW-Authenticate", CHALLENGE)],
                plain_403,
                reauth(Some(CLAIMS)),
            ),
            (403, vec![], claims_403, reauth(None)),
            (403, vec![], code_403, reauth(None)),
            (403, vec![], plain_403, Decision::Fail),
            // G9: 429/503/504 wait Retry-After (seconds or a date), else the backoff.
            (
                429,
                vec![("Retry-After", "2")],
                "",
                Decision::RetryAfter(Some(Duration::from_secs(2))),
            ),
            (429, vec![], "", Decision::RetryAfter(None)),
            (
                503,
                vec![("retry-after", "7")],
                "",
                Decision::RetryAfter(Some(Duration::from_secs(7))),
            ),
            (
                503,
                vec![("Retry-After", in_ten_s.as_str())],
                "",
                Decision::RetryAfter(Some(Duration::from_secs(10))),
            ),
            // throttling.md's sample answer: "Retry-After: 2.128" (rounded up to the ms).
            (
                429,
                vec![("Retry-After", "2.128")],
                "",
                Decision::RetryAfter(Some(Duration::from_millis(2128))),
            ),
            (
                503,
                vec![("Retry-After", "soon")],
                "",
                Decision::RetryAfter(None),
            ),
            (504, vec![], "", Decision::RetryAfter(None)),
            // Everything else is final, Retry-After or not.
            (400, vec![], "", Decision::Fail),
            (404, vec![], "", Decision::Fail),
            (409, vec![], "", Decision::Fail),
            (500, vec![("Retry-After", "1")], "", Decision::Fail),
            (502, vec![], "", Decision::Fail),
            // An inner 424 (a `dependsOn` that failed) is final.
            (424, vec![], "", Decision::Fail),
        ];
        for (status, headers, body, expected) in table {
            let error = (!(200..300).contains(&status)).then(|| graph_error(status, body));
            let through_response = decide(status, &map(&headers), error.as_ref(), now);
            assert_eq!(through_response, expected, "{status} {headers:?} {body}");
            let through_batch = decide(status, &item(status, &headers), error.as_ref(), now);
            assert_eq!(
                through_batch, expected,
                "batch: {status} {headers:?} {body}"
            );
        }
    }

    #[test]
    fn a_batch_answered_424_carries_its_inner_answers_and_other_refusals_do_not() {
        for status in [200, 204, 424] {
            assert!(batch_answer_carries_responses(status), "{status}");
        }
        for status in [400, 401, 403, 423, 425, 429, 500, 503, 504] {
            assert!(!batch_answer_carries_responses(status), "{status}");
        }
    }
}
