// SPDX-License-Identifier: GPL-2.0

//! Misc device registration with `llseek` and a device node mode.
//!
//! Mainline [`MiscDevice`] has no seek hook (lseek fails with `ESPIPE`) and
//! [`MiscDeviceOptions`] no mode. This file, the only unsafe code of the driver besides the C
//! ABI of `api.rs`, registers a [`MiscDeviceRegistration`] exactly like
//! [`MiscDeviceRegistration::register`], but with a compile-time copy of the `file_operations`
//! that mainline generates for `T` in which only `.llseek` is added. Open, release, read/write
//! and ioctl dispatch (and `.owner = THIS_MODULE`) therefore stay mainline's.

use core::marker::PhantomData;
use kernel::{
    bindings,
    error::to_result,
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    prelude::*,
    types::ForeignOwnable,
};

/// A [`MiscDevice`] whose files can be positioned anywhere in `[0, size]`.
pub(crate) trait FixedSize: MiscDevice {
    /// The `size` for the file whose private data is `device`.
    fn seek_size(device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>) -> usize;
}

/// The file operations of a [`FixedSize`] device `T`.
struct SeekableVTable<T>(PhantomData<T>);

impl<T: FixedSize> SeekableVTable<T> {
    const VTABLE: bindings::file_operations = {
        let generated = MiscDeviceOptions { name: c"" }.into_raw::<T>().fops;
        // SAFETY: `into_raw` points `fops` to `MiscdeviceVTable::<T>::VTABLE`, a constant that is
        // valid for reads at compile time.
        let mut fops = unsafe { *generated };
        fops.llseek = Some(Self::llseek);
        fops
    };

    const fn build() -> &'static bindings::file_operations {
        &Self::VTABLE
    }

    /// # Safety
    ///
    /// `file` must be a file of a device registered by [`register`] with `T`, between the return
    /// of its `open` and the start of its `release`.
    unsafe extern "C" fn llseek(
        file: *mut bindings::file,
        offset: bindings::loff_t,
        whence: c_int,
    ) -> bindings::loff_t {
        // SAFETY: The file is open, so its private data is the pointer that mainline's open
        // stored with `T::Ptr::into_foreign` and that release has not taken back yet.
        let device = unsafe { <T::Ptr as ForeignOwnable>::borrow((*file).private_data) };
        // Cannot truncate: sizes are bounded by the allocation, well below `loff_t::MAX`.
        let size = T::seek_size(device) as bindings::loff_t;
        // SAFETY: `file` is valid for this call. `fixed_size_llseek` allows SEEK_SET, SEEK_CUR and
        // SEEK_END (else `EINVAL`), rejects results outside `[0, size]` with `EINVAL` leaving
        // `f_pos` alone, and serialises its update of `f_pos` like every other llseek does.
        unsafe { bindings::fixed_size_llseek(file, offset, whence, size) }
    }
}

/// Registers misc device `T` like [`MiscDeviceRegistration::register`], with lseek support and
/// the device node created with permissions `mode`.
pub(crate) fn register<T: FixedSize>(
    opts: MiscDeviceOptions,
    mode: u16,
) -> impl PinInit<MiscDeviceRegistration<T>, Error> {
    let mut raw = opts.into_raw::<T>();
    raw.fops = SeekableVTable::<T>::build();
    raw.mode = mode;

    let init = move |slot: *mut MiscDeviceRegistration<T>| {
        // `MiscDeviceRegistration<T>` is `#[repr(transparent)]` over `Opaque<miscdevice>`, so the
        // slot is a `struct miscdevice`.
        let misc = slot.cast::<bindings::miscdevice>();
        // SAFETY: The initializer may write to `slot`.
        unsafe { misc.write(raw) };
        // SAFETY: `misc` is a valid, pinned `miscdevice` whose fops are mainline's for `T` plus
        // `llseek`, so the registration's invariants hold and its drop deregisters it before the
        // memory goes away. If this fails, nothing was registered and nothing needs dropping.
        to_result(unsafe { bindings::misc_register(misc) })
    };
    // SAFETY: `init` fully initialises the slot when it returns `Ok` (the other field is a
    // `PhantomData`), leaves nothing to drop on `Err`, and does not move the slot.
    unsafe { pin_init::pin_init_from_closure(init) }
}
