// SPDX-License-Identifier: GPL-2.0

//! Misc device registration with `llseek`, splice, `fsync` and a device node mode.
//!
//! Mainline [`MiscDevice`] has no seek hook (lseek fails with `ESPIPE`), leaves `splice_read`,
//! `splice_write` and `fsync` empty (sendfile, splice and fsync fail with `EINVAL`), and
//! [`MiscDeviceOptions`] has no mode. This file registers a [`MiscDeviceRegistration`] exactly
//! like [`MiscDeviceRegistration::register`], but with a compile-time copy of the
//! `file_operations` that mainline generates for `T` in which only these entries change:
//! `llseek` below, the kernel's generic helpers for `read_iter`/`write_iter` files
//! (`copy_splice_read`, `iter_file_splice_write`) and for memory (`noop_fsync`), and
//! `read_iter`/`write_iter`, which come from `misc_iter.rs` (mainline's without the iov direction
//! assert). Open, release, mmap and ioctl dispatch (and `.owner = THIS_MODULE`) stay mainline's.
//!
//! This is the riskiest unsafe code of the driver: [`register`] writes a `struct miscdevice`
//! into a [`MiscDeviceRegistration<T>`], relying on that type being a `#[repr(transparent)]`
//! wrapper of one, which is private to `rust/kernel/miscdevice.rs` (size and alignment are
//! checked at compile time below; that its one sized field is that `miscdevice` cannot be). The
//! driver's other unsafe code is the C ABI of `api.rs`, the global device in `global.rs`, the
//! read/write entries of `misc_iter.rs`, and the small wrappers of `vfs.rs` and `shared_buf.rs`.

use crate::misc_iter::IterVTable;
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
        fops.splice_read = Some(bindings::copy_splice_read);
        fops.splice_write = Some(bindings::iter_file_splice_write);
        fops.fsync = Some(bindings::noop_fsync);
        if T::HAS_READ_ITER {
            fops.read_iter = Some(IterVTable::<T>::read_iter);
        }
        if T::HAS_WRITE_ITER {
            fops.write_iter = Some(IterVTable::<T>::write_iter);
        }
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
        // SEEK_END (else `EINVAL`) and rejects results outside `[0, size]` with `EINVAL` leaving
        // `f_pos` alone. It does not serialise `f_pos` itself: the VFS does (`fdget_pos` takes
        // `f_pos_lock` around the whole call) because our `open` sets `FMODE_ATOMIC_POS`
        // (`vfs.rs`); without that flag, concurrent `SEEK_CUR`s on a shared file lose updates.
        unsafe { bindings::fixed_size_llseek(file, offset, whence, size) }
    }
}

// `register` writes a `miscdevice` where a `MiscDeviceRegistration<T>` lives. Mainline declares
// that type `#[repr(transparent)]` over `Opaque<miscdevice>` plus a `PhantomData`; these checks
// catch a change of its size or alignment (for example a new field) when the module is built.
const _: () = {
    use core::mem::{align_of, size_of};
    assert!(size_of::<MiscDeviceRegistration<()>>() == size_of::<bindings::miscdevice>());
    assert!(align_of::<MiscDeviceRegistration<()>>() == align_of::<bindings::miscdevice>());
};

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
        // slot is a `struct miscdevice` (size and alignment checked above).
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
