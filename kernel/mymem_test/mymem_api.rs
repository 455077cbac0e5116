// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers around the C-ABI API that the `mymem` module exports
//! (`kernel/include/mymem_api.h`). This is the only file that touches it.
//!
//! The symbols are resolved by the module loader from mymem's exports
//! (EXPORT_SYMBOL_GPL); modpost checks them against mymem's Module.symvers
//! at build time. While this module is loaded, mymem cannot be unloaded: the
//! loader recorded the dependency, so every call below reaches live code.

use kernel::{error::to_result, ffi::c_void, prelude::*};

// Mirrors mymem_api.h; `size_t`/`ssize_t` are `usize`/`isize` in the kernel's Rust ABI.
unsafe extern "C" {
    fn mymem_size() -> u64;
    fn mymem_read(dst: *mut c_void, len: usize, offset: u64) -> isize;
    fn mymem_write(src: *const c_void, len: usize, offset: u64) -> isize;
    fn mymem_fetch_add(offset: u64, delta: u64, old: *mut u64) -> c_int;
    fn mymem_lock() -> c_int;
    fn mymem_unlock() -> c_int;
}

/// Converts an `ssize_t` result (byte count or negative errno) into a `Result`.
fn to_len(ret: isize) -> Result<usize> {
    if ret < 0 {
        // `ret` is a negative errno, which always fits in a `c_int`.
        Err(Error::from_errno(ret as c_int))
    } else {
        Ok(ret as usize)
    }
}

/// Size of the device buffer in bytes.
pub(crate) fn size() -> u64 {
    // SAFETY: No arguments; mymem is loaded while we are (see the module docs).
    unsafe { mymem_size() }
}

/// Copies device bytes at `offset` into `dst`; returns how many were copied.
pub(crate) fn read(dst: &mut [u8], offset: u64) -> Result<usize> {
    // SAFETY: `dst` is valid for writes of `dst.len()` bytes and mymem writes at most that
    // many; it does not keep the pointer after returning.
    to_len(unsafe { mymem_read(dst.as_mut_ptr().cast(), dst.len(), offset) })
}

/// Copies `src` to the device at `offset`; returns how many bytes were copied.
pub(crate) fn write(src: &[u8], offset: u64) -> Result<usize> {
    // SAFETY: `src` is valid for reads of `src.len()` bytes and mymem reads at most that
    // many; it does not keep the pointer after returning.
    to_len(unsafe { mymem_write(src.as_ptr().cast(), src.len(), offset) })
}

/// Atomically adds `delta` to the u64 at `offset`; returns the previous value.
pub(crate) fn fetch_add(offset: u64, delta: u64) -> Result<u64> {
    let mut old = 0u64;
    // SAFETY: `old` is a valid, exclusive `u64` for the duration of the call.
    to_result(unsafe { mymem_fetch_add(offset, delta, &mut old) })?;
    Ok(old)
}

/// Holds the device-wide advisory lock; releases it when dropped.
pub(crate) struct LockGuard(());

/// Takes the device-wide advisory lock on behalf of the kernel (may sleep).
pub(crate) fn lock() -> Result<LockGuard> {
    // SAFETY: No arguments; the lock is released by `LockGuard::drop`.
    to_result(unsafe { mymem_lock() })?;
    Ok(LockGuard(()))
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // SAFETY: The guard exists only while we hold the lock, so this pairs with one
        // successful `mymem_lock`.
        let ret = unsafe { mymem_unlock() };
        if ret != 0 {
            pr_warn!("mymem_unlock failed: {}\n", ret);
        }
    }
}
