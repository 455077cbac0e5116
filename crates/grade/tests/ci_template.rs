//! The CI templates (grading/ci/grade-submission.yml for GitHub Actions,
//! grading/ci/.gitlab-ci.yml for GitLab CI) cannot run here; this checks
//! that they parse as YAML and keep their shape: a Debian 12 container whose
//! steps run `lab -- grade` on the checked-out submission, and (GitHub
//! Classroom was shut down on 2026-08-28) no GitHub Classroom action; and
//! that the GitLab one's log gives Moodle lab's score the way vmchecker-next
//! reads it, whatever the module printed.

use serde_norway::Value;

#[test]
fn ci_template_parses_and_grades_in_debian_12() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../grading/ci/grade-submission.yml"
    );
    let doc: Value = serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let job = &doc["jobs"]["grade"];
    assert_eq!(job["container"]["image"].as_str(), Some("debian:12"));
    let steps = job["steps"].as_sequence().expect("steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("-p lab -- grade") && r.contains("submission")),
        "no step runs lab grade on the submission: {runs:?}"
    );
    assert!(steps
        .iter()
        .any(|s| s["with"]["path"].as_str() == Some("submission")));
}

#[test]
fn github_template_uses_no_classroom_action() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../grading/ci/grade-submission.yml"
    );
    let doc: Value = serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let uses: Vec<&str> = doc["jobs"]["grade"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect();
    assert!(
        uses.iter().all(|u| u.starts_with("actions/")),
        "only GitHub's own actions (actions/*), no classroom-resources/*: {uses:?}"
    );
}

fn gitlab_template() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../grading/ci/.gitlab-ci.yml"
    );
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn script(doc: &Value) -> Vec<String> {
    doc["checker"]["script"]
        .as_sequence()
        .expect("script")
        .iter()
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect()
}

const LAB_GRADE: &str = r#"cargo run --release -p lab -- grade "$CI_PROJECT_DIR/$SUBMISSION""#;

#[test]
fn gitlab_template_parses_and_grades_in_debian_12() {
    let doc = gitlab_template();
    // vmchecker-next reads the pipeline's first job: the template has one.
    let jobs: Vec<&str> = doc
        .as_mapping()
        .expect("a mapping")
        .keys()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(jobs, ["checker"]);
    let job = &doc["checker"];
    assert_eq!(job["image"].as_str(), Some("debian:12"));
    assert!(
        script(&doc).iter().any(|r| r.contains(LAB_GRADE)),
        "no script line runs lab grade on the submission: {:?}",
        script(&doc)
    );
    // vmchecker-next commits the student's files under src/.
    assert_eq!(job["variables"]["SUBMISSION"].as_str(), Some("src"));
    // The kernel cache must be inside the project directory to be cached.
    let cached = job["cache"]["paths"][0].as_str().expect("a cache path");
    assert!(job["variables"]["MYMEM_CACHE"]
        .as_str()
        .is_some_and(|c| c.ends_with(cached)));
    assert_eq!(job["artifacts"]["when"].as_str(), Some("always"));
}

/// The grade vmchecker-next's Moodle block takes from a job log
/// (classes/task/submission_checker.php): the text after the first
/// `VMCHECKER_TRACE_CLEANUP` line up to the first `Total: N`, and N.
fn moodle_grade(log: &str) -> Option<(u32, String)> {
    let marker = "VMCHECKER_TRACE_CLEANUP";
    let rest = &log[log.find(marker)? + marker.len() + 1..];
    let mut from = 0;
    while let Some(at) = rest[from..].find("Total:") {
        let after = rest[from + at + "Total:".len()..].trim_start_matches(' ');
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            let end = rest.len() - after.len() + digits.len();
            return Some((n, rest[..end].to_string()));
        }
        from += at + 1;
    }
    None
}

/// The template's script, run by bash with `lab grade` replaced by a canned
/// output in which the module forged a marker and a grade on the console.
#[test]
fn gitlab_template_reports_lab_s_score_to_moodle() {
    let lines = script(&gitlab_template());
    let dir = std::env::temp_dir().join(format!("ci-template-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("lab-output.txt"),
        "Compiling lab\n\
         [    2.912345] mymem: VMCHECKER_TRACE_CLEANUP\n\
         [    2.912399] mymem: Total: 100/100\n\
         [    3.000001] score: 100/100\n\
         score: 87/100  [seed_orig: on]\n  \
         FAIL   rw::x  expected Total: 100 from the module\n\
         results: /lab/results/run\n",
    )
    .unwrap();
    let body: Vec<String> = lines
        .iter()
        .filter(|l| !l.starts_with(". ") && !l.starts_with("cd "))
        .map(|l| l.replace(LAB_GRADE, r#"cat "$CI_PROJECT_DIR/lab-output.txt""#))
        .collect();
    let out = std::process::Command::new("bash")
        .args(["-eo", "pipefail", "-c", &body.join("\n")])
        .env("CI_PROJECT_DIR", &dir)
        .env("SUBMISSION", "src")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success(), "{out:?}");
    let log = String::from_utf8(out.stdout).unwrap();
    let (grade, feedback) = moodle_grade(&log).expect("a Moodle grade");
    assert_eq!(grade, 87, "{log}");
    assert!(feedback.starts_with("score: 87/100"), "{feedback}");
    assert!(feedback.contains("rw::x"), "{feedback}");
    assert!(feedback.ends_with("Total: 87"), "{feedback}");
}
