//! Anonymous mappings with pages of chosen access, to hand the driver user
//! pointers that fault where a test wants them to. An inaccessible page is
//! `PROT_NONE` rather than unmapped, so the hole stays reserved: no other
//! allocation can land there while a test runs.

use std::ffi::c_void;
use std::io;

use rustix::mm::{mmap_anonymous, mprotect, munmap, MapFlags, MprotectFlags, ProtFlags};

/// What this process may do with a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    ReadOnly,
    None,
}

impl Access {
    fn flags(self) -> MprotectFlags {
        match self {
            Access::ReadWrite => MprotectFlags::READ | MprotectFlags::WRITE,
            Access::ReadOnly => MprotectFlags::READ,
            Access::None => MprotectFlags::empty(),
        }
    }
}

/// Pages of private anonymous memory, zero-filled, each with its own access.
pub struct Mapping {
    base: *mut u8,
    len: usize,
}

impl Mapping {
    /// Maps `accessible.len()` pages; page `i` is read-write iff
    /// `accessible[i]`, else inaccessible. Panics if the kernel refuses.
    pub fn new(accessible: &[bool]) -> Mapping {
        let pages: Vec<Access> = accessible
            .iter()
            .map(|&a| if a { Access::ReadWrite } else { Access::None })
            .collect();
        Mapping::with_access(&pages).expect("mmap/mprotect")
    }

    /// Maps `pages.len()` pages, page `i` with access `pages[i]`.
    pub fn with_access(pages: &[Access]) -> io::Result<Mapping> {
        let len = page_size() * pages.len();
        // SAFETY: a fresh anonymous mapping; no existing memory is affected.
        let base = unsafe {
            mmap_anonymous(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE,
            )
        }?
        .cast::<u8>();
        let mut map = Mapping { base, len };
        for (i, &a) in pages.iter().enumerate() {
            if a != Access::ReadWrite {
                map.protect(i, a)?;
            }
        }
        Ok(map)
    }

    /// Changes the access of page `i`.
    pub fn protect(&mut self, i: usize, access: Access) -> io::Result<()> {
        let page = page_size();
        assert!((i + 1) * page <= self.len);
        // SAFETY: the page lies inside our own mapping; `&mut self` means no
        // slice from `page_mut` is alive while its protection changes.
        Ok(unsafe { mprotect(self.base.add(i * page).cast(), page, access.flags()) }?)
    }

    /// Makes page `i` read-only. Panics if the kernel refuses.
    pub fn make_read_only(&mut self, i: usize) {
        self.protect(i, Access::ReadOnly)
            .expect("mprotect PROT_READ");
    }

    /// Address of byte `offset` of the mapping.
    pub fn ptr(&self, offset: usize) -> *mut u8 {
        assert!(offset <= self.len);
        // SAFETY: within (or one past) the mapping.
        unsafe { self.base.add(offset) }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping has no pages.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Page `i` as a slice; it must be read-write.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read, write, Errno};

    #[test]
    fn access_is_enforced_by_the_kernel() {
        let page = page_size();
        let mut m =
            Mapping::with_access(&[Access::ReadWrite, Access::ReadOnly, Access::None]).unwrap();
        let zero = std::fs::File::open("/dev/zero").unwrap();
        // SAFETY: page 0 is not borrowed; pages 1 and 2 are not writable.
        unsafe {
            assert_eq!(read(&zero, m.ptr(page - 8), 64u64), Ok(8));
            assert_eq!(read(&zero, m.ptr(page), 8u64), Err(Errno::FAULT));
            assert_eq!(read(&zero, m.ptr(2 * page), 8u64), Err(Errno::FAULT));
        }
        // A file's write reads user memory (/dev/null's would not).
        let path = std::env::temp_dir().join(format!("rawsys-guard-{}", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            write(&file, m.ptr(page), 8u64),
            Ok(8),
            "read-only is readable"
        );
        assert_eq!(write(&file, m.ptr(2 * page), 8u64), Err(Errno::FAULT));
        m.protect(1, Access::ReadWrite).unwrap();
        m.page_mut(1).fill(7);
        assert_eq!(m.len(), 3 * page);
    }
}
