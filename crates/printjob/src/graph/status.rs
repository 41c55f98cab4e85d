//! The retry-status rule, in one leaf: which HTTP statuses are worth sending again. The retry
//! decision ([`super::decision`]), the retry policy ([`super::retry::RetryPolicy`]) and
//! [`super::error::GraphError::is_transient`] all read it here, so none of them imports another
//! for it.

/// Whether a status is worth sending again: `429`, `503`, `504` (row G9 of
/// docs/graph-conformance.md, `concepts/throttling.md`).
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}
