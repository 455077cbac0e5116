//! `lab compare RUN_A RUN_B`: do two runs say the same thing?
//!
//! A run holds one or two measurement boots: `lab run` a wall boot (`lab/`) and an icount boot
//! (`lab-icount/`), `lab bench` one boot in its clock. Boots are paired by clock. Per pair, cell
//! by cell (op x size), the ratio and verdict of each run's `bench.json` (rules:
//! [`results::verdict`]: icount verdicts from the medians, wall verdicts from the CI over blocks
//! with a ±5 % margin). The runs disagree when two verdicts contradict each other (differ, and
//! neither is "undecided", which claims nothing; with `strict`, whenever they differ); for icount
//! boots also when any median, of a series or an in-kernel row, differs by more than
//! [`ICOUNT_TOLERANCE`]. A decided verdict against an undecided one is listed, not failed: the
//! rerun did not contradict the claim, it only lacked the evidence to repeat it. The
//! tmpfs peer's medians are shown but not held to it: its page-cache work is not the same in
//! every boot (64 KiB pwrite: 18 166 vs 17 913 instructions in two boots). A clock only one run
//! has is noted, not compared; no clock in common is a disagreement.

use anyhow::{bail, Context, Result};
use results::layout::{self, BENCH_JSON, ICOUNT_SCENARIO, KERNEL_JSON, MEASURE_SCENARIO};
use results::table::Table;
use results::{BenchReport, Comparison, KernelReport, Series, SeriesKind, Verdict};
use std::path::{Path, PathBuf};

/// Largest relative median difference two icount runs may show (0.5 %).
pub const ICOUNT_TOLERANCE: f64 = 0.005;

/// One measurement boot of a run.
pub struct Boot {
    /// Where it was read from.
    pub name: String,
    pub bench: BenchReport,
    pub kernel: Option<KernelReport>,
}

impl Boot {
    fn clock(&self) -> &str {
        &self.bench.env.clock
    }

    fn icount(&self) -> bool {
        self.clock() == "icount"
    }
}

/// One run's measurement boots, as read from its directory.
pub struct Run {
    pub name: String,
    pub boots: Vec<Boot>,
}

/// Reads a run: a run directory (`results/<id>`: its `lab/` and `lab-icount/` boots), one
/// boot's `results` directory, or a `bench.json` file; `kernel.json` beside `bench.json` is
/// read when present.
pub fn load(path: &Path) -> Result<Run> {
    let benches: Vec<PathBuf> = if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        let found: Vec<PathBuf> = [MEASURE_SCENARIO, ICOUNT_SCENARIO]
            .iter()
            .map(|s| path.join(layout::measured_in(s, BENCH_JSON)))
            .chain([path.join(BENCH_JSON)])
            .filter(|p| p.is_file())
            .collect();
        if found.is_empty() {
            bail!(
                "{}: no {} or {} (is it a run directory of `lab run` or `lab bench`?)",
                path.display(),
                layout::measured(BENCH_JSON),
                layout::measured_in(ICOUNT_SCENARIO, BENCH_JSON)
            );
        }
        found
    };
    let boots = benches
        .iter()
        .map(|p| load_boot(p))
        .collect::<Result<_>>()?;
    Ok(Run {
        name: path.display().to_string(),
        boots,
    })
}

fn load_boot(bench_path: &Path) -> Result<Boot> {
    let text = std::fs::read_to_string(bench_path)
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
    Ok(Boot {
        name: bench_path.display().to_string(),
        bench,
        kernel,
    })
}

/// The outcome: a printable table, the disagreements found, and the cells decided in one run
/// only (disagreements under `strict`).
pub struct Outcome {
    pub table: String,
    pub differences: Vec<String>,
    pub undecided: Vec<String>,
}

/// Compares two runs (see the module docs).
pub fn compare(a: &Run, b: &Run) -> Outcome {
    let mut table = format!("A: {}\nB: {}\n", a.name, b.name);
    let mut differences = Vec::new();
    let mut undecided = Vec::new();
    let mut paired = 0;
    for ba in &a.boots {
        match b.boots.iter().find(|bb| bb.clock() == ba.clock()) {
            Some(bb) => {
                paired += 1;
                let o = compare_boots(ba, bb);
                table.push_str(&o.table);
                differences.extend(o.differences);
                undecided.extend(o.undecided);
            }
            None => table.push_str(&format!(
                "\nnot compared: A's {} boot ({}), B has none\n",
                ba.clock(),
                ba.name
            )),
        }
    }
    for bb in &b.boots {
        if !a.boots.iter().any(|ba| ba.clock() == bb.clock()) {
            table.push_str(&format!(
                "\nnot compared: B's {} boot ({}), A has none\n",
                bb.clock(),
                bb.name
            ));
        }
    }
    if paired == 0 {
        differences.push(
            "no clock in common (wall vs icount): medians and verdicts are not comparable".into(),
        );
    }
    Outcome {
        table,
        differences,
        undecided,
    }
}

/// Two boots of the same clock.
fn compare_boots(a: &Boot, b: &Boot) -> Outcome {
    let icount = a.icount() && b.icount();
    let mut differences = Vec::new();
    let mut undecided = Vec::new();
    let mut rows = Table::new([
        "op",
        "size",
        "target/ref",
        "ratio A",
        "ratio B",
        "verdict A",
        "verdict B",
        "",
    ]);
    for ca in &a.bench.comparisons {
        let key = |c: &&Comparison| {
            c.op == ca.op
                && c.size == ca.size
                && c.target == ca.target
                && c.reference == ca.reference
        };
        let cell = format!(
            "{} {} {} B {}/{}",
            a.clock(),
            ca.op.as_str(),
            ca.size,
            ca.target,
            ca.reference
        );
        let Some(cb) = b.bench.comparisons.iter().find(key) else {
            differences.push(format!("{cell}: only in A"));
            continue;
        };
        let ((ra, va), (rb, vb)) = (Verdict::cell(&a.bench, ca), Verdict::cell(&b.bench, cb));
        let line = format!("{cell}: verdict {} vs {}", va.name(), vb.name());
        let mark = if va.contradicts(vb) {
            differences.push(line);
            "DIFFERS"
        } else if va != vb {
            undecided.push(line);
            "undecided in one"
        } else {
            ""
        };
        rows.row(vec![
            ca.op.as_str().into(),
            ca.size.to_string(),
            format!("{}/{}", ca.target, ca.reference),
            format!("{ra:.4}"),
            format!("{rb:.4}"),
            va.name(),
            vb.name(),
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
                "{} {} {} B {}/{}: only in B",
                b.clock(),
                cb.op.as_str(),
                cb.size,
                cb.target,
                cb.reference
            ));
        }
    }
    let what = if icount {
        "ratios and verdicts of medians"
    } else if a.bench.config.blocks > 1 || b.bench.config.blocks > 1 {
        "mean ratio over blocks; verdicts from its 95 % CI, margin ±5 %"
    } else {
        "ratios of means; verdicts from the CI of the difference of means"
    };
    let mut table = format!(
        "\n{} clock ({what}):\n  A: {}\n  B: {}\n{}",
        a.clock(),
        a.name,
        b.name,
        rows.render()
    );
    if icount {
        let medians = median_differences(a, b);
        table.push_str(&format!(
            "icount medians: {} compared, largest difference {:.3} % (tolerance {:.1} %)\n",
            medians.compared,
            medians.largest * 100.0,
            ICOUNT_TOLERANCE * 100.0
        ));
        for note in &medians.tmpfs {
            table.push_str(&format!("  not held to the tolerance: {note}\n"));
        }
        differences.extend(medians.over);
    }
    Outcome {
        table,
        differences,
        undecided,
    }
}

struct Medians {
    compared: usize,
    largest: f64,
    over: Vec<String>,
    /// tmpfs peer medians beyond the tolerance (informational).
    tmpfs: Vec<String>,
}

/// Every series median and in-kernel median present in both boots.
fn median_differences(a: &Boot, b: &Boot) -> Medians {
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

/// `lab compare`: prints the table; an error lists the disagreements. With `strict`, a
/// verdict decided in one run and undecided in the other is a disagreement too.
pub fn run(a: &Path, b: &Path, strict: bool) -> Result<()> {
    let (a, b) = (load(a)?, load(b)?);
    let mut outcome = compare(&a, &b);
    print!("{}", outcome.table);
    if !outcome.undecided.is_empty() {
        println!(
            "\ndecided in one run only ({}; no contradiction, the other run's CI straddles a \
             ±5 % margin):\n  {}",
            outcome.undecided.len(),
            outcome.undecided.join("\n  ")
        );
    }
    if strict {
        outcome.differences.append(&mut outcome.undecided);
    }
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
        let template = include_str!("../../tests/fixtures/bench-icount.json");
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
        bench.comparisons = results::bench::compare(&bench.series, "C");
        Run {
            name: format!("{clock}-{rust}"),
            boots: vec![Boot {
                name: format!("{clock}-{rust}/bench.json"),
                bench,
                kernel: None,
            }],
        }
    }

    fn bench_mut(r: &mut Run) -> &mut BenchReport {
        &mut r.boots[0].bench
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
        assert!(o.table.contains("1.04"), "{}", o.table);
        assert!(o.table.contains("slower"), "{}", o.table);
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
        // Without blocks, the CI of the means. 1 % slower with a wide spread: no significant
        // difference, but the medians moved.
        let (a, b) = (run("wall", 1.0, 100), run("wall", 1.01, 100));
        let o = compare(&a, &b);
        assert!(o.differences.is_empty(), "{:?}", o.differences);
        // 30 % slower: the verdict flips.
        let c = run("wall", 1.3, 100);
        let o = compare(&a, &c);
        assert!(
            o.differences
                .iter()
                .any(|d| d.contains("verdict no significant difference vs slower")),
            "{:?}",
            o.differences
        );
        assert!(o.table.contains("DIFFERS"));
    }

    #[test]
    fn tmpfs_medians_are_shown_but_not_held() {
        let a = run("icount", 1.0, 0);
        let mut b = run("icount", 1.0, 0);
        for s in bench_mut(&mut b)
            .series
            .iter_mut()
            .filter(|s| s.label == "/dev/zero")
        {
            s.kind = SeriesKind::Tmpfs;
            s.stats.median_ns *= 1.02;
        }
        let mut a2 = a;
        for s in bench_mut(&mut a2)
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
        let mut c = run("wall", 1.3, 100).boots[0].bench.comparisons[0].clone();
        assert_eq!(Verdict::wall(&c), Verdict::Slower);
        c.block_ratio_ci95 = Some([0.9, 1.5]);
        assert_eq!(Verdict::wall(&c), Verdict::Undecided);
        c.block_ratio_ci95 = Some([0.98, 1.03]);
        assert_eq!(Verdict::wall(&c), Verdict::Within);
        c.block_ratio_ci95 = Some([0.8, 0.93]);
        assert_eq!(Verdict::wall(&c), Verdict::Faster);
    }

    #[test]
    fn boots_pair_by_clock() {
        let o = compare(&run("icount", 1.0, 0), &run("wall", 1.0, 0));
        assert!(o.differences[0].contains("no clock in common"));
        // A `lab run` (wall + icount) against a `lab bench --clock icount`: the icount boots.
        let mut both = run("wall", 1.0, 100);
        both.boots.extend(run("icount", 1.05, 0).boots);
        let o = compare(&both, &run("icount", 1.05, 0));
        assert!(o.differences.is_empty(), "{:?}", o.differences);
        assert!(
            o.table.contains("not compared: A's wall boot"),
            "{}",
            o.table
        );
        let o = compare(&both, &run("icount", 1.08, 0));
        assert!(!o.differences.is_empty());
    }

    #[test]
    fn undecided_against_decided_is_listed_not_failed() {
        let with_ci = |ci: [f64; 2]| {
            let mut r = run("wall", 1.0, 100);
            for c in &mut bench_mut(&mut r).comparisons {
                c.block_ratios = vec![ci[0], ci[1]];
                c.block_ratio_ci95 = Some(ci);
            }
            r
        };
        let slower = with_ci([1.06, 1.10]);
        let o = compare(&slower, &with_ci([1.03, 1.09]));
        assert!(o.differences.is_empty(), "{:?}", o.differences);
        assert!(o.undecided[0].contains("verdict slower vs undecided"));
        assert!(o.table.contains("undecided in one"));
        let o = compare(&slower, &with_ci([0.98, 1.04]));
        assert!(o.differences[0].contains("verdict slower vs within ±5 %"));
    }

    #[test]
    fn loads_a_run_directory_with_kernel_json() {
        let dir = std::env::temp_dir().join(format!("lab-compare-test.{}", std::process::id()));
        let results = dir.join("lab/results");
        std::fs::create_dir_all(&results).unwrap();
        std::fs::write(
            results.join("bench.json"),
            include_str!("../../tests/fixtures/bench-icount.json"),
        )
        .unwrap();
        std::fs::write(
            results.join("kernel.json"),
            include_str!("../../tests/fixtures/kernel-icount.json"),
        )
        .unwrap();
        let icount = dir.join("lab-icount/results");
        std::fs::create_dir_all(&icount).unwrap();
        std::fs::copy(results.join("bench.json"), icount.join("bench.json")).unwrap();
        let r = load(&dir).unwrap();
        assert_eq!(r.boots.len(), 2);
        assert_eq!(r.boots[0].bench.env.clock, "icount");
        assert_eq!(r.boots[0].kernel.as_ref().unwrap().bench.len(), 2);
        assert!(r.boots[1].kernel.is_none());
        let r = load(&results.join("bench.json")).unwrap();
        assert_eq!(r.boots.len(), 1);
        let r = load(&dir).unwrap();
        let o = compare(&r, &r);
        assert!(o.table.contains("medians: 7 compared"), "{}", o.table);
        assert!(load(&dir.join("nope")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
