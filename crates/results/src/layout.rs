//! The run directory: where the runner puts a run's files and where the
//! report finds them.
//!
//! ```text
//! results/<run-id>/           one `lab` command (run, bench, test, exec, ...)
//!   run.json                  RUN_JSON: RunInfo, the host's stamp (lab run, lab bench)
//!   <scenario>/               one guest boot, named after its scenario
//!     console.log             the serial console: kernel log and scenario output
//!     results/                the guest's /results, as sent back over the second serial port
//!   lab/                      MEASURE_SCENARIO: every measurement, in the boot's clock
//!                             (wall for `lab run`; `lab bench` takes --clock)
//!   lab-icount/               ICOUNT_SCENARIO (`lab run`): bench.json, kernel.json and the
//!                             kernel rounds again, with `--clock icount` (instruction time)
//!   compile-fail/             COMPILE_FAIL_DIR: racy programs the compiler refused (lab run, lab test)
//!   report.md, report.html    the report (lab run, lab bench, lab report)
//! ```
//!
//! The measurements of `lab run` and `lab bench` are one boot, scenario
//! [`MEASURE_SCENARIO`]; its result files ([`HELLO_TXT`], [`BENCH_JSON`],
//! [`RACE_JSON`], [`KERNEL_JSON`], [`MISUSE_JSON`], [`MISUSE_EXCLUSIVE_JSON`],
//! [`MATRIX_JSON`], the extra in-kernel bench rounds [`kernel_round`]) are the report's
//! inputs. `lab run` adds a second, short boot with `--clock icount`, scenario
//! [`ICOUNT_SCENARIO`], holding only [`BENCH_JSON`], [`KERNEL_JSON`] and the rounds
//! [`kernel_round`] (in-kernel bench only).

use std::path::{Path, PathBuf};

/// The host's stamp of a run, directly in the run directory.
pub const RUN_JSON: &str = "run.json";

/// Where guest tools write their results, in the guest.
pub const GUEST_RESULTS: &str = "/results";

/// The unpacked guest `/results` inside a scenario directory.
pub const SCENARIO_RESULTS: &str = "results";

/// The scenario of `lab run` and `lab bench`: every measurement in one boot.
pub const MEASURE_SCENARIO: &str = "lab";

/// The second boot of `lab run`: the user-space and in-kernel benches again, with
/// `--clock icount`; the report states its verdicts from it.
pub const ICOUNT_SCENARIO: &str = "lab-icount";

/// In-kernel bench rounds of the measurement boot: round 1 is [`KERNEL_JSON`] (with the
/// in-kernel race), rounds 2.. are bench only, [`kernel_round`].
pub const KERNEL_ROUNDS: u32 = 3;

/// `kernel-bench-<n>.json`: in-kernel bench round `n` (2..=[`KERNEL_ROUNDS`]) of the
/// measurement boot; round 1 is [`KERNEL_JSON`].
pub fn kernel_round(n: u32) -> String {
    if n <= 1 {
        KERNEL_JSON.into()
    } else {
        format!("kernel-bench-{n}.json")
    }
}

/// Result file names, in `/results` in the guest and in `<scenario>/results/`.
pub const HELLO_TXT: &str = "hello.txt";
pub const BENCH_JSON: &str = "bench.json";
pub const RACE_JSON: &str = "race.json";
pub const KERNEL_JSON: &str = "kernel.json";
pub const STRESS_JSON: &str = "stress.json";
/// `mymem misuse`: the module loaded as usual, then reloaded with `exclusive=1`.
pub const MISUSE_JSON: &str = "misuse.json";
pub const MISUSE_EXCLUSIVE_JSON: &str = "misuse-exclusive.json";
/// `mymem matrix`: C and Rust program x C and Rust driver.
pub const MATRIX_JSON: &str = "matrix.json";
/// The modules of a measurement boot and the devices found for them (`ROLE MODULE DEVICE`
/// lines; `API MODULE`: the module our mymem_test was linked against).
pub const MODULES_TXT: &str = "modules.txt";
/// Part 5 with someone's in-kernel module: what the kernel printed from its load to its unload.
pub const KERNEL_LOG_TXT: &str = "kernel-test.log";
/// Beside a result file that a boot could not produce on someone's driver: why
/// (`<file>.hole`, the phase's error lines and the kernel's).
pub const HOLE_SUFFIX: &str = ".hole";

/// Compile-fail evidence, built on the host: `<run_dir>/compile-fail/`, with
/// [`COMPILE_FAIL_JSON`] and each refused build's compiler output as `<program>.stderr`.
pub const COMPILE_FAIL_DIR: &str = "compile-fail";
pub const COMPILE_FAIL_JSON: &str = "compile-fail.json";

/// `lab grade`: per submission, `<run_dir>/<submission>/` holds these, the
/// build log and one boot directory per guest boot (`boot-<n>`).
pub const GRADE_JSON: &str = "grade.json";
pub const GRADE_MD: &str = "grade.md";
pub const GRADE_JUNIT: &str = "junit.xml";
pub const GRADE_BUILD_LOG: &str = "build.log";
/// `lab grade` with several submissions: one row each, in the run directory.
pub const GRADE_SUMMARY_CSV: &str = "summary.csv";
pub const GRADE_SUMMARY_MD: &str = "summary.md";
pub const GRADE_SUMMARY_JUNIT: &str = "summary.junit.xml";

/// `<run_dir>/<scenario>`: everything of one boot.
pub fn scenario_dir(run_dir: &Path, scenario: &str) -> PathBuf {
    run_dir.join(scenario)
}

/// `<scenario_dir>/results`: the guest's `/results` of that boot.
pub fn scenario_results(scenario_dir: &Path) -> PathBuf {
    scenario_dir.join(SCENARIO_RESULTS)
}

/// `/results/<file>`: where a guest tool writes `file`.
pub fn guest_path(file: &str) -> String {
    format!("{GUEST_RESULTS}/{file}")
}

/// `lab/results/<file>`: a measurement result, relative to the run directory.
pub fn measured(file: &str) -> String {
    measured_in(MEASURE_SCENARIO, file)
}

/// `<scenario>/results/<file>`, relative to the run directory.
pub fn measured_in(scenario: &str, file: &str) -> String {
    format!("{scenario}/{SCENARIO_RESULTS}/{file}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_files_are_in_the_measure_scenario_results() {
        let run = Path::new("/r/run-1");
        assert_eq!(
            run.join(measured(BENCH_JSON)),
            scenario_results(&scenario_dir(run, MEASURE_SCENARIO)).join(BENCH_JSON)
        );
        assert_eq!(measured(KERNEL_JSON), "lab/results/kernel.json");
        assert_eq!(guest_path(RACE_JSON), "/results/race.json");
        assert_eq!(
            measured_in(ICOUNT_SCENARIO, BENCH_JSON),
            "lab-icount/results/bench.json"
        );
        assert_eq!(kernel_round(1), KERNEL_JSON);
        assert_eq!(kernel_round(3), "kernel-bench-3.json");
    }
}
