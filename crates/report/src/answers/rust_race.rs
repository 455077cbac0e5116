//! Part 4: what Rust changes about the data race of part 3: what the
//! compiler refused in this run (compile-fail evidence), and the lost updates
//! it cannot prevent (race.json, matrix.json).

use results::layout::{COMPILE_FAIL_JSON, MATRIX_JSON, RACE_JSON};
use results::{Evidence, Side, Strategy};

use crate::ctx::Ctx;
use crate::format::pct;
use crate::inputs::{compile_fail_rel, rel};
use crate::md::Md;

/// Lines of each compiler error quoted in the report (the file has it all).
const QUOTED_LINES: usize = 14;

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(md, super::RUST_RACE);
    refused(ctx, md);
    not_prevented(ctx, md);
}

/// (a) What the compiler refuses, quoted from this run's build output.
fn refused(ctx: &Ctx, md: &mut Md) {
    md.para("**(a) What the compiler refuses.**");
    let report = &ctx.inputs.compile_fail;
    let Some(report) = report.get() else {
        md.para(
            &report
                .why_not(&compile_fail_rel(COMPILE_FAIL_JSON))
                .unwrap_or_default(),
        );
        md.para(
            "Without it this run has no evidence of what the compiler refuses; `lab run` builds \
             the programs of `crates/compile-fail` and `kernel/compile_fail` to produce it.",
        );
        return;
    };
    let rustc = report
        .programs
        .first()
        .map_or(String::new(), |e| format!(" with `{}`", e.rustc));
    md.para(&format!(
        "During this run, the runner built {} programs{rustc} that share the counter (or the \
         device buffer) between threads the way a C program may, each beside a control twin \
         that differs only in the synchronisation ([`{1}`]({1}); each refused build's full \
         output in `{2}/<program>.stderr`). The compiler's first error for each:",
        report.programs.len(),
        compile_fail_rel(COMPILE_FAIL_JSON),
        results::layout::COMPILE_FAIL_DIR,
    ));
    for e in &report.programs {
        program(md, e);
    }
    let refused = report.programs.iter().filter(|e| !e.compiled).count();
    md.para(&format!(
        "{refused} of {} were refused. The compiler refuses unsynchronised shared mutation \
         itself: a `&mut` to one counter in two threads (E0499), a `static mut` outside \
         `unsafe` (E0133), a type that is not `Send`/`Sync` handed to another thread (E0277), \
         data behind a `Mutex` touched without the guard that `lock()` returns (user side and \
         the kernel's `Mutex<KVVec<u8>>` alike). In C all of these compile, and the first is \
         the seed's part 3 program. That is the **data race** (two unsynchronised accesses, one \
         a write: undefined behaviour), and safe Rust cannot express it.",
        report.programs.len()
    ));
}

fn program(md: &mut Md, e: &Evidence) {
    let side = match e.side {
        Side::User => "user space",
        Side::Kernel => "kernel module",
    };
    let control = if e.control.is_empty() {
        String::new()
    } else {
        format!(" Its control ({}) ", e.control)
    };
    let verdict = if e.compiled {
        "**compiled: the compiler did not refuse it.**".to_string()
    } else {
        format!("refused with {}.", e.codes.join(", "))
    };
    let control_verdict = match (e.control.is_empty(), e.control_compiled) {
        (true, true) => " Its control compiled.".to_string(),
        (true, false) => " **Its control did not compile**: the refusal proves nothing.".into(),
        (false, true) => format!("{control}compiled."),
        (false, false) => format!("{control}**did not compile**: the refusal proves nothing."),
    };
    md.para(&format!(
        "`{}` ({side}, {}): {}; {verdict}{control_verdict}",
        e.name,
        super::repo_link(&e.source),
        e.tries,
    ));
    if !e.compiled && !e.message.trim().is_empty() {
        let quoted: Vec<&str> = e.message.lines().take(QUOTED_LINES).collect();
        let more = e.message.lines().count() > QUOTED_LINES;
        md.code(
            "text",
            &format!("{}{}", quoted.join("\n"), if more { "\n..." } else { "" }),
        );
    }
}

/// (b) The lost updates it cannot prevent: the Rust program on the Rust driver.
fn not_prevented(ctx: &Ctx, md: &mut Md) {
    md.para("**(b) What it cannot prevent.**");
    let mut measured = Vec::new();
    match (&ctx.race, ctx.inputs.race.get()) {
        (Some(race), Some(report)) if report.config.device == "/dev/mymem" => {
            let cells: Vec<String> = race
                .workers()
                .into_iter()
                .rev()
                .filter_map(|w| race.summary(w, Strategy::None))
                .filter(|s| s.error_pct_max > 0.0)
                .take(2)
                .map(|s| {
                    format!(
                        "W = {} lost {} of the increments on average ({} trials)",
                        s.workers,
                        pct(s.error_pct_mean),
                        s.trials
                    )
                })
                .collect();
            measured.push(if cells.is_empty() {
                format!(
                    "In this run's race sweep ([`{0}`]({0}), the Rust program `mymem race` on \
                     the Rust driver), `none` lost no update at any W: the window was not hit, \
                     which does not make it safe.",
                    rel(RACE_JSON)
                )
            } else {
                format!(
                    "In this run's race sweep ([`{0}`]({0}): the Rust program `mymem race`, \
                     safe Rust, on the Rust driver, N = {1}), the `none` strategy still loses \
                     updates: {2}.",
                    rel(RACE_JSON),
                    report.config.iterations,
                    cells.join("; ")
                )
            });
        }
        (_, Some(report)) => measured.push(format!(
            "This run's race sweep ran on `{}`, not the Rust driver.",
            report.config.device
        )),
        _ => measured.push(ctx.inputs.race.why_not(&rel(RACE_JSON)).unwrap_or_default()),
    }
    if let Some(m) = ctx.inputs.matrix.get() {
        let runs: Vec<_> = m
            .runs
            .iter()
            .filter(|r| r.program == "Rust" && r.device == "/dev/mymem")
            .collect();
        if !runs.is_empty() {
            let lost: Vec<String> = runs
                .iter()
                .map(|r| pct(r.lost() as f64 / r.expected.max(1) as f64 * 100.0))
                .collect();
            measured.push(format!(
                "In the matrix of answer 7 ([`{0}`]({0}), W = {1}, N = {2}), the Rust program on \
                 the Rust driver lost {3} of the increments in its {4} runs.",
                rel(MATRIX_JSON),
                m.config.workers,
                m.config.iterations,
                lost.join(", "),
                runs.len()
            ));
        }
    }
    md.para(&measured.join(" "));
    let control = ctx
        .inputs
        .compile_fail
        .get()
        .and_then(|r| r.programs.iter().find(|e| e.name == "shared_counter"));
    let control_text = match control {
        Some(e) if e.control_compiled => {
            "The `shared_counter` control shows the same inside one program: the counter as an \
             `AtomicU64`, read with `load` and written back with `store`, compiled in this run. \
             It has no data race (every access is atomic) and still has the race condition: two \
             threads can load the same value and both store value + 1. "
        }
        _ => "",
    };
    md.para(&format!(
        "Why: a **race condition** is a wrong result that depends on timing (here a lost \
         update), and it is not the same thing as a data race. The device's read-increment-write \
         is four system calls, each atomic in the driver (the Rust driver's buffer is reachable \
         only through its `Mutex`, which the compiler enforces: see `unlocked_buffer` above), \
         but nothing makes the four one step. {control_text}The compiler checks that every \
         access to shared memory is synchronised; it cannot know that the program meant the \
         load and the store to be one operation. So Rust removes the data race (undefined \
         behaviour: torn values, anything the optimiser assumes) and leaves the race condition \
         (lost updates), which the numbers above measure. The fixes are the same as in C: make \
         the cycle one atomic step (`fetch-add`, `fetch_add` on an atomic) or hold one lock \
         across it (answer 3); what Rust adds is that the lock must be taken to reach the data \
         at all."
    ));
}
