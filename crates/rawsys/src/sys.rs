//! Raw system calls with arbitrary arguments, including invalid pointers and
//! file descriptors another thread may close at any moment.
//!
//! rustix's safe wrappers take slices and `BorrowedFd`s, which by design
//! cannot carry NULL, kernel or unmapped addresses, nor an fd that is being
//! closed concurrently; so these go through libc with plain integers. Every
//! call returns the syscall's non-negative result or its [`Errno`].
//!
//! Arguments are given as the caller holds them: an fd as a [`RawFd`] or a
//! reference to anything [`AsFd`]; an address, length, offset or command as
//! any integer or raw pointer ([`Arg`]).

use std::ffi::c_void;
use std::os::fd::{AsFd, AsRawFd, IntoRawFd, RawFd};
use std::path::Path;

use rustix::fs::{Mode, OFlags};

use crate::Errno;

/// A syscall's non-negative result, or its errno.
pub type SysResult = Result<u64, Errno>;

/// A file descriptor argument: a raw fd (possibly closed) or an open file.
pub trait Fd {
    fn raw_fd(&self) -> RawFd;
}

impl Fd for RawFd {
    fn raw_fd(&self) -> RawFd {
        *self
    }
}

impl<T: AsFd + ?Sized> Fd for &T {
    fn raw_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

/// A register-sized argument: an integer (taken as its two's-complement
/// bits) or a raw pointer (its address).
pub trait Arg: Copy {
    fn bits(self) -> u64;
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn bits(self) -> u64 {
                self as u64
            }
        }
    )*};
}
int_arg!(u32, u64, usize, i32, i64);

impl<T> Arg for *mut T {
    fn bits(self) -> u64 {
        self as usize as u64
    }
}

impl<T> Arg for *const T {
    fn bits(self) -> u64 {
        self as usize as u64
    }
}

fn check(r: i64) -> SysResult {
    if r < 0 {
        Err(Errno::from_raw_os_error(
            std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
        ))
    } else {
        Ok(r as u64)
    }
}

/// read(2) into `buf`.
///
/// # Safety
///
/// The kernel writes up to `len` bytes at `buf`: that memory must be either
/// not writable by this process (the kernel then fails or stops short
/// safely) or not covered by any Rust reference during the call.
pub unsafe fn read(fd: impl Fd, buf: impl Arg, len: impl Arg) -> SysResult {
    // SAFETY: forwarded to the caller; a bad fd is an error, not UB.
    check(unsafe { libc::read(fd.raw_fd(), buf.bits() as *mut c_void, len.bits() as usize) } as i64)
}

/// write(2) from `buf` (which may be unmapped: the kernel only reads it).
pub fn write(fd: impl Fd, buf: impl Arg, len: impl Arg) -> SysResult {
    // SAFETY: the kernel reads user memory with fault handling; we never
    // dereference `buf` ourselves.
    check(unsafe {
        libc::write(
            fd.raw_fd(),
            buf.bits() as *const c_void,
            len.bits() as usize,
        )
    } as i64)
}

/// pread(2) into `buf` at `off`.
///
/// # Safety
///
/// As for [`read`].
pub unsafe fn pread(fd: impl Fd, buf: impl Arg, len: impl Arg, off: impl Arg) -> SysResult {
    // SAFETY: forwarded to the caller.
    check(unsafe {
        libc::pread64(
            fd.raw_fd(),
            buf.bits() as *mut c_void,
            len.bits() as usize,
            off.bits() as i64,
        )
    } as i64)
}

/// pwrite(2) from `buf` at `off` (`buf` may be unmapped).
pub fn pwrite(fd: impl Fd, buf: impl Arg, len: impl Arg, off: impl Arg) -> SysResult {
    // SAFETY: as for `write`.
    check(unsafe {
        libc::pwrite64(
            fd.raw_fd(),
            buf.bits() as *const c_void,
            len.bits() as usize,
            off.bits() as i64,
        )
    } as i64)
}

/// lseek(2) with any `whence`, valid or not.
pub fn lseek(fd: impl Fd, off: i64, whence: impl Arg) -> SysResult {
    // SAFETY: no memory is involved.
    check(unsafe { libc::lseek64(fd.raw_fd(), off, whence.bits() as libc::c_int) })
}

/// ioctl(2) with any command and argument.
///
/// # Safety
///
/// The kernel may write through `arg` as much as `cmd` says: as for
/// [`read`], that memory must be inaccessible or not covered by a Rust
/// reference during the call.
pub unsafe fn ioctl(fd: impl Fd, cmd: impl Arg, arg: impl Arg) -> SysResult {
    // SAFETY: forwarded to the caller.
    check(i64::from(unsafe {
        libc::ioctl(
            fd.raw_fd(),
            cmd.bits() as libc::c_ulong,
            arg.bits() as libc::c_ulong,
        )
    }))
}

/// close(2) of a raw fd that may already be closed.
///
/// # Safety
///
/// `fd` must not be owned by a Rust object (`OwnedFd`, `File`, ...), which
/// would close it again or use a reused number.
pub unsafe fn close(fd: RawFd) -> SysResult {
    // SAFETY: forwarded to the caller.
    check(i64::from(unsafe { libc::close(fd) }))
}

/// Opens `path` read-write and gives up ownership of the fd (close it with
/// [`close`]).
pub fn open(path: &Path) -> SysResult {
    rustix::fs::open(path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())
        .map(|fd| fd.into_raw_fd() as u64)
}

/// Whether `fd` is open in this process.
pub fn fd_is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only inspects the descriptor table.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_pointers_and_fds_give_errnos() {
        // Far above any descriptor limit, so never open.
        // SAFETY: no memory is written (bad fd, then NULL and kernel addresses).
        unsafe {
            assert_eq!(read(1 << 30, 0u64, 1u64), Err(Errno::BADF));
            assert_eq!(close(1 << 30), Err(Errno::BADF));
        }
        let zero = std::fs::File::open("/dev/zero").unwrap();
        let fd = zero.as_raw_fd();
        // SAFETY: as above; then a buffer no reference covers during the call.
        unsafe {
            assert_eq!(read(fd, 0u64, 16u64), Err(Errno::FAULT));
            assert_eq!(
                read(&zero, 0xffff_8880_0000_0000u64, 16u64),
                Err(Errno::FAULT)
            );
            let mut buf = [1u8; 16];
            assert_eq!(read(fd, buf.as_mut_ptr(), buf.len()), Ok(16));
            assert_eq!(buf, [0; 16]);
        }
        assert_eq!(lseek(fd, 0, 77), Err(Errno::INVAL));
        assert!(fd_is_open(fd));
    }
}
