//! The guest environment stamp every tool report carries.

use serde::{Deserialize, Serialize};

/// Where and with what a report was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvStamp {
    /// `uname -r`.
    pub kernel_release: String,
    /// `uname -v`.
    pub kernel_version: String,
    /// `lab.accel=` from /proc/cmdline (`kvm`, `tcg`), else `unknown`.
    pub accel: String,
    /// First `model name` of /proc/cpuinfo, else `unknown`.
    pub cpu_model: String,
    /// CPUs this process may run on.
    pub vcpus: u32,
    /// `rustc --version` of the compiler that built the tool.
    pub rustc_version: String,
    /// `mymem <version>`.
    pub tool_version: String,
    /// Compiled with optimisations (release profile).
    pub optimized: bool,
    /// Seconds since the Unix epoch when the run started (guest clock).
    pub unix_time_s: u64,
    /// `lab.clock=` from /proc/cmdline: `wall` (guest time follows the host's) or `icount`
    /// (1 ns per executed guest instruction, deterministic); `unknown` outside the lab and in
    /// reports written before the field existed.
    #[serde(default = "unknown")]
    pub clock: String,
}

/// What a stamp field holds when it could not be determined.
pub const UNKNOWN: &str = "unknown";

fn unknown() -> String {
    UNKNOWN.into()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A stamp for round-trip tests.
    pub fn env() -> EnvStamp {
        EnvStamp {
            kernel_release: "7.3.4".into(),
            kernel_version: "#1 SMP PREEMPT".into(),
            accel: "tcg".into(),
            cpu_model: "QEMU Virtual CPU version 2.5+".into(),
            vcpus: 2,
            rustc_version: "rustc 1.96.0".into(),
            tool_version: "mymem 0.1.0".into(),
            optimized: true,
            unix_time_s: 1,
            clock: "icount".into(),
        }
    }
}

#[cfg(test)]
mod clock_tests {
    use super::*;

    #[test]
    fn env_without_clock_reads_as_unknown() {
        let mut value = serde_json::to_value(tests::env()).unwrap();
        value.as_object_mut().unwrap().remove("clock");
        let back: EnvStamp = serde_json::from_value(value).unwrap();
        assert_eq!(back.clock, "unknown");
    }
}
