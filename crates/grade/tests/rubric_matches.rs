//! The rubric against what it grades: every conformance test
//! (crates/conformance/tests/*.rs) has a clause, every clause id exists, and
//! every id appears in docs/device.md. A test added or renamed elsewhere
//! fails here, by name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use grade::Rubric;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `<file>::<test>` of every `#[test]` fn in the conformance tests.
fn conformance_tests() -> BTreeSet<String> {
    let dir = root().join("crates/conformance/tests");
    let mut tests = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let file = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut pending = false;
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let line = line.trim();
            if line.starts_with("#[test]") {
                pending = true;
            } else if pending {
                let sig = line.strip_prefix("pub ").unwrap_or(line);
                if let Some(name) = sig.strip_prefix("fn ").and_then(|s| s.split('(').next()) {
                    tests.insert(format!("{file}::{name}"));
                    pending = false;
                }
            }
        }
    }
    tests
}

fn rubric() -> Rubric {
    Rubric::load(&root().join("grading/rubric.toml")).unwrap()
}

#[test]
fn every_conformance_test_is_a_clause_and_back() {
    let tests = conformance_tests();
    assert!(tests.len() > 40, "found only {} tests", tests.len());
    let rubric = rubric();
    let clauses: BTreeSet<String> = rubric
        .clauses
        .iter()
        .filter(|c| c.group == "conformance")
        .map(|c| c.id.clone())
        .collect();
    let unlisted: Vec<_> = tests.difference(&clauses).collect();
    let gone: Vec<_> = clauses.difference(&tests).collect();
    assert!(
        unlisted.is_empty() && gone.is_empty(),
        "grading/rubric.toml vs crates/conformance/tests: tests without a clause {unlisted:?}; \
         clauses without a test {gone:?} (add/rename them in the rubric and in docs/device.md)"
    );
}

#[test]
fn every_clause_id_is_in_the_contract() {
    let doc = std::fs::read_to_string(root().join("docs/device.md")).unwrap();
    let section = doc
        .split("## Clause ids")
        .nth(1)
        .expect("docs/device.md has a Clause ids section");
    let missing: Vec<_> = rubric()
        .clauses
        .iter()
        .filter(|c| !section.contains(&format!("`{}`", c.id)))
        .map(|c| c.id.clone())
        .collect();
    assert!(missing.is_empty(), "not in docs/device.md: {missing:?}");
}

#[test]
fn the_rubric_totals_100() {
    assert_eq!(rubric().total(), 100);
}
