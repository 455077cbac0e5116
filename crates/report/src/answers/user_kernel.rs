//! Question 8 (part 5): user space vs in-kernel.

use crate::analysis::{Bench, Dir};
use crate::ctx::Ctx;
use crate::format::{self, us};
use crate::md::Md;

/// (user-space mean, in-kernel mean, difference) in ns of `user` at `size`.
fn overhead(bench: &Bench, user: &str, d: Dir, s: u64) -> Option<(f64, f64, f64)> {
    let u = bench.user(user, d, s)?.stats.mean_ns;
    let k = bench.kernel(d, s)?.mean_ns as f64;
    Some((u, k, u - k))
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(md, super::USER_KERNEL);
    ctx.missing(md, true, false, true);
    if let Some(icount) = ctx.icount.filter(|b| b.kernel.is_some()) {
        from_icount(&icount, md);
    }
    let bench = &ctx.bench;
    if ctx.icount.is_some() && !bench.is_icount() {
        md.heading(4, "On the wall clock");
    }
    let user = if bench.device_labels().contains(&"Rust") {
        "Rust"
    } else {
        match bench.device_labels().first() {
            Some(l) => *l,
            None => return,
        }
    };
    let sizes: Vec<u64> = bench
        .sizes()
        .into_iter()
        .filter(|&s| {
            Dir::ALL
                .iter()
                .any(|&d| bench.user(user, d, s).is_some() && bench.kernel(d, s).is_some())
        })
        .collect();
    if sizes.is_empty() {
        md.para("No size was measured both from user space and in the kernel.");
        return;
    }
    let floor = bench.floor(Dir::Read).map(|s| s.stats.mean_ns);
    md.para(&format!(
        "The in-kernel path calls the Rust module's API directly; user space reaches the same \
         code through `pwrite`/`pread` on the {user} driver's device (the API is the Rust \
         module's, so that is the like-for-like comparison). Overhead = user-space mean − \
         in-kernel mean, in µs{}.",
        if floor.is_some() {
            "; “× floor” divides it by the syscall floor (mean 1-byte read of /dev/zero)"
        } else {
            ""
        }
    ));
    table(md, bench, user, &sizes, floor);
    md.para(&reading(bench, user, &sizes, floor));
    md.para(
        "Where the overhead comes from — all of it paid by user space only; both paths pay \
         for the mutex and the copy:",
    );
    md.bullets(&[
        "system call entry and exit: the trap into the kernel, saving and restoring registers, \
         speculative-execution mitigations on the way in and out;",
        "VFS dispatch: file descriptor lookup, `rw_verify_area`, the misc device's file \
         operations, the driver's position and bounds checks;",
        "`copy_from_user`/`copy_to_user` instead of a plain copy: `access_ok` checks, SMAP \
         toggling (stac/clac), the exception-table fault handling that lets a bad user \
         pointer return -EFAULT;",
        "scheduling: a call that blocks or is preempted pays a context switch, and the \
         user-space sample also contains a clock read (see the clock baseline);",
        "under TCG every one of these is emulated, so the fixed costs weigh more than on \
         hardware.",
    ]);
}

/// User space (Rust driver) vs in-kernel medians in instruction-ns: the verdicts.
fn from_icount(bench: &Bench, md: &mut Md) {
    let cells: Vec<(u64, Dir, f64, f64)> = bench
        .sizes()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| {
            let u = bench.median("Rust", d, s)?;
            let k = bench.kernel(d, s)?.median_ns as f64;
            Some((s, d, u, k))
        })
        .collect();
    if cells.is_empty() {
        return;
    }
    md.para(
        "In instruction time (icount medians, instruction-ns per call; the verdicts): user \
         space = `pwrite`/`pread` on the Rust driver's device, in-kernel = `mymem_test` calling \
         the Rust module's `mymem_write`/`mymem_read`.",
    );
    let rows: Vec<Vec<String>> = cells
        .iter()
        .map(|&(s, d, u, k)| {
            vec![
                format::size(s),
                d.name().into(),
                format!("{u:.0}"),
                format!("{k:.0}"),
                format!("{:+.0} ({:+.1} %)", u - k, (u - k) / k * 100.0),
            ]
        })
        .collect();
    md.table(
        &["Size", "Op", "user space", "in-kernel", "user − kernel"],
        &rows,
    );
    let (s0, d0, u0, k0) = cells[0];
    let mut text = format!(
        "At {} {} the path from user space executes {:.0} more instructions per call than the \
         in-kernel call ({:.1}x): the system call, the VFS and the user-copy checks, all \
         absent in the kernel. ",
        format::size(s0),
        d0.name(),
        u0 - k0,
        u0 / k0
    );
    if let Some(&(s, d, u, k)) = cells.iter().rev().find(|c| c.3 > c.2) {
        text.push_str(&format!(
            "At {} {} the in-kernel call counts more ({k:.0} vs {u:.0}): not more work, a \
             counting bias: the kernel's `memcpy` is a loop of 12 instructions per 32 bytes, \
             the user copy one `rep movsq` that counts once per 8 bytes (see [How sure are \
             these numbers](#how-sure-are-these-numbers)). At large sizes compare the fixed \
             per-call part, not the totals. ",
            format::size(s),
            d.name()
        ));
    }
    md.para(text.trim_end());
}

/// User, in-kernel and overhead per size and direction (× the syscall
/// floor when measured).
fn table(md: &mut Md, bench: &Bench, user: &str, sizes: &[u64], floor: Option<f64>) {
    let overhead = |d, s| overhead(bench, user, d, s);
    let mut headers = vec!["Size".to_owned()];
    for d in Dir::ALL {
        headers.push(format!("{} user", d.name()));
        headers.push(format!("{} in-kernel", d.name()));
        headers.push(format!("{} overhead", d.name()));
        if floor.is_some() {
            headers.push(format!("{} × floor", d.name()));
        }
    }
    let rows: Vec<Vec<String>> = sizes
        .iter()
        .map(|&s| {
            let mut row = vec![format::size(s)];
            for d in Dir::ALL {
                match overhead(d, s) {
                    Some((u, k, o)) => {
                        row.extend([us(u), us(k), us(o)]);
                        if let Some(f) = floor {
                            row.push(format!("{:.2}", o / f));
                        }
                    }
                    None => row.extend(std::iter::repeat_n(
                        "—".to_owned(),
                        3 + usize::from(floor.is_some()),
                    )),
                }
            }
            row
        })
        .collect();
    md.table(&headers, &rows);
}

/// What the overheads at the smallest and largest size say.
fn reading(bench: &Bench, user: &str, sizes: &[u64], floor: Option<f64>) -> String {
    let overhead = |d, s| overhead(bench, user, d, s);
    let (small, large) = (sizes[0], *sizes.last().expect("non-empty"));
    let mut text = String::new();
    if let Some((u, k, o)) = overhead(Dir::Write, small) {
        text.push_str(&format!(
            "At {} a write costs {} µs from user space and {} µs in the kernel: the path into \
             the kernel adds {} µs, {:.1}× the in-kernel time{}. ",
            format::size(small),
            us(u),
            us(k),
            us(o),
            u / k,
            floor.map_or(String::new(), |f| format!(
                ", or {:.2}× the syscall floor of {} µs",
                o / f,
                us(f)
            ))
        ));
    }
    if let (Some((u, k, o_large)), Some((_, _, o_small))) =
        (overhead(Dir::Write, large), overhead(Dir::Write, small))
    {
        text.push_str(&format!(
            "At {} the copy dominates and user space takes {:.2}× the in-kernel time. ",
            format::size(large),
            u / k
        ));
        if large != small && o_large > 2.0 * o_small {
            text.push_str(&format!(
                "The overhead grows with the size ({} µs at {} vs {} µs at {}), so part of it \
                 is paid per byte: the user-copy routines (with their fault handling) copy \
                 more slowly than the in-kernel copy between two kernel buffers, and the two \
                 benchmarks run with different buffers and cache states. ",
                us(o_large),
                format::size(large),
                us(o_small),
                format::size(small)
            ));
        }
    }
    let negative: Vec<String> = sizes
        .iter()
        .flat_map(|&s| Dir::ALL.map(|d| (s, d)))
        .filter(|&(s, d)| overhead(d, s).is_some_and(|o| o.2 < 0.0))
        .map(|(s, d)| format!("{} {}", format::size(s), d.name()))
        .collect();
    if !negative.is_empty() {
        text.push_str(&format!(
            "The in-kernel path was slower at {} on the wall clock. Under icount it executes \
             the same instructions in every round; on the wall clock the emulator's cost for \
             them depends on where the buffers fall in its software TLB (up to 5x, \
             docs/measurement.md anomaly 1); the round-to-round spread of this boot's \
             in-kernel series is in [How sure are these numbers](#how-sure-are-these-numbers). ",
            negative.join(", ")
        ));
    }
    text
}
