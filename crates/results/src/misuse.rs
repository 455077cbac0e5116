//! `misuse.json` and `misuse-exclusive.json`: `mymem misuse --json` (schema
//! [`MISUSE_SCHEMA`]), the lab's part 3 "other kinds of unsafe behaviour",
//! demonstrated on each driver: what the driver refuses, and what it leaves
//! to the program.

use serde::{Deserialize, Serialize};

use crate::{Document, EnvStamp};

pub const MISUSE_SCHEMA: &str = "mymem-misuse/1";

/// Every demonstration on every device of one `mymem misuse` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MisuseReport {
    pub schema: String,
    pub env: EnvStamp,
    /// The module was loaded with `exclusive=1` (`--exclusive`): only the
    /// exclusive-open checks ran.
    pub exclusive: bool,
    pub devices: Vec<DeviceMisuse>,
}

impl Document for MisuseReport {
    const SCHEMA: &'static str = MISUSE_SCHEMA;
    fn schema(&self) -> &str {
        &self.schema
    }
}

/// The demonstrations on one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceMisuse {
    pub device: String,
    /// Buffer size in bytes (MYMEM_IOC_SIZE).
    pub size: u64,
    /// Single calls and what they returned, in order.
    pub probes: Vec<Probe>,
    /// Two processes racing on the counter, per strategy (empty with `--exclusive`).
    pub processes: Vec<ProcessRace>,
}

/// One call and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// Short key, e.g. `pread-past-end`.
    pub name: String,
    /// The call as made, e.g. `pread(fd, 8 bytes, offset size + 1)`.
    pub call: String,
    /// What the device contract (docs/device.md) says it gives, e.g. `EINVAL`.
    pub expected: String,
    /// What it gave: an errno name (`EBADF`) or `returned <n>`.
    pub got: String,
}

impl Probe {
    pub fn ok(&self) -> bool {
        self.got == self.expected
    }
}

/// Separate processes (not threads) each doing `iterations` increments of the
/// counter at offset 0 through their own open file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRace {
    /// `none` (lseek + read + lseek + write) or `fetch-add` (MYMEM_IOC_FETCH_ADD).
    pub strategy: String,
    pub processes: u32,
    pub iterations: u64,
    pub expected: u64,
    pub actual: u64,
}

impl ProcessRace {
    /// Increments lost: expected - actual (0 if none were).
    pub fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.actual)
    }
}
