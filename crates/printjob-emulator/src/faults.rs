//! Fault injection and per-route request counters.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Which faults to inject, as fractions of requests (0.0–1.0).
///
/// Parsed from `--faults` as comma-separated `name=value` pairs, e.g.
/// `429=0.1,503=0.05,drop=0.02,latency=200ms,retry-after=1,only=graph`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FaultConfig {
    /// Fraction answered `429 Too Many Requests` with `Retry-After`.
    pub rate_429: f64,
    /// Fraction answered `503 Service Unavailable` with `Retry-After`.
    pub rate_503: f64,
    /// Fraction answered `504 Gateway Timeout`.
    pub rate_504: f64,
    /// Fraction whose connection is closed without any response.
    pub rate_drop: f64,
    /// Latency added to every request, in milliseconds.
    pub latency_ms: u64,
    /// The `Retry-After` value (seconds) sent with 429 and 503.
    pub retry_after_secs: u64,
    /// Apply faults only to routes whose path starts with this (e.g. `/v1.0`); all when empty.
    pub only: String,
    /// Fault every request in the next N (counting down), regardless of rates: 0 = off.
    /// Combined with `force` this makes deterministic tests ("the next 2 requests get 503").
    pub next: u32,
    /// The status forced on the next `next` requests (`429`, `503`, `504`, or 0 for drop).
    pub force: u16,
}

impl FaultConfig {
    /// Parses the `--faults` spec.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut config = FaultConfig {
            retry_after_secs: 1,
            ..Default::default()
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("fault {part:?} is not name=value (e.g. 429=0.1)"))?;
            let rate = || -> Result<f64, String> {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| {
                        format!("fault rate {value:?} for {name} must be a number from 0 to 1")
                    })
            };
            match name {
                "429" => config.rate_429 = rate()?,
                "503" => config.rate_503 = rate()?,
                "504" => config.rate_504 = rate()?,
                "drop" => config.rate_drop = rate()?,
                "latency" => {
                    config.latency_ms = value
                        .trim_end_matches("ms")
                        .parse()
                        .map_err(|_| format!("latency {value:?} must be milliseconds, e.g. 200ms"))?
                }
                "retry-after" => {
                    config.retry_after_secs = value
                        .parse()
                        .map_err(|_| format!("retry-after {value:?} must be whole seconds"))?
                }
                "only" => config.only = value.to_string(),
                other => {
                    return Err(format!(
                        "unknown fault {other:?}; known: 429, 503, 504, drop, latency, retry-after, only"
                    ))
                }
            }
        }
        Ok(config)
    }
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (and `Retry-After` for 429/503).
    Status(u16),
    /// Close the connection without answering.
    Drop,
}

/// The live fault settings and a seeded RNG (deterministic runs for a given seed).
#[derive(Debug)]
pub struct Faults {
    inner: Mutex<(FaultConfig, StdRng)>,
}

impl Faults {
    /// Faults with a fixed RNG seed.
    pub fn new(config: FaultConfig, rng_seed: u64) -> Self {
        Self {
            inner: Mutex::new((config, StdRng::seed_from_u64(rng_seed))),
        }
    }

    /// The current settings.
    pub fn config(&self) -> FaultConfig {
        self.lock().0.clone()
    }

    /// Replaces the settings.
    pub fn set(&self, config: FaultConfig) {
        self.lock().0 = config;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (FaultConfig, StdRng)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Decides the fault (if any) for a request to `path`, and the latency to add.
    pub fn decide(&self, path: &str) -> (Option<Fault>, Duration, u64) {
        let mut guard = self.lock();
        let (config, rng) = &mut *guard;
        let latency = Duration::from_millis(config.latency_ms);
        if !config.only.is_empty() && !path.starts_with(&config.only) {
            // `only=PATH` limits every fault kind, added latency included.
            return (None, Duration::ZERO, config.retry_after_secs);
        }
        if config.next > 0 {
            config.next -= 1;
            let fault = match config.force {
                0 => Fault::Drop,
                s => Fault::Status(s),
            };
            return (Some(fault), latency, config.retry_after_secs);
        }
        let roll: f64 = rng.gen();
        let mut edge = 0.0;
        let mut fault = None;
        for (rate, f) in [
            (config.rate_429, Fault::Status(429)),
            (config.rate_503, Fault::Status(503)),
            (config.rate_504, Fault::Status(504)),
            (config.rate_drop, Fault::Drop),
        ] {
            edge += rate;
            if roll < edge {
                fault = Some(f);
                break;
            }
        }
        (fault, latency, config.retry_after_secs)
    }
}

/// How many requests each route served (keyed `METHOD /route/{template}`), plus named events
/// (`grant:refresh_token`, `fault:429`, …).
#[derive(Debug, Default)]
pub struct Counters {
    map: Mutex<BTreeMap<String, u64>>,
}

impl Counters {
    /// Adds one to `key`.
    pub fn bump(&self, key: &str) {
        *self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_string())
            .or_default() += 1;
    }

    /// The count for `key` (0 if never seen).
    pub fn get(&self, key: &str) -> u64 {
        self.snapshot().get(key).copied().unwrap_or(0)
    }

    /// All counts.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sets every count back to zero.
    pub fn reset(&self) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spec() {
        let c =
            FaultConfig::parse("429=0.2,drop=0.05,latency=150ms,retry-after=2,only=/v1.0").unwrap();
        assert_eq!(c.rate_429, 0.2);
        assert_eq!(c.rate_drop, 0.05);
        assert_eq!(c.latency_ms, 150);
        assert_eq!(c.retry_after_secs, 2);
        assert_eq!(c.only, "/v1.0");
        assert!(FaultConfig::parse("429=2").is_err());
        assert!(FaultConfig::parse("boom=0.1").is_err());
    }

    #[test]
    fn forced_faults_count_down() {
        let faults = Faults::new(
            FaultConfig {
                next: 2,
                force: 503,
                ..Default::default()
            },
            1,
        );
        assert_eq!(faults.decide("/v1.0/x").0, Some(Fault::Status(503)));
        assert_eq!(faults.decide("/v1.0/x").0, Some(Fault::Status(503)));
        assert_eq!(faults.decide("/v1.0/x").0, None);
    }

    #[test]
    fn only_limits_latency_too() {
        let faults = Faults::new(FaultConfig::parse("latency=50ms,only=/v1.0").unwrap(), 1);
        assert_eq!(
            faults.decide("/v1.0/print/printers").1,
            Duration::from_millis(50)
        );
        assert_eq!(
            faults.decide("/organizations/oauth2/v2.0/token").1,
            Duration::ZERO
        );
    }

    #[test]
    fn rates_are_roughly_honoured() {
        let faults = Faults::new(FaultConfig::parse("429=0.5").unwrap(), 7);
        let hits = (0..1000).filter(|_| faults.decide("/").0.is_some()).count();
        assert!((400..600).contains(&hits), "{hits}");
    }
}
