//! Interrupting a thread blocked in the driver: a SIGUSR1 handler without
//! `SA_RESTART`, so the blocked call (an interruptible sleep such as
//! MYMEM_IOC_LOCK) returns `EINTR` instead of the process dying.

/// A thread of this process, as [`wake`] takes it.
pub type Thread = libc::pthread_t;

extern "C" fn on_wakeup(_: libc::c_int) {}

/// Installs a no-op SIGUSR1 handler without SA_RESTART (see the module docs).
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

/// This thread, for [`wake`].
pub fn current_thread() -> Thread {
    // SAFETY: always safe to call.
    unsafe { libc::pthread_self() }
}

/// Sends SIGUSR1 to `thread` (see [`install_wakeup_handler`]). A thread
/// that already finished is not an error: nothing is left to interrupt.
pub fn wake(thread: Thread) {
    // SAFETY: callers pass a thread of this process whose JoinHandle they
    // hold (it has not been joined), and SIGUSR1 has a handler.
    let rc = unsafe { libc::pthread_kill(thread, libc::SIGUSR1) };
    assert!(rc == 0 || rc == libc::ESRCH, "pthread_kill: {rc}");
}
