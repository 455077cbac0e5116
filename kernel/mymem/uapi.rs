// SPDX-License-Identifier: GPL-2.0

//! Mirror of the userspace ABI in `kernel/include/uapi/linux/mymem.h`.
//!
//! Out-of-tree modules get no bindgen output for their own headers, so the numbers are written
//! out again here; a userspace test checks that both agree.

use kernel::{
    ioctl::{_IO, _IOR, _IOWR},
    prelude::*,
};

/// `MYMEM_SIZE_DEFAULT`: buffer size when the `size` parameter is not given.
pub(crate) const SIZE_DEFAULT: u64 = 524288;
/// `MYMEM_SIZE_MAX`: largest accepted `size` parameter.
pub(crate) const SIZE_MAX: u64 = 64 << 20;

/// `struct mymem_fetch_add`, the argument of [`MYMEM_IOC_FETCH_ADD`].
///
/// The derives prove at compile time that it has no padding and that every bit pattern is valid,
/// so it is copied from and to userspace as plain bytes.
#[repr(C)]
#[derive(FromBytes, IntoBytes, zerocopy_derive::Immutable)]
pub(crate) struct FetchAdd {
    /// Byte offset of the `u64`, a multiple of 8.
    pub(crate) offset: u64,
    /// Value added, wrapping.
    pub(crate) delta: u64,
    /// Out: the value before the add.
    pub(crate) old: u64,
}

const _: () = assert!(size_of::<FetchAdd>() == 24);

// The kernel's own traits too, so that `UserSliceReader::read::<FetchAdd>()` and
// `UserSliceWriter::write(&fetch_add)` take it (they want `kernel::transmute`'s, not
// zerocopy's).
// SAFETY: three `u64`s in `repr(C)`: every bit pattern is valid (the `FromBytes` derive above
// proves it) and there is no interior mutability (`Immutable`).
unsafe impl kernel::transmute::FromBytes for FetchAdd {}
// SAFETY: no padding, so no uninitialised byte (the `IntoBytes` derive above proves it).
unsafe impl kernel::transmute::AsBytes for FetchAdd {}

const MAGIC: u32 = 0xB5;

/// Stores the buffer size at the `__u64` the argument points to.
pub(crate) const MYMEM_IOC_SIZE: u32 = _IOR::<u64>(MAGIC, 1);
/// Atomic add on a `u64` of the buffer, see [`FetchAdd`].
pub(crate) const MYMEM_IOC_FETCH_ADD: u32 = _IOWR::<FetchAdd>(MAGIC, 2);
/// Takes the device-wide advisory lock for the calling open file.
pub(crate) const MYMEM_IOC_LOCK: u32 = _IO(MAGIC, 3);
/// Releases the advisory lock.
pub(crate) const MYMEM_IOC_UNLOCK: u32 = _IO(MAGIC, 4);
