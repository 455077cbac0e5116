//! `stress.json`: `mymem stress --json` (schema [`STRESS_SCHEMA`]).
//!
//! Any incompatible change bumps the schema string; adding an optional
//! field (`#[serde(default)]`) does not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Document, EnvStamp};

pub const STRESS_SCHEMA: &str = "mymem-stress/1";

impl Document for StressReport {
    const SCHEMA: &'static str = STRESS_SCHEMA;
    fn schema(&self) -> &str {
        &self.schema
    }
}

/// `mymem stress --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressReport {
    /// `mymem-stress/1`.
    pub schema: String,
    pub env: EnvStamp,
    pub seed: u64,
    /// A command line that replays the run (same operations per worker).
    pub replay: String,
    pub config: StressConfig,
    /// Every operation of every phase.
    pub ops: u64,
    pub ops_by_kind: BTreeMap<String, u64>,
    /// `kind -> outcome -> count` (`ok`, `short` = cut by a fault, errno names).
    pub outcomes: Outcomes,
    /// Operations per second of the random phase (all workers together).
    pub ops_per_s: f64,
    /// Wall time of the whole run.
    pub duration_s: f64,
    pub phases: Vec<PhaseReport>,
    /// Results where the contract allows either answer, by which one came.
    pub notes: BTreeMap<String, u64>,
    pub deviation_count: u64,
    /// Every deviation (not only the listed ones) counted by kind: device,
    /// operation, expected and got with the numbers blanked out.
    pub deviation_summary: BTreeMap<String, u64>,
    /// The first deviations (at most `config.max_deviations`).
    pub deviations: Vec<Deviation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressConfig {
    pub devices: Vec<String>,
    /// Buffer size of each device, as MYMEM_IOC_SIZE reported it.
    pub sizes: Vec<u64>,
    pub procs: u32,
    pub threads: u32,
    /// Operation budget of the random phase, if any.
    pub ops_limit: Option<u64>,
    /// Time budget of the random phase, if any.
    pub duration_limit_s: Option<u64>,
    pub phases: Vec<String>,
    /// `USER_PTR_MAX` as probed; the oracle's `access_ok` bound.
    pub user_ptr_max: u64,
    pub max_deviations: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseReport {
    pub name: String,
    pub ops: u64,
    pub duration_s: f64,
    pub ops_per_s: f64,
    pub deviation_count: u64,
    pub skipped: u64,
}

/// One result that differs from the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deviation {
    /// `random`, `lock-kill`, `close-race`, `fd-limit`.
    pub phase: String,
    pub device: String,
    /// Worker (thread) index within the phase; its random stream is number `worker` of the seed.
    pub worker: u32,
    /// Index of the operation in the worker's stream.
    pub seq: u64,
    pub op: String,
    /// The arguments and the state the expectation was computed from.
    pub args: String,
    pub expected: String,
    pub got: String,
}

/// `kind -> outcome -> count`.
pub type Outcomes = BTreeMap<String, BTreeMap<String, u64>>;
