//! Suite `your-modules` (make test-grade): `lab run --driver DIR` end to end with small
//! settings, on (a) a copy of our C twin renamed to another module and device
//! (`lab_renamed`, `/dev/lab_renamed`, built from a student-style plain Makefile with
//! obj-m), both clocks, and (b) the seeded-bug variant `tests/grade/seek_past_end` (our C
//! twin with lseek accepting positions past the end), the wall boot. Each report must name
//! the module in its environment table and its C-vs-Rust table and carry its numbers; (b)'s
//! answers must show its bug. Then `lab test --driver` (the conformance suite) on (a).

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

/// `target/your-modules/lab_renamed/`: kernel/mymem_c copied with its module and device
/// renamed, built by a plain Makefile (`obj-m += lab_renamed.o`), as students write them.
/// Made afresh from our C twin each time, so it never goes stale.
pub fn renamed_twin() -> Result<PathBuf> {
    let src = paths::repo_root().join("kernel/mymem_c/mymem_c.c");
    let dir = paths::target_dir().join("your-modules").join(RENAMED);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let text = std::fs::read_to_string(&src).with_context(|| src.display().to_string())?;
    let renamed = text.replace("\"mymem_c\"", &format!("\"{RENAMED}\""));
    ensure!(
        renamed != text,
        "{} names its device no longer as \"mymem_c\": update the renamed copy",
        src.display()
    );
    std::fs::write(dir.join(format!("{RENAMED}.c")), renamed)?;
    std::fs::write(
        dir.join("Makefile"),
        format!(
            "obj-m += {RENAMED}.o\nccflags-y += -I$(src)/../include/uapi\n\n\
             all:\n\tmake -C /lib/modules/$(shell uname -r)/build M=$(PWD) modules\n"
        ),
    )?;
    Ok(dir)
}

/// One `lab run` on `dir` in its own run directory under the suite's; the report.md text.
fn run_on(lab: &Lab, dir: &Path, tag: &str, clocks: &[Clock]) -> Result<(Lab, String)> {
    let run_dir = lab.run_dir.join(tag);
    std::fs::create_dir_all(&run_dir)?;
    let args = ModuleArgs {
        drivers: vec![dir.to_path_buf()],
        ..ModuleArgs::default()
    };
    let plan = Plan::build(&lab.kernel, &args, &run_dir)?;
    let mut lab = Lab {
        run_dir: run_dir.clone(),
        ..lab.clone()
    };
    plan.apply(&mut lab.modules)?;
    let started = std::time::Instant::now();
    pipeline::run_lab(&lab, &small_measure(), clocks, plan)?;
    cmd::note(&format!(
        "lab run --driver {}: {:.0} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    ));
    let md = std::fs::read_to_string(run_dir.join("report.md"))?;
    Ok((lab, md))
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
/// C-vs-Rust table.
fn check_names(md: &str, module: &str, device: &str) -> Result<()> {
    let env = section(md, "## Environment")?;
    ensure!(
        env.contains(&format!("`{module}`")) && env.contains(device),
        "the environment table does not name {module} ({device}):\n{env}"
    );
    let vs = section(md, "### Rust driver vs C driver")?;
    ensure!(
        vs.contains(&format!("`{module}`")),
        "the C-vs-Rust table does not name {module}:\n{vs}"
    );
    Ok(())
}

pub fn your_modules(lab: &Lab) -> Result<()> {
    // (a) the renamed twin: a C driver in the C slot, against our Rust driver.
    let renamed = renamed_twin()?;
    // icount needs TCG: under KVM only the wall boot.
    let clocks: &[Clock] = if lab.accel == crate::vm::qemu::Accel::Kvm {
        &[Clock::Wall]
    } else {
        &[Clock::Wall, Clock::Icount]
    };
    let (lab_a, md) = run_on(lab, &renamed, "a-renamed", clocks)?;
    let dir = lab_a.run_dir.clone();
    check_names(&md, RENAMED, &format!("/dev/{RENAMED}"))?;
    let info: results::RunInfo = serde_json::from_str(&std::fs::read_to_string(
        dir.join(results::layout::RUN_JSON),
    )?)?;
    let c = info
        .module(results::ModuleRole::C)
        .context("run.json names no C-slot module")?;
    ensure!(
        c.module == RENAMED && !c.kit && c.device == format!("/dev/{RENAMED}"),
        "run.json's C slot: {c:?}"
    );
    // Its numbers: the bench measured the renamed device under the C label.
    let bench: results::BenchReport = results::parse(&std::fs::read_to_string(
        dir.join(results::layout::measured(results::layout::BENCH_JSON)),
    )?)?;
    ensure!(
        bench
            .series
            .iter()
            .any(|s| s.label == "C" && s.target == format!("/dev/{RENAMED}")),
        "bench.json has no series of /dev/{RENAMED}"
    );
    // (b) a seeded bug: lseek past the end succeeds, and the answers say so.
    let variant = paths::repo_root().join("tests/grade/seek_past_end");
    let (_, md) = run_on(lab, &variant, "b-seek-past-end", &[Clock::Wall])?;
    check_names(&md, "mymem_c", "/dev/mymem_c")?;
    let bug = md
        .lines()
        .find(|l| l.starts_with("**Not what the contract says**"))
        .context("(b)'s report shows no misuse call against the contract")?;
    ensure!(
        bug.contains("lseek(size + 1, SEEK_SET)") && bug.contains("`mymem_c` (yours, C)"),
        "(b)'s answers do not show its lseek bug: {bug}"
    );
    ensure!(
        !md.contains("No call can touch a byte outside the buffer"),
        "(b)'s answers claim the contract's bounds for a driver that breaks them"
    );
    // lab test --driver: the conformance suite on the renamed twin (its device found in the
    // guest, not given).
    crate::suites::conformance::conformance_dev(&lab_a, RENAMED, None)?;
    Ok(())
}
