//! Reading a run directory. Only run.json is required: every other input
//! that is missing or unreadable becomes a note in its section.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{ensure, Context, Result};
use mymem_cli::report_json::{BenchReport, RaceReport, BENCH_SCHEMA, RACE_SCHEMA};
use serde::de::DeserializeOwned;

use crate::kernel_json::{KernelReport, KERNEL_SCHEMA};
use crate::run_info::{RunInfo, RUN_SCHEMA};

/// Input files, relative to the run directory (also used as link targets).
pub const RUN_JSON: &str = "run.json";
pub const HELLO_TXT: &str = "lab/results/hello.txt";
pub const BENCH_JSON: &str = "lab/results/bench.json";
pub const RACE_JSON: &str = "lab/results/race.json";
pub const KERNEL_JSON: &str = "lab/results/kernel.json";

/// An optional input.
#[derive(Debug)]
pub enum Input<T> {
    Missing,
    /// Present but unusable: why.
    Invalid(String),
    Ok(T),
}

impl<T> Input<T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Input::Ok(t) => Some(t),
            _ => None,
        }
    }

    /// Why there is no value, as a sentence about `path`.
    pub fn why_not(&self, path: &str) -> Option<String> {
        match self {
            Input::Ok(_) => None,
            Input::Missing => Some(format!("`{path}` is missing: this run did not produce it.")),
            Input::Invalid(e) => Some(format!("`{path}` could not be read: {e}")),
        }
    }
}

pub struct Inputs {
    pub run: RunInfo,
    pub hello: Input<String>,
    pub bench: Input<BenchReport>,
    pub race: Input<RaceReport>,
    pub kernel: Input<KernelReport>,
}

impl Inputs {
    pub fn load(run_dir: &Path) -> Result<Self> {
        let path = run_dir.join(RUN_JSON);
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let run: RunInfo =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        ensure!(
            run.schema == RUN_SCHEMA,
            "{}: schema {:?}, expected {RUN_SCHEMA:?}",
            path.display(),
            run.schema
        );
        Ok(Self {
            run,
            hello: optional(run_dir, HELLO_TXT, Ok),
            bench: json(run_dir, BENCH_JSON, BENCH_SCHEMA),
            race: json(run_dir, RACE_JSON, RACE_SCHEMA),
            kernel: json(run_dir, KERNEL_JSON, KERNEL_SCHEMA),
        })
    }
}

fn optional<T>(run_dir: &Path, rel: &str, parse: impl FnOnce(String) -> Result<T>) -> Input<T> {
    match fs::read_to_string(run_dir.join(rel)) {
        Err(e) if e.kind() == ErrorKind::NotFound => Input::Missing,
        Err(e) => Input::Invalid(e.to_string()),
        Ok(text) => match parse(text) {
            Ok(v) => Input::Ok(v),
            Err(e) => Input::Invalid(format!("{e:#}")),
        },
    }
}

/// Parses a JSON input, checking its `schema` first so that a file of
/// another version is reported as such rather than as a missing field.
fn json<T: DeserializeOwned>(run_dir: &Path, rel: &str, schema: &str) -> Input<T> {
    optional(run_dir, rel, |text| {
        let value: serde_json::Value = serde_json::from_str(&text)?;
        let found = value.get("schema").and_then(|s| s.as_str());
        ensure!(
            found == Some(schema),
            "schema {found:?}, expected {schema:?}"
        );
        Ok(T::deserialize(value)?)
    })
}
