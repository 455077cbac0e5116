// SPDX-License-Identifier: GPL-2.0

//! `read_iter`/`write_iter` entries of a [`MiscDevice`], without the iov direction assert.
//!
//! Mainline's entries (`MiscdeviceVTable::read_iter`/`write_iter` in `rust/kernel/miscdevice.rs`)
//! wrap the `iov_iter` with [`IovIterDest::from_raw`]/[`IovIterSource::from_raw`], which
//! `assert_eq!` its `data_source` on every call: four instructions and a panic path on each read
//! and write, which kept this driver above 1 % of its C twin per call (docs/measurement.md). The
//! check repeats two others. The VFS builds the iterator it passes to
//! `->read_iter` as `ITER_DEST` and the one it passes to `->write_iter` as `ITER_SOURCE`
//! (`new_sync_read`/`new_sync_write`, the vectored, splice, aio and io_uring paths): that is the
//! contract of these hooks, which C drivers rely on unchecked. And `_copy_to_iter`/
//! `_copy_from_iter`, the only routines that move data through the iterator here, check the
//! direction themselves (`WARN_ON_ONCE`, nothing copied) on every call.
//!
//! These entries are mainline's with the assert left out; `misc_llseek.rs` puts them in the
//! device's `file_operations`. The wrappers rely on `IovIterDest`/`IovIterSource` being
//! `#[repr(transparent)]` over a `struct iov_iter`, as mainline's `from_raw` does (size and
//! alignment checked below).

use core::marker::PhantomData;
use kernel::{
    bindings,
    fs::Kiocb,
    iov::{IovIterDest, IovIterSource},
    miscdevice::MiscDevice,
};

// The casts below turn a `struct iov_iter *` into a reference to these wrappers. Mainline
// declares both `#[repr(transparent)]` over `Opaque<iov_iter>` plus a `PhantomData`; these checks
// catch a change of their size or alignment when the module is built.
const _: () = {
    use core::mem::{align_of, size_of};
    assert!(size_of::<IovIterDest<'static>>() == size_of::<bindings::iov_iter>());
    assert!(align_of::<IovIterDest<'static>>() == align_of::<bindings::iov_iter>());
    assert!(size_of::<IovIterSource<'static>>() == size_of::<bindings::iov_iter>());
    assert!(align_of::<IovIterSource<'static>>() == align_of::<bindings::iov_iter>());
};

/// The read/write entries of misc device `T`.
pub(crate) struct IterVTable<T>(PhantomData<T>);

impl<T: MiscDevice> IterVTable<T> {
    /// `->read_iter`: [`MiscDevice::read_iter`] with the byte count or error as an `isize`.
    ///
    /// # Safety
    ///
    /// `kiocb` must be a valid `struct kiocb` of an open file of a device registered with `T`,
    /// and `iter` a valid `ITER_DEST` `struct iov_iter` that nothing else uses during the call.
    pub(crate) unsafe extern "C" fn read_iter(
        kiocb: *mut bindings::kiocb,
        iter: *mut bindings::iov_iter,
    ) -> isize {
        // SAFETY: The caller provides a valid kiocb of a file whose private data is `T::Ptr`.
        let kiocb = unsafe { Kiocb::from_raw(kiocb) };
        // SAFETY: `IovIterDest` is `#[repr(transparent)]` over a `struct iov_iter`. The caller
        // provides a valid, unshared one with `data_source == ITER_DEST` (the VFS builds it so),
        // which is the invariant of `IovIterDest`, and it stays valid for this call.
        let iov = unsafe { &mut *iter.cast::<IovIterDest<'_>>() };
        match T::read_iter(kiocb, iov) {
            Ok(n) => n as isize,
            Err(err) => err.to_errno() as isize,
        }
    }

    /// `->write_iter`: [`MiscDevice::write_iter`] with the byte count or error as an `isize`.
    ///
    /// # Safety
    ///
    /// `kiocb` must be a valid `struct kiocb` of an open file of a device registered with `T`,
    /// and `iter` a valid `ITER_SOURCE` `struct iov_iter` that nothing else uses during the call.
    pub(crate) unsafe extern "C" fn write_iter(
        kiocb: *mut bindings::kiocb,
        iter: *mut bindings::iov_iter,
    ) -> isize {
        // SAFETY: The caller provides a valid kiocb of a file whose private data is `T::Ptr`.
        let kiocb = unsafe { Kiocb::from_raw(kiocb) };
        // SAFETY: `IovIterSource` is `#[repr(transparent)]` over a `struct iov_iter`. The caller
        // provides a valid, unshared one with `data_source == ITER_SOURCE` (the VFS builds it
        // so), which is the invariant of `IovIterSource`, and it stays valid for this call.
        let iov = unsafe { &mut *iter.cast::<IovIterSource<'_>>() };
        match T::write_iter(kiocb, iov) {
            Ok(n) => n as isize,
            Err(err) => err.to_errno() as isize,
        }
    }
}
