// SPDX-License-Identifier: GPL-2.0

//! File mode and I/O flags that 7.3's `File` and `Kiocb` do not expose.
//!
//! The values are macros with casts that bindgen skips, so `mymem_helpers.c` sets the file mode
//! in C and exports `IOCB_APPEND` as a constant; this file wraps them safely.

use kernel::{
    ffi::{c_int, c_void},
    fs::{File, Kiocb},
    types::ForeignOwnable,
};

// `struct file *`: declared `void` because the bindgen struct holds zero-sized members that the
// `improper_ctypes` lint rejects in an `extern` block.
unsafe extern "C" {
    fn mymem_file_set_atomic_pos(file: *mut c_void);
    /// `IOCB_APPEND`, a constant. Read here rather than through a C function, since every write
    /// tests it: the test is then inline, as in C.
    static mymem_iocb_append: c_int;
}

/// Marks `file` `FMODE_ATOMIC_POS`, so that the VFS serialises its position among the threads
/// and processes sharing it (`fdget_pos` takes `f_pos_lock`), as it does for regular files.
///
/// Call it from `open`, before the file is installed in a descriptor table.
pub(crate) fn set_atomic_pos(file: &File) {
    // SAFETY: `file` is valid. `open` runs before the file is reachable through any descriptor,
    // so nothing reads or writes `f_mode` concurrently, and the VFS initialised `f_pos_lock` in
    // `init_file` for every file.
    unsafe { mymem_file_set_atomic_pos(file.as_ptr().cast()) }
}

/// Whether this write appends: the file has `O_APPEND` or the call passed `RWF_APPEND` (and not
/// `RWF_NOAPPEND`); the VFS folds all three into `IOCB_APPEND`.
#[inline]
pub(crate) fn appends<T: ForeignOwnable>(kiocb: &Kiocb<'_, T>) -> bool {
    // SAFETY: `Kiocb` wraps a kiocb that is valid for the duration of the I/O call, whose
    // `ki_flags` nothing changes during it; `mymem_iocb_append` is an initialised constant.
    unsafe { (*kiocb.as_raw()).ki_flags & mymem_iocb_append != 0 }
}
