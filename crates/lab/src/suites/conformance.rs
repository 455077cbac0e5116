//! Suites `conformance-rust` / `conformance-c`: the conformance test
//! binaries (crates/conformance) in the guest against one driver.

use anyhow::{ensure, Result};

use crate::cmd;
use crate::vm::guest::{Lab, Scenario};
use crate::vm::script::{guest_script, Exit, Script};

const CONFORMANCE: Script = guest_script!(
    "conformance.sh",
    &[
        Exit::new("EXIT_TESTS_FAILED", 11, "a conformance test binary failed"),
        Exit::new(
            "EXIT_LOAD",
            12,
            "the driver did not load or created no device node"
        ),
    ]
);

/// Runs every conformance test binary in the guest against one of our drivers.
pub fn conformance(lab: &Lab, module: &str) -> Result<()> {
    conformance_dev(lab, module, Some(&format!("/dev/{module}")))
}

/// The same against the driver `module` (in /lab/modules) on `device`; `None`: the script
/// loads the module itself and takes the device that appears.
pub fn conformance_dev(lab: &Lab, module: &str, device: Option<&str>) -> Result<()> {
    let script = CONFORMANCE.with(&[
        ("MODULE", module.into()),
        ("DEVICE", device.unwrap_or_default().into()),
    ]);
    let mut scenario = Scenario::new(&format!("conformance-{module}"), &script).timeout(900);
    match device {
        Some(_) => scenario = scenario.load(&[module]),
        None => scenario.files.push((
            crate::paths::repo_root().join("crates/lab/guest/scripts/modules.sh"),
            "/lab/lib/modules.sh".into(),
        )),
    }
    for (name, exe) in &lab.bins.tests {
        scenario
            .files
            .push((exe.clone(), format!("/lab/tests/{name}")));
    }
    let outcome = lab.boot(&scenario)?;
    let (passed, failed) = test_counts(&outcome.console);
    cmd::note(&format!("guest tests: {passed} passed, {failed} failed"));
    outcome.verdict()?;
    ensure!(passed > 0, "no guest test ran");
    Ok(())
}

/// Sums the "test result: ... N passed; M failed" lines of the standard harness.
fn test_counts(console: &str) -> (u64, u64) {
    let count = |line: &str, word: &str| -> u64 {
        line.split([';', ':', '.'])
            .filter_map(|part| part.trim().strip_suffix(word))
            .filter_map(|n| n.trim().parse::<u64>().ok())
            .sum()
    };
    console
        .lines()
        .filter(|l| l.contains("test result:"))
        .fold((0, 0), |(p, f), l| {
            (p + count(l, "passed"), f + count(l, "failed"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_harness_results() {
        let console = "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.0s\n\
                       noise\ntest result: FAILED. 3 passed; 2 failed; 0 ignored\n";
        assert_eq!(test_counts(console), (15, 2));
        assert_eq!(test_counts("nothing"), (0, 0));
    }

    #[test]
    fn script_is_complete() {
        let s = CONFORMANCE.with(&[("MODULE", "mymem".into()), ("DEVICE", "".into())]);
        crate::vm::script::tests::check(&CONFORMANCE, &s);
    }
}
