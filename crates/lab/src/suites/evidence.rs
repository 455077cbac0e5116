//! Compile-fail evidence (lab part 4): builds every program of the `compile-fail` crate, the
//! user-space ones with `rustc` and the kernel ones with Kbuild against the lab kernel, each
//! with its control twin, and stores what the compiler said in a run directory.

use crate::build::kernel::Kernel;
use crate::build::modules;
use crate::cmd;
use crate::vm::guest::Lab;
use anyhow::{ensure, Context, Result};
use compile_fail::{Program, Side, PROGRAMS};
use results::{layout, CompileFailReport, Evidence, COMPILE_FAIL_SCHEMA};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds every program and its control; writes `dir/compile-fail.json` and each refused
/// build's full compiler output as `dir/<name>.stderr` (`dir` is the run directory's
/// [`layout::COMPILE_FAIL_DIR`]). Fails only when a build could not be
/// run; whether each program was refused is in the records (see [`Evidence::verdict`]).
pub fn collect(kernel: &Kernel, dir: &Path) -> Result<Vec<Evidence>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let rustc = PathBuf::from(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
    let mut all = Vec::new();
    for program in PROGRAMS {
        let (evidence, output) = match program.side {
            Side::User => compile_fail::check_user(&rustc, program, &dir.join("scratch"))?,
            Side::Kernel => check_kernel(kernel, program)?,
        };
        let log = dir.join(format!("{}.stderr", program.name));
        std::fs::write(&log, output).with_context(|| format!("cannot write {}", log.display()))?;
        all.push(evidence);
    }
    let _ = std::fs::remove_dir_all(dir.join("scratch"));
    let file = dir.join(layout::COMPILE_FAIL_JSON);
    let report = CompileFailReport {
        schema: COMPILE_FAIL_SCHEMA.into(),
        programs: all,
    };
    std::fs::write(&file, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("cannot write {}", file.display()))?;
    Ok(report.programs)
}

/// Builds `kernel/compile_fail/<name>` twice in its mirror under `target/kbuild/`: as is
/// (must fail) and with `CONTROL=y` (must succeed). Returns the record and the first build's
/// whole output.
fn check_kernel(kernel: &Kernel, program: &Program) -> Result<(Evidence, String)> {
    let dir = modules::kbuild_dir(kernel)
        .join("compile_fail")
        .join(program.name);
    ensure!(
        dir.join("Kbuild").exists(),
        "{} is missing (modules are mirrored before this)",
        dir.join("Kbuild").display()
    );
    let build = |control: bool| -> Result<(bool, String)> {
        let mut clean = kernel.make();
        clean.arg(format!("M={}", dir.display())).arg("clean");
        cmd::output(&mut clean)?;
        let mut make = kernel.make();
        make.arg(format!("M={}", dir.display()));
        if control {
            make.arg("CONTROL=y");
        }
        make.arg("modules");
        run(&mut make)
    };
    // Four Kbuild runs take 4-8 s per program: reuse what the compiler said
    // when the sources, kernel and flags are those it said it for.
    let inputs = modules::sources_digest(kernel, std::slice::from_ref(&dir))?;
    let cache = dir.join(".lab-evidence.json");
    let cached = std::fs::read_to_string(&cache)
        .ok()
        .and_then(|t| serde_json::from_str::<KernelVerdict>(&t).ok())
        .filter(|v| v.inputs == inputs);
    let KernelVerdict {
        compiled,
        control_compiled,
        output,
        ..
    } = match cached {
        Some(v) => v,
        None => {
            let spinner = cmd::spinner(&format!(
                "compile-fail: kernel/compile_fail/{}",
                program.name
            ));
            let (compiled, output) = build(false)?;
            let (control_compiled, _) = build(true)?;
            spinner.finish_and_clear();
            let v = KernelVerdict {
                inputs,
                compiled,
                control_compiled,
                output,
            };
            std::fs::write(&cache, serde_json::to_string(&v)?)
                .with_context(|| format!("cannot write {}", cache.display()))?;
            v
        }
    };
    let rustc = compile_fail::rustc_version(Path::new("/usr/bin/rustc"))?;
    Ok((
        compile_fail::evidence(
            program,
            format!("kernel/compile_fail/{}/{}.rs", program.name, program.name),
            compiled,
            control_compiled,
            &output,
            rustc,
        ),
        output,
    ))
}

/// What Kbuild said about a kernel program and its control, for the inputs
/// digest it was said for (cached beside the program's mirror).
#[derive(serde::Serialize, serde::Deserialize)]
struct KernelVerdict {
    inputs: String,
    compiled: bool,
    control_compiled: bool,
    output: String,
}

/// Runs `cmd`, returning whether it succeeded and its stdout + stderr.
fn run(cmd: &mut Command) -> Result<(bool, String)> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok((out.status.success(), text))
}

/// `lab test compile-fail`: every program refused for its reason, every control compiled.
pub fn suite(lab: &Lab) -> Result<()> {
    let dir = lab.run_dir.join(layout::COMPILE_FAIL_DIR);
    let all = collect(&lab.kernel, &dir)?;
    for e in &all {
        e.verdict()
            .with_context(|| format!("see {}", dir.join(format!("{}.stderr", e.name)).display()))?;
        cmd::note(&format!(
            "{:<7} {:<19} refused with {} (control compiles)",
            format!("{:?}", e.side).to_lowercase(),
            e.name,
            e.codes.join(", ")
        ));
    }
    ensure!(
        all.len() == PROGRAMS.len(),
        "checked {} of {} programs",
        all.len(),
        PROGRAMS.len()
    );
    Ok(())
}
