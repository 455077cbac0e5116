// SPDX-License-Identifier: GPL-2.0

//! Benchmark (part 5): per size, time one `mymem_write` then one `mymem_read` of that
//! many bytes at offset 0, `trials` times, on the monotonic clock. Every
//! trial writes fresh pseudo-random data, generated outside the timed span
//! (there is no Rust abstraction for the kernel RNG in 7.3, so a xorshift64*
//! seeded per trial stands in), and checks that the read returns it.
//!
//! The source and destination buffers are vmalloc memory by default, like
//! the C twin's buffer, or kmalloc memory with `mem=kmalloc` (never "either",
//! as `KVVec` would be): under TCG the two differ (docs/measurement.md). They
//! are allocated once per module load and reused by later runs (buffers.rs).

use crate::{buffers::Buffers, config::Params, shared::Shared};
use kernel::prelude::*;

/// xorshift64* (Vigna); statistically fine for filler data, not for secrets.
struct XorShift(u64);

impl XorShift {
    /// Seeds through a splitmix64 step so that neighbouring seeds diverge at once.
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next().to_ne_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

/// Runs the benchmark in the module's buffers, allocating them first if this is the first run
/// or `mem`, `skew` or the largest size changed since the last one.
pub(crate) fn run(shared: &Shared, params: &Params) -> Result {
    let mut slot = shared.bench_buffers();
    let old = slot.take();
    let reused = old.as_ref().is_some_and(|b| b.fits(params));
    let buffers = match old {
        Some(b) if reused => b,
        old => {
            // Free the old pair before allocating the new one.
            drop(old);
            Buffers::new(params)?
        }
    };
    let buffers = slot.insert(buffers);
    let placement = buffers.placement(reused);
    pr_info!(
        "bench buffers ({}, skew {} pages, {}): src at {:#x}, dst at {:#x} modulo 4 MiB\n",
        params.mem.name(),
        params.skew,
        if reused { "reused" } else { "new" },
        placement.src,
        placement.dst
    );
    shared.set_placement(placement);
    run_in(shared, params, buffers)
}

/// The benchmark's trials, in `buffers`.
fn run_in(_shared: &Shared, params: &Params, buffers: &mut Buffers) -> Result {
    // TODO: for each size of `params.sizes()`, with `(src, dst) = buffers.transfer(size)`, run
    // `params.trials` trials: fill `src` with fresh data (`XorShift::new(seed).fill(src)`, a
    // seed that differs per run, size and trial), time one `mymem_api::write(src, 0)` and then
    // one `mymem_api::read(dst, 0)` (`time::Instant::<Monotonic>::now()`, `elapsed()`), keep
    // the times of the calls that moved `size` bytes (and, for read, returned what was
    // written), count the others as errors, and stop when `shared.stopping()`. Summarize each
    // op's times (`stats::Summary::of`) and push a `report::BenchRow` per op and size
    // (`shared.push_bench`). `make grade` (part 5) checks a row with median_ns > 0 per op.
    XorShift::new(u64::from(params.trials)).fill(buffers.transfer(0).0);
    pr_info!("bench: not written yet\n");
    Err(ENOSYS)
}
