//! Question 3 (part 3): pros and cons of each fix, with measured cost. The wording (and each
//! strategy's pros and cons): templates/answers/fixes.md.j2.

use results::Strategy;
use serde::Serialize;

use crate::ctx::Ctx;
use crate::md::Md;

/// What the template reads. Rates in increments/s; ratios are plain factors.
#[derive(Serialize)]
struct Facts {
    /// The largest W that ran every strategy; `None` if there is none.
    w: Option<u32>,
    /// Every strategy with results, in the tool's order.
    strategies: Vec<Measured>,
    /// The fastest and slowest strategy that never lost an update (`none` aside).
    best: Option<Rate>,
    worst: Option<Rate>,
    mmap: Option<Mmap>,
}

#[derive(Serialize)]
struct Measured {
    name: &'static str,
    /// At W; `None` when not measured there.
    cost: Option<Cost>,
}

#[derive(Serialize)]
struct Cost {
    rate: f64,
    /// Throughput relative to `none` and `fetch-add` (those measured, itself aside).
    vs: Vec<Ratio>,
    /// CPU ns per attempted increment.
    cpu_ns: f64,
    /// CPU time relative to `none` (itself aside).
    cpu_vs_none: Option<f64>,
}

#[derive(Serialize)]
struct Ratio {
    name: &'static str,
    ratio: f64,
}

#[derive(Serialize)]
struct Rate {
    name: &'static str,
    rate: f64,
}

#[derive(Serialize)]
struct Mmap {
    rate_vs_fetch_add: f64,
    cpu_vs_fetch_add: f64,
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(ctx, md, super::FIXES);
    ctx.missing(md, false, true, false);
    ctx.race_driver(md);
    let Some(race) = &ctx.race else {
        return;
    };
    let Some(w) = race.reference_workers() else {
        let facts = Facts {
            w: None,
            strategies: Vec::new(),
            best: None,
            worst: None,
            mmap: None,
        };
        md.raw(&crate::templates::render(ctx, "answers/fixes.md", &facts));
        return;
    };
    let cost = |s: Strategy| {
        let r = race.summary(w, s)?;
        let vs = [Strategy::None, Strategy::FetchAdd]
            .into_iter()
            .filter(|&o| o != s)
            .filter_map(|o| {
                Some(Ratio {
                    name: o.as_str(),
                    ratio: r.incr_per_s_mean / race.summary(w, o)?.incr_per_s_mean,
                })
            })
            .collect();
        Some(Cost {
            rate: r.incr_per_s_mean,
            vs,
            cpu_ns: race.cpu_ns_per_increment(r),
            cpu_vs_none: race
                .summary(w, Strategy::None)
                .filter(|_| s != Strategy::None)
                .map(|o| r.cpu_s_mean / o.cpu_s_mean),
        })
    };
    let strategies = race
        .strategies()
        .into_iter()
        .map(|s| Measured {
            name: s.as_str(),
            cost: cost(s),
        })
        .collect();
    let correct: Vec<_> = race
        .strategies()
        .into_iter()
        .filter(|&s| s != Strategy::None && race.max_error(s) == Some(0.0))
        .filter_map(|s| {
            Some(Rate {
                name: s.as_str(),
                rate: race.summary(w, s)?.incr_per_s_mean,
            })
        })
        .collect();
    let pick = |better: fn(f64, f64) -> bool| {
        correct
            .iter()
            .fold(None::<&Rate>, |acc, r| match acc {
                Some(a) if !better(r.rate, a.rate) => Some(a),
                _ => Some(r),
            })
            .map(|r| Rate {
                name: r.name,
                rate: r.rate,
            })
    };
    let mmap = match (
        race.summary(w, Strategy::MmapAtomic),
        race.summary(w, Strategy::FetchAdd),
    ) {
        (Some(m), Some(f)) => Some(Mmap {
            rate_vs_fetch_add: m.incr_per_s_mean / f.incr_per_s_mean,
            cpu_vs_fetch_add: m.cpu_s_mean / f.cpu_s_mean,
        }),
        _ => None,
    };
    let facts = Facts {
        w: Some(w),
        strategies,
        // max_by keeps the last of equals, min_by the first: as before.
        best: pick(|x, best| x >= best),
        worst: pick(|x, worst| x < worst),
        mmap,
    };
    md.raw(&crate::templates::render(ctx, "answers/fixes.md", &facts));
}
