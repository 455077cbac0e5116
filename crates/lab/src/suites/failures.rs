//! Suite `failures`: the host catches a failing command, a WARN, an oops, a
//! panic and a hang in the guest, each as what it is. The scenarios are one
//! command each (lab_fault.ko's parameters), so they stay inline.

use anyhow::{bail, ensure, Result};

use crate::vm::guest::{Lab, Outcome, Scenario};

/// The status the failing command exits with, to be carried back as is.
const PURPOSE_EXIT: i32 = 3;

/// Each deliberate failure must be reported by the host as that failure.
pub fn failures(lab: &Lab) -> Result<()> {
    let exit = lab.boot(
        &Scenario::new(
            "fail-exit",
            &format!("echo failing on purpose; exit {PURPOSE_EXIT}"),
        )
        .timeout(120),
    )?;
    ensure!(
        exit.exit_code == Some(PURPOSE_EXIT),
        "exit status not carried back: {:?}",
        exit.exit_code
    );
    expect_error(&exit, &format!("exited with status {PURPOSE_EXIT}"))?;

    let warn = lab.boot(
        &Scenario::new("fail-warn", "insmod /lab/modules/lab_fault.ko warn=1").timeout(120),
    )?;
    expect_error(&warn, "WARNING:")?;
    ensure!(
        warn.findings.iter().any(|f| f.pattern == "WARNING:"),
        "WARN not found"
    );
    crate::suites::debug::check_warn(&warn)?;

    let oops = lab.boot(
        &Scenario::new("fail-oops", "insmod /lab/modules/lab_fault.ko oops=1").timeout(120),
    )?;
    expect_error(&oops, "kernel reported a problem")?;
    crate::suites::debug::check_c_oops(&oops)?;
    crate::suites::debug::rust_oops(lab)?;

    let panic = lab.boot(
        &Scenario::new("fail-panic", "insmod /lab/modules/lab_fault.ko panic_now=1").timeout(120),
    )?;
    ensure!(
        !panic.timed_out,
        "a panic must end the guest at once, not by timeout"
    );
    ensure!(
        panic.exit_code.is_none(),
        "a panicked guest cannot have an exit status"
    );
    expect_error(&panic, "Kernel panic")?;

    let hang = lab
        .boot(&Scenario::new("fail-hang", "insmod /lab/modules/lab_fault.ko hang=1").timeout(40))?;
    ensure!(hang.timed_out, "a hung guest must be killed by the timeout");
    expect_error(&hang, "did not finish within 40 s")?;
    Ok(())
}

fn expect_error(outcome: &Outcome, needle: &str) -> Result<()> {
    match outcome.verdict() {
        Ok(()) => bail!(
            "guest '{}' failed on purpose but the host saw a clean run",
            outcome.dir.display()
        ),
        Err(e) => {
            let msg = format!("{e:#}");
            ensure!(
                msg.contains(needle),
                "the failure report lacks {needle:?}:\n{msg}"
            );
            Ok(())
        }
    }
}
