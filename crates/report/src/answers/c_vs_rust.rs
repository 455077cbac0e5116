//! Question 5 (part 4): the C driver vs the Rust driver.

use results::verdict::Verdict;

use crate::analysis::{Bench, Dir};
use crate::ctx::Ctx;
use crate::format::{self, ratio, ratio_ci, verdict_text};
use crate::md::Md;
use crate::verdicts::{Icount, Wall};

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(md, super::C_VS_RUST);
    ctx.missing(md, true, false, false);
    if let Some(icount) = ctx.icount {
        if from_icount(ctx, &icount, md) {
            why(md);
            return;
        }
    }
    if let Some(wall) = ctx
        .wall()
        .filter(|b| b.user.is_some_and(|u| u.config.blocks > 1))
    {
        if from_wall_blocks(&wall, md) {
            why(md);
            return;
        }
    }
    let bench = &ctx.bench;
    let pairs: Vec<(u64, Dir, _)> = bench
        .sizes()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| Some((s, d, bench.rust_vs_c(d, s)?)))
        .collect();
    if pairs.is_empty() {
        md.para("This run has no pair of C and Rust series to compare.");
        return;
    }
    let items: Vec<String> = pairs
        .iter()
        .map(|(s, d, r)| {
            format!(
                "{} {}: Rust/C = {} — {}",
                format::size(*s),
                d.name(),
                ratio_ci(r),
                verdict_text(r, "Rust")
            )
        })
        .collect();
    md.para("Rust mean / C mean with its 95% CI, per size and direction:");
    md.bullets(&items);
    let n = |v| {
        pairs
            .iter()
            .filter(|p| Verdict::means(p.2.ci95) == v)
            .count()
    };
    let (slower, faster, same) = (
        n(Verdict::Slower),
        n(Verdict::Faster),
        n(Verdict::NoDifference),
    );
    let geo = (pairs.iter().map(|p| p.2.ratio.ln()).sum::<f64>() / pairs.len() as f64).exp();
    let mut text = format!(
        "Over {} (size, direction) pairs the Rust driver is significantly slower in {slower}, \
         faster in {faster} and not significantly different in {same}; the geometric mean of \
         the ratios is {}. ",
        pairs.len(),
        ratio(geo)
    );
    // The conclusion follows the significant differences; the geometric mean
    // alone could call a driver faster that was never significantly so.
    let at = |v| {
        pairs
            .iter()
            .filter(|p| Verdict::means(p.2.ci95) == v)
            .map(|(s, d, _)| format!("{} {}", format::size(*s), d.name()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    text.push_str(&match (slower, faster) {
        (0, 0) => "This run cannot tell the two drivers apart. ".to_string(),
        (_, 0) => format!(
            "Where the difference is significant the Rust driver is slower ({}); everywhere \
             else this run cannot tell the two apart. ",
            at(Verdict::Slower)
        ),
        (0, _) => format!(
            "Where the difference is significant the Rust driver is faster ({}); everywhere \
             else this run cannot tell the two apart. ",
            at(Verdict::Faster)
        ),
        _ => format!(
            "The differences go both ways: Rust slower at {}, faster at {}. ",
            at(Verdict::Slower),
            at(Verdict::Faster)
        ),
    });
    md.para(&text);
    why(md);
}

/// The answer from the icount medians, the wall verdicts beside; false without C/Rust pairs.
fn from_icount(ctx: &Ctx, icount: &Bench, md: &mut Md) -> bool {
    let cells: Vec<(u64, Dir, Icount)> = icount
        .sizes()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| Some((s, d, Icount::of(icount, d, s)?)))
        .collect();
    if cells.is_empty() {
        return false;
    }
    let wall = ctx.wall();
    let items: Vec<String> = cells
        .iter()
        .map(|(s, d, i)| {
            let mut item = format!("{} {}: {}", format::size(*s), d.name(), i.text());
            if let Some(w) = wall.as_ref().and_then(|b| Wall::of(b, *d, *s)) {
                item.push_str(&format!(
                    " — wall clock: Rust/C {}, {}",
                    w.ratio_ci(),
                    w.verdict.name()
                ));
            }
            item
        })
        .collect();
    md.para(
        "In instruction time (icount medians; the verdict is exact), with the wall-clock \
         result beside it:",
    );
    md.bullets(&items);
    let diffs: Vec<f64> = cells.iter().map(|c| c.2.diff()).collect();
    let lo = diffs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = diffs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n = |v| cells.iter().filter(|c| c.2.verdict == v).count();
    let mut text = format!(
        "In instruction time the Rust driver executes more instructions in {} of {} cells, \
         fewer in {} and as many (within {:.0}) in {}; Rust − C ranges from {lo:+.0} to \
         {hi:+.0} instruction-ns per call. ",
        n(Verdict::Slower),
        cells.len(),
        n(Verdict::Faster),
        results::verdict::ICOUNT_EQUAL_NS,
        n(Verdict::Equal),
    );
    if hi - lo <= 10.0 {
        text.push_str(
            "The difference hardly depends on the size: it is a fixed cost per call in the \
             drivers' own code around the copy (the copy itself is the same kernel routine for \
             both), so it weighs most at 1 byte and vanishes at 512 KiB. ",
        );
    }
    if let Some(w) = wall {
        let walls: Vec<Verdict> = cells
            .iter()
            .filter_map(|(s, d, _)| Wall::of(&w, *d, *s).map(|w| w.verdict))
            .collect();
        let m = |v| walls.iter().filter(|&&x| x == v).count();
        text.push_str(&format!(
            "The wall clock says slower in {}, faster in {}, within ±{:.0} % in {} and \
             undecided in {} of {} cells: on this clock a ratio is a property of the boot and \
             of the module load as much as of the code, and the emulator's cost per \
             instruction differs between the two drivers' code (see [How sure are these \
             numbers](#how-sure-are-these-numbers)).",
            m(Verdict::Slower),
            m(Verdict::Faster),
            results::verdict::WALL_MARGIN * 100.0,
            m(Verdict::Within),
            m(Verdict::Undecided) + m(Verdict::NoDifference),
            walls.len()
        ));
    }
    md.para(text.trim_end());
    true
}

/// Without icount, a wall bench with blocks: its verdicts over blocks (module loads).
fn from_wall_blocks(wall: &Bench, md: &mut Md) -> bool {
    let cells: Vec<(u64, Dir, Wall)> = wall
        .sizes()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| Some((s, d, Wall::of(wall, d, s)?)))
        .collect();
    if cells.is_empty() {
        return false;
    }
    md.para(
        "This run has no icount boot; on the wall clock, Rust/C as the mean over blocks (module \
         loads) of the ratio of medians, 95 % CI over blocks, verdict with a ±5 % margin:",
    );
    let items: Vec<String> = cells
        .iter()
        .map(|(s, d, w)| {
            format!(
                "{} {}: Rust/C {} — {}",
                format::size(*s),
                d.name(),
                w.ratio_ci(),
                w.verdict.name()
            )
        })
        .collect();
    md.bullets(&items);
    let n = |v| cells.iter().filter(|c| c.2.verdict == v).count();
    md.para(&format!(
        "Slower in {}, faster in {}, within ±{:.0} % in {}, undecided in {} of {} cells. \
         `lab run` adds an icount boot that states the difference in instructions exactly.",
        n(Verdict::Slower),
        n(Verdict::Faster),
        results::verdict::WALL_MARGIN * 100.0,
        n(Verdict::Within),
        n(Verdict::Undecided),
        cells.len()
    ));
    true
}

fn why(md: &mut Md) {
    md.para(
        "Why: both drivers do the same work per call (system call, VFS, misc device, the \
         kernel mutex, one user copy) and reach the same kernel C functions: the Rust driver \
         through the `rust/kernel` abstractions (the same `struct mutex`, the same \
         `copy_to_iter`/`copy_from_iter`). The Rust read/write path is one function: the \
         driver's methods are inlined into its `file_operations` entries, the copy needs no \
         bounds check (the locked buffer's length is the device size) and the position update no \
         overflow check (it cannot pass the size), and the entries skip mainline's per-call \
         iov direction assert (`misc_iter.rs`). What Rust still adds is mainline's: \
         `Guard::new` calls the empty `mutex_assert_is_held` helper after every lock (4 \
         instructions in a GCC-built kernel); the C twin spends a few more of its own in \
         `check_copy_size` (instruction accounting from `objdump -dr`: docs/measurement.md, \
         per-call section). The wall clock charges emulated time, not instructions: under TCG \
         the cost of an instruction depends on its kind and on where the code and data sit, so a \
         wall-clock ratio away from 1 where the instruction counts are equal is the emulator's \
         doing, not more work in the driver (its cause was not isolated).",
    );
}
