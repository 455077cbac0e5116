//! A grade as text: the terminal summary, `grade.md`, JUnit XML, and the
//! batch summary (CSV and Markdown tables, one JUnit XML).

use anyhow::Result;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use results::{ClauseStatus, GradeReport};
use std::time::Duration;

fn lost(g: &GradeReport) -> impl Iterator<Item = &results::ClauseResult> {
    g.clauses
        .iter()
        .filter(|c| !matches!(c.status, ClauseStatus::Pass | ClauseStatus::Skipped))
}

/// `score: 87/100`, then one line per clause that did not pass, with the
/// first lines of why.
pub fn summary(g: &GradeReport) -> String {
    let mut s = format!("score: {}/{}", g.score, g.total);
    if g.bonus > 0 {
        s.push_str(&format!(" (+{} bonus)", g.bonus));
    }
    s.push_str(&format!("  [{}]\n", what(g)));
    if let Some(e) = &g.build_error {
        s.push_str(&format!("  build failed:\n{}\n", indent(e, 4, 30)));
        return s;
    }
    for c in &g.crashes {
        s.push_str(&format!(
            "  CRASH in {} ({}): {}\n",
            c.clause
                .as_deref()
                .map_or(format!("group {}", c.group), str::to_string),
            c.kind,
            c.report.first().map_or("", |l| l.trim())
        ));
    }
    for t in &g.timeouts {
        s.push_str(&format!(
            "  TIMEOUT in {} after {} s: {}\n",
            t.clause, t.seconds, t.check
        ));
    }
    let mut crashed_shown = Vec::new();
    let group_crashed = |group: &str| {
        g.crashes
            .iter()
            .any(|c| c.clause.is_none() && c.group == group)
    };
    // A clause worth nothing (a profile's "not asked") costs nothing: not listed here.
    for c in lost(g).filter(|c| c.points > 0) {
        if c.status == ClauseStatus::Crashed && group_crashed(&c.group) {
            if !crashed_shown.contains(&c.group) {
                crashed_shown.push(c.group.clone());
                let n = lost(g).filter(|x| x.group == c.group).count();
                s.push_str(&format!(
                    "  {:<15} group {}: {n} clause(s) lost to the crash\n",
                    "CRASHED", c.group
                ));
            }
            continue;
        }
        s.push_str(&format!(
            "  {:<15} {} (-{}{})\n{}\n",
            c.status.as_str().to_uppercase(),
            c.id,
            c.points,
            if c.bonus { " bonus" } else { "" },
            indent(&c.detail, 6, 4)
        ));
    }
    s
}

/// `mymem_c: mymem_c on /dev/mymem`, or only the submission's name before
/// a module was built (no empty fields).
fn what(g: &GradeReport) -> String {
    match (g.module.is_empty(), g.device.is_empty()) {
        (false, false) => format!("{}: {} on {}", g.submission, g.module, g.device),
        (false, true) => format!("{}: {}", g.submission, g.module),
        _ => g.submission.clone(),
    }
}

fn indent(text: &str, by: usize, max_lines: usize) -> String {
    let pad = " ".repeat(by);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out: Vec<String> = lines
        .iter()
        .take(max_lines)
        .map(|l| format!("{pad}{l}"))
        .collect();
    if lines.len() > max_lines {
        out.push(format!("{pad}... ({} more lines)", lines.len() - max_lines));
    }
    out.join("\n")
}

/// `grade.md`: score, crashes with their decoded reports, then every clause.
pub fn markdown(g: &GradeReport) -> String {
    let mut s = format!("# Grade: {}\n\n", g.submission);
    if !g.module.is_empty() {
        s.push_str(&format!(
            "Module `{}`, device `{}`.\n\n",
            g.module, g.device
        ));
    }
    s.push_str(&format!("**score: {}/{}**", g.score, g.total));
    if g.bonus > 0 {
        s.push_str(&format!(" (+{} bonus)", g.bonus));
    }
    s.push_str(&format!(
        "\n\n{} boot(s), {:.0} s in all.\n",
        g.boots, g.elapsed_s
    ));
    if let Some(a) = &g.assignment {
        s.push_str(&format!("\nRubric profile: `{a}`.\n"));
    }
    if !g.parts.is_empty() {
        s.push_str("\n## Parts\n\n| part | what | graded in | score |\n|---|---|---|---|\n");
        for p in &g.parts {
            s.push_str(&format!(
                "| {} | {} | {} | {}/{}{} |\n",
                p.part,
                p.title,
                p.dirs
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                p.score,
                p.total,
                if p.bonus > 0 {
                    format!(" (+{} bonus)", p.bonus)
                } else {
                    String::new()
                }
            ));
        }
    }
    if let Some(e) = &g.build_error {
        s.push_str(&format!("\n## Build failed\n\n```\n{e}\n```\n"));
    }
    for b in &g.boot_cpus {
        s.push_str(&format!(
            "Boot {}: CPU `{}`, the guest sees {}.\n",
            b.boot,
            b.model,
            if b.guest_flags.is_empty() {
                "neither SMEP nor SMAP".to_string()
            } else {
                b.guest_flags.join(" and ")
            }
        ));
    }
    if !g.crashes.is_empty() {
        s.push_str("\n## Crashes\n");
        for c in &g.crashes {
            s.push_str(&format!(
                "\n### {} in {}\n\nConsole: `{}`\n\n```\n{}\n```\n",
                c.kind,
                c.clause
                    .as_deref()
                    .map_or(format!("group `{}`", c.group), |id| format!("`{id}`")),
                c.console,
                c.report.join("\n")
            ));
        }
    }
    if !g.timeouts.is_empty() {
        s.push_str("\n## Timed out\n");
        for t in &g.timeouts {
            s.push_str(&format!(
                "\n### `{}` after {} s\n\n`{}` did not end in time. Console: `{}`\n\n```\n{}\n```\n",
                t.clause,
                t.seconds,
                t.check,
                t.console,
                t.report.join("\n")
            ));
        }
    }
    let asked = g.clauses.iter().any(|c| !c.asked.is_empty());
    s.push_str(if asked {
        "\n## Clauses\n\n| clause | part | asked | points | status | why |\n|---|---|---|---|---|---|\n"
    } else {
        "\n## Clauses\n\n| clause | group | points | status | why |\n|---|---|---|---|---|\n"
    });
    for c in &g.clauses {
        let detail: Vec<&str> = c.detail.lines().filter(|l| !l.trim().is_empty()).collect();
        let second = if asked {
            format!(
                "{} | {}",
                c.part.map_or(String::new(), |p| p.to_string()),
                c.asked.replace('|', "\\|")
            )
        } else {
            c.group.clone()
        };
        s.push_str(&format!(
            "| `{}` | {} | {}/{}{} | {} | {} |\n",
            c.id,
            second,
            c.earned,
            c.points,
            if c.bonus { " bonus" } else { "" },
            c.status.as_str(),
            detail.join("<br>").replace('|', "\\|")
        ));
    }
    if !g.unscored.is_empty() {
        s.push_str(&format!(
            "\nResults not in the rubric (not scored): {}\n",
            g.unscored.join(", ")
        ));
    }
    s
}

/// JUnit XML: one test suite per clause group, one test case per clause
/// (skipped clauses as skipped; bonus clauses named so).
pub fn junit(g: &GradeReport) -> Result<String> {
    let mut report = Report::new(format!("lab grade {}", g.submission));
    if !g.parts.is_empty() {
        // A handout: one suite per part, its score in the suite's properties.
        for p in &g.parts {
            let mut suite = TestSuite::new(format!("grade.{}.part{}", g.submission, p.part));
            suite.add_property(quick_junit::Property::new("score", p.score.to_string()));
            suite.add_property(quick_junit::Property::new("total", p.total.to_string()));
            suite.add_test_cases(part_cases(g, p.part));
            report.add_test_suite(suite);
        }
        return Ok(report.to_string()?);
    }
    for group in crate::GROUPS {
        let mut suite = TestSuite::new(format!("grade.{}.{group}", g.submission));
        suite.add_test_cases(cases(g, group, &format!("grade.{group}")));
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}

/// JUnit XML for a whole batch: one test suite per submission (`grade.<submission>`, its grading
/// time as the suite's time), a test case per clause with class name `grade.<submission>.<group>`.
pub fn batch_junit(grades: &[GradeReport]) -> Result<String> {
    let mut report = Report::new("lab grade --batch");
    for g in grades {
        let mut suite = TestSuite::new(format!("grade.{}", g.submission));
        for group in crate::GROUPS {
            suite.add_test_cases(cases(g, group, &format!("grade.{}.{group}", g.submission)));
        }
        suite.set_time(Duration::from_secs_f64(g.elapsed_s.max(0.0)));
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}

/// The clauses of part `part` as test cases of class `grade.part<N>.<group>`.
fn part_cases(g: &GradeReport, part: u8) -> Vec<TestCase> {
    g.clauses
        .iter()
        .filter(|c| c.part == Some(part))
        .map(|c| case(c, &format!("grade.part{part}.{}", c.group)))
        .collect()
}

/// The clauses of `group` as test cases of class `classname`.
fn cases(g: &GradeReport, group: &str, classname: &str) -> Vec<TestCase> {
    g.clauses
        .iter()
        .filter(|c| c.group == group)
        .map(|c| case(c, classname))
        .collect()
}

fn case(c: &results::ClauseResult, classname: &str) -> TestCase {
    {
        {
            let status = match c.status {
                ClauseStatus::Pass => TestCaseStatus::success(),
                ClauseStatus::Skipped => TestCaseStatus::skipped(),
                ClauseStatus::TimedOut => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
                    st.set_type("timeout")
                        .set_message(format!("timed out (-{} points)", c.points))
                        .set_description(c.detail.as_str());
                    st
                }
                other => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    st.set_message(format!("{} (-{} points)", other.as_str(), c.points))
                        .set_description(c.detail.as_str());
                    st
                }
            };
            let mut case = TestCase::new(c.id.as_str(), status);
            case.set_classname(classname).set_time(Duration::ZERO);
            case
        }
    }
}

/// One row per submission: CSV (`submission,score,total,bonus,crashes,failed,seconds`).
pub fn batch_csv(grades: &[GradeReport]) -> String {
    let mut s = String::from("submission,score,total,bonus,crashes,failed_clauses,seconds\n");
    for g in grades {
        let failed: Vec<&str> = lost(g).map(|c| c.id.as_str()).collect();
        s.push_str(&format!(
            "{},{},{},{},{},\"{}\",{:.0}\n",
            g.submission,
            g.score,
            g.total,
            g.bonus,
            g.crashes.len(),
            failed.join(" "),
            g.elapsed_s
        ));
    }
    s
}

/// The batch table as Markdown, with the mean time per submission.
pub fn batch_markdown(grades: &[GradeReport]) -> String {
    let mut s = String::from(
        "# Grades\n\n| submission | score | bonus | crashes | clauses lost | time |\n|---|---|---|---|---|---|\n",
    );
    for g in grades {
        s.push_str(&format!(
            "| {} | {}/{} | {} | {} | {} | {:.0} s |\n",
            g.submission,
            g.score,
            g.total,
            g.bonus,
            g.crashes.len(),
            lost(g).count(),
            g.elapsed_s
        ));
    }
    if !grades.is_empty() {
        let total: f64 = grades.iter().map(|g| g.elapsed_s).sum();
        s.push_str(&format!(
            "\n{} submission(s), {:.0} s in all, {:.0} s per submission.\n",
            grades.len(),
            total,
            total / grades.len() as f64
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{score, ClauseVerdict, Observation, Rubric, Submission};

    fn grade() -> GradeReport {
        let rubric = Rubric::parse(
            "[[clause]]\nid='rw::a'\ngroup='conformance'\npoints=5\n\
             [[clause]]\nid='seed.timing'\ngroup='seed'\npoints=3\n",
        )
        .unwrap();
        let sub = Submission {
            name: "alice".into(),
            module: "mymem".into(),
            device: "/dev/mymem".into(),
            groups: crate::GROUPS.iter().map(|g| g.to_string()).collect(),
            observations: vec![
                Observation {
                    id: "rw::a".into(),
                    verdict: ClauseVerdict::Fail,
                    detail: "pread 8 bytes at 0: expected [1], got [0]".into(),
                },
                Observation {
                    id: "seed.timing".into(),
                    verdict: ClauseVerdict::Pass,
                    detail: String::new(),
                },
            ],
            ..Default::default()
        };
        score(&rubric, &sub)
    }

    #[test]
    fn a_build_failure_s_score_line_has_no_empty_fields() {
        let mut g = grade();
        g.module.clear();
        g.device.clear();
        g.build_error = Some("x.c:1:1: error: y".into());
        let s = summary(&g);
        assert!(s.contains("/8  [alice]\n  build failed:\n"), "{s}");
        assert!(!markdown(&g).contains("Module ``"));
    }

    #[test]
    fn summary_names_each_lost_clause_with_why() {
        let s = summary(&grade());
        assert!(s.starts_with("score: 3/8"), "{s}");
        assert!(s.contains("FAIL            rw::a (-5)"), "{s}");
        assert!(s.contains("expected [1], got [0]"), "{s}");
        assert!(!s.contains("seed.timing"), "{s}");
    }

    #[test]
    fn markdown_csv_and_junit() {
        let g = grade();
        assert!(markdown(&g).contains("| `rw::a` | conformance | 0/5 | fail |"));
        let csv = batch_csv(std::slice::from_ref(&g));
        assert_eq!(csv.lines().nth(1), Some("alice,3,8,0,0,\"rw::a\",0"));
        assert!(batch_markdown(std::slice::from_ref(&g)).contains("| alice | 3/8 |"));
        let xml = junit(&g).unwrap();
        assert!(
            xml.contains("name=\"rw::a\"") && xml.contains("fail (-5 points)"),
            "{xml}"
        );
    }

    #[test]
    fn timeouts_are_reported_as_timed_out_everywhere() {
        let rubric = Rubric::parse(
            "[[clause]]\nid='rw::a'\ngroup='conformance'\npoints=5\n\
             [[clause]]\nid='rw::b'\ngroup='conformance'\npoints=3\n",
        )
        .unwrap();
        let sub = Submission {
            name: "alice".into(),
            groups: crate::GROUPS.iter().map(|g| g.to_string()).collect(),
            observations: vec![Observation {
                id: "rw::a".into(),
                verdict: ClauseVerdict::Pass,
                detail: String::new(),
            }],
            timeouts: vec![results::Timeout {
                clause: "rw::b".into(),
                group: "conformance".into(),
                seconds: 20,
                check: "/lab/tests/rw --exact b".into(),
                report: vec!["[<0>] msleep+0x2f/0x40".into()],
                console: "boot-1/console.log".into(),
            }],
            boot_cpus: vec![results::BootCpu {
                boot: 1,
                model: "qemu64,+smep,+smap (tcg)".into(),
                guest_flags: vec!["smep".into(), "smap".into()],
            }],
            ..Default::default()
        };
        let g = score(&rubric, &sub);
        assert_eq!(g.score, 5);
        let md = markdown(&g);
        assert!(
            md.contains("| `rw::b` | conformance | 0/3 | timed-out | timed out after 20 s"),
            "{md}"
        );
        assert!(
            md.contains("## Timed out") && md.contains("msleep+0x2f"),
            "{md}"
        );
        assert!(
            md.contains("Boot 1: CPU `qemu64,+smep,+smap (tcg)`, the guest sees smep and smap.")
        );
        assert!(summary(&g).contains("TIMEOUT in rw::b after 20 s"));
        let xml = junit(&g).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let err = doc.descendants().find(|n| n.has_tag_name("error")).unwrap();
        assert_eq!(err.attribute("type"), Some("timeout"));
        assert_eq!(err.attribute("message"), Some("timed out (-3 points)"));
    }

    #[test]
    fn batch_junit_has_a_suite_per_submission() {
        let mut bob = grade();
        bob.submission = "bob".into();
        bob.elapsed_s = 42.0;
        let xml = batch_junit(&[grade(), bob]).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suites: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        let names: Vec<_> = suites.iter().map(|s| s.attribute("name")).collect();
        assert_eq!(names, [Some("grade.alice"), Some("grade.bob")]);
        let bob = &suites[1];
        assert_eq!(bob.attribute("tests"), Some("2"));
        assert_eq!(bob.attribute("failures"), Some("1"));
        assert_eq!(
            bob.attribute("time").map(|t| t.parse::<f64>().unwrap()),
            Some(42.0)
        );
        let failed = bob
            .children()
            .find(|c| c.attribute("name") == Some("rw::a"))
            .unwrap();
        assert_eq!(failed.attribute("classname"), Some("grade.bob.conformance"));
        assert!(failed.children().any(|c| c.has_tag_name("failure")));
    }
}
