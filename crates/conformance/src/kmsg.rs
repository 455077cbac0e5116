//! Scanning the kernel log for warnings, BUGs and oopses.

use std::os::fd::OwnedFd;
use std::process::Command;

use rustix::fs::{Mode, OFlags, SeekFrom};
use rustix::io::Errno;

/// Substrings that mean the kernel complained.
pub const BAD_PATTERNS: &[&str] = &[
    "WARNING:",
    "BUG:",
    "Oops",
    "Call Trace",
    "kernel BUG",
    "cut here",
    "general protection fault",
    "UBSAN:",
    "Kernel panic",
];

/// Whether a log line shows a kernel complaint.
pub fn is_bad(line: &str) -> bool {
    BAD_PATTERNS.iter().any(|p| line.contains(p))
}

/// Records the kernel logs on its own (timekeeping under emulation, module
/// taint on first load) that tests counting a driver's lines must ignore.
pub fn is_noise(line: &str) -> bool {
    const PREFIXES: &[&str] = &["clocksource:", "tsc:", "random:", "hrtimer:", "sched: RT"];
    line.trim().is_empty()
        || line.contains("taints kernel")
        || PREFIXES.iter().any(|p| line.trim_start().starts_with(p))
}

/// A reader of kernel log records: `/dev/kmsg` when it exists, else the
/// output of `dmesg`.
pub struct Kmsg {
    fd: Option<OwnedFd>,
    dmesg_seen: usize,
}

impl Kmsg {
    /// Yields only records logged from now on.
    pub fn since_now() -> Kmsg {
        let mut k = Kmsg::from_boot();
        match &k.fd {
            Some(fd) => {
                rustix::fs::seek(fd, SeekFrom::End(0)).expect("lseek /dev/kmsg SEEK_END");
            }
            None => k.dmesg_seen = dmesg().len(),
        }
        k
    }

    /// Yields every record still in the log buffer.
    pub fn from_boot() -> Kmsg {
        let fd = rustix::fs::open(
            "/dev/kmsg",
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok();
        Kmsg { fd, dmesg_seen: 0 }
    }

    /// The message text of the records logged since the last call.
    pub fn new_lines(&mut self) -> Vec<String> {
        let Some(fd) = &self.fd else {
            let all = dmesg();
            let new = all.get(self.dmesg_seen..).unwrap_or_default().to_vec();
            self.dmesg_seen = all.len();
            return new;
        };
        let mut lines = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match rustix::io::read(fd, &mut buf[..]) {
                Ok(0) | Err(Errno::AGAIN) => break,
                Ok(n) => {
                    let rec = String::from_utf8_lossy(&buf[..n]);
                    // "prio,seq,time,flags;text\n" then " KEY=value" lines.
                    let text = rec.lines().next().unwrap_or_default();
                    let text = text.split_once(';').map_or(text, |(_, t)| t);
                    lines.push(text.to_owned());
                }
                // Records were overwritten before we read them: go on.
                Err(Errno::PIPE) => continue,
                Err(e) => panic!("read /dev/kmsg: {e}"),
            }
        }
        lines
    }

    /// Panics if a record logged since the last call shows a complaint.
    #[track_caller]
    pub fn assert_clean(&mut self, what: &str) {
        let lines = self.new_lines();
        let bad: Vec<_> = lines.iter().filter(|l| is_bad(l)).collect();
        assert!(
            bad.is_empty(),
            "{what}: kernel log shows problems:\n{}",
            lines.join("\n")
        );
    }
}

fn dmesg() -> Vec<String> {
    let out = Command::new("dmesg").output().expect("run dmesg");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_lines() {
        assert!(is_bad("WARNING: CPU: 1 PID: 42 at mm/vmalloc.c:3000"));
        assert!(is_bad("BUG: kernel NULL pointer dereference, address: 0"));
        assert!(is_bad("Oops: 0002 [#1] SMP"));
        assert!(is_bad(" Call Trace:"));
        assert!(!is_bad("mymem: loaded, 524288 bytes"));
        assert!(is_noise(
            "clocksource: Watchdog remote CPU 1 read timed out"
        ));
        assert!(is_noise("mymem: loading out-of-tree module taints kernel."));
        assert!(!is_noise("mymem_c: unloaded"));
    }
}
