//! Writes the small, realistic run directory the tests render
//! (tests/fixtures/run). Deterministic: rerunning it rewrites the same files. The committed
//! fixture is older than some optional fields (and than this generator): rewriting it changes
//! the golden report's numbers, so regenerate both together and review the diff.
//!
//! cargo run -p report --example make_fixture -- crates/report/tests/fixtures/run

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng};
use results::layout;
use results::stats;
use results::*;
use results::{KernelBenchRow, KernelBuffers, KernelParams, KernelRaceRow, KernelReport, RunInfo};

const SIZES: [u64; 5] = [1, 64, 1024, 65536, 524288];
const TRIALS: usize = 20;

/// Deterministic noise: a seeded generator.
struct Rng(SmallRng);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(SmallRng::seed_from_u64(seed))
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        self.0.random()
    }

    /// `n` samples around `mean` (±5 %), one slow outlier in 20.
    fn samples(&mut self, mean: f64, n: usize) -> Vec<u64> {
        (0..n)
            .map(|_| {
                let mut v = mean * (0.95 + 0.1 * self.unit());
                if self.unit() < 0.05 {
                    v *= 1.6;
                }
                v.round() as u64
            })
            .collect()
    }
}

fn env() -> EnvStamp {
    EnvStamp {
        kernel_release: "7.3.4".into(),
        kernel_version: "#1 SMP PREEMPT Fri Nov 27 00:41:07 UTC 2026".into(),
        accel: "tcg".into(),
        cpu_model: "QEMU Virtual CPU version 2.5+".into(),
        vcpus: 2,
        rustc_version: "rustc 1.96.0 (a1b2c3d4e 2026-10-29)".into(),
        tool_version: "mymem 0.1.0".into(),
        optimized: true,
        unix_time_s: 1_795_741_323,
        clock: "wall".into(),
    }
}

/// Fixed cost + per-byte cost, in ns (TCG-like magnitudes).
fn model(fixed: f64, per_byte: f64, size: u64) -> f64 {
    fixed + per_byte * size as f64
}

fn bench(rng: &mut Rng) -> BenchReport {
    let mut all = vec![
        Series::from_samples(
            SeriesKind::Syscall,
            "/dev/zero",
            "/dev/zero",
            Op::Read,
            1,
            rng.samples(2400.0, TRIALS),
        ),
        Series::from_samples(
            SeriesKind::Syscall,
            "/dev/null",
            "/dev/null",
            Op::Write,
            1,
            rng.samples(2300.0, TRIALS),
        ),
        Series::from_samples(
            SeriesKind::Clock,
            "clock",
            "",
            Op::Now,
            0,
            rng.samples(60.0, TRIALS),
        ),
    ];
    let targets = [
        (
            SeriesKind::Device,
            "C",
            "/dev/mymem_c",
            (3000.0, 0.45),
            (2900.0, 0.40),
        ),
        (
            SeriesKind::Device,
            "Rust",
            "/dev/mymem",
            (3250.0, 0.46),
            (2950.0, 0.40),
        ),
        (
            SeriesKind::Tmpfs,
            "tmpfs",
            "/dev/shm/mymem-bench.77",
            (3800.0, 0.60),
            (3100.0, 0.38),
        ),
    ];
    for size in SIZES {
        for (kind, label, path, w, r) in targets {
            for (op, (fixed, per_byte)) in [(Op::Pwrite, w), (Op::Pread, r)] {
                let s = rng.samples(model(fixed, per_byte, size), TRIALS);
                all.push(Series::from_samples(kind, label, path, op, size, s));
            }
        }
        let s = rng.samples(model(40.0, 0.35, size), TRIALS);
        all.push(Series::from_samples(
            SeriesKind::Memcpy,
            "memcpy",
            "",
            Op::Copy,
            size,
            s,
        ));
    }
    BenchReport {
        schema: BENCH_SCHEMA.into(),
        env: env(),
        config: BenchConfig {
            devices: vec!["/dev/mymem_c".into(), "/dev/mymem".into()],
            reference: Some("C".into()),
            sizes: SIZES.to_vec(),
            trials: TRIALS as u32,
            warmup: 3,
            offset: 0,
            seed: 0x6d79_6d65_6d00,
            tmpfs_path: Some("/dev/shm/mymem-bench.77".into()),
            timing: "One sample = one pwrite(2) or pread(2) of the whole size at offset 0, \
                     timed with CLOCK_MONOTONIC."
                .into(),
            schedule: "per size: warmup, then counted trials, targets rotated.".into(),
            clock: "CLOCK_MONOTONIC via std::time::Instant, nanoseconds".into(),
            percentile_method: stats::PERCENTILE_METHOD.into(),
            ci_method: stats::CI_METHOD.into(),
            comparison_method: stats::COMPARISON_METHOD.into(),
            blocks: 1,
            ci_target: None,
            between_blocks: None,
            blocks_s: None,
        },
        skipped: Vec::new(),
        comparisons: bench::compare(&all, "C"),
        series: all,
    }
}

/// The wall bench as `lab run` runs it: 6 blocks, modules reloaded between them; each
/// comparison's block ratios spread ±4 % around its ratio (their own RNG, so the samples
/// above stay as they were).
fn with_blocks(mut report: BenchReport) -> BenchReport {
    const BLOCKS: usize = 6;
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    report.config.blocks = BLOCKS as u32;
    report.config.ci_target = Some(0.02);
    report.config.between_blocks = Some(
        "rmmod mymem_c && rmmod mymem && insmod /lab/modules/mymem.ko && insmod \
         /lab/modules/mymem_c.ko"
            .into(),
    );
    report.config.blocks_s = Some(118.4);
    for c in &mut report.comparisons {
        // Small sizes spread less than 512 KiB, as measured (docs/measurement.md).
        let spread = if c.size >= 65536 { 0.08 } else { 0.02 };
        let ratios: Vec<f64> = (0..BLOCKS)
            .map(|_| c.ratio * (1.0 + spread * (rng.unit() - 0.5)))
            .collect();
        c.block_ratio_ci95 =
            stats::mean_ci95(stats::mean(&ratios), stats::sample_stddev(&ratios), BLOCKS);
        c.block_ratios = ratios;
    }
    report
}

/// In-kernel rounds 2 and 3, in round 1's buffers: round 2 within 2 % of round 1, round 3 with
/// the 512 KiB read 14 % slower (the host's drift), as seen in real boots.
fn kernel_rounds(first: &KernelReport) -> Vec<(u32, KernelReport)> {
    [(2, 1.02, 1.0), (3, 0.99, 1.14)]
        .into_iter()
        .map(|(n, all, read_512k)| {
            let mut k = first.clone();
            k.experiment = Some("bench".into());
            k.race.clear();
            if let Some(b) = &mut k.buffers {
                b.reused = true;
            }
            for r in &mut k.bench {
                let f = if r.op == "read" && r.size == 524288 {
                    read_512k
                } else {
                    all
                };
                for v in [
                    &mut r.mean_ns,
                    &mut r.median_ns,
                    &mut r.min_ns,
                    &mut r.max_ns,
                    &mut r.p99_ns,
                ] {
                    *v = (*v as f64 * f).round() as u64;
                }
            }
            (n, k)
        })
        .collect()
}

/// Instruction counts per call: fixed part + `rep movsq` (1 per 8 bytes) for user space.
fn icount_user(fixed: f64, size: u64) -> f64 {
    fixed + (size / 8) as f64
}

/// The icount boot's bench: every sample the same count but one (a timer interrupt).
fn icount_bench() -> BenchReport {
    const N: usize = 11;
    let samples = |v: f64| {
        let mut s = vec![v.round() as u64; N];
        s[N / 2] += 4000;
        s
    };
    let mut all = vec![
        Series::from_samples(
            SeriesKind::Syscall,
            "/dev/zero",
            "/dev/zero",
            Op::Read,
            1,
            samples(402.0),
        ),
        Series::from_samples(
            SeriesKind::Syscall,
            "/dev/null",
            "/dev/null",
            Op::Write,
            1,
            samples(398.0),
        ),
        Series::from_samples(SeriesKind::Clock, "clock", "", Op::Now, 0, samples(61.0)),
    ];
    for size in SIZES {
        for (kind, label, path, w, r) in [
            (SeriesKind::Device, "C", "/dev/mymem_c", 580.0, 557.0),
            (SeriesKind::Device, "Rust", "/dev/mymem", 609.0, 589.0),
            (
                SeriesKind::Tmpfs,
                "tmpfs",
                "/dev/shm/mymem-bench.78",
                930.0,
                880.0,
            ),
        ] {
            all.push(Series::from_samples(
                kind,
                label,
                path,
                Op::Pwrite,
                size,
                samples(icount_user(w, size)),
            ));
            all.push(Series::from_samples(
                kind,
                label,
                path,
                Op::Pread,
                size,
                samples(icount_user(r, size)),
            ));
        }
        all.push(Series::from_samples(
            SeriesKind::Memcpy,
            "memcpy",
            "",
            Op::Copy,
            size,
            samples(40.0 + (size / 8) as f64),
        ));
    }
    let mut env = env();
    env.clock = "icount".into();
    BenchReport {
        schema: BENCH_SCHEMA.into(),
        env,
        config: BenchConfig {
            devices: vec!["/dev/mymem_c".into(), "/dev/mymem".into()],
            reference: Some("C".into()),
            sizes: SIZES.to_vec(),
            trials: N as u32,
            warmup: 10,
            offset: 0,
            seed: 0x6d79_6d65_6d00,
            tmpfs_path: Some("/dev/shm/mymem-bench.78".into()),
            timing: "One sample = one pwrite(2) or pread(2) of the whole size at offset 0, \
                     timed with CLOCK_MONOTONIC."
                .into(),
            schedule: "per size: warmup, then counted trials, targets rotated.".into(),
            clock: "CLOCK_MONOTONIC via std::time::Instant, nanoseconds".into(),
            percentile_method: stats::PERCENTILE_METHOD.into(),
            ci_method: stats::CI_METHOD.into(),
            comparison_method: stats::COMPARISON_METHOD.into(),
            blocks: 1,
            ci_target: None,
            between_blocks: None,
            blocks_s: None,
        },
        skipped: Vec::new(),
        comparisons: bench::compare(&all, "C"),
        series: all,
    }
}

/// The icount boot's in-kernel bench: `memcpy_orig`, 12 instructions per 32 bytes.
fn icount_kernel() -> KernelReport {
    let mut bench = Vec::new();
    for size in SIZES {
        for (op, fixed) in [("write", 180.0), ("read", 170.0)] {
            let v = (fixed + (size / 32 * 12) as f64) as u64;
            bench.push(kernel_row(size, op, vec![v; 11]));
        }
    }
    KernelReport {
        schema: results::KERNEL_SCHEMA.into(),
        status: "complete".into(),
        errno: None,
        experiment: Some("bench".into()),
        params: KernelParams {
            workers: 4,
            iterations: 100_000,
            trials: 11,
            gate: true,
            mem: Some("vmalloc".into()),
            skew: Some(0),
            device_size: 524288,
            sizes: SIZES.to_vec(),
        },
        buffers: Some(KernelBuffers {
            src: 0x1c000,
            dst: 0x39d000,
            modulo: 4 << 20,
            reused: false,
        }),
        bench,
        race: Vec::new(),
    }
}

/// The race plan of the fixture (the tool's `RacePlan`, without its command line).
struct Plan {
    workers: Vec<u32>,
    iterations: u64,
    trials: u32,
    strategies: Vec<Strategy>,
}

fn race(rng: &mut Rng) -> RaceReport {
    let plan = Plan {
        workers: vec![1, 2, 4, 10, 50],
        iterations: 20_000,
        trials: 3,
        strategies: Strategy::ALL.to_vec(),
    };
    let mut trials = Vec::new();
    for &w in &plan.workers {
        for &strategy in &plan.strategies {
            // Loss fraction of `none` and increments/s per strategy.
            let loss = match w {
                1 => 0.0,
                2 => 0.04,
                4 => 0.22,
                10 => 0.47,
                _ => 0.71,
            };
            let rate = match strategy {
                Strategy::None => 150_000.0,
                Strategy::UserMutex => 90_000.0,
                Strategy::KernelLock => 61_000.0,
                Strategy::FetchAdd => 380_000.0,
                Strategy::MmapAtomic => 9_000_000.0,
            };
            for trial in 0..plan.trials {
                let expected = u64::from(w) * plan.iterations;
                let lost = if strategy == Strategy::None {
                    (expected as f64 * loss * (0.9 + 0.2 * rng.unit())).round() as u64
                } else {
                    0
                };
                let actual = expected - lost;
                let wall_ns = (expected as f64 / (rate * (0.95 + 0.1 * rng.unit())) * 1e9) as u64;
                let busy = f64::from(w.min(2))
                    * if strategy == Strategy::UserMutex {
                        0.7
                    } else {
                        0.95
                    };
                let cpu = wall_ns as f64 * busy;
                trials.push(RaceTrial {
                    workers: w,
                    strategy,
                    trial,
                    expected,
                    actual,
                    error_pct: race::error_pct(expected, actual),
                    wall_ns,
                    incr_per_s: expected as f64 / (wall_ns as f64 / 1e9),
                    cpu_user_ns: (cpu * 0.3) as u64,
                    cpu_sys_ns: (cpu * 0.7) as u64,
                });
            }
        }
    }
    RaceReport {
        schema: RACE_SCHEMA.into(),
        env: env(),
        config: RaceConfig {
            device: "/dev/mymem".into(),
            workers: plan.workers.clone(),
            iterations: plan.iterations,
            trials: plan.trials,
            strategies: plan.strategies.clone(),
            sweep: false,
            quick: false,
            cycle: "none/user-mutex/kernel-lock: lseek(0) + read(8) + lseek(0) + write(8) of the \
                    u64 at offset 0, value + 1; fetch-add: one MYMEM_IOC_FETCH_ADD."
                .into(),
            timing: "wall: CLOCK_MONOTONIC, first worker start to last worker end; cpu: \
                     getrusage(RUSAGE_SELF) user + system."
                .into(),
        },
        summary: race::summarize(&plan.workers, &plan.strategies, &trials),
        trials,
        skipped: Vec::new(),
    }
}

/// The kernel's integer summary (kernel/mymem_test/stats.rs).
fn kernel_row(size: u64, op: &str, mut s: Vec<u64>) -> KernelBenchRow {
    s.sort_unstable();
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2]
    } else {
        let (a, b) = (s[n / 2 - 1], s[n / 2]);
        a / 2 + b / 2 + (a % 2 + b % 2) / 2
    };
    KernelBenchRow {
        size,
        op: op.into(),
        n: n as u64,
        mean_ns: s.iter().sum::<u64>() / n as u64,
        median_ns: median,
        min_ns: s[0],
        max_ns: s[n - 1],
        p99_ns: s[(n * 99).div_ceil(100) - 1],
        errors: 0,
    }
}

fn kernel(rng: &mut Rng) -> KernelReport {
    let mut bench = Vec::new();
    for size in SIZES {
        bench.push(kernel_row(
            size,
            "write",
            rng.samples(model(420.0, 0.40, size), TRIALS),
        ));
        bench.push(kernel_row(
            size,
            "read",
            rng.samples(model(380.0, 0.36, size), TRIALS),
        ));
    }
    let race_row = |strategy: &str, actual: u64, duration_ns: u64| {
        let expected = 400_000u64;
        let lost = expected - actual;
        // The kernel truncates to three decimals.
        let milli = lost * 100_000 / expected;
        KernelRaceRow {
            strategy: strategy.into(),
            workers: 4,
            iterations: 100_000,
            expected,
            actual,
            percent_error: (milli as f64) / 1000.0,
            duration_ns,
            max_concurrent: 4,
            api_errors: 0,
        }
    };
    KernelReport {
        schema: results::KERNEL_SCHEMA.into(),
        status: "complete".into(),
        errno: None,
        experiment: Some("all".into()),
        params: KernelParams {
            workers: 4,
            iterations: 100_000,
            trials: TRIALS as u32,
            gate: true,
            mem: Some("vmalloc".into()),
            skew: Some(0),
            device_size: 524_288,
            sizes: SIZES.to_vec(),
        },
        buffers: Some(KernelBuffers {
            src: 0xa9000,
            dst: 0x2b8000,
            modulo: 4 << 20,
            reused: false,
        }),
        bench,
        race: vec![
            race_row("none", 291_234, 412_000_000),
            race_row("lock", 400_000, 655_000_000),
            race_row("fetch-add", 400_000, 298_000_000),
        ],
    }
}

const HELLO: &str = "\
[    2.412345] hello: Hello, kernel! (greeting 1 of 3)
[    2.412398] hello: Hello, kernel! (greeting 2 of 3)
[    2.412421] hello: Hello, kernel! (greeting 3 of 3)
[    2.431007] hello: Goodbye, kernel! (greeted 3 times)
";

fn main() -> Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).context("usage: make_fixture DIR")?);
    let out = layout::scenario_results(&layout::scenario_dir(&dir, layout::MEASURE_SCENARIO));
    fs::create_dir_all(&out)?;
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let run = RunInfo {
        schema: results::RUN_SCHEMA.into(),
        date: "2026-11-27T01:02:03Z".into(),
        git_rev: "abc1234".into(),
        accel: "tcg".into(),
        accel_reason: "/dev/kvm is not available on this host".into(),
        clock: "wall+icount".into(),
        kernel_release: "7.3.4".into(),
        kernel_source: "linux-source-7.3 7.3.4-1~bpo13+1".into(),
        kernel_key: "7.3.4-lab-5d41402abc4b".into(),
        config_sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        profile: "lab".into(),
        rustc: "rustc 1.96.0 (a1b2c3d4e 2026-10-29)".into(),
        bindgen: "bindgen 0.73.2".into(),
        cc: "gcc (Debian 12.2.0-14) 12.2.0".into(),
        modules: Vec::new(),
    };
    fs::write(
        dir.join(layout::RUN_JSON),
        serde_json::to_string_pretty(&run)? + "\n",
    )?;
    fs::write(out.join(layout::HELLO_TXT), HELLO)?;
    let json = |v: String| v + "\n";
    fs::write(
        out.join(layout::BENCH_JSON),
        json(serde_json::to_string(&with_blocks(bench(&mut rng)))?),
    )?;
    fs::write(
        out.join(layout::RACE_JSON),
        json(serde_json::to_string(&race(&mut rng))?),
    )?;
    let kernel_report = kernel(&mut rng);
    fs::write(
        out.join(layout::KERNEL_JSON),
        json(serde_json::to_string(&kernel_report)?),
    )?;
    fs::write(
        out.join(layout::MISUSE_JSON),
        json(serde_json::to_string(&misuse(false))?),
    )?;
    fs::write(
        out.join(layout::MISUSE_EXCLUSIVE_JSON),
        json(serde_json::to_string(&misuse(true))?),
    )?;
    fs::write(
        out.join(layout::MATRIX_JSON),
        json(serde_json::to_string(&matrix(&mut rng))?),
    )?;
    for (n, round) in kernel_rounds(&kernel_report) {
        fs::write(
            out.join(layout::kernel_round(n)),
            json(serde_json::to_string(&round)?),
        )?;
    }
    let icount = layout::scenario_results(&layout::scenario_dir(&dir, layout::ICOUNT_SCENARIO));
    fs::create_dir_all(&icount)?;
    fs::write(
        icount.join(layout::BENCH_JSON),
        json(serde_json::to_string(&icount_bench())?),
    )?;
    fs::write(
        icount.join(layout::KERNEL_JSON),
        json(serde_json::to_string(&icount_kernel())?),
    )?;
    // The icount rounds repeat the instructions; one median moves by 1 ns, as seen.
    for n in 2..=layout::KERNEL_ROUNDS {
        let mut k = icount_kernel();
        k.bench[0].median_ns += u64::from(n == 3);
        if let Some(b) = &mut k.buffers {
            b.reused = true;
        }
        fs::write(
            icount.join(layout::kernel_round(n)),
            json(serde_json::to_string(&k)?),
        )?;
    }
    let cf = dir.join(layout::COMPILE_FAIL_DIR);
    fs::create_dir_all(&cf)?;
    let report = compile_fail();
    for e in &report.programs {
        fs::write(cf.join(format!("{}.stderr", e.name)), &e.message)?;
    }
    fs::write(
        cf.join(layout::COMPILE_FAIL_JSON),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    Ok(())
}

/// What `mymem misuse` printed in a real run (both drivers identical).
fn misuse(exclusive: bool) -> MisuseReport {
    const SIZE: u64 = 524288;
    let p = |name: &str, call: &str, expected: &str, got: &str| Probe {
        name: name.into(),
        call: call.into(),
        expected: expected.into(),
        got: got.into(),
    };
    let probes = if exclusive {
        vec![
            p(
                "exclusive-second-open",
                "open() while another open file exists (exclusive=1)",
                "EBUSY",
                "EBUSY",
            ),
            p(
                "exclusive-dup",
                "dup() of the open fd (same open file)",
                "returned 0",
                "returned 0",
            ),
            p(
                "exclusive-reopen",
                "open() after the first open file was closed",
                "returned 0",
                "returned 0",
            ),
        ]
    } else {
        vec![
            p(
                "pread-straddling-end",
                "pread(8 bytes at size - 4)",
                "returned 4",
                "returned 4",
            ),
            p(
                "pread-at-end",
                "pread(8 bytes at size)",
                "returned 0",
                "returned 0",
            ),
            p(
                "pread-past-end",
                "pread(8 bytes at size + 1)",
                "EINVAL",
                "EINVAL",
            ),
            p(
                "pwrite-at-end",
                "pwrite(8 bytes at size)",
                "ENOSPC",
                "ENOSPC",
            ),
            p(
                "pwrite-past-end",
                "pwrite(8 bytes at size + 1)",
                "EINVAL",
                "EINVAL",
            ),
            p(
                "lseek-past-end",
                "lseek(size + 1, SEEK_SET)",
                "EINVAL",
                "EINVAL",
            ),
            p("lseek-negative", "lseek(-1, SEEK_SET)", "EINVAL", "EINVAL"),
            p(
                "fetch-add-past-end",
                "MYMEM_IOC_FETCH_ADD at offset size",
                "EINVAL",
                "EINVAL",
            ),
            p(
                "read-null-buffer",
                "pread(NULL, 8 bytes at 0)",
                "EFAULT",
                "EFAULT",
            ),
            p(
                "second-open",
                "open() while another open file exists",
                "returned 0",
                "returned 0",
            ),
            p(
                "closed-before-use",
                "read(fd) in a worker after another thread closed fd",
                "EBADF",
                "EBADF",
            ),
            p(
                "close-during-call",
                "close(fd) in another thread while a worker waits in MYMEM_IOC_LOCK on fd",
                "returned 0, worker still waiting",
                "returned 0, worker still waiting",
            ),
            p(
                "call-completes-after-close",
                "the worker's MYMEM_IOC_LOCK, once the lock is free",
                "returned 0",
                "returned 0",
            ),
            p(
                "next-call-after-close",
                "the worker's next read(fd)",
                "EBADF",
                "EBADF",
            ),
            p(
                "lock-released-with-file",
                "MYMEM_IOC_LOCK from a new open file afterwards",
                "returned 0",
                "returned 0",
            ),
        ]
    };
    let device = |path: &str, lost: u64| DeviceMisuse {
        device: path.into(),
        size: SIZE,
        probes: probes.clone(),
        processes: if exclusive {
            Vec::new()
        } else {
            ["none", "fetch-add"]
                .iter()
                .map(|s| ProcessRace {
                    strategy: (*s).into(),
                    processes: 2,
                    iterations: 20_000,
                    expected: 40_000,
                    actual: if *s == "none" { 40_000 - lost } else { 40_000 },
                })
                .collect()
        },
    };
    MisuseReport {
        schema: MISUSE_SCHEMA.into(),
        env: env(),
        exclusive,
        devices: vec![device("/dev/mymem_c", 10_569), device("/dev/mymem", 8_731)],
    }
}

/// The 2 x 2 matrix at W = 50, N = 5000, three trials.
fn matrix(rng: &mut Rng) -> MatrixReport {
    let (workers, iterations, trials) = (50u32, 5000u64, 3u32);
    let devices = ["/dev/mymem_c", "/dev/mymem"];
    let programs = [("C", 4.6), ("Rust", 4.4)];
    let mut runs = Vec::new();
    for trial in 0..trials {
        for (program, wall_s) in programs {
            for (k, device) in devices.iter().enumerate() {
                let wall = wall_s * (1.0 + 0.03 * k as f64) * (0.95 + 0.1 * rng.unit());
                let expected = u64::from(workers) * iterations;
                runs.push(MatrixRun {
                    program: program.into(),
                    device: (*device).into(),
                    trial,
                    expected,
                    actual: (expected as f64 * (0.05 + 0.01 * rng.unit())) as u64,
                    wall_ns: (wall * 1e9) as u64,
                    cpu_user_ns: (wall * 0.1e9) as u64,
                    cpu_sys_ns: (wall * 1.8e9) as u64,
                });
            }
        }
    }
    MatrixReport {
        schema: MATRIX_SCHEMA.into(),
        env: env(),
        config: MatrixConfig {
            workers,
            iterations,
            trials,
            programs: vec![
                ("C".into(), "/lab/bin/seed_counter DEVICE 50 5000".into()),
                (
                    "Rust".into(),
                    "/lab/bin/mymem race --device DEVICE --strategy none -w 50 -n 5000 -t 1".into(),
                ),
            ],
            devices: devices.map(String::from).to_vec(),
            timing: "wall: spawn to exit; cpu: getrusage(RUSAGE_CHILDREN)".into(),
        },
        runs,
    }
}

/// Every compile-fail program refused, with a first error shaped like rustc's.
fn compile_fail() -> CompileFailReport {
    let programs = ::compile_fail::PROGRAMS
        .iter()
        .map(|p| {
            let source = match p.side {
                Side::User => format!("crates/compile-fail/programs/user/{}.rs", p.name),
                Side::Kernel => format!("kernel/compile_fail/{0}/{0}.rs", p.name),
            };
            Evidence {
                name: p.name.into(),
                side: p.side,
                tries: p.tries.into(),
                source: source.clone(),
                expected: p.expected.into(),
                control: p.control.into(),
                compiled: false,
                control_compiled: true,
                codes: vec![p.expected.into()],
                message: format!(
                    "error[{}]: refused in {}\n  --> {source}:13:21\n   |\n13 |     the offending line\n   |     ^^^^^^^^^^^^^^^^^^",
                    p.expected, p.name
                ),
                rustc: "rustc 1.96.0 (a1b2c3d4e 2026-10-29)".into(),
            }
        })
        .collect();
    CompileFailReport {
        schema: COMPILE_FAIL_SCHEMA.into(),
        programs,
    }
}
