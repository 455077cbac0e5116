//! Part 4: what Rust changes about the data race of part 3: what the
//! compiler refused in this run (compile-fail evidence), and the lost updates
//! it cannot prevent (race.json, matrix.json). The wording:
//! templates/answers/rust_race.md.j2.

use results::layout::{COMPILE_FAIL_DIR, COMPILE_FAIL_JSON, MATRIX_JSON, RACE_JSON};
use results::{Evidence, Side, Strategy};
use serde::Serialize;

use crate::ctx::Ctx;
use crate::inputs::{compile_fail_rel, rel};
use crate::md::{fence, Md};

/// Lines of each compiler error quoted in the report (the file has it all).
const QUOTED_LINES: usize = 14;

/// What the template reads; percentages are percent (0–100).
#[derive(Serialize)]
struct Facts {
    /// (a) This run's compile-fail evidence; `None`: see `compile_fail_missing`.
    compile_fail: Option<CompileFail>,
    /// Why the evidence is missing (empty if nothing to say).
    compile_fail_missing: String,
    /// (b) The race sweep, if it ran on the Rust driver.
    sweep: Option<Sweep>,
    /// The device the sweep ran on instead.
    sweep_elsewhere: Option<String>,
    /// Why the sweep is missing (empty if nothing to say).
    sweep_missing: String,
    /// The Rust program on the Rust driver in the matrix of answer 7.
    matrix: Option<Matrix>,
    /// The `shared_counter` program's atomic load/store control compiled.
    atomic_control_compiled: bool,
}

#[derive(Serialize)]
struct CompileFail {
    /// The evidence file, relative to the report, and the folder of the builds' output.
    file: String,
    dir: &'static str,
    /// The compiler's version line, from the first program.
    rustc: Option<String>,
    programs: Vec<Program>,
    /// How many were refused.
    refused: usize,
}

#[derive(Serialize)]
struct Program {
    name: String,
    /// `user` or `kernel`.
    side: &'static str,
    /// The source, relative to the repository, and its link from the report.
    source: String,
    source_link: String,
    /// What it tries (one clause).
    tries: String,
    compiled: bool,
    /// The error codes of a refusal (`E0499`).
    codes: Vec<String>,
    /// What the control twin changes (empty: not described).
    control: String,
    control_compiled: bool,
    /// The first lines of the compiler's error, when refused.
    quote: Option<Quote>,
}

/// A code block: its fence (longer than any backtick run inside) and text.
#[derive(Serialize)]
struct Quote {
    fence: String,
    text: String,
}

#[derive(Serialize)]
struct Sweep {
    file: String,
    /// Increments per worker per trial.
    iterations: u64,
    /// `none` at the (at most two) largest W that lost updates, largest first.
    losses: Vec<Loss>,
}

#[derive(Serialize)]
struct Loss {
    workers: u32,
    mean_pct: f64,
    trials: u32,
}

#[derive(Serialize)]
struct Matrix {
    file: String,
    workers: u32,
    iterations: u64,
    /// Lost increments of each run, percent.
    lost_pct: Vec<f64>,
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(ctx, md, super::RUST_RACE);
    let i = ctx.inputs;
    let report = i.compile_fail.get();
    let (sweep, sweep_elsewhere) = match (&ctx.race, i.race.get()) {
        (Some(race), Some(report)) if report.config.device == "/dev/mymem" => (
            Some(Sweep {
                file: rel(RACE_JSON),
                iterations: report.config.iterations,
                losses: race
                    .workers()
                    .into_iter()
                    .rev()
                    .filter_map(|w| race.summary(w, Strategy::None))
                    .filter(|s| s.error_pct_max > 0.0)
                    .take(2)
                    .map(|s| Loss {
                        workers: s.workers,
                        mean_pct: s.error_pct_mean,
                        trials: s.trials,
                    })
                    .collect(),
            }),
            None,
        ),
        (_, Some(report)) => (None, Some(report.config.device.clone())),
        _ => (None, None),
    };
    let facts = Facts {
        compile_fail: report.map(|r| CompileFail {
            file: compile_fail_rel(COMPILE_FAIL_JSON),
            dir: COMPILE_FAIL_DIR,
            rustc: r.programs.first().map(|e| e.rustc.clone()),
            programs: r.programs.iter().map(program).collect(),
            refused: r.programs.iter().filter(|e| !e.compiled).count(),
        }),
        compile_fail_missing: i
            .compile_fail
            .why_not(&compile_fail_rel(COMPILE_FAIL_JSON))
            .unwrap_or_default(),
        sweep_missing: i.race.why_not(&rel(RACE_JSON)).unwrap_or_default(),
        sweep,
        sweep_elsewhere,
        matrix: i.matrix.get().and_then(|m| {
            let lost_pct: Vec<f64> = m
                .runs
                .iter()
                .filter(|r| r.program == "Rust" && r.device == ctx.names.rust_dev)
                .map(|r| r.lost() as f64 / r.expected.max(1) as f64 * 100.0)
                .collect();
            (!lost_pct.is_empty()).then(|| Matrix {
                file: rel(MATRIX_JSON),
                workers: m.config.workers,
                iterations: m.config.iterations,
                lost_pct,
            })
        }),
        atomic_control_compiled: report
            .and_then(|r| r.programs.iter().find(|e| e.name == "shared_counter"))
            .is_some_and(|e| e.control_compiled),
    };
    md.raw(&crate::templates::render(
        ctx,
        "answers/rust_race.md",
        &facts,
    ));
}

fn program(e: &Evidence) -> Program {
    let quote = (!e.compiled && !e.message.trim().is_empty()).then(|| {
        let mut text = e
            .message
            .lines()
            .take(QUOTED_LINES)
            .collect::<Vec<_>>()
            .join("\n");
        if e.message.lines().count() > QUOTED_LINES {
            text.push_str("\n...");
        }
        Quote {
            fence: fence(&text),
            text: text.trim_end().into(),
        }
    });
    Program {
        name: e.name.clone(),
        side: match e.side {
            Side::User => "user",
            Side::Kernel => "kernel",
        },
        source: e.source.clone(),
        source_link: super::repo_path(&e.source),
        tries: e.tries.clone(),
        compiled: e.compiled,
        codes: e.codes.clone(),
        control: e.control.clone(),
        control_compiled: e.control_compiled,
        quote,
    }
}
