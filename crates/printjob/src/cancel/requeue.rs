//! Throttled jobs waiting for their own `Retry-After` before they rejoin the bulk pool's queue
//! (issue 22, item 2): a throttled chunk no longer waits inside its pool slot; its throttled
//! jobs are parked here, each group until its `Retry-After` has passed, and then re-batched
//! with whatever else is queued. Every `Retry-After` is honoured (a job is never due before its
//! time); the retry budget of docs/reliability.md still bounds how long a job may keep being
//! throttled, counted from its first throttle ([`Requeue::expired`]). A Ctrl-C stop takes
//! every parked job out at once ([`Requeue::drain`]) so that none is re-sent.
//!
//! Time is a parameter (`now: Instant`), so the rules are tested without sleeping.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A parked job: when it may be sent again, and when it was first throttled.
#[derive(Debug)]
struct Parked<T> {
    due: Instant,
    first_throttled: Instant,
    job: T,
}

/// Jobs waiting out a `Retry-After`, kept in the order they are due.
#[derive(Debug)]
pub(crate) struct Requeue<T> {
    parked: VecDeque<Parked<T>>,
}

impl<T> Default for Requeue<T> {
    fn default() -> Self {
        Self {
            parked: VecDeque::new(),
        }
    }
}

/// A job coming back from a throttled answer: the job and when it was first throttled (`None`:
/// this answer is its first throttle).
#[derive(Debug)]
pub(crate) struct Throttled<T> {
    pub job: T,
    pub first_throttled: Option<Instant>,
}

impl<T> Requeue<T> {
    /// Parks `jobs`, throttled at `now` with `Retry-After` `after`: none is due before
    /// `now + after`.
    pub(crate) fn park(
        &mut self,
        jobs: impl IntoIterator<Item = Throttled<T>>,
        after: Duration,
        now: Instant,
    ) {
        let due = now + after;
        for Throttled {
            job,
            first_throttled,
        } in jobs
        {
            let parked = Parked {
                due,
                first_throttled: first_throttled.unwrap_or(now),
                job,
            };
            // Kept sorted by `due`, stable: after every job due at the same time or earlier.
            let at = self.parked.partition_point(|p| p.due <= due);
            self.parked.insert(at, parked);
        }
    }

    /// How many jobs are parked.
    pub(crate) fn len(&self) -> usize {
        self.parked.len()
    }

    /// Whether no job is parked.
    pub(crate) fn is_empty(&self) -> bool {
        self.parked.is_empty()
    }

    /// When the next parked job is due (`None`: nothing is parked): the pool's select loop
    /// sleeps until then, and no longer.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.parked.front().map(|p| p.due)
    }

    /// The jobs due at `now`, in the order they are due, each with when it was first
    /// throttled (carried back into [`Requeue::park`] if it is throttled again).
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<Throttled<T>> {
        let n = self.parked.partition_point(|p| p.due <= now);
        self.parked
            .drain(..n)
            .map(|p| Throttled {
                job: p.job,
                first_throttled: Some(p.first_throttled),
            })
            .collect()
    }

    /// Takes out the jobs that would be due later than `budget` after their first throttle:
    /// they end `failed` with the throttling error, as a job whose retries run out does today.
    pub(crate) fn expired(&mut self, budget: Duration) -> Vec<T> {
        let (mut keep, mut gone) = (VecDeque::new(), Vec::new());
        for p in self.parked.drain(..) {
            if p.due.saturating_duration_since(p.first_throttled) > budget {
                gone.push(p.job);
            } else {
                keep.push_back(p);
            }
        }
        self.parked = keep;
        gone
    }

    /// Every parked job, at once (a Ctrl-C stop: none of them is sent again).
    pub(crate) fn drain(&mut self) -> Vec<T> {
        self.parked.drain(..).map(|p| p.job).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(job: u32) -> Throttled<u32> {
        Throttled {
            job,
            first_throttled: None,
        }
    }

    const fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn a_parked_job_is_never_due_before_its_retry_after() {
        let t0 = Instant::now();
        let mut queue = Requeue::default();
        queue.park([first(1), first(2)], secs(3), t0);
        assert!(queue.take_due(t0 + Duration::from_millis(2_999)).is_empty());
        assert_eq!(queue.next_due(), Some(t0 + secs(3)));
        let due: Vec<u32> = queue
            .take_due(t0 + secs(3))
            .into_iter()
            .map(|t| t.job)
            .collect();
        assert_eq!(due, [1, 2]);
        assert!(queue.is_empty());
    }

    #[test]
    fn groups_come_due_by_their_own_retry_after_not_by_the_longest() {
        let t0 = Instant::now();
        let mut queue = Requeue::default();
        queue.park([first(1)], secs(3), t0);
        queue.park([first(2)], secs(1), t0);
        queue.park([first(3)], Duration::from_millis(2_128), t0);
        let at = |s: f64| t0 + Duration::from_secs_f64(s);
        assert_eq!(queue.take_due(at(1.0)).len(), 1);
        let next: Vec<u32> = queue.take_due(at(2.2)).into_iter().map(|t| t.job).collect();
        assert_eq!(next, [3], "the 2.128 s group is due before the 3 s one");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.next_due(), Some(t0 + secs(3)));
    }

    #[test]
    fn a_job_throttled_again_keeps_its_first_throttle_and_ends_past_the_budget() {
        let t0 = Instant::now();
        let mut queue = Requeue::default();
        queue.park([first(7)], secs(10), t0);
        let again = queue.take_due(t0 + secs(10));
        assert_eq!(again[0].first_throttled, Some(t0));
        queue.park(again, secs(25), t0 + secs(10));
        queue.park([first(8)], secs(25), t0 + secs(10));
        // Job 7 would be due 35 s after its first throttle; job 8 25 s after its own.
        assert_eq!(queue.expired(secs(30)), [7]);
        assert_eq!(queue.len(), 1);
        assert!(queue.expired(secs(30)).is_empty());
    }

    #[test]
    fn a_stop_takes_every_parked_job_out_so_none_is_sent_again() {
        let t0 = Instant::now();
        let mut queue = Requeue::default();
        queue.park([first(1), first(2)], secs(1), t0);
        queue.park([first(3)], secs(5), t0);
        let mut stopped = queue.drain();
        stopped.sort_unstable();
        assert_eq!(stopped, [1, 2, 3]);
        assert!(queue.take_due(t0 + secs(60)).is_empty());
        assert_eq!(queue.next_due(), None);
    }
}
