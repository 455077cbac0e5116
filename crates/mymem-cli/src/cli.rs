//! Command line of `mymem`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};

use results::Strategy;

/// Measurement tool for the mymem devices, run inside the lab guest.
#[derive(Debug, Parser)]
#[command(name = "mymem", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Latency of pwrite/pread on the devices, with baselines.
    ///
    /// Every sample is the CLOCK_MONOTONIC time around ONE pwrite(2) (or
    /// pread(2)) of the whole size at offset 0: only the transfer syscall is
    /// timed. Filling the buffer with fresh random data and verifying the
    /// read-back happen outside the timed region. Devices, the tmpfs peer and
    /// memcpy run interleaved: every trial visits all of them, in an order
    /// rotated by one each trial. Baselines in the same run: syscall floor
    /// (1-byte read of /dev/zero, write to /dev/null), clock overhead, memcpy
    /// between two buffers per size, and the same pwrite/pread on a tmpfs file.
    ///
    /// Per series: n, mean, median and p99 (linear interpolation), min, max,
    /// sample sd, 95% CI of the mean (Student t). Every other target against
    /// the reference (the first device; by default C): (X - ref) / ref with a
    /// 95% CI by the delta method (normal approximation).
    Bench(BenchArgs),
    /// Lost updates of concurrent read-increment-write on one device counter.
    ///
    /// W threads, each with its own open file, start together and each do N
    /// increments of the u64 at offset 0, protected by a strategy. Reports the
    /// error of the final counter against W*N, wall time, increments/s and
    /// process CPU time (getrusage user+sys).
    Race(RaceArgs),
    /// Bounded, seeded fuzz of the devices against their contract.
    ///
    /// Several processes x threads run random reads, writes, preads, pwrites,
    /// lseeks and ioctls with random and invalid arguments (huge lengths, bad
    /// pointers, unknown commands), fsync, O_APPEND writes, non-blocking LOCK,
    /// splice/sendfile and mmap (loads, stores and atomics through a shared
    /// mapping of the bytes the worker owns) and check every result, errno included,
    /// against docs/device.md and a shadow of the bytes each worker owns.
    /// Then: a LOCK holder killed with SIGKILL, fds closed while in use, and
    /// opens up to RLIMIT_NOFILE. Prints the seed; fails on any deviation.
    Stress(mymem_stress::StressArgs),
    /// Misuse the devices on purpose and record what each call gives.
    ///
    /// Per device: a worker thread using an fd another thread closed (before
    /// its call: EBADF; during a call blocked in MYMEM_IOC_LOCK: the call
    /// completes on the file it already holds, the next use gives EBADF),
    /// reads, writes, seeks and FETCH_ADD outside the buffer (errno each), a
    /// second open, and two processes incrementing the counter at once (lost
    /// updates without protection, none with FETCH_ADD). With --exclusive
    /// (module loaded with exclusive=1): a second open gives EBUSY, dup does
    /// not count, the next open after close succeeds. Records; never fails on
    /// an unexpected result (the caller checks the JSON).
    Misuse(MisuseArgs),
    /// The part 3 race, C program vs Rust program, on each device.
    ///
    /// Runs the seed's C program (`seed_counter DEVICE W N`) and `mymem race
    /// --strategy none -w W -n N -t 1` on every device, --trials times,
    /// interleaved; each run is a child process: wall time from spawn to
    /// exit, CPU time from getrusage(RUSAGE_CHILDREN), and the counter read
    /// back after it exited.
    Matrix(MatrixArgs),
    /// Runs a command while the device is mapped and no file of it is open.
    ///
    /// Opens the device, maps its first page MAP_SHARED, closes the file,
    /// optionally stores --store at offset 0 through the mapping, runs the
    /// command, unmaps. Exits 0 only if the mapping worked and the command
    /// exited 0. Example: `mymem map-hold -d /dev/mymem -- sh -c '! rmmod mymem'`.
    MapHold(MapHoldArgs),
}

#[derive(Debug, Args)]
pub struct MisuseArgs {
    /// Devices to misuse (repeatable or comma list).
    #[arg(
        short = 'd',
        long = "device",
        value_name = "PATH",
        value_delimiter = ',',
        default_values = ["/dev/mymem_c", "/dev/mymem"]
    )]
    pub devices: Vec<PathBuf>,
    /// The modules are loaded with exclusive=1: only check the exclusive open.
    #[arg(long)]
    pub exclusive: bool,
    /// Increments per process in the two-process race.
    #[arg(short = 'n', long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: u64,
    /// Internal: run as one of the racing processes with this strategy.
    #[arg(long, hide = true, value_parser = ["none", "fetch-add"])]
    pub child: Option<String>,
    /// Write every result and an environment stamp here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Devices (repeatable or comma list).
    #[arg(
        short = 'd',
        long = "device",
        value_name = "PATH",
        value_delimiter = ',',
        default_values = ["/dev/mymem_c", "/dev/mymem"]
    )]
    pub devices: Vec<PathBuf>,
    /// The C program, run as `PROGRAM DEVICE W N` (tests/seed/seed_counter.c).
    #[arg(long, value_name = "PATH", default_value = "/lab/bin/seed_counter")]
    pub c_program: PathBuf,
    /// Worker threads of both programs.
    #[arg(short = 'w', long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub workers: u32,
    /// Increments per worker.
    #[arg(short = 'n', long, default_value_t = 150_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: u64,
    /// Runs per (program, device).
    #[arg(short = 't', long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub trials: u32,
    /// Write every run and an environment stamp here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MapHoldArgs {
    /// Device to map.
    #[arg(short = 'd', long, value_name = "PATH", default_value = "/dev/mymem")]
    pub device: PathBuf,
    /// Bytes to store at offset 0 through the mapping before the command runs.
    #[arg(long, value_name = "TEXT")]
    pub store: Option<String>,
    /// The command and its arguments.
    #[arg(required = true, last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Device to measure, as [LABEL=]PATH (repeatable or comma list). The first one that can
    /// be opened is the reference of the comparisons: (other - ref) / ref. Without LABEL a
    /// device is labelled with the name of the module that provides it (the module whose
    /// reference count an open of it raises), else with its path.
    #[arg(
        short = 'd',
        long = "device",
        value_name = "[LABEL=]PATH",
        value_delimiter = ',',
        value_parser = parse_device,
        default_values = ["/dev/mymem_c", "/dev/mymem"]
    )]
    pub devices: Vec<DeviceSpec>,
    /// Transfer sizes in bytes (comma list; k/M suffixes = KiB/MiB).
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = parse_size,
        default_value = "1,64,1024,65536,524288"
    )]
    pub sizes: Vec<u64>,
    /// Counted trials per size.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub trials: u32,
    /// Uncounted trials per size before the counted ones (in every block).
    #[arg(long, default_value_t = 50)]
    pub warmup: u32,
    /// Split the trials into this many blocks, each visiting the targets in its own random
    /// order; Rust/C verdicts then come from the spread between blocks, and blocks are added
    /// until every device ratio's 95% CI half-width is at most --ci-target (or --time-cap).
    /// 1: one block in rotated order, CIs from the samples.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub blocks: u32,
    /// Stop rule of --blocks: largest relative 95% CI half-width of a device ratio.
    #[arg(long, default_value_t = 0.02)]
    pub ci_target: f64,
    /// Stop rule of --blocks: no block starts after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub time_cap: u64,
    /// Shell command (`sh -c`) run between two blocks with every device closed; fails the
    /// bench if it fails. The lab reloads the modules here, so each block measures a fresh
    /// module load (the wall-clock Rust/C ratio moves by ~10 % between loads).
    #[arg(long, value_name = "CMD", requires = "blocks")]
    pub between_blocks: Option<String>,
    /// Directory of the tmpfs peer file.
    #[arg(long, value_name = "DIR", default_value = "/dev/shm")]
    pub tmpfs_dir: PathBuf,
    /// Do not measure the tmpfs peer.
    #[arg(long)]
    pub no_tmpfs: bool,
    /// Seed of the RNG filling the write buffer.
    #[arg(long, default_value_t = 0x6d79_6d65_6d00)]
    pub seed: u64,
    /// Write every raw sample, the statistics and an environment stamp here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
}

/// Workers of `race --sweep`: W = 1 first, the control (no concurrency, so no lost update
/// whatever the strategy).
pub const SWEEP_WORKERS: [u32; 19] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 35, 40, 45, 50, 100,
];
/// Workers, iterations, trials of `race --quick`.
pub const QUICK: ([u32; 3], u64, u32) = ([1, 2, 4], 2000, 3);
pub const DEFAULT_WORKERS: u32 = 4;
pub const DEFAULT_ITERATIONS: u64 = 150_000;
pub const DEFAULT_TRIALS: u32 = 3;
pub const MIN_SWEEP_TRIALS: u32 = 3;

#[derive(Debug, Args)]
pub struct RaceArgs {
    /// Device holding the counter (u64 at offset 0).
    #[arg(long, value_name = "PATH", default_value = "/dev/mymem")]
    pub device: PathBuf,
    /// Worker threads (comma list for several runs) [default: 4].
    #[arg(
        short = 'w',
        long,
        value_delimiter = ',',
        value_parser = clap::value_parser!(u32).range(1..=4096)
    )]
    pub workers: Vec<u32>,
    /// Increments per worker per trial [default: 150000].
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(1..))]
    pub iterations: Option<u64>,
    /// Strategy (repeatable or comma list) [default: all].
    #[arg(short = 's', long, value_delimiter = ',', value_parser = strategy_parser())]
    pub strategy: Vec<Strategy>,
    /// Trials per (workers, strategy) [default: 3; at least 3 with --sweep].
    #[arg(short = 't', long, value_parser = clap::value_parser!(u32).range(1..))]
    pub trials: Option<u32>,
    /// Workers 1..10, 15..50 by 5, and 100 (-n and -t still apply; W = 1 is the control).
    #[arg(long, conflicts_with_all = ["workers", "quick"])]
    pub sweep: bool,
    /// Tiny preset for tests: workers 1,2,4, N = 2000, 3 trials.
    #[arg(long, conflicts_with_all = ["workers", "iterations", "trials"])]
    pub quick: bool,
    /// Write every trial, the summary and an environment stamp here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
}

/// `--strategy`: the names of the JSON format, each with its description.
fn strategy_parser() -> impl clap::builder::TypedValueParser<Value = Strategy> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(Strategy::ALL.map(|s| PossibleValue::new(s.as_str()).help(s.about())))
        .map(|name| name.parse().expect("one of the possible values"))
}

/// A race run with the presets and defaults resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RacePlan {
    pub workers: Vec<u32>,
    pub iterations: u64,
    pub trials: u32,
    pub strategies: Vec<Strategy>,
}

impl RaceArgs {
    pub fn plan(&self) -> Result<RacePlan> {
        let (workers, iterations, trials) = if self.quick {
            (QUICK.0.to_vec(), QUICK.1, QUICK.2)
        } else if self.sweep {
            let trials = self.trials.unwrap_or(DEFAULT_TRIALS);
            if trials < MIN_SWEEP_TRIALS {
                bail!("--sweep needs --trials >= {MIN_SWEEP_TRIALS}, got {trials}");
            }
            (
                SWEEP_WORKERS.to_vec(),
                self.iterations.unwrap_or(DEFAULT_ITERATIONS),
                trials,
            )
        } else {
            let workers = if self.workers.is_empty() {
                vec![DEFAULT_WORKERS]
            } else {
                self.workers.clone()
            };
            (
                workers,
                self.iterations.unwrap_or(DEFAULT_ITERATIONS),
                self.trials.unwrap_or(DEFAULT_TRIALS),
            )
        };
        let mut strategies = if self.strategy.is_empty() {
            Strategy::ALL.to_vec()
        } else {
            self.strategy.clone()
        };
        dedup_keep_order(&mut strategies);
        let mut workers = workers;
        dedup_keep_order(&mut workers);
        if u64::from(*workers.iter().max().expect("non-empty"))
            .checked_mul(iterations)
            .is_none()
        {
            bail!("workers * iterations overflows u64");
        }
        Ok(RacePlan {
            workers,
            iterations,
            trials,
            strategies,
        })
    }
}

fn dedup_keep_order<T: PartialEq + Copy>(v: &mut Vec<T>) {
    let mut seen = Vec::with_capacity(v.len());
    v.retain(|x| {
        let new = !seen.contains(x);
        if new {
            seen.push(*x);
        }
        new
    });
}

/// A device of `mymem bench`: its path and, when given, its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSpec {
    pub label: Option<String>,
    pub path: PathBuf,
}

/// Parses `PATH` or `LABEL=PATH` (a label is not empty and has no `/`).
pub fn parse_device(s: &str) -> Result<DeviceSpec, String> {
    match s.split_once('=') {
        Some((label, path)) if !label.contains('/') => {
            if label.is_empty() || path.is_empty() {
                return Err(format!("`{s}`: expected LABEL=PATH or PATH"));
            }
            Ok(DeviceSpec {
                label: Some(label.into()),
                path: path.into(),
            })
        }
        _ if s.is_empty() => Err("empty device path".into()),
        _ => Ok(DeviceSpec {
            label: None,
            path: s.into(),
        }),
    }
}

/// Parses `4096`, `4k`, `64K`, `1M` (binary multiples); must be >= 1.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last() {
        Some((i, 'k' | 'K')) => (&s[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&s[..i], 1u64 << 20),
        _ => (s, 1),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a size in bytes (e.g. 4096, 4k, 1M)"))?;
    let size = n
        .checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))?;
    if size == 0 {
        return Err("size must be at least 1 byte".into());
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("mymem").chain(args.iter().copied()))
    }

    fn bench(args: &[&str]) -> BenchArgs {
        match parse(&[&["bench"], args].concat()).unwrap().command {
            Command::Bench(b) => b,
            c => panic!("{c:?}"),
        }
    }

    fn race(args: &[&str]) -> RaceArgs {
        match parse(&[&["race"], args].concat()).unwrap().command {
            Command::Race(r) => r,
            c => panic!("{c:?}"),
        }
    }

    #[test]
    fn definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn bench_defaults() {
        let b = bench(&[]);
        assert_eq!(
            b.devices,
            [
                parse_device("/dev/mymem_c").unwrap(),
                parse_device("/dev/mymem").unwrap()
            ]
        );
        assert_eq!(b.devices[0].label, None);
        assert_eq!(b.sizes, [1, 64, 1024, 65536, 524288]);
        assert_eq!((b.trials, b.warmup), (1000, 50));
        assert_eq!(b.tmpfs_dir, PathBuf::from("/dev/shm"));
        assert!(!b.no_tmpfs);
        assert!(b.json.is_none());
    }

    #[test]
    fn bench_overrides() {
        let b = bench(&[
            "--trials",
            "20",
            "--sizes",
            "1,4k,1M",
            "--device",
            "/dev/a",
            "-d",
            "/dev/b,/dev/c",
            "--warmup",
            "0",
            "--json",
            "/results/bench.json",
        ]);
        assert_eq!(b.trials, 20);
        assert_eq!(b.warmup, 0);
        assert_eq!(b.sizes, [1, 4096, 1 << 20]);
        assert_eq!(
            b.devices.iter().map(|d| d.path.clone()).collect::<Vec<_>>(),
            ["/dev/a", "/dev/b", "/dev/c"].map(PathBuf::from)
        );
        assert_eq!(b.json, Some(PathBuf::from("/results/bench.json")));
    }

    #[test]
    fn bench_devices_take_labels() {
        let b = bench(&["-d", "C=/dev/foo_c,Rust=/dev/mymem", "-d", "/dev/x=y"]);
        assert_eq!(b.devices[0].label.as_deref(), Some("C"));
        assert_eq!(b.devices[0].path, PathBuf::from("/dev/foo_c"));
        assert_eq!(b.devices[1].label.as_deref(), Some("Rust"));
        // A `=` after a `/` is part of the path.
        assert_eq!(b.devices[2].label, None);
        assert_eq!(b.devices[2].path, PathBuf::from("/dev/x=y"));
        for bad in ["=/dev/a", "C=", ""] {
            assert!(parse_device(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn between_blocks_needs_blocks() {
        let b = bench(&[
            "--blocks",
            "5",
            "--between-blocks",
            "rmmod x && insmod x.ko",
        ]);
        assert_eq!(b.between_blocks.as_deref(), Some("rmmod x && insmod x.ko"));
        assert!(bench(&[]).between_blocks.is_none());
        assert!(parse(&["bench", "--between-blocks", "true"]).is_err());
    }

    #[test]
    fn bench_rejects_invalid() {
        for bad in [
            &["--sizes", "0"][..],
            &["--sizes", "1,x"],
            &["--sizes", "99999999999999999999"],
            &["--trials", "0"],
            &["--trials", "-3"],
            &["--warmup", "many"],
            &["--bogus"],
        ] {
            assert!(parse(&[&["bench"], bad].concat()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn race_defaults() {
        let r = race(&[]);
        assert_eq!(r.device, PathBuf::from("/dev/mymem"));
        assert_eq!(
            r.plan().unwrap(),
            RacePlan {
                workers: vec![4],
                iterations: 150_000,
                trials: 3,
                strategies: Strategy::ALL.to_vec(),
            }
        );
    }

    #[test]
    fn race_quick() {
        let p = race(&["--quick", "--strategy", "fetch-add"])
            .plan()
            .unwrap();
        assert_eq!(
            p,
            RacePlan {
                workers: vec![1, 2, 4],
                iterations: 2000,
                trials: 3,
                strategies: vec![Strategy::FetchAdd],
            }
        );
    }

    #[test]
    fn race_sweep() {
        let p = race(&["--sweep"]).plan().unwrap();
        assert_eq!(p.workers, SWEEP_WORKERS);
        // The W = 1 control is part of the sweep, not a run of its own.
        assert_eq!(p.workers[0], 1);
        assert_eq!((p.iterations, p.trials), (150_000, 3));
        assert_eq!(p.strategies, Strategy::ALL);
        let p = race(&["--sweep", "-n", "1000", "-t", "5"]).plan().unwrap();
        assert_eq!((p.iterations, p.trials), (1000, 5));
        // T >= 3 is enforced.
        assert!(race(&["--sweep", "--trials", "2"]).plan().is_err());
    }

    #[test]
    fn race_lists() {
        let p = race(&[
            "-w",
            "1,8",
            "--workers",
            "8",
            "-s",
            "none,kernel-lock",
            "--strategy",
            "none",
            "-n",
            "10",
            "-t",
            "1",
        ])
        .plan()
        .unwrap();
        assert_eq!(p.workers, [1, 8]);
        assert_eq!(p.strategies, [Strategy::None, Strategy::KernelLock]);
        assert_eq!((p.iterations, p.trials), (10, 1));
    }

    #[test]
    fn race_rejects_invalid() {
        for bad in [
            &["--workers", "0"][..],
            &["--workers", "5000"],
            &["--iterations", "0"],
            &["--trials", "0"],
            &["--strategy", "spinlock"],
            &["--quick", "--sweep"],
            &["--quick", "--workers", "2"],
            &["--quick", "--trials", "5"],
            &["--sweep", "--workers", "2"],
        ] {
            assert!(parse(&[&["race"], bad].concat()).is_err(), "{bad:?}");
        }
        assert!(race(&["-w", "4096", "-n", &u64::MAX.to_string()])
            .plan()
            .is_err());
    }

    #[test]
    fn misuse_and_matrix_defaults() {
        match parse(&["misuse"]).unwrap().command {
            Command::Misuse(m) => {
                assert_eq!(
                    m.devices,
                    [PathBuf::from("/dev/mymem_c"), PathBuf::from("/dev/mymem")]
                );
                assert_eq!((m.iterations, m.exclusive, m.child), (20_000, false, None));
            }
            c => panic!("{c:?}"),
        }
        match parse(&["matrix", "-n", "20000"]).unwrap().command {
            Command::Matrix(m) => {
                assert_eq!((m.workers, m.iterations, m.trials), (50, 20_000, 3));
                assert_eq!(m.c_program, PathBuf::from("/lab/bin/seed_counter"));
            }
            c => panic!("{c:?}"),
        }
        for bad in [
            &["misuse", "--child", "spinlock"][..],
            &["misuse", "-n", "0"],
            &["matrix", "-w", "0"],
            &["matrix", "-w", "257"],
            &["matrix", "-t", "0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1"), Ok(1));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("512k"), Ok(524288));
        assert_eq!(parse_size("2M"), Ok(2 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("k").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("-1").is_err());
    }
}
