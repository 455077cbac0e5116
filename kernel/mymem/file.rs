// SPDX-License-Identifier: GPL-2.0

//! The open files of `/dev/mymem`: read/write/ioctl on top of [`MyMem`].
//!
//! A file's position is the VFS one (`f_pos`), seen here as `ki_pos`: plain read/write pass
//! `f_pos`, pread/pwrite their offset, and lseek (see `misc_llseek.rs`) sets it. Files are opened
//! `FMODE_ATOMIC_POS`, so the VFS serialises position updates of threads sharing one file.

use crate::{
    device::{MyMem, Owner},
    global,
    misc_llseek::FixedSize,
    uapi::{FetchAdd, MYMEM_IOC_FETCH_ADD, MYMEM_IOC_LOCK, MYMEM_IOC_SIZE, MYMEM_IOC_UNLOCK},
    vfs,
};
use kernel::{
    fs::{file::flags::O_NONBLOCK, File, Kiocb},
    iov::{IovIterDest, IovIterSource},
    miscdevice::{MiscDevice, MiscDeviceRegistration},
    mm::virt::VmaNew,
    prelude::*,
    sync::Arc,
    uaccess::{UserPtr, UserSlice},
};

/// The private data of an open file.
pub(crate) struct OpenFile {
    dev: Arc<MyMem>,
    /// Whether this file holds the `exclusive` claim on the device.
    claimed: bool,
}

impl OpenFile {
    /// This file as an advisory lock owner.
    ///
    /// The token is the address of this (boxed, never moved) struct: unique among open files, and
    /// a file gives the lock back in `drop` before its address can be reused.
    fn owner(&self) -> Owner {
        Owner::File(core::ptr::from_ref(self).addr())
    }
}

/// Turns a file position into a buffer offset; negative ones are out of range.
fn offset(pos: i64) -> Result<u64> {
    u64::try_from(pos).map_err(|_| EINVAL)
}

/// Moves the file position past the `n` bytes just copied at it.
///
/// Cannot overflow: a copy never goes past the buffer slice it was given, so the new position is
/// at most `size <= MYMEM_SIZE_MAX`. The add wraps rather than checks, which keeps an overflow
/// test (and its panic path) off every read and write.
#[inline]
fn advance(kiocb: &mut Kiocb<'_, KBox<OpenFile>>, n: usize) {
    let pos = kiocb.ki_pos_mut();
    *pos = pos.wrapping_add(n as i64);
}

#[vtable]
impl MiscDevice for OpenFile {
    type Ptr = KBox<Self>;

    fn open(file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
        let dev = global::device()?;
        let mut me = KBox::new(
            Self {
                dev,
                claimed: false,
            },
            GFP_KERNEL,
        )?;
        me.claimed = me.dev.claim()?;
        vfs::set_atomic_pos(file);
        Ok(me)
    }

    #[inline]
    fn read_iter(mut kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let pos = offset(kiocb.ki_pos())?;
        let len = iov.len();
        let n = kiocb
            .file()
            .dev
            .read_with(pos, len, |src| iov.copy_to_iter(src))?;
        advance(&mut kiocb, n);
        Ok(n)
    }

    #[inline]
    fn write_iter(mut kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        // O_APPEND or RWF_APPEND: at the end, which cannot grow (`ENOSPC`).
        let pos = if vfs::appends(&kiocb) {
            kiocb.file().dev.size() as u64
        } else {
            offset(kiocb.ki_pos())?
        };
        let len = iov.len();
        let n = kiocb
            .file()
            .dev
            .write_with(pos, len, |dst| iov.copy_from_iter(dst))?;
        advance(&mut kiocb, n);
        Ok(n)
    }

    fn mmap(me: &Self, _file: &File, vma: &VmaNew) -> Result {
        me.dev.map(vma)
    }

    fn ioctl(me: &Self, file: &File, cmd: u32, arg: usize) -> Result<isize> {
        let user = UserPtr::from_addr(arg);
        match cmd {
            MYMEM_IOC_SIZE => {
                let size = me.dev.size() as u64;
                UserSlice::new(user, size_of::<u64>())
                    .writer()
                    .write(&size)?;
            }
            MYMEM_IOC_FETCH_ADD => {
                let args: FetchAdd = UserSlice::new(user, size_of::<FetchAdd>())
                    .reader()
                    .read()?;
                let old = me.dev.fetch_add(args.offset, args.delta)?;
                // Only `old` is an output: the input fields may be read-only memory.
                let old_field =
                    UserPtr::from_addr(arg.wrapping_add(core::mem::offset_of!(FetchAdd, old)));
                UserSlice::new(old_field, size_of::<u64>())
                    .writer()
                    .write(&old)?;
            }
            // A non-blocking file does not wait for the lock: `EAGAIN`.
            MYMEM_IOC_LOCK => me.dev.lock(me.owner(), file.flags() & O_NONBLOCK == 0)?,
            MYMEM_IOC_UNLOCK => me.dev.unlock(me.owner())?,
            _ => return Err(ENOTTY),
        }
        Ok(0)
    }
}

impl FixedSize for OpenFile {
    fn seek_size(me: &Self) -> usize {
        me.dev.size()
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        // Closing the file releases the lock if it holds it; `EPERM` just means it did not.
        let _ = self.dev.unlock(self.owner());
        if self.claimed {
            self.dev.unclaim();
        }
    }
}
