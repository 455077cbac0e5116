//! `mymem race`: lost updates of concurrent read-increment-write cycles.

use std::io::SeekFrom;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::Instant;

use anyhow::{anyhow, bail, ensure, Context, Result};
use mymem::Device;

use crate::cli::{RaceArgs, RacePlan};
use crate::rusage::CpuTime;
use crate::table::Table;
use results::race;
use results::{RaceConfig, RaceReport, RaceTrial, Strategy, RACE_SCHEMA};

const COUNTER_OFFSET: u64 = 0;

const CYCLE: &str = "none/user-mutex/kernel-lock: lseek(0) + read(8) + lseek(0) + write(8) of the \
native-endian u64 at offset 0, value + 1 (user-mutex: std::sync::Mutex held across the cycle; \
kernel-lock: MYMEM_IOC_LOCK before and MYMEM_IOC_UNLOCK after it); fetch-add: one \
MYMEM_IOC_FETCH_ADD {offset 0, delta 1}; mmap-atomic: AtomicU64::fetch_add(1, SeqCst) on the u64 at \
offset 0 of the worker's own MAP_SHARED mapping of the first page (mapped before its clock \
starts), no system call. Each worker thread has its own open file; the W threads and their files \
are set up once per W and serve all its trials and strategies; every run starts them at a \
std::sync::Barrier. The counter is reset to 0 before each trial.";

const TIMING: &str =
    "wall: CLOCK_MONOTONIC from the earliest worker start (after the barrier) to the \
latest worker end; cpu: getrusage(RUSAGE_SELF) user and system deltas from just before the start \
barrier to the last worker's end (not thread creation or opening the files, done once per W); \
incr_per_s = workers * iterations / wall.";

pub fn run(args: &RaceArgs) -> Result<RaceReport> {
    let plan = args.plan()?;
    let env = crate::env_stamp::collect();
    let path = args.device.as_path();
    let ctl = Device::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    // none, user-mutex and mmap-atomic need no ioctl: nor does the size.
    let size = ctl.buffer_size().with_context(|| {
        format!(
            "{}: neither MYMEM_IOC_SIZE nor lseek SEEK_END",
            path.display()
        )
    })?;
    ensure!(
        size >= COUNTER_OFFSET + 8,
        "{}: buffer of {size} bytes has no room for the counter",
        path.display()
    );

    let mut trials = Vec::new();
    let mut plan = plan;
    let mut skipped = Vec::new();
    for (i, &workers) in plan.workers.clone().iter().enumerate() {
        eprintln!(
            "race: workers {workers} ({}/{}): {} trials x {} strategies, {} iterations each",
            i + 1,
            plan.workers.len(),
            plan.trials,
            plan.strategies.len(),
            plan.iterations
        );
        let (done, failed) = run_workers(&ctl, path, workers, &plan);
        trials.extend(done);
        if let Some((strategy, e)) = failed {
            // A strategy the driver cannot run (no LOCK/FETCH_ADD ioctl, no mmap) is left
            // out of the rest of the sweep; the others are still measured.
            let reason = format!("{:#}", e.context(format!("workers {workers}")));
            eprintln!(
                "race: error: strategy {} left out: {reason}",
                strategy.as_str()
            );
            trials.retain(|t| t.strategy != strategy);
            plan.strategies.retain(|s| *s != strategy);
            skipped.push(results::Skipped {
                target: strategy.as_str().into(),
                reason,
            });
            if plan.strategies.is_empty() {
                bail!(
                    "no strategy could run on {}: {}",
                    path.display(),
                    skipped
                        .iter()
                        .map(|s| format!("{}: {}", s.target, s.reason))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
            // Rerun this W without it, so that every W has every remaining strategy.
            let (again, failed) = run_workers(&ctl, path, workers, &plan);
            if let Some((strategy, e)) = failed {
                return Err(e.context(format!("workers {workers}, strategy {}", strategy.as_str())));
            }
            trials.retain(|t| t.workers != workers);
            trials.extend(again);
        }
    }
    let summary = race::summarize(&plan.workers, &plan.strategies, &trials);
    Ok(RaceReport {
        schema: RACE_SCHEMA.into(),
        env,
        config: RaceConfig {
            device: path.display().to_string(),
            workers: plan.workers.clone(),
            iterations: plan.iterations,
            trials: plan.trials,
            strategies: plan.strategies.clone(),
            sweep: args.sweep,
            quick: args.quick,
            cycle: CYCLE.into(),
            timing: TIMING.into(),
        },
        trials,
        summary,
        skipped,
    })
}

/// What the workers of one W share: the run to do next (`None`: leave), the
/// barriers that start and end a run, the spans they report, the user mutex.
struct Pool {
    job: Mutex<Option<Strategy>>,
    go: Barrier,
    done: Barrier,
    spans: Mutex<Vec<Result<(Instant, Instant)>>>,
    mutex: Mutex<()>,
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every trial and strategy of one W, on the same W worker threads, each
/// with its own open file. Starting W threads and opening W files per run
/// cost about 80 ms a run under TCG: 21 s of a `make run` sweep, whatever N.
/// Returns the trials run and, when one failed, its strategy and error (the runs stop there).
fn run_workers(
    ctl: &Device,
    path: &Path,
    workers: u32,
    plan: &RacePlan,
) -> (Vec<RaceTrial>, Option<(Strategy, anyhow::Error)>) {
    let w = workers as usize;
    let pool = Pool {
        job: Mutex::new(None),
        go: Barrier::new(w + 1),
        done: Barrier::new(w + 1),
        spans: Mutex::new(Vec::with_capacity(w)),
        mutex: Mutex::new(()),
    };
    thread::scope(|s| {
        for _ in 0..w {
            s.spawn(|| pool_worker(path, plan.iterations, &pool));
        }
        let mut trials = Vec::new();
        let mut failed = None;
        'runs: for trial in 0..plan.trials {
            // Rotate the strategy order per trial so none always runs first.
            let k = plan.strategies.len();
            for j in 0..k {
                let strategy = plan.strategies[(j + trial as usize) % k];
                match run_trial(ctl, &pool, workers, plan.iterations, strategy, trial) {
                    Ok(t) => trials.push(t),
                    Err(e) => {
                        failed = Some((strategy, e));
                        break 'runs;
                    }
                }
            }
        }
        // Dismiss the workers, which wait at `go` between runs.
        *locked(&pool.job) = None;
        pool.go.wait();
        (trials, failed)
    })
}

/// One run of the pool. Fails only before its start or after its end, so the
/// workers are always back at `go` when it returns.
fn run_trial(
    ctl: &Device,
    pool: &Pool,
    workers: u32,
    iterations: u64,
    strategy: Strategy,
    trial: u32,
) -> Result<RaceTrial> {
    let expected = u64::from(workers)
        .checked_mul(iterations)
        .ok_or_else(|| anyhow!("workers * iterations overflows u64"))?;
    ctl.write_all_at(&0u64.to_ne_bytes(), COUNTER_OFFSET)
        .context("resetting the counter")?;
    *locked(&pool.job) = Some(strategy);
    locked(&pool.spans).clear();
    let cpu_before = CpuTime::now()?;
    pool.go.wait();
    pool.done.wait();
    let cpu = CpuTime::now()?.since(cpu_before);
    let spans = std::mem::take(&mut *locked(&pool.spans))
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let start = spans.iter().map(|s| s.0).min().expect("workers >= 1");
    let end = spans.iter().map(|s| s.1).max().expect("workers >= 1");

    let mut buf = [0u8; 8];
    ctl.read_exact_at(&mut buf, COUNTER_OFFSET)
        .context("reading the counter back")?;
    let actual = u64::from_ne_bytes(buf);
    let wall_ns = nanos(end.duration_since(start));
    Ok(RaceTrial {
        workers,
        strategy,
        trial,
        expected,
        actual,
        error_pct: race::error_pct(expected, actual),
        wall_ns,
        incr_per_s: expected as f64 / (wall_ns.max(1) as f64 / 1e9),
        cpu_user_ns: nanos(cpu.user),
        cpu_sys_ns: nanos(cpu.sys),
    })
}

/// A thread of the pool: opens its own file once, then does one run per
/// `go` until dismissed. Every run reaches `done`, even one that failed (or
/// whose file did not open), so that no other thread waits forever.
fn pool_worker(path: &Path, iterations: u64, pool: &Pool) {
    let dev = Device::open(path);
    loop {
        pool.go.wait();
        let Some(strategy) = *locked(&pool.job) else {
            return;
        };
        let span = match &dev {
            Ok(dev) => worker(dev, iterations, strategy, &pool.mutex),
            Err(e) => Err(anyhow!("worker cannot open {}: {e}", path.display())),
        };
        locked(&pool.spans).push(span);
        pool.done.wait();
    }
}

/// One worker's run: its increments; returns when it started and finished.
fn worker(
    dev: &Device,
    iterations: u64,
    strategy: Strategy,
    mutex: &Mutex<()>,
) -> Result<(Instant, Instant)> {
    let map = match strategy {
        Strategy::MmapAtomic => dev.map_shared(page_size(), 0),
        _ => Err(std::io::Error::other("not mapped")),
    };
    let start = Instant::now();
    match strategy {
        Strategy::None => {
            for _ in 0..iterations {
                cycle(dev)?;
            }
        }
        Strategy::UserMutex => {
            for _ in 0..iterations {
                let _held = mutex.lock().unwrap_or_else(|e| e.into_inner());
                cycle(dev)?;
            }
        }
        Strategy::KernelLock => {
            for _ in 0..iterations {
                let held = dev.lock().context("MYMEM_IOC_LOCK")?;
                cycle(dev)?;
                held.unlock().context("MYMEM_IOC_UNLOCK")?;
            }
        }
        Strategy::FetchAdd => {
            for _ in 0..iterations {
                dev.fetch_add(COUNTER_OFFSET, 1)
                    .context("MYMEM_IOC_FETCH_ADD")?;
            }
        }
        Strategy::MmapAtomic => {
            // The mapping is made before the clock starts: it is set-up,
            // like opening the file; the increments are the measured part.
            let map = map
                .as_ref()
                .map_err(|e| anyhow!("mmap MAP_SHARED of the counter's page: {e}"))?;
            let counter = map.atomic_u64(COUNTER_OFFSET as usize);
            let start = Instant::now();
            for _ in 0..iterations {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            return Ok((start, Instant::now()));
        }
    }
    Ok((start, Instant::now()))
}

fn page_size() -> usize {
    rustix::param::page_size()
}

/// The unprotected read-increment-write of the seed program.
pub(crate) fn cycle(dev: &Device) -> Result<()> {
    let mut buf = [0u8; 8];
    dev.seek(SeekFrom::Start(COUNTER_OFFSET))?;
    let n = dev.read(&mut buf)?;
    ensure!(n == 8, "short read of the counter: {n} bytes");
    let value = u64::from_ne_bytes(buf).wrapping_add(1);
    dev.seek(SeekFrom::Start(COUNTER_OFFSET))?;
    let n = dev.write(&value.to_ne_bytes())?;
    ensure!(n == 8, "short write of the counter: {n} bytes");
    Ok(())
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The stdout table of a race report.
pub fn render(report: &RaceReport) -> String {
    let c = &report.config;
    let mut t = Table::new([
        "W",
        "strategy",
        "mean %err ± sd",
        "min..max %err",
        "incr/s",
        "wall s",
        "cpu s",
    ]);
    for s in &report.summary {
        t.row(vec![
            s.workers.to_string(),
            s.strategy.as_str().into(),
            format!("{:.3} ± {:.3}", s.error_pct_mean, s.error_pct_stddev),
            format!("{:.3}..{:.3}", s.error_pct_min, s.error_pct_max),
            format!("{:.0}", s.incr_per_s_mean),
            format!("{:.3}", s.wall_s_mean),
            format!("{:.3}", s.cpu_s_mean),
        ]);
    }
    format!(
        "race on {}: {} increments per worker, {} trials per row (mean ± sample sd over trials; \
         cpu = user+sys of the process)\n{}",
        c.device,
        c.iterations,
        c.trials,
        t.render()
    )
}
