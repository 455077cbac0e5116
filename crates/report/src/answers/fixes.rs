//! Question 3 (part 3): pros and cons of each fix, with measured cost.

use results::Strategy;

use crate::ctx::Ctx;
use crate::format::si;
use crate::md::Md;

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(md, super::FIXES);
    ctx.missing(md, false, true, false);
    let Some(race) = &ctx.race else {
        return;
    };
    let Some(w) = race.reference_workers() else {
        md.para("No worker count ran every strategy: no cost to compare.");
        return;
    };
    let cost = |s: Strategy| -> String {
        let Some(r) = race.summary(w, s) else {
            return "not measured".into();
        };
        let mut parts = vec![format!("{} increments/s", si(r.incr_per_s_mean))];
        for other in [Strategy::None, Strategy::FetchAdd] {
            if other != s {
                if let Some(o) = race.summary(w, other) {
                    parts.push(format!(
                        "{:.2}× the throughput of `{}`",
                        r.incr_per_s_mean / o.incr_per_s_mean,
                        other.as_str()
                    ));
                }
            }
        }
        let mut cpu = format!("{:.0} ns CPU per increment", race.cpu_ns_per_increment(r));
        if let Some(o) = race
            .summary(w, Strategy::None)
            .filter(|_| s != Strategy::None)
        {
            cpu.push_str(&format!(" ({:.2}× `none`)", r.cpu_s_mean / o.cpu_s_mean));
        }
        parts.push(cpu);
        parts.join(", ")
    };
    md.para(&format!(
        "Measured at W = {w}, the largest W that ran every strategy (see [Cost of the \
         fixes](#cost-of-the-fixes)):"
    ));
    let mut items = Vec::new();
    for s in race.strategies() {
        let (pros, cons) = match s {
            Strategy::None => (
                "the least work per increment",
                "wrong: loses updates as soon as threads overlap",
            ),
            Strategy::UserMutex => (
                "needs nothing from the driver; a futex costs no system call when \
                 uncontended; threads of one process are serialized correctly",
                "protects only threads that share this mutex: another process (or another \
                 program) using the device still races; the cycle still costs four system \
                 calls, and waiting threads sleep in futex calls",
            ),
            Strategy::KernelLock => (
                "device-wide: serializes every process that takes it, released automatically \
                 when the holder's file is closed",
                "two more system calls per increment (six instead of four); advisory, so a \
                 program that does not take it still races; a holder that stalls blocks \
                 everyone",
            ),
            Strategy::FetchAdd => (
                "one system call per increment instead of four, atomic in the kernel, \
                 nothing to hold or forget",
                "covers only this operation (add to an aligned u64) and needs a \
                 device-specific ioctl; does not compose into larger transactions",
            ),
            Strategy::MmapAtomic => (
                "no system call at all: the CPU's atomic add on the kernel buffer shared \
                 into the process, correct across threads and processes that map it",
                "bypasses the driver's data mutex, so it is not atomic with respect to \
                 read/write/FETCH_ADD on the same word; needs mmap support and an aligned \
                 word; only operations the CPU has atomics for",
            ),
        };
        items.push(format!(
            "**`{}`** — measured: {}. Pros: {pros}. Cons: {cons}.",
            s.as_str(),
            cost(s)
        ));
    }
    md.bullets(&items);
    let correct: Vec<_> = race
        .strategies()
        .into_iter()
        .filter(|&s| s != Strategy::None && race.max_error(s) == Some(0.0))
        .filter_map(|s| Some((s, race.summary(w, s)?)))
        .collect();
    if let (Some(best), Some(worst)) = (
        correct
            .iter()
            .max_by(|a, b| a.1.incr_per_s_mean.total_cmp(&b.1.incr_per_s_mean)),
        correct
            .iter()
            .min_by(|a, b| a.1.incr_per_s_mean.total_cmp(&b.1.incr_per_s_mean)),
    ) {
        md.para(&format!(
            "Of the correct fixes, `{}` is the fastest at W = {w} ({} increments/s) and `{}` the \
             slowest ({} increments/s, {:.2}× slower).",
            best.0.as_str(),
            si(best.1.incr_per_s_mean),
            worst.0.as_str(),
            si(worst.1.incr_per_s_mean),
            best.1.incr_per_s_mean / worst.1.incr_per_s_mean
        ));
    }
    if let (Some(m), Some(f)) = (
        race.summary(w, Strategy::MmapAtomic),
        race.summary(w, Strategy::FetchAdd),
    ) {
        md.para(&format!(
            "Sharing the kernel buffer instead of calling into it: `mmap-atomic` does {:.2}× \
             the increments/s of `fetch-add`, the cheapest fix that makes a system call per \
             increment, at {:.2}× its CPU time.",
            m.incr_per_s_mean / f.incr_per_s_mean,
            m.cpu_s_mean / f.cpu_s_mean
        ));
    }
}
