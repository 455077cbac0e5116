//! Answers to the lab's six questions: numbers from this run, fixed
//! reasoning that branches on them.

use results::stats::throughput_mb_s;
use results::Strategy;

use crate::analysis::{compare, verdict, Dir, Source, Verdict};
use crate::document::{ratio_ci, verdict_text, Ctx};
use crate::format::{self, mb_s, pct, ratio, si, us};
use crate::inputs::rel;
use crate::md::Md;
use results::layout::{BENCH_JSON, KERNEL_JSON, RACE_JSON};

pub fn render(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Answers to the lab's questions");
    md.para(
        "Each answer quotes this run's numbers; the reasoning around them follows what the \
         numbers show.",
    );
    read_vs_write(ctx, md);
    where_races(ctx, md);
    fixes(ctx, md);
    c_vs_rust(ctx, md);
    user_vs_kernel(ctx, md);
    symbols(ctx, md);
}

fn missing(ctx: &Ctx, md: &mut Md, bench: bool, race: bool, kernel: bool) {
    let i = ctx.inputs;
    let notes = [
        bench.then(|| i.bench.why_not(&rel(BENCH_JSON))).flatten(),
        race.then(|| i.race.why_not(&rel(RACE_JSON))).flatten(),
        kernel
            .then(|| i.kernel.why_not(&rel(KERNEL_JSON)))
            .flatten(),
    ];
    for n in notes.into_iter().flatten() {
        md.para(&n);
    }
}

fn read_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Same => "same",
        Verdict::Faster => "read faster",
        Verdict::Slower => "read slower",
    }
}

fn read_vs_write(ctx: &Ctx, md: &mut Md) {
    md.heading(
        3,
        "1. Is there a read/write throughput difference, and why?",
    );
    let bench = &ctx.bench;
    let sizes = bench.sizes();
    missing(ctx, md, true, false, true);
    let Some(&largest) = sizes.last() else {
        md.para("No latency data: nothing to answer.");
        return;
    };
    let smallest = sizes[0];
    let mut labels: Vec<&str> = bench.device_labels();
    if bench.has_tmpfs() {
        labels.push("tmpfs");
    }
    let user_rw = |label: &str, size| {
        compare(
            &bench.user(label, Dir::Write, size)?.stats,
            &bench.user(label, Dir::Read, size)?.stats,
        )
    };
    let kernel_rw = |size| {
        let w = bench.mean_ns(&Source::InKernel, Dir::Write, size)?;
        Some(bench.mean_ns(&Source::InKernel, Dir::Read, size)? / w)
    };
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
                    format!("{} ({})", ratio(d.ratio), read_word(verdict(&d)))
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
            .filter_map(|&s| user_rw(l, s).map(|d| verdict(&d)))
            .collect();
        let n = |v| verdicts.iter().filter(|&&x| x == v).count();
        counts.push(format!(
            "{l} driver: reads significantly faster at {} of {} sizes, slower at {}, no \
             significant difference at {}.",
            n(Verdict::Faster),
            verdicts.len(),
            n(Verdict::Slower),
            n(Verdict::Same)
        ));
    }
    md.bullets(&counts);

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
            match verdict(&d) {
                Verdict::Same => "no significant difference, as expected from a symmetric path",
                _ =>
                    "even the fixed cost differs a little between the directions, since the \
                      entry paths are not identical (`vfs_read` vs `vfs_write`, access vs \
                      modify notifications)",
            }
        ));
    }
    if let Some(d) = user_rw(main, largest) {
        why.push_str(&match verdict(&d) {
            Verdict::Same => format!(
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
        if let Some(k) = kernel_rw(largest) {
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

fn where_races(ctx: &Ctx, md: &mut Md) {
    md.heading(3, "2. Where do races appear, and why?");
    missing(ctx, md, false, true, false);
    if let Some(race) = &ctx.race {
        let vcpus = ctx.inputs.race.get().map_or(0, |r| r.env.vcpus);
        let workers = race.workers();
        let mut text = String::new();
        if let Some(one) = race.summary(1, Strategy::None) {
            text.push_str(&format!(
                "With W = 1 `none` lost {} (a single thread cannot race with itself). ",
                pct(one.error_pct_mean)
            ));
        }
        match race.first_racy() {
            Some(first) => {
                text.push_str(&format!(
                    "Lost updates first appear at **W = {}** for `none`: mean {} of the \
                     increments lost (min {:.2} %, max {:.2} % over {} trials). ",
                    first.workers,
                    pct(first.error_pct_mean),
                    first.error_pct_min,
                    first.error_pct_max,
                    first.trials
                ));
                if let Some(last) = workers
                    .last()
                    .and_then(|&w| race.summary(w, Strategy::None))
                    .filter(|l| l.workers != first.workers)
                {
                    text.push_str(&format!(
                        "At W = {} the mean loss is {}. ",
                        last.workers,
                        pct(last.error_pct_mean)
                    ));
                }
            }
            None => text.push_str(&format!(
                "`none` lost no update at any W up to {}: the race window (between the read \
                 and the write system calls) was never hit in this run, which does not make \
                 the cycle correct. ",
                workers.last().copied().unwrap_or(0)
            )),
        }
        md.para(&text);
        md.para(&format!(
            "Why: `none` increments with four system calls (lseek, read 8 bytes, lseek, write \
             8 bytes). Each call is atomic (the device mutex), but the read-increment-write \
             cycle is not: when another thread reads the counter after this thread's read and \
             before its write, both write back the same old value + 1 and one increment is \
             lost. Two threads get between each other's read and write either by running in \
             parallel on {} or by preemption: the kernel is built with PREEMPT, and a thread \
             can lose its CPU between its two system calls (time slice, interrupt) while \
             another one runs a whole cycle. More threads give more overlapping cycles, hence \
             the larger loss at larger W.",
            if vcpus > 1 {
                format!("different vCPUs (this guest has {vcpus})")
            } else {
                "different CPUs (this guest had only one vCPU, so preemption is the only way \
                 here)"
                    .into()
            }
        ));
        let fixes: Vec<String> = race
            .strategies()
            .into_iter()
            .filter(|&s| s != Strategy::None)
            .filter_map(|s| {
                let max = race.max_error(s)?;
                Some(if max == 0.0 {
                    format!("`{}`: no lost update in any trial at any W.", s.as_str())
                } else {
                    format!(
                        "`{}`: **lost updates (up to {}): this fix is broken.**",
                        s.as_str(),
                        pct(max)
                    )
                })
            })
            .collect();
        md.bullets(&fixes);
    }
    if let Some(k) = ctx.inputs.kernel.get() {
        if let Some(none) = k.race.iter().find(|r| r.strategy == "none") {
            md.para(&format!(
                "In the kernel (`mymem_test`, {} work items, at most {} running at once), `none` \
                 lost {} of {} increments ({}): the same read-increment-write race, between \
                 `mymem_read` and `mymem_write` calls instead of system calls.",
                none.workers,
                none.max_concurrent,
                none.expected.abs_diff(none.actual),
                none.expected,
                pct(none.percent_error)
            ));
        }
    }
}

fn fixes(ctx: &Ctx, md: &mut Md) {
    md.heading(3, "3. Pros and cons of each fix, with measured cost");
    missing(ctx, md, false, true, false);
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
}

fn c_vs_rust(ctx: &Ctx, md: &mut Md) {
    md.heading(3, "4. C driver vs Rust driver");
    missing(ctx, md, true, false, false);
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
    let n = |v| pairs.iter().filter(|p| verdict(&p.2) == v).count();
    let (slower, faster, same) = (n(Verdict::Slower), n(Verdict::Faster), n(Verdict::Same));
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
            .filter(|p| verdict(&p.2) == v)
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
    md.para(
        "Why: both drivers do the same work per call (system call, VFS, misc device, the \
         kernel mutex, one user copy) and reach the same kernel C functions: the Rust driver \
         through the `rust/kernel` abstractions (the same `struct mutex`, the same user-copy \
         routines), which compile to nearly the same code. Both implement \
         `read_iter`/`write_iter` and copy with `copy_to_iter`/`copy_from_iter` (the C twin \
         does so because `copy_from_user` would zero the bytes it could not copy in the device \
         buffer). What differs is the Rust side's extra layers (the `Kiocb`/`IovIter` wrappers, \
         `Arc` and `KBox` for the per-file data), code layout and the checks of safe Rust \
         (bounds, overflow): fixed per-call costs that matter most at small sizes and least at \
         large sizes, where the copy dominates.",
    );
}

fn user_vs_kernel(ctx: &Ctx, md: &mut Md) {
    md.heading(3, "5. User space vs in-kernel");
    missing(ctx, md, true, false, true);
    let bench = &ctx.bench;
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
    let mut headers = vec!["Size".to_owned()];
    for d in Dir::ALL {
        headers.push(format!("{} user", d.name()));
        headers.push(format!("{} in-kernel", d.name()));
        headers.push(format!("{} overhead", d.name()));
        if floor.is_some() {
            headers.push(format!("{} × floor", d.name()));
        }
    }
    let overhead = |d: Dir, s: u64| {
        let u = bench.user(user, d, s)?.stats.mean_ns;
        let k = bench.kernel(d, s)?.mean_ns as f64;
        Some((u, k, u - k))
    };
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
            "The in-kernel path was slower at {}: the two benchmarks run at different times \
             with different cache states, so small differences there are noise. ",
            negative.join(", ")
        ));
    }
    md.para(&text);
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

fn symbols(ctx: &Ctx, md: &mut Md) {
    md.heading(
        3,
        "6. How Rust modules reach C kernel functions and other modules' symbols",
    );
    let p = ctx.project;
    let named = |files: &[String]| {
        files
            .iter()
            .map(|f| p.link(f))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let only = |rel: &str| -> Vec<String> {
        if p.exists(rel) {
            vec![rel.to_owned()]
        } else {
            Vec::new()
        }
    };
    let mut items = Vec::new();
    let rust_files = p.files("kernel/mymem", ".rs");
    if !rust_files.is_empty() {
        items.push(format!(
            "Kernel C functions: the Rust `mymem` module ({}) calls safe abstractions of \
             `rust/kernel` (miscdevice, `Mutex`, `IovIter`, `UserSlice`, ...), which call the C functions \
             through `kernel::bindings`, the bindgen-generated declarations of the kernel's C \
             headers; the module never declares kernel C functions itself.",
            named(&rust_files)
        ));
    }
    let exports = only("kernel/mymem/mymem_exports.c");
    let header = only("kernel/include/mymem_api.h");
    if !exports.is_empty() {
        items.push(format!(
            "Exporting to other modules: the Rust functions are `extern \"C\"` and \
             `#[no_mangle]`; {} adds `EXPORT_SYMBOL_GPL` for each, since Rust code cannot emit \
             it itself{}.",
            named(&exports),
            if header.is_empty() {
                String::new()
            } else {
                format!("; {} is the C declaration of that API", named(&header))
            }
        ));
    }
    let importer = only("kernel/mymem_test/mymem_api.rs");
    if !importer.is_empty() {
        items.push(format!(
            "Importing: {} declares the same functions in an `unsafe extern \"C\"` block and \
             wraps them in safe functions; the module loader resolves them against mymem's \
             exports at insmod time.",
            named(&importer)
        ));
    }
    let mut build = only("kernel/mymem_test/Kbuild");
    build.extend(only("crates/lab/src/modules.rs"));
    items.push(format!(
        "Build: `modpost` checks every undefined symbol of a module against `Module.symvers` \
         files; the exporter's `Module.symvers` is passed with `KBUILD_EXTRA_SYMBOLS` when the \
         importer is built{}.",
        if build.is_empty() {
            String::new()
        } else {
            format!(" ({})", named(&build))
        }
    ));
    items.push(
        "Load order: `mymem` must be loaded before `mymem_test` (its symbols must exist), and \
         while `mymem_test` is loaded the loader's dependency keeps `mymem` from being \
         unloaded."
            .into(),
    );
    md.bullets(&items);
}
