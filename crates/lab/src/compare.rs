//! `lab compare RUN_A RUN_B`: do two runs say the same thing?
//!
//! Cell by cell (op x size), the Rust/C ratio and verdict of each run's `bench.json`. The runs
//! disagree when a verdict differs; for two `icount` runs (deterministic guest time) also when
//! any median, of a series or an in-kernel row, differs by more than [`ICOUNT_TOLERANCE`]. The
//! tmpfs peer's medians are shown but not held to it: its page-cache work is not the same in
//! every boot (64 KiB pwrite: 18 166 vs 17 913 instructions in two boots).

use anyhow::{bail, Context, Result};
use results::layout::{self, BENCH_JSON, KERNEL_JSON};
use results::{BenchReport, Comparison, KernelReport, Series, SeriesKind};
use std::path::{Path, PathBuf};

/// Largest relative median difference two icount runs may show (0.5 %).
pub const ICOUNT_TOLERANCE: f64 = 0.005;

/// One run's measurements, as read from its directory.
pub struct Run {
    pub name: String,
    pub bench: BenchReport,
    pub kernel: Option<KernelReport>,
}

/// Reads a run: a run directory (`results/<id>`), its `lab/results` directory, or a
/// `bench.json` file; `kernel.json` beside `bench.json` is read when present.
pub fn load(path: &Path) -> Result<Run> {
    let bench_path = if path.is_file() {
        path.to_path_buf()
    } else {
        [layout::measured(BENCH_JSON), BENCH_JSON.to_string()]
            .iter()
            .map(|rel| path.join(rel))
            .find(|p| p.is_file())
            .with_context(|| {
                format!(
                    "{}: no {} (is it a run directory of `lab run` or `lab bench`?)",
                    path.display(),
                    layout::measured(BENCH_JSON)
                )
            })?
    };
    let text = std::fs::read_to_string(&bench_path)
        .with_context(|| format!("reading {}", bench_path.display()))?;
    let bench: BenchReport =
        results::parse(&text).with_context(|| format!("parsing {}", bench_path.display()))?;
    let kernel_path: PathBuf = bench_path.with_file_name(KERNEL_JSON);
    let kernel = match std::fs::read_to_string(&kernel_path) {
        Ok(text) => Some(
            results::parse(&text).with_context(|| format!("parsing {}", kernel_path.display()))?,
        ),
        Err(_) => None,
    };
    Ok(Run {
        name: path.display().to_string(),
        bench,
        kernel,
    })
}

/// How a comparison reads (the report's rule): the 95 % CI of the relative difference
/// contains 0, or lies above or below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Same,
    Slower,
    Faster,
}

impl Verdict {
    /// From the CI over blocks when the run had blocks (`mymem bench --blocks`), else from the
    /// CI of the relative difference of means.
    pub fn of(c: &Comparison) -> Self {
        let (lo, hi) = match c.block_ratio_ci95 {
            Some([lo, hi]) => (lo - 1.0, hi - 1.0),
            None => (c.rel_diff_ci95[0], c.rel_diff_ci95[1]),
        };
        if lo <= 0.0 && hi >= 0.0 {
            Verdict::Same
        } else if lo > 0.0 {
            Verdict::Slower
        } else {
            Verdict::Faster
        }
    }

    fn name(self) -> &'static str {
        match self {
            Verdict::Same => "no difference",
            Verdict::Slower => "slower",
            Verdict::Faster => "faster",
        }
    }
}

/// The outcome: a printable table and the disagreements found.
pub struct Outcome {
    pub table: String,
    pub differences: Vec<String>,
}

/// Compares two runs (see the module docs).
pub fn compare(a: &Run, b: &Run) -> Outcome {
    let icount = a.bench.env.clock == "icount" && b.bench.env.clock == "icount";
    let mut differences = Vec::new();
    if a.bench.env.clock != b.bench.env.clock {
        differences.push(format!(
            "the clocks differ ({} vs {}): medians are not comparable",
            a.bench.env.clock, b.bench.env.clock
        ));
    }
    let mut rows = vec![[
        "op",
        "size",
        "target/ref",
        "ratio A",
        "ratio B",
        "verdict A",
        "verdict B",
        "",
    ]
    .map(String::from)];
    for ca in &a.bench.comparisons {
        let key = |c: &&Comparison| {
            c.op == ca.op
                && c.size == ca.size
                && c.target == ca.target
                && c.reference == ca.reference
        };
        let cell = format!(
            "{} {} B {}/{}",
            ca.op.as_str(),
            ca.size,
            ca.target,
            ca.reference
        );
        let Some(cb) = b.bench.comparisons.iter().find(key) else {
            differences.push(format!("{cell}: only in A"));
            continue;
        };
        let (va, vb) = (Verdict::of(ca), Verdict::of(cb));
        let mark = if va == vb { "" } else { "DIFFERS" };
        if va != vb {
            differences.push(format!("{cell}: verdict {} vs {}", va.name(), vb.name()));
        }
        rows.push([
            ca.op.as_str().into(),
            ca.size.to_string(),
            format!("{}/{}", ca.target, ca.reference),
            format!("{:.4}", ca.ratio),
            format!("{:.4}", cb.ratio),
            va.name().into(),
            vb.name().into(),
            mark.into(),
        ]);
    }
    for cb in &b.bench.comparisons {
        if !a.bench.comparisons.iter().any(|ca| {
            ca.op == cb.op
                && ca.size == cb.size
                && ca.target == cb.target
                && ca.reference == cb.reference
        }) {
            differences.push(format!(
                "{} {} B {}/{}: only in B",
                cb.op.as_str(),
                cb.size,
                cb.target,
                cb.reference
            ));
        }
    }
    let mut table = format!(
        "A: {} ({} clock)\nB: {} ({} clock)\n\n{}",
        a.name,
        a.bench.env.clock,
        b.name,
        b.bench.env.clock,
        render(&rows)
    );
    if icount {
        let medians = median_differences(a, b);
        table.push_str(&format!(
            "\nicount medians: {} compared, largest difference {:.3} % (tolerance {:.1} %)\n",
            medians.compared,
            medians.largest * 100.0,
            ICOUNT_TOLERANCE * 100.0
        ));
        for note in &medians.tmpfs {
            table.push_str(&format!("  not held to the tolerance: {note}\n"));
        }
        differences.extend(medians.over);
    }
    Outcome { table, differences }
}

struct Medians {
    compared: usize,
    largest: f64,
    over: Vec<String>,
    /// tmpfs peer medians beyond the tolerance (informational).
    tmpfs: Vec<String>,
}

/// Every series median and in-kernel median present in both runs.
fn median_differences(a: &Run, b: &Run) -> Medians {
    // (name, median A, median B, held to the tolerance)
    let mut pairs: Vec<(String, f64, f64, bool)> = Vec::new();
    let same = |x: &Series, y: &Series| {
        x.kind == y.kind && x.label == y.label && x.op == y.op && x.size == y.size
    };
    for sa in &a.bench.series {
        if let Some(sb) = b.bench.series.iter().find(|sb| same(sa, sb)) {
            pairs.push((
                format!("{} {} {} B", sa.label, sa.op.as_str(), sa.size),
                sa.stats.median_ns,
                sb.stats.median_ns,
                sa.kind != SeriesKind::Tmpfs,
            ));
        }
    }
    if let (Some(ka), Some(kb)) = (&a.kernel, &b.kernel) {
        for ra in &ka.bench {
            if let Some(rb) = kb
                .bench
                .iter()
                .find(|rb| rb.op == ra.op && rb.size == ra.size)
            {
                pairs.push((
                    format!("in-kernel {} {} B", ra.op, ra.size),
                    ra.median_ns as f64,
                    rb.median_ns as f64,
                    true,
                ));
            }
        }
    }
    let mut out = Medians {
        compared: pairs.iter().filter(|p| p.3).count(),
        largest: 0.0,
        over: Vec::new(),
        tmpfs: Vec::new(),
    };
    for (name, ma, mb, held) in pairs {
        let rel = if ma > 0.0 {
            (mb - ma).abs() / ma
        } else {
            f64::from(u8::from(mb != ma))
        };
        if rel <= ICOUNT_TOLERANCE {
            if held {
                out.largest = out.largest.max(rel);
            }
            continue;
        }
        let line = format!(
            "{name}: median {ma:.0} vs {mb:.0} ns ({:+.2} %)",
            (mb - ma) / ma.max(1.0) * 100.0
        );
        if held {
            out.largest = out.largest.max(rel);
            out.over.push(line);
        } else {
            out.tmpfs.push(line);
        }
    }
    out
}

fn render(rows: &[[String; 8]]) -> String {
    let mut widths = [0usize; 8];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// `lab compare`: prints the table; an error lists the disagreements.
pub fn run(a: &Path, b: &Path) -> Result<()> {
    let (a, b) = (load(a)?, load(b)?);
    let outcome = compare(&a, &b);
    print!("{}", outcome.table);
    if outcome.differences.is_empty() {
        println!("lab compare: the runs agree");
        return Ok(());
    }
    bail!("the runs disagree:\n  {}", outcome.differences.join("\n  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bench report with Rust/C at 1 B (pread) and 4 KiB (pwrite); `rust` scales Rust's samples.
    fn run(clock: &str, rust: f64, spread: u64) -> Run {
        let template = include_str!("../tests/fixtures/bench-icount.json");
        let mut bench: BenchReport = serde_json::from_str(template).unwrap();
        bench.env.clock = clock.into();
        for s in &mut bench.series {
            if s.label == "Rust" {
                for v in &mut s.samples_ns {
                    *v = (*v as f64 * rust) as u64;
                }
            }
            if clock == "wall" {
                for (i, v) in s.samples_ns.iter_mut().enumerate() {
                    *v += (i as u64 % 5) * spread;
                }
            }
            s.stats = results::Summary::from_ns(&s.samples_ns).unwrap();
        }
        bench.comparisons = mymem_cli::bench::compare(&bench.series, "C");
        Run {
            name: format!("{clock}-{rust}"),
            bench,
            kernel: None,
        }
    }

    #[test]
    fn identical_runs_agree() {
        let a = run("icount", 1.05, 0);
        let o = compare(&a, &a);
        assert!(o.differences.is_empty(), "{:?}", o.differences);
        assert!(
            o.table.contains("largest difference 0.000 %"),
            "{}",
            o.table
        );
        assert!(o.table.contains("1.049"), "{}", o.table);
    }

    #[test]
    fn icount_medians_must_agree_within_half_a_percent() {
        let (a, b) = (run("icount", 1.05, 0), run("icount", 1.06, 0));
        let o = compare(&a, &b);
        assert!(
            o.differences
                .iter()
                .any(|d| d.contains("Rust pread 1 B: median")),
            "{:?}",
            o.differences
        );
        let near = run("icount", 1.052, 0);
        assert!(compare(&a, &near).differences.is_empty());
    }

    #[test]
    fn wall_runs_are_judged_on_verdicts_only() {
        // 1 % slower with a wide spread: no significant difference, but the medians moved.
        let (a, b) = (run("wall", 1.0, 100), run("wall", 1.01, 100));
        let o = compare(&a, &b);
        assert!(o.differences.is_empty(), "{:?}", o.differences);
        // 30 % slower: the verdict flips.
        let c = run("wall", 1.3, 100);
        let o = compare(&a, &c);
        assert!(
            o.differences
                .iter()
                .any(|d| d.contains("verdict no difference vs slower")),
            "{:?}",
            o.differences
        );
        assert!(o.table.contains("DIFFERS"));
    }

    #[test]
    fn tmpfs_medians_are_shown_but_not_held() {
        let a = run("icount", 1.0, 0);
        let mut b = run("icount", 1.0, 0);
        for s in b.bench.series.iter_mut().filter(|s| s.label == "/dev/zero") {
            s.kind = SeriesKind::Tmpfs;
            s.stats.median_ns *= 1.02;
        }
        let mut a2 = a;
        for s in a2
            .bench
            .series
            .iter_mut()
            .filter(|s| s.label == "/dev/zero")
        {
            s.kind = SeriesKind::Tmpfs;
        }
        let o = compare(&a2, &b);
        assert!(o.differences.is_empty(), "{:?}", o.differences);
        assert!(
            o.table
                .contains("not held to the tolerance: /dev/zero read 1 B"),
            "{}",
            o.table
        );
    }

    #[test]
    fn block_ci_decides_when_present() {
        let mut c = run("wall", 1.3, 100).bench.comparisons[0].clone();
        assert_eq!(Verdict::of(&c), Verdict::Slower);
        c.block_ratio_ci95 = Some([0.9, 1.5]);
        assert_eq!(Verdict::of(&c), Verdict::Same);
        c.block_ratio_ci95 = Some([0.8, 0.95]);
        assert_eq!(Verdict::of(&c), Verdict::Faster);
    }

    #[test]
    fn mixed_clocks_disagree() {
        let o = compare(&run("icount", 1.0, 0), &run("wall", 1.0, 0));
        assert!(o.differences[0].contains("clocks differ"));
    }

    #[test]
    fn loads_a_run_directory_with_kernel_json() {
        let dir = std::env::temp_dir().join(format!("lab-compare-test.{}", std::process::id()));
        let results = dir.join("lab/results");
        std::fs::create_dir_all(&results).unwrap();
        std::fs::write(
            results.join("bench.json"),
            include_str!("../tests/fixtures/bench-icount.json"),
        )
        .unwrap();
        std::fs::write(
            results.join("kernel.json"),
            include_str!("../tests/fixtures/kernel-icount.json"),
        )
        .unwrap();
        let r = load(&dir).unwrap();
        assert_eq!(r.bench.env.clock, "icount");
        assert_eq!(r.kernel.as_ref().unwrap().bench.len(), 2);
        let o = compare(&r, &r);
        assert!(o.table.contains("medians: 7 compared"), "{}", o.table);
        assert!(load(&dir.join("nope")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
