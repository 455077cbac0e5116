//! Suite `stress`: `mymem stress`, random operations from processes x
//! threads against both drivers, checked against the contract.

use anyhow::{ensure, Result};
use results::{layout, StressReport};

use crate::build::kernel::Profile;
use crate::cmd;
use crate::vm::guest::{Lab, Scenario};
use crate::vm::guest_results::read_json;
use crate::vm::script::{guest_script, Script};

/// No named exits: the status is mymem stress's own.
const STRESS: Script = guest_script!("stress.sh", &[]);

fn script(ops: u64) -> String {
    STRESS.with(&[
        ("OPS", ops.to_string()),
        ("STRESS_JSON", layout::guest_path(layout::STRESS_JSON)),
    ])
}

/// The stress tool against both drivers: short in the lab profile, about a
/// million operations in the debug profile.
pub fn stress(lab: &Lab) -> Result<()> {
    let ops = match lab.kernel.profile {
        Profile::Lab => 20_000,
        Profile::Debug => 1_000_000,
    };
    let outcome = STRESS.run_clean(
        lab,
        &Scenario::new("stress", &script(ops))
            .load(&["mymem", "mymem_c"])
            .timeout(1800),
    )?;
    let report: StressReport = read_json(&outcome, layout::STRESS_JSON)?;
    let done = report.ops;
    ensure!(done >= ops, "stress ran {done} of {ops} operations");
    // `deviations` lists the first ones only; the count is complete.
    let deviations = report.deviation_count;
    ensure!(
        deviations == 0,
        "stress found {deviations} deviations from the contract"
    );
    // The file interfaces beyond read/write/ioctl were exercised, and the
    // outcome the contract makes certain occurred (ENOSPC for appends).
    for (kind, outcome) in [
        ("fsync", "ok"),
        ("append_write", "ENOSPC"),
        ("ioctl_trylock", "ok"),
        ("splice", "ok"),
        ("mmap", "ok"),
        ("mmap", "EINVAL"),
        ("mmap_access", "ok"),
    ] {
        let n = report
            .outcomes
            .get(kind)
            .and_then(|o| o.get(outcome))
            .copied()
            .unwrap_or(0);
        ensure!(n > 0, "stress ran no {kind} with outcome {outcome}");
    }
    cmd::note(&format!(
        "stress: {done} operations, 0 deviations, {:.0} ops/s, seed {}",
        report.ops_per_s, report.seed
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_is_complete() {
        crate::vm::script::tests::check(&super::STRESS, &super::script(20_000));
    }
}
