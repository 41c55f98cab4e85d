//! The bulk cancel's pace (issue 22): learn the request rate the service accepts and stay just
//! under it, so that a throttled tenant is cleared as fast as its throttle allows and is
//! rarely throttled on the way.
//!
//! Why not only honour `Retry-After`: Graph's is whole seconds, and a throttled request is
//! re-sent only after it, so each throttle costs a second of those requests' time and all the
//! requests that were in flight. The goal is to be throttled rarely (≤ 5 % of requests), not to
//! recover well. Units are requests: a `$batch` of 20 is 20 (`concepts/json-batching.md`:
//! "Requests in a batch are evaluated individually against throttling limits").
//!
//! How (the AWS SDKs' adaptive retry mode — botocore `retries/adaptive.py` and `bucket.py` —
//! adapted):
//! - **No limit until the first throttle**: a quiet service keeps today's speed.
//! - **A throttle is a measurement.** The first throttled answer of a chunk sent after the
//!   last cut says the service's bucket was empty then. Between two such moments the service
//!   accepted exactly its rate times the interval (if it never overflowed), so the requests
//!   accepted between two cuts, divided by the time between them, estimate the rate. A window
//!   shorter than `min_window` is noisy (a round trip's jitter is a large part of it): its
//!   measurement may only lower the estimate, to no less than half the current pace; a window
//!   in which nothing was accepted takes the current pace as the estimate.
//!   At the first throttle the estimate is what was accepted since the start, burst included,
//!   an overestimate that the next cuts correct.
//! - **Cut, then CUBIC.** The pace drops to `beta` × the estimate, and the next chunk waits
//!   until the service's bucket holds a chunk again. It then grows as CUBIC does (RFC 9438,
//!   and botocore's `CubicCalculator`): back to the estimate after the time the estimate takes
//!   to accept `recovery_requests`, flat around it, then beyond it, faster and faster, so a
//!   lifted throttle is found again. What the pace left unused after the cut waits in the
//!   service's bucket (≈ `recovery_requests` × (1 − `beta`) / 4 = 15 requests with the
//!   defaults), and is spent while the pace probes above the estimate.
//! - Throttles of chunks sent before the last cut were caused by the pace that cut already
//!   corrected: they count as accepted-and-throttled requests, not as new cuts (TCP's rule).
//!
//! Time is a parameter (`now: Instant`), so the tests drive a simulated service without
//! sleeping. `--concurrency` stays a ceiling on the chunks in flight; the pace only delays.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The slowest pace, requests per second: one a minute (a floor for arithmetic only).
const MIN_RATE: f64 = 1.0 / 60.0;

/// The share of the peak accepted rate below which no cut takes the pace.
const PEAK_FLOOR: f64 = 0.25;

/// A window shorter than `min_window` may lower the estimate to no less than this share of
/// the pace (one noisy measurement cannot halve it more than once).
const SHORT_WINDOW_FLOOR: f64 = 0.5;

/// Tuning of [`Pace`]; the defaults are the ones the simulation tests hold to the goals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PaceOptions {
    /// Learn the pace (`false`: fixed pressure, today's behaviour, for the baseline).
    pub learn: bool,
    /// The share of the estimated rate the pace drops to on a throttle.
    pub beta: f64,
    /// How many requests' worth of time (at the estimated rate) the pace takes to return to
    /// the estimate after a cut.
    pub recovery_requests: f64,
    /// The shortest time between two cuts whose accepted requests are read as a rate.
    pub min_window: Duration,
}

impl Default for PaceOptions {
    fn default() -> Self {
        Self {
            learn: true,
            beta: 0.9,
            recovery_requests: 600.0,
            min_window: Duration::from_secs(1),
        }
    }
}

/// What the service answered to one chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Answered {
    /// When the chunk was sent.
    pub sent_at: Instant,
    /// Its requests the service accepted (any answer but a throttle).
    pub accepted: usize,
    /// Its requests answered `429` (or `503` with `Retry-After`).
    pub throttled: usize,
}

/// The last cut: the estimate then, and the CUBIC curve back to it.
#[derive(Debug, Clone, Copy)]
struct Cut {
    at: Instant,
    /// The estimated service rate (CUBIC's W_max), requests per second.
    estimate: f64,
    /// Seconds from the cut back to the estimate (CUBIC's K).
    k: f64,
    /// CUBIC's scale: rate(t) = c (t − k)³ + estimate.
    c: f64,
}

/// The pacer of one bulk cancel: asked before each chunk, told of each answer.
#[derive(Debug)]
pub(crate) struct Pace {
    options: PaceOptions,
    cut: Option<Cut>,
    /// When the next chunk may go (the pace's own schedule).
    next_free: Option<Instant>,
    largest_chunk: usize,
    first_send: Option<Instant>,
    accepted_total: u64,
    accepted_since_cut: u64,
    /// The requests accepted in the last `min_window`, by answer time (for [`Pace::trailing`]).
    recent: VecDeque<(Instant, u64)>,
    /// The most the service accepted in one `min_window` wholly after the first throttle, per
    /// second.
    peak: f64,
    first_cut: Option<Instant>,
}

impl Pace {
    pub(crate) fn new(options: PaceOptions) -> Self {
        Self {
            options,
            cut: None,
            next_free: None,
            largest_chunk: 1,
            first_send: None,
            accepted_total: 0,
            accepted_since_cut: 0,
            recent: VecDeque::new(),
            peak: 0.0,
            first_cut: None,
        }
    }

    /// A pace with the default tuning, learning or not (`CancelRequest::learn_pace`).
    pub(crate) fn learning(learn: bool) -> Self {
        Self::new(PaceOptions {
            learn,
            ..PaceOptions::default()
        })
    }

    /// Before sending `n` requests at `now`: `None` — send them (their time is taken);
    /// `Some(wait)` — nothing is taken, ask again after `wait` (or sooner, after an answer).
    pub(crate) fn acquire(&mut self, n: usize, now: Instant) -> Option<Duration> {
        let n = n.max(1);
        self.first_send.get_or_insert(now);
        self.largest_chunk = self.largest_chunk.max(n);
        if !self.options.learn {
            return None;
        }
        let rate = self.rate(now)?;
        match self.next_free {
            Some(at) if at > now => Some(at - now),
            earlier => {
                let from = earlier.map_or(now, |at| at.max(now));
                self.next_free = Some(from + seconds(n as f64 / rate));
                None
            }
        }
    }

    /// The service answered a chunk at `now`.
    pub(crate) fn on_answer(&mut self, answered: Answered, now: Instant) {
        if !self.options.learn {
            return;
        }
        let accepted = answered.accepted as u64;
        self.accepted_total += accepted;
        self.accepted_since_cut += accepted;
        self.recent.push_back((now, accepted));
        while self
            .recent
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) > self.options.min_window)
        {
            self.recent.pop_front();
        }
        // The peak counts only whole windows after the first throttle: the burst a full
        // bucket gave at the start is spent by then, so the peak is a rate the service held.
        if self
            .first_cut
            .is_some_and(|at| now.saturating_duration_since(at) >= self.options.min_window)
        {
            self.peak = self.peak.max(self.trailing());
        }
        if answered.throttled == 0 {
            return;
        }
        if self.cut.is_some_and(|cut| answered.sent_at < cut.at) {
            return;
        }
        // Never below a share of the best the service has shown it accepts: throttles that are
        // not a drained bucket (429s a round trip apart, whatever the pace) would otherwise cut
        // the pace again every round trip, down to nothing.
        let estimate = self.estimate(now).max(self.floor() / self.options.beta);
        self.first_cut.get_or_insert(now);
        let options = self.options;
        let k = (options.recovery_requests / estimate).max(0.5);
        self.cut = Some(Cut {
            at: now,
            estimate,
            k,
            c: estimate * (1.0 - options.beta) / k.powi(3),
        });
        self.accepted_since_cut = 0;
        // The service's bucket is empty now: the next chunk waits until it holds one.
        let pace = (options.beta * estimate).max(self.floor());
        self.next_free = Some(now + seconds(self.largest_chunk as f64 / pace));
    }

    /// The pace at `now` in requests per second; `None` before the first throttle (no limit).
    pub(crate) fn rate(&self, now: Instant) -> Option<f64> {
        let cut = self.cut?;
        let t = now.saturating_duration_since(cut.at).as_secs_f64();
        Some((cut.c * (t - cut.k).powi(3) + cut.estimate).max(MIN_RATE))
    }

    /// The service's rate as the answers up to a throttle at `now` tell it.
    fn estimate(&self, now: Instant) -> f64 {
        match self.cut {
            None => {
                let elapsed = now
                    .saturating_duration_since(self.first_send.unwrap_or(now))
                    .as_secs_f64()
                    .max(0.001);
                self.accepted_total.max(self.largest_chunk as u64) as f64 / elapsed
            }
            Some(cut) => {
                let window = now.saturating_duration_since(cut.at);
                let pace = self.rate(now).unwrap_or(cut.estimate);
                let measured = self.accepted_since_cut as f64 / window.as_secs_f64().max(0.001);
                if self.accepted_since_cut == 0 {
                    pace
                } else if window < self.options.min_window {
                    measured.clamp(SHORT_WINDOW_FLOOR * pace, pace)
                } else {
                    measured
                }
            }
        }
    }
}

impl Pace {
    /// The rate the service accepted over the last `min_window` (the answers of the last
    /// `min_window` over the whole window, so a first answer alone reads low, never high).
    fn trailing(&self) -> f64 {
        let accepted: u64 = self.recent.iter().map(|(_, n)| n).sum();
        accepted as f64 / self.options.min_window.as_secs_f64().max(0.001)
    }

    /// The slowest pace a cut may set: [`PEAK_FLOOR`] of the most the service accepted in one
    /// `min_window` while it throttled.
    fn floor(&self) -> f64 {
        (PEAK_FLOOR * self.peak).max(MIN_RATE)
    }
}

/// Seconds as a `Duration`, saturating (a rate floor keeps them finite and small).
fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cut of the default options.
    const BETA: f64 = 0.9;

    fn pace() -> Pace {
        Pace::new(PaceOptions::default())
    }

    fn at(start: Instant, ms: u64) -> Instant {
        start + Duration::from_millis(ms)
    }

    fn answered(sent_at: Instant, accepted: usize, throttled: usize) -> Answered {
        Answered {
            sent_at,
            accepted,
            throttled,
        }
    }

    /// A pace that was throttled once at `start`, after 400 requests accepted in 1 s:
    /// estimate 400/s, pace 360/s.
    fn throttled_once(start: Instant) -> (Pace, Instant) {
        let mut pace = pace();
        let begin = start;
        assert_eq!(pace.acquire(20, begin), None);
        pace.on_answer(answered(begin, 380, 0), at(begin, 900));
        let cut = at(begin, 1000);
        pace.on_answer(answered(at(begin, 950), 20, 20), cut);
        (pace, cut)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * b.abs().max(1.0)
    }

    #[test]
    fn no_limit_before_the_first_throttle() {
        let mut pace = pace();
        let now = Instant::now();
        for _ in 0..1000 {
            assert_eq!(pace.acquire(20, now), None);
        }
        pace.on_answer(answered(now, 20_000, 0), at(now, 50));
        assert_eq!(pace.acquire(20, at(now, 50)), None);
        assert_eq!(pace.rate(at(now, 50)), None);
    }

    #[test]
    fn a_throttle_lowers_the_pace_below_the_rate_accepted() {
        let start = Instant::now();
        let (pace, cut) = throttled_once(start);
        let rate = pace.rate(cut).expect("a pace after a throttle");
        assert!(close(rate, BETA * 400.0), "{rate}");
    }

    #[test]
    fn after_a_throttle_the_next_chunk_waits_for_the_services_bucket_to_refill() {
        let start = Instant::now();
        let (mut pace, cut) = throttled_once(start);
        let wait = pace.acquire(20, cut).expect("a wait");
        assert!(close(wait.as_secs_f64(), 20.0 / (BETA * 400.0)), "{wait:?}");
        assert_eq!(pace.acquire(20, cut + wait), None);
    }

    #[test]
    fn chunks_are_spaced_at_the_pace() {
        let start = Instant::now();
        let (mut pace, cut) = throttled_once(start);
        let first = cut + pace.acquire(20, cut).expect("a wait");
        assert_eq!(pace.acquire(20, first), None);
        let wait = pace.acquire(20, first).expect("the next chunk waits");
        let rate = pace.rate(first).expect("a pace");
        assert!(
            (wait.as_secs_f64() - 20.0 / rate).abs() < 1e-6,
            "{wait:?} at {rate}/s"
        );
        assert_eq!(pace.acquire(5, first + wait), None);
    }

    #[test]
    fn a_second_throttle_learns_the_rate_accepted_between_the_two() {
        let start = Instant::now();
        let (mut pace, cut) = throttled_once(start);
        pace.on_answer(answered(cut, 90, 0), at(cut, 1500));
        let second = at(cut, 2000);
        pace.on_answer(answered(at(cut, 1950), 10, 10), second);
        let rate = pace.rate(second).expect("a pace");
        assert!(
            close(rate, BETA * 50.0),
            "100 accepted in 2 s: 50/s, paced at 45/s: {rate}"
        );
    }

    #[test]
    fn a_throttle_within_the_shortest_window_cuts_the_current_pace() {
        let start = Instant::now();
        let (mut pace, cut) = throttled_once(start);
        let soon = at(cut, 100);
        let before = pace.rate(soon).expect("a pace");
        pace.on_answer(answered(at(cut, 60), 0, 20), soon);
        let after = pace.rate(soon).expect("a pace");
        assert!(close(after, BETA * before), "{before} → {after}");
    }

    #[test]
    fn a_short_window_lowers_the_estimate_by_at_most_half_and_never_raises_it() {
        let start = Instant::now();
        let (mut low, cut) = throttled_once(start);
        let soon = at(cut, 200);
        let pace = low.rate(soon).expect("a pace");
        // 2 accepted in 0.2 s reads as 10/s: clamped to half the pace.
        low.on_answer(answered(at(cut, 150), 2, 18), soon);
        let rate = low.rate(soon).expect("a pace");
        assert!(close(rate, BETA * 0.5 * pace), "{pace} → {rate}");
        let (mut high, cut) = throttled_once(start);
        let soon = at(cut, 200);
        let pace = high.rate(soon).expect("a pace");
        // 200 accepted in 0.2 s reads as 1,000/s: no higher than the pace.
        high.on_answer(answered(at(cut, 150), 200, 1), soon);
        let rate = high.rate(soon).expect("a pace");
        assert!(close(rate, BETA * pace), "{pace} → {rate}");
    }

    #[test]
    fn throttles_of_chunks_sent_before_the_cut_do_not_cut_again() {
        let start = Instant::now();
        let (mut pace, cut) = throttled_once(start);
        let rate = pace.rate(cut);
        pace.on_answer(answered(at(start, 990), 0, 20), at(cut, 10));
        assert_eq!(pace.rate(cut), rate);
    }

    #[test]
    fn steady_acceptance_raises_the_pace_back_and_beyond() {
        let start = Instant::now();
        let (pace, cut) = throttled_once(start);
        // Back to the estimate (400/s) after 600 requests' worth of time: 1.5 s.
        let back = pace.rate(at(cut, 1500)).expect("a pace");
        assert!(close(back, 400.0), "{back}");
        let between = pace.rate(at(cut, 750)).expect("a pace");
        assert!(BETA * 400.0 < between && between < 400.0, "{between}");
        // Then beyond it, faster and faster: a throttle that lifted is found again.
        let later = pace.rate(at(cut, 3000)).expect("a pace");
        let much_later = pace.rate(at(cut, 6000)).expect("a pace");
        // As far above the estimate at 2K as the cut was below it at 0.
        assert!(close(later, (2.0 - BETA) * 400.0), "{later}");
        assert!(much_later > 2.0 * 400.0, "{much_later}");
    }

    #[test]
    fn with_learning_off_the_pace_never_waits() {
        let mut pace = Pace::new(PaceOptions {
            learn: false,
            ..PaceOptions::default()
        });
        let now = Instant::now();
        pace.on_answer(answered(now, 0, 20), at(now, 50));
        pace.on_answer(answered(at(now, 60), 0, 20), at(now, 2000));
        assert_eq!(pace.acquire(20, at(now, 2000)), None);
        assert_eq!(pace.acquire(20, at(now, 2000)), None);
        assert_eq!(pace.rate(at(now, 2000)), None);
    }

    /// The simulation: a service with a token bucket (each request of a chunk takes a token in
    /// order, Retry-After = whole seconds until a token, ≥ 1), a pool of `concurrency` chunks of
    /// up to 20 in flight with a fixed round trip, throttled requests re-queued after their
    /// Retry-After. Returns (simulated seconds, requests sent, requests throttled).
    mod simulation {
        use super::super::*;
        use std::collections::VecDeque;

        /// A service bucket whose rate may change once (at `lift_at`, to `lifted_rate`).
        pub(super) struct Service {
            pub rate: f64,
            pub burst: f64,
            pub lift_at: f64,
            pub lifted_rate: f64,
        }

        impl Service {
            pub(super) fn steady(rate: f64, burst: f64) -> Self {
                Self {
                    rate,
                    burst,
                    lift_at: f64::INFINITY,
                    lifted_rate: rate,
                }
            }

            fn rate_at(&self, t: f64) -> f64 {
                if t < self.lift_at {
                    self.rate
                } else {
                    self.lifted_rate
                }
            }

            fn refill(&self, from: f64, to: f64) -> f64 {
                let before = (to.min(self.lift_at) - from).max(0.0) * self.rate;
                let after = (to - from.max(self.lift_at)).max(0.0) * self.lifted_rate;
                before + after
            }
        }

        pub(super) struct Run {
            pub seconds: f64,
            pub sent: u64,
            pub throttled: u64,
        }

        struct InFlight {
            answer_at: f64,
            sent_at: f64,
            accepted: usize,
            throttled: usize,
            retry_after: f64,
        }

        pub(super) fn run(
            service: &Service,
            jobs: usize,
            concurrency: usize,
            round_trip: f64,
            options: PaceOptions,
        ) -> Run {
            const CHUNK: usize = 20;
            let base = Instant::now();
            let instant = |t: f64| base + Duration::from_secs_f64(t);
            let mut pace = Pace::new(options);
            let (mut tokens, mut bucket_at) = (service.burst, 0.0_f64);
            let (mut t, mut ready, mut done) = (0.0_f64, jobs, 0usize);
            let (mut sent, mut throttled) = (0u64, 0u64);
            let mut retries: VecDeque<(f64, usize)> = VecDeque::new();
            let mut in_flight: Vec<InFlight> = Vec::new();
            while done < jobs {
                while retries.front().is_some_and(|(due, _)| *due <= t) {
                    ready += retries.pop_front().map_or(0, |(_, n)| n);
                }
                let mut wake = None;
                while in_flight.len() < concurrency && ready > 0 {
                    let n = ready.min(CHUNK);
                    if let Some(wait) = pace.acquire(n, instant(t)) {
                        wake = Some(t + wait.as_secs_f64());
                        break;
                    }
                    ready -= n;
                    // The service evaluates the chunk half a round trip later; every chunk
                    // has the same delay, so chunks reach it in the order they were sent.
                    let served = t + round_trip / 2.0;
                    tokens = (tokens + service.refill(bucket_at, served)).min(service.burst);
                    bucket_at = served;
                    let accepted = n.min(tokens.max(0.0).floor() as usize);
                    tokens -= accepted as f64;
                    let refused = n - accepted;
                    let retry_after = ((1.0 - tokens) / service.rate_at(served)).ceil().max(1.0);
                    sent += n as u64;
                    throttled += refused as u64;
                    in_flight.push(InFlight {
                        answer_at: t + round_trip,
                        sent_at: t,
                        accepted,
                        throttled: refused,
                        retry_after,
                    });
                }
                let next = in_flight
                    .iter()
                    .map(|f| f.answer_at)
                    .chain(retries.iter().map(|(due, _)| *due))
                    .chain(wake)
                    .fold(f64::INFINITY, f64::min);
                assert!(next.is_finite(), "the simulation stalled at {t} s");
                t = next;
                in_flight.sort_by(|a, b| a.answer_at.total_cmp(&b.answer_at));
                while in_flight.first().is_some_and(|f| f.answer_at <= t) {
                    let f = in_flight.remove(0);
                    done += f.accepted;
                    pace.on_answer(
                        Answered {
                            sent_at: instant(f.sent_at),
                            accepted: f.accepted,
                            throttled: f.throttled,
                        },
                        instant(t),
                    );
                    if f.throttled > 0 {
                        let due = t + f.retry_after;
                        let slot = retries.partition_point(|(d, _)| *d <= due);
                        retries.insert(slot, (due, f.throttled));
                    }
                }
            }
            Run {
                seconds: t,
                sent,
                throttled,
            }
        }
    }

    /// 10,000 requests in chunks of 20 with a 50 ms round trip against `rate`/s, burst
    /// `burst`: within 1.15× the bucket's minimum time, ≤ 5 % of requests throttled.
    fn holds_the_goals(rate: f64, burst: f64, concurrency: usize) {
        let jobs = 10_000;
        let service = simulation::Service::steady(rate, burst);
        let run = simulation::run(&service, jobs, concurrency, 0.05, PaceOptions::default());
        let minimum = (jobs as f64 - burst) / rate;
        let ratio = run.seconds / minimum;
        let share = run.throttled as f64 / run.sent as f64;
        assert!(
            ratio <= 1.15 && share <= 0.05,
            "{rate}/s burst {burst}, {concurrency} in flight: {:.1} s = {ratio:.3}× the minimum {minimum:.1} s; {} of {} requests throttled ({:.2} %)",
            run.seconds,
            run.throttled,
            run.sent,
            share * 100.0
        );
    }

    /// Chunks of 20 answered 10 ms after they are sent, 2 of each refused (429s that are not a
    /// drained bucket), for `seconds`: the requests accepted per second in the last second.
    fn sporadic_throttles(seconds: f64) -> f64 {
        let mut pace = pace();
        let start = Instant::now();
        let (mut t, mut accepted_last_second) = (0.0_f64, 0usize);
        let mut in_flight: VecDeque<f64> = VecDeque::new();
        while t < seconds {
            let now = start + Duration::from_secs_f64(t);
            while in_flight.front().is_some_and(|sent| sent + 0.01 <= t) {
                let sent = in_flight.pop_front().unwrap();
                pace.on_answer(answered(start + Duration::from_secs_f64(sent), 18, 2), now);
                if t >= seconds - 1.0 {
                    accepted_last_second += 18;
                }
            }
            if in_flight.len() < 4 && pace.acquire(20, now).is_none() {
                in_flight.push_back(t);
                continue;
            }
            t += 0.001;
        }
        accepted_last_second as f64
    }

    #[test]
    fn throttles_that_are_not_a_drained_bucket_slow_the_pace_to_a_floor_not_to_a_stop() {
        // Unpaced, 4 chunks per 10 ms would be 7,200 accepted a second. Every answer carries a
        // throttle, so every round trip may cut; the floor (a share of what the service
        // accepted while throttling) holds the pace, where without it the pace fell to nothing.
        let after_5_s = sporadic_throttles(5.0);
        let after_20_s = sporadic_throttles(20.0);
        assert!(
            after_20_s >= 10.0 && after_20_s >= 0.9 * after_5_s,
            "{after_5_s}/s after 5 s, {after_20_s}/s after 20 s"
        );
    }

    #[test]
    fn simulated_bucket_of_200_per_s_is_cleared_near_its_minimum_rarely_throttled() {
        holds_the_goals(200.0, 200.0, 4);
        holds_the_goals(200.0, 200.0, 16);
    }

    #[test]
    fn simulated_bucket_of_50_per_s_is_cleared_near_its_minimum_rarely_throttled() {
        holds_the_goals(50.0, 50.0, 4);
        holds_the_goals(50.0, 50.0, 16);
    }

    #[test]
    fn simulated_throttle_that_lifts_is_followed_up_to_the_new_rate() {
        // 50/s for 30 s, then 400/s: the minimum is 51 s; a pace stuck at 50/s takes 199 s.
        let service = simulation::Service {
            rate: 50.0,
            burst: 50.0,
            lift_at: 30.0,
            lifted_rate: 400.0,
        };
        let run = simulation::run(&service, 10_000, 4, 0.05, PaceOptions::default());
        assert!(run.seconds <= 100.0, "{:.1} s", run.seconds);
    }

    #[test]
    fn simulated_quiet_service_is_never_paced() {
        // A bucket the pool can never empty: 4 chunks of 20 per 50 ms is 1,600/s.
        let service = simulation::Service::steady(5_000.0, 5_000.0);
        let run = simulation::run(&service, 10_000, 4, 0.05, PaceOptions::default());
        assert_eq!(run.throttled, 0);
        // 125 rounds of 80 requests, 50 ms each: exactly the concurrency's floor.
        assert!((run.seconds - 6.25).abs() < 1e-9, "{} s", run.seconds);
    }
}
