// SPDX-License-Identifier: GPL-2.0

//! Benchmark: per size, time one `mymem_write` then one `mymem_read` of that
//! many bytes at offset 0, `trials` times, on the monotonic clock. Every
//! trial writes fresh pseudo-random data, generated outside the timed span
//! (there is no Rust abstraction for the kernel RNG in 7.3, so a xorshift64*
//! seeded per trial stands in), and checks that the read returns it.
//!
//! The source and destination buffers are vmalloc memory by default, like
//! the C twin's buffer, or kmalloc memory with `mem=kmalloc` (never "either",
//! as `KVVec` would be): under TCG the two differ (docs/measurement.md). They
//! are allocated once per module load and reused by later runs (buffers.rs).

use crate::{
    buffers::Buffers, config::Params, mymem_api as api, report::BenchRow, shared::Shared,
    stats::Summary,
};
use kernel::{
    prelude::*,
    time::{Instant, Monotonic},
};

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

fn nanos_since(start: Instant<Monotonic>) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(0)
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
fn run_in(shared: &Shared, params: &Params, buffers: &mut Buffers) -> Result {
    let trials = params.trials as usize;
    let mut write_ns = KVVec::<u64>::with_capacity(trials, GFP_KERNEL)?;
    let mut read_ns = KVVec::<u64>::with_capacity(trials, GFP_KERNEL)?;
    // Different data in every run, not only in every trial.
    let nonce = nanos_since(shared.loaded);

    for &size in params.sizes() {
        let len = size as usize;
        let (src, dst) = buffers.transfer(len);
        let (mut write_errors, mut read_errors) = (0u64, 0u64);
        write_ns.clear();
        read_ns.clear();
        for trial in 0..params.trials {
            if shared.stopping() {
                return Ok(());
            }
            XorShift::new(nonce ^ (size << 32) ^ u64::from(trial)).fill(src);

            let start = Instant::<Monotonic>::now();
            let written = api::write(src, 0);
            let write_time = nanos_since(start);
            let start = Instant::<Monotonic>::now();
            let read = api::read(dst, 0);
            let read_time = nanos_since(start);

            // Capacity is `trials`, so the pushes cannot fail.
            if written == Ok(len) {
                let _ = write_ns.push_within_capacity(write_time);
            } else {
                write_errors += 1;
            }
            if read == Ok(len) && dst == src {
                let _ = read_ns.push_within_capacity(read_time);
            } else {
                read_errors += 1;
            }
        }
        let write = Summary::of(&mut write_ns);
        let read = Summary::of(&mut read_ns);
        pr_info!(
            "bench size {} ({}): write median {} ns, read median {} ns ({} trials, {} errors)\n",
            size,
            params.mem.name(),
            write.median,
            read.median,
            params.trials,
            write_errors + read_errors
        );
        shared.push_bench(BenchRow {
            size,
            op: "write",
            summary: write,
            errors: write_errors,
        })?;
        shared.push_bench(BenchRow {
            size,
            op: "read",
            summary: read,
            errors: read_errors,
        })?;
    }
    Ok(())
}
