//! Scoring: the rubric applied to what the guest observed.

use results::{ClauseResult, ClauseStatus, Crash, GradeReport, GRADE_SCHEMA};

use crate::markers::{ClauseVerdict, Observation};
use crate::rubric::Rubric;

/// Everything known about one graded submission.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub name: String,
    pub module: String,
    pub device: String,
    /// The groups graded (`--groups`); clauses of the others are skipped.
    pub groups: Vec<String>,
    /// The end of the build log when the module did not build.
    pub build_error: Option<String>,
    /// insmod's message when the module did not load.
    pub load_error: Option<String>,
    /// Clause results of the groups that finished without a crash.
    pub observations: Vec<Observation>,
    pub crashes: Vec<Crash>,
    pub boots: u32,
    pub elapsed_s: f64,
}

/// The grade of `sub` under `rubric`: every rubric clause once, in order.
pub fn score(rubric: &Rubric, sub: &Submission) -> GradeReport {
    let clauses: Vec<ClauseResult> = rubric
        .clauses
        .iter()
        .map(|c| {
            let (status, detail) = clause_status(&c.id, &c.group, sub);
            ClauseResult {
                id: c.id.clone(),
                group: c.group.clone(),
                points: c.points,
                bonus: c.bonus,
                earned: if status == ClauseStatus::Pass {
                    c.points
                } else {
                    0
                },
                status,
                detail,
            }
        })
        .collect();
    let counted = |bonus: bool| {
        clauses
            .iter()
            .filter(move |c| c.bonus == bonus && c.status != ClauseStatus::Skipped)
    };
    let mut unscored: Vec<String> = sub
        .observations
        .iter()
        .filter(|o| rubric.get(&o.id).is_none())
        .map(|o| o.id.clone())
        .collect();
    unscored.dedup();
    GradeReport {
        schema: GRADE_SCHEMA.into(),
        submission: sub.name.clone(),
        module: sub.module.clone(),
        device: sub.device.clone(),
        score: counted(false).map(|c| c.earned).sum(),
        total: counted(false).map(|c| c.points).sum(),
        bonus: counted(true).map(|c| c.earned).sum(),
        build_error: sub.build_error.clone(),
        clauses,
        crashes: sub.crashes.clone(),
        unscored,
        boots: sub.boots,
        elapsed_s: sub.elapsed_s,
    }
}

fn clause_status(id: &str, group: &str, sub: &Submission) -> (ClauseStatus, String) {
    if !sub.groups.iter().any(|g| g == group) {
        return (ClauseStatus::Skipped, "group not graded".into());
    }
    if sub.build_error.is_some() {
        return (ClauseStatus::NotRun, "the module did not build".into());
    }
    if let Some(e) = &sub.load_error {
        return (
            ClauseStatus::NotRun,
            format!("the module did not load: {e}"),
        );
    }
    if let Some(crash) = sub.crashes.iter().find(|c| c.group == group) {
        return (
            ClauseStatus::Crashed,
            format!("the kernel failed in group {group}: {}", crash.kind),
        );
    }
    // A test that ran twice (never, normally) counts by its worst verdict.
    let seen: Vec<&Observation> = sub.observations.iter().filter(|o| o.id == id).collect();
    if let Some(o) = seen.iter().find(|o| o.verdict == ClauseVerdict::Fail) {
        return (ClauseStatus::Fail, o.detail.clone());
    }
    if let Some(o) = seen
        .iter()
        .find(|o| o.verdict == ClauseVerdict::NotImplemented)
    {
        return (ClauseStatus::NotImplemented, o.detail.clone());
    }
    if !seen.is_empty() {
        return (ClauseStatus::Pass, String::new());
    }
    (
        ClauseStatus::Fail,
        "no result: the check did not run to its end".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rubric() -> Rubric {
        Rubric::parse(
            "[[clause]]\nid='rw::a'\ngroup='conformance'\npoints=5\n\
             [[clause]]\nid='rw::b'\ngroup='conformance'\npoints=5\n\
             [[clause]]\nid='race.kernel-lock'\ngroup='race'\npoints=3\n\
             [[clause]]\nid='stress.contract'\ngroup='stress'\npoints=7\n\
             [[clause]]\nid='seed.timing'\ngroup='seed'\npoints=2\nbonus=true\n",
        )
        .unwrap()
    }

    fn obs(id: &str, verdict: ClauseVerdict) -> Observation {
        Observation {
            id: id.into(),
            verdict,
            detail: format!("{id} detail"),
        }
    }

    fn sub() -> Submission {
        Submission {
            name: "s".into(),
            groups: crate::GROUPS.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn each_clause_earns_its_points_or_says_why_not() {
        let mut s = sub();
        s.observations = vec![
            obs("rw::a", ClauseVerdict::Pass),
            obs("rw::b", ClauseVerdict::Fail),
            obs("race.kernel-lock", ClauseVerdict::NotImplemented),
            obs("seed.timing", ClauseVerdict::Pass),
            obs("rw::new_test", ClauseVerdict::Pass),
        ];
        s.crashes = vec![Crash {
            group: "stress".into(),
            kind: "Oops".into(),
            report: vec![],
            console: "boot-1/console.log".into(),
        }];
        let g = score(&rubric(), &s);
        assert_eq!((g.score, g.total, g.bonus), (5, 20, 2));
        let status: Vec<_> = g.clauses.iter().map(|c| c.status).collect();
        assert_eq!(
            status,
            [
                ClauseStatus::Pass,
                ClauseStatus::Fail,
                ClauseStatus::NotImplemented,
                ClauseStatus::Crashed,
                ClauseStatus::Pass
            ]
        );
        assert_eq!(g.clauses[1].detail, "rw::b detail");
        assert_eq!(g.unscored, ["rw::new_test"]);
    }

    #[test]
    fn missing_results_fail_and_unselected_groups_do_not_count() {
        let mut s = sub();
        s.groups = vec!["conformance".into()];
        s.observations = vec![obs("rw::a", ClauseVerdict::Pass)];
        let g = score(&rubric(), &s);
        assert_eq!((g.score, g.total), (5, 10));
        assert_eq!(g.clauses[1].status, ClauseStatus::Fail);
        assert!(g.clauses[1].detail.contains("no result"));
        assert_eq!(g.clauses[2].status, ClauseStatus::Skipped);
    }

    #[test]
    fn build_and_load_failures_score_nothing() {
        let mut s = sub();
        s.build_error = Some("error: x".into());
        let g = score(&rubric(), &s);
        assert_eq!(g.score, 0);
        assert!(g.clauses.iter().all(|c| c.status == ClauseStatus::NotRun));
        let mut s = sub();
        s.load_error = Some("insmod: Invalid parameters".into());
        s.observations = vec![obs("rw::a", ClauseVerdict::Pass)];
        assert_eq!(score(&rubric(), &s).score, 0);
    }
}
