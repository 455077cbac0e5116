//! Raw system calls with arbitrary arguments, including invalid pointers and
//! file descriptors another thread may close at any moment.
//!
//! rustix's safe wrappers take slices and `BorrowedFd`s, which by design
//! cannot carry NULL, kernel or unmapped addresses, nor an fd that is being
//! closed concurrently; so the calls that need those go through libc with
//! plain integers and return the raw errno. Memory and rlimits use rustix.

use std::ffi::c_void;
use std::os::fd::{IntoRawFd, RawFd};
use std::path::Path;

use rustix::fs::{Mode, OFlags};

/// A syscall's non-negative result, or its errno.
pub type SysResult = Result<u64, i32>;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn check(r: i64) -> SysResult {
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as u64)
    }
}

// SAFETY (all transfer calls below): the kernel validates `addr..addr+len`
// and never writes outside memory that is mapped writable in this process.
// Callers only point at memory no Rust reference covers during the call (the
// per-thread arena) or at addresses that are not writable at all.

/// read(2) into `addr`.
pub fn read(fd: RawFd, addr: u64, len: u64) -> SysResult {
    // SAFETY: see above.
    check(unsafe { libc::read(fd, addr as *mut c_void, len as usize) } as i64)
}

/// write(2) from `addr`.
pub fn write(fd: RawFd, addr: u64, len: u64) -> SysResult {
    // SAFETY: the kernel only reads user memory here.
    check(unsafe { libc::write(fd, addr as *const c_void, len as usize) } as i64)
}

/// pread(2) into `addr` at `off`.
pub fn pread(fd: RawFd, addr: u64, len: u64, off: i64) -> SysResult {
    // SAFETY: see above.
    check(unsafe { libc::pread64(fd, addr as *mut c_void, len as usize, off) } as i64)
}

/// pwrite(2) from `addr` at `off`.
pub fn pwrite(fd: RawFd, addr: u64, len: u64, off: i64) -> SysResult {
    // SAFETY: the kernel only reads user memory here.
    check(unsafe { libc::pwrite64(fd, addr as *const c_void, len as usize, off) } as i64)
}

/// lseek(2) with any `whence`, valid or not.
pub fn lseek(fd: RawFd, off: i64, whence: u32) -> SysResult {
    // SAFETY: no memory is involved.
    check(unsafe { libc::lseek64(fd, off, whence as libc::c_int) })
}

/// ioctl(2) with any command and argument.
pub fn ioctl(fd: RawFd, cmd: u32, arg: u64) -> SysResult {
    // SAFETY: as for read(2); the mymem commands write at most 24 bytes at
    // `arg`, which callers point at their arena or at invalid addresses.
    check(i64::from(unsafe {
        libc::ioctl(fd, libc::c_ulong::from(cmd), arg as libc::c_ulong)
    }))
}

/// close(2) of a raw fd that may already be closed.
pub fn close(fd: RawFd) -> SysResult {
    // SAFETY: the fd is not owned by any Rust object (callers own raw fds).
    check(i64::from(unsafe { libc::close(fd) }))
}

/// Opens `path` read-write and gives up ownership of the fd.
pub fn open(path: &Path) -> SysResult {
    rustix::fs::open(path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())
        .map(|fd| fd.into_raw_fd() as u64)
        .map_err(|e| e.raw_os_error())
}

/// Whether `fd` is open in this process.
pub fn fd_is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only inspects the descriptor table.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

extern "C" fn on_wakeup(_: libc::c_int) {}

/// Installs a no-op SIGUSR1 handler (without SA_RESTART), so [`wake`] makes
/// an interruptible sleep such as MYMEM_IOC_LOCK return `EINTR` instead of
/// killing the process.
pub fn install_wakeup_handler() -> std::io::Result<()> {
    // SAFETY: a zeroed sigaction is valid; the handler is async-signal-safe
    // (it does nothing).
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_wakeup as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        sa.sa_flags = 0;
        if libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// This thread's pthread id, for [`wake`].
pub fn current_thread() -> u64 {
    // SAFETY: always safe to call.
    unsafe { libc::pthread_self() as u64 }
}

/// Sends SIGUSR1 to a thread of this process (see [`install_wakeup_handler`]).
pub fn wake(thread: u64) {
    // SAFETY: `thread` came from `current_thread` of a thread that is still
    // running (callers stop waking a thread before it is joined).
    unsafe {
        libc::pthread_kill(thread as libc::pthread_t, libc::SIGUSR1);
    }
}

/// The largest address the kernel's `access_ok` accepts (`USER_PTR_MAX`),
/// found without touching any memory: write(2) to /dev/null checks
/// `access_ok(NULL, len)` (that is, `len <= USER_PTR_MAX`) and copies nothing.
pub fn probe_user_ptr_max() -> std::io::Result<u64> {
    let fd = rustix::fs::open("/dev/null", OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())?;
    let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
    let ok = |len: u64| write(raw, 0, len).is_ok();
    if !ok(1 << 20) {
        return Err(std::io::Error::other(
            "write(/dev/null, NULL, 1 MiB) failed",
        ));
    }
    // Invariant: ok(lo), !ok(hi).
    let (mut lo, mut hi) = (1u64 << 20, u64::MAX);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_pointers_and_fds_give_errnos() {
        use crate::stress::oracle::errno::*;
        // Far above any descriptor limit, so never open.
        assert_eq!(read(1 << 30, 0, 1), Err(EBADF));
        assert_eq!(close(1 << 30), Err(EBADF));
        let zero = std::fs::File::open("/dev/zero").unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&zero);
        assert_eq!(read(fd, 0, 16), Err(EFAULT));
        assert_eq!(read(fd, 0xffff_8880_0000_0000, 16), Err(EFAULT));
        let mut buf = [1u8; 16];
        assert_eq!(read(fd, buf.as_mut_ptr() as u64, 16), Ok(16));
        assert_eq!(buf, [0; 16]);
        assert_eq!(lseek(fd, 0, 77), Err(EINVAL));
        assert!(fd_is_open(fd));
    }

    #[test]
    fn user_ptr_max_is_the_top_of_user_space() {
        let max = probe_user_ptr_max().unwrap();
        // 4-level paging: 2^47 - 4096; 5-level: 2^56 - 4096.
        assert!(
            max == (1 << 47) - 4096 || max == (1 << 56) - 4096,
            "{max:#x}"
        );
    }
}
