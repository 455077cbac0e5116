//! System calls with arguments that the safe `mymem`/`rustix` API cannot
//! express: arbitrary ioctl commands, user pointers that are deliberately
//! bad, and invalid `whence` values.

use std::ffi::c_void;
use std::io;
use std::os::fd::{AsFd, AsRawFd};

use rustix::ioctl::{Ioctl, IoctlOutput, Opcode};

/// An ioctl with an arbitrary command and argument pointer.
struct RawIoctl {
    opcode: Opcode,
    arg: *mut c_void,
}

// SAFETY: the output is not interpreted; the caller of `ioctl` vouches for
// the pointer (see there).
unsafe impl Ioctl for RawIoctl {
    type Output = ();
    const IS_MUTATING: bool = true;

    fn opcode(&self) -> Opcode {
        self.opcode
    }

    fn as_ptr(&mut self) -> *mut c_void {
        self.arg
    }

    unsafe fn output_from_ptr(_: IoctlOutput, _: *mut c_void) -> rustix::io::Result<()> {
        Ok(())
    }
}

/// `ioctl(fd, opcode, arg)`.
///
/// # Safety
///
/// The kernel may write through `arg` as much as `opcode` says; it must be
/// either invalid for user access (the point of most callers) or valid for
/// that.
pub unsafe fn ioctl(fd: impl AsFd, opcode: Opcode, arg: *mut c_void) -> io::Result<()> {
    // SAFETY: forwarded to the caller.
    Ok(unsafe { rustix::ioctl::ioctl(fd, RawIoctl { opcode, arg }) }?)
}

fn check(ret: isize) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

/// `read(2)` into a raw pointer.
///
/// # Safety
///
/// The kernel writes up to `len` bytes at `ptr`: memory there must be
/// writable by us or inaccessible (the kernel then faults safely).
pub unsafe fn read(fd: impl AsFd, ptr: *mut u8, len: usize) -> io::Result<usize> {
    // SAFETY: forwarded to the caller; the fd is open.
    check(unsafe { libc::read(fd.as_fd().as_raw_fd(), ptr.cast(), len) })
}

/// `write(2)` from a raw pointer (which may be unmapped: the kernel only
/// reads it).
pub fn write(fd: impl AsFd, ptr: *const u8, len: usize) -> io::Result<usize> {
    // SAFETY: the kernel reads user memory with fault handling; we never
    // dereference `ptr` ourselves.
    check(unsafe { libc::write(fd.as_fd().as_raw_fd(), ptr.cast(), len) })
}

/// `pread(2)` into a raw pointer.
///
/// # Safety
///
/// As for [`read`].
pub unsafe fn pread(fd: impl AsFd, ptr: *mut u8, len: usize, offset: u64) -> io::Result<usize> {
    // SAFETY: forwarded to the caller; the fd is open.
    check(unsafe { libc::pread64(fd.as_fd().as_raw_fd(), ptr.cast(), len, offset as i64) })
}

/// `pwrite(2)` from a raw pointer (which may be unmapped).
pub fn pwrite(fd: impl AsFd, ptr: *const u8, len: usize, offset: u64) -> io::Result<usize> {
    // SAFETY: as for `write`.
    check(unsafe { libc::pwrite64(fd.as_fd().as_raw_fd(), ptr.cast(), len, offset as i64) })
}

/// `lseek(2)` with any `whence`, including invalid ones.
pub fn lseek(fd: impl AsFd, offset: i64, whence: i32) -> io::Result<u64> {
    // SAFETY: plain syscall on an open fd, no memory involved.
    let ret = unsafe { libc::lseek64(fd.as_fd().as_raw_fd(), offset, whence) };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as u64)
    }
}

/// Installs a do-nothing handler for `SIGUSR1` without `SA_RESTART`, so a
/// blocking call in a thread hit by `SIGUSR1` returns `EINTR`.
pub fn install_sigusr1_eintr_handler() {
    extern "C" fn noop(_: libc::c_int) {}
    // SAFETY: a zeroed sigaction is valid; the handler is async-signal-safe
    // (does nothing).
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = noop as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        sa.sa_flags = 0;
        assert_eq!(libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()), 0);
    }
}

/// Sends `SIGUSR1` to a thread of this process.
pub fn signal_thread(thread: libc::pthread_t) {
    // SAFETY: `thread` is a live thread (its JoinHandle is held by the
    // caller), and SIGUSR1 has a handler.
    let rc = unsafe { libc::pthread_kill(thread, libc::SIGUSR1) };
    // ESRCH: the thread already finished; nothing left to interrupt.
    assert!(rc == 0 || rc == libc::ESRCH, "pthread_kill: {rc}");
}
