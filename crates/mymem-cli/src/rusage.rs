//! Process (and waited-for children's) CPU time from getrusage(2), which rustix does not wrap.

use std::io;
use std::mem::MaybeUninit;
use std::time::Duration;

/// User and system CPU time consumed so far by all threads of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTime {
    pub user: Duration,
    pub sys: Duration,
}

impl CpuTime {
    pub fn now() -> io::Result<Self> {
        Self::of(libc::RUSAGE_SELF)
    }

    /// User and system CPU time of every child this process has waited for.
    pub fn children() -> io::Result<Self> {
        Self::of(libc::RUSAGE_CHILDREN)
    }

    fn of(who: libc::c_int) -> io::Result<Self> {
        let mut ru = MaybeUninit::<libc::rusage>::uninit();
        // SAFETY: `who` is RUSAGE_SELF or RUSAGE_CHILDREN and `ru` points to
        // writable memory of the right type, which the kernel fills on success.
        if unsafe { libc::getrusage(who, ru.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: getrusage succeeded, so it initialised the whole struct.
        let ru = unsafe { ru.assume_init() };
        Ok(Self {
            user: timeval(ru.ru_utime),
            sys: timeval(ru.ru_stime),
        })
    }

    /// Time consumed since `earlier` (saturating: the counters only grow).
    pub fn since(self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user: self.user.saturating_sub(earlier.user),
            sys: self.sys.saturating_sub(earlier.sys),
        }
    }
}

fn timeval(tv: libc::timeval) -> Duration {
    let secs = u64::try_from(tv.tv_sec).unwrap_or(0);
    let micros = u32::try_from(tv.tv_usec).unwrap_or(0);
    Duration::new(secs, 0) + Duration::from_micros(u64::from(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_work() {
        let before = CpuTime::now().unwrap();
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let d = CpuTime::now().unwrap().since(before);
        assert!(d.user + d.sys > Duration::ZERO, "{d:?}");
    }
}
