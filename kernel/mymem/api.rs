// SPDX-License-Identifier: GPL-2.0

//! The in-kernel API (`kernel/include/mymem_api.h`, exported by `mymem_exports.c`).
//!
//! Each call works on the loaded device through a reference of its own; callers are modules
//! that hold a reference on this one through the symbols they use, so they never see it go.

use crate::{device::Owner, global};
use core::slice;
use kernel::prelude::*;

/// `ssize_t` return value: a count, or a negative errno.
fn ssize(r: Result<usize>) -> isize {
    match r {
        // A count is at most the buffer size, far below `isize::MAX`.
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `int` return value: 0, or a negative errno.
fn status(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Size of the device buffer in bytes; 0 while no device is loaded.
#[no_mangle]
pub extern "C" fn mymem_size() -> u64 {
    global::device().map_or(0, |dev| dev.size() as u64)
}

/// Copies up to `len` bytes at `offset` into `dst`.
///
/// # Safety
///
/// `dst` must be valid for writes of `len` bytes (or `len` be 0).
#[no_mangle]
pub unsafe extern "C" fn mymem_read(dst: *mut c_void, len: usize, offset: u64) -> isize {
    ssize(global::device().and_then(|dev| {
        dev.read_with(offset, len, |src| {
            let n = len.min(src.len());
            // SAFETY: `n <= len` and the caller gives `dst` valid for `len` bytes; `n > 0` since
            // `read_with` does not call this for `len == 0`.
            unsafe { slice::from_raw_parts_mut(dst.cast::<u8>(), n) }.copy_from_slice(&src[..n]);
            n
        })
    }))
}

/// Copies up to `len` bytes from `src` to `offset`.
///
/// # Safety
///
/// `src` must be valid for reads of `len` bytes (or `len` be 0).
#[no_mangle]
pub unsafe extern "C" fn mymem_write(src: *const c_void, len: usize, offset: u64) -> isize {
    ssize(global::device().and_then(|dev| {
        dev.write_with(offset, len, |dst| {
            let n = len.min(dst.len());
            // SAFETY: As in `mymem_read`, for reads.
            dst[..n].copy_from_slice(unsafe { slice::from_raw_parts(src.cast::<u8>(), n) });
            n
        })
    }))
}

/// Atomic wrapping add of `delta` to the `u64` at `offset`; the previous value goes to `*old`.
///
/// # Safety
///
/// `old` must be valid for a write of a `u64`.
#[no_mangle]
pub unsafe extern "C" fn mymem_fetch_add(offset: u64, delta: u64, old: *mut u64) -> c_int {
    status(global::device().and_then(|dev| {
        let prev = dev.fetch_add(offset, delta)?;
        // SAFETY: The caller gives `old` valid for writes.
        unsafe { old.write(prev) };
        Ok(())
    }))
}

/// Takes the advisory lock on behalf of the kernel, sleeping interruptibly.
#[no_mangle]
pub extern "C" fn mymem_lock() -> c_int {
    status(global::device().and_then(|dev| dev.lock(Owner::Kernel, true)))
}

/// Releases the advisory lock held on behalf of the kernel.
#[no_mangle]
pub extern "C" fn mymem_unlock() -> c_int {
    status(global::device().and_then(|dev| dev.unlock(Owner::Kernel)))
}
