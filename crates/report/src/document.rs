//! report.md: every section, computed from the inputs.

use results::layout::{
    BENCH_JSON, COMPILE_FAIL_JSON, HELLO_TXT, KERNEL_JSON, MATRIX_JSON, MISUSE_EXCLUSIVE_JSON,
    MISUSE_JSON, RACE_JSON,
};
use results::EnvStamp;

use crate::ctx::Ctx;
use crate::inputs::{compile_fail_rel, icount_rel, rel, Input, RUN_JSON};
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
    let guest =
        |f: fn(&EnvStamp) -> String| env.map_or("unknown (no bench.json or race.json)".into(), f);
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
    for (path, present, what) in [
        (
            HELLO_TXT,
            !matches!(inputs.hello, Input::Missing),
            "part 1 log lines",
        ),
        (
            BENCH_JSON,
            !matches!(inputs.bench, Input::Missing),
            "`mymem bench --json`, every sample",
        ),
        (
            RACE_JSON,
            !matches!(inputs.race, Input::Missing),
            "`mymem race --json`, every trial",
        ),
        (
            KERNEL_JSON,
            !matches!(inputs.kernel, Input::Missing),
            "`mymem_test` results",
        ),
        (
            MISUSE_JSON,
            !matches!(inputs.misuse, Input::Missing),
            "`mymem misuse --json`, every call",
        ),
        (
            MISUSE_EXCLUSIVE_JSON,
            !matches!(inputs.misuse_exclusive, Input::Missing),
            "`mymem misuse --exclusive --json` (modules loaded with `exclusive=1`)",
        ),
        (
            MATRIX_JSON,
            !matches!(inputs.matrix, Input::Missing),
            "`mymem matrix --json`, every run",
        ),
    ]
    .map(|(f, present, what)| (rel(f), present, what))
    .into_iter()
    .chain([(
        compile_fail_rel(COMPILE_FAIL_JSON),
        !matches!(inputs.compile_fail, Input::Missing),
        "compile-fail evidence: every program's build (compiler output beside it)",
    )]) {
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
