// SPDX-License-Identifier: GPL-2.0

//! The benchmark's source and destination buffers, kept for the module's
//! lifetime and reused by later runs with the same memory kind, skew and
//! largest size.
//!
//! Under TCG where the buffers fall in QEMU's direct-mapped software TLB
//! moves a 512 KiB median by up to 5x (docs/measurement.md, anomaly 1): fresh
//! buffers per run made rounds of one load differ by placement, shared ones
//! leave only the emulator's and the host's drift between them.

use crate::config::{Mem, Params};
use kernel::{page::PAGE_SIZE, prelude::*};

/// Placements are reported modulo this window: QEMU's softmmu TLB is direct-mapped by virtual
/// page number, so pages a multiple of (entries x 4 KiB) apart share an entry.
pub(crate) const PLACEMENT_MODULO: usize = 4 << 20;

enum Pair {
    Vmalloc { src: VVec<u8>, dst: VVec<u8> },
    Kmalloc { src: KVec<u8>, dst: KVec<u8> },
}

/// Where one run's transfers started, modulo [`PLACEMENT_MODULO`].
#[derive(Clone, Copy)]
pub(crate) struct Placement {
    pub(crate) src: usize,
    pub(crate) dst: usize,
    /// The buffers were allocated by an earlier run of this module load.
    pub(crate) reused: bool,
}

pub(crate) struct Buffers {
    pair: Pair,
    mem: Mem,
    /// Offset of the transfers into the buffers, bytes (`skew` pages).
    skew: usize,
    /// Largest transfer the buffers hold, bytes.
    max: usize,
}

impl Buffers {
    /// Allocates zeroed buffers for `params`: `skew` pages plus the largest size each (both
    /// bounded by `Params::validate`).
    pub(crate) fn new(params: &Params) -> Result<Self> {
        let skew = params.skew as usize * PAGE_SIZE;
        let max = Self::max_size(params);
        let len = skew + max;
        let pair = match params.mem {
            Mem::Vmalloc => Pair::Vmalloc {
                src: VVec::from_elem(0u8, len, GFP_KERNEL)?,
                dst: VVec::from_elem(0u8, len, GFP_KERNEL)?,
            },
            Mem::Kmalloc => Pair::Kmalloc {
                src: KVec::from_elem(0u8, len, GFP_KERNEL)?,
                dst: KVec::from_elem(0u8, len, GFP_KERNEL)?,
            },
        };
        Ok(Self {
            pair,
            mem: params.mem,
            skew,
            max,
        })
    }

    fn max_size(params: &Params) -> usize {
        params.sizes().iter().copied().max().unwrap_or(0) as usize
    }

    /// Whether a run with `params` can use these buffers as they are.
    pub(crate) fn fits(&self, params: &Params) -> bool {
        self.mem == params.mem
            && self.skew == params.skew as usize * PAGE_SIZE
            && self.max == Self::max_size(params)
    }

    /// Source and destination of a `len`-byte transfer (`len` at most the largest size).
    pub(crate) fn transfer(&mut self, len: usize) -> (&mut [u8], &mut [u8]) {
        let range = self.skew..self.skew + len;
        match &mut self.pair {
            Pair::Vmalloc { src, dst } => (&mut src[range.clone()], &mut dst[range]),
            Pair::Kmalloc { src, dst } => (&mut src[range.clone()], &mut dst[range]),
        }
    }

    /// Where the transfers start, modulo [`PLACEMENT_MODULO`].
    pub(crate) fn placement(&self, reused: bool) -> Placement {
        let (src, dst) = match &self.pair {
            Pair::Vmalloc { src, dst } => (src.as_ptr() as usize, dst.as_ptr() as usize),
            Pair::Kmalloc { src, dst } => (src.as_ptr() as usize, dst.as_ptr() as usize),
        };
        Placement {
            src: (src + self.skew) % PLACEMENT_MODULO,
            dst: (dst + self.skew) % PLACEMENT_MODULO,
            reused,
        }
    }
}
