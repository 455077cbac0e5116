//! Finding kernel failures in the guest console: oops, BUG, WARN, panic,
//! lockdep, KASAN, kmemleak, hung tasks. Only kernel lines (with the
//! `[  12.345678]` PRINTK_TIME prefix) are scanned, so a test's own output
//! that mentions "BUG:" cannot trip it.

/// Markers of a kernel problem, matched against the message after the timestamp.
const PATTERNS: &[&str] = &[
    "WARNING:",
    "BUG:",
    "Oops",
    "Kernel panic",
    "general protection fault",
    "Unable to handle kernel",
    "possible circular locking dependency",
    "possible recursive locking",
    "inconsistent lock state",
    "suspicious RCU usage",
    "KASAN:",
    "UBSAN:",
    "suspected memory leak",
    "unreferenced object",
    "blocked for more than",
    "soft lockup",
    "hard LOCKUP",
    "rcu_preempt detected stalls",
    "Call Trace:",
];

/// Lines the kernel prints that look alarming but are expected in the lab.
const BENIGN: &[&str] = &[
    // Loading out-of-tree modules taints the kernel; not a failure.
    "loading out-of-tree module taints kernel",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based line number in the console log.
    pub line: usize,
    pub pattern: &'static str,
    /// The matched line and the kernel lines after it (the report body).
    pub context: Vec<String>,
}

/// The message of a kernel console line, or None for other output.
pub fn kernel_message(line: &str) -> Option<&str> {
    let line = line.trim_start_matches(['\r', '\u{1b}']);
    let rest = line.strip_prefix('[')?;
    let (stamp, msg) = rest.split_once(']')?;
    let stamp = stamp.trim();
    let (secs, micros) = stamp.split_once('.')?;
    (!secs.is_empty()
        && secs.bytes().all(|b| b.is_ascii_digit())
        && micros.bytes().all(|b| b.is_ascii_digit()))
    .then(|| msg.strip_prefix(' ').unwrap_or(msg))
}

/// Every place a kernel problem starts, with up to `context` kernel lines of it.
pub fn scan(console: &str, context: usize) -> Vec<Finding> {
    let lines: Vec<&str> = console.lines().collect();
    let mut findings = Vec::new();
    let mut skip_until = 0;
    for (i, line) in lines.iter().enumerate() {
        if i < skip_until {
            continue;
        }
        let Some(msg) = kernel_message(line) else {
            continue;
        };
        if BENIGN.iter().any(|b| msg.contains(b)) {
            continue;
        }
        if let Some(pattern) = PATTERNS.iter().find(|p| msg.contains(*p)) {
            let body: Vec<String> = lines[i..]
                .iter()
                .filter(|l| kernel_message(l).is_some())
                .take(context)
                .map(|l| l.to_string())
                .collect();
            // One report is one finding: skip the lines it already covers.
            skip_until = i + body.len();
            findings.push(Finding {
                line: i + 1,
                pattern,
                context: body,
            });
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_kernel_lines_only() {
        assert_eq!(
            kernel_message("[    1.234567] hello: hi"),
            Some("hello: hi")
        );
        assert_eq!(kernel_message("[12345.000001] x"), Some("x"));
        assert_eq!(kernel_message("BUG: in my test output"), None);
        assert_eq!(kernel_message("[not a stamp] BUG:"), None);
    }

    #[test]
    fn finds_warn_with_its_trace() {
        let log = "boot\n[    0.1] ok\n[    2.000001] ------------[ cut here ]------------\n\
                   [    2.000002] WARNING: CPU: 1 PID: 42 at lab_fault.c:10 init+0x5/0x10\n\
                   [    2.000003] Call Trace:\n[    2.000004]  <TASK>\nuser output\n[    3.0] later\n";
        let f = scan(log, 3);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].pattern, "WARNING:");
        assert_eq!(f[0].line, 4);
        assert_eq!(f[0].context.len(), 3);
        assert!(f[0].context[1].contains("Call Trace:"));
    }

    #[test]
    fn each_problem_kind_is_found() {
        for msg in [
            "BUG: kernel NULL pointer dereference, address: 0000000000000000",
            "Oops: general protection fault, probably for non-canonical address",
            "Kernel panic - not syncing: lab_fault: panic requested",
            "WARNING: possible circular locking dependency detected",
            "BUG: KASAN: slab-out-of-bounds in foo",
            "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
            "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580",
            "WARNING: inconsistent lock state",
            "INFO: task insmod:70 blocked for more than 10 seconds.",
        ] {
            let log = format!("[    5.500000] {msg}\n");
            assert_eq!(scan(&log, 5).len(), 1, "{msg}");
        }
    }

    #[test]
    fn clean_and_benign_logs_pass() {
        let log = "[    0.5] mymem: loading out-of-tree module taints kernel.\n\
                   [    0.1] kmemleak: Kernel memory leak detector initialized (mem pool available: 15672)\n\
                   [    0.1] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar\n\
                   [    0.6] mymem: 524288-byte buffer at /dev/mymem\n\
                   test x ... BUG: not a kernel line\n";
        assert!(scan(log, 5).is_empty());
    }
}
