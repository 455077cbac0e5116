// SPDX-License-Identifier: GPL-2.0

//! The device: one zeroed buffer (with its data mutex, see `shared_buf.rs`) and the advisory lock.
//!
//! Everything here works on absolute offsets; file positions live in the callers.

use crate::shared_buf::SharedBuf;
use kernel::{
    mm::virt::VmaNew,
    new_condvar, new_mutex,
    prelude::*,
    sync::{
        atomic::{Acquire, AtomicFlag, Release},
        Arc, CondVar, Mutex,
    },
};

/// Who holds the advisory lock.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// Callers of the in-kernel API, all as one owner.
    Kernel,
    /// An open file, identified by a token unique among the open files.
    File(usize),
}

/// The state shared by every open file and the in-kernel API.
#[pin_data]
pub(crate) struct MyMem {
    /// The buffer; its mutex is held across every copy so that each access is atomic.
    #[pin]
    buf: SharedBuf,
    /// Holder of the advisory lock; separate from `data` so the lock never blocks I/O.
    #[pin]
    owner: Mutex<Option<Owner>>,
    /// Signalled whenever `owner` becomes `None`.
    #[pin]
    unlocked: CondVar,
    /// Whether only one file may be open at a time.
    exclusive: bool,
    /// Whether a file is open; only maintained when `exclusive`.
    in_use: AtomicFlag,
}

impl MyMem {
    /// Allocates a device with a zeroed buffer of `size` bytes.
    pub(crate) fn new(size: usize, exclusive: bool) -> Result<Arc<Self>> {
        let buf = SharedBuf::new(size)?;
        Arc::pin_init(
            pin_init!(Self {
                buf <- buf,
                owner <- new_mutex!(None, "mymem::owner"),
                unlocked <- new_condvar!("mymem::unlocked"),
                exclusive,
                in_use: AtomicFlag::new(false),
            }),
            GFP_KERNEL,
        )
    }

    /// Size of the buffer in bytes.
    pub(crate) fn size(&self) -> usize {
        self.buf.size()
    }

    /// Index of offset `pos`, which must lie in `[0, size]`.
    fn index(&self, pos: u64) -> Result<usize> {
        usize::try_from(pos)
            .ok()
            .filter(|&i| i <= self.size())
            .ok_or(EINVAL)
    }

    /// Reads `len` bytes at `pos`: `copy` gets the buffer from `pos` to its end and returns how
    /// many bytes it consumed (at most `len`; fewer on a fault).
    ///
    /// Returns the count copied: 0 at the end or for `len == 0`, `EFAULT` if `copy` faulted on
    /// its first byte.
    pub(crate) fn read_with(
        &self,
        pos: u64,
        len: usize,
        copy: impl FnOnce(&[u8]) -> usize,
    ) -> Result<usize> {
        let data = self.buf.lock();
        let start = self.index(pos)?;
        if len == 0 || start == data.len() {
            return Ok(0);
        }
        match copy(&data[start..]) {
            0 => Err(EFAULT),
            n => Ok(n),
        }
    }

    /// Writes `len` bytes at `pos`: `copy` gets the buffer from `pos` to its end and returns how
    /// many bytes it filled (at most `len`; fewer on a fault).
    ///
    /// Returns the count copied: 0 for `len == 0`, `ENOSPC` at the end, `EFAULT` if `copy`
    /// faulted on its first byte.
    pub(crate) fn write_with(
        &self,
        pos: u64,
        len: usize,
        copy: impl FnOnce(&mut [u8]) -> usize,
    ) -> Result<usize> {
        let mut data = self.buf.lock();
        let start = self.index(pos)?;
        if len == 0 {
            return Ok(0);
        }
        if start == data.len() {
            return Err(ENOSPC);
        }
        match copy(&mut data[start..]) {
            0 => Err(EFAULT),
            n => Ok(n),
        }
    }

    /// Adds `delta` (wrapping) to the native-endian `u64` at `offset`, returning the old value.
    pub(crate) fn fetch_add(&self, offset: u64, delta: u64) -> Result<u64> {
        let mut data = self.buf.lock();
        let start = usize::try_from(offset).map_err(|_| EINVAL)?;
        if start % 8 != 0 {
            return Err(EINVAL);
        }
        let word: &mut [u8; 8] = start
            .checked_add(8)
            .and_then(|end| data.get_mut(start..end))
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(EINVAL)?;
        let old = u64::from_ne_bytes(*word);
        *word = old.wrapping_add(delta).to_ne_bytes();
        Ok(old)
    }

    /// Maps the buffer into `vma` (see [`SharedBuf::map`]); `EINVAL` outside the buffer.
    ///
    /// Does not take the data mutex: the mmap lock is held here, and a copy that faults takes
    /// it while holding the data mutex.
    pub(crate) fn map(&self, vma: &VmaNew) -> Result {
        self.buf.map(vma)
    }

    /// Takes the advisory lock for `who`, sleeping interruptibly while someone else holds it
    /// (or, with `wait == false`, failing with `EAGAIN`); `EDEADLK` if the open file `who`
    /// already holds it.
    pub(crate) fn lock(&self, who: Owner, wait: bool) -> Result {
        let mut owner = self.owner.lock();
        loop {
            match *owner {
                None => {
                    *owner = Some(who);
                    return Ok(());
                }
                // A file cannot wait for itself. Kernel callers share one identity, so
                // for them "held by the kernel" means "held by another caller": wait.
                Some(holder) if holder == who && who != Owner::Kernel => return Err(EDEADLK),
                Some(_) if !wait => return Err(EAGAIN),
                Some(_) => {
                    if self.unlocked.wait_interruptible(&mut owner) {
                        return Err(EINTR);
                    }
                }
            }
        }
    }

    /// Releases the advisory lock held by `who`; `EPERM` if `who` does not hold it.
    pub(crate) fn unlock(&self, who: Owner) -> Result {
        let mut owner = self.owner.lock();
        if *owner != Some(who) {
            return Err(EPERM);
        }
        *owner = None;
        // All waiters, not one: a woken waiter that sees a signal leaves without taking the lock
        // and must not swallow the wake-up of the others.
        self.unlocked.notify_all();
        Ok(())
    }

    /// Claims the device for a new open file: `EBUSY` if `exclusive` and a file is open.
    ///
    /// Returns whether a claim was taken, to be given back with [`Self::unclaim`].
    pub(crate) fn claim(&self) -> Result<bool> {
        if !self.exclusive {
            return Ok(false);
        }
        self.in_use
            .cmpxchg(false, true, Acquire)
            .map(|_| true)
            .map_err(|_| EBUSY)
    }

    /// Gives back a claim taken by [`Self::claim`].
    pub(crate) fn unclaim(&self) {
        self.in_use.store(false, Release);
    }
}
