//! `mymem bench`: pwrite/pread latency of the devices, interleaved, with
//! baselines measured in the same run.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use mymem::Device;
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

use crate::blocks;
use crate::cli::BenchArgs;
use crate::table::{pct, us, Table};
use results::stats;
use results::{BenchConfig, BenchReport, Op, Series, SeriesKind, Skipped, BENCH_SCHEMA};

/// Every pwrite/pread goes to this offset.
const OFFSET: u64 = 0;
const TMPFS_MAGIC: u32 = 0x0102_1994;

const TIMING: &str =
    "One sample = CLOCK_MONOTONIC (std::time::Instant) read immediately before and \
after ONE pwrite(2) or pread(2) syscall of the whole size at offset 0; it includes one clock read \
(see the clock series). Filling the write buffer with fresh random data (SmallRng) and verifying \
that the read-back equals it are outside the timed region. memcpy: one copy_from_slice between two \
prefaulted buffers (std::hint::black_box on both). syscall: 1-byte read(2) of /dev/zero, 1-byte \
write(2) to /dev/null. All buffers are allocated and prefaulted once and reused.";

const SCHEDULE: &str = "per size: warmup trials, then counted trials; each trial visits every \
target (devices in the given order, tmpfs, memcpy) once, in an order rotated by one position per \
trial, so every target runs equally often in every slot. The syscall and clock baselines run the \
same way (rotated) before the sizes.";

const BLOCK_SCHEDULE: &str = "blocks: the counted trials are split into blocks; each block runs \
every size (warmup, then its share of the trials) with the targets in a random order of its own, \
rotated per trial as above; between two blocks the devices are closed and the between_blocks \
command (if any) runs, then they are reopened. Blocks are added until every device ratio's 95% CI over blocks has a \
relative half-width at most ci_target, up to the time cap or 50 blocks.";

/// A file that takes positioned transfers: a mymem device or the tmpfs peer.
trait Transfer {
    fn pwrite(&self, buf: &[u8], offset: u64) -> io::Result<usize>;
    fn pread(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl Transfer for Device {
    fn pwrite(&self, buf: &[u8], offset: u64) -> io::Result<usize> {
        self.write_at(buf, offset)
    }
    fn pread(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.read_at(buf, offset)
    }
}

impl Transfer for File {
    fn pwrite(&self, buf: &[u8], offset: u64) -> io::Result<usize> {
        FileExt::write_at(self, buf, offset)
    }
    fn pread(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        FileExt::read_at(self, buf, offset)
    }
}

struct Target {
    kind: SeriesKind,
    label: String,
    path: String,
    /// `None` while closed between blocks.
    io: Option<Box<dyn Transfer>>,
    /// Counted samples per size, [pwrite, pread], over all blocks.
    samples: BTreeMap<u64, [Vec<u64>; 2]>,
    /// Median of each block per size, [pwrite, pread].
    block_medians: BTreeMap<u64, [Vec<f64>; 2]>,
    /// Why this device stopped being measured (a failed transfer): it is left out of the
    /// rest of the run and of the report's series, and listed as skipped.
    failed: Option<String>,
}

/// Index of `op` in [`Target`]'s per-size pairs.
fn op_index(op: Op) -> usize {
    usize::from(op == Op::Pread)
}

/// The tmpfs peer file, removed when dropped.
struct TmpFile(PathBuf);

impl Drop for TmpFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Buffers allocated and prefaulted once for the whole run.
struct Buffers {
    write: Vec<u8>,
    read: Vec<u8>,
    copy_src: Vec<u8>,
    copy_dst: Vec<u8>,
}

impl Buffers {
    fn new(len: usize) -> Self {
        // Non-zero fill touches every page, so no sample takes a page fault.
        let buf = || vec![0x5a_u8; len];
        Self {
            write: buf(),
            read: buf(),
            copy_src: buf(),
            copy_dst: buf(),
        }
    }
}

pub fn run(args: &BenchArgs) -> Result<BenchReport> {
    let env = crate::env_stamp::collect();
    let max_size = *args.sizes.iter().max().context("no --sizes")?;
    let max_len = usize::try_from(max_size).context("size does not fit in memory")?;
    for (i, d) in args.devices.iter().enumerate() {
        ensure!(
            !args.devices[..i].iter().any(|e| e.path == d.path),
            "{} is listed twice",
            d.path.display()
        );
    }

    let mut skipped = Vec::new();
    let mut targets = Vec::new();
    for spec in &args.devices {
        let path = spec.path.as_path();
        let label = match &spec.label {
            Some(l) => l.clone(),
            None => device_label(path),
        };
        match open_device(path, max_size) {
            Ok(dev) => {
                let label = unique_label(label, path, &targets);
                targets.push(target(SeriesKind::Device, label, path, Box::new(dev)));
            }
            Err(e) => skip(&mut skipped, path, e),
        }
    }
    if targets.is_empty() {
        bail!(
            "no device could be measured: {}",
            skipped
                .iter()
                .map(|s| format!("{}: {}", s.target, s.reason))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let reference = targets[0].label.clone();

    let mut _tmp_guard = None;
    let mut tmpfs_path = None;
    if !args.no_tmpfs {
        let path = args
            .tmpfs_dir
            .join(format!("mymem-bench.{}", std::process::id()));
        match open_tmpfs(&path, max_len) {
            Ok(file) => {
                _tmp_guard = Some(TmpFile(path.clone()));
                tmpfs_path = Some(path.display().to_string());
                targets.push(target(
                    SeriesKind::Tmpfs,
                    "tmpfs".into(),
                    &path,
                    Box::new(file),
                ));
            }
            Err(e) => skip(&mut skipped, &path, e),
        }
    }

    let mut rng = SmallRng::seed_from_u64(args.seed);
    let mut bufs = Buffers::new(max_len);
    let mut series = Vec::new();

    eprintln!(
        "bench: baselines (syscall floor, clock): {} warmup + {} trials",
        args.warmup, args.trials
    );
    match baselines(args.warmup, args.trials) {
        Ok(mut s) => series.append(&mut s),
        Err(e) => skip(&mut skipped, Path::new("/dev/zero,/dev/null"), e),
    }

    let labels: Vec<&str> = targets.iter().map(|t| t.label.as_str()).collect();
    let labels = labels.join(", ");
    let per_block = (args.trials / args.blocks).max(1);
    let bench_started = Instant::now();
    let mut memcpy: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    let mut blocks_run = 0;
    loop {
        if blocks_run > 0 {
            if let Some(cmd) = &args.between_blocks {
                between_blocks(&mut targets, cmd, max_size)?;
            }
        }
        // Without blocks the given order, rotated; with blocks a random order per block.
        let order = if args.blocks == 1 {
            (0..=targets.len()).collect()
        } else {
            blocks::shuffled(targets.len() + 1, &mut rng)
        };
        for (i, &size) in args.sizes.iter().enumerate() {
            let started = Instant::now();
            eprint!(
                "bench: {}size {size} B ({}/{}): {} warmup + {per_block} trials of {labels}, memcpy ...",
                if args.blocks > 1 {
                    format!("block {} ", blocks_run + 1)
                } else {
                    String::new()
                },
                i + 1,
                args.sizes.len(),
                args.warmup,
            );
            let copy = measure_size(
                &mut targets,
                &mut bufs,
                &mut rng,
                size,
                (args.warmup, per_block),
                &order,
            )
            .with_context(|| format!("size {size}"))?;
            memcpy.entry(size).or_default().extend(copy);
            eprintln!(" {:.1} s", started.elapsed().as_secs_f64());
            if targets
                .iter()
                .all(|t| t.kind != SeriesKind::Device || t.failed.is_some())
            {
                bail!(
                    "no device could be measured: {}",
                    targets
                        .iter()
                        .filter_map(|t| Some(format!("{}: {}", t.path, t.failed.as_ref()?)))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
        }
        blocks_run += 1;
        let widest = widest_half_width(&targets, &reference);
        if args.blocks > 1 && blocks_run >= args.blocks {
            eprintln!(
                "bench: {blocks_run} blocks, widest device ratio 95% CI half-width {:.2}% (target {:.2}%)",
                widest * 100.0,
                args.ci_target * 100.0
            );
        }
        let out_of_time = bench_started.elapsed().as_secs() >= args.time_cap;
        if !blocks::another_block(blocks_run, args.blocks, widest, args.ci_target, out_of_time) {
            break;
        }
    }
    for t in targets.iter().filter(|t| t.failed.is_some()) {
        skipped.push(Skipped {
            target: t.path.clone(),
            reason: t.failed.clone().unwrap_or_default(),
        });
    }
    targets.retain(|t| t.failed.is_none());
    for &size in &args.sizes {
        for t in &mut targets {
            let samples = t.samples.remove(&size).unwrap_or_default();
            for (op, s) in [Op::Pwrite, Op::Pread].into_iter().zip(samples) {
                series.push(Series::from_samples(t.kind, &t.label, &t.path, op, size, s));
            }
        }
        let copies = memcpy.remove(&size).unwrap_or_default();
        series.push(Series::from_samples(
            SeriesKind::Memcpy,
            "memcpy",
            "",
            Op::Copy,
            size,
            copies,
        ));
    }

    let blocks_s = bench_started.elapsed().as_secs_f64();
    let mut comparisons = results::bench::compare(&series, &reference);
    if blocks_run > 1 {
        for c in &mut comparisons {
            if let Some(r) = block_ratio(&targets, &c.reference, &c.target, c.op, c.size) {
                c.block_ratios = r.ratios;
                c.block_ratio_ci95 = r.ci95;
            }
        }
    }
    for s in &skipped {
        eprintln!("bench: error: skipped {}: {}", s.target, s.reason);
    }
    Ok(BenchReport {
        schema: BENCH_SCHEMA.into(),
        env,
        config: BenchConfig {
            devices: args
                .devices
                .iter()
                .map(|d| d.path.display().to_string())
                .collect(),
            reference: Some(reference),
            sizes: args.sizes.clone(),
            // Counted per size: with blocks, the share of each block times the blocks run.
            trials: if args.blocks > 1 {
                per_block * blocks_run
            } else {
                args.trials
            },
            warmup: args.warmup,
            offset: OFFSET,
            seed: args.seed,
            tmpfs_path,
            timing: TIMING.into(),
            schedule: if blocks_run > 1 {
                format!("{SCHEDULE} {BLOCK_SCHEDULE}")
            } else {
                SCHEDULE.into()
            },
            clock: "CLOCK_MONOTONIC via std::time::Instant, nanoseconds".into(),
            percentile_method: stats::PERCENTILE_METHOD.into(),
            ci_method: stats::CI_METHOD.into(),
            comparison_method: stats::COMPARISON_METHOD.into(),
            blocks: blocks_run,
            ci_target: (args.blocks > 1).then_some(args.ci_target),
            between_blocks: args.between_blocks.clone(),
            blocks_s: (args.blocks > 1).then_some(blocks_s),
        },
        skipped,
        series,
        comparisons,
    })
}

/// Closes every device, runs `cmd` with `sh -c`, reopens the devices (the tmpfs peer stays
/// open: it belongs to no module).
fn between_blocks(targets: &mut [Target], cmd: &str, max_size: u64) -> Result<()> {
    for t in targets.iter_mut().filter(|t| t.kind == SeriesKind::Device) {
        t.io = None;
    }
    let status = std::process::Command::new("sh")
        .args(["-c", cmd])
        .status()
        .with_context(|| format!("--between-blocks: cannot run sh -c {cmd:?}"))?;
    ensure!(
        status.success(),
        "--between-blocks {cmd:?} failed: {status}"
    );
    for t in targets
        .iter_mut()
        .filter(|t| t.kind == SeriesKind::Device && t.failed.is_none())
    {
        let dev = open_device(Path::new(&t.path), max_size)
            .with_context(|| format!("reopening {} after --between-blocks", t.path))?;
        t.io = Some(Box::new(dev));
    }
    Ok(())
}

fn skip(skipped: &mut Vec<Skipped>, path: &Path, e: anyhow::Error) {
    let s = Skipped {
        target: path.display().to_string(),
        reason: format!("{e:#}"),
    };
    eprintln!("bench: error: skipping {}: {}", s.target, s.reason);
    skipped.push(s);
}

fn target(kind: SeriesKind, label: String, path: &Path, io: Box<dyn Transfer>) -> Target {
    Target {
        kind,
        label,
        path: path.display().to_string(),
        io: Some(io),
        samples: BTreeMap::new(),
        block_medians: BTreeMap::new(),
        failed: None,
    }
}

/// The ratio `target`/`reference` of per-block medians at (op, size).
fn block_ratio(
    targets: &[Target],
    reference: &str,
    target: &str,
    op: Op,
    size: u64,
) -> Option<blocks::BlockRatio> {
    let medians = |label: &str| {
        targets
            .iter()
            .find(|t| t.label == label)
            .and_then(|t| t.block_medians.get(&size))
            .map(|m| m[op_index(op)].as_slice())
    };
    blocks::BlockRatio::of(medians(reference)?, medians(target)?)
}

/// Widest relative 95% CI half-width over blocks of any device against the reference.
fn widest_half_width(targets: &[Target], reference: &str) -> f64 {
    let mut widest: f64 = 0.0;
    if targets
        .iter()
        .any(|t| t.label == reference && t.failed.is_some())
    {
        // No ratio left to narrow: more blocks would only run into the time cap.
        return widest;
    }
    for t in targets
        .iter()
        .filter(|t| t.kind == SeriesKind::Device && t.label != reference && t.failed.is_none())
    {
        for &size in t.block_medians.keys() {
            for op in [Op::Pwrite, Op::Pread] {
                let w = block_ratio(targets, reference, &t.label, op, size)
                    .map_or(f64::INFINITY, |r| r.rel_half_width());
                widest = widest.max(w);
            }
        }
    }
    widest
}

fn open_device(path: &Path, max_size: u64) -> Result<Device> {
    let dev = Device::open(path).context("cannot open")?;
    // A driver without the SIZE ioctl (part 2 asks for none) is still measured when its
    // lseek knows SEEK_END.
    let size = dev
        .buffer_size()
        .context("its size is unknown: neither MYMEM_IOC_SIZE nor lseek(0, SEEK_END) answered")?;
    ensure!(
        OFFSET + max_size <= size,
        "device buffer is {size} bytes, smaller than the largest size {max_size}"
    );
    Ok(dev)
}

fn open_tmpfs(path: &Path, len: usize) -> Result<File> {
    if let Ok(fs) = rustix::fs::statfs(path.parent().unwrap_or(Path::new("/"))) {
        if fs.f_type as u32 != TMPFS_MAGIC {
            eprintln!(
                "bench: warning: {} is not on tmpfs (f_type {:#x})",
                path.display(),
                fs.f_type
            );
        }
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .context("cannot create")?;
    // Allocate every page now, so no timed pwrite extends the file.
    FileExt::write_all_at(&file, &vec![0u8; len], OFFSET).context("cannot fill")?;
    Ok(file)
}

/// The name of the module that provides the device at `path` (whatever its node is called:
/// /dev/mymem may be anyone's driver), else the path.
pub fn device_label(path: &Path) -> String {
    crate::provider::module_of(path).unwrap_or_else(|| path.display().to_string())
}

fn unique_label(label: String, path: &Path, targets: &[Target]) -> String {
    if targets.iter().any(|t| t.label == label) {
        path.display().to_string()
    } else {
        label
    }
}

/// Runs one block's trials of one size, `(warmup, counted)`, visiting the steps in `order`
/// rotated per trial; adds the targets' samples and block medians and returns the memcpy
/// samples.
fn measure_size(
    targets: &mut [Target],
    bufs: &mut Buffers,
    rng: &mut SmallRng,
    size: u64,
    (warmup, trials): (u32, u32),
    order: &[usize],
) -> Result<Vec<u64>> {
    let len = usize::try_from(size)?;
    let (warmup, trials) = (warmup as usize, trials as usize);
    let mut block: Vec<[Vec<u64>; 2]> = targets
        .iter()
        .map(|_| [Vec::with_capacity(trials), Vec::with_capacity(trials)])
        .collect();
    let mut memcpy = Vec::with_capacity(trials);
    rng.fill_bytes(&mut bufs.copy_src[..len]);

    // Steps 0..n are the targets, step n is memcpy.
    let steps = targets.len() + 1;
    for trial in 0..(warmup + trials) {
        let counted = trial >= warmup;
        for slot in 0..steps {
            let step = order[(slot + trial) % steps];
            if step == targets.len() {
                let ns = time_memcpy(&bufs.copy_src[..len], &mut bufs.copy_dst[..len]);
                if counted {
                    memcpy.push(ns);
                }
                continue;
            }
            let t = &targets[step];
            if t.failed.is_some() {
                continue;
            }
            match transfer_trial(t, bufs, rng, len, trial) {
                Ok((w, r)) if counted => {
                    block[step][0].push(w);
                    block[step][1].push(r);
                }
                Ok(_) => {}
                Err(e) => {
                    // A device that breaks the contract here is measured no further; the
                    // others go on (the run fails only when no device is left).
                    let why = format!("size {size} B, trial {trial}: {e:#}");
                    eprintln!("\nbench: error: {} ({}): {why}", t.label, t.path);
                    targets[step].failed = Some(why);
                }
            }
        }
    }
    for (t, samples) in targets.iter_mut().zip(block) {
        if t.failed.is_some() {
            continue;
        }
        let medians = t.block_medians.entry(size).or_default();
        let all = t.samples.entry(size).or_default();
        for (i, s) in samples.into_iter().enumerate() {
            medians[i].push(blocks::median(&s).unwrap_or(0.0));
            all[i].extend(s);
        }
    }
    Ok(memcpy)
}

/// One pwrite + one pread of fresh data, each timed alone; verified after.
fn transfer_trial(
    t: &Target,
    bufs: &mut Buffers,
    rng: &mut SmallRng,
    len: usize,
    trial: usize,
) -> Result<(u64, u64)> {
    let wbuf = &mut bufs.write[..len];
    let rbuf = &mut bufs.read[..len];
    let io = t.io.as_deref().context("device closed")?;
    rng.fill_bytes(wbuf);

    let t0 = Instant::now();
    let written = io.pwrite(wbuf, OFFSET);
    let t1 = Instant::now();
    let written = written.context("pwrite")?;
    ensure!(written == len, "short pwrite: {written} of {len} bytes");

    let t2 = Instant::now();
    let read = io.pread(rbuf, OFFSET);
    let t3 = Instant::now();
    let read = read.context("pread")?;
    ensure!(read == len, "short pread: {read} of {len} bytes");

    if let Some(at) = wbuf.iter().zip(rbuf.iter()).position(|(w, r)| w != r) {
        bail!("trial {trial}: read-back of {len} bytes differs from what was written, first at byte {at}");
    }
    Ok((nanos(t1 - t0), nanos(t3 - t2)))
}

fn time_memcpy(src: &[u8], dst: &mut [u8]) -> u64 {
    let t0 = Instant::now();
    dst.copy_from_slice(black_box(src));
    black_box(&mut *dst);
    let t1 = Instant::now();
    nanos(t1 - t0)
}

/// Syscall floor and clock overhead, rotated like the sizes.
fn baselines(warmup: u32, trials: u32) -> Result<Vec<Series>> {
    let mut zero = File::open("/dev/zero").context("/dev/zero")?;
    let mut null = OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .context("/dev/null")?;
    let mut byte = [0u8; 1];
    let mut samples: [Vec<u64>; 3] = Default::default();
    for trial in 0..(warmup + trials) as usize {
        for slot in 0..3 {
            let step = (slot + trial) % 3;
            let ns = match step {
                0 => {
                    let t0 = Instant::now();
                    let r = zero.read(&mut byte);
                    let t1 = Instant::now();
                    ensure!(r.context("read /dev/zero")? == 1, "short read of /dev/zero");
                    nanos(t1 - t0)
                }
                1 => {
                    let t0 = Instant::now();
                    let r = null.write(&byte);
                    let t1 = Instant::now();
                    ensure!(
                        r.context("write /dev/null")? == 1,
                        "short write to /dev/null"
                    );
                    nanos(t1 - t0)
                }
                _ => {
                    let t0 = Instant::now();
                    let t1 = Instant::now();
                    nanos(t1 - t0)
                }
            };
            if trial >= warmup as usize {
                samples[step].push(ns);
            }
        }
    }
    let [read, write, clock] = samples;
    Ok(vec![
        Series::from_samples(
            SeriesKind::Syscall,
            "/dev/zero",
            "/dev/zero",
            Op::Read,
            1,
            read,
        ),
        Series::from_samples(
            SeriesKind::Syscall,
            "/dev/null",
            "/dev/null",
            Op::Write,
            1,
            write,
        ),
        Series::from_samples(SeriesKind::Clock, "clock", "", Op::Now, 0, clock),
    ])
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The stdout tables of a bench report.
pub fn render(report: &BenchReport) -> String {
    let mut out = String::new();
    let transfer: Vec<&Series> = report.series.iter().filter(|s| s.is_transfer()).collect();
    let mut labels: Vec<&str> = Vec::new();
    for s in &transfer {
        if !labels.contains(&s.label.as_str()) {
            labels.push(&s.label);
        }
    }
    let reference = report.config.reference.as_deref().unwrap_or("");
    let others: Vec<&str> = labels.iter().copied().filter(|l| *l != reference).collect();

    let mut headers = vec!["size".to_string(), "op".into()];
    headers.extend(labels.iter().map(|l| format!("{l} mean µs")));
    for o in &others {
        headers.push(format!("{o}/{reference}"));
        headers.push(format!("Δ {o} vs {reference} [95% CI]"));
    }
    let mut main = Table::new(headers);
    for &size in &report.config.sizes {
        for op in [Op::Pwrite, Op::Pread] {
            let mean = |label: &str| {
                transfer
                    .iter()
                    .find(|s| s.label == label && s.op == op && s.size == size)
                    .map(|s| us(s.stats.mean_ns))
                    .unwrap_or_default()
            };
            let mut row = vec![size.to_string(), op.as_str().into()];
            row.extend(labels.iter().map(|l| mean(l)));
            for o in &others {
                match report
                    .comparisons
                    .iter()
                    .find(|c| c.target == *o && c.op == op && c.size == size)
                {
                    Some(c) => {
                        row.push(format!("{:.3}", c.ratio));
                        let mut cell = format!(
                            "{} [{}, {}]",
                            pct(c.rel_diff),
                            pct(c.rel_diff_ci95[0]),
                            pct(c.rel_diff_ci95[1])
                        );
                        if let Some([lo, hi]) = c.block_ratio_ci95 {
                            cell.push_str(&format!(
                                "; blocks [{}, {}]",
                                pct(lo - 1.0),
                                pct(hi - 1.0)
                            ));
                        }
                        row.push(cell);
                    }
                    None => row.extend([String::new(), String::new()]),
                }
            }
            main.row(row);
        }
    }
    out.push_str(&format!(
        "bench: mean latency of one syscall, {} trials (+{} warmup); Δ = (X - {reference}) / {reference}\n",
        report.config.trials, report.config.warmup
    ));
    if report.config.blocks > 1 {
        out.push_str(&format!(
            "{} blocks; \"blocks\": 95% CI of the ratio of medians over blocks, minus 1\n",
            report.config.blocks
        ));
    }
    out.push_str(&main.render());

    let mut detail = Table::new([
        "target",
        "op",
        "size",
        "n",
        "mean µs",
        "median",
        "p99",
        "min",
        "max",
        "sd",
        "95% CI of mean",
        "MB/s",
    ]);
    for s in &report.series {
        let st = &s.stats;
        let ci = st
            .ci95_ns
            .map(|[lo, hi]| format!("[{}, {}]", us(lo), us(hi)))
            .unwrap_or_else(|| "-".into());
        detail.row(vec![
            s.label.clone(),
            s.op.as_str().into(),
            s.size.to_string(),
            st.n.to_string(),
            us(st.mean_ns),
            us(st.median_ns),
            us(st.p99_ns),
            us(st.min_ns as f64),
            us(st.max_ns as f64),
            us(st.stddev_ns),
            ci,
            if s.size > 0 {
                format!("{:.2}", s.throughput_mb_s)
            } else {
                "-".into()
            },
        ]);
    }
    out.push_str(
        "\nall series (µs; baselines: syscall floor, clock overhead, memcpy, tmpfs peer):\n",
    );
    out.push_str(&detail.render());
    if !report.skipped.is_empty() {
        out.push_str("\nskipped:\n");
        for s in &report.skipped {
            out.push_str(&format!("  {}: {}\n", s.target, s.reason));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        // No module provides these on the host: the label is the path, never a guessed
        // language from the node's name.
        assert_eq!(device_label(Path::new("/dev/mymem")), "/dev/mymem");
        assert_eq!(device_label(Path::new("/tmp/x")), "/tmp/x");
    }

    #[test]
    fn tmpfs_peer_and_transfer_round_trip() {
        let dir = std::env::temp_dir().join(format!("mymem-cli-test.{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("peer");
        let file = open_tmpfs(&path, 4096).unwrap();
        let _guard = TmpFile(path.clone());
        let t = target(SeriesKind::Tmpfs, "tmpfs".into(), &path, Box::new(file));
        let mut bufs = Buffers::new(4096);
        let mut rng = SmallRng::seed_from_u64(1);
        for len in [1, 4096] {
            transfer_trial(&t, &mut bufs, &mut rng, len, 0).unwrap();
        }
        drop(_guard);
        assert!(!path.exists());
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn baselines_measure_something() {
        let s = baselines(1, 3).unwrap();
        assert_eq!(s.len(), 3);
        assert!(s.iter().all(|s| s.samples_ns.len() == 3));
    }
}
