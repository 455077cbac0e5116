//! Every data format that crosses a crate boundary, and the run directory
//! they live in.
//!
//! | file | written by | format |
//! |---|---|---|
//! | `bench.json` | `mymem bench --json` (guest) | [`BenchReport`], [`bench`] |
//! | `race.json` | `mymem race --json` (guest) | [`RaceReport`], [`race`] |
//! | `stress.json` | `mymem stress --json` (guest) | [`StressReport`], [`stress`] |
//! | `kernel.json`, `kernel-bench-<n>.json` | `cat /dev/mymem_test` (kernel/mymem_test/report.rs), one per in-kernel round | [`KernelReport`], [`kernel`] |
//! | `misuse.json`, `misuse-exclusive.json` | `mymem misuse --json` (guest) | [`MisuseReport`], [`misuse`] |
//! | `matrix.json` | `mymem matrix --json` (guest) | [`MatrixReport`], [`matrix`] |
//! | `run.json` | the host runner (`lab`) | [`RunInfo`], [`run`] |
//! | `compile-fail/compile-fail.json` | the host runner (`lab`) | [`CompileFailReport`], [`compile_fail`] |
//! | `<submission>/grade.json` | `lab grade` | [`GradeReport`], [`grade`] |
//!
//! Readers are the runner's suites (`lab`, `lab compare`) and the report (`report`); both judge
//! a Rust/C comparison by the rules of [`verdict`].
//! Where the files are: [`layout`]. Each root type carries a `schema` string
//! ([`Document::SCHEMA`]); an incompatible change bumps it, an added
//! optional field (`#[serde(default)]`) does not. [`parse`] checks the
//! schema before the fields, so a file of another version says so.

pub mod bench;
pub mod compile_fail;
pub mod env;
pub mod grade;
pub mod kernel;
pub mod layout;
pub mod matrix;
pub mod misuse;
pub mod race;
pub mod run;
pub mod stats;
pub mod stress;
pub mod table;
pub mod verdict;

pub use bench::{
    BenchConfig, BenchReport, Comparison, Op, Series, SeriesKind, Skipped, BENCH_SCHEMA,
};
pub use compile_fail::{CompileFailReport, Evidence, Side, COMPILE_FAIL_SCHEMA};
pub use env::EnvStamp;
pub use grade::{
    BootCpu, ClauseResult, ClauseStatus, Crash, GradeReport, PartScore, Timeout, GRADE_SCHEMA,
};
pub use kernel::{
    KernelBenchRow, KernelBuffers, KernelParams, KernelRaceRow, KernelReport, KERNEL_SCHEMA,
};
pub use matrix::{MatrixConfig, MatrixReport, MatrixRun, MATRIX_SCHEMA};
pub use misuse::{DeviceMisuse, MisuseReport, Probe, ProcessRace, MISUSE_SCHEMA};
pub use race::{RaceConfig, RaceReport, RaceSummary, RaceTrial, Strategy, RACE_SCHEMA};
pub use run::{ModuleInfo, ModuleRole, RunInfo, RUN_SCHEMA};
pub use stats::{RelDiff, Summary};
pub use stress::{Deviation, Outcomes, PhaseReport, StressConfig, StressReport, STRESS_SCHEMA};
pub use verdict::Verdict;

use anyhow::{ensure, Result};
use serde::de::DeserializeOwned;

/// The root of a JSON result file.
pub trait Document: DeserializeOwned {
    /// The `schema` value this type reads and writes.
    const SCHEMA: &'static str;
    /// The `schema` field.
    fn schema(&self) -> &str;
}

/// Parses a result file, checking its `schema` first: a file of another
/// version fails with "schema "x", expected "y"" rather than a missing field.
pub fn parse<T: Document>(text: &str) -> Result<T> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let found = value.get("schema").and_then(|s| s.as_str());
    ensure!(
        found == Some(T::SCHEMA),
        "schema {found:?}, expected {:?}",
        T::SCHEMA
    );
    Ok(T::deserialize(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_checks_the_schema_first() {
        let e = parse::<RunInfo>(r#"{"schema":"mymem-run/0"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"schema Some("mymem-run/0"), expected "mymem-run/1""#
        );
        let e = parse::<RunInfo>(r#"{"schema":"mymem-run/1"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field"), "{e}");
    }
}
