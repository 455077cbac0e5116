//! Part 4: part 3 repeated with the program and the driver in Rust: the
//! 2 x 2 matrix of `mymem matrix` (C / Rust program x C / Rust driver).

use results::layout::{BENCH_JSON, MATRIX_JSON};
use results::{MatrixReport, MatrixRun};

use crate::analysis::Dir;
use crate::ctx::Ctx;
use crate::format;
use crate::inputs::rel;
use crate::md::Md;

use super::misuse::driver;

/// The seed's N; below it the answer says the run used a smaller one.
const SEED_N: u64 = 150_000;

/// Median, min and max of a cell's values.
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

    fn show(&self, digits: usize) -> String {
        format!(
            "{:.d$} ({:.d$}–{:.d$})",
            self.median,
            self.min,
            self.max,
            d = digits
        )
    }

    /// The two ranges do not overlap: a difference three runs can show.
    fn apart(&self, other: &Spread) -> bool {
        self.max < other.min || other.max < self.min
    }
}

struct Cell<'a> {
    program: &'a str,
    device: &'a str,
    lost_pct: Spread,
    wall_s: Spread,
    cpu_s: Spread,
}

fn cells(m: &MatrixReport) -> Vec<Cell<'_>> {
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
                program,
                device,
                lost_pct,
                wall_s,
                cpu_s,
            });
        }
    }
    out
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(md, super::MATRIX);
    let Some(m) = ctx.inputs.matrix.get() else {
        md.para(
            &ctx.inputs
                .matrix
                .why_not(&rel(MATRIX_JSON))
                .unwrap_or_default(),
        );
        md.para("Without it this run cannot compare the C and the Rust program.");
        return;
    };
    let c = &m.config;
    let increments = u64::from(c.workers) * c.iterations;
    let n_note = if c.iterations >= SEED_N {
        format!("the seed's N = {}", c.iterations)
    } else {
        format!(
            "**N = {} per worker, not the seed's {SEED_N}**: `make run` keeps this experiment to \
             about a minute under TCG; `make run FULL=1` (`lab run --full`) runs N = {SEED_N}",
            c.iterations
        )
    };
    md.para(&format!(
        "The race of part 3 (`none`: lseek, read 8 bytes, lseek, write 8 bytes per increment) \
         with the C program (the seed's `seed_counter`, tests/seed/seed_counter.c) and the Rust \
         program (`mymem race --strategy none`, one trial) on the C and the Rust driver, W = {} \
         threads, {n_note}; {} runs per cell, interleaved, in one boot ([`{2}`]({2})). Each run \
         is a child process: wall time from spawn to exit, CPU time (user + system) from \
         `getrusage(RUSAGE_CHILDREN)`. Median (min–max) over the runs:",
        c.workers,
        c.trials,
        rel(MATRIX_JSON),
    ));
    let cells = cells(m);
    let rows: Vec<Vec<String>> = cells
        .iter()
        .map(|x| {
            vec![
                format!("{} program", x.program),
                driver(&ctx.inputs.run, x.device),
                x.lost_pct.show(2),
                x.wall_s.show(2),
                x.cpu_s.show(2),
                format!("{:.2}", x.cpu_s.median * 1e6 / increments.max(1) as f64),
            ]
        })
        .collect();
    md.table(
        &[
            "Program",
            "Driver",
            "lost %",
            "wall s",
            "CPU s",
            "CPU µs per increment",
        ],
        &rows,
    );
    let find = |p: &str, d: &str| cells.iter().find(|x| x.program == p && x.device == d);
    let mut text = String::new();
    let all_lose = !cells.is_empty() && cells.iter().all(|x| x.lost_pct.min > 0.0);
    text.push_str(if all_lose {
        "All four combinations lose updates in every run: the lost update is in the protocol \
         (four separate calls), not in either language. "
    } else {
        "Not every run lost updates (see the min column): whether the race window is hit \
         depends on timing, not on the language. "
    });
    let compare = |a: &Cell, b: &Cell, what: &str| -> String {
        let ratio = a.wall_s.median / b.wall_s.median;
        let cpu = a.cpu_s.median / b.cpu_s.median;
        format!(
            "{what}: wall {} and CPU {} of the other's median{}",
            format::ratio(ratio),
            format::ratio(cpu),
            if a.wall_s.apart(&b.wall_s) {
                " (the wall-time ranges do not overlap)"
            } else {
                " (the wall-time ranges overlap: no difference these runs can show)"
            }
        )
    };
    let mut items = Vec::new();
    for d in ["/dev/mymem_c", "/dev/mymem"] {
        if let (Some(r), Some(cc)) = (find("Rust", d), find("C", d)) {
            items.push(compare(
                r,
                cc,
                &format!(
                    "Rust program vs C program on the {}",
                    driver(&ctx.inputs.run, d)
                ),
            ));
        }
    }
    for p in ["C", "Rust"] {
        if let (Some(r), Some(cc)) = (find(p, "/dev/mymem"), find(p, "/dev/mymem_c")) {
            items.push(compare(
                r,
                cc,
                &format!("Rust driver vs C driver with the {p} program"),
            ));
        }
    }
    if let (Some(rr), Some(cc)) = (find("Rust", "/dev/mymem"), find("C", "/dev/mymem_c")) {
        items.push(compare(rr, cc, "all Rust (program and driver) vs all C"));
    }
    md.para(&text);
    md.bullets(&items);
    md.para(&why(ctx, increments));
}

/// Why the four cells cost what they cost: the per-call costs of this run's bench.
fn why(ctx: &Ctx, increments: u64) -> String {
    let bench = &ctx.bench;
    let size = bench.sizes().into_iter().next();
    let per_call: Vec<String> = size
        .into_iter()
        .flat_map(|s| Dir::ALL.map(|d| (s, d)))
        .filter_map(|(s, d)| {
            let c = bench.user("C", d, s)?;
            let r = bench.user("Rust", d, s)?;
            Some(format!(
                "{} {}: C driver {} µs, Rust driver {} µs",
                format::size(s),
                d.name(),
                format::us(c.stats.median_ns),
                format::us(r.stats.median_ns)
            ))
        })
        .collect();
    let bench_text = if per_call.is_empty() {
        format!(
            "(this run has no per-call medians: {})",
            ctx.inputs
                .bench
                .why_not(&rel(BENCH_JSON))
                .unwrap_or_else(|| "no C and Rust series".into())
        )
    } else {
        format!(
            "This run's per-call medians ([`{0}`]({0}), one pread/pwrite each): {1}.",
            rel(BENCH_JSON),
            per_call.join("; ")
        )
    };
    format!(
        "Why: both programs make the same four system calls per increment ({increments} \
         increments, so {} calls per run); between them the user code is a handful of \
         instructions (add 1 to a u64), whichever language compiled it. Almost all the time is \
         in the kernel: system call entry and exit, the VFS, the driver's mutex and an 8-byte \
         user copy, and under 50 threads on few vCPUs the scheduler and the contended mutex. \
         So the program's language can only show in what surrounds the loop (process start, \
         thread creation: `std::thread` with a `Barrier` vs `pthread_create`) and the driver's \
         language only in its per-call path, which answer 5 measures: nearly the same code \
         (the Rust abstractions call the same kernel C functions), a few extra instructions of \
         wrappers and checks per call. {bench_text} A difference of a fraction of a microsecond \
         per call is small next to what scheduling 50 threads on few vCPUs costs per call (the \
         spread between this matrix's trials, above), which is why the wall times overlap or \
         differ by little; counting instructions per call (`--clock icount`, \
         docs/measurement.md) rather than emulated time is how to see it. The lost percentage \
         differs between cells for the same reason it differs between trials: timing.",
        increments * 4,
    )
}
