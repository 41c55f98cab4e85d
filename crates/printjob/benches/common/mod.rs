//! Shared by the bench binaries: timing statistics, their printing, peak RSS, name filters.
//!
//! The benches are plain `harness = false` binaries (no criterion: too heavy for a small
//! machine). Each measurement is repeated, and the median, 90th percentile, minimum and maximum
//! are printed, so a noisy neighbour shows up as a wide spread rather than a wrong number.

// Each bench binary uses a different part of this module.
#![allow(dead_code)]

use std::time::Duration;

/// The error type of the bench binaries: any error, reported with its message.
pub type BenchError = Box<dyn std::error::Error + Send + Sync>;

/// Summary statistics of repeated timings.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Number of samples.
    pub n: usize,
    /// The median (nearest rank).
    pub median: Duration,
    /// The 90th percentile (nearest rank).
    pub p90: Duration,
    /// The fastest sample.
    pub min: Duration,
    /// The slowest sample.
    pub max: Duration,
}

impl Stats {
    /// Summarises `samples`; `None` when there are none.
    pub fn of(samples: &[Duration]) -> Option<Self> {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        Some(Self {
            n: sorted.len(),
            median: nearest_rank(&sorted, 50)?,
            p90: nearest_rank(&sorted, 90)?,
            min: *sorted.first()?,
            max: *sorted.last()?,
        })
    }
}

/// The nearest-rank percentile of sorted samples.
fn nearest_rank(sorted: &[Duration], percent: usize) -> Option<Duration> {
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Prints one line of timing statistics in milliseconds, and returns the statistics.
pub fn report(name: &str, samples: &[Duration]) -> Result<Stats, BenchError> {
    let stats = Stats::of(samples).ok_or_else(|| format!("{name}: no samples"))?;
    println!(
        "{name:<34} n={:<4} median {:>9} ms  p90 {:>9} ms  min {:>9} ms  max {:>9} ms",
        stats.n,
        ms(stats.median),
        ms(stats.p90),
        ms(stats.min),
        ms(stats.max)
    );
    Ok(stats)
}

/// Microseconds with two decimals.
pub fn us(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e6)
}

/// Prints one line of timing statistics in microseconds (for sub-millisecond operations), and
/// returns the statistics.
pub fn report_us(name: &str, samples: &[Duration]) -> Result<Stats, BenchError> {
    let stats = Stats::of(samples).ok_or_else(|| format!("{name}: no samples"))?;
    println!(
        "{name:<34} n={:<4} median {:>9} µs  p90 {:>9} µs  min {:>9} µs  max {:>9} µs",
        stats.n,
        us(stats.median),
        us(stats.p90),
        us(stats.min),
        us(stats.max)
    );
    Ok(stats)
}

/// Prints one derived figure (`name  value unit`).
pub fn figure(name: &str, value: impl std::fmt::Display, unit: &str) {
    let line = format!("{name:<34} {value} {unit}");
    println!("{}", line.trim_end());
}

/// Which benches to run: the command line's non-flag arguments are substrings of bench
/// names (`cargo bench --bench workflow -- listing`); none means all.
pub struct Filter(Vec<String>);

impl Filter {
    /// Reads the filter from the command line (cargo passes `--bench`, which is ignored).
    pub fn from_args() -> Self {
        Self(
            std::env::args()
                .skip(1)
                .filter(|a| !a.starts_with("--"))
                .collect(),
        )
    }

    /// Whether the bench called `name` is selected.
    pub fn wants(&self, name: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|f| name.contains(f.as_str()))
    }
}

/// A line of `/proc/self/status` in KiB (`VmHWM` = peak resident set, `VmRSS` = current);
/// `None` where there is no procfs (not Linux).
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}
