//! Parts 3 and 5: the user-space race sweep, the cost of the fixes, the
//! in-kernel race.

use results::layout::{KERNEL_JSON, RACE_JSON};
use results::Strategy;

use crate::analysis::Race;
use crate::ctx::Ctx;
use crate::format::{pct, si, NONE};
use crate::inputs::rel;
use crate::md::Md;

pub fn render(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Parts 3 and 5: races");
    md.heading(3, "User-space race (`mymem race`)");
    match (&ctx.race, ctx.inputs.race.get()) {
        (Some(race), Some(report)) => user_race(race, report, md),
        _ => {
            md.para(&ctx.inputs.race.why_not(&rel(RACE_JSON)).unwrap_or_default());
            md.heading(3, "Cost of the fixes");
            md.para("No user-space race data.");
        }
    }

    md.heading(3, "In-kernel race (`mymem_test`)");
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

    md.heading(3, "Race plots");
    if ctx.race.is_none() {
        md.para("No user-space race data.");
    }
    ctx.plot_links(md, &["race_error.svg", "race_throughput.svg"]);
}

fn user_race(race: &Race, report: &results::RaceReport, md: &mut Md) {
    let c = &report.config;
    let workers = race.workers();
    let strategies = race.strategies();
    md.para(&format!(
        "W ∈ {{{}}} worker threads on `{}`, N = {} increments per worker, {} trials per (W, \
         strategy). One increment: {}",
        workers
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        c.device,
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
