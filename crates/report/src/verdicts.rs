//! Rust vs C per cell in both clocks: the exact icount difference of medians and the wall-clock
//! ratio over blocks, with the verdict rules of `results::verdict` (shared with `lab compare`).

use results::Verdict;

use crate::analysis::{Bench, Dir};

/// Rust against C in instruction time at one cell: medians in instruction-ns.
#[derive(Debug, Clone, Copy)]
pub struct Icount {
    pub c: f64,
    pub rust: f64,
    pub verdict: Verdict,
}

impl Icount {
    pub fn of(bench: &Bench, dir: Dir, size: u64) -> Option<Self> {
        let (c, rust) = (
            bench.median("C", dir, size)?,
            bench.median("Rust", dir, size)?,
        );
        Some(Self {
            c,
            rust,
            verdict: Verdict::icount(c, rust),
        })
    }

    /// Rust − C in instruction-ns.
    pub fn diff(&self) -> f64 {
        self.rust - self.c
    }

    /// `Rust +29 instruction-ns per call (+5.0 %)`, or `equal (Rust +1 instruction-ns)`;
    /// `who`: the compared driver's short name (`Rust`, `yours`).
    pub fn text(&self, who: &str) -> String {
        let pct = self.diff() / self.c * 100.0;
        let d = if pct.abs() < 1.0 {
            format!("{:+.0} instruction-ns per call ({pct:+.2} %)", self.diff())
        } else {
            format!("{:+.0} instruction-ns per call ({pct:+.1} %)", self.diff())
        };
        match self.verdict {
            Verdict::Equal => format!("equal ({who} {d})"),
            _ => format!("{who} {d}"),
        }
    }
}

/// Rust against C on the wall clock at one cell.
#[derive(Debug, Clone)]
pub struct Wall {
    /// Mean over blocks of the ratio of medians; without blocks the ratio of means.
    pub ratio: f64,
    /// 95 % CI of `ratio`.
    pub ci: [f64; 2],
    pub verdict: Verdict,
    /// Relative CI half-width, with blocks.
    pub half_width: Option<f64>,
    /// Per-block ratios (empty without blocks).
    pub blocks: Vec<f64>,
}

impl Wall {
    pub fn of(bench: &Bench, dir: Dir, size: u64) -> Option<Self> {
        let c = bench.comparison(dir, size)?;
        let verdict = Verdict::wall(c);
        let ratio = c.wall_ratio();
        Some(match c.block_ratio_ci95 {
            Some([lo, hi]) => Self {
                ratio,
                ci: [lo, hi],
                verdict,
                half_width: Some((hi - lo) / 2.0 / ratio),
                blocks: c.block_ratios.clone(),
            },
            None => Self {
                ratio,
                ci: [1.0 + c.rel_diff_ci95[0], 1.0 + c.rel_diff_ci95[1]],
                verdict,
                half_width: None,
                blocks: Vec::new(),
            },
        })
    }

    /// `1.052 (1.031–1.073)`.
    pub fn ratio_ci(&self) -> String {
        format!("{:.3} ({:.3}–{:.3})", self.ratio, self.ci[0], self.ci[1])
    }
}
