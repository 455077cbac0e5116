//! The report of the committed fixture run (tests/fixtures/run) must render
//! byte for byte as tests/golden/report.md and report.html, and every plot
//! file must be the SVG inlined in that HTML. The run lies at `results/run`
//! of a temporary directory, as a run lies at `results/<run-id>` of the
//! repository: the report links repository files (docs/modules.md, the
//! compile-fail programs) relative to that, and reads nothing outside the run.
//!
//! After an intended change of the report, regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p report --test golden` and review the diff.

use std::fs;
use std::path::{Path, PathBuf};

const PLOTS: [&str; 6] = [
    "latency_log.svg",
    "latency_linear.svg",
    "throughput.svg",
    "relative_to_c.svg",
    "race_error.svg",
    "race_throughput.svg",
];

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), dest).unwrap();
        }
    }
}

fn check(expected: &Path, actual: &str, update: bool) {
    if update {
        fs::create_dir_all(expected.parent().unwrap()).unwrap();
        fs::write(expected, actual).unwrap();
        return;
    }
    let want = fs::read_to_string(expected)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", expected.display()));
    if want != actual {
        let line = want
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the rendered report from line {}:\n  expected: {:?}\n  rendered: {:?}",
            expected.display(),
            line + 1,
            want.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn fixture_renders_byte_for_byte() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("results/run");
    copy_dir(&manifest().join("tests/fixtures/run"), &run);

    let rendered = report::render(&run).unwrap();
    let golden = manifest().join("tests/golden");
    let md = fs::read_to_string(&rendered.markdown).unwrap();
    let html = fs::read_to_string(&rendered.html).unwrap();
    check(&golden.join("report.md"), &md, update);
    check(&golden.join("report.html"), &html, update);

    let names: Vec<_> = rendered
        .plots
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, PLOTS);
    for p in &rendered.plots {
        let svg = fs::read_to_string(p).unwrap();
        assert!(
            html.contains(svg.trim_end()),
            "{} is not the SVG inlined in report.html",
            p.display()
        );
    }
}
