//! How a B/A comparison of `bench.json` reads (B = Rust, A = C), the same rule in `lab compare`
//! and in the report.
//!
//! - **icount** runs (deterministic guest time): from the two medians, exactly. Means are not
//!   used: they carry the rare sample a timer interrupt lands in (docs/measurement.md).
//! - **wall** runs with blocks (`mymem bench --blocks`, modules reloaded between blocks): from
//!   the 95 % CI of the ratio over blocks, three-way with an equivalence margin
//!   [`WALL_MARGIN`]: slower or faster by more than the margin, within ±margin, or undecided when
//!   the CI straddles a margin. The margin is there because the wall-clock ratio moves by ~5–10 %
//!   from one module load to the next (docs/measurement.md): a difference smaller than that is
//!   not a stable property of the code on this clock, and a plain "CI contains 1" rule flips on
//!   it from run to run.
//! - wall runs without blocks (older runs): the CI of the relative difference of means contains
//!   0, or lies above or below it.

#[cfg(doc)]
use crate::RelDiff;
use crate::{BenchReport, Comparison};

/// Equivalence margin of wall-clock verdicts over blocks: ±5 % of the ratio.
pub const WALL_MARGIN: f64 = 0.05;

/// Two icount medians this close (instruction-ns) are equal: the repeatability of one median
/// across boots (docs/measurement.md: within 3 ns at 512 KiB).
pub const ICOUNT_EQUAL_NS: f64 = 3.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// B takes more time than A (icount: more instructions; wall: by more than the margin).
    Slower,
    /// B takes less time than A.
    Faster,
    /// icount: the medians are within [`ICOUNT_EQUAL_NS`].
    Equal,
    /// wall with blocks: the whole CI lies within ±[`WALL_MARGIN`].
    Within,
    /// wall with blocks: the CI straddles a margin; this run cannot decide.
    Undecided,
    /// wall without blocks: the CI of the difference of means contains 0.
    NoDifference,
}

impl Verdict {
    /// From two icount medians (ns), A the reference.
    pub fn icount(median_a: f64, median_b: f64) -> Self {
        let d = median_b - median_a;
        if d.abs() <= ICOUNT_EQUAL_NS {
            Verdict::Equal
        } else if d > 0.0 {
            Verdict::Slower
        } else {
            Verdict::Faster
        }
    }

    /// From a wall-clock comparison: the CI over blocks when present, else the CI of means.
    pub fn wall(c: &Comparison) -> Self {
        match c.block_ratio_ci95 {
            Some([lo, hi]) => Self::margin(lo, hi, WALL_MARGIN),
            None => Self::means(c.rel_diff_ci95),
        }
    }

    /// From the 95 % CI `[lo, hi]` of a relative difference of means (B − A) / A
    /// ([`RelDiff::ci95`]): [`Verdict::NoDifference`] when it contains 0, else slower or faster.
    pub fn means([lo, hi]: [f64; 2]) -> Self {
        if lo <= 0.0 && hi >= 0.0 {
            Verdict::NoDifference
        } else if lo > 0.0 {
            Verdict::Slower
        } else {
            Verdict::Faster
        }
    }

    /// A bench cell of `bench` judged by its clock: the ratio B/A and the verdict. icount runs
    /// from the medians of the two series ([`Verdict::icount`]; ratio of medians), wall runs
    /// (or an icount run missing a series) from [`Verdict::wall`] with
    /// [`Comparison::wall_ratio`].
    pub fn cell(bench: &BenchReport, c: &Comparison) -> (f64, Self) {
        if bench.env.clock == "icount" {
            let median = |label: &str| {
                bench
                    .series
                    .iter()
                    .find(|s| s.label == label && s.op == c.op && s.size == c.size)
                    .map(|s| s.stats.median_ns)
            };
            if let (Some(a), Some(b)) = (median(&c.reference), median(&c.target)) {
                return (b / a.max(1.0), Self::icount(a, b));
            }
        }
        (c.wall_ratio(), Self::wall(c))
    }

    /// Three-way with margin `m` from the CI `[lo, hi]` of a ratio.
    pub fn margin(lo: f64, hi: f64, m: f64) -> Self {
        if lo > 1.0 + m {
            Verdict::Slower
        } else if hi < 1.0 - m {
            Verdict::Faster
        } else if lo >= 1.0 - m && hi <= 1.0 + m {
            Verdict::Within
        } else {
            Verdict::Undecided
        }
    }

    /// Whether two verdicts make claims that cannot both hold: two different verdicts, neither
    /// of them [`Verdict::Undecided`] (which claims nothing).
    pub fn contradicts(self, other: Verdict) -> bool {
        self != other && self != Verdict::Undecided && other != Verdict::Undecided
    }

    /// Short text: `slower`, `faster`, `equal`, `within ±5 %`, `undecided`, `no significant
    /// difference`.
    pub fn name(self) -> String {
        match self {
            Verdict::Slower => "slower".into(),
            Verdict::Faster => "faster".into(),
            Verdict::Equal => "equal".into(),
            Verdict::Within => format!("within ±{:.0} %", WALL_MARGIN * 100.0),
            Verdict::Undecided => "undecided".into(),
            Verdict::NoDifference => "no significant difference".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icount_from_medians() {
        assert_eq!(Verdict::icount(580.0, 609.0), Verdict::Slower);
        assert_eq!(Verdict::icount(580.0, 551.0), Verdict::Faster);
        assert_eq!(Verdict::icount(66_098.0, 66_101.0), Verdict::Equal);
    }

    #[test]
    fn wall_margin_is_three_way_with_undecided() {
        assert_eq!(Verdict::margin(1.06, 1.10, 0.05), Verdict::Slower);
        assert_eq!(Verdict::margin(0.90, 0.94, 0.05), Verdict::Faster);
        assert_eq!(Verdict::margin(0.97, 1.04, 0.05), Verdict::Within);
        assert_eq!(Verdict::margin(1.02, 1.08, 0.05), Verdict::Undecided);
        assert_eq!(Verdict::margin(0.90, 1.10, 0.05), Verdict::Undecided);
        assert_eq!(Verdict::Within.name(), "within ±5 %");
        assert_eq!(Verdict::means([-0.01, 0.02]), Verdict::NoDifference);
        assert_eq!(Verdict::means([0.01, 0.02]), Verdict::Slower);
        assert_eq!(Verdict::means([-0.02, -0.01]), Verdict::Faster);
        assert!(Verdict::Slower.contradicts(Verdict::Within));
        assert!(!Verdict::Slower.contradicts(Verdict::Undecided));
        assert!(!Verdict::Undecided.contradicts(Verdict::Faster));
        assert!(!Verdict::Slower.contradicts(Verdict::Slower));
    }
}
