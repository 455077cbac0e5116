//! The lab pipeline behind `lab run` and `lab bench`: every measurement in
//! one boot (guest/scripts/measure.sh), for `lab run` a second, short boot with
//! `--clock icount` (guest/scripts/measure-icount.sh: the user-space and
//! in-kernel benches only), the compile-fail evidence (`lab run`), then
//! run.json and the report.

use anyhow::{Context, Result};
use results::layout;

use crate::cmd;
use crate::measure::drivers::Plan;
use crate::suites::hello::check_hello_lines;
use crate::vm::clock::Clock;
use crate::vm::guest::{Lab, Scenario};
use crate::vm::guest_results::read_result;
use crate::vm::script::{guest_script, Exit, Script};

const MEASURE: Script = guest_script!(
    "measure.sh",
    &[
        Exit::new("EXIT_HELLO", 11, "loading or unloading hello.ko failed"),
        Exit::new("EXIT_LOAD", 12, "loading mymem or mymem_c failed"),
        Exit::new("EXIT_BENCH", 13, "mymem bench failed"),
        Exit::new("EXIT_RACE", 14, "mymem race failed"),
        Exit::new("EXIT_KERNEL_LOAD", 15, "loading mymem_test failed"),
        Exit::new("EXIT_KERNEL_START", 16, "starting the in-kernel run failed"),
        Exit::new(
            "EXIT_KERNEL_READ",
            17,
            "reading the in-kernel results failed"
        ),
        Exit::new("EXIT_KERNEL_UNLOAD", 18, "unloading mymem_test failed"),
        Exit::new("EXIT_MISUSE", 19, "mymem misuse failed"),
        Exit::new("EXIT_MATRIX", 20, "mymem matrix failed"),
        Exit::new(
            "EXIT_EXCLUSIVE",
            21,
            "reloading mymem/mymem_c with exclusive=1 or mymem misuse --exclusive failed"
        ),
        Exit::new(
            "EXIT_NOTHING",
            22,
            "nothing could be measured on these drivers"
        ),
    ]
);

const MEASURE_ICOUNT: Script = guest_script!(
    "measure-icount.sh",
    &[
        Exit::new("EXIT_LOAD", 12, "loading mymem or mymem_c failed"),
        Exit::new("EXIT_BENCH", 13, "mymem bench failed"),
        Exit::new("EXIT_KERNEL_LOAD", 15, "loading mymem_test failed"),
        Exit::new(
            "EXIT_KERNEL_START",
            16,
            "starting the in-kernel bench failed"
        ),
        Exit::new(
            "EXIT_KERNEL_READ",
            17,
            "reading the in-kernel results failed"
        ),
        Exit::new("EXIT_KERNEL_UNLOAD", 18, "unloading mymem_test failed"),
        Exit::new(
            "EXIT_NOTHING",
            22,
            "nothing could be measured on these drivers"
        ),
    ]
);

/// guest/scripts/modules.sh, which both measurement scripts source: loading the modules of
/// the run, finding their devices, recording holes.
const MODULES_LIB: &str = "modules.sh";
const MODULES_LIB_GUEST: &str = "/lab/lib/modules.sh";

/// The scenario with modules.sh shipped in.
fn with_modules_lib(mut scenario: Scenario) -> Scenario {
    scenario.files.push((
        crate::paths::repo_root()
            .join("crates/lab/guest/scripts")
            .join(MODULES_LIB),
        MODULES_LIB_GUEST.into(),
    ));
    scenario
}

/// The variables of modules.sh for `plan`, and the result files it writes.
fn module_vars(plan: &Plan) -> Vec<(&'static str, String)> {
    let mut vars = plan.script_vars(&layout::guest_path(layout::MODULES_TXT));
    vars.push(("KERNEL_LOG_TXT", layout::guest_path(layout::KERNEL_LOG_TXT)));
    vars
}

/// Settings of the measurement runs (`lab run`, `lab bench`).
#[derive(Debug, Clone, clap::Args)]
pub struct Measure {
    /// Wall clock: counted trials per size of the user-space bench's first --blocks blocks
    /// (trials/blocks per block: many short blocks, i.e. many module loads, narrow the CI over
    /// loads faster than long ones), and of each in-kernel bench round.
    #[arg(long, default_value_t = 500)]
    pub trials: u32,
    /// Wall clock: the user-space bench runs at least this many blocks, each in its own random
    /// driver order with the modules reloaded before it; blocks are added until every Rust/C
    /// ratio's 95 % CI over blocks is within ±2 % or --bench-time-cap.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub blocks: u32,
    /// Wall clock: no bench block starts after this many seconds (guest time).
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub bench_time_cap: u64,
    /// icount clock: trials per size of the user-space bench (one block) and of the in-kernel
    /// bench. The medians are deterministic, so few suffice.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub icount_trials: u32,
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

/// Uncounted trials per size before the counted ones: in an icount boot, and in every block
/// of the wall bench (after each module reload).
const WARMUP: u32 = 10;

/// The lab's measurements, all in one boot so that every comparison is within it. In an
/// icount boot (`lab --clock icount bench`) the bench runs --icount-trials in one block: guest
/// time is instructions there, so a time cap in guest seconds would mean nothing.
pub fn measure_scenario(m: &Measure, with_hello: bool, clock: Clock, plan: &Plan) -> Scenario {
    let flag = |on: bool| String::from(if on { "1" } else { "0" });
    let (trials, blocks) = match clock {
        Clock::Wall => (m.trials, m.blocks),
        Clock::Icount => (m.icount_trials, 1),
    };
    let mut vars = module_vars(plan);
    vars.extend([
        ("WITH_HELLO", flag(with_hello)),
        ("WITH_KERNEL", flag(!m.no_kernel)),
        ("TRIALS", trials.to_string()),
        ("WARMUP", WARMUP.to_string()),
        ("BLOCKS", blocks.to_string()),
        ("BENCH_TIME_CAP", m.bench_time_cap.to_string()),
        ("KERNEL_ROUND_JSONS", kernel_round_paths()),
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
    let script = MEASURE.with(&vars);
    // Generous: the userspace race sweep dominates and is emulated under TCG.
    with_modules_lib(Scenario::new(layout::MEASURE_SCENARIO, &script).timeout(4 * 3600))
}

/// Guest paths of the in-kernel bench rounds after the first, space-separated.
fn kernel_round_paths() -> String {
    (2..=layout::KERNEL_ROUNDS)
        .map(|n| layout::guest_path(&layout::kernel_round(n)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The second boot of `lab run`: the user-space and in-kernel benches with `--clock icount`.
pub fn icount_scenario(m: &Measure, plan: &Plan) -> Scenario {
    let mut vars = module_vars(plan);
    vars.extend([
        (
            "WITH_KERNEL",
            String::from(if m.no_kernel { "0" } else { "1" }),
        ),
        ("KERNEL_ROUND_JSONS", kernel_round_paths()),
        ("TRIALS", m.icount_trials.to_string()),
        ("WARMUP", WARMUP.to_string()),
        ("BENCH_JSON", layout::guest_path(layout::BENCH_JSON)),
        ("KERNEL_JSON", layout::guest_path(layout::KERNEL_JSON)),
    ]);
    let script = MEASURE_ICOUNT.with(&vars);
    // Under 30 s at the defaults under TCG (8 s measured); generous for a loaded host.
    with_modules_lib(Scenario::new(layout::ICOUNT_SCENARIO, &script).timeout(1800))
}

/// Where the matrix finds the seed's C program in the guest.
const SEED_COUNTER_GUEST: &str = "/lab/bin/seed_counter";

/// The measurement boot with the seed's C program shipped in.
fn measure_boot(lab: &Lab, m: &Measure, with_hello: bool, plan: &Plan) -> Result<Scenario> {
    let mut scenario = measure_scenario(m, with_hello, lab.clock, plan);
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
    for e in crate::suites::evidence::collect(&lab.kernel, &dir)? {
        if let Err(why) = e.verdict() {
            cmd::note(&format!("warning: {why:#}"));
        }
    }
    Ok(())
}

/// The boots of `lab run`: both clocks unless `--clock` chose one.
pub fn run_clocks(clock: Option<Clock>) -> Vec<Clock> {
    match clock {
        Some(c) => vec![c],
        None => vec![Clock::Wall, Clock::Icount],
    }
}

/// `lab run`: the whole lab in one wall-clock boot and the benches again in an icount boot
/// (or only the boot of `clocks`), then the report. `plan`: the modules measured (ours, or
/// someone's: lab run --driver).
pub fn run_lab(lab: &Lab, m: &Measure, clocks: &[Clock], mut plan: Plan) -> Result<()> {
    compile_fail_evidence(lab)?;
    let mut api = None;
    for &clock in clocks {
        let lab = &Lab {
            clock,
            ..lab.clone()
        };
        let started = std::time::Instant::now();
        let outcome = match clock {
            Clock::Wall => {
                let outcome = MEASURE.run_clean(lab, &measure_boot(lab, m, true, &plan)?)?;
                if plan.hello.is_kit() {
                    check_hello_lines(&read_result(&outcome, layout::HELLO_TXT)?, 1)?;
                }
                outcome
            }
            Clock::Icount => MEASURE_ICOUNT.run_clean(lab, &icount_scenario(m, &plan))?,
        };
        // The devices found in the first boot are the ones the next boot measures.
        if let Ok(text) = read_result(&outcome, layout::MODULES_TXT) {
            api = plan.record_guest(&text).or(api);
        }
        cmd::note(&format!(
            "{} boot: {:.0} s",
            clock.name(),
            started.elapsed().as_secs_f64()
        ));
    }
    finish_run(lab, clocks, &plan, api)
}

/// `lab bench`: measurements only, one boot in the lab's clock, JSON under the run directory.
pub fn run_bench(lab: &Lab, m: &Measure, mut plan: Plan) -> Result<()> {
    let outcome = MEASURE.run_clean(lab, &measure_boot(lab, m, false, &plan)?)?;
    let api = read_result(&outcome, layout::MODULES_TXT)
        .ok()
        .and_then(|text| plan.record_guest(&text));
    finish_run(lab, &[lab.clock], &plan, api)
}

/// Writes run.json beside the guest results and renders the report.
fn finish_run(lab: &Lab, clocks: &[Clock], plan: &Plan, api: Option<String>) -> Result<()> {
    let mut info = crate::measure::run_info::collect(lab, clocks)?;
    info.modules = plan.infos(api)?;
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
            let s = measure_scenario(&m, hello, Clock::Wall, &Plan::default());
            crate::vm::script::tests::check(&MEASURE, &s.script);
            assert!(s.script.contains("BLOCKS='5'"));
            assert!(s.script.contains(
                "KERNEL_ROUND_JSONS='/results/kernel-bench-2.json /results/kernel-bench-3.json'"
            ));
            assert!(s
                .script
                .contains(&format!("WITH_HELLO='{}'", u8::from(hello))));
            assert!(s.script.contains("BENCH_JSON='/results/bench.json'"));
            assert!(s.script.contains("MATRIX_ITERATIONS='10000'"));
        }
    }

    /// The phase timer of measure.sh, fed uptimes from a file as the guest's /proc/uptime.
    fn phase_lines(uptimes: &[&str]) -> String {
        let text = MEASURE.text;
        let start = text.find("phase_cs=").unwrap();
        let end = start + text[start..].find("\n}\n").unwrap() + 3;
        let file = std::env::temp_dir().join(format!("lab-uptime-{}", std::process::id()));
        let mut script = format!("{}\n", &text[start..end]);
        for (i, up) in uptimes.iter().enumerate() {
            script.push_str(&format!(
                "command echo '{up} 0.00' > {f}; echo '== phase {i}' || exit 9\n",
                f = file.display()
            ));
        }
        let out = std::process::Command::new("busybox")
            .args(["sh", "-c", &script])
            .env("UPTIME_FILE", &file)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&file);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn phase_times_survive_uptimes_with_a_leading_zero() {
        // "0.95" once made "095", an invalid octal number, and the measurement boot exit 2.
        let out = phase_lines(&["0.95", "1.06", "10.08", "75.42"]);
        assert!(out.contains("== phase 0 [at 0.95 s]"), "{out}");
        assert!(out.contains("[at 1.06 s, previous phase 0.1 s]"), "{out}");
        assert!(out.contains("[at 75.42 s, previous phase 65.3 s]"), "{out}");
    }

    #[test]
    fn full_runs_the_matrix_at_the_seed_n() {
        let m = Args::parse_from(["x", "--full", "--matrix-iterations", "7"]).m;
        assert_eq!(m.matrix_n(), SEED_ITERATIONS);
        let s = measure_scenario(&m, true, Clock::Wall, &Plan::default());
        assert!(s.script.contains("MATRIX_ITERATIONS='150000'"));
        assert_eq!(
            Args::parse_from(["x", "--matrix-iterations", "7"])
                .m
                .matrix_n(),
            7
        );
        assert!(Args::try_parse_from(["x", "--matrix-trials", "2"]).is_err());
    }

    #[test]
    fn icount_boots_run_few_trials_in_one_block() {
        let m = Args::parse_from(["x"]).m;
        let s = measure_scenario(&m, false, Clock::Icount, &Plan::default());
        assert!(s.script.contains("TRIALS='100'") && s.script.contains("BLOCKS='1'"));
        let s = icount_scenario(&m, &Plan::default());
        crate::vm::script::tests::check(&MEASURE_ICOUNT, &s.script);
        assert_eq!(s.name, layout::ICOUNT_SCENARIO);
        assert!(s.script.contains("TRIALS='100'"));
        assert_eq!(run_clocks(None), [Clock::Wall, Clock::Icount]);
        assert_eq!(run_clocks(Some(Clock::Icount)), [Clock::Icount]);
    }
}
