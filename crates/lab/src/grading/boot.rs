//! One guest boot of a grade: the submission loaded, the pending clause
//! groups run by guest/scripts/grade.sh, and what the console says about
//! each group: finished (its clause results), crashed (oops, panic, WARN,
//! hang: the decoded report), or not reached.

use std::path::Path;

use anyhow::Result;
use grade::{markers, ClauseVerdict, Marker, Observation};
use results::Crash;

use crate::build::kernel::Profile;
use crate::suites::junit;
use crate::vm::guest::{Lab, Outcome, Scenario};
use crate::vm::script::{guest_script, Exit, Script};

pub const GRADE: Script = guest_script!(
    "grade.sh",
    &[Exit::new("EXIT_LOAD", 13, "the submission did not load")]
);

/// Guest time each group may take (TCG); a boot's timeout is their sum plus boot time.
fn budget(group: &str) -> u64 {
    match group {
        "conformance" => 600,
        "stress" => 300,
        "race" => 240,
        _ => 120,
    }
}

/// Crash reports kept per crash, in lines.
const REPORT_LINES: usize = 60;

/// What a submission is graded as.
pub struct Target<'a> {
    /// `<submission>/boot-<n>` scenarios go under the run directory.
    pub name: &'a str,
    pub ko: &'a Path,
    pub module: &'a str,
    pub device: &'a str,
}

/// What one boot found out.
#[derive(Debug, Default)]
pub struct Boot {
    pub observations: Vec<Observation>,
    /// Groups that finished before any kernel problem.
    pub finished: Vec<String>,
    pub crash: Option<Crash>,
    /// insmod's message when the module never loaded.
    pub load_error: Option<String>,
}

pub fn script(t: &Target, groups: &[String]) -> String {
    GRADE.with(&[
        ("GROUPS", groups.join(" ")),
        ("MODULE", t.module.into()),
        ("MODDIR", "/lab/grade".into()),
        ("DEVICE", t.device.into()),
        ("SEED_TRIALS", "5".into()),
        ("STRESS_OPS", "5000".into()),
        ("CYCLES", "20".into()),
    ])
}

/// Boots once with `groups` pending and reads the outcome.
pub fn boot(lab: &Lab, t: &Target, groups: &[String], n: u32) -> Result<Boot> {
    // KASAN, lockdep and kmemleak slow the debug kernel down: same groups, more time.
    let slow = match lab.kernel.profile {
        Profile::Debug => 3,
        Profile::Lab => 1,
    };
    let mut scenario = Scenario::new(&format!("{}/boot-{n}", t.name), &script(t, groups))
        .timeout(60 + slow * groups.iter().map(|g| budget(g)).sum::<u64>());
    // A crash ends the boot at once, with the report that caused it.
    scenario.append = "oops=panic panic_on_warn=1".into();
    scenario
        .files
        .push((t.ko.to_path_buf(), format!("/lab/grade/{}.ko", t.module)));
    for (name, exe) in &lab.bins.tests {
        scenario
            .files
            .push((exe.clone(), format!("/lab/tests/{name}")));
    }
    for (name, exe) in &lab.bins.seed {
        scenario
            .files
            .push((exe.clone(), format!("/lab/bin/{name}")));
    }
    let outcome = lab.boot(&scenario)?;
    cap_logs(&outcome.dir);
    // The debug kernel's kmemleak scan at the end of the boot: shown and kept, not scored
    // (no rubric clause owns a leak, and the scan cannot say which group leaked).
    let leaks = outcome.results().join("kmemleak.txt");
    if std::fs::metadata(&leaks).is_ok_and(|m| m.len() > 0) {
        crate::cmd::note(&format!(
            "kmemleak reports unreferenced objects after this boot: {}",
            leaks.display()
        ));
    }
    if host_failure(&outcome) {
        // Not the submission's fault: stop with the runner's own message.
        outcome.verdict()?;
    }
    Ok(read(&outcome, &format!("boot-{n}/console.log")))
}

/// Whether a boot failed on the host side (results not stored, QEMU killed by
/// a signal we did not send, or a kernel that printed nothing), which must
/// not be scored as the submission's crash.
fn host_failure(outcome: &Outcome) -> bool {
    use std::os::unix::process::ExitStatusExt;
    !outcome.storage.is_empty()
        || (!outcome.timed_out
            && outcome.exit_code.is_none()
            && (outcome.qemu_status.signal().is_some() || outcome.console.trim().is_empty()))
}

/// Reads a finished boot's console: which groups finished, their clauses, the crash.
pub fn read(outcome: &Outcome, console_rel: &str) -> Boot {
    let lines: Vec<&str> = outcome.console.lines().collect();
    let first_problem = outcome.findings.first().map(|f| f.line);
    let before = |line: usize| first_problem.is_none_or(|p| line < p);
    let mut boot = Boot::default();
    let mut current: Option<(String, usize)> = None;
    for (line, marker) in markers::parse(&outcome.console) {
        if !before(line) {
            break;
        }
        match marker {
            Marker::Group(g) => current = Some((g, line)),
            Marker::End(g) => {
                if let Some((started, start)) = current.take().filter(|(s, _)| *s == g) {
                    if started == "conformance" {
                        let text = lines[start..line - 1].join("\n");
                        boot.observations.extend(conformance(&text));
                    }
                    boot.finished.push(started);
                }
            }
            Marker::Clause(o) => boot.observations.push(o),
            Marker::LoadFailed(msg) => match &current {
                None => boot.load_error = Some(msg),
                Some((g, _)) => {
                    boot.crash = Some(Crash {
                        group: g.clone(),
                        kind: "the module could not be loaded again".into(),
                        report: vec![msg],
                        console: console_rel.into(),
                    });
                    return boot;
                }
            },
        }
    }
    // Clauses of a group that did not finish do not count.
    let finished = boot.finished.clone();
    boot.observations
        .retain(|o| finished.iter().any(|g| group_of(&o.id) == Some(g.as_str())));
    let group = current.map_or("load".to_string(), |(g, _)| g);
    if let Some(f) = outcome.findings.first() {
        boot.crash = Some(Crash {
            group,
            kind: f.pattern.trim_end_matches(':').to_string(),
            report: f.context.iter().take(REPORT_LINES).cloned().collect(),
            console: console_rel.into(),
        });
    } else if outcome.timed_out || outcome.exit_code.is_none() {
        let last: Vec<String> = lines[lines.len().saturating_sub(20)..]
            .iter()
            .map(|l| l.to_string())
            .collect();
        boot.crash = Some(Crash {
            group,
            kind: if outcome.timed_out {
                format!("hang (no end within {} s)", outcome.timeout.as_secs())
            } else {
                "the guest died".into()
            },
            report: last,
            console: console_rel.into(),
        });
    }
    boot
}

/// The group a clause id belongs to, from its form: `<group>.<name>` for the
/// script's clauses, `<test binary>::<test>` for conformance.
fn group_of(id: &str) -> Option<&str> {
    if id.contains("::") {
        return Some("conformance");
    }
    id.split_once('.').map(|(g, _)| g)
}

/// The conformance tests of a console slice as clauses `<binary>::<test>`,
/// a failure's detail being its panic message.
pub fn conformance(console: &str) -> Vec<Observation> {
    junit::libtests(console)
        .into_iter()
        .filter(|t| t.verdict != junit::TestOutcome::Ignored)
        .map(|t| Observation {
            id: format!("{}::{}", t.binary.unwrap_or_default(), t.name),
            verdict: if t.verdict == junit::TestOutcome::Ok {
                ClauseVerdict::Pass
            } else {
                ClauseVerdict::Fail
            },
            detail: panic_message(&t.output),
        })
        .collect()
}

/// The message of a libtest failure without the `thread ... panicked at`
/// and `note: run with RUST_BACKTRACE` lines.
fn panic_message(output: &str) -> String {
    output
        .lines()
        .filter(|l| !(l.starts_with("thread '") && l.contains("panicked at")))
        .filter(|l| !l.starts_with("note: run with `RUST_BACKTRACE"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Console logs kept per boot are capped: a module that floods the console
/// keeps its first and last MiB.
const LOG_CAP: u64 = 2 << 20;

fn cap_logs(dir: &Path) {
    for name in ["console.log", crate::vm::decode::DECODED_LOG] {
        let path = dir.join(name);
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        if data.len() as u64 <= LOG_CAP {
            continue;
        }
        let half = (LOG_CAP / 2) as usize;
        let mut kept = data[..half].to_vec();
        kept.extend_from_slice(
            format!(
                "\n[... lab grade: {} bytes cut ...]\n",
                data.len() - 2 * half
            )
            .as_bytes(),
        );
        kept.extend_from_slice(&data[data.len() - half..]);
        let _ = std::fs::write(&path, kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::guest::tests::outcome;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    #[test]
    fn host_failures_are_not_the_submission_s_crash() {
        let panic = "[    1.0] Kernel panic - not syncing: Fatal exception\n";
        assert!(!host_failure(&outcome(panic, false)));
        assert!(!host_failure(&outcome("[    1.0] booting\n", true)));
        assert!(host_failure(&outcome("", false)));
        let mut killed = outcome("[    1.0] booting\n", false);
        killed.qemu_status = ExitStatus::from_raw(9);
        assert!(host_failure(&killed));
        let mut full = outcome(&format!("{CONFORMANCE}@@MYMEM-EXIT 0@@\n"), false);
        full.storage = vec!["the console log at /r/x: No space left on device".into()];
        assert!(host_failure(&full));
    }

    const CONFORMANCE: &str = "@@GRADE-GROUP conformance@@\n== /lab/tests/rw\n\
        test positions_are_independent ... FAILED\ntest default_size ... ok\n\n\
        failures:\n\n---- positions_are_independent stdout ----\n\
        thread 'positions_are_independent' panicked at crates/conformance/tests/rw.rs:140:5:\n\
        pread at 8 after a read on another file: expected [1, 2], got [3, 4]\n\
        note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\
        failures:\n    positions_are_independent\n\n\
        test result: FAILED. 1 passed; 1 failed; 0 ignored\n@@GRADE-END conformance@@\n";

    #[test]
    fn finished_groups_give_their_clauses() {
        let console = format!(
            "{CONFORMANCE}@@GRADE-GROUP seed@@\n@@GRADE-CLAUSE seed.timing pass @@\n\
             @@GRADE-END seed@@\n@@MYMEM-EXIT 0@@\n"
        );
        let b = read(&outcome(&console, false), "boot-1/console.log");
        assert_eq!(b.finished, ["conformance", "seed"]);
        assert!(b.crash.is_none());
        let ids: Vec<_> = b.observations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "rw::positions_are_independent",
                "rw::default_size",
                "seed.timing"
            ]
        );
        assert_eq!(
            b.observations[0].detail,
            "pread at 8 after a read on another file: expected [1, 2], got [3, 4]"
        );
        assert_eq!(b.observations[0].verdict, ClauseVerdict::Fail);
    }

    #[test]
    fn a_crash_costs_its_group_and_stops_there() {
        let console = format!(
            "{CONFORMANCE}@@GRADE-GROUP stress@@\n@@GRADE-CLAUSE stress.x pass @@\n\
             [   12.000000] BUG: unable to handle page fault for address: ffffc90000581000\n\
             [   12.000001] RIP: 0010:memcpy+0x12/0x20\n\
             [   12.000002] Kernel panic - not syncing: Fatal exception\n"
        );
        let b = read(&outcome(&console, false), "boot-1/console.log");
        assert_eq!(b.finished, ["conformance"]);
        let crash = b.crash.unwrap();
        assert_eq!(
            (crash.group.as_str(), crash.kind.as_str()),
            ("stress", "BUG")
        );
        assert!(crash.report[0].contains("unable to handle page fault"));
        assert!(b.observations.iter().all(|o| o.id != "stress.x"));
    }

    #[test]
    fn hangs_and_load_failures() {
        let b = read(
            &outcome(
                "@@GRADE-GROUP race@@\n@@GRADE-CLAUSE race.none pass @@\n",
                true,
            ),
            "c",
        );
        let crash = b.crash.unwrap();
        assert_eq!(crash.group, "race");
        assert!(crash.kind.starts_with("hang"), "{}", crash.kind);
        let b = read(
            &outcome(
                "@@GRADE-LOAD-FAILED insmod: invalid module format@@\n@@MYMEM-EXIT 3@@\n",
                false,
            ),
            "c",
        );
        assert_eq!(
            b.load_error.as_deref(),
            Some("insmod: invalid module format")
        );
        assert!(b.crash.is_none());
    }

    #[test]
    fn script_is_complete() {
        let t = Target {
            name: "s",
            ko: Path::new("/x.ko"),
            module: "m",
            device: "/dev/m",
        };
        crate::vm::script::tests::check(&GRADE, &script(&t, &["seed".into()]));
    }
}
