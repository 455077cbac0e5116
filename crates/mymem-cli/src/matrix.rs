//! `mymem matrix`: the race of part 3 with the program in C (`seed_counter`)
//! and in Rust (`mymem race --strategy none`, one trial), on each driver,
//! every run a child process timed the same way.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use mymem::Device;
use results::{MatrixConfig, MatrixReport, MatrixRun, MATRIX_SCHEMA};

use crate::cli::MatrixArgs;
use crate::rusage::CpuTime;

const TIMING: &str = "wall: CLOCK_MONOTONIC from spawning the program to its exit (process \
start, W thread creations, the W*N cycles, exit); cpu: getrusage(RUSAGE_CHILDREN) user and \
system deltas around it. actual: the counter at offset 0, read after the program exited. Cells \
run interleaved, the order rotated by one each trial.";

/// One cell's program: its language and the command that runs it.
struct Program {
    name: &'static str,
    exe: PathBuf,
    args: Vec<String>,
}

impl Program {
    fn command(&self, device: &Path) -> Command {
        let mut c = Command::new(&self.exe);
        for a in &self.args {
            c.arg(if a == "DEVICE" {
                device.display().to_string()
            } else {
                a.clone()
            });
        }
        c
    }

    fn template(&self) -> String {
        std::iter::once(self.exe.display().to_string())
            .chain(self.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub fn run(args: &MatrixArgs) -> Result<MatrixReport> {
    let env = crate::env_stamp::collect();
    let (w, n) = (args.workers.to_string(), args.iterations.to_string());
    let programs = [
        Program {
            name: "C",
            exe: args.c_program.clone(),
            args: vec!["DEVICE".into(), w.clone(), n.clone()],
        },
        Program {
            name: "Rust",
            exe: std::env::current_exe().context("current_exe")?,
            args: [
                "race",
                "--device",
                "DEVICE",
                "--strategy",
                "none",
                "-w",
                &w,
                "-n",
                &n,
            ]
            .iter()
            .map(|s| s.to_string())
            .chain(["-t".into(), "1".into()])
            .collect(),
        },
    ];
    let cells: Vec<(&Program, &PathBuf)> = programs
        .iter()
        .flat_map(|p| args.devices.iter().map(move |d| (p, d)))
        .collect();
    let expected = u64::from(args.workers) * args.iterations;
    let mut runs = Vec::new();
    for trial in 0..args.trials {
        for k in 0..cells.len() {
            let (program, device) = cells[(k + trial as usize) % cells.len()];
            eprintln!(
                "matrix: trial {}/{}: {} program on {}",
                trial + 1,
                args.trials,
                program.name,
                device.display()
            );
            runs.push(
                one(program, device, trial, expected)
                    .with_context(|| format!("{} program on {}", program.name, device.display()))?,
            );
        }
    }
    Ok(MatrixReport {
        schema: MATRIX_SCHEMA.into(),
        env,
        config: MatrixConfig {
            workers: args.workers,
            iterations: args.iterations,
            trials: args.trials,
            programs: programs
                .iter()
                .map(|p| (p.name.to_string(), p.template()))
                .collect(),
            devices: args
                .devices
                .iter()
                .map(|d| d.display().to_string())
                .collect(),
            timing: TIMING.into(),
        },
        runs,
    })
}

fn one(program: &Program, device: &Path, trial: u32, expected: u64) -> Result<MatrixRun> {
    let before = CpuTime::children()?;
    let start = Instant::now();
    let status = program
        .command(device)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {}", program.exe.display()))?;
    let wall = start.elapsed();
    let cpu = CpuTime::children()?.since(before);
    ensure!(status.success(), "exited with {status}");
    let mut buf = [0u8; 8];
    Device::open(device)?
        .read_exact_at(&mut buf, 0)
        .context("reading the counter")?;
    let ns = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    Ok(MatrixRun {
        program: program.name.into(),
        device: device.display().to_string(),
        trial,
        expected,
        actual: u64::from_ne_bytes(buf),
        wall_ns: ns(wall),
        cpu_user_ns: ns(cpu.user),
        cpu_sys_ns: ns(cpu.sys),
    })
}

/// The stdout table of a matrix report: one row per run.
pub fn render(report: &MatrixReport) -> String {
    let mut t = crate::table::Table::new(["program", "device", "trial", "lost", "wall s", "cpu s"]);
    for r in &report.runs {
        t.row(vec![
            r.program.clone(),
            r.device.clone(),
            r.trial.to_string(),
            r.lost().to_string(),
            format!("{:.3}", r.wall_ns as f64 / 1e9),
            format!("{:.3}", r.cpu_ns() as f64 / 1e9),
        ]);
    }
    format!(
        "matrix: W = {}, N = {}, {} trials\n{}",
        report.config.workers,
        report.config.iterations,
        report.config.trials,
        t.render()
    )
}
