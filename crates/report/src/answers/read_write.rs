//! Question 1 (part 2): read vs write throughput.

use results::stats::throughput_mb_s;

use results::stats::RelDiff;

use results::Verdict;

use crate::analysis::{compare, Bench, Dir, Source};
use crate::ctx::Ctx;
use crate::format::{self, mb_s, ratio};
use crate::md::Md;

fn read_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Faster => "read faster",
        Verdict::Slower => "read slower",
        // `Verdict::means` gives only these three.
        _ => "same",
    }
}

/// Read time relative to write time of `label` at `size`, with its CI.
fn user_rw(bench: &Bench, label: &str, size: u64) -> Option<RelDiff> {
    compare(
        &bench.user(label, Dir::Write, size)?.stats,
        &bench.user(label, Dir::Read, size)?.stats,
    )
}

/// In-kernel read mean / write mean at `size`.
fn kernel_rw(bench: &Bench, size: u64) -> Option<f64> {
    let w = bench.mean_ns(&Source::InKernel, Dir::Write, size)?;
    Some(bench.mean_ns(&Source::InKernel, Dir::Read, size)? / w)
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(md, super::READ_WRITE);
    let bench = &ctx.bench;
    let sizes = bench.sizes();
    ctx.missing(md, true, false, true);
    let Some(&largest) = sizes.last() else {
        md.para("No latency data: nothing to answer.");
        return;
    };
    let smallest = sizes[0];
    ratio_table(ctx, md);
    let main = if bench.device_labels().contains(&"Rust") {
        Some("Rust")
    } else {
        bench.device_labels().first().copied()
    };
    let Some(main) = main else {
        return;
    };
    let tp = |dir, size| {
        bench
            .user(main, dir, size)
            .map(|s| mb_s(throughput_mb_s(size, s.stats.mean_ns)))
    };
    if let (Some(w), Some(r)) = (tp(Dir::Write, largest), tp(Dir::Read, largest)) {
        md.para(&format!(
            "At {}, the {main} driver writes at {w} MB/s and reads at {r} MB/s.",
            format::size(largest)
        ));
    }
    why(ctx, md, main, smallest, largest);
}

/// Read/write ratio per size and target, and the verdicts counted per driver.
fn ratio_table(ctx: &Ctx, md: &mut Md) {
    let bench = &ctx.bench;
    let sizes = bench.sizes();
    let mut labels: Vec<&str> = bench.device_labels();
    if bench.has_tmpfs() {
        labels.push("tmpfs");
    }
    let user_rw = |label: &str, size| user_rw(bench, label, size);
    let kernel_rw = |size| kernel_rw(bench, size);
    let has_kernel = sizes.iter().any(|&s| kernel_rw(s).is_some());

    md.para(
        "Time of a read relative to a write of the same size (read mean / write mean; below 1: \
         reads are faster, i.e. higher read throughput), significance from the 95% CI:",
    );
    let mut headers: Vec<String> = vec!["Size".into()];
    headers.extend(labels.iter().map(|l| format!("{l} read/write")));
    if has_kernel {
        headers.push("in-kernel read/write".into());
    }
    let rows: Vec<Vec<String>> = sizes
        .iter()
        .map(|&size| {
            let mut row = vec![format::size(size)];
            row.extend(labels.iter().map(|l| {
                user_rw(l, size).map_or("—".into(), |d| {
                    format!("{} ({})", ratio(d.ratio), read_word(Verdict::means(d.ci95)))
                })
            }));
            if has_kernel {
                row.push(kernel_rw(size).map_or("—".into(), ratio));
            }
            row
        })
        .collect();
    md.table(&headers, &rows);

    let mut counts = Vec::new();
    for l in bench.device_labels() {
        let verdicts: Vec<Verdict> = sizes
            .iter()
            .filter_map(|&s| user_rw(l, s).map(|d| Verdict::means(d.ci95)))
            .collect();
        let n = |v| verdicts.iter().filter(|&&x| x == v).count();
        counts.push(format!(
            "{l} driver: reads significantly faster at {} of {} sizes, slower at {}, no \
             significant difference at {}.",
            n(Verdict::Faster),
            verdicts.len(),
            n(Verdict::Slower),
            n(Verdict::NoDifference)
        ));
    }
    md.bullets(&counts);
}

/// Why: the same driver code both ways; what the ratios at the smallest and
/// largest size of `main` say.
fn why(ctx: &Ctx, md: &mut Md, main: &str, smallest: u64, largest: u64) {
    let bench = &ctx.bench;
    let user_rw = |label: &str, size| user_rw(bench, label, size);
    let mut why = String::from(
        "Why: both directions run the same driver code: take the device mutex, copy `len` \
         bytes between the user buffer and the kernel buffer (both drivers use \
         `copy_from_iter` for a write and `copy_to_iter` for a read, which end in the \
         user-copy routines), release the mutex. ",
    );
    if let Some(d) = user_rw(main, smallest) {
        why.push_str(&format!(
            "For small transfers the fixed cost of a call (system call entry and exit, file \
             lookup, the mutex) dominates; at {} the {main} read/write ratio is {}: {}. ",
            format::size(smallest),
            ratio(d.ratio),
            match Verdict::means(d.ci95) {
                Verdict::NoDifference =>
                    "no significant difference, as expected from a symmetric path",
                _ =>
                    "even the fixed cost differs a little between the directions, since the \
                      entry paths are not identical (`vfs_read` vs `vfs_write`, access vs \
                      modify notifications)",
            }
        ));
    }
    if let Some(d) = user_rw(main, largest) {
        why.push_str(&match Verdict::means(d.ci95) {
            Verdict::NoDifference => format!(
                "For large transfers the copy dominates, and at {} it costs the same in both \
                 directions here: no significant difference. ",
                format::size(largest)
            ),
            v => format!(
                "For large transfers the copy dominates; at {} reads take {:.1} % {} time than \
                 writes. The driver work is symmetric, so the difference comes from the memory \
                 side of the copy: which buffer is loaded and which is stored, whether the \
                 destination is already cached{}. ",
                format::size(largest),
                d.rel_diff.abs() * 100.0,
                if v == Verdict::Faster { "less" } else { "more" },
                if ctx.is_tcg() {
                    ", and how the emulator (TCG) executes the loads and stores of the copy"
                } else {
                    ""
                }
            ),
        });
        if let Some(k) = kernel_rw(bench, largest) {
            let same_direction = (k < 1.0) == (d.ratio < 1.0);
            why.push_str(&format!(
                "The in-kernel path does the same copy without a system call and has \
                 read/write = {} at {}: {}",
                ratio(k),
                format::size(largest),
                if same_direction {
                    "the same direction, so the asymmetry lies in the copy itself, not in the \
                     system call path."
                } else {
                    "the opposite direction, so the asymmetry comes from the user-space path \
                     (the user-copy routines and the system call), not from the copy of the \
                     kernel buffer."
                }
            ));
        }
    }
    md.para(&why);
}
