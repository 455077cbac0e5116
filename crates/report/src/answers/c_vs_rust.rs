//! Question 5 (part 4): the C driver vs the Rust driver. The wording:
//! templates/answers/c_vs_rust.md.j2.

use results::verdict::{Verdict, ICOUNT_EQUAL_NS, WALL_MARGIN};
use serde::Serialize;

use crate::analysis::{Bench, Dir};
use crate::ctx::Ctx;
use crate::format::{ratio_ci, verdict_text};
use crate::md::Md;
use crate::verdicts::{Icount, Wall};

/// What the template reads: the answer from the best evidence the run has, icount first,
/// then wall-clock blocks, then the means of one boot; all `None`: no C/Rust pair.
#[derive(Serialize)]
struct Facts {
    icount: Option<FromIcount>,
    wall_blocks: Option<FromWallBlocks>,
    means: Option<FromMeans>,
}

/// One (size, direction) cell and its Rust/C result as the report writes it elsewhere.
#[derive(Serialize)]
struct Cell {
    size: u64,
    dir: &'static str,
    /// The result's text (e.g. `Rust − C = +12 ns, slower`, `1.052 [1.01, 1.09]`).
    result: String,
    /// The verdict's name.
    verdict: String,
}

#[derive(Serialize)]
struct FromIcount {
    cells: Vec<IcountCell>,
    /// Cells by icount verdict.
    slower: usize,
    faster: usize,
    equal: usize,
    /// Instruction-ns within which icount calls the two equal.
    equal_ns: f64,
    /// Smallest and largest Rust − C, instruction-ns per call.
    lo: f64,
    hi: f64,
    /// lo and hi are within 10 ns: a fixed cost per call.
    fixed_cost: bool,
    walls: Option<WallCounts>,
}

#[derive(Serialize)]
struct IcountCell {
    #[serde(flatten)]
    icount: Cell,
    /// The wall-clock result of the same cell.
    wall: Option<Cell>,
}

/// Cells by wall-clock verdict.
#[derive(Serialize)]
struct WallCounts {
    slower: usize,
    faster: usize,
    within: usize,
    /// Undecided (or, without blocks, no significant difference).
    undecided: usize,
    cells: usize,
    /// The ± margin of `within`, percent.
    margin_pct: f64,
}

#[derive(Serialize)]
struct FromWallBlocks {
    cells: Vec<Cell>,
    counts: WallCounts,
}

#[derive(Serialize)]
struct FromMeans {
    /// Rust mean / C mean with its CI; `verdict` is the sentence ("Rust 3.1 % slower").
    pairs: Vec<Cell>,
    slower: Vec<Place>,
    faster: Vec<Place>,
    same: usize,
    /// Geometric mean of the Rust/C ratios.
    geo_mean: f64,
}

#[derive(Serialize)]
struct Place {
    size: u64,
    dir: &'static str,
}

fn cells<T>(bench: &Bench, of: impl Fn(Dir, u64) -> Option<T>) -> Vec<(u64, Dir, T)> {
    bench
        .sizes()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| Some((s, d, of(d, s)?)))
        .collect()
}

fn wall_cell(s: u64, d: Dir, w: &Wall) -> Cell {
    Cell {
        size: s,
        dir: d.name(),
        result: w.ratio_ci(),
        verdict: w.verdict.name(),
    }
}

fn wall_counts(verdicts: &[Verdict], undecided: &[Verdict]) -> WallCounts {
    let n = |v| verdicts.iter().filter(|&&x| x == v).count();
    WallCounts {
        slower: n(Verdict::Slower),
        faster: n(Verdict::Faster),
        within: n(Verdict::Within),
        undecided: undecided.iter().map(|&v| n(v)).sum(),
        cells: verdicts.len(),
        margin_pct: WALL_MARGIN * 100.0,
    }
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(ctx, md, super::C_VS_RUST);
    // A run without its wall boot answers from the icount boot: no note needed.
    if !(ctx.inputs.no_wall_boot && ctx.icount.is_some()) {
        ctx.missing(md, true, false, false);
    }
    let mut facts = Facts {
        icount: ctx.icount.as_ref().and_then(|i| from_icount(ctx, i)),
        wall_blocks: None,
        means: None,
    };
    if facts.icount.is_none() {
        facts.wall_blocks = ctx
            .wall()
            .filter(|b| b.user.is_some_and(|u| u.config.blocks > 1))
            .and_then(|w| from_wall_blocks(&w));
    }
    if facts.icount.is_none() && facts.wall_blocks.is_none() {
        facts.means = from_means(&ctx.bench, &ctx.names.rust_short);
    }
    md.raw(&crate::templates::render(
        ctx,
        "answers/c_vs_rust.md",
        &facts,
    ));
}

/// The icount medians, the wall verdicts beside; `None` without C/Rust pairs.
fn from_icount(ctx: &Ctx, icount: &Bench) -> Option<FromIcount> {
    let found = cells(icount, |d, s| Icount::of(icount, d, s));
    if found.is_empty() {
        return None;
    }
    let wall = ctx.wall();
    let diffs: Vec<f64> = found.iter().map(|c| c.2.diff()).collect();
    let lo = diffs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = diffs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n = |v| found.iter().filter(|c| c.2.verdict == v).count();
    let walls = wall.as_ref().map(|w| {
        let verdicts: Vec<Verdict> = found
            .iter()
            .filter_map(|(s, d, _)| Wall::of(w, *d, *s).map(|w| w.verdict))
            .collect();
        wall_counts(&verdicts, &[Verdict::Undecided, Verdict::NoDifference])
    });
    Some(FromIcount {
        cells: found
            .iter()
            .map(|(s, d, i)| IcountCell {
                icount: Cell {
                    size: *s,
                    dir: d.name(),
                    result: i.text(&ctx.names.rust_short),
                    verdict: i.verdict.name(),
                },
                wall: wall
                    .as_ref()
                    .and_then(|b| Wall::of(b, *d, *s))
                    .map(|w| wall_cell(*s, *d, &w)),
            })
            .collect(),
        slower: n(Verdict::Slower),
        faster: n(Verdict::Faster),
        equal: n(Verdict::Equal),
        equal_ns: ICOUNT_EQUAL_NS,
        lo,
        hi,
        fixed_cost: hi - lo <= 10.0,
        walls,
    })
}

/// Without icount, a wall bench with blocks: its verdicts over blocks (module loads).
fn from_wall_blocks(wall: &Bench) -> Option<FromWallBlocks> {
    let found = cells(wall, |d, s| Wall::of(wall, d, s));
    if found.is_empty() {
        return None;
    }
    let verdicts: Vec<Verdict> = found.iter().map(|c| c.2.verdict).collect();
    Some(FromWallBlocks {
        cells: found.iter().map(|(s, d, w)| wall_cell(*s, *d, w)).collect(),
        counts: wall_counts(&verdicts, &[Verdict::Undecided]),
    })
}

/// The means of one boot: Rust/C with its CI per size and direction.
fn from_means(bench: &Bench, who: &str) -> Option<FromMeans> {
    let pairs = cells(bench, |d, s| bench.rust_vs_c(d, s));
    if pairs.is_empty() {
        return None;
    }
    let at = |v| {
        pairs
            .iter()
            .filter(|p| Verdict::means(p.2.ci95) == v)
            .map(|(s, d, _)| Place {
                size: *s,
                dir: d.name(),
            })
            .collect::<Vec<_>>()
    };
    Some(FromMeans {
        slower: at(Verdict::Slower),
        faster: at(Verdict::Faster),
        same: at(Verdict::NoDifference).len(),
        geo_mean: (pairs.iter().map(|p| p.2.ratio.ln()).sum::<f64>() / pairs.len() as f64).exp(),
        pairs: pairs
            .iter()
            .map(|(s, d, r)| Cell {
                size: *s,
                dir: d.name(),
                result: ratio_ci(r),
                verdict: verdict_text(r, who),
            })
            .collect(),
    })
}
