//! Question 2 (part 3): where races appear, and why. The wording:
//! templates/answers/where_races.md.j2.

use results::Strategy;
use serde::Serialize;

use crate::ctx::Ctx;
use crate::md::Md;

/// What the template reads; percentages are percent (0–100).
#[derive(Serialize)]
struct Facts {
    race: Option<RaceFacts>,
    /// The in-kernel `none` race, if the kernel ran one.
    kernel_none: Option<KernelNone>,
}

#[derive(Serialize)]
struct RaceFacts {
    /// Mean loss of `none` at W = 1.
    one_loss: Option<f64>,
    /// The smallest W at which `none` lost updates.
    first: Option<Loss>,
    /// `none` at the largest W, when that is not `first`.
    last: Option<Loss>,
    max_workers: u32,
    vcpus: u32,
    /// Every strategy but `none`, with its largest loss of any trial.
    fixes: Vec<Fix>,
}

#[derive(Serialize)]
struct Loss {
    workers: u32,
    mean: f64,
    min: f64,
    max: f64,
    trials: u32,
}

#[derive(Serialize)]
struct Fix {
    name: &'static str,
    max: f64,
}

#[derive(Serialize)]
struct KernelNone {
    workers: u32,
    max_concurrent: u32,
    lost: u64,
    expected: u64,
    percent_error: f64,
}

fn loss(s: &results::RaceSummary) -> Loss {
    Loss {
        workers: s.workers,
        mean: s.error_pct_mean,
        min: s.error_pct_min,
        max: s.error_pct_max,
        trials: s.trials,
    }
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(ctx, md, super::WHERE_RACES);
    ctx.missing(md, false, true, false);
    ctx.race_driver(md);
    let race = ctx.race.as_ref().map(|race| {
        let workers = race.workers();
        let first = race.first_racy();
        RaceFacts {
            one_loss: race.summary(1, Strategy::None).map(|s| s.error_pct_mean),
            last: first.and_then(|first| {
                workers
                    .last()
                    .and_then(|&w| race.summary(w, Strategy::None))
                    .filter(|l| l.workers != first.workers)
                    .map(loss)
            }),
            first: first.map(loss),
            max_workers: workers.last().copied().unwrap_or(0),
            vcpus: ctx.inputs.race.get().map_or(0, |r| r.env.vcpus),
            fixes: race
                .strategies()
                .into_iter()
                .filter(|&s| s != Strategy::None)
                .filter_map(|s| {
                    Some(Fix {
                        name: s.as_str(),
                        max: race.max_error(s)?,
                    })
                })
                .collect(),
        }
    });
    let kernel_none = ctx.inputs.kernel.get().and_then(|k| {
        let none = k.race.iter().find(|r| r.strategy == "none")?;
        Some(KernelNone {
            workers: none.workers,
            max_concurrent: none.max_concurrent,
            lost: none.expected.abs_diff(none.actual),
            expected: none.expected,
            percent_error: none.percent_error,
        })
    });
    let facts = Facts { race, kernel_none };
    md.raw(&crate::templates::render(
        ctx,
        "answers/where_races.md",
        &facts,
    ));
}
