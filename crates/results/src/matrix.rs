//! `matrix.json`: `mymem matrix --json` (schema [`MATRIX_SCHEMA`]), the lab's
//! part 4 "repeat part 3 with both the program and the driver in Rust": the
//! C program (`seed_counter`) and the Rust program (`mymem race --strategy
//! none`) on the C and the Rust driver, same W and N, each run as a child
//! process timed the same way.

use serde::{Deserialize, Serialize};

use crate::{Document, EnvStamp};

pub const MATRIX_SCHEMA: &str = "mymem-matrix/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixReport {
    pub schema: String,
    pub env: EnvStamp,
    pub config: MatrixConfig,
    /// Every run, in the order they ran.
    pub runs: Vec<MatrixRun>,
}

impl Document for MatrixReport {
    const SCHEMA: &'static str = MATRIX_SCHEMA;
    fn schema(&self) -> &str {
        &self.schema
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixConfig {
    /// Worker threads of each program.
    pub workers: u32,
    /// Increments per worker.
    pub iterations: u64,
    /// Runs per cell.
    pub trials: u32,
    /// Program name -> the command line template it ran with.
    pub programs: Vec<(String, String)>,
    pub devices: Vec<String>,
    /// How a run is timed.
    pub timing: String,
}

/// One run of one program on one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRun {
    /// `C` or `Rust` (the program's language).
    pub program: String,
    pub device: String,
    pub trial: u32,
    pub expected: u64,
    /// The counter at offset 0 after the program exited.
    pub actual: u64,
    /// fork to wait, CLOCK_MONOTONIC.
    pub wall_ns: u64,
    /// getrusage(RUSAGE_CHILDREN) deltas around the run.
    pub cpu_user_ns: u64,
    pub cpu_sys_ns: u64,
}

impl MatrixRun {
    pub fn lost(&self) -> u64 {
        self.expected.saturating_sub(self.actual)
    }

    pub fn cpu_ns(&self) -> u64 {
        self.cpu_user_ns + self.cpu_sys_ns
    }
}
