//! The guest test suites behind `lab test`, and the lab pipeline behind `lab run`.
//! Each suite boots the guest with a scenario and asserts on what came back.

use crate::cmd;
use crate::guest::{Lab, Outcome, Scenario};
use anyhow::{bail, ensure, Context, Result};
use std::time::Instant;

pub struct Suite {
    pub name: &'static str,
    pub about: &'static str,
    run: fn(&Lab) -> Result<()>,
}

pub const SUITES: &[Suite] = &[
    Suite {
        name: "hello",
        about: "part 1: hello.ko load/unload log lines and modinfo",
        run: hello,
    },
    Suite {
        name: "failures",
        about: "the host catches a failing command, WARN, oops, panic and hang in the guest",
        run: failures,
    },
];

pub fn select(names: &[String]) -> Result<Vec<&'static Suite>> {
    if names.is_empty() {
        return Ok(SUITES.iter().collect());
    }
    names
        .iter()
        .map(|n| {
            SUITES
                .iter()
                .find(|s| s.name == n)
                .with_context(|| format!("no suite {n:?} (see lab test --list)"))
        })
        .collect()
}

pub fn run_all(lab: &Lab, suites: &[&Suite]) -> Result<()> {
    let mut failed = Vec::new();
    for suite in suites {
        cmd::step(&format!("Suite {}: {}", suite.name, suite.about));
        let started = Instant::now();
        match (suite.run)(lab) {
            Ok(()) => eprintln!(
                "PASS {} ({:.0} s)",
                suite.name,
                started.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("FAIL {}: {e:#}", suite.name);
                failed.push(suite.name);
            }
        }
    }
    println!("results: {}", lab.run_dir.display());
    println!(
        "lab test: {} passed, {} failed",
        suites.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        bail!("failed suites: {}", failed.join(", "));
    }
    Ok(())
}

pub fn run_lab(lab: &Lab) -> Result<()> {
    let outcome = lab.run_clean(&hello_scenario())?;
    check_hello(&outcome)?;
    println!("results: {}", lab.run_dir.display());
    Ok(())
}

fn read_result(outcome: &Outcome, name: &str) -> Result<String> {
    let path = outcome.results().join(name);
    std::fs::read_to_string(&path)
        .with_context(|| format!("guest result {} missing", path.display()))
}

fn hello_scenario() -> Scenario {
    Scenario::new(
        "hello",
        "insmod /lab/modules/hello.ko times=3 || exit 1\n\
         rmmod hello || exit 1\n\
         insmod /lab/modules/hello.ko times=0; echo $? > /results/hello-times0.rc\n\
         modinfo /lab/modules/hello.ko > /results/hello-modinfo.txt\n",
    )
    .timeout(120)
}

fn hello(lab: &Lab) -> Result<()> {
    check_hello(&lab.run_clean(&hello_scenario())?)
}

fn check_hello(outcome: &Outcome) -> Result<()> {
    let dmesg = read_result(outcome, "dmesg.txt")?;
    for want in [
        "hello: Hello, kernel! (greeting 1 of 3)",
        "hello: Hello, kernel! (greeting 3 of 3)",
        "hello: Goodbye, kernel! (greeted 3 times)",
        "hello: times=0 is out of range 1-10",
    ] {
        ensure!(dmesg.contains(want), "guest kernel log lacks {want:?}");
    }
    ensure!(
        dmesg.matches("Hello, kernel!").count() == 3,
        "expected exactly 3 greetings in the kernel log"
    );
    let rc = read_result(outcome, "hello-times0.rc")?;
    ensure!(
        rc.trim() != "0",
        "insmod hello times=0 succeeded; it must fail"
    );
    let modinfo = read_result(outcome, "hello-modinfo.txt")?;
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
        field("name") == ["hello"],
        "modinfo name: {:?}",
        field("name")
    );
    Ok(())
}

/// Each deliberate failure must be reported by the host as that failure.
fn failures(lab: &Lab) -> Result<()> {
    let exit =
        lab.boot(&Scenario::new("fail-exit", "echo failing on purpose; exit 3").timeout(120))?;
    ensure!(
        exit.exit_code == Some(3),
        "exit status not carried back: {:?}",
        exit.exit_code
    );
    expect_error(&exit, "exited with status 3")?;

    let warn = lab.boot(
        &Scenario::new("fail-warn", "insmod /lab/modules/lab_fault.ko warn=1").timeout(120),
    )?;
    expect_error(&warn, "WARNING:")?;
    ensure!(
        warn.findings.iter().any(|f| f.pattern == "WARNING:"),
        "WARN not found"
    );

    let oops = lab.boot(
        &Scenario::new("fail-oops", "insmod /lab/modules/lab_fault.ko oops=1").timeout(120),
    )?;
    expect_error(&oops, "kernel reported a problem")?;

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
