// SPDX-License-Identifier: GPL-2.0

//! What to run and with which parameters: module-parameter defaults, overridden
//! per run by the command written to /dev/mymem_test:
//!
//! ```text
//! <bench|race|all> [workers=W] [iterations=N] [trials=T] [sizes=S1,S2,...] [gate=0|1]
//!                  [mem=vmalloc|kmalloc] [skew=PAGES]
//! ```

use crate::module_parameters as mp;
use kernel::prelude::*;

/// The seed's benchmark sizes; `max_size` and the device size trim this list.
const DEFAULT_SIZES: [u64; 5] = [1, 64, 1024, 65536, 524288];
/// At most this many sizes per run (keeps the report and the command small).
pub(crate) const MAX_SIZES: usize = 16;
/// Largest `skew`, in pages.
pub(crate) const MAX_SKEW: u32 = 256;
/// Our queue runs up to 1024 items at once; one is the runner.
pub(crate) const MAX_WORKERS: u32 = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Experiment {
    Bench,
    Race,
    All,
}

impl Experiment {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Bench => "bench",
            Self::Race => "race",
            Self::All => "all",
        }
    }

    pub(crate) fn bench(self) -> bool {
        self != Self::Race
    }

    pub(crate) fn race(self) -> bool {
        self != Self::Bench
    }
}

/// Where the benchmark's source and destination buffers live.
///
/// It matters under TCG: kmalloc memory sits in the direct map (2 MiB/1 GiB pages), vmalloc memory
/// is mapped page by page, like the C twin's `vzalloc` buffer and user-space buffers (see
/// docs/measurement.md). `KVVec` would pick either, depending on fragmentation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mem {
    Vmalloc,
    Kmalloc,
}

impl Mem {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Vmalloc => "vmalloc",
            Self::Kmalloc => "kmalloc",
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Params {
    pub(crate) workers: u32,
    pub(crate) iterations: u64,
    pub(crate) trials: u32,
    pub(crate) sizes: [u64; MAX_SIZES],
    pub(crate) nsizes: usize,
    /// Race workers wait until all of them have started before their first cycle.
    pub(crate) gate: bool,
    /// Bench buffers' memory.
    pub(crate) mem: Mem,
    /// Bench transfers start this many 4 KiB pages into their buffers (a diagnostic: it moves
    /// the buffers' pages against the device's in QEMU's direct-mapped TLB).
    pub(crate) skew: u32,
}

impl Params {
    /// The module parameters, with the default sizes that fit `max_size` and the device.
    pub(crate) fn defaults(device_size: u64) -> Self {
        let max_size = mp::max_size.value().min(device_size);
        let mut p = Self {
            workers: mp::workers.value(),
            iterations: mp::iterations.value(),
            trials: mp::trials.value(),
            sizes: [0; MAX_SIZES],
            nsizes: 0,
            gate: true,
            mem: Mem::Vmalloc,
            skew: 0,
        };
        for s in DEFAULT_SIZES.into_iter().filter(|&s| s <= max_size) {
            p.sizes[p.nsizes] = s;
            p.nsizes += 1;
        }
        p
    }

    pub(crate) fn sizes(&self) -> &[u64] {
        &self.sizes[..self.nsizes]
    }

    /// Checks the values against the limits and the device size.
    pub(crate) fn validate(&self, device_size: u64) -> Result {
        if !(1..=MAX_WORKERS).contains(&self.workers) || self.iterations == 0 || self.trials == 0 {
            pr_err!(
                "workers must be 1-{}, iterations and trials > 0\n",
                MAX_WORKERS
            );
            return Err(EINVAL);
        }
        if self.nsizes == 0 || self.sizes().iter().any(|&s| s == 0 || s > device_size) {
            pr_err!("sizes must be 1-{} (the device size)\n", device_size);
            return Err(EINVAL);
        }
        if self.skew > MAX_SKEW {
            pr_err!("skew must be 0-{} pages\n", MAX_SKEW);
            return Err(EINVAL);
        }
        if device_size < 8 {
            pr_err!("the device is smaller than the race counter (8 bytes)\n");
            return Err(EINVAL);
        }
        Ok(())
    }
}

fn number<T: core::str::FromStr>(value: &str) -> Result<T> {
    value.parse().map_err(|_| EINVAL)
}

/// Parses a command line; unknown words or bad numbers are `EINVAL`.
pub(crate) fn parse(line: &str, mut p: Params) -> Result<(Experiment, Params)> {
    let mut words = line.split_ascii_whitespace();
    let experiment = match words.next() {
        Some("bench") => Experiment::Bench,
        Some("race") => Experiment::Race,
        Some("all") => Experiment::All,
        _ => return Err(EINVAL),
    };
    for word in words {
        let (key, value) = word.split_once('=').ok_or(EINVAL)?;
        match key {
            "workers" => p.workers = number(value)?,
            "iterations" => p.iterations = number(value)?,
            "trials" => p.trials = number(value)?,
            "gate" => p.gate = number::<u8>(value)? != 0,
            "skew" => p.skew = number(value)?,
            "mem" => {
                p.mem = match value {
                    "vmalloc" => Mem::Vmalloc,
                    "kmalloc" => Mem::Kmalloc,
                    _ => return Err(EINVAL),
                }
            }
            "sizes" => {
                p.nsizes = 0;
                for s in value.split(',') {
                    *p.sizes.get_mut(p.nsizes).ok_or(EINVAL)? = number(s)?;
                    p.nsizes += 1;
                }
            }
            _ => return Err(EINVAL),
        }
    }
    Ok((experiment, p))
}
