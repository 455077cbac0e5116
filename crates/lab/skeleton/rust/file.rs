// SPDX-License-Identifier: GPL-2.0

//! The open files of `/dev/mymem`: read/write/ioctl/mmap on top of [`MyMem`].
//!
//! A file's position is the VFS one (`f_pos`), seen here as `ki_pos`: plain read/write pass
//! `f_pos`, pread/pwrite their offset, and lseek (`misc_llseek.rs`) sets it within
//! `[0, seek_size]`.

use crate::{device::MyMem, global, misc_llseek::FixedSize, uapi::MYMEM_IOC_SIZE, vfs};
use kernel::{
    fs::{File, Kiocb},
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
}

#[vtable]
impl MiscDevice for OpenFile {
    type Ptr = KBox<Self>;

    fn open(file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<KBox<Self>> {
        let dev = global::device()?;
        dev.claim()?;
        vfs::set_atomic_pos(file);
        Ok(KBox::new(Self { dev }, GFP_KERNEL)?)
    }

    fn read_iter(_kiocb: Kiocb<'_, Self::Ptr>, _iov: &mut IovIterDest<'_>) -> Result<usize> {
        // TODO: copy min(len, size - pos) bytes at `kiocb.ki_pos()` with `iov.copy_to_iter`
        // while holding the buffer's mutex, and advance `*kiocb.ki_pos_mut()` by what was
        // copied: 0 at the end, `EFAULT` if nothing could be copied, `EINVAL` for a position
        // outside [0, size]. See docs/device.md, "Buffer and file position".
        Ok(0)
    }

    fn write_iter(_kiocb: Kiocb<'_, Self::Ptr>, _iov: &mut IovIterSource<'_>) -> Result<usize> {
        // TODO: like read, with `iov.copy_from_iter`; `ENOSPC` at the end for len > 0, 0 for
        // len == 0 (the offset is checked first). An appending write (`vfs::appends`) writes at
        // the end: `ENOSPC`.
        Err(ENOSPC)
    }

    fn mmap(_me: &Self, _file: &File, _vma: &VmaNew) -> Result {
        // TODO: map the buffer (`SharedBuf::map`). See docs/device.md, "mmap".
        Err(ENODEV)
    }

    fn ioctl(me: &Self, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            // Given: the tests and tools ask the buffer size first.
            MYMEM_IOC_SIZE => {
                let size = me.dev.size() as u64;
                UserSlice::new(UserPtr::from_addr(arg), size_of::<u64>())
                    .writer()
                    .write(&size)?;
                Ok(0)
            }
            // TODO: MYMEM_IOC_FETCH_ADD (read a `uapi::FetchAdd`:
            // `UserSlice::new(UserPtr::from_addr(arg), size_of::<FetchAdd>()).reader().read()?`,
            // check the offset: a multiple
            // of 8 with offset + 8 <= size, else `EINVAL`; add under the buffer's mutex; write
            // back only `old`), MYMEM_IOC_LOCK (wait interruptibly, `EINTR` on a signal;
            // `EDEADLK` if this file holds it; `EAGAIN` instead of waiting with O_NONBLOCK) and
            // MYMEM_IOC_UNLOCK (`EPERM` unless this file holds it). Release the lock on close.
            _ => Err(ENOTTY),
        }
    }
}

impl FixedSize for OpenFile {
    fn seek_size(_me: &Self) -> usize {
        // TODO: the buffer size, so that lseek reaches [0, size]; until then only 0.
        0
    }
}
