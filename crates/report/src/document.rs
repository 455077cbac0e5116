//! report.md: every section, computed from the inputs.

use results::layout::{
    BENCH_JSON, COMPILE_FAIL_JSON, HELLO_TXT, ICOUNT_SCENARIO, KERNEL_JSON, KERNEL_ROUNDS,
    MATRIX_JSON, MEASURE_SCENARIO, MISUSE_EXCLUSIVE_JSON, MISUSE_JSON, RACE_JSON,
};
use results::EnvStamp;

use crate::ctx::Ctx;
use crate::inputs::{compile_fail_rel, icount_rel, rel, Input, NO_WALL_BOOT, RUN_JSON};
use crate::md::Md;
use crate::{answers, latency, races};

pub const TITLE: &str = "mymem lab report";

pub fn render(ctx: &Ctx) -> String {
    let mut md = Md::default();
    let run = &ctx.inputs.run;
    md.heading(1, TITLE);
    md.para(&format!(
        "Run of {}, git revision `{}`, profile `{}`. Every number below is computed from this \
         run's result files (see [Raw data](#raw-data)).",
        run.date, run.git_rev, run.profile
    ));
    if ctx.is_tcg() {
        md.alert(
            "WARNING",
            "This run used **TCG**: QEMU emulated the CPU in software (no KVM). Every time in \
             this report is an emulated time, often many times slower than real hardware and \
             with different relative costs. Only ratios between measurements of this run are \
             meaningful; do not compare absolute times with other machines.",
        );
    }
    answers::contents(ctx, &mut md);
    environment(ctx, &mut md);
    crate::certainty::render(ctx, &mut md);
    hello(ctx, &mut md);
    latency::render(ctx, &mut md);
    races::render(ctx, &mut md);
    answers::render(ctx, &mut md);
    raw_data(ctx, &mut md);
    md.finish()
}

fn environment(ctx: &Ctx, md: &mut Md) {
    let run = &ctx.inputs.run;
    md.heading(2, "Environment");
    let env = ctx.env();
    let guest = |f: fn(&EnvStamp) -> String| {
        env.map_or("unknown (no bench.json or race.json in this run)".into(), f)
    };
    let mut accel = format!("{} — {}", run.accel.to_uppercase(), run.accel_reason);
    if let Some(e) = env.filter(|e| !e.accel.eq_ignore_ascii_case(&run.accel)) {
        accel.push_str(&format!(" (the guest reported `{}`)", e.accel));
    }
    let rows = vec![
        vec!["Date".into(), run.date.clone()],
        vec!["Git revision".into(), format!("`{}`", run.git_rev)],
        vec!["Profile".into(), run.profile.clone()],
        vec![
            "Kernel".into(),
            format!("{} ({})", run.kernel_release, run.kernel_source),
        ],
        vec![
            "Kernel version (guest `uname -v`)".into(),
            guest(|e| e.kernel_version.clone()),
        ],
        vec!["Accelerator".into(), accel],
        vec!["Clock".into(), clock(ctx)],
        vec!["CPU model".into(), guest(|e| e.cpu_model.clone())],
        vec!["vCPUs".into(), guest(|e| e.vcpus.to_string())],
        vec!["rustc (kernel, modules)".into(), run.rustc.clone()],
        vec!["bindgen".into(), run.bindgen.clone()],
        vec!["C compiler".into(), run.cc.clone()],
        vec![
            "Kernel config SHA-256".into(),
            format!("`{}`", run.config_sha256),
        ],
        vec!["Kernel build key".into(), format!("`{}`", run.kernel_key)],
        vec![
            "Guest tool".into(),
            guest(|e| {
                format!(
                    "{}, {}, {}",
                    e.tool_version,
                    e.rustc_version,
                    if e.optimized {
                        "optimized"
                    } else {
                        "NOT optimized (debug build)"
                    }
                )
            }),
        ],
    ];
    let mut rows = rows;
    rows.extend(crate::modules::env_rows(run));
    md.text_table(&["Item", "Value"], &rows);
    if ctx.inputs.no_wall_boot {
        md.heading(3, NO_WALL_BOOT);
        md.para(&format!(
            "This run booted only the icount guest (`lab run --clock icount`, `make run \
             CLOCK=icount`: the README's quick run), so it has no measurement boot and none of \
             its files (`{MEASURE_SCENARIO}/results/`): no part 1 log, no wall-clock latency, no \
             race sweep, no in-kernel race, no misuse checks and no program matrix. Sections \
             that need them say \"not measured\"; what the icount boot measured \
             (`{ICOUNT_SCENARIO}/results/`: user-space and in-kernel benches) is in the clocks \
             section and answers 5 and 8. `make run` without `CLOCK` measures everything."
        ));
    }
}

/// The run's clocks (run.json) and each bench's (the guest's stamp).
fn clock(ctx: &Ctx) -> String {
    let run = &ctx.inputs.run;
    let mut boots = Vec::new();
    if let Some(b) = ctx.inputs.bench.get() {
        boots.push(format!("`{}`: {}", rel(BENCH_JSON), b.env.clock));
    }
    if let Some(b) = ctx.inputs.icount_bench.get() {
        boots.push(format!("`{}`: {}", icount_rel(BENCH_JSON), b.env.clock));
    }
    let name = if run.clock.is_empty() {
        "wall (not recorded)"
    } else {
        run.clock.as_str()
    };
    if boots.is_empty() {
        name.into()
    } else {
        format!("{name} ({})", boots.join(", "))
    }
}

fn hello(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Part 1: the hello module");
    match &ctx.inputs.hello {
        Input::Ok(text) if text.trim().is_empty() => md.para(&format!(
            "`{}` is empty: no kernel log lines were captured.",
            rel(HELLO_TXT)
        )),
        Input::Ok(text) => {
            md.para(&match ctx.inputs.run.module(results::ModuleRole::Hello) {
                Some(m) if !m.kit => format!(
                    "Kernel log lines of loading and unloading your module `{}` ({}, from `{}`):",
                    m.module, m.language, m.path
                ),
                _ => "Kernel log lines of loading and unloading `hello.ko`:".into(),
            });
            md.code("text", text);
        }
        other => md.para(&other.why_not(&rel(HELLO_TXT)).unwrap_or_default()),
    }
}

fn raw_data(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Raw data");
    let inputs = ctx.inputs;
    let mut items = vec![format!("[`{RUN_JSON}`]({RUN_JSON}): build and boot stamp")];
    let mut files: Vec<(String, bool, String)> = Vec::new();
    if inputs.no_wall_boot {
        items.push(format!(
            "`{MEASURE_SCENARIO}/results/`: none, this run had no wall-clock boot"
        ));
    } else {
        let rounds = inputs.kernel_rounds.iter().enumerate().map(|(i, k)| {
            let n = i as u32 + 2;
            (
                rel(&results::layout::kernel_round(n)),
                present_any(k),
                format!("`mymem_test` in-kernel bench, round {n} of {KERNEL_ROUNDS}"),
            )
        });
        files.extend(
            [
                (HELLO_TXT, present_any(&inputs.hello), "part 1 log lines"),
                (
                    BENCH_JSON,
                    present_any(&inputs.bench),
                    "`mymem bench --json`, every sample",
                ),
                (
                    RACE_JSON,
                    present_any(&inputs.race),
                    "`mymem race --json`, every trial",
                ),
                (
                    KERNEL_JSON,
                    present_any(&inputs.kernel),
                    "`mymem_test` results",
                ),
                (
                    MISUSE_JSON,
                    present_any(&inputs.misuse),
                    "`mymem misuse --json`, every call",
                ),
                (
                    MISUSE_EXCLUSIVE_JSON,
                    present_any(&inputs.misuse_exclusive),
                    "`mymem misuse --exclusive --json` (modules loaded with `exclusive=1`)",
                ),
                (
                    MATRIX_JSON,
                    present_any(&inputs.matrix),
                    "`mymem matrix --json`, every run",
                ),
            ]
            .map(|(f, p, what)| (rel(f), p, what.to_string())),
        );
        files.extend(rounds.filter(|(_, p, _)| *p));
    }
    // The icount boot's files, when the run has them.
    if present_any(&inputs.icount_bench) {
        files.push((
            icount_rel(BENCH_JSON),
            true,
            "`mymem bench --clock icount --json` (icount boot)".into(),
        ));
    }
    if present_any(&inputs.icount_kernel) {
        files.push((
            icount_rel(KERNEL_JSON),
            true,
            "`mymem_test` in-kernel bench (icount boot)".into(),
        ));
    }
    for (i, k) in inputs.icount_kernel_rounds.iter().enumerate() {
        let n = i as u32 + 2;
        if present_any(k) {
            files.push((
                icount_rel(&results::layout::kernel_round(n)),
                true,
                format!("`mymem_test` in-kernel bench, round {n} of {KERNEL_ROUNDS} (icount boot)"),
            ));
        }
    }
    files.push((
        compile_fail_rel(COMPILE_FAIL_JSON),
        !matches!(inputs.compile_fail, Input::Missing),
        "compile-fail evidence: every program's build (compiler output beside it)".into(),
    ));
    for (path, present, what) in files {
        items.push(if present {
            format!("[`{path}`]({path}): {what}")
        } else {
            format!("`{path}`: missing")
        });
    }
    items.extend(
        ctx.plots
            .iter()
            .map(|p| format!("[`plots/{0}`](plots/{0}): {1}", p.file, p.title)),
    );
    md.bullets(&items);
}

/// Present in the run directory (a result, a hole, or an unreadable file).
fn present_any<T>(i: &Input<T>) -> bool {
    !matches!(i, Input::Missing | Input::NoBoot)
}
