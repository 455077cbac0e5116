//! Anonymous mappings with inaccessible pages, to hand the driver user
//! pointers that fault.

use std::ffi::c_void;

use rustix::mm::{mmap_anonymous, mprotect, munmap, MapFlags, MprotectFlags, ProtFlags};

/// `pages` pages of private anonymous memory, each either read-write or
/// `PROT_NONE`. PROT_NONE (rather than munmap) keeps the hole reserved, so
/// no other allocation can land there while a test runs.
pub struct Mapping {
    base: *mut u8,
    len: usize,
}

impl Mapping {
    /// Maps `accessible.len()` pages; page `i` is read-write iff
    /// `accessible[i]`, read-write pages are zero-filled.
    pub fn new(accessible: &[bool]) -> Mapping {
        let page = page_size();
        let len = page * accessible.len();
        // SAFETY: a fresh anonymous mapping; no existing memory is affected.
        let base = unsafe {
            mmap_anonymous(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE,
            )
        }
        .expect("mmap")
        .cast::<u8>();
        for (i, _) in accessible.iter().enumerate().filter(|(_, a)| !**a) {
            // SAFETY: the page lies inside our own mapping and nothing
            // references it.
            unsafe { mprotect(base.add(i * page).cast(), page, MprotectFlags::empty()) }
                .expect("mprotect PROT_NONE");
        }
        Mapping { base, len }
    }

    /// Makes page `i` read-only.
    pub fn make_read_only(&mut self, i: usize) {
        let page = page_size();
        assert!((i + 1) * page <= self.len);
        // SAFETY: the page lies inside our own mapping; `&mut self` means no
        // slice from `page_mut` is alive to be written through.
        unsafe { mprotect(self.base.add(i * page).cast(), page, MprotectFlags::READ) }
            .expect("mprotect PROT_READ");
    }

    /// Address of byte `offset` of the mapping.
    pub fn ptr(&self, offset: usize) -> *mut u8 {
        assert!(offset <= self.len);
        // SAFETY: within (or one past) the mapping.
        unsafe { self.base.add(offset) }
    }

    /// Page `i` as a slice; it must be accessible.
    pub fn page_mut(&mut self, i: usize) -> &mut [u8] {
        let page = page_size();
        assert!((i + 1) * page <= self.len);
        // SAFETY: the caller asserts the page is read-write; `&mut self`
        // makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.base.add(i * page), page) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: we own the whole mapping and no borrow outlives `self`.
        let _ = unsafe { munmap(self.base.cast::<c_void>(), self.len) };
    }
}

/// The system page size.
pub fn page_size() -> usize {
    rustix::param::page_size()
}
