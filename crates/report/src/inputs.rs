//! Reading a run directory. Only run.json is required: every other input
//! that is missing or unreadable becomes a note in its section.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{ensure, Context, Result};
use results::layout::{
    self, BENCH_JSON, COMPILE_FAIL_DIR, COMPILE_FAIL_JSON, HELLO_TXT, ICOUNT_SCENARIO, KERNEL_JSON,
    KERNEL_LOG_TXT, KERNEL_ROUNDS, MATRIX_JSON, MEASURE_SCENARIO, MISUSE_EXCLUSIVE_JSON,
    MISUSE_JSON, RACE_JSON,
};
use results::{
    BenchReport, CompileFailReport, Document, KernelReport, MatrixReport, MisuseReport, RaceReport,
    RunInfo, RUN_SCHEMA,
};

pub use results::layout::RUN_JSON;

/// An input's path relative to the run directory (also its link target).
pub fn rel(file: &str) -> String {
    layout::measured(file)
}

/// An input of the icount boot of `lab run` (`lab-icount/results/<file>`).
pub fn icount_rel(file: &str) -> String {
    layout::measured_in(ICOUNT_SCENARIO, file)
}

/// `compile-fail/<file>`, relative to the run directory (built on the host,
/// not in the measurement boot).
pub fn compile_fail_rel(file: &str) -> String {
    format!("{COMPILE_FAIL_DIR}/{file}")
}

/// An optional input.
#[derive(Debug)]
pub enum Input<T> {
    Missing,
    /// Not produced because the run's driver could not do it (`<file>.hole`: the guest's
    /// reason, e.g. an errno, or the kernel's `Unknown symbol` line).
    Hole(String),
    /// Present but unusable: why.
    Invalid(String),
    /// A measurement-boot file of a run that had no measurement boot (`lab run --clock
    /// icount` boots only the icount guest); the report says why once, in its environment.
    NoBoot,
    Ok(T),
}

impl<T> Input<T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Input::Ok(t) => Some(t),
            _ => None,
        }
    }

    /// A missing measurement-boot file of a run without that boot.
    fn no_boot(&mut self) {
        if matches!(self, Input::Missing) {
            *self = Input::NoBoot;
        }
    }

    /// Why there is no value, as a sentence about `path`.
    pub fn why_not(&self, path: &str) -> Option<String> {
        match self {
            Input::Ok(_) => None,
            Input::Missing => Some(format!("`{path}` is missing: this run did not produce it.")),
            Input::Hole(why) => Some(format!(
                "**Not measured** (`{path}`): this run's driver could not do it. The guest \
                 said:\n\n```text\n{}\n```",
                why.trim_end()
            )),
            Input::Invalid(e) => Some(format!("`{path}` could not be read: {e}")),
            Input::NoBoot => Some(format!(
                "Not measured: this run had no wall-clock boot (see [{NO_WALL_BOOT}](#{})).",
                crate::html::slug(NO_WALL_BOOT)
            )),
        }
    }
}

/// The heading of the environment's note on a run without its measurement boot.
pub const NO_WALL_BOOT: &str = "No wall-clock boot";

pub struct Inputs {
    pub run: RunInfo,
    /// The run had no measurement boot (`lab/`): `lab run --clock icount`.
    pub no_wall_boot: bool,
    pub hello: Input<String>,
    pub bench: Input<BenchReport>,
    pub race: Input<RaceReport>,
    pub kernel: Input<KernelReport>,
    /// Someone's in-kernel test module (part 5): the kernel log of its load and unload.
    pub kernel_log: Input<String>,
    pub misuse: Input<MisuseReport>,
    pub misuse_exclusive: Input<MisuseReport>,
    pub matrix: Input<MatrixReport>,
    pub compile_fail: Input<CompileFailReport>,
    /// The icount boot of `lab run`: user-space and in-kernel benches.
    pub icount_bench: Input<BenchReport>,
    pub icount_kernel: Input<KernelReport>,
    /// In-kernel bench rounds 2.. of the measurement boot (round 1 is `kernel`).
    pub kernel_rounds: Vec<Input<KernelReport>>,
    /// The same rounds of the icount boot (round 1 is `icount_kernel`).
    pub icount_kernel_rounds: Vec<Input<KernelReport>>,
}

impl Inputs {
    pub fn load(run_dir: &Path) -> Result<Self> {
        let path = run_dir.join(RUN_JSON);
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let run: RunInfo =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        ensure!(
            run.schema == RUN_SCHEMA,
            "{}: schema {:?}, expected {RUN_SCHEMA:?}",
            path.display(),
            run.schema
        );
        let no_wall_boot = run.clock == "icount" && !run_dir.join(MEASURE_SCENARIO).exists();
        let mut inputs = Self {
            run,
            no_wall_boot,
            hello: optional(run_dir, HELLO_TXT, Ok),
            bench: json(run_dir, BENCH_JSON),
            race: json(run_dir, RACE_JSON),
            kernel: json(run_dir, KERNEL_JSON),
            kernel_log: optional(run_dir, KERNEL_LOG_TXT, Ok),
            misuse: json(run_dir, MISUSE_JSON),
            misuse_exclusive: json(run_dir, MISUSE_EXCLUSIVE_JSON),
            matrix: json(run_dir, MATRIX_JSON),
            compile_fail: json_at(run_dir, &compile_fail_rel(COMPILE_FAIL_JSON)),
            icount_bench: json_at(run_dir, &icount_rel(BENCH_JSON)),
            icount_kernel: json_at(run_dir, &icount_rel(KERNEL_JSON)),
            kernel_rounds: (2..=KERNEL_ROUNDS)
                .map(|n| json(run_dir, &layout::kernel_round(n)))
                .collect(),
            icount_kernel_rounds: (2..=KERNEL_ROUNDS)
                .map(|n| json_at(run_dir, &icount_rel(&layout::kernel_round(n))))
                .collect(),
        };
        if no_wall_boot {
            inputs.hello.no_boot();
            inputs.bench.no_boot();
            inputs.race.no_boot();
            inputs.kernel.no_boot();
            inputs.kernel_log.no_boot();
            inputs.misuse.no_boot();
            inputs.misuse_exclusive.no_boot();
            inputs.matrix.no_boot();
            inputs.kernel_rounds.iter_mut().for_each(Input::no_boot);
        }
        Ok(inputs)
    }
}

fn optional<T>(run_dir: &Path, file: &str, parse: impl FnOnce(String) -> Result<T>) -> Input<T> {
    optional_at(run_dir, &rel(file), parse)
}

/// An optional input at `path`, relative to the run directory.
fn optional_at<T>(run_dir: &Path, path: &str, parse: impl FnOnce(String) -> Result<T>) -> Input<T> {
    match fs::read_to_string(run_dir.join(path)) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            match fs::read_to_string(run_dir.join(format!("{path}{}", layout::HOLE_SUFFIX))) {
                Ok(why) => Input::Hole(why),
                Err(_) => Input::Missing,
            }
        }
        Err(e) => Input::Invalid(e.to_string()),
        Ok(text) => match parse(text) {
            Ok(v) => Input::Ok(v),
            Err(e) => Input::Invalid(format!("{e:#}")),
        },
    }
}

/// Parses a JSON input (schema checked first, see `results::parse`).
fn json<T: Document>(run_dir: &Path, file: &str) -> Input<T> {
    json_at(run_dir, &rel(file))
}

fn json_at<T: Document>(run_dir: &Path, path: &str) -> Input<T> {
    optional_at(run_dir, path, |text| results::parse(&text))
}
