//! JSON schema of `mymem bench --json` and `mymem race --json`.
//!
//! These types are the contract with report generators: they depend on this
//! crate and deserialize with them. Any incompatible change bumps the
//! `schema` string (`mymem-bench/N`, `mymem-race/N`); adding an optional
//! field does not.

use serde::{Deserialize, Serialize};

pub use crate::stats::Summary;

pub const BENCH_SCHEMA: &str = "mymem-bench/1";
pub const RACE_SCHEMA: &str = "mymem-race/1";

/// Where and with what a report was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvStamp {
    /// `uname -r`.
    pub kernel_release: String,
    /// `uname -v`.
    pub kernel_version: String,
    /// `lab.accel=` from /proc/cmdline (`kvm`, `tcg`), else `unknown`.
    pub accel: String,
    /// First `model name` of /proc/cpuinfo, else `unknown`.
    pub cpu_model: String,
    /// CPUs this process may run on.
    pub vcpus: u32,
    /// `rustc --version` of the compiler that built the tool.
    pub rustc_version: String,
    /// `mymem <version>`.
    pub tool_version: String,
    /// Compiled with optimisations (release profile).
    pub optimized: bool,
    /// Seconds since the Unix epoch when the run started (guest clock).
    pub unix_time_s: u64,
    /// `lab.clock=` from /proc/cmdline: `wall` (guest time follows the host's) or `icount`
    /// (1 ns per executed guest instruction, deterministic); `unknown` outside the lab and in
    /// reports written before the field existed.
    #[serde(default = "unknown")]
    pub clock: String,
}

fn unknown() -> String {
    crate::env_stamp::UNKNOWN.into()
}

/// What a series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesKind {
    /// A mymem device (pwrite/pread).
    Device,
    /// A file on tmpfs (pwrite/pread): the peer baseline.
    Tmpfs,
    /// Userspace copy between two buffers.
    Memcpy,
    /// 1-byte read of /dev/zero or write to /dev/null: syscall floor.
    Syscall,
    /// Two back-to-back clock reads: the overhead inside every sample.
    Clock,
}

/// The timed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    Pwrite,
    Pread,
    Read,
    Write,
    Copy,
    Now,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Pwrite => "pwrite",
            Op::Pread => "pread",
            Op::Read => "read",
            Op::Write => "write",
            Op::Copy => "copy",
            Op::Now => "now",
        }
    }
}

/// Root of `mymem bench --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    /// Always [`BENCH_SCHEMA`].
    pub schema: String,
    pub env: EnvStamp,
    pub config: BenchConfig,
    /// Requested targets that could not be measured.
    pub skipped: Vec<Skipped>,
    pub series: Vec<Series>,
    /// Every non-reference pwrite/pread target against the reference.
    pub comparisons: Vec<Comparison>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchConfig {
    /// Devices as requested, in order; the first measured one is the reference.
    pub devices: Vec<String>,
    /// Label of the reference target of `comparisons`.
    pub reference: Option<String>,
    pub sizes: Vec<u64>,
    /// Counted samples per series (per size for sized series).
    pub trials: u32,
    /// Uncounted samples before them.
    pub warmup: u32,
    /// File offset of every pwrite/pread.
    pub offset: u64,
    /// Seed of the RNG that fills the write buffer.
    pub seed: u64,
    /// tmpfs peer file, if measured.
    pub tmpfs_path: Option<String>,
    /// What one sample is.
    pub timing: String,
    /// How the targets are ordered within and across trials.
    pub schedule: String,
    pub clock: String,
    pub percentile_method: String,
    pub ci_method: String,
    pub comparison_method: String,
    /// Blocks run (`--blocks`, possibly extended by the stop rule); 1 in older reports.
    #[serde(default = "one")]
    pub blocks: u32,
    /// Stop rule target of `--blocks`: relative 95% CI half-width of every device ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_target: Option<f64>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub target: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub kind: SeriesKind,
    /// Short name: `Rust`, `C`, `tmpfs`, `memcpy`, `/dev/zero`, ...
    pub label: String,
    /// Path of the device or file; empty for memcpy and clock.
    pub target: String,
    pub op: Op,
    /// Bytes per operation.
    pub size: u64,
    /// Every counted sample in nanoseconds, in trial order.
    pub samples_ns: Vec<u64>,
    pub stats: Summary,
    /// size / mean, in 10^6 bytes per second.
    pub throughput_mb_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub op: Op,
    pub size: u64,
    /// Label of the reference (A).
    pub reference: String,
    /// Label of the compared target (B).
    pub target: String,
    /// mean_B / mean_A.
    pub ratio: f64,
    /// (mean_B - mean_A) / mean_A.
    pub rel_diff: f64,
    /// 95% CI of `rel_diff`, [low, high].
    pub rel_diff_ci95: [f64; 2],
    /// With blocks: median_B / median_A of every block, in block order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub block_ratios: Vec<f64>,
    /// With two or more blocks: 95% CI (Student t over blocks) of the mean of `block_ratios`.
    /// Verdicts use it when present: it contains the run-to-run spread the sample CI misses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_ratio_ci95: Option<[f64; 2]>,
}

/// How the increments of `mymem race` are protected.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Nothing: concurrent read-increment-write cycles lose updates.
    None,
    /// A std::sync::Mutex in the process around each cycle.
    UserMutex,
    /// MYMEM_IOC_LOCK / MYMEM_IOC_UNLOCK around each cycle.
    KernelLock,
    /// One MYMEM_IOC_FETCH_ADD per increment instead of the cycle.
    FetchAdd,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::None,
        Strategy::UserMutex,
        Strategy::KernelLock,
        Strategy::FetchAdd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::None => "none",
            Strategy::UserMutex => "user-mutex",
            Strategy::KernelLock => "kernel-lock",
            Strategy::FetchAdd => "fetch-add",
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> EnvStamp {
        EnvStamp {
            kernel_release: "7.3.4".into(),
            kernel_version: "#1 SMP PREEMPT".into(),
            accel: "tcg".into(),
            cpu_model: "QEMU Virtual CPU version 2.5+".into(),
            vcpus: 2,
            rustc_version: "rustc 1.96.0".into(),
            tool_version: "mymem 0.1.0".into(),
            optimized: true,
            unix_time_s: 1,
            clock: "icount".into(),
        }
    }

    #[test]
    fn bench_round_trip() {
        let stats = Summary::from_ns(&[1000, 1200, 1100]).unwrap();
        let report = BenchReport {
            schema: BENCH_SCHEMA.into(),
            env: env(),
            config: BenchConfig {
                devices: vec!["/dev/mymem_c".into(), "/dev/mymem".into()],
                reference: Some("C".into()),
                sizes: vec![1, 4096],
                trials: 3,
                warmup: 0,
                offset: 0,
                seed: 42,
                tmpfs_path: Some("/dev/shm/x".into()),
                timing: "t".into(),
                schedule: "s".into(),
                clock: "CLOCK_MONOTONIC".into(),
                percentile_method: "p".into(),
                ci_method: "c".into(),
                comparison_method: "m".into(),
                blocks: 5,
                ci_target: Some(0.02),
            },
            skipped: vec![Skipped {
                target: "/dev/nope".into(),
                reason: "missing".into(),
            }],
            series: vec![Series {
                kind: SeriesKind::Device,
                label: "C".into(),
                target: "/dev/mymem_c".into(),
                op: Op::Pwrite,
                size: 4096,
                samples_ns: vec![1000, 1200, 1100],
                throughput_mb_s: crate::stats::throughput_mb_s(4096, stats.mean_ns),
                stats,
            }],
            comparisons: vec![Comparison {
                op: Op::Pread,
                size: 1,
                reference: "C".into(),
                target: "Rust".into(),
                ratio: 1.1,
                rel_diff: 0.1,
                rel_diff_ci95: [0.05, 0.15],
                block_ratios: vec![1.1, 1.12],
                block_ratio_ci95: Some([0.98, 1.24]),
            }],
        };
        let text = serde_json::to_string(&report).unwrap();
        assert!(text.contains(r#""schema":"mymem-bench/1""#));
        assert!(text.contains(r#""kind":"device""#));
        assert!(text.contains(r#""op":"pwrite""#));
        let back: BenchReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
    }

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
        };
        let text = serde_json::to_string(&report).unwrap();
        assert!(text.contains(r#""schema":"mymem-race/1""#));
        assert!(text.contains(r#""strategy":"user-mutex""#));
        assert!(text.contains(r#""kernel-lock""#));
        let back: RaceReport = serde_json::from_str(&text).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn env_without_clock_reads_as_unknown() {
        let mut value = serde_json::to_value(env()).unwrap();
        value.as_object_mut().unwrap().remove("clock");
        let back: EnvStamp = serde_json::from_value(value).unwrap();
        assert_eq!(back.clock, "unknown");
    }

    #[test]
    fn summary_without_ci_round_trips_as_null() {
        let s = Summary::from_ns(&[3]).unwrap();
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains(r#""ci95_ns":null"#));
        assert_eq!(serde_json::from_str::<Summary>(&text).unwrap(), s);
    }

    #[test]
    fn strategy_names_match_cli_and_json() {
        use clap::ValueEnum;
        for s in Strategy::ALL {
            let cli = s.to_possible_value().unwrap();
            assert_eq!(cli.get_name(), s.as_str());
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }
}
