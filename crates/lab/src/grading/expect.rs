//! `lab grade --expect`: a submission's `expect.toml` says which clauses it
//! must lose, and how (failed, crashed, timed out); without one, it must get
//! full marks.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use results::{ClauseStatus, GradeReport};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Clause ids that fail, are not implemented or are not run.
    #[serde(default)]
    pub failed: BTreeSet<String>,
    /// Clause ids whose check fails the kernel (oops, WARN, a refused
    /// reload); a group name stands for all its clauses (a crash at load).
    #[serde(default)]
    pub crashed: BTreeSet<String>,
    /// Clause ids whose check times out ("load" for the first insmod).
    #[serde(default)]
    pub timed_out: BTreeSet<String>,
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
    let with = |status: ClauseStatus| -> BTreeSet<String> {
        g.clauses
            .iter()
            .filter(|c| c.status == status)
            .map(|c| c.id.clone())
            .collect()
    };
    let crashed = with(ClauseStatus::Crashed);
    // A group name in `crashed`: every clause of it.
    let want_crashed: BTreeSet<String> = want
        .crashed
        .iter()
        .flat_map(|w| {
            let all: Vec<String> = g
                .clauses
                .iter()
                .filter(|c| c.group == *w)
                .map(|c| c.id.clone())
                .collect();
            if all.is_empty() {
                vec![w.clone()]
            } else {
                all
            }
        })
        .collect();
    let mut timed_out = with(ClauseStatus::TimedOut);
    timed_out.extend(
        g.timeouts
            .iter()
            .filter(|t| t.clause == "load")
            .map(|t| t.clause.clone()),
    );
    let mut problems = Vec::new();
    for (what, got, want) in [
        ("failed", &failed, &want.failed),
        ("crashed", &crashed, &want_crashed),
        ("timed out", &timed_out, &want.timed_out),
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
