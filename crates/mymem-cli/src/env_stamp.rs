//! Collects the environment stamp written into every report.

use std::time::{SystemTime, UNIX_EPOCH};

use results::EnvStamp;

pub use results::env::UNKNOWN;

/// Stamps the running system; never fails (missing facts become `unknown`).
pub fn collect() -> EnvStamp {
    let uname = rustix::system::uname();
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let vcpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or_else(|_| cpuinfo_processors(&cpuinfo));
    EnvStamp {
        kernel_release: uname.release().to_string_lossy().into_owned(),
        kernel_version: uname.version().to_string_lossy().into_owned(),
        accel: accel_from_cmdline(&cmdline),
        clock: lab_word(&cmdline, "lab.clock="),
        cpu_model: cpu_model(&cpuinfo).unwrap_or_else(|| UNKNOWN.into()),
        vcpus: u32::try_from(vcpus).unwrap_or(u32::MAX),
        rustc_version: env!("MYMEM_RUSTC_VERSION").into(),
        tool_version: tool_version(),
        optimized: !cfg!(debug_assertions),
        unix_time_s: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    }
}

pub fn tool_version() -> String {
    format!("mymem {}", env!("CARGO_PKG_VERSION"))
}

/// Value of `lab.accel=` (set by the lab runner), else `unknown`.
pub fn accel_from_cmdline(cmdline: &str) -> String {
    lab_word(cmdline, "lab.accel=")
}

/// Value of `key` (e.g. `lab.clock=`) on a kernel command line, else `unknown`.
pub fn lab_word(cmdline: &str, key: &str) -> String {
    cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key))
        .filter(|v| !v.is_empty())
        .unwrap_or(UNKNOWN)
        .to_string()
}

/// First `model name` of /proc/cpuinfo (x86; other arches differ).
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_string())
    })
}

fn cpuinfo_processors(cpuinfo: &str) -> usize {
    cpuinfo
        .lines()
        .filter(|l| l.split(':').next().map(str::trim) == Some("processor"))
        .count()
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accel() {
        assert_eq!(
            accel_from_cmdline("console=ttyS0 lab.accel=kvm panic=-1\n"),
            "kvm"
        );
        assert_eq!(accel_from_cmdline("lab.accel=tcg"), "tcg");
        assert_eq!(accel_from_cmdline("console=ttyS0 lab.accel="), "unknown");
        assert_eq!(accel_from_cmdline(""), "unknown");
        let line = "console=ttyS0 lab.accel=tcg lab.clock=icount";
        assert_eq!(lab_word(line, "lab.clock="), "icount");
        assert_eq!(lab_word("lab.accel=tcg", "lab.clock="), "unknown");
    }

    #[test]
    fn cpuinfo() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: QEMU Virtual CPU version 2.5+\n\nprocessor\t: 1\nmodel name\t: QEMU Virtual CPU version 2.5+\n";
        assert_eq!(
            cpu_model(text).as_deref(),
            Some("QEMU Virtual CPU version 2.5+")
        );
        assert_eq!(cpuinfo_processors(text), 2);
        assert_eq!(cpu_model("processor : 0\n"), None);
    }

    #[test]
    fn stamp_is_filled() {
        let s = collect();
        assert!(!s.kernel_release.is_empty());
        assert!(s.vcpus >= 1);
        assert!(s.rustc_version.starts_with("rustc "), "{}", s.rustc_version);
        assert!(s.tool_version.starts_with("mymem "));
    }
}
