//! Question 1 (part 2): read vs write throughput. The wording:
//! templates/answers/read_write.md.j2.

use results::stats::throughput_mb_s;
use results::stats::RelDiff;
use results::Verdict;
use serde::Serialize;

use crate::analysis::{compare, Bench, Dir, Source};
use crate::ctx::Ctx;
use crate::md::Md;

/// What the template reads. Sizes in bytes, ratios are read mean / write mean.
#[derive(Serialize)]
struct Facts {
    /// `None` when no latency data exists.
    table: Option<Table>,
    /// The driver the prose is about (Rust if measured, else the first).
    main: Option<Main>,
    /// The guest ran under TCG (emulated loads and stores).
    tcg: bool,
}

/// Read/write ratio per size and target, and the verdicts counted per driver.
#[derive(Serialize)]
struct Table {
    /// Columns: every driver, then `tmpfs` if measured.
    targets: Vec<String>,
    /// An in-kernel column exists.
    has_kernel: bool,
    rows: Vec<Row>,
    /// One per driver (not tmpfs).
    counts: Vec<Count>,
}

#[derive(Serialize)]
struct Row {
    size: u64,
    /// One per target; `None` when not measured.
    targets: Vec<Option<ReadVsWrite>>,
    kernel: Option<f64>,
}

#[derive(Serialize)]
struct ReadVsWrite {
    ratio: f64,
    /// Reads relative to writes, from the 95 % CI.
    reads: Reads,
}

#[derive(Serialize, PartialEq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Reads {
    Faster,
    Slower,
    Same,
}

impl From<&RelDiff> for ReadVsWrite {
    fn from(d: &RelDiff) -> Self {
        ReadVsWrite {
            ratio: d.ratio,
            reads: match Verdict::means(d.ci95) {
                Verdict::Faster => Reads::Faster,
                Verdict::Slower => Reads::Slower,
                // `Verdict::means` gives only these three.
                _ => Reads::Same,
            },
        }
    }
}

#[derive(Serialize)]
struct Count {
    driver: String,
    sizes: usize,
    faster: usize,
    slower: usize,
    same: usize,
}

#[derive(Serialize)]
struct Main {
    driver: String,
    smallest: u64,
    largest: u64,
    /// MB/s at the largest size of every driver measured there, `driver` first.
    throughput: Vec<Throughput>,
    at_smallest: Option<ReadVsWrite>,
    at_largest: Option<Largest>,
}

#[derive(Serialize)]
struct Throughput {
    /// Series label (`C`, `Rust`).
    driver: String,
    write_mb_s: f64,
    read_mb_s: f64,
}

#[derive(Serialize)]
struct Largest {
    #[serde(flatten)]
    rw: ReadVsWrite,
    /// |read − write| / write, percent.
    diff_pct: f64,
    /// In-kernel read/write at the same size.
    kernel: Option<KernelRatio>,
}

#[derive(Serialize)]
struct KernelRatio {
    ratio: f64,
    /// The in-kernel ratio is on the same side of 1 as the user-space one.
    same_direction: bool,
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
    super::heading(ctx, md, super::READ_WRITE);
    ctx.missing(md, true, false, true);
    let bench = &ctx.bench;
    let sizes = bench.sizes();
    let facts = match (sizes.first(), sizes.last()) {
        (Some(&smallest), Some(&largest)) => Facts {
            table: Some(table(bench)),
            main: main(bench, smallest, largest),
            tcg: ctx.is_tcg(),
        },
        _ => Facts {
            table: None,
            main: None,
            tcg: ctx.is_tcg(),
        },
    };
    md.raw(&crate::templates::render(
        ctx,
        "answers/read_write.md",
        &facts,
    ));
}

fn table(bench: &Bench) -> Table {
    let sizes = bench.sizes();
    let mut targets: Vec<String> = bench
        .device_labels()
        .into_iter()
        .map(String::from)
        .collect();
    if bench.has_tmpfs() {
        targets.push("tmpfs".into());
    }
    let rows = sizes
        .iter()
        .map(|&size| Row {
            size,
            targets: targets
                .iter()
                .map(|t| user_rw(bench, t, size).as_ref().map(ReadVsWrite::from))
                .collect(),
            kernel: kernel_rw(bench, size),
        })
        .collect();
    let counts = bench
        .device_labels()
        .into_iter()
        .map(|driver| {
            let reads: Vec<Reads> = sizes
                .iter()
                .filter_map(|&s| {
                    user_rw(bench, driver, s)
                        .as_ref()
                        .map(|d| ReadVsWrite::from(d).reads)
                })
                .collect();
            let n = |r| reads.iter().filter(|&&x| x == r).count();
            Count {
                driver: driver.into(),
                sizes: reads.len(),
                faster: n(Reads::Faster),
                slower: n(Reads::Slower),
                same: n(Reads::Same),
            }
        })
        .collect();
    Table {
        targets,
        has_kernel: sizes.iter().any(|&s| kernel_rw(bench, s).is_some()),
        rows,
        counts,
    }
}

fn main(bench: &Bench, smallest: u64, largest: u64) -> Option<Main> {
    let labels = bench.device_labels();
    let driver = if labels.contains(&"Rust") {
        "Rust"
    } else {
        labels.first().copied()?
    };
    let tp = |label, dir| {
        bench
            .user(label, dir, largest)
            .map(|s| throughput_mb_s(largest, s.stats.mean_ns))
    };
    let throughput = std::iter::once(driver)
        .chain(labels.iter().copied().filter(|&l| l != driver))
        .filter_map(|label| {
            Some(Throughput {
                driver: label.into(),
                write_mb_s: tp(label, Dir::Write)?,
                read_mb_s: tp(label, Dir::Read)?,
            })
        })
        .collect();
    let at_largest = user_rw(bench, driver, largest).map(|d| Largest {
        rw: ReadVsWrite::from(&d),
        diff_pct: d.rel_diff.abs() * 100.0,
        kernel: kernel_rw(bench, largest).map(|k| KernelRatio {
            ratio: k,
            same_direction: (k < 1.0) == (d.ratio < 1.0),
        }),
    });
    Some(Main {
        driver: driver.into(),
        smallest,
        largest,
        throughput,
        at_smallest: user_rw(bench, driver, smallest)
            .as_ref()
            .map(ReadVsWrite::from),
        at_largest,
    })
}
