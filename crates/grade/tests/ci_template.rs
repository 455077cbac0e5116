//! The CI templates (grading/ci/grade-submission.yml for GitHub Actions,
//! grading/ci/.gitlab-ci.yml for GitLab CI) cannot run here; this checks
//! that they parse as YAML and keep their shape: a Debian 12 container whose
//! steps run `lab -- grade` on the checked-out submission, and (GitHub
//! Classroom was shut down on 2026-08-28) no GitHub Classroom action.

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

#[test]
fn gitlab_template_parses_and_grades_in_debian_12() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../grading/ci/.gitlab-ci.yml"
    );
    let doc: Value = serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let job = &doc["grade"];
    assert_eq!(job["image"].as_str(), Some("debian:12"));
    let script: Vec<&str> = job["script"]
        .as_sequence()
        .expect("script")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        script
            .iter()
            .any(|r| r.contains("-p lab -- grade") && r.contains("$CI_PROJECT_DIR")),
        "no script line runs lab grade on the project: {script:?}"
    );
    // The kernel cache must be inside the project directory to be cached.
    let cached = job["cache"]["paths"][0].as_str().expect("a cache path");
    assert!(job["variables"]["MYMEM_CACHE"]
        .as_str()
        .is_some_and(|c| c.ends_with(cached)));
    assert_eq!(job["artifacts"]["when"].as_str(), Some("always"));
}
