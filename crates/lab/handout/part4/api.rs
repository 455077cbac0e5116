// SPDX-License-Identifier: GPL-2.0

//! The in-kernel API (`include/mymem_api.h`, exported by `mymem_exports.c`), which part 5's
//! module calls. `mymem_size` is given (part 5's module needs it to load); the others are yours.
//!
//! Each call works on the loaded device (`global::device()`); the callers are modules that
//! hold a reference on this one through the symbols they use. See docs/modules.md.

use crate::global;
use kernel::prelude::*;

/// Size of the device buffer in bytes; 0 while no device is loaded.
#[no_mangle]
pub extern "C" fn mymem_size() -> u64 {
    global::device().map_or(0, |dev| dev.size() as u64)
}

/// Copies up to `len` bytes at `offset` into `dst`; returns the count or a negative errno.
///
/// # Safety
///
/// `dst` must be valid for writes of `len` bytes (or `len` be 0).
#[no_mangle]
pub unsafe extern "C" fn mymem_read(_dst: *mut c_void, _len: usize, _offset: u64) -> isize {
    // TODO: as a read(2) at `offset`, atomic with respect to every other access, into the
    // kernel buffer `dst` (no user copy: `core::slice::from_raw_parts_mut`).
    ENOSYS.to_errno() as isize
}

/// Copies up to `len` bytes from `src` to `offset`; returns the count or a negative errno.
///
/// # Safety
///
/// `src` must be valid for reads of `len` bytes (or `len` be 0).
#[no_mangle]
pub unsafe extern "C" fn mymem_write(_src: *const c_void, _len: usize, _offset: u64) -> isize {
    // TODO: as a write(2) at `offset`, from the kernel buffer `src`.
    ENOSYS.to_errno() as isize
}

/// Atomic wrapping add of `delta` to the `u64` at `offset`; the previous value goes to `*old`.
/// Returns 0 or a negative errno.
///
/// # Safety
///
/// `old` must be valid for a write of a `u64`.
#[no_mangle]
pub unsafe extern "C" fn mymem_fetch_add(_offset: u64, _delta: u64, _old: *mut u64) -> c_int {
    // TODO: what MYMEM_IOC_FETCH_ADD does (part 3), for the kernel.
    ENOSYS.to_errno()
}

/// Takes the advisory lock on behalf of the kernel, sleeping interruptibly; 0 or a negative errno.
#[no_mangle]
pub extern "C" fn mymem_lock() -> c_int {
    // TODO: what MYMEM_IOC_LOCK does (part 3), with the kernel as the holder.
    ENOSYS.to_errno()
}

/// Releases the advisory lock held on behalf of the kernel; 0 or a negative errno.
#[no_mangle]
pub extern "C" fn mymem_unlock() -> c_int {
    // TODO: what MYMEM_IOC_UNLOCK does, for the kernel's hold.
    ENOSYS.to_errno()
}
