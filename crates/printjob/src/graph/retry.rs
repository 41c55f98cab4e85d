//! The retry policy for Graph calls: which failures are retried, how long to wait, when to stop.
//!
//! Retried: `429 Too Many Requests`, `503 Service Unavailable`, `504 Gateway Timeout`, and
//! connection failures (refused, reset, dropped before the response, timed out). The wait is the
//! service's `Retry-After` (delta seconds, with or without a fraction, or an HTTP date) when it
//! sends one, else exponential backoff with jitter: `base × 2^(n-1)`, capped at `max_delay`, of
//! which a random half is kept ("equal jitter"), so many clients do not retry in lock step.
//!
//! Graph's throttling guidance (`concepts/throttling.md`) is to wait the `Retry-After` delay
//! and retry, and a cancel is safe to repeat (a job found already `canceled` counts as done), so
//! the default policy keeps retrying for as long as one **total time budget** allows rather
//! than stopping after a handful of attempts: under 20 % injected faults five attempts lose
//! about one job in 3,000. The budget (`max_total_wait`, default 60 s) counts the waits **and
//! the time spent in the attempts themselves**, and each attempt is cut off when the budget
//! runs out, so a Graph that never answers costs the budget, not five request timeouts.
//! `max_attempts` (default 30) stays as a loop guard.
//!
//! A `Retry-After` longer than what is left of the budget stops at once rather than sleeping
//! for nothing.
//!
//! Sleeping and randomness are injected ([`Sleeper`], [`Jitter`]) so the policy is tested
//! without real time passing.

use futures::future::BoxFuture;
use std::fmt;
#[cfg(any(test, feature = "test-support"))]
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// How often and how long to retry a failed Graph request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included (1 = never retry). Default 30 (a loop guard:
    /// the time budget normally stops first).
    pub max_attempts: u32,
    /// The total time budget of one operation: the waits between attempts plus the time the
    /// attempts themselves took (each attempt is cut off when the budget runs out). Default
    /// 60 s.
    pub max_total_wait: Duration,
    /// The first backoff delay when the service sends no `Retry-After`. Default 500 ms.
    pub base_delay: Duration,
    /// The largest single backoff delay (does not shorten a `Retry-After`). Default 30 s.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 30,
            max_total_wait: Duration::from_secs(60),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Whether an HTTP status is worth retrying (`429`, `503`, `504`).
    pub fn is_retryable_status(status: u16) -> bool {
        super::status::is_retryable_status(status)
    }

    /// The backoff before retry number `retry` (1 = the first retry) without `Retry-After`:
    /// `min(max_delay, base × 2^(retry-1))`, of which `jitter` (0.0–1.0) picks a point in the
    /// upper half.
    pub fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let exponent = retry.saturating_sub(1).min(30);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let jitter = jitter.clamp(0.0, 1.0);
        full / 2 + full.mul_f64(jitter) / 2
    }

    /// Starts tracking one operation's attempts against this policy.
    pub(crate) fn start(&self) -> RetryState {
        RetryState {
            policy: self.clone(),
            attempts: 1,
            waited: Duration::ZERO,
            in_requests: Duration::ZERO,
        }
    }
}

/// Why retrying stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GiveUp {
    /// Every allowed attempt was used.
    Attempts {
        /// Attempts made.
        attempts: u32,
        /// Time spent waiting between them.
        waited: Duration,
    },
    /// The next wait would exceed the total time budget (waits plus request time).
    WaitBudget {
        /// Attempts made.
        attempts: u32,
        /// The wait the next attempt needed.
        needed: Duration,
        /// What was left of `max_total_wait`.
        left: Duration,
    },
}

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GiveUp::Attempts { attempts, waited } => write!(
                f,
                "gave up after {attempts} attempts ({:.1} s spent waiting)",
                waited.as_secs_f64()
            ),
            GiveUp::WaitBudget {
                attempts,
                needed,
                left,
            } => write!(
                f,
                "gave up after {attempts} attempts: the next retry needed a {:.1} s wait but only {:.1} s of the time budget was left",
                needed.as_secs_f64(),
                left.as_secs_f64()
            ),
        }
    }
}

/// One operation's progress through a [`RetryPolicy`].
#[derive(Debug, Clone)]
pub struct RetryState {
    policy: RetryPolicy,
    attempts: u32,
    waited: Duration,
    in_requests: Duration,
}

impl RetryState {
    /// Attempts made so far (1 while the first is in flight).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Counts the time one attempt took against the budget.
    pub fn record_attempt(&mut self, took: Duration) {
        self.in_requests += took;
    }

    /// What is left of the total time budget (waits and attempts so far subtracted).
    pub fn remaining(&self) -> Duration {
        self.policy
            .max_total_wait
            .saturating_sub(self.waited)
            .saturating_sub(self.in_requests)
    }

    /// After a retryable failure: the wait before the next attempt (and the attempt is
    /// counted), or why to stop. `retry_after` is the service's `Retry-After`, if any;
    /// `jitter` is a number in 0.0–1.0.
    pub fn next_delay(
        &mut self,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Result<Duration, GiveUp> {
        if self.attempts >= self.policy.max_attempts {
            return Err(GiveUp::Attempts {
                attempts: self.attempts,
                waited: self.waited,
            });
        }
        let delay = retry_after.unwrap_or_else(|| self.policy.backoff(self.attempts, jitter));
        let left = self.remaining();
        if delay >= left {
            return Err(GiveUp::WaitBudget {
                attempts: self.attempts,
                needed: delay,
                left,
            });
        }
        self.attempts += 1;
        self.waited += delay;
        Ok(delay)
    }
}

/// Parses a `Retry-After` value: delta seconds (`"1"`), delta seconds with a fraction
/// (`"2.128"`, as the sample response of Graph's `concepts/throttling.md` shows; rounded up to
/// the whole millisecond) or an HTTP date, relative to `now`. A date in the past means "now"
/// (zero). `None` for anything unreadable (a sign, an exponent, `inf`, a second `.`).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Some(delay) = fractional_seconds(value) {
        return Some(delay);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `DIGITS.DIGITS` (digits on both sides of one dot) as a delay, rounded up to the whole
/// millisecond so that a client never retries before the service asked.
fn fractional_seconds(value: &str) -> Option<Duration> {
    let (whole, fraction) = value.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    // Milliseconds of the fraction, rounded up: "128" → 128, "1281" → 129, "5" → 500.
    let padded = format!("{fraction:0<3}");
    let (ms, rest) = padded.split_at(3);
    let ms: u64 = ms.parse().ok()?;
    let up = u64::from(rest.bytes().any(|b| b != b'0'));
    Duration::from_secs(whole).checked_add(Duration::from_millis(ms + up))
}

/// Waits between attempts (injected so tests need no real sleeping).
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps with `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Does not sleep; remembers every wait it was asked for (for tests and simulations).
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    waits: Mutex<Vec<Duration>>,
}

#[cfg(any(test, feature = "test-support"))]
impl RecordingSleeper {
    /// The waits asked for so far, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[cfg(any(test, feature = "test-support"))]
impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.waits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// A source of jitter: numbers in 0.0–1.0 (injected so backoff is deterministic in tests).
pub trait Jitter: Send + Sync + fmt::Debug {
    /// The next number in 0.0–1.0.
    fn next(&self) -> f64;
}

/// Jitter from the thread-local random generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomJitter;

impl Jitter for RandomJitter {
    fn next(&self) -> f64 {
        rand::random::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            max_total_wait: Duration::from_secs(10),
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        }
    }

    #[test]
    fn backoff_doubles_from_the_base_and_is_capped() {
        let p = policy();
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(400));
        assert_eq!(p.backoff(5, 1.0), Duration::from_millis(1000));
        assert_eq!(p.backoff(60, 1.0), Duration::from_millis(1000));
    }

    #[test]
    fn backoff_jitter_keeps_the_upper_half() {
        let p = policy();
        assert_eq!(p.backoff(3, 0.0), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 0.5), Duration::from_millis(300));
    }

    #[test]
    fn retry_after_is_used_instead_of_backoff() {
        let mut state = policy().start();
        let delay = state.next_delay(Some(Duration::from_secs(3)), 0.0);
        assert_eq!(delay, Ok(Duration::from_secs(3)));
        assert_eq!(state.attempts(), 2);
    }

    #[test]
    fn attempts_are_capped() {
        let mut state = policy().start();
        for _ in 0..3 {
            assert!(state.next_delay(None, 0.0).is_ok());
        }
        let stop = state.next_delay(None, 0.0).unwrap_err();
        assert!(matches!(stop, GiveUp::Attempts { attempts: 4, .. }));
        assert!(stop.to_string().contains("gave up after 4 attempts"));
    }

    #[test]
    fn a_retry_after_beyond_the_wait_budget_stops_at_once() {
        let mut state = policy().start();
        assert!(state.next_delay(Some(Duration::from_secs(6)), 0.0).is_ok());
        let stop = state
            .next_delay(Some(Duration::from_secs(6)), 0.0)
            .unwrap_err();
        assert_eq!(
            stop,
            GiveUp::WaitBudget {
                attempts: 2,
                needed: Duration::from_secs(6),
                left: Duration::from_secs(4)
            }
        );
    }

    #[test]
    fn time_spent_in_attempts_counts_against_the_budget() {
        let mut state = policy().start();
        state.record_attempt(Duration::from_secs(9));
        assert_eq!(state.remaining(), Duration::from_secs(1));
        assert!(matches!(
            state.next_delay(None, 0.0),
            Ok(d) if d == Duration::from_millis(50)
        ));
        state.record_attempt(Duration::from_secs(1));
        assert!(matches!(
            state.next_delay(None, 0.0),
            Err(GiveUp::WaitBudget { .. })
        ));
    }

    #[test]
    fn the_default_policy_keeps_retrying_well_past_five_faults() {
        let mut state = RetryPolicy::default().start();
        for _ in 0..20 {
            assert!(state
                .next_delay(Some(Duration::from_millis(100)), 0.5)
                .is_ok());
        }
    }

    #[test]
    fn never_policy_does_not_retry() {
        let mut state = RetryPolicy::never().start();
        assert!(state.next_delay(None, 0.0).is_err());
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn retry_after_with_a_fraction_is_read_and_rounded_up_to_the_millisecond() {
        let now = SystemTime::UNIX_EPOCH;
        let ms = Duration::from_millis;
        assert_eq!(parse_retry_after("2.128", now), Some(ms(2128)));
        assert_eq!(parse_retry_after(" 0.5 ", now), Some(ms(500)));
        assert_eq!(parse_retry_after("1.0001", now), Some(ms(1001)));
        assert_eq!(parse_retry_after("0.000", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("3.1000000", now), Some(ms(3100)));
        for unreadable in [
            "1.", ".5", "1.2.3", "-1.5", "+1.5", "1e3", "inf", "NaN", "1,5",
        ] {
            assert_eq!(parse_retry_after(unreadable, now), None, "{unreadable}");
        }
    }

    #[test]
    fn only_throttling_and_unavailability_statuses_are_retryable() {
        for s in [429, 503, 504] {
            assert!(RetryPolicy::is_retryable_status(s));
        }
        for s in [400, 401, 403, 404, 409, 500, 502] {
            assert!(!RetryPolicy::is_retryable_status(s));
        }
    }

    #[test]
    fn recording_sleeper_remembers_waits_without_sleeping() {
        let sleeper = RecordingSleeper::default();
        futures::executor::block_on(sleeper.sleep(Duration::from_secs(3600)));
        assert_eq!(sleeper.waits(), vec![Duration::from_secs(3600)]);
    }
}
