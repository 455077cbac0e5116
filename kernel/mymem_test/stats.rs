// SPDX-License-Identifier: GPL-2.0

//! Summary statistics of nanosecond samples. Integer math only: no FPU in the kernel,
//! and no 128-bit division either (its compiler intrinsics are not provided).

#[derive(Clone, Copy, Default)]
pub(crate) struct Summary {
    pub(crate) n: u64,
    pub(crate) mean: u64,
    pub(crate) median: u64,
    pub(crate) min: u64,
    pub(crate) max: u64,
    /// Nearest-rank 99th percentile.
    pub(crate) p99: u64,
}

impl Summary {
    /// Summarizes `samples`, sorting them in place.
    pub(crate) fn of(samples: &mut [u64]) -> Self {
        let n = samples.len();
        if n == 0 {
            return Self::default();
        }
        samples.sort_unstable();
        let sum = samples.iter().fold(0u64, |acc, &s| acc.saturating_add(s));
        let median = if n % 2 == 1 {
            samples[n / 2]
        } else {
            // Average of the middle two without overflow.
            let (a, b) = (samples[n / 2 - 1], samples[n / 2]);
            a / 2 + b / 2 + (a % 2 + b % 2) / 2
        };
        Self {
            n: n as u64,
            mean: sum / n as u64,
            median,
            min: samples[0],
            max: samples[n - 1],
            p99: samples[(n * 99).div_ceil(100) - 1],
        }
    }
}

/// `part / whole` as a percentage with three decimals: `(integer, thousandths)`.
pub(crate) fn percent(part: u64, whole: u64) -> (u64, u64) {
    if whole == 0 {
        return (0, 0);
    }
    let milli = match part.checked_mul(100_000) {
        Some(scaled) => scaled / whole,
        None => part / (whole / 100_000).max(1),
    };
    (milli / 1000, milli % 1000)
}
