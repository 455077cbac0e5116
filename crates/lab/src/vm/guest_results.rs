//! Reading what a guest scenario left in its `/results`.

use anyhow::{Context, Result};
use results::Document;

use crate::vm::guest::Outcome;

pub fn read_result(outcome: &Outcome, name: &str) -> Result<String> {
    let path = outcome.results().join(name);
    std::fs::read_to_string(&path)
        .with_context(|| format!("guest result {} missing", path.display()))
}

/// A guest result file in one of the `results` formats, schema checked.
pub fn read_json<T: Document>(outcome: &Outcome, name: &str) -> Result<T> {
    results::parse(&read_result(outcome, name)?)
        .with_context(|| format!("guest result {name} of '{}'", outcome.dir.display()))
}
