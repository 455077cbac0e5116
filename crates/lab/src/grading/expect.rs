//! `lab grade --expect`: a submission's `expect.toml` says which clauses it
//! must lose and which groups must crash; without one, it must get full marks.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use results::{ClauseStatus, GradeReport};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Clause ids that fail (or are not implemented), outside crashed groups.
    #[serde(default)]
    pub failed: BTreeSet<String>,
    /// Groups whose run crashes the kernel.
    #[serde(default)]
    pub crashed: BTreeSet<String>,
    /// The score out of the rubric's total, when given.
    pub score: Option<u32>,
}

pub const FILE: &str = "expect.toml";

pub fn load(dir: &Path) -> Result<Expect> {
    let path = dir.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("{}", path.display())),
        Err(_) => Ok(Expect::default()),
    }
}

pub fn check(dir: &Path, g: &GradeReport) -> Result<()> {
    let want = load(dir)?;
    let failed: BTreeSet<String> = g
        .clauses
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                ClauseStatus::Fail | ClauseStatus::NotImplemented | ClauseStatus::NotRun
            )
        })
        .map(|c| c.id.clone())
        .collect();
    let crashed: BTreeSet<String> = g.crashes.iter().map(|c| c.group.clone()).collect();
    let mut problems = Vec::new();
    for (what, got, want) in [
        ("failed", &failed, &want.failed),
        ("crashed", &crashed, &want.crashed),
    ] {
        let extra: Vec<_> = got.difference(want).collect();
        let missing: Vec<_> = want.difference(got).collect();
        if !extra.is_empty() {
            problems.push(format!("{what} but not expected: {extra:?}"));
        }
        if !missing.is_empty() {
            problems.push(format!("expected {what} but not: {missing:?}"));
        }
    }
    if let Some(score) = want.score.filter(|s| *s != g.score) {
        problems.push(format!("score {}, expected {score}", g.score));
    }
    if !problems.is_empty() {
        bail!("{}: {}", g.submission, problems.join("; "));
    }
    Ok(())
}
