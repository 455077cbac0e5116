//! Repeat blocks of `mymem bench`: verdicts from the variation *between* blocks.
//!
//! One run's samples share whatever the emulator and the host were doing at the time, so a CI
//! built from them is narrower than the spread between runs (docs/measurement.md). With
//! `--blocks B` the trials are split into B blocks, each visiting the targets in its own random
//! order; every block gives one ratio of medians per (op, size), and the CI of a ratio is the
//! Student-t interval of the mean over blocks. More blocks are added until every Rust/C ratio's
//! 95 % CI half-width is at most `--ci-target` of the ratio, or the time cap is reached.

use rand::seq::SliceRandom;
use rand::Rng;
use results::stats::{mean, sample_stddev, t_975};

/// Most blocks one run may grow to, whatever the CI.
pub const MAX_BLOCKS: u32 = 50;

/// The ratio B/A of two targets over blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockRatio {
    /// median_B / median_A of each block, in block order.
    pub ratios: Vec<f64>,
    /// Mean of `ratios`.
    pub mean: f64,
    /// 95 % CI of `mean` (t over blocks); `None` with fewer than two blocks.
    pub ci95: Option<[f64; 2]>,
}

impl BlockRatio {
    /// Ratios of per-block medians; `None` if the lengths differ, there are none, or a
    /// reference median is not positive.
    pub fn of(reference: &[f64], target: &[f64]) -> Option<Self> {
        if reference.len() != target.len() || reference.is_empty() {
            return None;
        }
        let ratios: Vec<f64> = reference
            .iter()
            .zip(target)
            .map(|(a, b)| (*a > 0.0).then(|| b / a))
            .collect::<Option<_>>()?;
        let m = mean(&ratios);
        let ci95 = (ratios.len() >= 2).then(|| {
            let half =
                t_975(ratios.len() - 1) * sample_stddev(&ratios) / (ratios.len() as f64).sqrt();
            [m - half, m + half]
        });
        Some(Self {
            ratios,
            mean: m,
            ci95,
        })
    }

    /// CI half-width relative to the mean ratio (`inf` without a CI).
    pub fn rel_half_width(&self) -> f64 {
        match self.ci95 {
            Some([lo, hi]) if self.mean > 0.0 => (hi - lo) / 2.0 / self.mean,
            _ => f64::INFINITY,
        }
    }
}

/// Whether to run another block: not before `min_blocks`, never past [`MAX_BLOCKS`] or the
/// time cap, else while some ratio's relative half-width exceeds `target`.
pub fn another_block(
    done: u32,
    min_blocks: u32,
    widest: f64,
    target: f64,
    out_of_time: bool,
) -> bool {
    if done < min_blocks {
        return true;
    }
    min_blocks > 1 && done < MAX_BLOCKS && !out_of_time && widest > target
}

/// A uniform random permutation of `0..n` drawn from `rng` (rand's Fisher-Yates, without the
/// modulo bias of `next() % (i + 1)`); the same seed gives the same order.
pub fn shuffled<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    order
}

/// Median of unsorted samples (mean of the middle two for even counts); `None` if empty.
pub fn median(samples: &[u64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut s = samples.to_vec();
    s.sort_unstable();
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2] as f64
    } else {
        (s[n / 2 - 1] as f64 + s[n / 2] as f64) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn ratio_over_blocks() {
        let r = BlockRatio::of(&[100.0, 100.0, 100.0], &[110.0, 100.0, 105.0]).unwrap();
        assert_eq!(r.ratios, [1.1, 1.0, 1.05]);
        assert!((r.mean - 1.05).abs() < 1e-12);
        let [lo, hi] = r.ci95.unwrap();
        // t(2) = 4.3027, sd = 0.05: half-width 0.1242.
        assert!((hi - lo - 2.0 * 4.3027 * 0.05 / 3f64.sqrt()).abs() < 1e-6);
        assert!(r.rel_half_width() > 0.1);
        let one = BlockRatio::of(&[100.0], &[103.0]).unwrap();
        assert_eq!(one.ci95, None);
        assert!(one.rel_half_width().is_infinite());
        assert!(BlockRatio::of(&[0.0], &[1.0]).is_none());
        assert!(BlockRatio::of(&[1.0], &[]).is_none());
    }

    #[test]
    fn stop_rule() {
        assert!(another_block(2, 5, 0.0, 0.02, false));
        assert!(!another_block(5, 5, 0.019, 0.02, false));
        assert!(another_block(5, 5, 0.03, 0.02, false));
        assert!(!another_block(5, 5, 0.03, 0.02, true));
        assert!(!another_block(MAX_BLOCKS, 5, 0.03, 0.02, false));
        // One block is the classic single run: never extended.
        assert!(!another_block(1, 1, f64::INFINITY, 0.02, false));
    }

    #[test]
    fn permutations_and_medians() {
        let order = shuffled(5, &mut SmallRng::seed_from_u64(7));
        assert_eq!(order, shuffled(5, &mut SmallRng::seed_from_u64(7)));
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4]);
        assert_eq!(median(&[3, 1, 2]), Some(2.0));
        assert_eq!(median(&[4, 1, 2, 3]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn shuffle_is_uniform() {
        // 6000 shuffles of 3: each of the 6 orders ~1000 times (sd ~29).
        let mut rng = SmallRng::seed_from_u64(1);
        let mut counts = std::collections::BTreeMap::new();
        for _ in 0..6000 {
            *counts.entry(shuffled(3, &mut rng)).or_insert(0u32) += 1;
        }
        assert_eq!(counts.len(), 6);
        assert!(
            counts.values().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
    }
}
