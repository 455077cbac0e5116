//! [`Mapping`]: the device buffer mapped `MAP_SHARED` into this process.

use std::ffi::c_void;
use std::io;
use std::ptr::{self, NonNull};
use std::sync::atomic::AtomicU64;

use rustix::mm::{MapFlags, ProtFlags};

use crate::Device;

/// A read-write `MAP_SHARED` mapping of a device's buffer, unmapped on drop.
///
/// Stores through it are the buffer's bytes: `read(2)` sees them and
/// `write(2)` changes what it shows. They do not take the driver's data
/// mutex, so they are not atomic with respect to read/write/`FETCH_ADD`
/// (docs/device.md, "mmap"). The mapping keeps the module pinned until it is
/// dropped, even after the [`Device`] is closed.
#[derive(Debug)]
pub struct Mapping {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain shared memory owned by this value; every
// access goes through raw byte copies or atomics, which any thread may do.
unsafe impl Send for Mapping {}
// SAFETY: as above: `&Mapping` only offers copies and atomics.
unsafe impl Sync for Mapping {}

impl Device {
    /// Maps `len` bytes of the buffer from byte `offset` (a multiple of the
    /// page size), shared and read-write.
    ///
    /// Errors: `EINVAL` if `offset + len` passes the buffer's last page, or
    /// `len` is 0 or `offset` unaligned; `EACCES` on a read-only file.
    pub fn map_shared(&self, len: usize, offset: u64) -> io::Result<Mapping> {
        // SAFETY: a new mapping at an address the kernel chooses; no existing
        // memory is affected.
        let base = unsafe {
            rustix::mm::mmap(
                ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                self,
                offset,
            )
        }?;
        let base = NonNull::new(base.cast()).ok_or_else(|| io::Error::other("mmap gave NULL"))?;
        Ok(Mapping { base, len })
    }
}

impl Mapping {
    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a mapping has at least one byte.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies `buf.len()` bytes at byte `off` of the mapping into `buf`.
    ///
    /// Panics if the range passes the end of the mapping.
    pub fn load(&self, off: usize, buf: &mut [u8]) {
        assert!(
            off <= self.len && buf.len() <= self.len - off,
            "out of the mapping"
        );
        // SAFETY: in bounds of our readable mapping; `buf` is a distinct
        // Rust buffer. Other writers may change the bytes meanwhile, which a
        // byte copy tolerates (the result may mix old and new bytes).
        unsafe {
            ptr::copy_nonoverlapping(self.base.as_ptr().add(off), buf.as_mut_ptr(), buf.len())
        };
    }

    /// Stores `data` at byte `off` of the mapping.
    ///
    /// Panics if the range passes the end of the mapping.
    pub fn store(&self, off: usize, data: &[u8]) {
        assert!(
            off <= self.len && data.len() <= self.len - off,
            "out of the mapping"
        );
        // SAFETY: in bounds of our writable mapping; no Rust reference to the
        // mapped bytes exists (only copies and atomics are offered).
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), self.base.as_ptr().add(off), data.len()) };
    }

    /// The naturally aligned `u64` at byte `off`, as an atomic.
    ///
    /// Panics if `off` is not a multiple of 8 or the word passes the end.
    pub fn atomic_u64(&self, off: usize) -> &AtomicU64 {
        assert!(
            off.is_multiple_of(8) && off <= self.len.saturating_sub(8),
            "bad word offset {off}"
        );
        // SAFETY: aligned (the base is page-aligned), in bounds, and lives as
        // long as the borrow of `self`; the memory is shared, which atomics allow.
        unsafe { AtomicU64::from_ptr(self.base.as_ptr().add(off).cast()) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: we own the mapping and no borrow of it outlives `self`.
        let _ = unsafe { rustix::mm::munmap(self.base.as_ptr().cast::<c_void>(), self.len) };
    }
}
