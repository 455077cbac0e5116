//! `mymem stress`: a bounded, seeded fuzz of the mymem devices.
//!
//! Phases, each bounded in operations and time:
//!
//! - `random`: `--procs` processes (this binary re-executed with a hidden
//!   `--role`) times `--threads` threads, each with its own open file of
//!   every device, run random reads, writes, preads, pwrites, lseeks and
//!   ioctls with random and invalid arguments (see `gen`), plus fsync,
//!   O_APPEND writes, non-blocking LOCK, splice/sendfile through a pipe and
//!   loads, stores and atomics through a shared mapping (see `fileops`), and
//!   check every result against the contract oracle (`oracle`) and a shadow
//!   of the bytes they own (`layout`);
//! - `lock-kill`: a child takes LOCK and is SIGKILLed; LOCK from another
//!   file must then succeed;
//! - `close-race`: descriptors closed and reopened while other threads use
//!   them (success or EBADF, never anything else);
//! - `fd-limit`: opens until EMFILE under RLIMIT_NOFILE 256, then close all.
//!
//! Worker w's operations come from random stream w of the seed, so a run
//! replays with `--seed` (the interleaving between workers differs).
//!
//! The child processes re-execute the running binary as `<exe> stress
//! --role ...`: the binary must offer [`StressArgs`] as its `stress`
//! subcommand and call [`run`] with them (the `mymem` tool does). Raw
//! syscalls, guard pages and errno names come from `rawsys`, the report
//! format (`mymem-stress/1`) from `results`.

mod fileops;
mod gen;
mod layout;
mod offers;
mod op;
mod oracle;
mod phases;
mod report;
mod rng;
mod usermem;
mod worker;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use clap::{Args, ValueEnum};
use mymem::Device;

pub use results::{Deviation, EnvStamp, PhaseReport, StressConfig, StressReport, STRESS_SCHEMA};

use layout::Layout;
use offers::Offers;
use oracle::Env;
use report::{Log, Part};
use worker::DevInfo;

/// Random-phase operations when neither `--ops` nor `--duration` is given.
pub const DEFAULT_OPS: u64 = 20_000;
/// Deviations kept in the JSON report.
const KEEP: usize = 1000;
/// Lock-kill rounds per device.
const LOCK_KILL_ROUNDS: u32 = 4;
/// Marks the line with a child's JSON result on its stdout.
const PART_PREFIX: &str = "mymem-stress-part ";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Phase {
    Random,
    LockKill,
    CloseRace,
    FdLimit,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::Random,
        Phase::LockKill,
        Phase::CloseRace,
        Phase::FdLimit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Random => "random",
            Phase::LockKill => "lock-kill",
            Phase::CloseRace => "close-race",
            Phase::FdLimit => "fd-limit",
        }
    }
}

/// What a re-executed child process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Worker,
    CloseRace,
    FdLimit,
    LockHolder,
}

#[derive(Debug, Args)]
pub struct StressArgs {
    /// Devices to drive (repeatable or comma list).
    #[arg(
        short = 'd',
        long = "device",
        value_name = "PATH",
        value_delimiter = ',',
        default_values = ["/dev/mymem", "/dev/mymem_c"]
    )]
    pub devices: Vec<PathBuf>,
    /// Processes of the random phase.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub procs: u32,
    /// Threads per process (also the users of the close-race phase).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: u32,
    /// Operations of the random phase over all workers [default: 20000,
    /// unlimited with --duration].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub ops: Option<u64>,
    /// Stop the random phase after this many seconds.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub duration: Option<u64>,
    /// Seed of the random streams (worker w uses stream w of it) [default: random, printed].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Phases to run (comma list).
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["random", "lock-kill", "close-race", "fd-limit"])]
    pub phases: Vec<Phase>,
    /// Deviations printed (all are counted; the JSON keeps the first 1000).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub print: usize,
    /// Kill every child and fail if the run takes longer than this.
    #[arg(long, value_name = "SECS", default_value_t = 1200)]
    pub timeout: u64,
    /// Seconds a LOCK may sleep in the random phase before it counts as a
    /// lost wake-up (and is interrupted).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub lock_patience: u64,
    /// Write the report (schema mymem-stress/1) here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Internal: the role of a re-executed child.
    #[arg(long, value_enum, hide = true)]
    pub role: Option<Role>,
    /// Internal: the child's process or device index.
    #[arg(long, hide = true, default_value_t = 0)]
    pub index: u32,
}

impl StressArgs {
    /// The operation budget of the random phase, if any.
    pub fn ops_limit(&self) -> Option<u64> {
        self.ops.or(self.duration.is_none().then_some(DEFAULT_OPS))
    }

    fn workers(&self) -> u32 {
        self.procs * self.threads
    }

    /// Operations of the close-race phase per user thread.
    fn close_race_ops(&self) -> u64 {
        let total = self.ops_limit().unwrap_or(200_000);
        (total / 20 / u64::from(self.threads)).clamp(50, 5000)
    }
}

/// Worker `w`'s share of `total` operations.
pub fn budget(total: u64, workers: u32, w: u32) -> u64 {
    let workers = u64::from(workers);
    total / workers + u64::from(u64::from(w) < total % workers)
}

/// Runs `mymem stress`: the report of the whole run, or `None` in a child
/// process (`--role`), whose result went to its parent on stdout.
/// `env_stamp` describes the machine for the report.
pub fn run(args: &StressArgs, env_stamp: fn() -> EnvStamp) -> Result<Option<StressReport>> {
    if let Some(role) = args.role {
        child(role, args)?;
        return Ok(None);
    }
    coordinate(args, env_stamp).map(Some)
}

/// Opens every device, probes the facts the oracle needs, lays out buffers.
fn devices(args: &StressArgs) -> Result<Vec<DevInfo>> {
    let user_ptr_max = usermem::probe_user_ptr_max().context("probing USER_PTR_MAX")?;
    args.devices
        .iter()
        .map(|path| {
            let dev =
                Device::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            let size = dev.buffer_size().with_context(|| {
                format!(
                    "{}: neither MYMEM_IOC_SIZE nor lseek SEEK_END",
                    path.display()
                )
            })?;
            let offers = Offers::probe(&dev, size);
            let layout = Layout::new(size, args.workers())
                .map_err(|e| anyhow!("{}: {e}", path.display()))?;
            Ok(DevInfo {
                path: path.clone(),
                env: Env { size, user_ptr_max },
                layout,
                offers,
            })
        })
        .collect()
}

fn child(role: Role, args: &StressArgs) -> Result<()> {
    let seed = args.seed.context("a child needs --seed")?;
    let devs = devices(args)?;
    let dev = || {
        devs.get(args.index as usize)
            .ok_or_else(|| anyhow!("no device {}", args.index))
    };
    let part = match role {
        Role::Worker => {
            let t = args.threads;
            let first = args.index * t;
            let total = args.ops_limit();
            let deadline = args
                .duration
                .map(|s| Instant::now() + Duration::from_secs(s));
            worker::run_workers(
                &devs,
                seed,
                first..first + t,
                |w| total.map(|n| budget(n, args.workers(), w)),
                deadline,
                KEEP,
                Duration::from_secs(args.lock_patience),
            )?
        }
        Role::CloseRace => {
            // Streams after every random-phase worker's.
            let seed = seed.wrapping_add(u64::from(args.workers()));
            phases::close_race(dev()?, args.threads, args.close_race_ops(), seed, KEEP)?
        }
        Role::FdLimit => phases::fd_limit(&devs, KEEP)?,
        Role::LockHolder => {
            return phases::hold_lock(&dev()?.path, Duration::from_secs(args.timeout.min(600)));
        }
    };
    println!("{PART_PREFIX}{}", serde_json::to_string(&part)?);
    Ok(())
}

/// This binary, to re-execute.
fn self_exe() -> PathBuf {
    std::env::current_exe()
        .ok()
        .or_else(|| std::env::args_os().next().map(PathBuf::from))
        .unwrap_or_else(|| "mymem".into())
}

fn spawn(args: &StressArgs, seed: u64, role: Role, index: u32) -> Result<Child> {
    let mut cmd = Command::new(self_exe());
    let role = role
        .to_possible_value()
        .expect("not skipped")
        .get_name()
        .to_string();
    cmd.args(["stress", "--role", &role, "--index", &index.to_string()]);
    cmd.args(["--seed", &seed.to_string()]);
    cmd.args([
        "--procs",
        &args.procs.to_string(),
        "--threads",
        &args.threads.to_string(),
    ]);
    cmd.args(["--lock-patience", &args.lock_patience.to_string()]);
    cmd.args(["--timeout", &args.timeout.to_string()]);
    if let Some(n) = args.ops_limit() {
        cmd.args(["--ops", &n.to_string()]);
    }
    if let Some(s) = args.duration {
        cmd.args(["--duration", &s.to_string()]);
    }
    for d in &args.devices {
        cmd.arg("--device").arg(d);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd.spawn().context("cannot re-execute myself")
}

/// Waits for a child's result until `deadline` (then kills it).
fn collect(mut child: Child, deadline: Instant) -> Result<Part, String> {
    let mut out = child.stdout.take().expect("piped");
    let reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("killed: still running at the --timeout deadline".into());
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("wait failed: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    let part = out
        .lines()
        .find_map(|l| l.strip_prefix(PART_PREFIX))
        .map(serde_json::from_str::<Part>);
    match (status.success(), part) {
        (true, Some(Ok(p))) => Ok(p),
        (false, Some(Ok(_))) => Err(format!("{status} after reporting")),
        (_, Some(Err(e))) => Err(format!("{status}, unreadable result: {e}")),
        (_, None) => Err(format!("{status} without a result")),
    }
}

/// A child that did not report counts as a deviation: it crashed or hung.
fn child_failed(phase: &'static str, device: &str, what: String, err: String) -> Part {
    let mut log = Log::new(phase, 0, KEEP);
    log.deviation(
        device,
        0,
        &what,
        String::new(),
        "exits 0 with a result".into(),
        err,
    );
    log.into_part(0.0)
}

fn coordinate(args: &StressArgs, env_stamp: fn() -> EnvStamp) -> Result<StressReport> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.timeout);
    let seed = args.seed.unwrap_or_else(default_seed);
    let replay = replay_line(args, seed);
    eprintln!("stress: seed {seed}; replay with: {replay}");
    rawsys::signal::install_wakeup_handler()?;
    let env = env_stamp();
    let devs = devices(args)?;
    for d in &devs {
        // Known initial content: zero lock area (stamp 0), regions, counters, words.
        let r = d.layout.initialised();
        let zeros = vec![0u8; (r.end - r.start) as usize];
        Device::open(&d.path)?
            .write_all_at(&zeros, r.start)
            .with_context(|| format!("{}: initialising", d.name()))?;
    }
    let all_names = devs.iter().map(DevInfo::name).collect::<Vec<_>>().join(",");
    let mut phases = Vec::new();
    let mut total = Part::default();
    for d in &devs {
        let missing = d.offers.missing();
        if !missing.is_empty() {
            // Checked on what it has; what it lacks is its own clauses' business.
            let note = format!(
                "{} does not offer, left out: {}",
                d.name(),
                missing.join(", ")
            );
            eprintln!("stress: note: {note}");
            total.notes.insert(note, 1);
        }
    }
    let mut random_rate = 0.0;
    for &phase in &Phase::ALL {
        if !args.phases.contains(&phase) {
            continue;
        }
        eprintln!("stress: phase {} ...", phase.name());
        let t0 = Instant::now();
        let mut part = Part::default();
        match phase {
            Phase::Random => {
                let children: Vec<_> = (0..args.procs)
                    .map(|i| spawn(args, seed, Role::Worker, i))
                    .collect::<Result<_>>()?;
                for (i, c) in children.into_iter().enumerate() {
                    let p = collect(c, deadline).unwrap_or_else(|e| {
                        child_failed("random", &all_names, format!("worker process {i}"), e)
                    });
                    part.merge(p, KEEP);
                }
            }
            Phase::LockKill => {
                let mut log = Log::new("lock-kill", 0, KEEP);
                for (i, d) in devs.iter().enumerate().filter(|(_, d)| d.offers.lock) {
                    phases::lock_kill(
                        d,
                        LOCK_KILL_ROUNDS,
                        || spawn(args, seed, Role::LockHolder, i as u32),
                        &mut log,
                    );
                }
                part = log.into_part(0.0);
            }
            Phase::CloseRace => {
                for (i, d) in devs.iter().enumerate() {
                    let p = spawn(args, seed, Role::CloseRace, i as u32)
                        .map_err(|e| format!("{e:#}"))
                        .and_then(|c| collect(c, deadline))
                        .unwrap_or_else(|e| {
                            child_failed("close-race", &d.name(), "close-race process".into(), e)
                        });
                    part.merge(p, KEEP);
                }
            }
            Phase::FdLimit => {
                part = spawn(args, seed, Role::FdLimit, 0)
                    .map_err(|e| format!("{e:#}"))
                    .and_then(|c| collect(c, deadline))
                    .unwrap_or_else(|e| {
                        child_failed("fd-limit", &all_names, "fd-limit process".into(), e)
                    });
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            part.ops as f64 / secs
        } else {
            0.0
        };
        if phase == Phase::Random {
            random_rate = rate;
        }
        eprintln!(
            "stress: phase {}: {} ops in {secs:.1} s ({rate:.0} ops/s), {} deviation(s)",
            phase.name(),
            part.ops,
            part.deviation_count
        );
        phases.push(PhaseReport {
            name: phase.name().into(),
            ops: part.ops,
            duration_s: secs,
            ops_per_s: rate,
            deviation_count: part.deviation_count,
            skipped: part.skipped,
        });
        total.merge(part, KEEP);
    }
    let ops_by_kind = total
        .outcomes
        .iter()
        .map(|(k, o)| (k.clone(), o.values().sum()))
        .collect();
    Ok(StressReport {
        schema: STRESS_SCHEMA.into(),
        env,
        seed,
        replay,
        config: StressConfig {
            devices: devs.iter().map(DevInfo::name).collect(),
            sizes: devs.iter().map(|d| d.env.size).collect(),
            procs: args.procs,
            threads: args.threads,
            ops_limit: args.ops_limit(),
            duration_limit_s: args.duration,
            phases: args.phases.iter().map(|p| p.name().to_string()).collect(),
            user_ptr_max: devs.first().map_or(0, |d| d.env.user_ptr_max),
            max_deviations: KEEP,
        },
        ops: total.ops,
        ops_by_kind,
        outcomes: total.outcomes,
        ops_per_s: random_rate,
        duration_s: started.elapsed().as_secs_f64(),
        phases,
        notes: total.notes,
        deviation_count: total.deviation_count,
        deviation_summary: total.signatures,
        deviations: total.deviations,
    })
}

/// A seed from the clock and the pid. Not getrandom(2): it blocks until the
/// kernel's CRNG is initialised, which takes minutes in a fresh TCG guest.
fn default_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    rng::Rng::new(nanos, u64::from(std::process::id())).next_u64()
}

fn replay_line(args: &StressArgs, seed: u64) -> String {
    let mut s = format!(
        "mymem stress --seed {seed} --procs {} --threads {}",
        args.procs, args.threads
    );
    if let Some(n) = args.ops_limit() {
        s += &format!(" --ops {n}");
    }
    if let Some(d) = args.duration {
        s += &format!(" --duration {d}");
    }
    let devices: Vec<String> = args
        .devices
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    s += &format!(" --device {}", devices.join(","));
    let phases: Vec<&str> = args.phases.iter().map(|p| p.name()).collect();
    s += &format!(" --phases {}", phases.join(","));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// `mymem stress`'s arguments, as the tool parses them.
    #[derive(Parser)]
    struct Stress {
        #[command(flatten)]
        args: StressArgs,
    }

    fn parse(extra: &[&str]) -> StressArgs {
        Stress::try_parse_from(["stress"].iter().chain(extra))
            .unwrap()
            .args
    }

    #[test]
    fn defaults() {
        let a = parse(&[]);
        assert_eq!(
            a.devices,
            [PathBuf::from("/dev/mymem"), PathBuf::from("/dev/mymem_c")]
        );
        assert_eq!((a.procs, a.threads), (2, 4));
        assert_eq!(a.ops_limit(), Some(DEFAULT_OPS));
        assert_eq!(a.phases, Phase::ALL);
        assert!(a.role.is_none() && a.seed.is_none());
        let a = parse(&["--duration", "60"]);
        assert_eq!(a.ops_limit(), None, "time-bounded only");
        let a = parse(&["--duration", "60", "--ops", "5"]);
        assert_eq!(a.ops_limit(), Some(5), "whichever ends first");
    }

    #[test]
    fn overrides_and_invalid() {
        let a = parse(&[
            "-d",
            "/dev/a,/dev/b",
            "--phases",
            "random,fd-limit",
            "--seed",
            "7",
            "--procs",
            "3",
        ]);
        assert_eq!(a.devices.len(), 2);
        assert_eq!(a.phases, [Phase::Random, Phase::FdLimit]);
        assert_eq!((a.seed, a.procs), (Some(7), 3));
        for bad in [
            &["--procs", "0"][..],
            &["--threads", "65"],
            &["--ops", "0"],
            &["--phases", "nope"],
        ] {
            let argv = ["stress"].iter().chain(bad);
            assert!(Stress::try_parse_from(argv).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn budgets_split_exactly() {
        for (total, workers) in [(20_000, 8), (1_000_000, 8), (7, 3), (2, 5)] {
            let sum: u64 = (0..workers).map(|w| budget(total, workers, w)).sum();
            assert_eq!(sum, total);
            let max = (0..workers)
                .map(|w| budget(total, workers, w))
                .max()
                .unwrap();
            let min = (0..workers)
                .map(|w| budget(total, workers, w))
                .min()
                .unwrap();
            assert!(max - min <= 1);
        }
    }

    #[test]
    fn replay_line_has_everything() {
        let a = parse(&["--ops", "100", "--phases", "random"]);
        assert_eq!(
            replay_line(&a, 9),
            "mymem stress --seed 9 --procs 2 --threads 4 --ops 100 \
             --device /dev/mymem,/dev/mymem_c --phases random"
        );
    }
}
