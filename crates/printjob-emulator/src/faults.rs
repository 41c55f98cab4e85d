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
/// `429=0.1,503=0.05,drop=0.02,latency=200ms,retry-after=1,only=graph`; `retry-after` also takes
/// a fraction (`2.128`, as Graph's throttling sample) or several values separated by `;`
/// (`1;3;2.128`), given to the faulted answers in turn.
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
    /// The `Retry-After` value (seconds) sent with 429 and 503 (unless `retry_after_values`).
    pub retry_after_secs: u64,
    /// `Retry-After` values (delta seconds, a fraction allowed: `"2.128"`) given to the
    /// faulted 429 and 503 answers in turn, cycling; `retry_after_secs` when empty.
    pub retry_after_values: Vec<String>,
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
                "retry-after" => match value.parse() {
                    Ok(secs) => config.retry_after_secs = secs,
                    Err(_) => config.retry_after_values = retry_after_values(value)?,
                },
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

/// `1;3;2.128`: delta seconds, each whole or with a fraction.
fn retry_after_values(value: &str) -> Result<Vec<String>, String> {
    let seconds = |v: &str| {
        let mut parts = v.splitn(2, '.');
        let digits = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        let whole = parts.next();
        digits(whole) && parts.next().is_none_or(|f| digits(Some(f)))
    };
    let values: Vec<String> = value.split(';').map(str::trim).map(str::to_owned).collect();
    if values.iter().all(|v| seconds(v)) {
        Ok(values)
    } else {
        Err(format!(
            "retry-after {value:?} must be seconds (whole or with a fraction, e.g. 2.128), \
             several separated by ';'"
        ))
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

/// The live fault settings, a seeded RNG (deterministic runs for a given seed) and the turn of
/// the next `Retry-After` value.
#[derive(Debug)]
pub struct Faults {
    inner: Mutex<Live>,
}

#[derive(Debug)]
struct Live {
    config: FaultConfig,
    rng: StdRng,
    /// Index of the next of `config.retry_after_values`.
    turn: usize,
}

impl Live {
    /// The `Retry-After` of the next faulted answer (the next value in turn, if there are any).
    fn retry_after(&mut self, fault: Option<Fault>) -> String {
        let values = &self.config.retry_after_values;
        match fault {
            Some(Fault::Status(_)) if !values.is_empty() => {
                let value = values[self.turn % values.len()].clone();
                self.turn = self.turn.wrapping_add(1);
                value
            }
            _ => self.config.retry_after_secs.to_string(),
        }
    }
}

impl Faults {
    /// Faults with a fixed RNG seed.
    pub fn new(config: FaultConfig, rng_seed: u64) -> Self {
        Self {
            inner: Mutex::new(Live {
                config,
                rng: StdRng::seed_from_u64(rng_seed),
                turn: 0,
            }),
        }
    }

    /// The current settings.
    pub fn config(&self) -> FaultConfig {
        self.lock().config.clone()
    }

    /// Replaces the settings (the `Retry-After` values start again from the first).
    pub fn set(&self, config: FaultConfig) {
        let mut live = self.lock();
        live.config = config;
        live.turn = 0;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Live> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Decides the fault (if any) for a request to `path`, the latency to add, and the
    /// `Retry-After` value a faulted 429 or 503 carries.
    pub fn decide(&self, path: &str) -> (Option<Fault>, Duration, String) {
        let mut live = self.lock();
        let (fault, latency) = Self::roll(&mut live, path);
        let retry_after = live.retry_after(fault);
        (fault, latency, retry_after)
    }

    fn roll(live: &mut Live, path: &str) -> (Option<Fault>, Duration) {
        let Live { config, rng, .. } = live;
        let latency = Duration::from_millis(config.latency_ms);
        if !config.only.is_empty() && !path.starts_with(&config.only) {
            // `only=PATH` limits every fault kind, added latency included.
            return (None, Duration::ZERO);
        }
        if config.next > 0 {
            config.next -= 1;
            let fault = match config.force {
                0 => Fault::Drop,
                s => Fault::Status(s),
            };
            return (Some(fault), latency);
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
        (fault, latency)
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
    fn retry_after_takes_fractions_and_several_values() {
        let c = FaultConfig::parse("429=0.3,retry-after=2.128").unwrap();
        assert_eq!(c.retry_after_values, ["2.128"]);
        let c = FaultConfig::parse("retry-after=1;3;0.5").unwrap();
        assert_eq!(c.retry_after_values, ["1", "3", "0.5"]);
        for bad in [
            "retry-after=soon",
            "retry-after=1;",
            "retry-after=-1",
            "retry-after=1.5.2",
        ] {
            assert!(FaultConfig::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn retry_after_values_go_to_the_faulted_answers_in_turn() {
        let faults = Faults::new(
            FaultConfig {
                next: 3,
                force: 429,
                retry_after_values: vec!["1".into(), "2.5".into()],
                ..Default::default()
            },
            1,
        );
        let after = |f: &Faults| f.decide("/v1.0/x").2;
        assert_eq!(
            [after(&faults), after(&faults), after(&faults)],
            ["1", "2.5", "1"]
        );
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
