//! Suite `seed-compat`: the seed lab's C programs (plain open/lseek/read/
//! write, tests/seed/) run unchanged on both drivers.

use anyhow::{ensure, Result};
use results::layout;

use crate::cmd;
use crate::vm::guest::{Lab, Scenario};
use crate::vm::guest_results::read_result;
use crate::vm::script::{guest_script, Exit, Script};

const SEED_COMPAT: Script = guest_script!(
    "seed-compat.sh",
    &[
        Exit::new("EXIT_TIMING", 11, "seed_timing failed"),
        Exit::new("EXIT_COUNTER1", 12, "seed_counter with 1 thread failed"),
        Exit::new("EXIT_COUNTER4", 13, "seed_counter with 4 threads failed"),
    ]
);

fn script() -> String {
    SEED_COMPAT.with(&[("RESULTS", layout::GUEST_RESULTS.into())])
}

pub fn seed_compat(lab: &Lab) -> Result<()> {
    let mut scenario = Scenario::new("seed-compat", &script())
        .load(&["mymem", "mymem_c"])
        .timeout(600);
    for (name, exe) in &lab.bins.seed {
        scenario
            .files
            .push((exe.clone(), format!("/lab/bin/{name}")));
    }
    let outcome = SEED_COMPAT.run_clean(lab, &scenario)?;
    for dev in ["mymem", "mymem_c"] {
        let timing = read_result(&outcome, &format!("timing-{dev}.txt"))?;
        let sizes: Vec<&str> = timing
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        ensure!(
            sizes == ["1", "64", "1024", "65536", "524288"],
            "{dev} timing rows: {sizes:?}"
        );
        let one = read_result(&outcome, &format!("counter1-{dev}.txt"))?;
        ensure!(
            one.trim() == "expected 2000 actual 2000 error 0.000%",
            "{dev}: one thread must not lose updates: {one}"
        );
        let four = read_result(&outcome, &format!("counter4-{dev}.txt"))?;
        ensure!(four.starts_with("expected 80000 actual "), "{dev}: {four}");
        cmd::note(&format!("{dev}, 4 threads x 20000: {}", four.trim()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_is_complete() {
        crate::vm::script::tests::check(&super::SEED_COMPAT, &super::script());
    }
}
