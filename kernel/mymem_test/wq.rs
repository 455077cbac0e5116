// SPDX-License-Identifier: GPL-2.0

//! A workqueue owned by this module.
//!
//! Work items spawned with `Queue::try_spawn` run closures whose code lives in
//! this module, and they keep running it for a moment after they signal their
//! completion (dropping captures, freeing the work item). Unload must wait for
//! that tail, and 7.3's Rust API has no flush for the shared system queues, so
//! the experiments run on a private queue that `Drop` destroys (which drains
//! it). Unbound, so every work item gets its own kworker: the race workers are
//! separate, preemptible threads rather than items serialized on a per-CPU pool.

use core::{ops::Deref, ptr::NonNull};
use kernel::{bindings, prelude::*, workqueue::Queue};

/// An unbound workqueue named "mymem_test", destroyed (after draining) on drop.
pub(crate) struct OwnedQueue(NonNull<bindings::workqueue_struct>);

// SAFETY: A workqueue may be used and destroyed from any thread.
unsafe impl Send for OwnedQueue {}
// SAFETY: Queueing to and draining a workqueue are thread-safe.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: The name is a NUL-terminated string without `%` conversions, so
        // `alloc_workqueue` reads no variadic arguments; max_active 0 means the default (WQ_DFL_ACTIVE, 1024).
        let wq = unsafe {
            bindings::alloc_workqueue_noprof(
                c"mymem_test".as_char_ptr(),
                bindings::wq_flags_WQ_UNBOUND,
                0,
            )
        };
        NonNull::new(wq).map(Self).ok_or(ENOMEM)
    }

    /// Waits until the queue is empty, including work queued by its own work items.
    pub(crate) fn drain(&self) {
        // SAFETY: The queue is alive until `drop`.
        unsafe { bindings::drain_workqueue(self.0.as_ptr()) }
    }
}

impl Deref for OwnedQueue {
    type Target = Queue;

    fn deref(&self) -> &Queue {
        // SAFETY: The queue stays valid for as long as `self` is borrowed.
        unsafe { Queue::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // SAFETY: We own the queue and nothing uses it after this; destroying drains it first.
        unsafe { bindings::destroy_workqueue(self.0.as_ptr()) }
    }
}
