//! Suite `hello`: part 1's module logs on load and unload, refuses an
//! out-of-range parameter, and carries its modinfo.

use anyhow::{ensure, Result};
use results::layout;

use crate::vm::guest::{Lab, Outcome, Scenario};
use crate::vm::guest_results::read_result;
use crate::vm::script::{guest_script, Exit, Script};

const HELLO: Script = guest_script!(
    "hello.sh",
    &[Exit::new(
        "EXIT_HELLO",
        11,
        "loading or unloading hello.ko failed"
    )]
);

/// Result files of the script.
const TIMES0_RC: &str = "hello-times0.rc";
const MODINFO_TXT: &str = "hello-modinfo.txt";
/// The kernel log, written by guest/init after every scenario.
const DMESG_TXT: &str = "dmesg.txt";

/// The load and unload lines of hello.ko greeting `times` times.
pub fn check_hello_lines(log: &str, times: u32) -> Result<()> {
    for i in 1..=times {
        let want = format!("hello: Hello, kernel! (greeting {i} of {times})");
        ensure!(log.contains(&want), "guest kernel log lacks {want:?}");
    }
    let bye = format!("hello: Goodbye, kernel! (greeted {times} times)");
    ensure!(log.contains(&bye), "guest kernel log lacks {bye:?}");
    ensure!(
        log.matches("Hello, kernel!").count() == times as usize,
        "expected exactly {times} greetings in the kernel log"
    );
    Ok(())
}

fn hello_scenario() -> Scenario {
    Scenario::new(
        "hello",
        &HELLO.with(&[
            ("TIMES0_RC", layout::guest_path(TIMES0_RC)),
            ("MODINFO_TXT", layout::guest_path(MODINFO_TXT)),
        ]),
    )
    .timeout(120)
}

pub fn hello(lab: &Lab) -> Result<()> {
    check_hello(&HELLO.run_clean(lab, &hello_scenario())?)
}

fn check_hello(outcome: &Outcome) -> Result<()> {
    let dmesg = read_result(outcome, DMESG_TXT)?;
    check_hello_lines(&dmesg, 3)?;
    ensure!(
        dmesg.contains("hello: times=0 is out of range 1-10"),
        "no error line for times=0"
    );
    let rc = read_result(outcome, TIMES0_RC)?;
    ensure!(
        rc.trim() != "0",
        "insmod hello times=0 succeeded; it must fail"
    );
    let modinfo = read_result(outcome, MODINFO_TXT)?;
    let field = |key: &str| {
        modinfo
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_string())
            .collect::<Vec<_>>()
    };
    ensure!(
        field("license") == ["GPL"],
        "modinfo license: {:?}",
        field("license")
    );
    ensure!(
        field("parm")
            .iter()
            .any(|p| p.starts_with("times:How many greetings")),
        "modinfo parm: {:?}",
        field("parm")
    );
    ensure!(
        field("description") == ["Part 1 of the mymem lab: logs on load and unload"],
        "modinfo description: {:?}",
        field("description")
    );
    ensure!(
        field("vermagic").iter().any(|v| v.starts_with("7.")),
        "modinfo vermagic: {:?}",
        field("vermagic")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_is_complete() {
        crate::vm::script::tests::check(&super::HELLO, &super::hello_scenario().script);
    }
}
