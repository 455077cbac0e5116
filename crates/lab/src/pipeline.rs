//! The lab pipeline behind `lab run` and `lab bench`: every measurement in
//! one boot (guest/scripts/measure.sh), the compile-fail evidence (`lab run`),
//! then run.json and the report.

use anyhow::{Context, Result};
use results::layout;

use crate::cmd;
use crate::guest::{Lab, Scenario};
use crate::guest_results::read_result;
use crate::script::{guest_script, Exit, Script};
use crate::suites::hello::check_hello_lines;

const MEASURE: Script = guest_script!(
    "measure.sh",
    &[
        Exit::new("EXIT_HELLO", 1, "loading or unloading hello.ko failed"),
        Exit::new("EXIT_LOAD", 2, "loading mymem or mymem_c failed"),
        Exit::new("EXIT_BENCH", 3, "mymem bench failed"),
        Exit::new("EXIT_RACE", 4, "mymem race failed"),
        Exit::new("EXIT_KERNEL_LOAD", 5, "loading mymem_test failed"),
        Exit::new("EXIT_KERNEL_START", 6, "starting the in-kernel run failed"),
        Exit::new(
            "EXIT_KERNEL_READ",
            7,
            "reading the in-kernel results failed"
        ),
        Exit::new("EXIT_KERNEL_UNLOAD", 8, "unloading mymem_test failed"),
        Exit::new("EXIT_MISUSE", 9, "mymem misuse failed"),
        Exit::new("EXIT_MATRIX", 10, "mymem matrix failed"),
        Exit::new(
            "EXIT_EXCLUSIVE",
            11,
            "reloading mymem/mymem_c with exclusive=1 or mymem misuse --exclusive failed"
        ),
    ]
);

/// Settings of the measurement runs (`lab run`, `lab bench`).
#[derive(Debug, Clone, clap::Args)]
pub struct Measure {
    /// Trials per size for `mymem bench` (and the in-kernel benchmark).
    #[arg(long, default_value_t = 1000)]
    pub trials: u32,
    /// Iterations per worker in the userspace race sweep (the seed used
    /// 150000: about 3 h under TCG for the whole sweep).
    #[arg(long, default_value_t = 5000)]
    pub race_iterations: u64,
    /// Trials per (workers, strategy) in the race sweep (at least 3).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(3..))]
    pub race_trials: u32,
    /// Workers of the in-kernel race.
    #[arg(long, default_value_t = 50)]
    pub kernel_workers: u32,
    /// Iterations per worker of the in-kernel race.
    #[arg(long, default_value_t = 150000)]
    pub kernel_iterations: u64,
    /// Skip the in-kernel experiments.
    #[arg(long)]
    pub no_kernel: bool,
    /// Iterations per worker of the C-vs-Rust program matrix (W = 50); the
    /// default keeps the matrix to about a minute of `make run` under TCG.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub matrix_iterations: u64,
    /// Runs per cell of the matrix (at least 3, for the spread).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(3..))]
    pub matrix_trials: u32,
    /// Run the matrix at the seed's N = 150 000 (overrides
    /// --matrix-iterations; about 25 min more under TCG).
    #[arg(long)]
    pub full: bool,
}

/// The seed's N, used by the matrix with `--full`.
pub const SEED_ITERATIONS: u64 = 150_000;
/// Workers of the matrix: the seed's W.
pub const MATRIX_WORKERS: u32 = 50;

impl Measure {
    /// Iterations per worker of the matrix.
    pub fn matrix_n(&self) -> u64 {
        if self.full {
            SEED_ITERATIONS
        } else {
            self.matrix_iterations
        }
    }
}

/// The lab's measurements, all in one boot so that every comparison is within it.
pub fn measure_scenario(m: &Measure, with_hello: bool) -> Scenario {
    let flag = |on: bool| String::from(if on { "1" } else { "0" });
    let script = MEASURE.with(&[
        ("WITH_HELLO", flag(with_hello)),
        ("WITH_KERNEL", flag(!m.no_kernel)),
        ("TRIALS", m.trials.to_string()),
        ("RACE_ITERATIONS", m.race_iterations.to_string()),
        ("RACE_TRIALS", m.race_trials.to_string()),
        ("KERNEL_WORKERS", m.kernel_workers.to_string()),
        ("KERNEL_ITERATIONS", m.kernel_iterations.to_string()),
        ("MATRIX_WORKERS", MATRIX_WORKERS.to_string()),
        ("MATRIX_ITERATIONS", m.matrix_n().to_string()),
        ("MATRIX_TRIALS", m.matrix_trials.to_string()),
        ("SEED_COUNTER", SEED_COUNTER_GUEST.into()),
        ("HELLO_TXT", layout::guest_path(layout::HELLO_TXT)),
        ("BENCH_JSON", layout::guest_path(layout::BENCH_JSON)),
        ("RACE_JSON", layout::guest_path(layout::RACE_JSON)),
        ("KERNEL_JSON", layout::guest_path(layout::KERNEL_JSON)),
        ("MISUSE_JSON", layout::guest_path(layout::MISUSE_JSON)),
        (
            "MISUSE_EXCLUSIVE_JSON",
            layout::guest_path(layout::MISUSE_EXCLUSIVE_JSON),
        ),
        ("MATRIX_JSON", layout::guest_path(layout::MATRIX_JSON)),
    ]);
    // Generous: the userspace race sweep dominates and is emulated under TCG.
    Scenario::new(layout::MEASURE_SCENARIO, &script).timeout(4 * 3600)
}

/// Where the matrix finds the seed's C program in the guest.
const SEED_COUNTER_GUEST: &str = "/lab/bin/seed_counter";

/// The measurement boot with the seed's C program shipped in.
fn measure_boot(lab: &Lab, m: &Measure, with_hello: bool) -> Result<Scenario> {
    let mut scenario = measure_scenario(m, with_hello);
    let (_, exe) = lab
        .bins
        .seed
        .iter()
        .find(|(name, _)| name == "seed_counter")
        .context("seed_counter was not built")?;
    scenario
        .files
        .push((exe.clone(), SEED_COUNTER_GUEST.into()));
    Ok(scenario)
}

/// Builds the compile-fail programs (part 4 evidence) into the run directory.
/// A program that compiles is recorded, and reported, not fatal here: `lab test
/// compile-fail` is the check that fails.
fn compile_fail_evidence(lab: &Lab) -> Result<()> {
    cmd::step("Compile-fail evidence (part 4)");
    let dir = lab.run_dir.join(layout::COMPILE_FAIL_DIR);
    for e in crate::evidence::collect(&lab.kernel, &dir)? {
        if let Err(why) = e.verdict() {
            cmd::note(&format!("warning: {why:#}"));
        }
    }
    Ok(())
}

/// `lab run`: the whole lab in one boot, then the report.
pub fn run_lab(lab: &Lab, m: &Measure) -> Result<()> {
    compile_fail_evidence(lab)?;
    let outcome = MEASURE.run_clean(lab, &measure_boot(lab, m, true)?)?;
    check_hello_lines(&read_result(&outcome, layout::HELLO_TXT)?, 1)?;
    finish_run(lab)
}

/// `lab bench`: measurements only, JSON under the run directory.
pub fn run_bench(lab: &Lab, m: &Measure) -> Result<()> {
    MEASURE.run_clean(lab, &measure_boot(lab, m, false)?)?;
    finish_run(lab)
}

/// Writes run.json beside the guest results and renders the report.
fn finish_run(lab: &Lab) -> Result<()> {
    let info = crate::run_info::collect(lab)?;
    std::fs::write(
        lab.run_dir.join(layout::RUN_JSON),
        serde_json::to_string_pretty(&info)?,
    )?;
    render_report(&lab.run_dir)
}

pub fn render_report(run_dir: &std::path::Path) -> Result<()> {
    cmd::step("Report");
    let rendered = report::render(run_dir)?;
    println!("results: {}", run_dir.display());
    println!("report:  {}", rendered.html.display());
    println!("         {}", rendered.markdown.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        m: Measure,
    }

    #[test]
    fn measure_script_is_complete() {
        let m = Args::parse_from(["x"]).m;
        for (hello, no_kernel) in [(true, false), (false, true)] {
            let m = Measure {
                no_kernel,
                ..m.clone()
            };
            let s = measure_scenario(&m, hello);
            crate::script::tests::check(&MEASURE, &s.script);
            assert!(s
                .script
                .contains(&format!("WITH_HELLO='{}'", u8::from(hello))));
            assert!(s.script.contains("BENCH_JSON='/results/bench.json'"));
            assert!(s.script.contains("MATRIX_ITERATIONS='10000'"));
        }
    }

    #[test]
    fn full_runs_the_matrix_at_the_seed_n() {
        let m = Args::parse_from(["x", "--full", "--matrix-iterations", "7"]).m;
        assert_eq!(m.matrix_n(), SEED_ITERATIONS);
        let s = measure_scenario(&m, true);
        assert!(s.script.contains("MATRIX_ITERATIONS='150000'"));
        assert_eq!(
            Args::parse_from(["x", "--matrix-iterations", "7"])
                .m
                .matrix_n(),
            7
        );
        assert!(Args::try_parse_from(["x", "--matrix-trials", "2"]).is_err());
    }
}
