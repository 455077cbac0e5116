//! How the stress test divides a device buffer so that concurrent writers
//! never make each other's expectations unknowable.
//!
//! ```text
//! [lock area][region 0]..[region W-1][counter 0]..[counter W-1][words][free ... size)
//! ```
//!
//! - lock area: written only by the holder of the advisory lock, always as a
//!   whole [`lock_pattern`], so a new holder must find it consistent;
//! - region w: written only by worker w, which keeps an exact shadow copy;
//! - counter w: changed only by worker w's FETCH_ADD, so its value is known;
//! - words: anyone writes whole [`valid_word`]s at aligned offsets; a reader
//!   must never see any other 8-byte value (a torn word);
//! - free: anything, including writes of any length, which end at `size`.

use std::ops::Range;

/// The partition of one device buffer among `workers` workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub size: u64,
    pub workers: u32,
    pub lock_area: Range<u64>,
    /// Bytes per worker region (a multiple of 8).
    pub region_len: u64,
    regions_start: u64,
    counters_start: u64,
    pub words: Range<u64>,
    pub free: Range<u64>,
}

/// Largest per-worker region; bigger ones only slow the shadow checks down.
const REGION_MAX: u64 = 2048;
const REGION_MIN: u64 = 64;
const WORDS_MAX: u64 = 64 << 10;

fn down8(x: u64) -> u64 {
    x & !7
}

impl Layout {
    pub fn new(size: u64, workers: u32) -> Result<Layout, String> {
        if workers == 0 {
            return Err("no workers".into());
        }
        let w = u64::from(workers);
        let lock_len = down8((size / 32).clamp(64, 512));
        let region_len = down8((size / 2).saturating_sub(lock_len) / w).min(REGION_MAX);
        if region_len < REGION_MIN {
            return Err(format!(
                "a buffer of {size} bytes is too small for {workers} workers \
                 ({REGION_MIN} bytes each needed)"
            ));
        }
        let regions_start = lock_len;
        let counters_start = regions_start + w * region_len;
        let words_start = counters_start + w * 8;
        let rest = size.saturating_sub(words_start);
        let words_len = down8(rest / 4).min(WORDS_MAX);
        let free_start = words_start + words_len;
        if words_len < 64 || size.saturating_sub(free_start) < 64 {
            return Err(format!(
                "a buffer of {size} bytes is too small for {workers} workers"
            ));
        }
        Ok(Layout {
            size,
            workers,
            lock_area: 0..lock_len,
            region_len,
            regions_start,
            counters_start,
            words: words_start..free_start,
            free: free_start..size,
        })
    }

    /// Worker `w`'s private region.
    pub fn region(&self, w: u32) -> Range<u64> {
        debug_assert!(w < self.workers);
        let start = self.regions_start + u64::from(w) * self.region_len;
        start..start + self.region_len
    }

    /// Offset of worker `w`'s counter word.
    pub fn counter(&self, w: u32) -> u64 {
        debug_assert!(w < self.workers);
        self.counters_start + 8 * u64::from(w)
    }

    /// Everything the stress test initialises (all but `free`).
    pub fn initialised(&self) -> Range<u64> {
        0..self.free.start
    }
}

/// A 32-bit hash that is never 0, so a [`valid_word`] is never 0 either
/// unless it is the initial zero.
fn word_check(lo: u32) -> u32 {
    (lo.wrapping_mul(0x9e37_79b1) ^ 0x5bd1_e995).rotate_left(13) | 1
}

/// The word a writer stores in the words area for the random `lo`.
pub fn make_word(lo: u32) -> u64 {
    (u64::from(word_check(lo)) << 32) | u64::from(lo)
}

/// Whether `w` can be in the words area: 0 (initial) or a [`make_word`].
pub fn valid_word(w: u64) -> bool {
    w == 0 || (w >> 32) as u32 == word_check(w as u32)
}

/// Word `i` of the lock area when the last holder wrote it with `stamp`
/// (all zero for stamp 0, the initial content).
pub fn lock_word(stamp: u64, i: u64) -> u64 {
    stamp.wrapping_mul(2 * i + 1)
}

/// The whole lock area for `stamp` (`len` is a multiple of 8).
pub fn lock_pattern(stamp: u64, len: u64) -> Vec<u8> {
    (0..len / 8)
        .flat_map(|i| lock_word(stamp, i).to_ne_bytes())
        .collect()
}

/// The stamp of a consistent lock area, or None if it is torn or foreign.
pub fn lock_stamp(area: &[u8]) -> Option<u64> {
    let word = |i: usize| u64::from_ne_bytes(area[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    let n = area.len() / 8;
    if n == 0 || !area.len().is_multiple_of(8) {
        return None;
    }
    let stamp = word(0);
    (0..n)
        .all(|i| word(i) == lock_word(stamp, i as u64))
        .then_some(stamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disjoint(a: &Range<u64>, b: &Range<u64>) -> bool {
        a.end <= b.start || b.end <= a.start
    }

    #[test]
    fn default_size_partition() {
        let l = Layout::new(524_288, 8).unwrap();
        assert_eq!(l.lock_area, 0..512);
        assert_eq!(l.region_len, 2048);
        assert_eq!(l.region(0), 512..2560);
        assert_eq!(l.region(7), 512 + 7 * 2048..512 + 8 * 2048);
        assert_eq!(l.counter(0), 512 + 8 * 2048);
        assert_eq!(l.words.start, l.counter(7) + 8);
        assert_eq!(l.words.end - l.words.start, 64 << 10);
        assert_eq!(l.free.end, 524_288);
    }

    #[test]
    fn parts_are_disjoint_aligned_and_cover_the_buffer() {
        for size in [4096, 5000, 65_537, 524_288, 64 << 20] {
            for workers in [1, 2, 3, 8, 16, 33] {
                let Ok(l) = Layout::new(size, workers) else {
                    assert!(size < 65_536, "{size} {workers}");
                    continue;
                };
                let mut parts = vec![l.lock_area.clone(), l.words.clone(), l.free.clone()];
                for w in 0..workers {
                    parts.push(l.region(w));
                    parts.push(l.counter(w)..l.counter(w) + 8);
                }
                for (i, a) in parts.iter().enumerate() {
                    assert!(a.start < a.end);
                    for b in &parts[i + 1..] {
                        assert!(disjoint(a, b), "{a:?} {b:?} size {size} workers {workers}");
                    }
                }
                let total: u64 = parts.iter().map(|r| r.end - r.start).sum();
                assert_eq!(total, size, "no gaps");
                assert_eq!(l.free.end, size, "free reaches the end");
                for r in &parts[..2] {
                    assert_eq!(r.start % 8, 0);
                }
                assert_eq!(l.region(0).start % 8, 0);
                assert_eq!(l.counter(0) % 8, 0);
                assert_eq!(l.words.end % 8, 0);
                assert_eq!(l.lock_area.end % 8, 0);
            }
        }
    }

    #[test]
    fn too_small_is_refused() {
        assert!(Layout::new(1024, 8).is_err());
        assert!(Layout::new(524_288, 0).is_err());
        assert!(Layout::new(524_288, 4096).is_err());
    }

    #[test]
    fn words_and_lock_patterns() {
        assert!(valid_word(0));
        for lo in [0, 1, 0xdead_beef, u32::MAX] {
            let w = make_word(lo);
            assert!(valid_word(w));
            assert_ne!(w, 0);
            assert!(w >> 32 != 0, "never a small offset");
            // A torn word (halves of two writes) is caught.
            let other = make_word(lo ^ 0x100);
            let torn = (w & 0xffff_ffff_0000_0000) | (other & 0xffff_ffff);
            assert!(!valid_word(torn));
        }
        assert_eq!(lock_stamp(&[0; 64]), Some(0));
        let p = lock_pattern(77, 64);
        assert_eq!(lock_stamp(&p), Some(77));
        let mut mixed = p.clone();
        mixed[32..].copy_from_slice(&lock_pattern(78, 64)[32..]);
        assert_eq!(lock_stamp(&mixed), None);
        assert_eq!(lock_stamp(&p[..60]), None);
    }
}
