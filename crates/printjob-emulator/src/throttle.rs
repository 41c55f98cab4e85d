//! The emulator's throttling model (issue 22): a token bucket per application and tenant.
//!
//! Graph documents no limits for print: `concepts/throttling.md` says only that "Throttling
//! limits vary based on the scenario" and that the common causes are "A large number of
//! requests across all applications in a tenant" and "A large number of requests from a
//! particular application across all tenants". The model is ours (*assumption*, row ET1 in
//! docs/graph-conformance.md): one bucket per (application id, tenant id) — the token's
//! `azp` and `tid` claims —, `burst` tokens when full, refilled at `rate` tokens per second.
//! Every Graph request takes one token; the requests inside a `$batch` are each one request
//! ("Requests in a batch are evaluated individually against throttling limits",
//! `concepts/json-batching.md`), in their order, and the `$batch` envelope itself takes none
//! (*assumption*: it does no work of its own, and the benchmark's minimum time counts the
//! requests the bucket must accept, cancels plus listing pages).
//!
//! A request that finds the bucket empty is refused with a whole-second `Retry-After` (HTTP's
//! delay-seconds is an integer): the seconds until the bucket holds a token again, rounded up,
//! at least 1. Time is a parameter (`now: Instant`), so the arithmetic is tested without
//! sleeping; the emulator passes `Instant::now()` (a monotonic clock, not the emulator's
//! adjustable wall clock, which exists to age tokens).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bucket's rate and size, as `--throttle` spells it: `100/s,burst=200`, `100/s` (burst =
/// one second's rate), `600/m,burst=50`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleSpec {
    /// Tokens added per second (a `/m` rate is divided by 60).
    pub rate_per_sec: f64,
    /// Tokens a full bucket holds: the requests accepted at once after a quiet period.
    pub burst: u32,
}

impl ThrottleSpec {
    /// Parses `RATE/s` or `RATE/m`, optionally followed by `,burst=N`. Without `burst` the
    /// bucket holds one second's worth of tokens (at least 1).
    pub fn parse(spec: &str) -> Result<Self, String> {
        const EXAMPLE: &str = "e.g. 100/s,burst=200 or 600/m";
        let mut parts = spec.split(',').map(str::trim);
        let rate_part = parts.next().filter(|p| !p.is_empty()).ok_or_else(|| {
            format!("throttle {spec:?} is empty; give a rate per second or minute, {EXAMPLE}")
        })?;
        let (count, unit) = rate_part.split_once('/').ok_or_else(|| {
            format!("throttle rate {rate_part:?} has no unit; write /s or /m, {EXAMPLE}")
        })?;
        let per_sec = match unit.trim() {
            "s" => 1.0,
            "m" => 60.0,
            other => {
                return Err(format!(
                    "throttle unit {other:?} is not s or m (requests per second or per minute), {EXAMPLE}"
                ))
            }
        };
        let count: f64 = count
            .trim()
            .parse()
            .ok()
            .filter(|c: &f64| c.is_finite() && *c > 0.0)
            .ok_or_else(|| {
                format!("throttle rate {count:?} must be a number above 0, {EXAMPLE}")
            })?;
        let rate_per_sec = count / per_sec;
        let mut burst = None;
        for part in parts {
            let value = part.strip_prefix("burst=").ok_or_else(|| {
                format!(
                    "throttle option {part:?} is unknown; the only option is burst=N, {EXAMPLE}"
                )
            })?;
            if burst.is_some() {
                return Err(format!("throttle {spec:?} gives burst twice"));
            }
            burst = Some(
                value
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|b| *b >= 1)
                    .ok_or_else(|| {
                        format!("throttle burst {value:?} must be a whole number of requests, at least 1")
                    })?,
            );
        }
        let burst = burst.unwrap_or_else(|| (rate_per_sec.floor() as u32).max(1));
        Ok(Self {
            rate_per_sec,
            burst,
        })
    }

    /// The shortest time in which a bucket that starts full can accept `requests`: the ones
    /// beyond the burst, at the rate (the benchmark's "bucket's own minimum").
    pub fn minimum_time(&self, requests: u64) -> Duration {
        let beyond = requests.saturating_sub(u64::from(self.burst)) as f64;
        Duration::from_secs_f64(beyond / self.rate_per_sec)
    }
}

impl fmt::Display for ThrottleSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s,burst={}", self.rate_per_sec, self.burst)
    }
}

/// Whose bucket a request takes from: the token's application (`azp`) and tenant (`tid`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThrottleKey {
    /// The client (application) id.
    pub app_id: String,
    /// The tenant GUID.
    pub tenant_id: String,
}

impl ThrottleKey {
    /// The bucket of `app_id` in `tenant_id`.
    pub fn new(app_id: impl Into<String>, tenant_id: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            tenant_id: tenant_id.into(),
        }
    }

    /// The bucket of a verified access token's claims (an absent `azp` is one unnamed
    /// application of its tenant).
    pub fn of(claims: &crate::jwt::IssuedClaims) -> Self {
        Self::new(claims.azp.clone().unwrap_or_default(), claims.tid.clone())
    }
}

/// A refusal: the whole seconds to wait before the bucket holds a token again (>= 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl RetryAfter {
    /// The value of the `Retry-After` header (delay-seconds).
    pub fn header_value(&self) -> String {
        self.0.to_string()
    }
}

/// How many requests the throttle accepted and refused since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThrottleCounters {
    /// Requests that found a token.
    pub accepted: u64,
    /// Requests refused with `429`.
    pub throttled: u64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The token buckets of every (application, tenant) seen, behind one lock.
#[derive(Debug)]
pub struct Throttle {
    spec: Mutex<ThrottleSpec>,
    buckets: Mutex<HashMap<ThrottleKey, Bucket>>,
    accepted: AtomicU64,
    throttled: AtomicU64,
}

impl Throttle {
    /// Buckets of this size and rate; each starts full the first time its key is seen.
    pub fn new(spec: ThrottleSpec) -> Self {
        Self {
            spec: Mutex::new(spec),
            buckets: Mutex::new(HashMap::new()),
            accepted: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        }
    }

    /// The spec in force (the one it was made with, unless [`Throttle::set_spec`] changed it).
    pub fn spec(&self) -> ThrottleSpec {
        *self
            .spec
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes the rate and size from now on (a throttle that tightens or lifts while clients
    /// run); every bucket keeps its tokens, capped at the new size.
    pub fn set_spec(&self, spec: ThrottleSpec) {
        *self
            .spec
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = spec;
    }

    /// One request at `now`: a token taken, or the wait before one is there.
    pub fn admit(&self, key: &ThrottleKey, now: Instant) -> Result<(), RetryAfter> {
        self.admit_many(key, 1, now)
            .pop()
            .unwrap_or(Err(RetryAfter(1)))
    }

    /// `n` requests at `now`, in order (the requests of one `$batch`): each takes a token
    /// while there is one; the others are refused, each with the wait until the bucket holds
    /// a token again.
    pub fn admit_many(
        &self,
        key: &ThrottleKey,
        n: usize,
        now: Instant,
    ) -> Vec<Result<(), RetryAfter>> {
        let spec = self.spec();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: f64::from(spec.burst),
            at: now,
        });
        // An `Instant` older than the bucket's (a caller's clock read before another
        // thread's) adds nothing rather than going back.
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * spec.rate_per_sec).min(f64::from(spec.burst));
        bucket.at = bucket.at.max(now);
        let mut answers = Vec::with_capacity(n);
        for _ in 0..n {
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                answers.push(Ok(()));
            } else {
                answers.push(Err(retry_after(bucket.tokens, spec.rate_per_sec)));
            }
        }
        drop(buckets);
        let accepted = answers.iter().filter(|a| a.is_ok()).count() as u64;
        self.accepted.fetch_add(accepted, Ordering::Relaxed);
        self.throttled
            .fetch_add(n as u64 - accepted, Ordering::Relaxed);
        answers
    }

    /// Accepted and throttled requests so far.
    pub fn counters(&self) -> ThrottleCounters {
        ThrottleCounters {
            accepted: self.accepted.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
        }
    }

    /// Sets the counters back to zero; the buckets keep their tokens.
    pub fn reset_counters(&self) {
        self.accepted.store(0, Ordering::Relaxed);
        self.throttled.store(0, Ordering::Relaxed);
    }
}

/// Whole seconds until a bucket holding `tokens` (< 1) holds one, rounded up, at least 1.
fn retry_after(tokens: f64, rate_per_sec: f64) -> RetryAfter {
    let seconds = ((1.0 - tokens).max(0.0) / rate_per_sec).ceil();
    // A rate of at least 1/60 per second (parse refuses 0) keeps this within u64.
    RetryAfter((seconds as u64).max(1))
}

// graph-conformance: ET1 — every test of this module holds the throttling model's row.
#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> ThrottleSpec {
        ThrottleSpec::parse(text).expect("a valid spec")
    }

    fn key(app: &str) -> ThrottleKey {
        ThrottleKey::new(app, "tenant-1")
    }

    fn outcomes(answers: &[Result<(), RetryAfter>]) -> (usize, usize) {
        let ok = answers.iter().filter(|a| a.is_ok()).count();
        (ok, answers.len() - ok)
    }

    #[test]
    fn a_lifted_throttle_refills_at_its_new_rate_from_then_on() {
        let throttle = Throttle::new(spec("10/s,burst=10"));
        let t0 = Instant::now();
        assert_eq!(outcomes(&throttle.admit_many(&key("a"), 15, t0)), (10, 5));
        throttle.set_spec(spec("1000/s,burst=1000"));
        assert_eq!(throttle.spec(), spec("1000/s,burst=1000"));
        // 100 ms at the new rate: 100 tokens, where the old one gave 1.
        let later = t0 + Duration::from_millis(100);
        assert_eq!(
            outcomes(&throttle.admit_many(&key("a"), 120, later)),
            (100, 20)
        );
    }

    #[test]
    fn spec_reads_rate_per_second_and_burst() {
        assert_eq!(
            spec("100/s,burst=200"),
            ThrottleSpec {
                rate_per_sec: 100.0,
                burst: 200
            }
        );
    }

    #[test]
    fn spec_without_burst_holds_one_seconds_rate() {
        assert_eq!(spec("50/s").burst, 50);
        assert_eq!(spec("0.5/s").burst, 1, "at least one token");
    }

    #[test]
    fn spec_per_minute_is_divided_by_sixty() {
        let s = spec("600/m, burst=5");
        assert!((s.rate_per_sec - 10.0).abs() < 1e-9);
        assert_eq!(s.burst, 5);
    }

    #[test]
    fn spec_refuses_what_it_cannot_read_naming_the_part() {
        for (text, names) in [
            ("", "empty"),
            ("100", "no unit"),
            ("100/h", "\"h\""),
            ("0/s", "above 0"),
            ("-3/s", "above 0"),
            ("abc/s", "above 0"),
            ("100/s,burst=0", "at least 1"),
            ("100/s,burst=1.5", "whole number"),
            ("100/s,size=3", "unknown"),
            ("100/s,burst=2,burst=3", "twice"),
        ] {
            let error = ThrottleSpec::parse(text).expect_err(text);
            assert!(error.contains(names), "{text:?}: {error}");
        }
    }

    #[test]
    fn spec_displays_as_it_parses() {
        let s = spec("100/s,burst=200");
        assert_eq!(ThrottleSpec::parse(&s.to_string()), Ok(s));
    }

    #[test]
    fn minimum_time_is_the_requests_beyond_the_burst_at_the_rate() {
        assert_eq!(
            spec("200/s,burst=200").minimum_time(10_000),
            Duration::from_secs(49)
        );
        assert_eq!(spec("50/s").minimum_time(40), Duration::ZERO);
    }

    #[test]
    fn a_full_bucket_accepts_the_burst_then_throttles() {
        let throttle = Throttle::new(spec("10/s,burst=30"));
        let now = Instant::now();
        let answers = throttle.admit_many(&key("app"), 31, now);
        assert_eq!(outcomes(&answers), (30, 1));
        assert_eq!(answers[30], Err(RetryAfter(1)));
    }

    #[test]
    fn a_batch_of_twenty_against_five_tokens_admits_five_in_order_and_throttles_fifteen() {
        let throttle = Throttle::new(spec("1/s,burst=5"));
        let answers = throttle.admit_many(&key("app"), 20, Instant::now());
        assert!(answers[..5].iter().all(Result::is_ok));
        assert!(answers[5..].iter().all(Result::is_err));
        assert_eq!(
            throttle.counters(),
            ThrottleCounters {
                accepted: 5,
                throttled: 15
            }
        );
    }

    #[test]
    fn retry_after_rounds_the_wait_for_one_token_up_to_whole_seconds() {
        // 0.4 tokens per second: an empty bucket holds a token after 2.5 s → 3.
        let throttle = Throttle::new(spec("24/m,burst=1"));
        let start = Instant::now();
        assert_eq!(throttle.admit(&key("app"), start), Ok(()));
        assert_eq!(throttle.admit(&key("app"), start), Err(RetryAfter(3)));
        // 1 s later 0.4 tokens are there: 1.5 s to go → 2.
        let later = start + Duration::from_secs(1);
        assert_eq!(throttle.admit(&key("app"), later), Err(RetryAfter(2)));
    }

    #[test]
    fn retry_after_is_at_least_one_second_at_fast_rates() {
        let throttle = Throttle::new(spec("1000/s,burst=1"));
        let now = Instant::now();
        assert_eq!(throttle.admit(&key("app"), now), Ok(()));
        assert_eq!(throttle.admit(&key("app"), now), Err(RetryAfter(1)));
        assert_eq!(RetryAfter(1).header_value(), "1");
    }

    #[test]
    fn the_bucket_refills_at_the_rate_and_no_higher_than_the_burst() {
        let throttle = Throttle::new(spec("10/s,burst=20"));
        let start = Instant::now();
        assert_eq!(
            outcomes(&throttle.admit_many(&key("a"), 20, start)),
            (20, 0)
        );
        let half_second = start + Duration::from_millis(500);
        assert_eq!(
            outcomes(&throttle.admit_many(&key("a"), 8, half_second)),
            (5, 3)
        );
        // A long quiet period fills the bucket to its burst, not beyond.
        let much_later = half_second + Duration::from_secs(3600);
        assert_eq!(
            outcomes(&throttle.admit_many(&key("a"), 25, much_later)),
            (20, 5)
        );
    }

    #[test]
    fn an_earlier_instant_than_the_last_adds_no_tokens_and_takes_none_back() {
        let throttle = Throttle::new(spec("10/s,burst=2"));
        let start = Instant::now();
        let later = start + Duration::from_secs(1);
        assert_eq!(outcomes(&throttle.admit_many(&key("a"), 2, later)), (2, 0));
        assert_eq!(outcomes(&throttle.admit_many(&key("a"), 1, start)), (0, 1));
    }

    #[test]
    fn each_application_and_tenant_has_its_own_bucket() {
        let throttle = Throttle::new(spec("1/s,burst=2"));
        let now = Instant::now();
        assert_eq!(outcomes(&throttle.admit_many(&key("a"), 3, now)), (2, 1));
        assert_eq!(outcomes(&throttle.admit_many(&key("b"), 3, now)), (2, 1));
        let other_tenant = ThrottleKey::new("a", "tenant-2");
        assert_eq!(
            outcomes(&throttle.admit_many(&other_tenant, 3, now)),
            (2, 1)
        );
        assert_eq!(
            throttle.counters(),
            ThrottleCounters {
                accepted: 6,
                throttled: 3
            }
        );
    }

    #[test]
    fn the_key_of_a_token_is_its_azp_and_tid() {
        let claims = crate::jwt::IssuedClaims {
            azp: Some("client-1".into()),
            tid: "tenant-9".into(),
            ..Default::default()
        };
        assert_eq!(
            ThrottleKey::of(&claims),
            ThrottleKey::new("client-1", "tenant-9")
        );
    }

    #[test]
    fn counters_add_up_across_threads() {
        let throttle = std::sync::Arc::new(Throttle::new(spec("1/s,burst=100")));
        let now = Instant::now();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let throttle = throttle.clone();
                std::thread::spawn(move || throttle.admit_many(&key("a"), 40, now))
            })
            .collect();
        for thread in threads {
            thread.join().expect("thread");
        }
        assert_eq!(
            throttle.counters(),
            ThrottleCounters {
                accepted: 100,
                throttled: 60
            }
        );
    }
}
