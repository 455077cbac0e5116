//! The guest test suites behind `lab test`: the registry, selection and the
//! run of a selection. Each suite (one file under suites/) boots the guest
//! with a scenario (a script under guest/scripts/) and asserts on what came
//! back. The measurement pipeline of `lab run` is measure/pipeline.rs.

use crate::build::kernel::Profile;
use crate::cmd;
use crate::vm::guest::Lab;
use anyhow::{bail, Context, Result};
use std::time::Instant;

pub mod conformance;
mod cycling;
pub mod debug;
pub mod evidence;
mod failures;
pub mod hello;
pub mod junit;
mod kernel_test;
mod runner;
mod seed_compat;
mod stress;
mod tools;
mod your_modules;

use conformance::conformance;
use cycling::cycling;
use failures::failures;
use hello::hello;
use kernel_test::kernel_test;
use seed_compat::seed_compat;
use stress::stress;
use tools::tools;

pub struct Suite {
    pub name: &'static str,
    pub about: &'static str,
    /// Part of the default selection in the debug profile (`make test-debug`).
    pub debug: bool,
    run: fn(&Lab) -> Result<()>,
}

pub const SUITES: &[Suite] = &[
    Suite {
        name: "hello",
        about: "part 1: hello.ko load/unload log lines and modinfo",
        debug: false,
        run: hello,
    },
    Suite {
        name: "conformance-rust",
        about: "device contract suite against /dev/mymem (Rust driver)",
        debug: true,
        run: |lab| conformance(lab, "mymem"),
    },
    Suite {
        name: "conformance-c",
        about: "device contract suite against /dev/mymem_c (C driver)",
        debug: true,
        run: |lab| conformance(lab, "mymem_c"),
    },
    Suite {
        name: "seed-compat",
        about: "the seed lab's C programs (plain open/lseek/read/write) run unchanged on both drivers",
        debug: false,
        run: seed_compat,
    },
    Suite {
        name: "tools",
        about: "mymem bench and race with tiny settings: JSON complete and consistent",
        debug: false,
        run: tools,
    },
    Suite {
        name: "kernel-test",
        about: "mymem_test: symbol resolution and load order, quick in-kernel run, unload mid-run",
        debug: true,
        run: kernel_test,
    },
    Suite {
        name: "stress",
        about: "mymem stress: random operations from processes x threads, checked against the contract",
        debug: true,
        run: stress,
    },
    Suite {
        name: "cycling",
        about: "load/unload every module repeatedly, with files opened and devices mapped in between; rmmod refused while open or mapped",
        debug: true,
        run: cycling,
    },
    Suite {
        name: "compile-fail",
        about: "part 4: racy Rust programs (user and kernel side) are refused by the compiler; their controls compile",
        debug: false,
        run: crate::suites::evidence::suite,
    },
    Suite {
        name: "gdb",
        about: "gdb attaches to the guest, breaks in the Rust driver's write path, backtrace names it",
        debug: false,
        run: crate::suites::debug::gdb_attach,
    },
    Suite {
        name: "ide",
        about: "make ide: rust-project.json lists the kernel crate and each of our module crates (no guest)",
        debug: false,
        run: crate::suites::debug::ide,
    },
    Suite {
        name: "failures",
        about: "the host catches a failing command, WARN, oops (C and Rust, decoded to file:line), panic and hang",
        debug: false,
        run: failures,
    },
    Suite {
        name: "runner",
        about: "the host runner survives signals, panics, a dying QEMU, a full disk, odd paths",
        debug: false,
        run: crate::suites::runner::runner,
    },
    Suite {
        name: "your-modules",
        about: "lab run --driver end to end (small settings): a renamed copy of the C twin (with --hello) and a seeded-bug variant (with --test-module), each against the kit's C twin; reports name them, show the bug, parts 1 and 5",
        debug: false,
        run: your_modules::your_modules,
    },
];

/// Suites only run when named (make test-grade runs them): end to end and long.
const ONLY_WHEN_NAMED: &[&str] = &["your-modules"];

pub fn select(names: &[String], profile: Profile) -> Result<Vec<&'static Suite>> {
    if names.is_empty() {
        return Ok(SUITES
            .iter()
            .filter(|s| profile == Profile::Lab || s.debug)
            .filter(|s| !ONLY_WHEN_NAMED.contains(&s.name))
            .collect());
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

pub fn run_all(lab: &Lab, suites: &[&Suite], junit: Option<&std::path::Path>) -> Result<()> {
    let runs: Vec<Run<'_>> = suites
        .iter()
        .map(|s| Run {
            name: s.name.into(),
            about: s.about.into(),
            run: Box::new(move |lab| (s.run)(lab)),
        })
        .collect();
    run_each(lab, &runs, junit)
}

/// What a suite runs.
type SuiteFn<'a> = Box<dyn Fn(&Lab) -> Result<()> + 'a>;

/// A suite to run, by name.
struct Run<'a> {
    name: String,
    about: String,
    run: SuiteFn<'a>,
}

/// `lab test --driver DIR`: the conformance suite against each driver named (in its slot's
/// place: our driver of that name is not in the guest).
pub fn conformance_on(
    lab: &Lab,
    plan: &crate::drivers::Plan,
    junit: Option<&std::path::Path>,
) -> Result<()> {
    let runs: Vec<Run<'_>> = [&plan.c, &plan.rust]
        .into_iter()
        .filter(|s| !s.is_kit())
        .map(|s| Run {
            name: format!("conformance-{}", s.module),
            about: format!(
                "device contract suite against {} ({})",
                s.module,
                s.device.as_deref().unwrap_or("the device it creates")
            ),
            run: Box::new(move |lab| {
                conformance::conformance_dev(lab, &s.module, s.device.as_deref())
            }),
        })
        .collect();
    if runs.is_empty() {
        bail!("lab test with modules: only --driver has a suite (the conformance suite)");
    }
    run_each(lab, &runs, junit)
}

fn run_each(lab: &Lab, suites: &[Run<'_>], junit: Option<&std::path::Path>) -> Result<()> {
    let mut failed = Vec::new();
    let mut recorder = crate::suites::junit::Recorder::new(&lab.run_dir);
    for suite in suites {
        cmd::step(&format!("Suite {}: {}", suite.name, suite.about));
        let started = Instant::now();
        recorder.start();
        let result = (suite.run)(lab);
        recorder.finish(&suite.name, started.elapsed(), &result);
        match result {
            Ok(()) => eprintln!(
                "PASS {} ({:.0} s)",
                suite.name,
                started.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("FAIL {}: {e:#}", suite.name);
                failed.push(suite.name.as_str());
            }
        }
    }
    println!("results: {}", lab.run_dir.display());
    println!(
        "lab test: {} passed, {} failed",
        suites.len() - failed.len(),
        failed.len()
    );
    if let Some(path) = junit {
        recorder.write(path)?;
        println!("junit: {}", path.display());
    }
    if !failed.is_empty() {
        bail!("failed suites: {}", failed.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_names_are_unique_and_selectable() {
        let mut names: Vec<_> = SUITES.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SUITES.len());
        assert_eq!(select(&["hello".into()], Profile::Lab).unwrap().len(), 1);
        assert!(select(&["nope".into()], Profile::Lab).is_err());
        // Every suite but the end-to-end one, which runs only when named.
        let default = select(&[], Profile::Lab).unwrap();
        assert_eq!(default.len(), SUITES.len() - 1);
        assert!(!default.iter().any(|s| s.name == "your-modules"));
        assert_eq!(
            select(&["your-modules".into()], Profile::Lab)
                .unwrap()
                .len(),
            1
        );
        let debug = select(&[], Profile::Debug).unwrap();
        assert!(
            debug.iter().any(|s| s.name == "stress") && !debug.iter().any(|s| s.name == "failures")
        );
    }
}
