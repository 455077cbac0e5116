//! Question 8 (part 5): user space vs in-kernel. The wording:
//! templates/answers/user_kernel.md.j2.

use serde::Serialize;

use crate::analysis::{Bench, Dir};
use crate::ctx::Ctx;
use crate::md::Md;

/// What the template reads. Times in ns (instruction-ns under icount).
#[derive(Serialize)]
struct Facts {
    /// The icount medians, when the run has an icount boot with in-kernel results.
    icount: Option<FromIcount>,
    /// The wall-clock part follows an icount part: it gets its own heading.
    wall_heading: bool,
    /// The bench's means; `None`: no driver measured from user space.
    means: Option<FromMeans>,
    /// The guest ran under TCG.
    tcg: bool,
}

#[derive(Serialize)]
struct FromIcount {
    /// User space on the Rust driver vs in-kernel, per (size, direction); never empty.
    cells: Vec<IcountCell>,
    /// The last cell where the in-kernel call counts more instructions.
    kernel_counts_more: Option<IcountCell>,
}

#[derive(Serialize, Clone)]
struct IcountCell {
    size: u64,
    dir: &'static str,
    user_ns: f64,
    kernel_ns: f64,
    /// user − kernel, and relative to kernel in percent.
    diff_ns: f64,
    diff_pct: f64,
    /// user / kernel.
    ratio: f64,
}

#[derive(Serialize)]
struct FromMeans {
    /// The driver user space goes through (Rust if measured, else the first).
    driver: String,
    /// The same as prose ("the Rust driver", "your C driver `x`").
    driver_noun: String,
    /// Mean 1-byte read of /dev/zero, if measured.
    floor_ns: Option<f64>,
    /// Sizes measured both ways; empty: nothing to compare.
    rows: Vec<Row>,
    /// The smallest and largest of those sizes.
    small: u64,
    large: u64,
    /// Writes at the smallest and the largest size.
    write_small: Option<Overhead>,
    write_large: Option<Overhead>,
    /// The write overhead at the largest size is more than twice the smallest's.
    grows: bool,
    /// Where the in-kernel path was slower.
    negative: Vec<Place>,
}

#[derive(Serialize)]
struct Row {
    size: u64,
    /// Write, then read; `None`: not measured both ways.
    dirs: Vec<Option<Overhead>>,
}

/// Means in ns: user space, in-kernel, and user − kernel.
#[derive(Serialize, Clone, Copy)]
struct Overhead {
    user_ns: f64,
    kernel_ns: f64,
    overhead_ns: f64,
    /// overhead / floor.
    x_floor: Option<f64>,
    /// The in-kernel mean lies below the user-space mean's 95 % CI (or below the mean when
    /// it has none): the overhead is more than the user-space series' own spread.
    measurable: bool,
}

#[derive(Serialize)]
struct Place {
    size: u64,
    dir: &'static str,
}

fn overhead(bench: &Bench, user: &str, d: Dir, s: u64, floor: Option<f64>) -> Option<Overhead> {
    let stats = &bench.user(user, d, s)?.stats;
    let u = stats.mean_ns;
    let k = bench.kernel(d, s)?.mean_ns as f64;
    Some(Overhead {
        user_ns: u,
        kernel_ns: k,
        overhead_ns: u - k,
        x_floor: floor.map(|f| (u - k) / f),
        measurable: k < stats.ci95_ns.map_or(u, |[lo, _]| lo),
    })
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(ctx, md, super::USER_KERNEL);
    // A run without its wall boot answers from the icount boot, or says why that could not.
    if ctx.inputs.no_wall_boot && ctx.icount.is_some() {
        let path = crate::inputs::icount_rel(results::layout::KERNEL_JSON);
        if let Some(why) = ctx.inputs.icount_kernel.why_not(&path) {
            md.para(&why);
        }
    } else {
        ctx.missing(md, true, false, true);
    }
    let bench = &ctx.bench;
    let means = from_means(bench, &ctx.names);
    let facts = Facts {
        icount: ctx
            .icount
            .as_ref()
            .filter(|b| b.kernel.is_some())
            .and_then(from_icount),
        wall_heading: ctx.icount.is_some() && !bench.is_icount() && means.is_some(),
        means,
        tcg: ctx.is_tcg(),
    };
    md.raw(&crate::templates::render(
        ctx,
        "answers/user_kernel.md",
        &facts,
    ));
}

/// User space (Rust driver) vs in-kernel medians in instruction-ns.
fn from_icount(bench: &Bench) -> Option<FromIcount> {
    let cells: Vec<IcountCell> = bench
        .sizes()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| {
            let u = bench.median("Rust", d, s)?;
            let k = bench.kernel(d, s)?.median_ns as f64;
            Some(IcountCell {
                size: s,
                dir: d.name(),
                user_ns: u,
                kernel_ns: k,
                diff_ns: u - k,
                diff_pct: (u - k) / k * 100.0,
                ratio: u / k,
            })
        })
        .collect();
    if cells.is_empty() {
        return None;
    }
    Some(FromIcount {
        kernel_counts_more: cells
            .iter()
            .rev()
            .find(|c| c.kernel_ns > c.user_ns)
            .cloned(),
        cells,
    })
}

fn from_means(bench: &Bench, names: &crate::modules::Names) -> Option<FromMeans> {
    let labels = bench.device_labels();
    let user = if labels.contains(&"Rust") {
        "Rust"
    } else {
        labels.first().copied()?
    };
    let floor = bench.floor(Dir::Read).map(|s| s.stats.mean_ns);
    let overhead = |d, s| overhead(bench, user, d, s, floor);
    let sizes: Vec<u64> = bench
        .sizes()
        .into_iter()
        .filter(|&s| {
            Dir::ALL
                .iter()
                .any(|&d| bench.user(user, d, s).is_some() && bench.kernel(d, s).is_some())
        })
        .collect();
    let (small, large) = (
        sizes.first().copied().unwrap_or(0),
        sizes.last().copied().unwrap_or(0),
    );
    let write_small = sizes.first().and_then(|&s| overhead(Dir::Write, s));
    let write_large = sizes.last().and_then(|&s| overhead(Dir::Write, s));
    Some(FromMeans {
        driver: user.into(),
        driver_noun: match user {
            "Rust" => names.rust.clone(),
            "C" => names.c.clone(),
            other => format!("`{other}`"),
        },
        floor_ns: floor,
        rows: sizes
            .iter()
            .map(|&s| Row {
                size: s,
                dirs: Dir::ALL.iter().map(|&d| overhead(d, s)).collect(),
            })
            .collect(),
        small,
        large,
        grows: match (write_small, write_large) {
            (Some(s), Some(l)) => {
                large != small && s.measurable && l.overhead_ns > 2.0 * s.overhead_ns
            }
            _ => false,
        },
        write_small,
        write_large,
        negative: sizes
            .iter()
            .flat_map(|&s| Dir::ALL.map(|d| (s, d)))
            .filter(|&(s, d)| overhead(d, s).is_some_and(|o| o.overhead_ns < 0.0))
            .map(|(s, d)| Place {
                size: s,
                dir: d.name(),
            })
            .collect(),
    })
}
