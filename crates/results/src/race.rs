//! `race.json`: `mymem race --json` (schema [`RACE_SCHEMA`]).
//!
//! Any incompatible change bumps the schema string; adding an optional
//! field (`#[serde(default)]`) does not.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{stats, Document, EnvStamp};

pub const RACE_SCHEMA: &str = "mymem-race/1";

impl Document for RaceReport {
    const SCHEMA: &'static str = RACE_SCHEMA;
    fn schema(&self) -> &str {
        &self.schema
    }
}

/// Declares [`Strategy`] from one line per strategy: variant, name (JSON and
/// command line), what it does.
macro_rules! strategies {
    ($($variant:ident => $name:literal, $about:literal;)*) => {
        /// How the increments of `mymem race` are protected.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        pub enum Strategy {
            $(#[doc = $about] #[serde(rename = $name)] $variant,)*
        }

        impl Strategy {
            /// Every strategy, in table order.
            pub const ALL: [Strategy; [$($name),*].len()] = [$(Strategy::$variant),*];

            /// The name in the JSON and on the command line.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Strategy::$variant => $name,)*
                }
            }

            /// One line on what the strategy does (the CLI's help).
            pub fn about(self) -> &'static str {
                match self {
                    $(Strategy::$variant => $about,)*
                }
            }
        }
    };
}

strategies! {
    None => "none", "Nothing: concurrent read-increment-write cycles lose updates";
    UserMutex => "user-mutex", "A std::sync::Mutex in the process around each cycle";
    KernelLock => "kernel-lock", "MYMEM_IOC_LOCK / MYMEM_IOC_UNLOCK around each cycle";
    FetchAdd => "fetch-add", "One MYMEM_IOC_FETCH_ADD per increment instead of the cycle";
    MmapAtomic => "mmap-atomic", "An AtomicU64::fetch_add on the u64 in a MAP_SHARED mapping of the buffer: no system call";
}

impl FromStr for Strategy {
    type Err = String;

    /// The strategy named [`Strategy::as_str`].
    fn from_str(s: &str) -> Result<Self, String> {
        Strategy::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("no race strategy {s:?}"))
    }
}

/// Root of `mymem race --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RaceReport {
    /// Always [`RACE_SCHEMA`].
    pub schema: String,
    pub env: EnvStamp,
    pub config: RaceConfig,
    /// One entry per (workers, strategy, trial), in run order.
    pub trials: Vec<RaceTrial>,
    /// One entry per (workers, strategy), in table order.
    pub summary: Vec<RaceSummary>,
    /// Strategies the device could not run (a driver without the LOCK or FETCH_ADD ioctl, or
    /// without mmap), each with the error of its first failed run; they have no trials.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<crate::Skipped>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RaceConfig {
    pub device: String,
    pub workers: Vec<u32>,
    /// Increments per worker per trial.
    pub iterations: u64,
    pub trials: u32,
    pub strategies: Vec<Strategy>,
    pub sweep: bool,
    pub quick: bool,
    /// What one increment is.
    pub cycle: String,
    /// How wall and CPU time are taken.
    pub timing: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RaceTrial {
    pub workers: u32,
    pub strategy: Strategy,
    /// 0-based trial index within (workers, strategy).
    pub trial: u32,
    /// workers * iterations.
    pub expected: u64,
    /// Counter value read back after all workers finished.
    pub actual: u64,
    /// |actual - expected| / expected * 100.
    pub error_pct: f64,
    /// First worker start to last worker end.
    pub wall_ns: u64,
    /// expected / wall time: attempted increments per second.
    pub incr_per_s: f64,
    /// getrusage(RUSAGE_SELF) user time delta over the trial.
    pub cpu_user_ns: u64,
    /// getrusage(RUSAGE_SELF) system time delta over the trial.
    pub cpu_sys_ns: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RaceSummary {
    pub workers: u32,
    pub strategy: Strategy,
    pub trials: u32,
    pub error_pct_mean: f64,
    /// Sample stddev across trials (0 for one trial).
    pub error_pct_stddev: f64,
    pub error_pct_min: f64,
    pub error_pct_max: f64,
    pub incr_per_s_mean: f64,
    pub wall_s_mean: f64,
    /// Mean user + system CPU seconds per trial.
    pub cpu_s_mean: f64,
}

/// |actual - expected| / expected * 100 (percent), without overflow; 100 when `expected` is 0
/// and `actual` is not.
pub fn error_pct(expected: u64, actual: u64) -> f64 {
    if expected == 0 {
        return if actual == 0 { 0.0 } else { 100.0 };
    }
    actual.abs_diff(expected) as f64 / expected as f64 * 100.0
}

/// One summary per (workers, strategy) with trials, in the order of `workers` then
/// `strategies` (the plan's order); cells without trials are left out.
pub fn summarize(
    workers: &[u32],
    strategies: &[Strategy],
    trials: &[RaceTrial],
) -> Vec<RaceSummary> {
    let mut out = Vec::new();
    for &workers in workers {
        for &strategy in strategies {
            let ts: Vec<&RaceTrial> = trials
                .iter()
                .filter(|t| t.workers == workers && t.strategy == strategy)
                .collect();
            if ts.is_empty() {
                continue;
            }
            let errs: Vec<f64> = ts.iter().map(|t| t.error_pct).collect();
            let col = |f: fn(&RaceTrial) -> f64| {
                stats::mean(&ts.iter().map(|t| f(t)).collect::<Vec<_>>())
            };
            out.push(RaceSummary {
                workers,
                strategy,
                trials: ts.len() as u32,
                error_pct_mean: stats::mean(&errs),
                error_pct_stddev: stats::sample_stddev(&errs),
                error_pct_min: errs.iter().copied().fold(f64::INFINITY, f64::min),
                error_pct_max: errs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                incr_per_s_mean: col(|t| t.incr_per_s),
                wall_s_mean: col(|t| t.wall_ns as f64 / 1e9),
                cpu_s_mean: col(|t| (t.cpu_user_ns + t.cpu_sys_ns) as f64 / 1e9),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::tests::env;

    #[test]
    fn race_round_trip() {
        let report = RaceReport {
            schema: RACE_SCHEMA.into(),
            env: env(),
            config: RaceConfig {
                device: "/dev/mymem".into(),
                workers: vec![1, 2],
                iterations: 10,
                trials: 3,
                strategies: Strategy::ALL.to_vec(),
                sweep: false,
                quick: true,
                cycle: "c".into(),
                timing: "t".into(),
            },
            trials: vec![RaceTrial {
                workers: 2,
                strategy: Strategy::UserMutex,
                trial: 0,
                expected: 20,
                actual: 20,
                error_pct: 0.0,
                wall_ns: 5,
                incr_per_s: 4e9,
                cpu_user_ns: 1,
                cpu_sys_ns: 2,
            }],
            summary: vec![RaceSummary {
                workers: 2,
                strategy: Strategy::KernelLock,
                trials: 3,
                error_pct_mean: 0.0,
                error_pct_stddev: 0.0,
                error_pct_min: 0.0,
                error_pct_max: 0.0,
                incr_per_s_mean: 1.0,
                wall_s_mean: 1.0,
                cpu_s_mean: 1.0,
            }],
            skipped: vec![crate::Skipped {
                target: "mmap-atomic".into(),
                reason: "mmap: ENODEV".into(),
            }],
        };
        let text = serde_json::to_string(&report).unwrap();
        assert!(text.contains(r#""schema":"mymem-race/1""#));
        assert!(text.contains(r#""strategy":"user-mutex""#));
        assert!(text.contains(r#""kernel-lock""#));
        let back: RaceReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
        // Reports written before the field existed still parse.
        let old = text.replace(
            r#","skipped":[{"target":"mmap-atomic","reason":"mmap: ENODEV"}]"#,
            "",
        );
        assert_ne!(old, text);
        let back: RaceReport = serde_json::from_str(&old).unwrap();
        assert!(back.skipped.is_empty());
    }

    #[test]
    fn strategy_names_match_json_and_parse_back() {
        for s in Strategy::ALL {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
            assert_eq!(s.as_str().parse::<Strategy>(), Ok(s));
        }
        assert!("nope".parse::<Strategy>().is_err());
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    #[test]
    fn error_percent() {
        assert_eq!(error_pct(100, 100), 0.0);
        assert_eq!(error_pct(100, 75), 25.0);
        assert_eq!(error_pct(100, 150), 50.0);
        assert_eq!(error_pct(u64::MAX, 0), 100.0);
        assert_eq!(error_pct(0, 0), 0.0);
    }

    fn trial(workers: u32, strategy: Strategy, error_pct: f64) -> RaceTrial {
        RaceTrial {
            workers,
            strategy,
            trial: 0,
            expected: 100,
            actual: 0,
            error_pct,
            wall_ns: 2_000_000_000,
            incr_per_s: 50.0,
            cpu_user_ns: 1_000_000_000,
            cpu_sys_ns: 500_000_000,
        }
    }

    #[test]
    fn summary_groups_and_orders() {
        let trials = [
            trial(1, Strategy::None, 0.0),
            trial(2, Strategy::None, 10.0),
            trial(2, Strategy::None, 20.0),
            trial(2, Strategy::None, 30.0),
            trial(2, Strategy::FetchAdd, 0.0),
        ];
        let s = summarize(&[2, 1], &[Strategy::FetchAdd, Strategy::None], &trials);
        let keys: Vec<_> = s.iter().map(|s| (s.workers, s.strategy)).collect();
        assert_eq!(
            keys,
            [
                (2, Strategy::FetchAdd),
                (2, Strategy::None),
                (1, Strategy::None)
            ]
        );
        let none2 = &s[1];
        assert_eq!(none2.trials, 3);
        assert_eq!(none2.error_pct_mean, 20.0);
        assert_eq!(none2.error_pct_stddev, 10.0);
        assert_eq!((none2.error_pct_min, none2.error_pct_max), (10.0, 30.0));
        assert_eq!(none2.cpu_s_mean, 1.5);
        assert_eq!(none2.wall_s_mean, 2.0);
        assert_eq!(none2.incr_per_s_mean, 50.0);
    }
}
