//! Suite `your-modules` (make test-grade): `lab run --driver DIR` end to end with small
//! settings, on (a) a copy of our C twin renamed to another module and device
//! (`lab_renamed`, `/dev/lab_renamed`, built from a student-style plain Makefile with
//! obj-m) with `--hello` a renamed copy of our hello module, both clocks, and (b) the
//! seeded-bug variant `tests/grade/seek_past_end` (our C twin with lseek accepting positions
//! past the end, so named like it) with `--test-module` a student-style in-kernel module, the
//! wall boot. Each lone driver is compared with our C twin, the labelled baseline. Each
//! report must name the module in its environment table and its comparison, by its language,
//! and carry its numbers; (b)'s answers must show its bug; part 1 shows (a)'s hello lines;
//! part 5 says why our mymem_test could not run in (a) (the kernel's `Unknown symbol` line)
//! and shows (b)'s module's log. Then `lab test --driver` (the conformance suite) on (a).

use std::path::{Path, PathBuf};

use anyhow::{ensure, Context, Result};

use crate::measure::drivers::{ModuleArgs, Plan};
use crate::measure::pipeline::{self, Measure};
use crate::vm::clock::Clock;
use crate::vm::guest::Lab;
use crate::{cmd, paths};

/// Settings small enough for a slow machine (about 2 min per run under TCG), large enough
/// for every table of the report.
pub fn small_measure() -> Measure {
    Measure {
        trials: 20,
        blocks: 1,
        bench_time_cap: 30,
        icount_trials: 5,
        race_iterations: 200,
        race_trials: 3,
        kernel_workers: 2,
        kernel_iterations: 500,
        no_kernel: false,
        matrix_iterations: 200,
        matrix_trials: 3,
        full: false,
    }
}

/// Module and device name of the renamed twin.
pub const RENAMED: &str = "lab_renamed";
/// Module name of the renamed copy of our hello module (part 1).
pub const HELLO: &str = "lab_hello";
/// Module name of the in-kernel test module of (b) (part 5).
pub const SELFTEST: &str = "lab_selftest";
/// The line lab_selftest logs in its init.
const SELFTEST_LINE: &str = "lab_selftest: 3 of 3 in-kernel checks passed";

/// `target/your-modules/lab_renamed/`: kernel/mymem_c copied with its module and device
/// renamed, built by a plain Makefile (`obj-m += lab_renamed.o`), as students write them.
pub fn renamed_twin() -> Result<PathBuf> {
    let dir = paths::target_dir().join("your-modules").join(RENAMED);
    crate::measure::drivers::renamed_c_twin(RENAMED, &dir)?;
    Ok(dir)
}

/// `target/your-modules/lab_hello/`: kernel/hello with its module renamed (`lab_hello.rs`,
/// `name: "lab_hello"`), as a student's part 1 module.
fn renamed_hello() -> Result<PathBuf> {
    let src = paths::repo_root().join("kernel/hello/hello.rs");
    let dir = fresh_dir(HELLO)?;
    let text = std::fs::read_to_string(&src).with_context(|| src.display().to_string())?;
    let renamed = text.replace("name: \"hello\"", &format!("name: \"{HELLO}\""));
    ensure!(
        renamed != text,
        "{} declares its module no longer as name: \"hello\": update the renamed copy",
        src.display()
    );
    std::fs::write(dir.join(format!("{HELLO}.rs")), renamed)?;
    std::fs::write(
        dir.join("Kbuild"),
        format!("obj-m := {HELLO}.o\nrustflags-y += -Dwarnings\n"),
    )?;
    Ok(dir)
}

/// `target/your-modules/lab_selftest/`: a student-style in-kernel test module (part 5) that
/// needs no driver's API: it logs a result line in its init.
fn selftest_module() -> Result<PathBuf> {
    let dir = fresh_dir(SELFTEST)?;
    std::fs::write(
        dir.join(format!("{SELFTEST}.c")),
        format!(
            "#include <linux/module.h>\n#include <linux/printk.h>\n\n\
             static int __init selftest_init(void)\n{{\n\
             \tpr_info(\"{SELFTEST_LINE}\\n\");\n\treturn 0;\n}}\n\n\
             static void __exit selftest_exit(void) {{}}\n\n\
             module_init(selftest_init);\nmodule_exit(selftest_exit);\n\
             MODULE_LICENSE(\"GPL\");\n"
        ),
    )?;
    std::fs::write(dir.join("Kbuild"), format!("obj-m += {SELFTEST}.o\n"))?;
    Ok(dir)
}

fn fresh_dir(name: &str) -> Result<PathBuf> {
    let dir = paths::target_dir().join("your-modules").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// One `lab run` with `args` in its own run directory under the suite's; the report.md text.
fn run_on(lab: &Lab, args: &ModuleArgs, tag: &str, clocks: &[Clock]) -> Result<(Lab, String)> {
    let run_dir = lab.run_dir.join(tag);
    std::fs::create_dir_all(&run_dir)?;
    let plan = Plan::build(&lab.kernel, args, &run_dir)?;
    let mut lab = Lab {
        run_dir: run_dir.clone(),
        ..lab.clone()
    };
    plan.apply(&mut lab.modules)?;
    let started = std::time::Instant::now();
    pipeline::run_lab(&lab, &small_measure(), clocks, plan)?;
    cmd::note(&format!(
        "lab run ({tag}): {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    let md = std::fs::read_to_string(run_dir.join("report.md"))?;
    Ok((lab, md))
}

fn driver(dir: &Path) -> ModuleArgs {
    ModuleArgs {
        drivers: vec![dir.to_path_buf()],
        ..ModuleArgs::default()
    }
}

/// The text from `heading` to the next heading of its level or above.
fn section<'a>(md: &'a str, heading: &str) -> Result<&'a str> {
    let start = md
        .find(heading)
        .with_context(|| format!("report.md has no {heading:?}"))?;
    let level = heading.chars().take_while(|&c| c == '#').count();
    let body = &md[start + heading.len()..];
    let end = body
        .match_indices("\n#")
        .find(|(i, _)| {
            let hashes = body[i + 1..].chars().take_while(|&c| c == '#').count();
            hashes <= level
        })
        .map_or(body.len(), |(i, _)| i);
    Ok(&body[..end])
}

/// The report names `module` (with `device`) where it must: the environment table and the
/// heading and table of the comparison with our C twin, `baseline`, labelled as ours.
fn check_names(md: &str, module: &str, device: &str, baseline: &str) -> Result<()> {
    let env = section(md, "## Environment")?;
    ensure!(
        env.contains(&format!("`{module}`")) && env.contains(device),
        "the environment table does not name {module} ({device}):\n{env}"
    );
    let heading =
        format!("### Your C driver `{module}` vs the kit's C twin `{baseline}` (baseline)");
    let vs = section(md, &heading)?;
    ensure!(
        vs.contains(&format!("`{module}`")) && vs.contains("baseline: the kit's C twin"),
        "the comparison table does not name {module} against the kit's C twin:\n{vs}"
    );
    for wrong in [
        "### Rust driver vs C driver",
        "on the Rust driver",
        "the Rust driver's device",
        "| Rust driver |",
        "Rust driver / C",
    ] {
        ensure!(
            !md.contains(wrong),
            "report.md calls a module by its slot ({wrong:?}) where it names modules"
        );
    }
    Ok(())
}

/// Part 5's section names the in-kernel module that ran, or quotes why it could not.
fn check_part5(md: &str, want: &[&str]) -> Result<()> {
    let part5 = section(md, "### In-kernel race")?;
    for w in want {
        ensure!(part5.contains(w), "part 5's section lacks {w:?}:\n{part5}");
    }
    Ok(())
}

pub fn your_modules(lab: &Lab) -> Result<()> {
    // (a) the renamed twin as the lone driver (against our C twin, the baseline) and a renamed
    // hello module for part 1.
    let renamed = renamed_twin()?;
    // icount needs TCG: under KVM only the wall boot.
    let clocks: &[Clock] = if lab.accel == crate::vm::qemu::Accel::Kvm {
        &[Clock::Wall]
    } else {
        &[Clock::Wall, Clock::Icount]
    };
    let args = ModuleArgs {
        hello: Some(renamed_hello()?),
        ..driver(&renamed)
    };
    let (lab_a, md) = run_on(lab, &args, "a-renamed", clocks)?;
    let dir = lab_a.run_dir.clone();
    check_names(&md, RENAMED, &format!("/dev/{RENAMED}"), "mymem_c")?;
    let info: results::RunInfo = serde_json::from_str(&std::fs::read_to_string(
        dir.join(results::layout::RUN_JSON),
    )?)?;
    let mine = info
        .module(results::ModuleRole::Rust)
        .context("run.json names no module in the compared slot")?;
    ensure!(
        mine.module == RENAMED
            && !mine.kit
            && mine.language == "C"
            && mine.device == format!("/dev/{RENAMED}"),
        "run.json's compared slot: {mine:?}"
    );
    let base = info
        .module(results::ModuleRole::C)
        .context("run.json names no baseline")?;
    ensure!(
        base.module == "mymem_c" && base.kit && base.device == "/dev/mymem_c",
        "run.json's baseline is not our C twin: {base:?}"
    );
    // Its numbers: the bench measured the renamed device against /dev/mymem_c.
    let bench: results::BenchReport = results::parse(&std::fs::read_to_string(
        dir.join(results::layout::measured(results::layout::BENCH_JSON)),
    )?)?;
    for (label, target) in [
        ("Rust", format!("/dev/{RENAMED}")),
        ("C", "/dev/mymem_c".into()),
    ] {
        ensure!(
            bench
                .series
                .iter()
                .any(|s| s.label == label && s.target == target),
            "bench.json has no series {label} of {target}"
        );
    }
    // Part 1: the renamed hello module's own lines.
    let part1 = section(&md, "## Part 1")?;
    ensure!(
        part1.contains(&format!("`{HELLO}`"))
            && part1.contains(&format!("{HELLO}: Hello, kernel! (greeting 1 of 1)"))
            && part1.contains(&format!("{HELLO}: Goodbye, kernel!")),
        "part 1 does not show {HELLO}'s lines:\n{part1}"
    );
    // Part 5: our mymem_test cannot link without mymem's API, and the section says so.
    check_part5(&md, &["`mymem_test` (the kit's)", "Unknown symbol mymem_"])?;
    // (b) a seeded bug, named like our C twin (so the baseline is our twin renamed), with a
    // student-style in-kernel test module: lseek past the end succeeds, and the answers say so.
    let variant = paths::repo_root().join("tests/grade/seek_past_end");
    let args = ModuleArgs {
        test_module: Some(selftest_module()?),
        ..driver(&variant)
    };
    let (_, md) = run_on(lab, &args, "b-seek-past-end", &[Clock::Wall])?;
    check_names(
        &md,
        "mymem_c",
        "/dev/mymem_c",
        crate::measure::drivers::RENAMED_BASELINE,
    )?;
    let bug = md
        .lines()
        .find(|l| l.starts_with("**Not what the contract says**"))
        .context("(b)'s report shows no misuse call against the contract")?;
    ensure!(
        bug.contains("lseek(size + 1, SEEK_SET)") && bug.contains("`mymem_c` (yours, C)"),
        "(b)'s answers do not show its bug: {bug}"
    );
    ensure!(
        !md.contains("No call can touch a byte outside the buffer"),
        "(b)'s answers claim the contract's bounds for a driver that breaks them"
    );
    check_part5(
        &md,
        &[
            &format!("your in-kernel test module `{SELFTEST}`"),
            SELFTEST_LINE,
        ],
    )?;
    // lab test --driver: the conformance suite on the renamed twin (its device found in the
    // guest, not given).
    crate::suites::conformance::conformance_dev(&lab_a, RENAMED, None)?;
    Ok(())
}
