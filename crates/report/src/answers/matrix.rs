//! Part 4: part 3 repeated with the program and the driver in Rust: the
//! 2 x 2 matrix of `mymem matrix` (C / Rust program x C / Rust driver). The wording:
//! templates/answers/matrix.md.j2.

use results::layout::{BENCH_JSON, MATRIX_JSON};
use results::{MatrixReport, MatrixRun};
use serde::Serialize;

use crate::analysis::Dir;
use crate::ctx::Ctx;
use crate::inputs::rel;
use crate::md::Md;

use super::misuse::driver;
use crate::modules::Names;

/// The seed's N; below it the answer says the run used a smaller one.
const SEED_N: u64 = 150_000;

/// What the template reads.
#[derive(Serialize)]
struct Facts {
    /// `None`: no matrix; see `missing`.
    matrix: Option<Matrix>,
    /// Why the matrix is missing (empty if nothing to say).
    missing: String,
}

#[derive(Serialize)]
struct Matrix {
    /// The matrix file, relative to the report.
    file: String,
    workers: u32,
    /// Increments per worker, and the seed's.
    iterations: u64,
    seed_n: u64,
    /// Runs per cell.
    trials: u32,
    /// Increments per run (workers × iterations).
    increments: u64,
    cells: Vec<Cell>,
    /// Every run of every cell lost updates.
    all_lose: bool,
    comparisons: Vec<Comparison>,
    /// The bench's per-call medians at its smallest size; empty: see `bench_missing`.
    per_call: Vec<PerCall>,
    bench_missing: String,
    /// The bench file, relative to the report.
    bench_file: String,
}

/// Median, min and max of a cell's values.
#[derive(Serialize)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(mut v: Vec<f64>) -> Option<Spread> {
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }

    /// The two ranges do not overlap: a difference three runs can show.
    fn apart(&self, other: &Spread) -> bool {
        self.max < other.min || other.max < self.min
    }
}

#[derive(Serialize)]
struct Cell {
    /// `C` or `Rust`.
    program: String,
    device: String,
    /// The driver as [`driver`] names it.
    driver: String,
    lost_pct: Spread,
    wall_s: Spread,
    cpu_s: Spread,
    /// Median CPU time per increment, µs.
    cpu_us_per_increment: f64,
}

/// Cell `a` against cell `b`: medians of `a` relative to `b`'s.
#[derive(Serialize)]
struct Comparison {
    what: What,
    wall_ratio: f64,
    cpu_ratio: f64,
    /// The wall-time ranges do not overlap.
    apart: bool,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum What {
    /// Rust program vs C program on one driver.
    Programs { driver: String },
    /// Rust driver vs C driver with one program.
    Drivers { program: String },
    /// All Rust (program and driver) vs all C.
    AllRustVsAllC,
}

#[derive(Serialize)]
struct PerCall {
    size: u64,
    dir: &'static str,
    /// Median ns per call.
    c_ns: f64,
    rust_ns: f64,
}

fn cells(run: &results::RunInfo, m: &MatrixReport, increments: u64) -> Vec<Cell> {
    let mut out = Vec::new();
    for (program, _) in &m.config.programs {
        for device in &m.config.devices {
            let runs: Vec<&MatrixRun> = m
                .runs
                .iter()
                .filter(|r| &r.program == program && &r.device == device)
                .collect();
            let col = |f: &dyn Fn(&MatrixRun) -> f64| runs.iter().map(|r| f(r)).collect();
            let (Some(lost_pct), Some(wall_s), Some(cpu_s)) = (
                Spread::of(col(&|r| r.lost() as f64 / r.expected.max(1) as f64 * 100.0)),
                Spread::of(col(&|r| r.wall_ns as f64 / 1e9)),
                Spread::of(col(&|r| r.cpu_ns() as f64 / 1e9)),
            ) else {
                continue;
            };
            out.push(Cell {
                program: program.clone(),
                device: device.clone(),
                driver: driver(run, device),
                cpu_us_per_increment: cpu_s.median * 1e6 / increments.max(1) as f64,
                lost_pct,
                wall_s,
                cpu_s,
            });
        }
    }
    out
}

fn comparisons(run: &results::RunInfo, names: &Names, cells: &[Cell]) -> Vec<Comparison> {
    let (c_dev, rust_dev) = (names.c_dev.as_str(), names.rust_dev.as_str());
    let find = |p: &str, d: &str| cells.iter().find(|x| x.program == p && x.device == d);
    let compare = |a: &Cell, b: &Cell, what| Comparison {
        what,
        wall_ratio: a.wall_s.median / b.wall_s.median,
        cpu_ratio: a.cpu_s.median / b.cpu_s.median,
        apart: a.wall_s.apart(&b.wall_s),
    };
    let mut out = Vec::new();
    for d in [c_dev, rust_dev] {
        if let (Some(r), Some(c)) = (find("Rust", d), find("C", d)) {
            out.push(compare(
                r,
                c,
                What::Programs {
                    driver: driver(run, d),
                },
            ));
        }
    }
    for p in ["C", "Rust"] {
        if let (Some(r), Some(c)) = (find(p, rust_dev), find(p, c_dev)) {
            out.push(compare(r, c, What::Drivers { program: p.into() }));
        }
    }
    if let (Some(r), Some(c)) = (find("Rust", rust_dev), find("C", c_dev)) {
        out.push(compare(r, c, What::AllRustVsAllC));
    }
    out
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(ctx, md, super::MATRIX);
    let facts = Facts {
        matrix: ctx.inputs.matrix.get().map(|m| matrix(ctx, m)),
        missing: ctx
            .inputs
            .matrix
            .why_not(&rel(MATRIX_JSON))
            .unwrap_or_default(),
    };
    md.raw(&crate::templates::render(ctx, "answers/matrix.md", &facts));
}

fn matrix(ctx: &Ctx, m: &MatrixReport) -> Matrix {
    let c = &m.config;
    let increments = u64::from(c.workers) * c.iterations;
    let cells = cells(&ctx.inputs.run, m, increments);
    let bench = &ctx.bench;
    let per_call = bench
        .sizes()
        .into_iter()
        .next()
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| {
            Some(PerCall {
                size: s,
                dir: d.name(),
                c_ns: bench.user("C", d, s)?.stats.median_ns,
                rust_ns: bench.user("Rust", d, s)?.stats.median_ns,
            })
        })
        .collect();
    Matrix {
        file: rel(MATRIX_JSON),
        workers: c.workers,
        iterations: c.iterations,
        seed_n: SEED_N,
        trials: c.trials,
        increments,
        all_lose: !cells.is_empty() && cells.iter().all(|x| x.lost_pct.min > 0.0),
        comparisons: comparisons(&ctx.inputs.run, &ctx.names, &cells),
        cells,
        per_call,
        bench_file: rel(BENCH_JSON),
        bench_missing: ctx
            .inputs
            .bench
            .why_not(&rel(BENCH_JSON))
            .unwrap_or_else(|| "no C and Rust series".into()),
    }
}
