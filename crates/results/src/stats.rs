//! Descriptive statistics for latency samples and comparisons of means.
//!
//! Methods (also written into the JSON so a reader knows what they got):
//! - percentiles: linear interpolation between closest ranks (Hyndman & Fan
//!   type 7, the numpy/R default);
//! - stddev: sample standard deviation (n - 1);
//! - 95% CI of a mean: Student t with n - 1 degrees of freedom;
//! - relative difference of two means (B - A) / A: delta method on the ratio
//!   of two independent means, normal approximation (z = 1.96).

use serde::{Deserialize, Serialize};

/// Two-sided 97.5% quantile of the standard normal distribution.
pub const Z_975: f64 = 1.959_963_984_540_054;

/// Human-readable method names, stored in the JSON reports.
pub const PERCENTILE_METHOD: &str = "linear interpolation between closest ranks (type 7)";
pub const CI_METHOD: &str = "Student t, n-1 degrees of freedom, two-sided 95%";
pub const COMPARISON_METHOD: &str =
    "(mean_B - mean_A) / mean_A; 95% CI by the delta method on the ratio of two independent means, normal approximation (z = 1.96)";

/// Summary of one series of nanosecond samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: u64,
    pub mean_ns: f64,
    pub median_ns: f64,
    pub p99_ns: f64,
    pub min_ns: u64,
    pub max_ns: u64,
    /// Sample standard deviation; 0 when n = 1.
    pub stddev_ns: f64,
    /// 95% confidence interval of the mean, [low, high]; absent when n < 2.
    pub ci95_ns: Option<[f64; 2]>,
}

impl Summary {
    /// Summarises `samples`; `None` when there are none.
    pub fn from_ns(samples: &[u64]) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let as_f64: Vec<f64> = samples.iter().map(|&s| s as f64).collect();
        // Summing in u128 keeps the mean exact for any realistic run.
        let sum: u128 = samples.iter().map(|&s| u128::from(s)).sum();
        let n = samples.len();
        let mean = sum as f64 / n as f64;
        let stddev = sample_stddev_around(&as_f64, mean);
        let ci95_ns = mean_ci95(mean, stddev, n);
        Some(Self {
            n: n as u64,
            mean_ns: mean,
            median_ns: percentile_sorted(&sorted, 0.5),
            p99_ns: percentile_sorted(&sorted, 0.99),
            min_ns: sorted[0],
            max_ns: sorted[n - 1],
            stddev_ns: stddev,
            ci95_ns,
        })
    }
}

/// Percentile `p` in [0, 1] of ascending `sorted` (type 7). Panics if empty.
pub fn percentile_sorted(sorted: &[u64], p: f64) -> f64 {
    assert!(!sorted.is_empty(), "percentile of an empty series");
    let h = (sorted.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let (a, b) = (sorted[lo] as f64, sorted[hi] as f64);
    a + (h - lo as f64) * (b - a)
}

/// Arithmetic mean; NaN when empty.
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (n - 1); 0 for fewer than two values.
pub fn sample_stddev(xs: &[f64]) -> f64 {
    sample_stddev_around(xs, mean(xs))
}

fn sample_stddev_around(xs: &[f64], mean: f64) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    (ss / (xs.len() - 1) as f64).sqrt()
}

/// Two-sided 95% Student t quantile for `df` degrees of freedom (df >= 1).
pub fn t_975(df: usize) -> f64 {
    // Exact table where the expansion below is least accurate.
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    assert!(df >= 1, "t quantile needs df >= 1");
    if df <= TABLE.len() {
        return TABLE[df - 1];
    }
    // Cornish-Fisher expansion of t around z (Abramowitz & Stegun 26.7.5);
    // error < 1e-4 for df > 30.
    let z = Z_975;
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    let d = df as f64;
    z + (z3 + z) / (4.0 * d)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * d * d)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * d * d * d)
}

/// 95% CI of a mean from its sample stddev; `None` for n < 2.
pub fn mean_ci95(mean: f64, stddev: f64, n: usize) -> Option<[f64; 2]> {
    if n < 2 {
        return None;
    }
    let half = t_975(n - 1) * stddev / (n as f64).sqrt();
    Some([mean - half, mean + half])
}

/// Relative difference of means (B - A) / A with its 95% CI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelDiff {
    /// mean_B / mean_A.
    pub ratio: f64,
    /// (mean_B - mean_A) / mean_A.
    pub rel_diff: f64,
    pub ci95: [f64; 2],
}

/// Delta method: Var(mB/mA) ~ (mB/mA)^2 (VarB/(nB mB^2) + VarA/(nA mA^2)).
/// `None` if a mean is not positive.
pub fn rel_diff(a: &Summary, b: &Summary) -> Option<RelDiff> {
    if a.mean_ns <= 0.0 || b.mean_ns <= 0.0 {
        return None;
    }
    let ratio = b.mean_ns / a.mean_ns;
    let cv2 = |s: &Summary| (s.stddev_ns * s.stddev_ns) / (s.n as f64 * s.mean_ns * s.mean_ns);
    let se = ratio * (cv2(a) + cv2(b)).sqrt();
    let rel = ratio - 1.0;
    Some(RelDiff {
        ratio,
        rel_diff: rel,
        ci95: [rel - Z_975 * se, rel + Z_975 * se],
    })
}

/// Throughput in MB/s (10^6 bytes per second) of `size` bytes per `mean_ns`.
pub fn throughput_mb_s(size: u64, mean_ns: f64) -> f64 {
    if mean_ns <= 0.0 {
        return 0.0;
    }
    // bytes/ns = GB/s; * 1000 = MB/s.
    size as f64 / mean_ns * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() <= eps
    }

    #[test]
    fn summary_of_small_vector() {
        // Values chosen so everything is easy to check by hand.
        let s = Summary::from_ns(&[5, 1, 4, 2, 3]).unwrap();
        assert_eq!(s.n, 5);
        assert_eq!(s.mean_ns, 3.0);
        assert_eq!(s.median_ns, 3.0);
        assert_eq!(s.min_ns, 1);
        assert_eq!(s.max_ns, 5);
        // sum of squares 10, / 4 -> 2.5
        assert!(close(s.stddev_ns, 2.5f64.sqrt(), 1e-12));
        // p99: h = 4 * 0.99 = 3.96 -> 4 + 0.96 * (5 - 4)
        assert!(close(s.p99_ns, 4.96, 1e-12));
        // t(4) = 2.7764; half = 2.7764 * 1.5811 / 2.2361 = 1.9631
        let [lo, hi] = s.ci95_ns.unwrap();
        assert!(close(lo, 3.0 - 1.963_19, 1e-4), "{lo}");
        assert!(close(hi, 3.0 + 1.963_19, 1e-4), "{hi}");
    }

    #[test]
    fn median_of_even_count_interpolates() {
        let s = Summary::from_ns(&[10, 20, 30, 40]).unwrap();
        assert_eq!(s.median_ns, 25.0);
        assert_eq!(s.mean_ns, 25.0);
        // h = 3 * 0.99 = 2.97 -> 30 + 0.97 * 10
        assert!(close(s.p99_ns, 39.7, 1e-9));
    }

    #[test]
    fn single_and_empty() {
        assert!(Summary::from_ns(&[]).is_none());
        let s = Summary::from_ns(&[7]).unwrap();
        assert_eq!((s.mean_ns, s.median_ns, s.p99_ns), (7.0, 7.0, 7.0));
        assert_eq!(s.stddev_ns, 0.0);
        assert!(s.ci95_ns.is_none());
    }

    #[test]
    fn constant_series_has_zero_width_ci() {
        let s = Summary::from_ns(&[100; 50]).unwrap();
        assert_eq!(s.stddev_ns, 0.0);
        assert_eq!(s.ci95_ns, Some([100.0, 100.0]));
    }

    #[test]
    fn mean_does_not_overflow() {
        let s = Summary::from_ns(&[u64::MAX, u64::MAX]).unwrap();
        assert_eq!(s.mean_ns, u64::MAX as f64);
    }

    #[test]
    fn t_quantiles() {
        assert_eq!(t_975(1), 12.7062);
        assert_eq!(t_975(30), 2.0423);
        // Known values: t(40) = 2.0211, t(60) = 2.0003, t(120) = 1.9799.
        assert!(close(t_975(40), 2.0211, 2e-4));
        assert!(close(t_975(60), 2.0003, 2e-4));
        assert!(close(t_975(120), 1.9799, 2e-4));
        assert!(close(t_975(1_000_000), Z_975, 1e-5));
        // The expansion continues the table smoothly.
        assert!(t_975(31) < t_975(30));
    }

    #[test]
    fn stddev_helpers() {
        assert_eq!(mean(&[1.0, 2.0, 3.0]), 2.0);
        assert_eq!(sample_stddev(&[1.0, 2.0, 3.0]), 1.0);
        assert_eq!(sample_stddev(&[4.0]), 0.0);
    }

    #[test]
    fn relative_difference() {
        let a = Summary::from_ns(&[100, 100, 100, 100]).unwrap();
        let b = Summary::from_ns(&[150, 150, 150, 150]).unwrap();
        let d = rel_diff(&a, &b).unwrap();
        assert!(close(d.ratio, 1.5, 1e-12));
        assert!(close(d.rel_diff, 0.5, 1e-12));
        assert_eq!(d.ci95, [0.5, 0.5]);

        // A: mean 10, B: mean 20, both with sample variance 16/3, n = 4.
        let a = Summary::from_ns(&[8, 12, 8, 12]).unwrap();
        let b = Summary::from_ns(&[18, 22, 18, 22]).unwrap();
        assert!(close(a.stddev_ns, (16.0f64 / 3.0).sqrt(), 1e-12));
        let se = 2.0 * ((16.0f64 / 3.0) / (4.0 * 100.0) + (16.0 / 3.0) / (4.0 * 400.0)).sqrt();
        let d = rel_diff(&a, &b).unwrap();
        assert!(close(d.rel_diff, 1.0, 1e-12));
        assert!(close(d.ci95[0], 1.0 - Z_975 * se, 1e-12));
        assert!(close(d.ci95[1], 1.0 + Z_975 * se, 1e-12));
    }

    #[test]
    fn throughput() {
        // 1 MB in 1 ms = 1000 MB/s.
        assert!(close(throughput_mb_s(1_000_000, 1_000_000.0), 1000.0, 1e-9));
        assert_eq!(throughput_mb_s(10, 0.0), 0.0);
    }
}
