//! `bench.json`: `mymem bench --json` (schema [`BENCH_SCHEMA`]).
//!
//! Any incompatible change bumps the schema string; adding an optional
//! field (`#[serde(default)]`) does not.

use serde::{Deserialize, Serialize};

use crate::{stats, Document, EnvStamp, Summary};

pub const BENCH_SCHEMA: &str = "mymem-bench/1";

impl Document for BenchReport {
    const SCHEMA: &'static str = BENCH_SCHEMA;
    fn schema(&self) -> &str {
        &self.schema
    }
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
    /// Shell command run between blocks with the devices closed (`--between-blocks`; the lab
    /// reloads the modules there), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between_blocks: Option<String>,
    /// Seconds the blocks took in all (the stop rule's clock), when blocks were run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks_s: Option<f64>,
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

impl Comparison {
    /// The wall-clock ratio B/A that goes with [`crate::Verdict::wall`]: the mean over blocks of
    /// the ratio of medians when the run has blocks (a CI over them), else the ratio of means.
    pub fn wall_ratio(&self) -> f64 {
        match self.block_ratio_ci95 {
            Some(_) => crate::stats::mean(&self.block_ratios),
            None => self.ratio,
        }
    }
}

impl Series {
    /// A series of `samples_ns` (ns, at least one) with its summary and throughput.
    ///
    /// # Panics
    /// If `samples_ns` is empty.
    pub fn from_samples(
        kind: SeriesKind,
        label: &str,
        target: &str,
        op: Op,
        size: u64,
        samples_ns: Vec<u64>,
    ) -> Self {
        let stats = Summary::from_ns(&samples_ns).expect("at least one sample");
        Series {
            kind,
            label: label.into(),
            target: target.into(),
            op,
            size,
            throughput_mb_s: stats::throughput_mb_s(size, stats.mean_ns),
            samples_ns,
            stats,
        }
    }

    /// A pwrite/pread series of a device or tmpfs (what [`compare`] pairs).
    pub fn is_transfer(&self) -> bool {
        matches!(self.kind, SeriesKind::Device | SeriesKind::Tmpfs)
    }
}

/// Every other pwrite/pread target against the `reference` label, per size and op, in series
/// order: B/A of the means with the 95 % CI of [`stats::rel_diff`]; no blocks
/// (`block_ratios` empty). Pairs whose means are not positive are left out.
pub fn compare(series: &[Series], reference: &str) -> Vec<Comparison> {
    let mut out = Vec::new();
    for a in series
        .iter()
        .filter(|s| s.is_transfer() && s.label == reference)
    {
        for b in series
            .iter()
            .filter(|s| s.is_transfer() && s.label != reference)
            .filter(|s| s.op == a.op && s.size == a.size)
        {
            if let Some(d) = stats::rel_diff(&a.stats, &b.stats) {
                out.push(Comparison {
                    op: a.op,
                    size: a.size,
                    reference: a.label.clone(),
                    target: b.label.clone(),
                    ratio: d.ratio,
                    rel_diff: d.rel_diff,
                    rel_diff_ci95: d.ci95,
                    block_ratios: Vec::new(),
                    block_ratio_ci95: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::tests::env;

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
                between_blocks: Some("true".into()),
                blocks_s: Some(1.5),
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
    fn summary_without_ci_round_trips_as_null() {
        let s = Summary::from_ns(&[3]).unwrap();
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains(r#""ci95_ns":null"#));
        assert_eq!(serde_json::from_str::<Summary>(&text).unwrap(), s);
    }
    #[test]
    fn compares_against_reference() {
        let s = |label: &str, kind, op, size, v: u64| {
            Series::from_samples(kind, label, "", op, size, vec![v, v + 2, v + 4])
        };
        let series = vec![
            s("C", SeriesKind::Device, Op::Pwrite, 1, 100),
            s("Rust", SeriesKind::Device, Op::Pwrite, 1, 110),
            s("tmpfs", SeriesKind::Tmpfs, Op::Pwrite, 1, 50),
            s("C", SeriesKind::Device, Op::Pread, 1, 200),
            s("Rust", SeriesKind::Device, Op::Pread, 1, 200),
            s("memcpy", SeriesKind::Memcpy, Op::Copy, 1, 5),
        ];
        let c = compare(&series, "C");
        let keys: Vec<_> = c.iter().map(|c| (c.target.as_str(), c.op)).collect();
        assert_eq!(
            keys,
            [
                ("Rust", Op::Pwrite),
                ("tmpfs", Op::Pwrite),
                ("Rust", Op::Pread)
            ]
        );
        assert!((c[0].rel_diff - 10.0 / 102.0).abs() < 1e-12);
        assert!(c[0].rel_diff_ci95[0] < c[0].rel_diff && c[0].rel_diff < c[0].rel_diff_ci95[1]);
        assert_eq!(c[2].rel_diff, 0.0);
    }
}
