// SPDX-License-Identifier: GPL-2.0

//! The device buffer: vmalloc'd pages that the kernel copies under a mutex and that user space
//! can map.
//!
//! 7.3 has `VmaMixedMap::vm_insert_page` and `Vmalloc::to_page`, but no safe way to map the pages
//! of a live `VVec` (the safe `page_iter` needs `&mut VVec`, i.e. the data mutex, and `mmap` runs
//! under the mmap lock, which a fault in a locked copy takes after the data mutex: taking the
//! mutex here would invert that order). This type keeps the `VVec` from ever moving or resizing
//! (callers only see its bytes) and records its address, so `map` can insert its pages without
//! the mutex.

use core::{
    ops::{Deref, DerefMut},
    ptr::{self, NonNull},
};
use kernel::{
    alloc::allocator::Vmalloc,
    mm::virt::VmaNew,
    new_mutex,
    page::{page_align, PAGE_SIZE},
    prelude::*,
    sync::{Mutex, MutexGuard},
};

/// A zeroed buffer of `size` bytes in whole vmalloc'd pages.
///
/// # Invariants
///
/// `data` is an allocation of `mapped_len` bytes starting at address `base` whose first `size`
/// bytes are the vector's elements; the rest of it (the tail of the last page) is zeroed and only
/// reached through mappings. It is never reallocated: nothing outside this type gets the `VVec`,
/// only slices of its elements.
#[pin_data]
pub(crate) struct SharedBuf {
    #[pin]
    data: Mutex<VVec<u8>>,
    /// Address of the first byte of `data`, page aligned.
    base: usize,
    /// Size of the allocation of `data`: `size` rounded up to whole pages, all mappable.
    mapped_len: usize,
    /// Bytes that read and write reach: the length of `data`.
    size: usize,
}

/// Exclusive access to the `size` bytes of a [`SharedBuf`], holding its mutex.
pub(crate) struct Bytes<'a> {
    guard: MutexGuard<'a, VVec<u8>>,
}

impl Deref for Bytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.guard
    }
}

impl DerefMut for Bytes<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.guard
    }
}

impl SharedBuf {
    /// Allocates `size` zeroed bytes; the tail of the last page is zeroed too, since a mapping
    /// shows it.
    pub(crate) fn new(size: usize) -> Result<impl PinInit<Self>> {
        let mapped_len = page_align(size).ok_or(EINVAL)?;
        let mut data = VVec::<u8>::zeroed(mapped_len, GFP_KERNEL)?;
        // The vector is the `size` bytes that copies reach, so a locked copy takes its slice
        // without a bounds check; the truncated tail stays allocated and zeroed for mappings.
        data.truncate(size);
        let base = data.as_ptr().expose_provenance();
        Ok(pin_init!(Self {
            data <- new_mutex!(data, "mymem::data"),
            base,
            mapped_len,
            size,
        }))
    }

    /// Size of the buffer in bytes.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Locks the buffer for a copy.
    pub(crate) fn lock(&self) -> Bytes<'_> {
        Bytes {
            guard: self.data.lock(),
        }
    }

    /// Maps the pages of the buffer into `vma`, from its file offset on, shared: stores through
    /// the mapping are stores to the buffer.
    ///
    /// `EINVAL` unless the range lies within the buffer's pages (as `remap_vmalloc_range` does).
    /// The mapping cannot grow by `mremap` and is left out of core dumps. The pages stay
    /// allocated while mapped (the mapping holds a reference on each), but the device outlives
    /// its mappings anyway: a mapping holds its file, and the file the module.
    pub(crate) fn map(&self, vma: &VmaNew) -> Result {
        // SAFETY: `vma` is being set up by an `mmap` hook with the mmap lock held for writing
        // (type invariant of `VmaNew`), so nothing changes `vm_pgoff` while we read it.
        let pgoff = unsafe { (*vma.as_ptr()).vm_pgoff };
        let len = vma.end() - vma.start();
        let start = pgoff
            .checked_mul(PAGE_SIZE)
            .filter(|&s| s.checked_add(len).is_some_and(|e| e <= self.mapped_len))
            .ok_or(EINVAL)?;
        vma.set_dontexpand();
        vma.set_dontdump();
        let mixed = vma.set_mixedmap();
        for off in (0..len).step_by(PAGE_SIZE) {
            let addr = ptr::with_exposed_provenance_mut::<u8>(self.base + start + off);
            // SAFETY: `base` is the non-null start of a live allocation (type invariant; `self`
            // is borrowed for this call), so `addr` is non-null.
            let addr = unsafe { NonNull::new_unchecked(addr) };
            // SAFETY: `start + off < mapped_len`, so `addr` points into the `Vmalloc` allocation
            // of `data`, which lives at least as long as the borrow of `self`, and the page is
            // only used within this iteration.
            let page = unsafe { Vmalloc::to_page(addr) };
            // `vm_insert_page` takes its own reference on the page.
            mixed.vm_insert_page(vma.start() + off, &page)?;
        }
        Ok(())
    }
}
