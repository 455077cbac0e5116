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
    /// A handout's score per lab part ("1" = 4, ...), when given; then `failed` is compared
    /// only if it is given too (a starter loses most clauses: its floor is its part scores).
    #[serde(default)]
    pub parts: std::collections::BTreeMap<String, u32>,
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
    let by_parts = !want.parts.is_empty() && want.failed.is_empty();
    for (what, got, want) in [
        ("failed", &failed, &want.failed),
        ("crashed", &crashed, &want.crashed),
    ] {
        if by_parts && what == "failed" {
            continue;
        }
        let extra: Vec<_> = got.difference(want).collect();
        let missing: Vec<_> = want.difference(got).collect();
        if !extra.is_empty() {
            problems.push(format!("{what} but not expected: {extra:?}"));
        }
        if !missing.is_empty() {
            problems.push(format!("expected {what} but not: {missing:?}"));
        }
    }
    for (part, score) in &want.parts {
        let got = g.parts.iter().find(|p| p.part.to_string() == *part);
        match got {
            Some(p) if p.score == *score => {}
            Some(p) => problems.push(format!("part {part}: score {}, expected {score}", p.score)),
            None => problems.push(format!("part {part}: not graded, expected {score}")),
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
