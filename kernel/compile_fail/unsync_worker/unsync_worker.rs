// SPDX-License-Identifier: GPL-2.0

//! Must not compile: kernel workers share a counter that has no synchronisation, as C kernel
//! threads may share a plain `u64`.

#[cfg(not(control))]
use core::cell::Cell as Counter;
#[cfg(control)]
use kernel::sync::atomic::Atomic;
use kernel::{prelude::*, sync::Arc, workqueue};

/// The control, which compiles: the counter as an atomic read and written in two steps. It has
/// no data race (no undefined behaviour) and still loses updates: the compiler removes the
/// first, not the race condition of a read-increment-write.
#[cfg(control)]
struct Counter(Atomic<u64>);

#[cfg(control)]
impl Counter {
    fn new(v: u64) -> Self {
        Self(Atomic::new(v))
    }

    fn get(&self) -> u64 {
        self.0.load(kernel::sync::atomic::Relaxed)
    }

    fn set(&self, v: u64) {
        self.0.store(v, kernel::sync::atomic::Relaxed)
    }
}

module! {
    type: UnsyncWorker,
    name: "unsync_worker",
    authors: ["mymem lab"],
    description: "compile-fail evidence: unsynchronised counter shared by workers",
    license: "GPL",
}

struct UnsyncWorker;

impl kernel::Module for UnsyncWorker {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let counter = Arc::new(Counter::new(0u64), GFP_KERNEL)?;
        for _ in 0..50 {
            let counter = counter.clone();
            workqueue::system().try_spawn(GFP_KERNEL, move || counter.set(counter.get() + 1))?;
        }
        Ok(UnsyncWorker)
    }
}
