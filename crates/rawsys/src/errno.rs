//! The errno vocabulary: rustix's [`Errno`], and the names reports print.

pub use rustix::io::Errno;

/// The symbolic name of `e` (`"EFAULT"`), for the errnos the device
/// contract uses; `"errno N"` for any other.
pub fn name(e: Errno) -> String {
    const NAMES: [(Errno, &str); 11] = [
        (Errno::PERM, "EPERM"),
        (Errno::AGAIN, "EAGAIN"),
        (Errno::INTR, "EINTR"),
        (Errno::BADF, "EBADF"),
        (Errno::FAULT, "EFAULT"),
        (Errno::BUSY, "EBUSY"),
        (Errno::INVAL, "EINVAL"),
        (Errno::MFILE, "EMFILE"),
        (Errno::NOTTY, "ENOTTY"),
        (Errno::NOSPC, "ENOSPC"),
        (Errno::DEADLK, "EDEADLK"),
    ];
    NAMES.iter().find(|(x, _)| *x == e).map_or_else(
        || format!("errno {}", e.raw_os_error()),
        |(_, n)| (*n).into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_libc_values() {
        assert_eq!(name(Errno::FAULT), "EFAULT");
        assert_eq!(Errno::FAULT.raw_os_error(), libc::EFAULT);
        assert_eq!(Errno::DEADLK.raw_os_error(), libc::EDEADLK);
        assert_eq!(name(Errno::from_raw_os_error(999)), "errno 999");
    }
}
