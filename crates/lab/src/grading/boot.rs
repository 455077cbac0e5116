//! One guest boot of a grade: the submission loaded, the clauses not yet
//! decided run one check at a time by guest/scripts/grade.sh, and what this
//! boot decided. Results come from the results channel (ttyS2, records with
//! the boot's secret: crates/grade/src/channel.rs), never from the console;
//! the console tells only which check a kernel report came in (the script
//! marks each check's start in the kernel log).
//!
//! A kernel problem (oops, panic, WARN, a taint, a refused reload) costs the
//! clause whose check was running; a check that runs out of time is timed
//! out. The clauses begun after the problem are left undecided, for the next
//! (fresh) boot.

use std::path::Path;

use anyhow::{Context, Result};
use grade::channel::{self, Record};
use grade::Observation;
use results::{Crash, Timeout};

use crate::build::kernel::Profile;
use crate::vm::guest::{Lab, Outcome, Scenario};
use crate::vm::logscan::{self, Finding};
use crate::vm::qemu::Accel;
use crate::vm::script::{guest_script, Script};

pub const GRADE: Script = guest_script!("grade.sh", &[]);

/// Guest seconds each check may take (TCG, a loaded host); a hang costs at
/// most this. The stress tool stops itself after 240 s.
pub const T_TEST: u32 = 30;
const T_INSMOD: u32 = 15;
const T_SEED: u32 = 60;
const T_RACE: u32 = 90;
const T_STRESS: u32 = 300;
const T_CYCLING: u32 = 120;
/// After a timeout: how long the device may take to answer one read.
const T_PROBE: u32 = 5;
/// The kernel reports a task in D state this long (below every check's timeout).
const HUNG_TASK_SECS: u32 = 10;

/// The boot's own timeout, a backstop behind the per-check timeouts: each
/// group's budget, summed, plus boot time.
fn budget(group: &str) -> u64 {
    match group {
        "conformance" => 600,
        "stress" => 300,
        "race" => 240,
        _ => 120,
    }
}

/// Crash and hang reports kept per problem, in lines.
const REPORT_LINES: usize = 60;

/// The results channel in the boot's directory (QEMU writes it).
pub const CHANNEL_FILE: &str = "grade-channel.txt";

/// What a submission is graded as.
pub struct Target<'a> {
    /// `<submission>/boot-<n>` scenarios go under the run directory.
    pub name: &'a str,
    pub ko: &'a Path,
    pub module: &'a str,
    pub device: &'a str,
}

/// What one boot decided.
#[derive(Debug, Default)]
pub struct Boot {
    /// Results of the checks that ended before any kernel problem.
    pub observations: Vec<Observation>,
    /// Clauses this boot decided: a result, a crash or a timeout.
    pub decided: Vec<String>,
    pub crashes: Vec<Crash>,
    pub timeouts: Vec<Timeout>,
    /// insmod's message when the module did not load at the boot's start.
    pub load_error: Option<String>,
    /// The kernel failed while loading the module, before any check.
    pub load_crash: bool,
    /// The script ran every pending clause.
    pub done: bool,
    /// The script stopped: its hang budget was spent.
    pub out_of_hangs: bool,
    /// `smep`/`smap` as the guest saw them.
    pub cpu_flags: Vec<String>,
    /// Lines of the channel that were not valid records (forged, garbled).
    pub rejected: usize,
}

/// The QEMU CPU model grading boots use: under TCG one with SMEP and SMAP,
/// as real hardware has, so that a driver touching user memory directly
/// faults as it would there (measurement boots keep QEMU's default qemu64).
pub fn cpu_model(accel: Accel) -> &'static str {
    match accel {
        Accel::Kvm => "host",
        _ => "qemu64,+smep,+smap",
    }
}

/// What a boot knows of the grade so far.
pub struct Pending<'a> {
    pub groups: &'a [String],
    /// Clauses already decided (skipped by the script).
    pub skip: &'a [String],
    /// Timeouts the script may still take before it stops.
    pub hangs_left: u32,
}

pub fn script(t: &Target, p: &Pending, secret_file: &str) -> String {
    GRADE.with(&[
        ("GROUPS", p.groups.join(" ")),
        ("MODULE", t.module.into()),
        ("MODDIR", "/lab/grade".into()),
        ("DEVICE", t.device.into()),
        ("CHANNEL", "/dev/ttyS2".into()),
        ("SECRET_FILE", secret_file.into()),
        ("SKIP", p.skip.join(" ")),
        ("HANGS_LEFT", p.hangs_left.to_string()),
        ("HUNG_TASK_SECS", HUNG_TASK_SECS.to_string()),
        ("T_TEST", T_TEST.to_string()),
        ("T_INSMOD", T_INSMOD.to_string()),
        ("T_SEED", T_SEED.to_string()),
        ("T_RACE", T_RACE.to_string()),
        ("T_STRESS", T_STRESS.to_string()),
        ("T_CYCLING", T_CYCLING.to_string()),
        ("T_PROBE", T_PROBE.to_string()),
        ("SEED_TRIALS", "5".into()),
        ("STRESS_OPS", "5000".into()),
        ("CYCLES", "20".into()),
    ])
}

/// Where grading scripts find the boot's secret (deleted before any module is loaded).
pub const SECRET_GUEST: &str = "/lab/grade/secret";

/// Boots once with the clauses of `p` pending and reads what it decided.
pub fn boot(lab: &Lab, t: &Target, p: &Pending, n: u32) -> Result<Boot> {
    // KASAN, lockdep and kmemleak slow the debug kernel down: same groups, more time.
    let slow = match lab.kernel.profile {
        Profile::Debug => 3,
        Profile::Lab => 1,
    };
    let mut files = vec![(t.ko.to_path_buf(), format!("/lab/grade/{}.ko", t.module))];
    for (name, exe) in &lab.bins.tests {
        files.push((exe.clone(), format!("/lab/tests/{name}")));
    }
    for (name, exe) in &lab.bins.seed {
        files.push((exe.clone(), format!("/lab/bin/{name}")));
    }
    let timeout = 60 + slow * p.groups.iter().map(|g| budget(g)).sum::<u64>();
    let leaf = format!("boot-{n}");
    let (outcome, ch) = boot_channel(
        lab,
        t.name,
        &leaf,
        &script(t, p, SECRET_GUEST),
        timeout,
        files,
    )?;
    Ok(finish(&outcome, &ch, &format!("{leaf}/console.log")))
}

/// What a finished boot decided ([`read`]), its logs capped; `console_rel` is its console
/// log relative to the submission's results.
pub fn finish(outcome: &Outcome, ch: &channel::Channel, console_rel: &str) -> Boot {
    let b = read(outcome, ch, console_rel);
    if b.rejected > 0 {
        crate::cmd::note(&format!(
            "{} line(s) on the results channel were not valid records (ignored)",
            b.rejected
        ));
    }
    cap_log(&outcome.dir.join("console.log"), &keep_points(outcome, &b));
    cap_log(&outcome.dir.join(crate::vm::decode::DECODED_LOG), &[]);
    b
}

/// One grading boot of `script` (which reads the boot's secret from [`SECRET_GUEST`]) with
/// `files` in the guest, as `<sub>/<leaf>` under the run directory: its results channel
/// (ttyS2) read with the boot's secret, a guest kernel that fails before the script starts
/// booted again once, a host-side failure returned as an error.
pub fn boot_channel(
    lab: &Lab,
    sub: &str,
    leaf: &str,
    script: &str,
    timeout: u64,
    files: Vec<(std::path::PathBuf, String)>,
) -> Result<(Outcome, channel::Channel)> {
    let name = format!("{sub}/{leaf}");
    let dir = results::layout::scenario_dir(&lab.run_dir, &name);
    // A guest kernel that fails before the grading script starts (no record
    // on the channel: e.g. TCG too slow for the IO-APIC timer check on a
    // loaded host) has not met the submission yet: boot again, once.
    let mut attempt = 1;
    let out = loop {
        // The secret goes in as a file the script deletes before loading the
        // module; its host copy lives outside the boot's directory (lab.boot
        // empties that) and is removed after the boot.
        let secret = channel::new_secret().context("cannot make the boot's secret")?;
        let secret_host = lab.run_dir.join(sub).join(format!(".secret-{leaf}"));
        std::fs::create_dir_all(secret_host.parent().unwrap_or(&lab.run_dir))?;
        std::fs::write(&secret_host, &secret)
            .with_context(|| format!("cannot write {}", secret_host.display()))?;
        let mut scenario = Scenario::new(&name, script).timeout(timeout);
        // A crash ends the boot at once, with the report that caused it.
        scenario.append = "oops=panic panic_on_warn=1".into();
        // ttyS2: the results channel (ttyS0 console, ttyS1 the results tar).
        scenario.qemu_args = vec![
            "-serial".into(),
            format!("file:{}", dir.join(CHANNEL_FILE).display()),
        ];
        if lab.accel != Accel::Kvm {
            scenario
                .qemu_args
                .extend(["-cpu".into(), cpu_model(lab.accel).into()]);
        }
        scenario
            .files
            .push((secret_host.clone(), SECRET_GUEST.to_string()));
        scenario.files.extend(files.iter().cloned());
        let outcome = lab.boot(&scenario);
        let _ = std::fs::remove_file(&secret_host);
        let outcome = outcome?;
        // The debug kernel's kmemleak scan at the end of the boot: shown and kept, not scored
        // (no rubric clause owns a leak, and the scan cannot say which check leaked).
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
        let text = std::fs::read(outcome.dir.join(CHANNEL_FILE)).unwrap_or_default();
        let ch = channel::parse(&String::from_utf8_lossy(&text), &secret);
        if !ch.records.is_empty() || outcome.findings.is_empty() {
            break (outcome, ch);
        }
        let first = outcome.findings[0]
            .context
            .first()
            .cloned()
            .unwrap_or_default();
        if attempt == 2 {
            anyhow::bail!(
                "the guest kernel failed twice before the grading script started, so not \
                 because of the submission (its module was not loaded yet): {first}; console: {}",
                outcome.dir.join("console.log").display()
            );
        }
        crate::cmd::note(&format!(
            "the guest kernel failed before the grading script started (not the submission's \
             fault: {first}); booting again"
        ));
        let _ = std::fs::rename(
            outcome.dir.join("console.log"),
            lab.run_dir
                .join(sub)
                .join(format!("{leaf}-early-failure.log")),
        );
        attempt += 1;
    };
    Ok(out)
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

/// A check's start as the script marked it in the kernel log:
/// `lab grade: check <id> (record <n>)`.
fn check_marker(line: &str) -> Option<(&str, u64)> {
    let rest = logscan::kernel_message(line)?.strip_prefix("lab grade: check ")?;
    let (id, n) = rest
        .trim_end()
        .strip_suffix(')')?
        .rsplit_once(" (record ")?;
    Some((id, n.parse().ok()?))
}

/// The console's check markers that match a BEGIN record (a module printing
/// such a line cannot move a report into another check), as (line, clause).
fn markers(outcome: &Outcome, ch: &channel::Channel) -> Vec<(usize, String)> {
    outcome
        .console
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let (id, n) = check_marker(l)?;
            let begun = ch
                .records
                .get((n as usize).checked_sub(1)?)
                .is_some_and(|r| matches!(r, Record::Begin(b) if b == id));
            begun.then(|| (i + 1, id.to_string()))
        })
        .collect()
}

/// Whether a finding is the report of a hang (the hung-task report, or the
/// stacks sysrq-w prints after a timeout), which is the timeout's evidence
/// and not a crash of its own.
fn hang_report(f: &Finding, lines: &[&str], since: usize) -> bool {
    f.pattern == "blocked for more than"
        || (f.pattern == "Call Trace:"
            && lines[since..f.line.saturating_sub(1)].iter().any(|l| {
                l.contains("sysrq: Show Blocked State") || l.contains("blocked for more than")
            }))
}

/// The clause whose check was running at console line `line`, if any.
fn clause_at(marks: &[(usize, String)], line: usize) -> Option<(usize, &str)> {
    marks
        .iter()
        .rev()
        .find(|(l, _)| *l < line)
        .map(|(l, id)| (*l, id.as_str()))
}

/// Reads what a finished boot decided, from its records and its console.
pub fn read(outcome: &Outcome, ch: &channel::Channel, console_rel: &str) -> Boot {
    let lines: Vec<&str> = outcome.console.lines().collect();
    let marks = markers(outcome, ch);
    let mut boot = Boot {
        rejected: ch.rejected,
        ..Default::default()
    };
    // The first kernel problem that is not a hang's own report, and the check it came in.
    let problem = outcome.findings.iter().find_map(|f| {
        let (since, id) = clause_at(&marks, f.line).map_or((0, None), |(l, id)| (l, Some(id)));
        (!hang_report(f, &lines, since)).then_some((f, id))
    });
    if let Some((f, None)) = problem {
        // Before any check: loading the module failed the kernel.
        boot.load_crash = true;
        boot.crashes.push(crash("load", None, f, console_rel));
        return boot;
    }
    let problem = problem.map(|(f, id)| (f, id.unwrap_or_default().to_string()));
    let mut current: Option<String> = None;
    let mut ended = false;
    for r in &ch.records {
        match r {
            Record::Cpu(flags) => boot.cpu_flags = flags.clone(),
            Record::Begin(id) => {
                if let Some((f, bad)) = &problem {
                    if bad == id {
                        boot.crashes
                            .push(crash(group_of(id), Some(id), f, console_rel));
                        boot.decided.push(id.clone());
                        return boot;
                    }
                }
                current = Some(id.clone());
            }
            Record::Result(o) => {
                let mut o = o.clone();
                if o.id.contains("::") {
                    o.detail = panic_message(&o.detail);
                }
                boot.decided.push(o.id.clone());
                boot.observations.push(o);
                current = None;
            }
            Record::Timeout {
                id,
                secs,
                check,
                stacks,
            } => {
                boot.timeouts.push(Timeout {
                    clause: id.clone(),
                    group: group_of(id).into(),
                    seconds: *secs,
                    check: check.clone(),
                    report: hang_evidence(stacks, &lines, &marks, id, outcome),
                    console: console_rel.into(),
                });
                boot.decided.push(id.clone());
                current = None;
            }
            Record::Wedged(_) => ended = true,
            Record::LoadFailed {
                timed_out,
                secs,
                message,
            } => {
                if *timed_out {
                    boot.timeouts.push(Timeout {
                        clause: "load".into(),
                        group: "load".into(),
                        seconds: *secs,
                        check: "insmod".into(),
                        report: hang_evidence(message, &lines, &marks, "", outcome),
                        console: console_rel.into(),
                    });
                    boot.load_error = Some(format!(
                        "insmod did not return within {secs} s (the module's init is blocked; \
                         its stack is in grade.md)"
                    ));
                } else {
                    boot.load_error = Some(message.trim().to_string());
                }
                return boot;
            }
            Record::ReloadFailed { id, message } => {
                lose(
                    &mut boot,
                    id,
                    "the module could not be loaded again after this check",
                    message.lines().map(str::to_string).collect(),
                    console_rel,
                );
                return boot;
            }
            Record::Tainted { id, taint } => {
                lose(
                    &mut boot,
                    id,
                    &format!("the kernel tainted itself during this check (taint {taint})"),
                    Vec::new(),
                    console_rel,
                );
                return boot;
            }
            Record::Stop(_) => {
                boot.out_of_hangs = true;
                ended = true;
            }
            Record::Done => boot.done = true,
        }
    }
    if let Some((f, bad)) = problem {
        // A report in a check whose BEGIN is unknown here: charge the marked clause.
        boot.crashes
            .push(crash(group_of(&bad), Some(&bad), f, console_rel));
        boot.decided.push(bad);
        boot.done = false;
        return boot;
    }
    if !boot.done && !ended {
        // The guest stopped in a check without saying why.
        let last: Vec<String> = lines[lines.len().saturating_sub(20)..]
            .iter()
            .map(|l| l.to_string())
            .collect();
        match current {
            Some(id) if outcome.timed_out => {
                boot.timeouts.push(Timeout {
                    clause: id.clone(),
                    group: group_of(&id).into(),
                    seconds: outcome.timeout.as_secs() as u32,
                    check: "the whole boot (no end within its timeout)".into(),
                    report: last,
                    console: console_rel.into(),
                });
                boot.decided.push(id);
            }
            Some(id) => {
                boot.crashes.push(Crash {
                    group: group_of(&id).into(),
                    clause: Some(id.clone()),
                    kind: "the guest died".into(),
                    report: last,
                    console: console_rel.into(),
                });
                boot.decided.push(id);
            }
            None if boot.decided.is_empty() => {
                boot.load_crash = true;
                boot.crashes.push(Crash {
                    group: "load".into(),
                    clause: None,
                    kind: if ch.records.is_empty() {
                        "no result: nothing on the results channel".into()
                    } else if outcome.timed_out {
                        format!("hang (no end within {} s)", outcome.timeout.as_secs())
                    } else {
                        "the guest died".into()
                    },
                    report: last,
                    console: console_rel.into(),
                });
            }
            None => {}
        }
    }
    boot
}

/// `id` is lost to a kernel problem that came after its result: the result goes.
fn lose(boot: &mut Boot, id: &str, kind: &str, report: Vec<String>, console_rel: &str) {
    boot.observations.retain(|o| o.id != id);
    boot.crashes.push(Crash {
        group: group_of(id).into(),
        clause: Some(id.into()),
        kind: kind.into(),
        report,
        console: console_rel.into(),
    });
    if !boot.decided.iter().any(|d| d == id) {
        boot.decided.push(id.into());
    }
}

fn crash(group: &str, clause: Option<&str>, f: &Finding, console_rel: &str) -> Crash {
    Crash {
        group: group.into(),
        clause: clause.map(str::to_string),
        kind: f.pattern.trim_end_matches(':').to_string(),
        report: f.context.iter().take(REPORT_LINES).cloned().collect(),
        console: console_rel.into(),
    }
}

/// Where a timed-out check was stuck: the stacks the script took, then the
/// kernel's own report after the check's marker (the hung-task report, or
/// sysrq-w's blocked tasks).
fn hang_evidence(
    stacks: &str,
    lines: &[&str],
    marks: &[(usize, String)],
    id: &str,
    outcome: &Outcome,
) -> Vec<String> {
    let mut report: Vec<String> = stacks
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(REPORT_LINES / 2)
        .map(str::to_string)
        .collect();
    let from = marks.iter().find(|(_, m)| m == id).map_or(0, |(l, _)| *l);
    let until = marks
        .iter()
        .find(|(l, _)| *l > from)
        .map_or(lines.len(), |(l, _)| *l);
    let hung = outcome
        .findings
        .iter()
        .find(|f| f.line > from && f.line <= until && f.pattern == "blocked for more than");
    let kernel: Vec<String> = match hung {
        Some(f) => f.context.clone(),
        None => lines[from.min(lines.len())..until]
            .iter()
            .skip_while(|l| !l.contains("sysrq: Show Blocked State"))
            .filter(|l| logscan::kernel_message(l).is_some())
            .map(|l| l.to_string())
            .collect(),
    };
    report.extend(kernel.into_iter().take(REPORT_LINES - report.len()));
    report
}

/// The group a clause id belongs to, from its form: `<group>.<name>` for the
/// script's clauses, `<test binary>::<test>` for conformance.
pub fn group_of(id: &str) -> &str {
    if id.contains("::") {
        return "conformance";
    }
    id.split_once('.').map_or("load", |(g, _)| g)
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

/// Console logs kept per boot are capped. A module that floods the console
/// keeps the start and the end, and the stretch around each point that
/// explains a lost clause (a kernel report, the start of a check that timed
/// out or crashed).
const LOG_CAP: usize = 2 << 20;
const HEAD: usize = 256 << 10;
const TAIL: usize = 256 << 10;
const BEFORE: usize = 64 << 10;
const AFTER: usize = 192 << 10;
const POINTS: usize = 6;

/// Console lines (1-based) worth keeping whole stretches around.
fn keep_points(outcome: &Outcome, b: &Boot) -> Vec<usize> {
    let lost: Vec<&str> = b
        .crashes
        .iter()
        .filter_map(|c| c.clause.as_deref())
        .chain(b.timeouts.iter().map(|t| t.clause.as_str()))
        .collect();
    let mut points: Vec<usize> = outcome.findings.iter().map(|f| f.line).collect();
    points.extend(
        outcome
            .console
            .lines()
            .enumerate()
            .filter(|(_, l)| check_marker(l).is_some_and(|(id, _)| lost.contains(&id)))
            .map(|(i, _)| i + 1),
    );
    points.sort();
    points.dedup();
    points.truncate(POINTS);
    points
}

/// Caps the log at `path` to [`LOG_CAP`], keeping the head, the tail and the
/// stretches around `points` (1-based line numbers).
fn cap_log(path: &Path, points: &[usize]) {
    let Ok(data) = std::fs::read(path) else {
        return;
    };
    if let Some(kept) = capped(&data, points) {
        let _ = std::fs::write(path, kept);
    }
}

fn capped(data: &[u8], points: &[usize]) -> Option<Vec<u8>> {
    if data.len() <= LOG_CAP {
        return None;
    }
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            data.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let mut ranges = vec![(0, HEAD), (data.len() - TAIL, data.len())];
    for p in points {
        if let Some(at) = line_starts.get(p.saturating_sub(1)) {
            ranges.push((at.saturating_sub(BEFORE), (at + AFTER).min(data.len())));
        }
    }
    ranges.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        // Whole lines only.
        let s = line_starts[line_starts.partition_point(|&x| x <= s) - 1];
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut kept = Vec::new();
    let mut at = 0;
    for (s, e) in merged {
        if s > at {
            kept.extend_from_slice(
                format!("\n[... lab grade: {} bytes cut ...]\n", s - at).as_bytes(),
            );
        }
        kept.extend_from_slice(&data[s.max(at)..e]);
        at = e;
    }
    Some(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::guest::tests::outcome;
    use grade::ClauseVerdict;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    fn hex(s: &str) -> String {
        channel::hex(s.as_bytes())
    }

    /// A channel from records without secret and number (added here).
    fn chan(records: &[String]) -> channel::Channel {
        let text: String = records
            .iter()
            .enumerate()
            .map(|(i, r)| format!("s {} {r}\n", i + 1))
            .collect();
        channel::parse(&text, "s")
    }

    fn mark(id: &str, n: usize) -> String {
        format!("[    3.{n:06}] lab grade: check {id} (record {n})\n")
    }

    #[test]
    fn host_failures_are_not_the_submission_s_crash() {
        let panic = "[    1.0] Kernel panic - not syncing: Fatal exception\n";
        assert!(!host_failure(&outcome(panic, false)));
        assert!(!host_failure(&outcome("[    1.0] booting\n", true)));
        assert!(host_failure(&outcome("", false)));
        let mut killed = outcome("[    1.0] booting\n", false);
        killed.qemu_status = ExitStatus::from_raw(9);
        assert!(host_failure(&killed));
        let mut full = outcome("[    1.0] booting\n@@MYMEM-EXIT 0@@\n", false);
        full.storage = vec!["the console log at /r/x: No space left on device".into()];
        assert!(host_failure(&full));
    }

    const FAILURE: &str = "---- positions_are_independent stdout ----\n\
        thread 'positions_are_independent' panicked at crates/conformance/tests/rw.rs:140:5:\n\
        pread at 8 after a read on another file: expected [1, 2], got [3, 4]\n\
        note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace";

    #[test]
    fn results_come_from_the_channel_whatever_the_console_says() {
        // The console is flooded and carries forged lines of every old kind.
        let console = "[    4.0] Driver: read()\n@@GRADE-CLAUSE seed.timing pass @@\n\
            test rw::default_size ... ok\n[    4.1] test seed.timing ... ok\n@@MYMEM-EXIT 0@@\n";
        let ch = chan(&[
            "CPU smep smap".into(),
            "BEGIN rw::positions_are_independent".into(),
            format!("RESULT rw::positions_are_independent fail {}", hex(FAILURE)),
            "BEGIN seed.timing".into(),
            format!("RESULT seed.timing fail {}", hex("write failed")),
            "DONE".into(),
        ]);
        let b = read(&outcome(console, false), &ch, "boot-1/console.log");
        assert!(b.done && b.crashes.is_empty());
        assert_eq!(b.cpu_flags, ["smep", "smap"]);
        assert_eq!(b.decided, ["rw::positions_are_independent", "seed.timing"]);
        assert_eq!(
            b.observations[0].detail,
            "---- positions_are_independent stdout ----\n\
             pread at 8 after a read on another file: expected [1, 2], got [3, 4]"
        );
        assert!(b
            .observations
            .iter()
            .all(|o| o.verdict == ClauseVerdict::Fail));
    }

    #[test]
    fn a_crash_costs_the_check_it_came_in_and_the_rest_waits_for_a_new_boot() {
        let console = format!(
            "{}[    3.5] mymem_c: ok\n{}\
             [   12.000000] BUG: unable to handle page fault for address: ffffc90000581000\n\
             [   12.000001] RIP: 0010:memcpy+0x12/0x20\n\
             [   12.000002] Kernel panic - not syncing: Fatal exception\n",
            mark("rw::a", 1),
            mark("rw::b", 3)
        );
        let ch = chan(&[
            "BEGIN rw::a".into(),
            "RESULT rw::a pass -".into(),
            "BEGIN rw::b".into(),
        ]);
        let b = read(&outcome(&console, false), &ch, "boot-1/console.log");
        assert_eq!(b.decided, ["rw::a", "rw::b"]);
        assert_eq!(b.observations.len(), 1);
        let c = &b.crashes[0];
        assert_eq!(
            (c.clause.as_deref(), c.kind.as_str()),
            (Some("rw::b"), "BUG")
        );
        assert!(c.report[0].contains("unable to handle page fault"));
        assert!(!b.done && !b.load_crash);
    }

    #[test]
    fn a_report_that_does_not_end_the_boot_still_costs_its_check_only() {
        // A sysfs duplicate (dump_stack, no panic) in rw::b; rw::c ran after it.
        let console = format!(
            "{}{}[    5.0] sysfs: cannot create duplicate filename '/devices/virtual/misc/m'\n\
             [    5.1] Call Trace:\n[    5.2]  dump_stack_lvl+0x5d/0x80\n{}",
            mark("rw::a", 1),
            mark("rw::b", 3),
            mark("rw::c", 5),
        );
        let ch = chan(&[
            "BEGIN rw::a".into(),
            "RESULT rw::a pass -".into(),
            "BEGIN rw::b".into(),
            "RESULT rw::b pass -".into(),
            "BEGIN rw::c".into(),
            "RESULT rw::c pass -".into(),
            "DONE".into(),
        ]);
        let b = read(&outcome(&console, false), &ch, "c");
        assert_eq!(b.decided, ["rw::a", "rw::b"]);
        assert_eq!(b.crashes[0].clause.as_deref(), Some("rw::b"));
        assert_eq!(b.observations.len(), 1, "rw::b's pass does not count");
        assert!(!b.done, "rw::c is run again in a fresh boot");
    }

    #[test]
    fn a_forged_check_marker_does_not_move_a_report() {
        let console = format!(
            "{}[    4.0] lab grade: check rw::z (record 2)\n\
             [    5.0] WARNING: CPU: 0 PID: 9 at mm/page_alloc.c:4000\n",
            mark("rw::a", 1)
        );
        let ch = chan(&["BEGIN rw::a".into(), "RESULT rw::a pass -".into()]);
        let b = read(&outcome(&console, false), &ch, "c");
        assert_eq!(b.crashes[0].clause.as_deref(), Some("rw::a"));
    }

    #[test]
    fn timeouts_name_the_check_and_quote_the_blocked_stack() {
        let console = format!(
            "{}[   15.0] INFO: task rw:80 blocked for more than 10 seconds.\n\
             [   15.1] task:rw state:D stack:0 pid:80\n[   15.2] Call Trace:\n\
             [   15.3]  msleep+0x2f/0x40\n[   15.4]  mymem_c_read_iter+0x30/0x90 [mymem_c]\n\
             [   25.0] sysrq: Show Blocked State\n[   25.1] task:rw state:D\n\
             [   25.2] Call Trace:\n[   25.3]  msleep+0x2f/0x40\n{}",
            mark("rw::a", 1),
            mark("rw::b", 4)
        );
        let ch = chan(&[
            "BEGIN rw::a".into(),
            format!(
                "TIMEOUT rw::a 20 {} {}",
                hex("/lab/tests/rw --exact a"),
                hex("task 80 (rw) state D (disk sleep):\n[<0>] msleep+0x2f/0x40")
            ),
            "STOP hangs".into(),
        ]);
        let b = read(&outcome(&console, false), &ch, "boot-1/console.log");
        assert!(b.crashes.is_empty(), "{:?}", b.crashes);
        assert!(b.out_of_hangs);
        let t = &b.timeouts[0];
        assert_eq!((t.clause.as_str(), t.seconds), ("rw::a", 20));
        assert_eq!(t.check, "/lab/tests/rw --exact a");
        assert!(t.report[0].starts_with("task 80 (rw) state D"));
        assert!(t
            .report
            .iter()
            .any(|l| l.contains("blocked for more than 10 seconds")));
        assert!(t.report.iter().any(|l| l.contains("mymem_c_read_iter")));
    }

    #[test]
    fn load_failures_and_load_timeouts() {
        let ch = chan(&[format!(
            "LOADFAIL refused 15 {}",
            hex("insmod: can't insert 'm.ko': Operation not permitted\n")
        )]);
        let b = read(&outcome("[ 1.0] x\n", false), &ch, "c");
        assert_eq!(
            b.load_error.as_deref(),
            Some("insmod: can't insert 'm.ko': Operation not permitted")
        );
        assert!(b.timeouts.is_empty());
        let console = "[   14.0] sysrq: Show Blocked State\n[   14.1] task:insmod state:D\n\
            [   14.2] Call Trace:\n[   14.3]  msleep+0x2f/0x40\n[   14.4]  m_init+0x10/0x20 [m]\n";
        let ch = chan(&[format!(
            "LOADFAIL timeout 15 {}",
            hex("insmod did not return:\ntask 70 (insmod) state D:\n[<0>] msleep+0x2f/0x40")
        )]);
        let b = read(&outcome(console, false), &ch, "c");
        assert!(b
            .load_error
            .unwrap()
            .contains("insmod did not return within 15 s"));
        assert!(b.crashes.is_empty() && !b.load_crash);
        let t = &b.timeouts[0];
        assert_eq!((t.clause.as_str(), t.check.as_str()), ("load", "insmod"));
        assert!(
            t.report.iter().any(|l| l.contains("m_init+0x10/0x20 [m]")),
            "{:?}",
            t.report
        );
    }

    #[test]
    fn a_crash_at_load_and_a_refused_reload() {
        let b = read(
            &outcome("[    2.0] BUG: kernel NULL pointer dereference\n", false),
            &chan(&["CPU".into()]),
            "c",
        );
        assert!(b.load_crash);
        assert_eq!(b.crashes[0].group, "load");
        let ch = chan(&[
            "BEGIN lifecycle::x".into(),
            "RESULT lifecycle::x fail -".into(),
            format!("RELOADFAIL lifecycle::x {}", hex("insmod: File exists")),
        ]);
        let b = read(&outcome("[ 1.0] x\n", false), &ch, "c");
        assert_eq!(b.crashes[0].clause.as_deref(), Some("lifecycle::x"));
        assert!(b.crashes[0].kind.contains("could not be loaded again"));
        assert!(b.observations.is_empty());
        assert_eq!(b.decided, ["lifecycle::x"]);
    }

    #[test]
    fn a_guest_that_stops_in_a_check_loses_that_check() {
        let ch = chan(&["BEGIN race.none".into()]);
        let b = read(&outcome("[ 1.0] x\n", true), &ch, "c");
        assert_eq!(b.timeouts[0].clause, "race.none");
        assert_eq!(b.decided, ["race.none"]);
    }

    #[test]
    fn a_capped_log_keeps_what_explains_a_loss() {
        let mut log = String::new();
        for i in 0..100_000 {
            log.push_str(&format!("[    4.{i:06}] Driver: read() call number {i}\n"));
            if i == 50_000 {
                log.push_str("[    9.000000] BUG: the report\n");
            }
        }
        let at = log.lines().position(|l| l.contains("the report")).unwrap() + 1;
        let kept = String::from_utf8(capped(log.as_bytes(), &[at]).unwrap()).unwrap();
        assert!(kept.len() <= LOG_CAP, "{}", kept.len());
        assert!(kept.contains("BUG: the report"));
        assert!(kept.contains("call number 0\n") && kept.contains("call number 99999\n"));
        assert!(kept.contains("bytes cut ...]"));
        assert!(
            kept.lines().all(|l| l.is_empty() || l.starts_with('[')),
            "whole lines only"
        );
        assert!(capped(b"short", &[1]).is_none());
    }

    #[test]
    fn script_is_complete() {
        let t = Target {
            name: "s",
            ko: Path::new("/x.ko"),
            module: "m",
            device: "/dev/m",
        };
        let p = Pending {
            groups: &["seed".into()],
            skip: &["seed.timing".into()],
            hangs_left: 3,
        };
        crate::vm::script::tests::check(&GRADE, &script(&t, &p, "/lab/grade/secret"));
    }
}
