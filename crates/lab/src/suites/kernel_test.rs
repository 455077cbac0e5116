//! Suite `kernel-test`: mymem_test's symbol resolution and load order, a
//! quick in-kernel run, bench buffers reused across runs of one load (and
//! reallocated when `skew` changes), unload in the middle of a run.

use anyhow::{ensure, Context, Result};
use results::{layout, KernelReport};

use crate::vm::guest::{Lab, Outcome, Scenario};
use crate::vm::guest_results::read_json;
use crate::vm::script::{guest_script, Exit, Script};

const KERNEL_TEST: Script = guest_script!(
    "kernel-test.sh",
    &[
        Exit::new("EXIT_LOADED_ALONE", 20, "mymem_test loaded without mymem"),
        Exit::new(
            "EXIT_NO_UNKNOWN_SYMBOL",
            21,
            "no 'Unknown symbol' line for mymem_test"
        ),
        Exit::new("EXIT_LOAD_MYMEM", 22, "loading mymem failed"),
        Exit::new(
            "EXIT_LOAD_TEST",
            23,
            "loading mymem_test after mymem failed"
        ),
        Exit::new(
            "EXIT_UNLOADED_UNDER_USER",
            24,
            "mymem unloaded while mymem_test uses it"
        ),
        Exit::new("EXIT_START", 25, "starting the quick in-kernel run failed"),
        Exit::new("EXIT_READ", 26, "reading the in-kernel results failed"),
        Exit::new(
            "EXIT_START_LONG",
            27,
            "starting the long in-kernel race failed"
        ),
        Exit::new(
            "EXIT_UNLOAD_MID_RUN",
            28,
            "mymem_test cannot be unloaded mid-run"
        ),
        Exit::new("EXIT_UNLOAD_MYMEM", 29, "unloading mymem failed"),
        Exit::new("EXIT_LEFT_LOADED", 30, "a mymem module is still loaded"),
    ]
);

/// The second run (same bench parameters) and the third (`skew=1`).
fn reused_json() -> String {
    layout::kernel_round(2)
}

fn skewed_json() -> String {
    layout::kernel_round(3)
}

fn script() -> String {
    KERNEL_TEST.with(&[
        ("KERNEL_JSON", layout::guest_path(layout::KERNEL_JSON)),
        ("KERNEL_REUSED_JSON", layout::guest_path(&reused_json())),
        ("KERNEL_SKEWED_JSON", layout::guest_path(&skewed_json())),
    ])
}

pub fn kernel_test(lab: &Lab) -> Result<()> {
    let outcome =
        KERNEL_TEST.run_clean(lab, &Scenario::new("kernel-test", &script()).timeout(600))?;
    let report: KernelReport = read_json(&outcome, layout::KERNEL_JSON)?;
    ensure!(
        report.status == "complete",
        "in-kernel run status {}",
        report.status
    );
    ensure!(
        report.params.workers == 8
            && report.params.iterations == 20000
            && report.params.mem.as_deref() == Some("vmalloc"),
        "params {:?}",
        report.params
    );
    ensure!(
        report.bench.len() == report.params.sizes.len() * 2,
        "bench rows: {}",
        report.bench.len()
    );
    for row in &report.bench {
        ensure!(
            row.errors == 0 && row.n == 20,
            "bench row {} {}: {} errors, n={}",
            row.size,
            row.op,
            row.errors,
            row.n
        );
    }
    buffers_are_reused(&outcome, &report)?;
    for strategy in ["none", "lock", "fetch-add"] {
        let row = report
            .race
            .iter()
            .find(|r| r.strategy == strategy)
            .with_context(|| format!("no in-kernel race row for {strategy}"))?;
        ensure!(
            row.api_errors == 0,
            "{strategy}: {} API errors",
            row.api_errors
        );
        ensure!(
            row.expected == 8 * 20000,
            "{strategy}: expected {}",
            row.expected
        );
        if strategy != "none" {
            ensure!(
                row.actual == row.expected,
                "{strategy} lost updates: {} of {}",
                row.actual,
                row.expected
            );
        }
    }
    Ok(())
}

/// The first run allocated the bench buffers; the second, with the same `mem`, `skew` and
/// sizes, reports the same placement and `reused`; the third (`skew=1`) new buffers.
fn buffers_are_reused(outcome: &Outcome, first: &KernelReport) -> Result<()> {
    let placement = |k: &KernelReport, what: &str| {
        k.buffers
            .clone()
            .with_context(|| format!("{what} run: no buffer placement in the report"))
    };
    let first = placement(first, "first")?;
    ensure!(!first.reused, "first run reports reused buffers");
    let reused: KernelReport = read_json(outcome, &reused_json())?;
    let again = placement(&reused, "second")?;
    ensure!(
        again.reused && (again.src, again.dst) == (first.src, first.dst),
        "second run did not reuse the buffers: {first:?} then {again:?}"
    );
    let skewed: KernelReport = read_json(outcome, &skewed_json())?;
    let skewed = placement(&skewed, "skew=1")?;
    ensure!(
        !skewed.reused,
        "skew=1 run reused the skew=0 buffers: {skewed:?}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_is_complete() {
        crate::vm::script::tests::check(&super::KERNEL_TEST, &super::script());
    }
}
