//! [`Device`]: an open file on a mymem device.

use std::io::{self, SeekFrom};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};
use rustix::ioctl::{ioctl, Getter, NoArg, Updater};

use crate::uapi::{self, FetchAdd};

/// One open file on a mymem device.
///
/// The position and the ownership of the advisory lock belong to this open
/// file, so threads sharing a `Device` share both; open the path again for an
/// independent position or lock owner. All methods take `&self` (the kernel
/// serialises the calls), so a `Device` can be shared between threads.
#[derive(Debug)]
pub struct Device {
    fd: OwnedFd,
    path: PathBuf,
}

/// Holds the advisory lock taken by [`Device::lock`]; unlocks on drop.
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    dev: &'a Device,
}

impl Device {
    /// Opens `path` read-write (and close-on-exec).
    pub fn open(path: impl AsRef<Path>) -> io::Result<Device> {
        let path = path.as_ref();
        let fd = rustix::fs::open(path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())?;
        Ok(Device {
            fd,
            path: path.to_owned(),
        })
    }

    /// Wraps an already open file descriptor; `path` is only reported back.
    pub fn from_fd(fd: OwnedFd, path: impl Into<PathBuf>) -> Device {
        Device {
            fd,
            path: path.into(),
        }
    }

    /// The path this device was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads at the current position, advancing it by the count returned
    /// (0 at the end of the buffer).
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(rustix::io::read(&self.fd, buf)?)
    }

    /// Writes at the current position, advancing it by the count returned
    /// (short at the end of the buffer, `ENOSPC` when already there).
    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        Ok(rustix::io::write(&self.fd, buf)?)
    }

    /// `pread`: reads at `offset` without moving the position.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        Ok(rustix::io::pread(&self.fd, buf, offset)?)
    }

    /// `pwrite`: writes at `offset` without moving the position.
    pub fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<usize> {
        Ok(rustix::io::pwrite(&self.fd, buf, offset)?)
    }

    /// Fills `buf` from `offset`, failing with `UnexpectedEof` if the buffer
    /// ends first.
    pub fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read_at(buf, offset)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }

    /// Writes all of `buf` at `offset` (the driver fails with `ENOSPC` if
    /// it does not fit).
    pub fn write_all_at(&self, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write_at(buf, offset)? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => {
                    buf = &buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }

    /// `lseek`; returns the new position. Positions outside `[0, size]` fail
    /// with `EINVAL` and leave the position unchanged.
    pub fn seek(&self, pos: SeekFrom) -> io::Result<u64> {
        let pos = match pos {
            SeekFrom::Start(n) => rustix::fs::SeekFrom::Start(n),
            SeekFrom::End(n) => rustix::fs::SeekFrom::End(n),
            SeekFrom::Current(n) => rustix::fs::SeekFrom::Current(n),
        };
        Ok(rustix::fs::seek(&self.fd, pos)?)
    }

    /// Buffer size in bytes (`MYMEM_IOC_SIZE`).
    pub fn size(&self) -> io::Result<u64> {
        // SAFETY: MYMEM_IOC_SIZE stores exactly one u64 through its argument.
        let get = unsafe { Getter::<{ uapi::IOC_SIZE }, u64>::new() };
        // SAFETY: the opcode and argument type match the uapi header.
        Ok(unsafe { ioctl(&self.fd, get) }?)
    }

    /// Buffer size in bytes, for a driver with or without the ioctls:
    /// `MYMEM_IOC_SIZE`, or, where that answers `ENOTTY` (a driver of
    /// read/write/llseek only, the seed lab's part 2), the end of the file
    /// by `lseek(fd, 0, SEEK_END)`, with this file's position put back
    /// afterwards (not atomic against other threads seeking this same
    /// file). Any other error of either call is returned.
    pub fn buffer_size(&self) -> io::Result<u64> {
        match self.size() {
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NOTTY.raw_os_error()) => {
                #[allow(clippy::seek_from_current)] // Device::seek is the raw lseek, not io::Seek
                let here = self.seek(SeekFrom::Current(0))?;
                let end = self.seek(SeekFrom::End(0));
                self.seek(SeekFrom::Start(here))?;
                end
            }
            r => r,
        }
    }

    /// Atomically adds `delta` (wrapping) to the native-endian `u64` at byte
    /// `offset` and returns its previous value (`MYMEM_IOC_FETCH_ADD`).
    /// `offset` must be a multiple of 8 with `offset + 8 <= size`, else
    /// `EINVAL`.
    pub fn fetch_add(&self, offset: u64, delta: u64) -> io::Result<u64> {
        let mut arg = FetchAdd {
            offset,
            delta,
            old: 0,
        };
        // SAFETY: MYMEM_IOC_FETCH_ADD reads and writes a `struct
        // mymem_fetch_add`, which `FetchAdd` mirrors (#[repr(C)]).
        let upd = unsafe { Updater::<{ uapi::IOC_FETCH_ADD }, FetchAdd>::new(&mut arg) };
        // SAFETY: the opcode and argument type match the uapi header.
        unsafe { ioctl(&self.fd, upd) }?;
        Ok(arg.old)
    }

    /// Takes the device-wide advisory lock for this open file, sleeping until
    /// it is free (`EINTR` if a signal arrives first, `EDEADLK` if this file
    /// already holds it). On a file opened (or `fcntl`-set) `O_NONBLOCK` it
    /// never sleeps: `EAGAIN` while another file holds the lock; open such a
    /// file yourself and wrap it with [`Device::from_fd`]. The guard unlocks
    /// on drop.
    pub fn lock(&self) -> io::Result<LockGuard<'_>> {
        self.ioctl_no_arg::<{ uapi::IOC_LOCK }>()?;
        Ok(LockGuard { dev: self })
    }

    /// Releases the advisory lock (`EPERM` if this open file does not hold
    /// it). Prefer the guard from [`Device::lock`]; this is the raw ioctl.
    pub fn unlock(&self) -> io::Result<()> {
        self.ioctl_no_arg::<{ uapi::IOC_UNLOCK }>()
    }

    fn ioctl_no_arg<const OPCODE: rustix::ioctl::Opcode>(&self) -> io::Result<()> {
        // SAFETY: the mymem LOCK and UNLOCK commands take no argument.
        let cmd = unsafe { NoArg::<OPCODE>::new() };
        // SAFETY: as above; no user memory is touched.
        Ok(unsafe { ioctl(&self.fd, cmd) }?)
    }
}

impl LockGuard<'_> {
    /// Unlocks now, reporting an error that dropping would ignore.
    pub fn unlock(self) -> io::Result<()> {
        let dev = self.dev;
        std::mem::forget(self);
        dev.unlock()
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        // Nothing sensible to do on failure in a destructor; closing the
        // file would release the lock anyway.
        let _ = self.dev.unlock();
    }
}

impl AsFd for Device {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Device {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl From<Device> for OwnedFd {
    fn from(dev: Device) -> OwnedFd {
        dev.fd
    }
}

impl io::Read for &Device {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Device::read(self, buf)
    }
}

impl io::Write for &Device {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Device::write(self, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl io::Seek for &Device {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        Device::seek(self, pos)
    }
}
