//! "How sure are these numbers": the clocks of this run, what an instruction-ns is, the CI
//! half-widths and between-block spread reached on the wall clock, the in-kernel round spread
//! and the known biases. Every figure is computed from this run's files.

use results::layout::{self, KERNEL_JSON};
use results::{KernelReport, SeriesKind};

use crate::analysis::{Bench, Dir};
use crate::ctx::Ctx;
use crate::format::{self, us, NONE};
use crate::inputs::{icount_rel, rel};
use crate::md::Md;
use crate::verdicts::Wall;

pub const HEADING: &str = "How sure are these numbers";

/// Round-to-round spread above which the report names the cause (the criterion).
const ROUND_SPREAD_LIMIT: f64 = 0.10;

pub fn render(ctx: &Ctx, md: &mut Md) {
    md.heading(2, HEADING);
    clocks(ctx, md);
    instruction_ns(ctx, md);
    wall_blocks(ctx, md);
    kernel_rounds(ctx, md);
    biases(md);
}

fn clocks(ctx: &Ctx, md: &mut Md) {
    let mut items = Vec::new();
    if let Some(b) = ctx.wall().and_then(|b| b.user) {
        items.push(format!(
            "**wall** (`{}`): guest time follows the host's; the two vCPUs run in parallel. \
             Every measurement of this report except the icount columns, including all races: \
             they need real parallelism, and with icount QEMU runs the vCPUs one at a time. \
             Confounded by the host's load and by where each module load puts its buffers \
             (docs/measurement.md). User-space bench: {} block{} of {} trials per size.",
            rel(results::layout::BENCH_JSON),
            b.config.blocks,
            if b.config.blocks == 1 { "" } else { "s" },
            b.config.trials / b.config.blocks.max(1)
        ));
    }
    if let Some(b) = ctx.icount.and_then(|b| b.user) {
        let path = if ctx.inputs.icount_bench.get().is_some() {
            icount_rel(results::layout::BENCH_JSON)
        } else {
            rel(results::layout::BENCH_JSON)
        };
        items.push(format!(
            "**icount** (`{path}`): QEMU's `-icount shift=0,align=off,sleep=off`, guest time \
             advances 1 ns per executed guest instruction, whatever the host does. The \
             user-space bench ({} trials per size) and the in-kernel bench; the {} and user/\
             kernel verdicts are stated from its medians. Means are not used for verdicts: a \
             rare sample holds a timer interrupt{}.",
            b.config.trials,
            ctx.names.ratio(),
            mean_excess(&b.series).map_or(String::new(), |(m, what)| format!(
                " (largest mean above its median in this boot: {:+.1} %, {what})",
                m * 100.0
            ))
        ));
    }
    if items.is_empty() {
        md.para("No bench results: nothing to qualify.");
        return;
    }
    md.para("The clocks of this run:");
    md.bullets(&items);
}

/// Largest (mean − median) / median among the device series, and which series.
fn mean_excess(series: &[results::Series]) -> Option<(f64, String)> {
    series
        .iter()
        .filter(|s| s.kind == SeriesKind::Device && s.stats.median_ns > 0.0)
        .map(|s| {
            (
                s.stats.mean_ns / s.stats.median_ns - 1.0,
                format!("{} {} {}", s.label, s.op.as_str(), format::size(s.size)),
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
}

fn instruction_ns(ctx: &Ctx, md: &mut Md) {
    if ctx.icount.is_none() {
        return;
    }
    md.para(
        "An instruction-ns is one retired guest instruction, not time on any CPU (measured \
         facts in docs/measurement.md):",
    );
    md.bullets(&[
        "no caches, no memory latency, no TLB misses, no branch mispredictions, no pipeline: a \
         load from memory and a division count the same;",
        "a `rep` string instruction counts once per iteration: the guest CPU (`qemu64`) has no \
         ERMS/FSRM, so `copy_to_user`/`copy_from_user` copy with `rep movsq` (1 count per 8 \
         bytes) while the kernel's `memcpy` is a loop of 12 instructions per 32 bytes; a copy \
         of the same bytes therefore counts 3x more inside the kernel than through a system \
         call (compare driver with driver, not user space with the kernel, at large sizes);",
        "no concurrency: contention and lock hand-over do not exist in it.",
    ]);
}

/// Half-widths and between-block spread per cell, from the wall bench's blocks.
fn wall_blocks(ctx: &Ctx, md: &mut Md) {
    let Some(bench) = ctx.wall() else {
        return;
    };
    let Some(user) = bench.user else { return };
    if user.config.blocks < 2 {
        md.para(&format!(
            "The wall-clock bench ran one block: its CIs come from samples that share one \
             module load, and contain none of the ~5–10 % the {} ratio moves between loads \
             (docs/measurement.md). Run with blocks (`lab run` does) for verdicts that survive \
             a rerun; `{}` has no between-block spread.",
            ctx.names.ratio(),
            rel(results::layout::BENCH_JSON)
        ));
        return;
    }
    let cells: Vec<(u64, Dir, Wall)> = bench
        .sizes()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| Some((s, d, Wall::of(&bench, d, s)?)))
        .collect();
    let target = user.config.ci_target.unwrap_or(0.02);
    let reached = cells
        .iter()
        .filter(|c| c.2.half_width.is_some_and(|h| h <= target))
        .count();
    md.para(&format!(
        "Wall clock, {}: {} blocks{}{}. The stop rule adds blocks until every ratio's 95 % \
         CI half-width is at most {:.0} % or the time cap is reached; {reached} of {} cells \
         reached {:.0} %. Between-block spread = the lowest and highest block ratio: how far \
         one module load's answer can be from another's.",
        ctx.names.ratio(),
        user.config.blocks,
        user.config
            .blocks_s
            .map_or(String::new(), |t| format!(" in {t:.0} s")),
        if user.config.between_blocks.is_some() {
            ", modules reloaded before every block after the first"
        } else {
            ", all in one module load"
        },
        target * 100.0,
        cells.len(),
        target * 100.0
    ));
    let rows: Vec<Vec<String>> = cells
        .iter()
        .map(|(s, d, w)| {
            let lo = w.blocks.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = w.blocks.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            vec![
                format::size(*s),
                d.name().into(),
                format!("{:.3}", w.ratio),
                w.half_width
                    .map_or(NONE.into(), |h| format!("±{:.1} %", h * 100.0)),
                format!("{lo:.3}–{hi:.3}"),
                format!("{:.1} %", (hi / lo - 1.0) * 100.0),
            ]
        })
        .collect();
    md.table(
        &[
            "Size".into(),
            "Op".into(),
            format!("{} (mean over blocks)", ctx.names.ratio()),
            "95% CI half-width".into(),
            "block ratios (min–max)".into(),
            "max/min − 1".into(),
        ],
        &rows,
    );
}

/// The in-kernel rounds of one boot, with their paths: round 1 then the others.
fn rounds<'a>(
    first: (&str, Option<&'a KernelReport>),
    rest: &'a [crate::inputs::Input<KernelReport>],
    path: impl Fn(&str) -> String,
) -> Vec<(String, &'a KernelReport)> {
    let mut out: Vec<(String, &KernelReport)> = Vec::new();
    if let Some(k) = first.1 {
        out.push((path(first.0), k));
    }
    for (i, r) in rest.iter().enumerate() {
        if let Some(k) = r.get() {
            out.push((path(&layout::kernel_round(i as u32 + 2)), k));
        }
    }
    out
}

fn kernel_bench(k: &KernelReport) -> Bench<'_> {
    Bench {
        user: None,
        kernel: Some(k),
    }
}

/// Per (size, direction): the medians of every round and their spread max/min − 1.
fn round_spreads(rounds: &[(String, &KernelReport)]) -> Vec<(u64, Dir, Vec<f64>, f64)> {
    let Some(first) = rounds.first() else {
        return Vec::new();
    };
    kernel_bench(first.1)
        .sizes()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| {
            let medians: Vec<f64> = rounds
                .iter()
                .filter_map(|(_, k)| kernel_bench(k).kernel(d, s).map(|r| r.median_ns as f64))
                .collect();
            if medians.len() < 2 {
                return None;
            }
            let lo = medians.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some((s, d, medians, hi / lo.max(1.0) - 1.0))
        })
        .collect()
}

/// The in-kernel bench rounds of the measurement boot: medians per round, spread per cell,
/// and the same rounds under icount as the control.
fn kernel_rounds(ctx: &Ctx, md: &mut Md) {
    let i = ctx.inputs;
    let wall = rounds((KERNEL_JSON, i.kernel.get()), &i.kernel_rounds, rel);
    if wall.len() < 2 {
        return;
    }
    let cells = round_spreads(&wall);
    let rows: Vec<Vec<String>> = cells
        .iter()
        .map(|(s, d, medians, spread)| {
            vec![
                format::size(*s),
                d.name().into(),
                medians
                    .iter()
                    .map(|m| us(*m))
                    .collect::<Vec<_>>()
                    .join(" / "),
                format!("{:.1} %", spread * 100.0),
            ]
        })
        .collect();
    let mem = wall[0]
        .1
        .params
        .mem
        .clone()
        .unwrap_or_else(|| "KVVec (kmalloc or vmalloc)".into());
    md.para(&format!(
        "In-kernel bench, {} rounds in one boot ({}; buffers: {mem} memory), medians in µs per \
         round and the spread max/min − 1:",
        wall.len(),
        wall.iter()
            .map(|(p, _)| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    md.table(&["Size", "Op", "median per round (µs)", "spread"], &rows);
    let shared = placements(&wall, md);
    let worst: Vec<&(u64, Dir, Vec<f64>, f64)> =
        cells.iter().filter(|c| c.3 > ROUND_SPREAD_LIMIT).collect();
    let icount = rounds(
        (KERNEL_JSON, i.icount_kernel.get()),
        &i.icount_kernel_rounds,
        icount_rel,
    );
    let control = (icount.len() >= 2).then(|| {
        let c = round_spreads(&icount);
        let largest = c.iter().map(|c| c.3).fold(0.0, f64::max);
        format!(
            "The same {} rounds under icount (`{}`…) execute the same instructions: their \
             largest spread is {:.3} %. ",
            icount.len(),
            icount[0].0,
            largest * 100.0
        )
    });
    if worst.is_empty() {
        md.para(&format!(
            "Every cell's rounds agree within {:.0} %. {}",
            ROUND_SPREAD_LIMIT * 100.0,
            control.unwrap_or_default()
        ));
        return;
    }
    let cause = if shared {
        "The rounds shared their buffers, so no placement changed between them: the spread is \
         the emulator's and the host's drift over time (QEMU's share of a host core ranged \
         0.33–0.97 under load; docs/measurement.md, anomalies 3 and 4)."
            .to_string()
    } else if factor_of(&worst) >= 2.0 {
        format!(
            "A factor of {:.1} is the signature of QEMU's software TLB thrashing: rounds with \
             fresh buffers place them anew, and when one falls a multiple of the TLB's reach \
             away from the device buffer, every access misses (up to 5x for the same \
             instructions; docs/measurement.md, anomaly 1).",
            factor_of(&worst)
        )
    } else {
        "A spread of this size (under 2x) is what the host's load and where fresh buffers fall \
         in QEMU's software TLB move a wall-clock median by (docs/measurement.md, anomalies 1, \
         3 and 4); these rounds did not share their buffers, so it may be either."
            .to_string()
    };
    md.para(&format!(
        "Above {:.0} %: {}. {}So the spread is the emulator's cost for the same instructions, \
         not the code. {cause}",
        ROUND_SPREAD_LIMIT * 100.0,
        worst
            .iter()
            .map(|(s, d, _, spread)| format!(
                "{} {} ({:.0} %)",
                format::size(*s),
                d.name(),
                spread * 100.0
            ))
            .collect::<Vec<_>>()
            .join(", "),
        control.unwrap_or_default(),
    ));
}

/// Largest max/min among the cells above the limit.
fn factor_of(worst: &[&(u64, Dir, Vec<f64>, f64)]) -> f64 {
    worst.iter().map(|c| c.3).fold(0.0, f64::max) + 1.0
}

/// The buffer placement of every round, when the reports record it, and what sharing them
/// means. Returns whether every round after the first reused the first round's buffers.
fn placements(rounds: &[(String, &KernelReport)], md: &mut Md) -> bool {
    if rounds.iter().any(|(_, k)| k.buffers.is_none()) {
        md.para(
            "These reports do not record where the bench buffers fell (older module): each \
             round may have allocated its own, and placement moves a median by up to 5x \
             (docs/measurement.md, anomaly 1).",
        );
        return false;
    }
    let rows: Vec<Vec<String>> = rounds
        .iter()
        .enumerate()
        .filter_map(|(i, (path, k))| {
            let b = k.buffers.as_ref()?;
            Some(vec![
                (i + 1).to_string(),
                format!("`{path}`"),
                format!("{:#x}", b.src),
                format!("{:#x}", b.dst),
                if b.reused { "reused" } else { "allocated" }.into(),
            ])
        })
        .collect();
    let modulo = rounds[0].1.buffers.as_ref().map_or(0, |b| b.modulo);
    md.para(&format!(
        "Where each round's bench transfers started, modulo {} (QEMU's software TLB is \
         direct-mapped by virtual page number, so this decides which pages share entries):",
        format::size(modulo)
    ));
    md.table(&["Round", "File", "src", "dst", "buffers"], &rows);
    let first = rounds[0].1.buffers.as_ref();
    let shared = rounds[1..].iter().all(|(_, k)| {
        k.buffers
            .as_ref()
            .is_some_and(|b| b.reused && first.is_some_and(|f| (f.src, f.dst) == (b.src, b.dst)))
    });
    md.para(if shared {
        "Rounds of one module load share their buffers (the module allocates them in its first \
         bench run and reuses them): their spread measures the emulator's and the host's drift \
         over time, not placement. Placement moves a median between module loads and boots \
         instead (up to 5x at 512 KiB; docs/measurement.md, anomaly 1)."
    } else {
        "Not every round used the first round's buffers: the spread mixes placement (up to 5x \
         at 512 KiB; docs/measurement.md, anomaly 1) with the emulator's and the host's drift."
    });
    shared
}

fn biases(md: &mut Md) {
    md.para("Known biases:");
    md.bullets(&[
        "wall clock: under TCG every guest nanosecond includes how fast QEMU emulated it, which \
         depends on the host's load and on where buffers fall in QEMU's software TLB; absolute \
         times are not those of real hardware;",
        "icount: instruction counts, not time (above); the user-space vs in-kernel comparison \
         at large sizes compares `rep movsq` with a `memcpy` loop;",
        "user-space samples contain one clock read (the clock baseline) and, rarely, an \
         interrupt or a preemption: medians, not means, carry the verdicts;",
        "the tmpfs peer's page-cache work differs between boots, so its medians are not \
         expected to repeat even under icount.",
    ]);
}
