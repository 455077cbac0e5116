//! `lab grade --expect`: a submission's `expect.toml` says which clauses it
//! must lose, and how (failed, crashed, timed out); without one, it must get
//! full marks.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

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
    /// A handout's score per lab part ("1" = 4, ...), when given; then `failed` is compared
    /// only if it is given too (a starter loses most clauses: its floor is its part scores).
    #[serde(default)]
    pub parts: std::collections::BTreeMap<String, u32>,
    /// The build must fail, its message holding these strings in this
    /// order (`failed` and `crashed` are then not checked: nothing ran).
    #[serde(default)]
    pub build_error: Vec<String>,
    /// Host paths (absolute, or relative to the kit's checkout) that must
    /// not exist after the grade: what a hostile build tried to write.
    #[serde(default)]
    pub absent: Vec<PathBuf>,
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
    let mut problems = Vec::new();
    for p in &want.absent {
        let p = crate::paths::repo_root().join(p);
        if std::fs::symlink_metadata(&p).is_ok() {
            problems.push(format!(
                "{} exists: the submission's build wrote outside its build copy \
                 (or an earlier unsandboxed run left it: remove it and grade again)",
                p.display()
            ));
        }
    }
    if !want.build_error.is_empty() {
        match &g.build_error {
            None => problems.push(format!(
                "built, expected a build failure saying {:?}",
                want.build_error
            )),
            Some(text) => {
                let mut at = 0;
                for part in &want.build_error {
                    match text[at..].find(part.as_str()) {
                        Some(i) => at += i + part.len(),
                        None => {
                            problems.push(format!(
                                "the build failure does not say {part:?} (after the parts before it); it says:\n{text}"
                            ));
                            break;
                        }
                    }
                }
            }
        }
        if g.score != 0 {
            problems.push(format!("score {}, expected 0", g.score));
        }
        if !problems.is_empty() {
            bail!("{}: {}", g.submission, problems.join("; "));
        }
        return Ok(());
    }
    if let Some(e) = &g.build_error {
        problems.push(format!("the build failed: {e}"));
    }
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
    let by_parts = !want.parts.is_empty() && want.failed.is_empty();
    for (what, got, want) in [
        ("failed", &failed, &want.failed),
        ("crashed", &crashed, &want_crashed),
        ("timed out", &timed_out, &want.timed_out),
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

/// The `grade.json` in `out` is the grade the runner made, `g`: no build
/// (this submission's or a later one's) rewrote it.
pub fn check_on_disk(out: &Path, g: &GradeReport) -> Result<()> {
    let path = out.join(results::layout::GRADE_JSON);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let ours = serde_json::to_value(g)?;
    let disk: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not the runner's JSON", path.display()))?;
    if disk != ours {
        bail!(
            "{}: {} differs from the grade the runner wrote",
            g.submission,
            path.display()
        );
    }
    Ok(())
}
