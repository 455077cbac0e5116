//! The CI workflow template (grading/ci/grade-submission.yml) cannot run
//! here; this checks that it parses as YAML and keeps its shape: a Debian 12
//! container whose steps run `lab -- grade` on the checked-out submission.

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
