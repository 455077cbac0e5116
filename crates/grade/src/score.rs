//! Scoring: the rubric applied to what the guest observed.

use results::{BootCpu, ClauseResult, ClauseStatus, Crash, GradeReport, Timeout, GRADE_SCHEMA};

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
    /// Clause results of the checks that finished before any kernel problem.
    pub observations: Vec<Observation>,
    /// Kernel failures: one with a `clause` costs that clause; one without
    /// (at load) costs its group.
    pub crashes: Vec<Crash>,
    /// Checks that ran out of time.
    pub timeouts: Vec<Timeout>,
    /// Clauses never run, each with why (grading stopped after too many hangs...).
    pub not_run: Vec<(String, String)>,
    pub boot_cpus: Vec<BootCpu>,
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
                part: c.part,
                asked: c.asked.clone(),
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
        timeouts: sub.timeouts.clone(),
        boot_cpus: sub.boot_cpus.clone(),
        unscored,
        boots: sub.boots,
        elapsed_s: sub.elapsed_s,
        assignment: None,
        parts: Vec::new(),
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
    if let Some(crash) = sub.crashes.iter().find(|c| c.clause.as_deref() == Some(id)) {
        return (
            ClauseStatus::Crashed,
            format!("the kernel failed during this check: {}", crash.kind),
        );
    }
    if let Some(t) = sub.timeouts.iter().find(|t| t.clause == id) {
        return (
            ClauseStatus::TimedOut,
            format!("timed out after {} s: {}", t.seconds, t.check),
        );
    }
    if let Some((_, why)) = sub.not_run.iter().find(|(c, _)| c == id) {
        return (ClauseStatus::NotRun, why.clone());
    }
    if let Some(crash) = sub
        .crashes
        .iter()
        .find(|c| c.clause.is_none() && c.group == group)
    {
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
            clause: None,
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
    fn a_crash_or_timeout_in_a_check_costs_that_clause_only() {
        let mut s = sub();
        s.observations = vec![
            obs("rw::a", ClauseVerdict::Pass),
            obs("stress.contract", ClauseVerdict::Pass),
        ];
        s.crashes = vec![Crash {
            group: "conformance".into(),
            clause: Some("rw::b".into()),
            kind: "WARNING".into(),
            report: vec![],
            console: "boot-1/console.log".into(),
        }];
        s.timeouts = vec![Timeout {
            clause: "race.kernel-lock".into(),
            group: "race".into(),
            seconds: 30,
            check: "mymem race".into(),
            report: vec![],
            console: "boot-2/console.log".into(),
        }];
        s.not_run = vec![("seed.timing".into(), "grading stopped".into())];
        let g = score(&rubric(), &s);
        let status: Vec<_> = g.clauses.iter().map(|c| c.status).collect();
        assert_eq!(
            status,
            [
                ClauseStatus::Pass,
                ClauseStatus::Crashed,
                ClauseStatus::TimedOut,
                ClauseStatus::Pass,
                ClauseStatus::NotRun
            ]
        );
        assert_eq!(g.score, 12);
        assert_eq!(g.clauses[2].detail, "timed out after 30 s: mymem race");
        assert_eq!(g.timeouts.len(), 1);
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
