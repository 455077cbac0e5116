//! `lab test --junit FILE`: the suites' results as JUnit XML for CI.
//!
//! Shape: one `<testsuite name="lab">` with one test case per suite (its counts are those of
//! the `lab test: N passed, M failed` line), then one `<testsuite name="lab.<suite>">` per
//! suite whose guest ran libtest binaries (the conformance suites), with one test case per
//! `test name ... ok|FAILED|ignored` line of its consoles.

use anyhow::{Context, Result};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How one libtest test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestOutcome {
    Ok,
    Failed,
    Ignored,
}

/// One `test name ... result` line of the standard test harness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibTest {
    /// The test binary, from the conformance script's `== /lab/tests/<binary>` line.
    pub binary: Option<String>,
    pub name: String,
    pub verdict: TestOutcome,
    /// For a failed test: its captured output (`---- name stdout ----` section).
    pub output: String,
}

/// One suite's result and the scenario consoles it produced.
#[derive(Debug, Clone)]
pub struct SuiteRecord {
    pub name: String,
    pub time: Duration,
    /// The failure message, None when it passed.
    pub failure: Option<String>,
    pub tests: Vec<LibTest>,
}

/// Collects suite results while `lab test` runs.
pub struct Recorder {
    run_dir: PathBuf,
    started: SystemTime,
    pub records: Vec<SuiteRecord>,
}

impl Recorder {
    pub fn new(run_dir: &Path) -> Self {
        Recorder {
            run_dir: run_dir.to_path_buf(),
            started: SystemTime::now(),
            records: Vec::new(),
        }
    }

    /// Marks the start of a suite: consoles written from now on belong to it.
    pub fn start(&mut self) {
        self.started = SystemTime::now();
    }

    /// Records a finished suite with the libtest lines of every console it wrote.
    pub fn finish(&mut self, name: &str, time: Duration, result: &Result<()>) {
        let tests = consoles_since(&self.run_dir, self.started)
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .flat_map(|c| libtests(&c))
            .collect();
        self.records.push(SuiteRecord {
            name: name.to_string(),
            time,
            failure: result.as_ref().err().map(|e| format!("{e:#}")),
            tests,
        });
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let xml = render(&self.records)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))
    }
}

/// `console.log` files under the run directory modified at or after `since`, sorted.
fn consoles_since(run_dir: &Path, since: SystemTime) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(run_dir)
        .into_iter()
        .flatten()
        .filter_map(|e| Some(e.ok()?.path().join("console.log")))
        .filter(|p| {
            p.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
        })
        .collect();
    found.sort();
    found
}

/// The `test name ... ok|FAILED|ignored` lines of a console. A kernel message may split a
/// result line: before the verdict (then the verdict is the next line that is not a kernel
/// message), or inside the name or the ` ... ` (then the line goes on after the message).
pub fn libtests(console: &str) -> Vec<LibTest> {
    let lines: Vec<&str> = console.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut binary = None;
    let mut tests = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(path) = line.strip_prefix("== ") {
            binary = path.rsplit('/').next().map(str::to_string);
            continue;
        }
        let rejoined = rejoin(&lines, i);
        let line = rejoined.as_deref().unwrap_or(line);
        let Some((name, rest)) = line
            .strip_prefix("test ")
            .and_then(|l| l.split_once(" ... "))
        else {
            continue;
        };
        let mut verdict = parse_verdict(rest);
        if verdict.is_none() {
            verdict = lines[i + 1..]
                .iter()
                .find(|l| crate::vm::logscan::kernel_message(l).is_none())
                .and_then(|l| parse_verdict(l));
        }
        if let Some(verdict) = verdict {
            tests.push(LibTest {
                binary: binary.clone(),
                name: name.trim().to_string(),
                verdict,
                output: String::new(),
            });
        }
    }
    for t in tests
        .iter_mut()
        .filter(|t| t.verdict == TestOutcome::Failed)
    {
        t.output = failure_output(&lines, &t.name);
    }
    tests
}

/// Line `i` put back together when a kernel message cut a `test ` line before its ` ... `:
/// the text before the message, then the next line that is not a kernel message.
fn rejoin(lines: &[&str], i: usize) -> Option<String> {
    let line = lines[i];
    if !line.starts_with("test ") || line.contains(" ... ") {
        return None;
    }
    let cut = line
        .match_indices('[')
        .map(|(at, _)| at)
        .find(|&at| crate::vm::logscan::kernel_message(&line[at..]).is_some())?;
    let rest = lines[i + 1..]
        .iter()
        .find(|l| crate::vm::logscan::kernel_message(l).is_none())?;
    Some(format!("{}{rest}", &line[..cut]))
}

/// The lines libtest prints under `---- name stdout ----` for a failed test.
fn failure_output(lines: &[&str], name: &str) -> String {
    let header = format!("---- {name} stdout ----");
    let Some(start) = lines.iter().position(|l| *l == header) else {
        return String::new();
    };
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.starts_with("---- ") && **l != "failures:")
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn parse_verdict(text: &str) -> Option<TestOutcome> {
    // The word alone: a kernel message may follow it on the same line (`ok[   16.03] ...`).
    let text = text.trim_start();
    let word = &text[..text
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(text.len())];
    match word {
        "ok" => Some(TestOutcome::Ok),
        "FAILED" => Some(TestOutcome::Failed),
        "ignored" => Some(TestOutcome::Ignored),
        _ => None,
    }
}

/// The JUnit XML document for these suites.
pub fn render(records: &[SuiteRecord]) -> Result<String> {
    let mut report = Report::new("lab test");
    let mut top = TestSuite::new("lab");
    for r in records {
        let status = match &r.failure {
            None => TestCaseStatus::success(),
            Some(msg) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(msg.lines().next().unwrap_or_default().to_string())
                    .set_description(msg.as_str());
                s
            }
        };
        let mut case = TestCase::new(r.name.as_str(), status);
        case.set_classname("lab").set_time(r.time);
        top.add_test_case(case);
    }
    report.add_test_suite(top);
    for r in records.iter().filter(|r| !r.tests.is_empty()) {
        let mut suite = TestSuite::new(format!("lab.{}", r.name));
        for t in &r.tests {
            let status = match t.verdict {
                TestOutcome::Ok => TestCaseStatus::success(),
                TestOutcome::Ignored => TestCaseStatus::skipped(),
                TestOutcome::Failed => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message("FAILED (see the suite's console.log)")
                        .set_description(t.output.as_str());
                    s
                }
            };
            let mut case = TestCase::new(t.name.as_str(), status);
            let class = match &t.binary {
                Some(b) => format!("{}.{b}", r.name),
                None => r.name.clone(),
            };
            case.set_classname(class);
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONSOLE: &str = "== /lab/tests/contract-abc123\n\nrunning 4 tests\n\
        test read_past_end ... ok\n\
        test write_lock ... FAILED\n\
        test slow_one ... ignored, needs time\n\
        test split_by_kernel ... [    2.000001] mymem: a kernel line\nok\n\
        [    2.1] test not_a_test ... ok\n\
        failures:\n\n---- write_lock stdout ----\nassertion failed: locked\n\nfailures:\n    write_lock\n\n\
        test result: FAILED. 2 passed; 1 failed; 1 ignored; 0 measured\n";

    #[test]
    fn libtest_lines_are_parsed() {
        let t = libtests(CONSOLE);
        let got: Vec<_> = t.iter().map(|t| (t.name.as_str(), t.verdict)).collect();
        assert_eq!(
            got,
            [
                ("read_past_end", TestOutcome::Ok),
                ("write_lock", TestOutcome::Failed),
                ("slow_one", TestOutcome::Ignored),
                ("split_by_kernel", TestOutcome::Ok),
            ]
        );
        assert_eq!(t[0].binary.as_deref(), Some("contract-abc123"));
        assert_eq!(t[1].output, "assertion failed: locked");
    }

    /// Seen in a fresh-clone `make test-grade`: a module load message inside a test's name.
    #[test]
    fn a_name_cut_by_a_kernel_message_is_read() {
        let console = "test read_only_f[   16.608757] mymem: loaded: /dev/mymem, 524288 bytes\n\
            ile_maps_read_only ... ok\n\
            test shared_mapping_is_the_buffer ... ok\n";
        let got: Vec<_> = libtests(console)
            .into_iter()
            .map(|t| (t.name, t.verdict))
            .collect();
        assert_eq!(
            got,
            [
                ("read_only_file_maps_read_only".to_string(), TestOutcome::Ok),
                ("shared_mapping_is_the_buffer".to_string(), TestOutcome::Ok),
            ]
        );
    }

    /// Seen in a grade run: the verdict glued to the kernel message that follows it.
    #[test]
    fn a_verdict_followed_by_a_kernel_message_is_read() {
        let console = "test exclusive ... [   15.9] mymem_c: unloaded\n\
            ok[   16.0] mymem_c: loaded, /dev/mymem_c\n\
            test other ... FAILED[   17.0] mymem_c: unloaded\n";
        let got: Vec<_> = libtests(console)
            .into_iter()
            .map(|t| (t.name, t.verdict))
            .collect();
        assert_eq!(
            got,
            [
                ("exclusive".to_string(), TestOutcome::Ok),
                ("other".to_string(), TestOutcome::Failed)
            ]
        );
    }

    /// Parsed back with an independent XML parser: the `lab` suite's counts are the summary's.
    #[test]
    fn xml_counts_match_the_summary() {
        let records = vec![
            SuiteRecord {
                name: "hello".into(),
                time: Duration::from_secs(3),
                failure: None,
                tests: vec![],
            },
            SuiteRecord {
                name: "conformance-rust".into(),
                time: Duration::from_secs(30),
                failure: Some("guest tests failed\nmore <detail> & such".into()),
                tests: libtests(CONSOLE),
            },
        ];
        let xml = render(&records).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suite = |name: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some(name))
                .unwrap()
        };
        let lab = suite("lab");
        assert_eq!(lab.attribute("tests"), Some("2"));
        assert_eq!(lab.attribute("failures"), Some("1"));
        let conf = suite("lab.conformance-rust");
        assert_eq!(conf.attribute("tests"), Some("4"));
        assert_eq!(conf.attribute("failures"), Some("1"));
        assert_eq!(conf.attribute("skipped"), Some("1"));
        assert!(xml.contains("more &lt;detail&gt; &amp; such"), "{xml}");
        assert!(xml.contains("assertion failed: locked"), "{xml}");
    }
}
