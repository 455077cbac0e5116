//! Parts 2 and 4: read and write latency tables, Rust vs C, baselines.

use results::layout::{BENCH_JSON, KERNEL_JSON};

use crate::analysis::Dir;
use crate::ctx::Ctx;
use crate::format::{self, us, us_ci, NONE};
use crate::inputs::rel;
use crate::md::Md;
use crate::verdicts::{Icount, Wall};

const NO_LATENCY: &str = "No data for this part (see the notes above).";

pub fn render(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Parts 2 and 4: read and write latency");
    if let Some(s) = crate::modules::slots_sentence(&ctx.inputs.run) {
        md.para(&s);
    }
    notes(ctx, md);
    tables(ctx, md);
    rust_vs_c(ctx, md);
    baselines(ctx, md);
    md.heading(3, "Latency plots");
    if ctx.bench.sizes().is_empty() {
        md.para(NO_LATENCY);
    }
    ctx.plot_links(
        md,
        &[
            "latency_log.svg",
            "latency_linear.svg",
            "throughput.svg",
            "relative_to_c.svg",
        ],
    );
}

/// Missing inputs, how each side measured, and a failed in-kernel run.
fn notes(ctx: &Ctx, md: &mut Md) {
    let inputs = ctx.inputs;
    crate::ctx::paras(
        md,
        [
            inputs.bench.why_not(&rel(BENCH_JSON)),
            inputs.kernel.why_not(&rel(KERNEL_JSON)),
        ],
    );
    if let Some(b) = inputs.bench.get() {
        md.para(&format!(
            "User space: `mymem bench`, {} counted trials per size after {} warmup trials. {} \
             Means with their 95% confidence interval ({}); all times in µs.",
            b.config.trials, b.config.warmup, b.config.timing, b.config.ci_method
        ));
    }
    if let Some(k) = inputs.kernel.get() {
        let provider = match inputs.run.module(results::ModuleRole::Test) {
            Some(t) => match &t.linked_against {
                Some(a) => format!("the API `{a}` exports"),
                None => format!("the API {} exports", ctx.names.rust),
            },
            None => "the API the Rust `mymem` module exports".into(),
        };
        md.para(&format!(
            "In kernel: `mymem_test` calls `mymem_write`/`mymem_read` ({provider}) directly, \
             {} trials per size, no system call; it reports mean and median only (no CI).",
            k.params.trials
        ));
        if k.status != "complete" {
            md.alert(
                "CAUTION",
                &format!(
                    "The in-kernel run did not complete: status `{}`{}.",
                    k.status,
                    k.errno.map_or(String::new(), |e| format!(", errno {e}"))
                ),
            );
        }
        let errors: u64 = k.bench.iter().map(|r| r.errors).sum();
        if errors > 0 {
            md.alert(
                "CAUTION",
                &format!("{errors} in-kernel bench trials failed or read back wrong data."),
            );
        }
    }
}

/// Per direction: every size, each user-space target and the in-kernel run.
fn tables(ctx: &Ctx, md: &mut Md) {
    let bench = &ctx.bench;
    let sizes = bench.sizes();
    let labels = bench.device_labels();
    let has_kernel = bench.kernel.is_some();
    for dir in Dir::ALL {
        md.heading(3, &format!("{} latency (µs)", dir.title()));
        if sizes.is_empty() {
            md.para(NO_LATENCY);
            continue;
        }
        let mut headers: Vec<String> = vec!["Size".into()];
        for l in &labels {
            let l = ctx.names.label(l);
            headers.push(format!("{l} mean (95% CI)"));
            headers.push(format!("{l} median"));
        }
        if has_kernel {
            headers.push("in-kernel mean".into());
            headers.push("in-kernel median".into());
        }
        let rows: Vec<Vec<String>> = sizes
            .iter()
            .map(|&size| {
                let mut row = vec![format::size(size)];
                for l in &labels {
                    let s = bench.user(l, dir, size);
                    row.push(mean_ci(s));
                    row.push(median(s));
                }
                if has_kernel {
                    let k = bench.kernel(dir, size);
                    row.push(k.map_or(NONE.into(), |k| us(k.mean_ns as f64)));
                    row.push(k.map_or(NONE.into(), |k| us(k.median_ns as f64)));
                }
                row
            })
            .collect();
        md.table(&headers, &rows);
    }
}

fn rust_vs_c(ctx: &Ctx, md: &mut Md) {
    let names = &ctx.names;
    md.heading(3, &names.versus);
    if let Some(s) = crate::modules::slots_sentence(&ctx.inputs.run) {
        md.para(&s);
    }
    let icount = ctx.icount;
    let wall = ctx.wall();
    let cells: Vec<(u64, Dir)> = ctx
        .bench
        .sizes()
        .into_iter()
        .chain(icount.map_or(Vec::new(), |b| b.sizes()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter(|&(s, d)| {
            icount.is_some_and(|b| Icount::of(&b, d, s).is_some())
                || wall.is_some_and(|b| Wall::of(&b, d, s).is_some())
        })
        .collect();
    if cells.is_empty() {
        let labels = ctx.bench.device_labels();
        md.para(&if ctx.inputs.bench.get().is_none() {
            NO_LATENCY.to_string()
        } else {
            format!(
                "Needs series labelled `C` and `Rust`; this run measured: {}.",
                labels.join(", ")
            )
        });
        return;
    }
    let mut text = String::new();
    if let Some(b) = icount.and_then(|b| b.user) {
        text.push_str(&format!(
            "Verdicts come from the deterministic clock (icount: {} trials per size, medians; \
             one instruction-ns = one executed guest instruction, see [How sure are these \
             numbers](#how-sure-are-these-numbers)): {} − {} is the exact difference of the \
             two medians. ",
            b.config.trials, names.rust_short, names.c_short
        ));
    }
    if let Some(b) = wall.and_then(|b| b.user) {
        text.push_str(&if b.config.blocks > 1 {
            format!(
                "Wall clock beside it: {} = mean over {} blocks of the ratio of the \
                 blocks' medians, 95 % CI over blocks (Student t){}; verdict: {}. ",
                names.ratio(),
                b.config.blocks,
                if b.config.between_blocks.is_some() {
                    ", the modules reloaded before every block after the first"
                } else {
                    ""
                },
                WALL_RULE
            )
        } else {
            format!(
                "Wall clock beside it: {} = ratio of means with its 95 % CI ({}); the \
                 verdict says whether the CI contains 1. ",
                names.ratio(),
                b.config.comparison_method
            )
        });
    }
    md.para(text.trim_end());
    let rows: Vec<Vec<String>> = cells
        .iter()
        .map(|&(size, dir)| {
            let mut row = vec![format::size(size), dir.name().into()];
            match icount.and_then(|b| Icount::of(&b, dir, size)) {
                Some(i) => row.extend([
                    format!("{:.0}", i.c),
                    format!("{:.0}", i.rust),
                    i.text(&names.rust_short),
                ]),
                None => row.extend([NONE.into(), NONE.into(), NONE.into()]),
            }
            match wall.and_then(|b| Wall::of(&b, dir, size)) {
                Some(w) => row.extend([
                    w.ratio_ci(),
                    w.verdict.name(),
                    w.half_width
                        .map_or(NONE.into(), |h| format!("±{:.1} %", h * 100.0)),
                ]),
                None => row.extend([NONE.into(), NONE.into(), NONE.into()]),
            }
            row
        })
        .collect();
    md.table(
        &[
            "Size".into(),
            "Op".into(),
            format!("icount {} median", names.c_short),
            format!("icount {} median", names.rust_short),
            "verdict (icount)".into(),
            format!("wall {} (95% CI)", names.ratio()),
            "wall verdict".into(),
            "wall CI half-width".into(),
        ],
        &rows,
    );
}

/// The wall-clock verdict rule, in words.
pub const WALL_RULE: &str = "slower or faster when the whole CI lies beyond ±5 %, within ±5 % \
     when it lies inside, undecided when it straddles ±5 % (the ratio moves by ~5–10 % between \
     module loads, docs/measurement.md, so smaller differences are not a stable property of the \
     code on this clock)";

/// tmpfs and memcpy per size, the syscall floor, the clock overhead.
fn baselines(ctx: &Ctx, md: &mut Md) {
    let (bench, inputs) = (&ctx.bench, ctx.inputs);
    let sizes = bench.sizes();
    md.heading(3, "Baselines");
    if inputs.bench.get().is_some() {
        let rows: Vec<Vec<String>> = sizes
            .iter()
            .map(|&size| {
                let mean_med = |s: Option<&results::Series>| {
                    s.map_or(NONE.into(), |s| {
                        format!("{} ({})", us(s.stats.mean_ns), us(s.stats.median_ns))
                    })
                };
                vec![
                    format::size(size),
                    mean_med(bench.user("tmpfs", Dir::Write, size)),
                    mean_med(bench.user("tmpfs", Dir::Read, size)),
                    mean_med(bench.memcpy(size)),
                ]
            })
            .collect();
        md.para("tmpfs: the same pwrite/pread on a tmpfs file (a peer in-memory file system); memcpy: the same copy in user space without the kernel. Mean (median), µs.");
        md.table(&["Size", "tmpfs pwrite", "tmpfs pread", "memcpy"], &rows);
        let mut items = Vec::new();
        for (dir, what) in [
            (Dir::Read, "1-byte `read(2)` of /dev/zero"),
            (Dir::Write, "1-byte `write(2)` to /dev/null"),
        ] {
            if let Some(s) = bench.floor(dir) {
                items.push(format!(
                    "Syscall floor, {what}: mean {} µs (95% CI {}), median {} µs.",
                    us(s.stats.mean_ns),
                    us_ci(s.stats.ci95_ns),
                    us(s.stats.median_ns)
                ));
            }
        }
        if let Some(s) = bench.clock() {
            items.push(format!(
                "Clock overhead (two back-to-back clock reads, inside every user-space \
                 sample): mean {} µs, median {} µs.",
                us(s.stats.mean_ns),
                us(s.stats.median_ns)
            ));
        }
        for s in inputs.bench.get().map_or(&[][..], |b| &b.skipped[..]) {
            items.push(format!("Not measured: `{}`: {}", s.target, s.reason));
        }
        md.bullets(&items);
    } else {
        md.para(NO_LATENCY);
    }
}

fn mean_ci(s: Option<&results::Series>) -> String {
    s.map_or(NONE.into(), |s| {
        format!("{} ({})", us(s.stats.mean_ns), us_ci(s.stats.ci95_ns))
    })
}

fn median(s: Option<&results::Series>) -> String {
    s.map_or(NONE.into(), |s| us(s.stats.median_ns))
}
