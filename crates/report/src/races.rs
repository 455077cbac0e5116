//! Parts 3 and 5: the user-space race sweep, the cost of the fixes, the
//! in-kernel race.

use results::layout::{KERNEL_JSON, KERNEL_LOG_TXT, RACE_JSON};
use results::Strategy;

use crate::analysis::Race;
use crate::ctx::Ctx;
use crate::format::{pct, si, NONE};
use crate::inputs::{rel, Input};
use crate::md::Md;

pub fn render(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Parts 3 and 5: races");
    md.heading(3, "User-space race (`mymem race`)");
    match (&ctx.race, ctx.inputs.race.get()) {
        (Some(race), Some(report)) => user_race(ctx, race, report, md),
        _ => {
            md.para(&ctx.inputs.race.why_not(&rel(RACE_JSON)).unwrap_or_default());
            md.heading(3, "Cost of the fixes");
            md.para("No user-space race data.");
        }
    }

    md.heading(
        3,
        &match ctx.inputs.run.module(results::ModuleRole::Test) {
            Some(m) if !m.kit => format!("In-kernel race (`{}`, yours)", m.module),
            _ => "In-kernel race (`mymem_test`)".into(),
        },
    );
    if part5_module(ctx, md) {
        return plots(ctx, md);
    }
    match ctx.inputs.kernel.get() {
        Some(k) if k.race.is_empty() => md.para(&format!(
            "The in-kernel run (experiment `{}`, status `{}`) has no race results.",
            k.experiment.as_deref().unwrap_or("none"),
            k.status
        )),
        Some(k) => {
            md.para(&format!(
                "Work items on the kernel's workqueue increment the u64 at offset 0 through \
                 the exported API: `none` = `mymem_read` + `mymem_write`, `lock` = the same \
                 inside `mymem_lock`/`mymem_unlock`, `fetch-add` = `mymem_fetch_add`. Start \
                 gate {}.",
                if k.params.gate { "on" } else { "off" }
            ));
            let rows: Vec<Vec<String>> = k
                .race
                .iter()
                .map(|r| {
                    let secs = r.duration_ns as f64 / 1e9;
                    vec![
                        format!("`{}`", r.strategy),
                        r.workers.to_string(),
                        r.iterations.to_string(),
                        r.expected.to_string(),
                        r.actual.to_string(),
                        r.expected.abs_diff(r.actual).to_string(),
                        pct(r.percent_error),
                        format!("{:.1}", r.duration_ns as f64 / 1e6),
                        if secs > 0.0 {
                            si(r.expected as f64 / secs)
                        } else {
                            NONE.into()
                        },
                        r.max_concurrent.to_string(),
                        r.api_errors.to_string(),
                    ]
                })
                .collect();
            md.table(
                &[
                    "Strategy",
                    "Workers",
                    "Iterations",
                    "Expected",
                    "Actual",
                    "Lost",
                    "Error",
                    "Duration (ms)",
                    "Increments/s",
                    "Max concurrent",
                    "API errors",
                ],
                &rows,
            );
        }
        None => md.para(
            &ctx.inputs
                .kernel
                .why_not(&rel(KERNEL_JSON))
                .unwrap_or_default(),
        ),
    }

    plots(ctx, md);
}

fn plots(ctx: &Ctx, md: &mut Md) {
    md.heading(3, "Race plots");
    if ctx.race.is_none() {
        md.para("No user-space race data.");
    }
    ctx.plot_links(md, &["race_error.svg", "race_throughput.svg"]);
}

/// In a run that names its modules: which in-kernel module ran (someone's, or our
/// mymem_test against the run's driver), and why it could not when it could not. `true`:
/// the section is complete (someone's module: its kernel log is its result).
fn part5_module(ctx: &Ctx, md: &mut Md) -> bool {
    let run = &ctx.inputs.run;
    let Some(m) = run.module(results::ModuleRole::Test) else {
        return false;
    };
    if !m.kit {
        md.para(&format!(
            "Part 5 ran your in-kernel test module `{}` ({}, from `{}`) in place of the kit's \
             `mymem_test`; it runs when it loads, so its result is what it printed to the \
             kernel log between its load and its unload.",
            m.module, m.language, m.path
        ));
        match &ctx.inputs.kernel_log {
            Input::Ok(text) if !text.trim().is_empty() => {
                md.para(&format!("[`{0}`]({0}):", rel(KERNEL_LOG_TXT)));
                md.code("text", text);
            }
            Input::Ok(_) => md.para(&format!(
                "`{}` is empty: the module printed nothing.",
                rel(KERNEL_LOG_TXT)
            )),
            other => md.para(&why_not_loaded(other, &rel(KERNEL_LOG_TXT), &m.module)),
        }
        return true;
    }
    let mut s = format!(
        "Part 5 ran `{}` (the kit's) against {}",
        m.module, ctx.names.rust
    );
    match &m.linked_against {
        Some(a) => s.push_str(&format!(", linked against the in-kernel API of `{a}`.")),
        None => s.push('.'),
    }
    md.para(&s);
    if ctx.inputs.kernel.get().is_none() {
        md.para(&why_not_loaded(
            &ctx.inputs.kernel,
            &rel(KERNEL_JSON),
            &m.module,
        ));
        if let Input::Hole(why) = &ctx.inputs.kernel {
            if why.contains("Unknown symbol") {
                md.para(&format!(
                    "`Unknown symbol`: no loaded module exports the in-kernel API of \
                     [docs/modules.md](../../docs/modules.md) (`mymem_size`, `mymem_read`, \
                     `mymem_write`, `mymem_fetch_add`, `mymem_lock`, `mymem_unlock`) that \
                     `{}` links against: {} does not, so the in-kernel experiments (the race \
                     and the in-kernel bench of answer 8) could not run on it.",
                    m.module, ctx.names.rust
                ));
            }
        }
        return true;
    }
    false
}

/// Why a module's result is missing: for a hole, the kernel's own lines first.
fn why_not_loaded<T>(input: &Input<T>, path: &str, module: &str) -> String {
    match input {
        Input::Hole(why) => {
            let kernel: Vec<&str> = why
                .lines()
                .map(|l| l.trim_start_matches("kernel: "))
                .filter(|l| l.contains(module) || l.contains("Unknown symbol"))
                .collect();
            let (what, lines) = if kernel.is_empty() {
                ("The guest said", why.trim_end().to_string())
            } else {
                ("The kernel said", kernel.join("\n"))
            };
            format!("**It could not run** (`{path}`). {what}:\n\n```text\n{lines}\n```")
        }
        other => other.why_not(path).unwrap_or_default(),
    }
}

fn user_race(ctx: &Ctx, race: &Race, report: &results::RaceReport, md: &mut Md) {
    let c = &report.config;
    let workers = race.workers();
    let strategies = race.strategies();
    md.para(&format!(
        "W ∈ {{{}}} worker threads on `{}`{}, N = {} increments per worker, {} trials per (W, \
         strategy). One increment: {}",
        workers
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        c.device,
        crate::modules::device_noun(&ctx.inputs.run, &c.device)
            .map_or(String::new(), |n| format!(" ({n})")),
        c.iterations,
        c.trials,
        c.cycle
    ));
    md.para("Lost updates in % of the expected W × N increments: mean over trials (min–max).");
    let mut headers = vec!["W".to_owned()];
    headers.extend(strategies.iter().map(|s| format!("`{}`", s.as_str())));
    let rows: Vec<Vec<String>> = workers
        .iter()
        .map(|&w| {
            let mut row = vec![w.to_string()];
            row.extend(strategies.iter().map(|&s| {
                race.summary(w, s).map_or(NONE.into(), |r| {
                    format!(
                        "{} ({:.2}–{:.2})",
                        pct(r.error_pct_mean),
                        r.error_pct_min,
                        r.error_pct_max
                    )
                })
            }));
            row
        })
        .collect();
    md.table(&headers, &rows);

    md.para("Attempted increments per second (all workers together), mean over trials:");
    let rows: Vec<Vec<String>> = workers
        .iter()
        .map(|&w| {
            let mut row = vec![w.to_string()];
            row.extend(strategies.iter().map(|&s| {
                race.summary(w, s)
                    .map_or(NONE.into(), |r| si(r.incr_per_s_mean))
            }));
            row
        })
        .collect();
    md.table(&headers, &rows);

    md.heading(3, "Cost of the fixes");
    let Some(w) = race.reference_workers() else {
        md.para("No worker count ran every strategy: nothing to compare.");
        return;
    };
    md.para(&format!(
        "At W = {w} (the largest W that ran every strategy). CPU time is user + system time of \
         the whole process per trial. {}",
        c.timing
    ));
    let base = |s: Strategy| race.summary(w, s);
    let rows: Vec<Vec<String>> = strategies
        .iter()
        .filter_map(|&s| {
            let r = race.summary(w, s)?;
            let rel = |other: Strategy, f: fn(&results::RaceSummary) -> f64| {
                base(other).map_or(NONE.into(), |o| format!("{:.2}×", f(r) / f(o)))
            };
            Some(vec![
                format!("`{}`", s.as_str()),
                si(r.incr_per_s_mean),
                rel(Strategy::None, |x| x.incr_per_s_mean),
                rel(Strategy::FetchAdd, |x| x.incr_per_s_mean),
                format!("{:.3}", r.cpu_s_mean),
                format!("{:.0}", race.cpu_ns_per_increment(r)),
                rel(Strategy::None, |x| x.cpu_s_mean),
                pct(r.error_pct_mean),
            ])
        })
        .collect();
    md.table(
        &[
            "Strategy",
            "Increments/s",
            "vs `none`",
            "vs `fetch-add`",
            "CPU s per trial",
            "CPU ns per increment",
            "CPU vs `none`",
            "Lost updates",
        ],
        &rows,
    );
}
