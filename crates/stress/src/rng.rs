//! The stress generator's random numbers: SplitMix64, written out here so a
//! seed replays the same operations on every build (rand's small generators
//! do not promise a stable sequence across versions).

/// A SplitMix64 stream.
#[derive(Debug, Clone)]
pub struct Rng(u64);

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// Stream number `stream` (a thread's index) of `seed`. The seed is mixed
    /// before the index is added, so seed 2's stream 0 is not seed 1's
    /// stream 1, and the sum is mixed again to decorrelate adjacent streams.
    pub fn new(seed: u64, stream: u64) -> Rng {
        Rng(mix(mix(seed).wrapping_add(stream)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n > 0`), by the multiply-shift reduction.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(lo <= hi);
        match (hi - lo).checked_add(1) {
            Some(n) => lo + self.below(n),
            None => self.next_u64(),
        }
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// Index into `weights`, chosen with probability proportional to its weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        unreachable!("x < total")
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        let mut chunks = buf.chunks_exact_mut(8);
        for c in &mut chunks {
            c.copy_from_slice(&self.next_u64().to_ne_bytes());
        }
        let rest = chunks.into_remainder();
        let n = rest.len();
        rest.copy_from_slice(&self.next_u64().to_ne_bytes()[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_replay_and_differ() {
        let a: Vec<u64> = (0..8).map(|_| Rng::new(42, 3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]), "same seed, same start");
        let mut x = Rng::new(42, 3);
        let mut y = Rng::new(42, 3);
        let mut z = Rng::new(42, 4);
        let xs: Vec<u64> = (0..100).map(|_| x.next_u64()).collect();
        let ys: Vec<u64> = (0..100).map(|_| y.next_u64()).collect();
        let zs: Vec<u64> = (0..100).map(|_| z.next_u64()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().zip(&zs).all(|(a, b)| a != b));
        let mut shifted = Rng::new(43, 2);
        assert_ne!(shifted.next_u64(), Rng::new(42, 3).next_u64());
    }

    #[test]
    fn known_splitmix_values() {
        // Reference SplitMix64 from state 0: first output.
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn ranges_hold() {
        let mut r = Rng::new(1, 0);
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let v = r.range(5, 9);
            assert!((5..=9).contains(&v));
            assert!(r.weighted(&[0, 3, 0, 1]) % 2 == 1);
        }
        let _ = r.range(0, u64::MAX);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            seen[r.range(0, 4) as usize] = true;
        }
        assert!(
            seen.iter().all(|&s| s),
            "every value of a small range appears"
        );
    }

    #[test]
    fn fill_covers_odd_lengths() {
        let mut r = Rng::new(9, 9);
        let mut buf = [0u8; 13];
        r.fill(&mut buf);
        assert!(buf.iter().any(|&b| b != 0));
    }
}
