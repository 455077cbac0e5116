//! `lab grade` on a handout directory: every part present, one grade with a score per part.
//!
//! The drivers (parts 2 and 4) are graded as any submission (grading::grade_one) with the
//! driver rubric of the profile; their part-3 clauses (the ioctls, the lock, the races) count
//! for part 3. Parts 1 and 5 are graded here, each in a boot of its own, with
//! grading/rubric-parts.toml: the hello module's load/unload and log lines, and the in-kernel
//! module against the handout's own Rust driver (refused without it, loaded after it, a race of
//! W = 50 workers and a bench through its API). Their clause groups (`hello`, `kernel-test`)
//! are separate from grade.sh's; their checks are guest/scripts/grade-parts.sh, whose results
//! come on the grading channel with the boot's secret (grading/boot.rs), as grade.sh's do,
//! and a kernel report costs the clause whose check was running.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use grade::{ClauseVerdict, Observation, Rubric, Submission};
use results::{layout, ClauseResult, ClauseStatus, GradeReport, PartScore};

use super::{Layout, Role, DRIVER_C, DRIVER_RUST, HELLO, KERNEL_TEST};
use crate::grading::boot;
use crate::grading::build;
use crate::vm::guest::Lab;
use crate::vm::script::{guest_script, Script};
use crate::{cmd, paths};

/// Race parameters of part 5: the seed lab's W, and N small enough for TCG.
const WORKERS: u64 = 50;
const ITERATIONS: u64 = 200;
/// Bench sizes of part 5 (bytes) and trials per size.
const BENCH: &str = "trials=20 sizes=1,64,4096";

/// The parts rubric, beside the driver rubrics.
pub fn parts_rubric() -> Result<Rubric> {
    Rubric::load(&paths::repo_root().join("grading/rubric-parts.toml"))
}

/// The part of a driver clause: the rubric's, else part 3 for the kernel-side fix (the
/// ioctls, the lock, the races: the full rubric does not say), else the driver's own part.
pub fn driver_part(id: &str, rubric_part: Option<u8>, role: Role) -> u8 {
    let part3 = id.starts_with("ioctl::")
        || id.starts_with("lock::")
        || id.starts_with("race.")
        || id.starts_with("atomicity::")
        || id == "seed.counter-threads";
    rubric_part.unwrap_or(if part3 {
        3
    } else if role == DRIVER_C {
        2
    } else {
        4
    })
}

fn part_title(part: u8) -> &'static str {
    match part {
        1 => "the hello module",
        2 => "the C driver: read, write, llseek",
        3 => "the kernel-side fix: FETCH_ADD, LOCK, the races",
        4 => "the Rust driver: the same contract",
        _ => "the in-kernel module: workers, lock, timings",
    }
}

/// How a driver directory is graded as a submission: `(rubric, dir, key)` to its grade
/// (grading::grade_one with the command's options).
pub type GradeDriver<'a> = dyn Fn(&Rubric, &Path, &str) -> Result<GradeReport> + 'a;

/// Grades the handout at `dir` (its `layout`, results under `key`) with the driver rubric of
/// the profile (`drivers`, named `assignment`); each driver with `grade_driver`.
pub fn grade(
    lab: &Lab,
    dir: &Path,
    key: &str,
    layout: &Layout,
    (drivers, assignment): (&Rubric, &str),
    grade_driver: &GradeDriver,
) -> Result<GradeReport> {
    let started = Instant::now();
    let name = std::fs::canonicalize(dir)?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "handout".into());
    cmd::step(&format!(
        "Grade the handout {name} ({}), profile {assignment}",
        layout
            .roles()
            .iter()
            .map(|r| r.dir)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let parts_rubric = parts_rubric()?;
    let out = lab.run_dir.join(key);
    std::fs::create_dir_all(&out)?;
    let mut clauses: Vec<ClauseResult> = Vec::new();
    let mut crashes = Vec::new();
    let mut timeouts = Vec::new();
    let mut boot_cpus = Vec::new();
    let mut boots = 0;
    let mut per_dir: Vec<(u8, String, Vec<ClauseResult>)> = Vec::new();
    for role in layout.roles() {
        let part_dir = dir.join(role.dir);
        let g = match role {
            DRIVER_C | DRIVER_RUST => {
                let driver_key = format!("{key}-{}", role.dir);
                let mut g = grade_driver(drivers, &part_dir, &driver_key)?;
                for c in &mut g.clauses {
                    let rubric_part = drivers.get(&c.id).and_then(|c| c.part);
                    c.part = Some(driver_part(&c.id, rubric_part, role));
                }
                g
            }
            HELLO => hello(lab, &part_dir, key, &parts_rubric, &out)?,
            KERNEL_TEST => kernel_test(
                lab,
                &part_dir,
                &dir.join(DRIVER_RUST.dir),
                key,
                &parts_rubric,
                &out,
            )?,
            _ => continue,
        };
        print!("{}", grade::render::summary(&g));
        // Each crash and timeout named as the clauses are (`<part dir>/<id>`), its console
        // log relative to the handout's results.
        let console = |c: &str| match role {
            DRIVER_C | DRIVER_RUST => format!("../{key}-{}/{c}", role.dir),
            _ => c.to_string(),
        };
        for c in &g.crashes {
            let mut c = c.clone();
            c.group = format!("{}/{}", role.dir, c.group);
            c.clause = c.clause.map(|id| format!("{}/{id}", role.dir));
            c.console = console(&c.console);
            crashes.push(c);
        }
        for t in &g.timeouts {
            let mut t = t.clone();
            t.clause = format!("{}/{}", role.dir, t.clause);
            t.group = format!("{}/{}", role.dir, t.group);
            t.console = console(&t.console);
            timeouts.push(t);
        }
        for b in &g.boot_cpus {
            let mut b = b.clone();
            b.boot += boots;
            boot_cpus.push(b);
        }
        boots += g.boots;
        let mut own = Vec::new();
        for c in g.clauses {
            let mut c = c;
            c.id = format!("{}/{}", role.dir, c.id);
            own.push(c.clone());
            clauses.push(c);
        }
        per_dir.push((role.parts[0], role.dir.to_string(), own));
    }
    let counted = |c: &&ClauseResult| c.status != ClauseStatus::Skipped;
    let mut parts = Vec::new();
    for part in 1..=5u8 {
        let of_part: Vec<&ClauseResult> = clauses
            .iter()
            .filter(|c| c.part == Some(part))
            .filter(counted)
            .collect();
        if of_part.is_empty() {
            continue;
        }
        let mut dirs: Vec<String> = per_dir
            .iter()
            .filter(|(_, _, cs)| cs.iter().any(|c| c.part == Some(part)))
            .map(|(_, d, _)| d.clone())
            .collect();
        dirs.dedup();
        parts.push(PartScore {
            part,
            title: part_title(part).into(),
            dirs,
            score: of_part.iter().filter(|c| !c.bonus).map(|c| c.earned).sum(),
            total: of_part.iter().filter(|c| !c.bonus).map(|c| c.points).sum(),
            bonus: of_part.iter().filter(|c| c.bonus).map(|c| c.earned).sum(),
        });
    }
    let g = GradeReport {
        schema: results::GRADE_SCHEMA.into(),
        submission: name,
        module: layout
            .roles()
            .iter()
            .map(|r| r.module)
            .collect::<Vec<_>>()
            .join(", "),
        device: "/dev/mymem_c, /dev/mymem, /dev/mymem_test".into(),
        score: parts.iter().map(|p| p.score).sum(),
        total: parts.iter().map(|p| p.total).sum(),
        bonus: parts.iter().map(|p| p.bonus).sum(),
        build_error: None,
        clauses,
        crashes,
        timeouts,
        boot_cpus,
        unscored: Vec::new(),
        boots,
        elapsed_s: started.elapsed().as_secs_f64(),
        assignment: Some(assignment.into()),
        parts,
    };
    std::fs::write(
        out.join(layout::GRADE_JSON),
        serde_json::to_string_pretty(&g)?,
    )?;
    std::fs::write(out.join(layout::GRADE_MD), grade::render::markdown(&g))?;
    std::fs::write(out.join(layout::GRADE_JUNIT), grade::render::junit(&g)?)?;
    Ok(g)
}

/// The per-part lines of a handout's grade.
pub fn summary(g: &GradeReport) -> String {
    let mut s = String::new();
    for p in &g.parts {
        s.push_str(&format!(
            "part {}: {}/{}{}  ({}; {})\n",
            p.part,
            p.score,
            p.total,
            if p.bonus > 0 {
                format!(" (+{} bonus)", p.bonus)
            } else {
                String::new()
            },
            p.title,
            p.dirs.join(", ")
        ));
    }
    s.push_str(&format!(
        "score: {}/{}  [{}, profile {}]\n",
        g.score,
        g.total,
        g.submission,
        g.assignment.as_deref().unwrap_or("?")
    ));
    s
}

fn observation(id: &str, pass: bool, detail: String) -> Observation {
    Observation {
        id: id.into(),
        verdict: if pass {
            ClauseVerdict::Pass
        } else {
            ClauseVerdict::Fail
        },
        detail: if pass { String::new() } else { detail },
    }
}

/// Builds one part directory in the grader's sandbox; `Err(log tail)` when it does not build.
fn build_part(
    lab: &Lab,
    dir: &Path,
    name: &str,
    out: &Path,
    extra_symbols: &[std::path::PathBuf],
) -> Result<std::result::Result<build::Built, String>> {
    let log = out.join(format!("{name}-build.log"));
    build::build_with(
        &lab.kernel,
        dir,
        name,
        None,
        &build::submission_step(name),
        &log,
        extra_symbols,
    )
}

/// The guest script of parts 1 and 5: their checks, results on the grading channel.
pub const GRADE_PARTS: Script = guest_script!("grade-parts.sh", &[]);
/// Guest seconds an insmod or rmmod may take, and a race or bench run of part 5.
const T_INSMOD: u32 = 15;
const T_RUN: u32 = 120;

/// The script for `part` (`hello` or `kernel-test`) with these module names.
fn part_script(part: &str, hello: &str, test: &str, driver: &str) -> String {
    GRADE_PARTS.with(&[
        ("PART", part.into()),
        ("MODDIR", "/lab/grade".into()),
        ("HELLO_MOD", hello.into()),
        ("TEST_MOD", test.into()),
        ("DRIVER_MOD", driver.into()),
        ("CHANNEL", "/dev/ttyS2".into()),
        ("SECRET_FILE", boot::SECRET_GUEST.into()),
        ("T_INSMOD", T_INSMOD.to_string()),
        ("T_RUN", T_RUN.to_string()),
        (
            "RACE",
            format!("race workers={WORKERS} iterations={ITERATIONS}"),
        ),
        ("BENCH", format!("bench {BENCH}")),
    ])
}

/// Boots `script` once as `<key>/<leaf>` with `files` in /lab/grade, and puts what it
/// decided into `sub` (group `group` of `rubric`): results, crashes, timeouts; the clauses
/// it never reached are not run, with why.
fn boot_part(
    lab: &Lab,
    (key, leaf): (&str, &str),
    script: &str,
    files: Vec<(std::path::PathBuf, String)>,
    (rubric, group): (&Rubric, &str),
    sub: &mut Submission,
) -> Result<()> {
    let (outcome, ch) = boot::boot_channel(lab, key, leaf, script, 240, files)?;
    let b = boot::finish(&outcome, &ch, &format!("{leaf}/console.log"));
    sub.boots = 1;
    sub.boot_cpus.push(results::BootCpu {
        boot: 1,
        model: format!("{} ({})", boot::cpu_model(lab.accel), lab.accel.name()),
        guest_flags: b.cpu_flags.clone(),
    });
    for c in &b.crashes {
        let at = c.clause.as_deref().unwrap_or("loading the module");
        cmd::note(&format!("{}: {} in {at}", sub.name, c.kind));
    }
    let load_crash = b.load_crash;
    sub.crashes.extend(b.crashes.into_iter().map(|mut c| {
        if c.clause.is_none() {
            // Before any check: it costs the part's group.
            c.group = group.into();
        }
        c
    }));
    sub.timeouts.extend(b.timeouts);
    sub.observations.extend(b.observations);
    if load_crash {
        return Ok(());
    }
    let why = if sub.timeouts.is_empty() {
        "not run: the kernel failed in an earlier check of this boot"
    } else {
        "not run: a check before it timed out"
    };
    let decided: Vec<String> = sub
        .observations
        .iter()
        .map(|o| o.id.clone())
        .chain(sub.crashes.iter().filter_map(|c| c.clause.clone()))
        .chain(sub.timeouts.iter().map(|t| t.clause.clone()))
        .collect();
    for c in rubric.clauses.iter().filter(|c| c.group == group) {
        if !decided.contains(&c.id) {
            sub.not_run.push((c.id.clone(), why.into()));
        }
    }
    Ok(())
}

fn score_part(
    rubric: &Rubric,
    group: &str,
    name: &str,
    module: &str,
    started: Instant,
    f: impl FnOnce(&mut Submission) -> Result<()>,
) -> Result<GradeReport> {
    let mut sub = Submission {
        name: name.into(),
        module: module.into(),
        groups: vec![group.into()],
        ..Default::default()
    };
    f(&mut sub)?;
    sub.elapsed_s = started.elapsed().as_secs_f64();
    let mut g = grade::score(rubric, &sub);
    // Only this group's clauses: the other part's are not this directory's.
    g.clauses.retain(|c| c.group == group);
    Ok(g)
}

/// Part 1: the hello module loads with times=3, greets three times, unloads, says goodbye,
/// and refuses times=0 (checks: guest/scripts/grade-parts.sh).
fn hello(lab: &Lab, dir: &Path, key: &str, rubric: &Rubric, out: &Path) -> Result<GradeReport> {
    let started = Instant::now();
    cmd::step(&format!("Grade part 1 ({})", dir.display()));
    score_part(rubric, "hello", HELLO.dir, "hello", started, |sub| {
        sub.device = "(kernel log)".into();
        let built = match build_part(lab, dir, HELLO.dir, out, &[])? {
            Ok(b) => b,
            Err(tail) => {
                sub.build_error = Some(tail);
                return Ok(());
            }
        };
        sub.module = built.module.clone();
        let script = part_script("hello", &built.module, "", "");
        let files = vec![(built.ko.clone(), format!("/lab/grade/{}.ko", built.module))];
        boot_part(
            lab,
            (key, HELLO.dir),
            &script,
            files,
            (rubric, "hello"),
            sub,
        )
    })
}

/// Part 5: the in-kernel module against the handout's Rust driver, built with the driver's
/// Module.symvers (read-only in the build sandbox).
fn kernel_test(
    lab: &Lab,
    dir: &Path,
    driver_dir: &Path,
    key: &str,
    rubric: &Rubric,
    out: &Path,
) -> Result<GradeReport> {
    let started = Instant::now();
    cmd::step(&format!("Grade part 5 ({})", dir.display()));
    score_part(
        rubric,
        "kernel-test",
        KERNEL_TEST.dir,
        "mymem_test",
        started,
        |sub| {
            sub.device = "/dev/mymem_test".into();
            let driver = match build_part(lab, driver_dir, "part5-driver", out, &[])? {
                Ok(b) => b,
                Err(tail) => {
                    sub.build_error = Some(format!(
                        "the Rust driver it runs against ({}) does not build:\n{tail}",
                        driver_dir.display()
                    ));
                    return Ok(());
                }
            };
            let symvers = driver
                .ko
                .parent()
                .context("the driver's build directory")?
                .join("Module.symvers");
            let built = match build_part(lab, dir, KERNEL_TEST.dir, out, &[symvers])? {
                Ok(b) => b,
                Err(tail) => {
                    sub.build_error = Some(tail);
                    return Ok(());
                }
            };
            sub.module = built.module.clone();
            sub.device = format!("/dev/{}", built.module);
            let (m, d) = (&built.module, &driver.module);
            let script = part_script("kernel-test", "", m, d);
            let files = vec![
                (built.ko.clone(), format!("/lab/grade/{m}.ko")),
                (driver.ko.clone(), format!("/lab/grade/{d}.ko")),
            ];
            boot_part(
                lab,
                (key, KERNEL_TEST.dir),
                &script,
                files,
                (rubric, "kernel-test"),
                sub,
            )?;
            score_reports(sub);
            Ok(())
        },
    )
}

/// The race and bench reports the script sent (data, not clauses) become the clauses
/// they decide; a crash or timeout in the race leaves the race's other clauses not run.
fn score_reports(sub: &mut Submission) {
    let take = |sub: &mut Submission, id: &str| -> Option<String> {
        let i = sub.observations.iter().position(|o| o.id == id)?;
        Some(sub.observations.remove(i).detail)
    };
    let race = take(sub, "kernel-test.race-report");
    let bench = take(sub, "kernel-test.bench-report");
    let raced = race.is_some();
    if let Some(json) = race {
        let (complete, lock, fetch, timed) = race_checks(&json);
        for (id, check) in [
            ("kernel-test.workers-complete", complete),
            ("kernel-test.lock-loses-nothing", lock),
            ("kernel-test.fetch-add-loses-nothing", fetch),
        ] {
            sub.not_run.retain(|(c, _)| c != id);
            sub.observations.push(observation(
                id,
                check.is_ok(),
                check.err().unwrap_or_default(),
            ));
        }
        if let Some(json) = bench {
            let timings = timed.and_then(|()| bench_checks(&json));
            let id = "kernel-test.reports-timings";
            sub.not_run.retain(|(c, _)| c != id);
            sub.observations.push(observation(
                id,
                timings.is_ok(),
                timings.err().unwrap_or_default(),
            ));
        }
    }
    if !raced {
        // The race's check ended in a crash or timeout: its other clauses say so.
        let lost = sub
            .crashes
            .iter()
            .any(|c| c.clause.as_deref() == Some("kernel-test.workers-complete"))
            || sub
                .timeouts
                .iter()
                .any(|t| t.clause == "kernel-test.workers-complete");
        if lost {
            for (id, why) in &mut sub.not_run {
                if id == "kernel-test.lock-loses-nothing"
                    || id == "kernel-test.fetch-add-loses-nothing"
                {
                    *why = "not run: the race (kernel-test.workers-complete) did not end".into();
                }
            }
        }
    }
}

type Check = std::result::Result<(), String>;

fn report(json: &str, what: &str) -> std::result::Result<serde_json::Value, String> {
    let v: serde_json::Value = serde_json::from_str(json.trim()).map_err(|e| {
        format!(
            "reading /dev/mymem_test after the {what} gave no JSON report ({e}): {:?}",
            json.chars().take(200).collect::<String>()
        )
    })?;
    if v["status"] != "complete" {
        return Err(format!(
            "the {what} ended with status {} (errno {})",
            v["status"], v["errno"]
        ));
    }
    Ok(v)
}

/// (every strategy complete, lock exact, fetch-add exact, race timed) of a race report.
fn race_checks(json: &str) -> (Check, Check, Check, Check) {
    let v = match report(json, "race") {
        Ok(v) => v,
        Err(e) => return (Err(e.clone()), Err(e.clone()), Err(e.clone()), Err(e)),
    };
    let rows = v["race"].as_array().cloned().unwrap_or_default();
    let row = |s: &str| rows.iter().find(|r| r["strategy"] == s).cloned();
    let want = WORKERS * ITERATIONS;
    let mut complete = Ok(());
    for s in ["none", "lock", "fetch-add"] {
        match row(s) {
            None => complete = Err(format!("no race row for strategy {s}")),
            Some(r) if r["expected"].as_u64() != Some(want) => {
                complete = Err(format!(
                    "{s}: {} cycles done, expected {WORKERS} workers x {ITERATIONS} = {want}",
                    r["expected"]
                ))
            }
            Some(_) => {}
        }
        if complete.is_err() {
            break;
        }
    }
    let exact = |s: &str| -> Check {
        let r = row(s).ok_or(format!("no race row for strategy {s}"))?;
        if r["actual"].as_u64() == Some(want) && r["expected"].as_u64() == Some(want) {
            Ok(())
        } else {
            Err(format!(
                "{s}: counter {} after {} increments ({WORKERS} workers x {ITERATIONS})",
                r["actual"], r["expected"]
            ))
        }
    };
    let timed = if rows.iter().all(|r| r["duration_ns"].as_u64() > Some(0)) && !rows.is_empty() {
        Ok(())
    } else {
        Err("a race row has no duration (duration_ns 0)".into())
    };
    (complete, exact("lock"), exact("fetch-add"), timed)
}

/// Every bench size has a read and a write row with a median > 0 and no errors.
fn bench_checks(json: &str) -> Check {
    let v = report(json, "bench")?;
    let rows = v["bench"].as_array().cloned().unwrap_or_default();
    let sizes = v["params"]["sizes"].as_array().cloned().unwrap_or_default();
    if sizes.is_empty() {
        return Err("the bench report lists no sizes".into());
    }
    for size in &sizes {
        for op in ["read", "write"] {
            let r = rows
                .iter()
                .find(|r| r["size"] == *size && r["op"] == op)
                .ok_or(format!("no bench row for {op} of {size} bytes"))?;
            if r["median_ns"].as_u64().unwrap_or(0) == 0 || r["errors"].as_u64() != Some(0) {
                return Err(format!(
                    "{op} of {size} bytes: median {} ns, {} errors",
                    r["median_ns"], r["errors"]
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_3_is_the_kernel_side_fix() {
        assert_eq!(driver_part("ioctl::fetch_add_semantics", None, DRIVER_C), 3);
        assert_eq!(driver_part("race.kernel-lock", None, DRIVER_RUST), 3);
        assert_eq!(driver_part("atomicity::no_torn_u64", None, DRIVER_C), 3);
        assert_eq!(driver_part("rw::default_size", None, DRIVER_C), 2);
        assert_eq!(driver_part("rw::default_size", None, DRIVER_RUST), 4);
        assert_eq!(driver_part("rw::default_size", Some(3), DRIVER_RUST), 3);
    }

    #[test]
    fn the_parts_script_is_complete() {
        for part in ["hello", "kernel-test"] {
            crate::vm::script::tests::check(
                &GRADE_PARTS,
                &part_script(part, "hello", "mymem_test", "mymem"),
            );
        }
    }

    #[test]
    fn the_reports_on_the_channel_become_part_5_s_clauses() {
        let w = WORKERS * ITERATIONS;
        let bench = r#"{"status":"complete","params":{"sizes":[1]},"bench":[
            {"size":1,"op":"write","median_ns":9,"errors":0},{"size":1,"op":"read","median_ns":8,"errors":0}]}"#;
        let data = |id: &str, detail: String| Observation {
            id: id.into(),
            verdict: ClauseVerdict::Pass,
            detail,
        };
        let mut sub = Submission {
            observations: vec![
                data(
                    "kernel-test.race-report",
                    race(&[("none", w, 7), ("lock", w, w), ("fetch-add", w, w - 2)]),
                ),
                data("kernel-test.bench-report", bench.into()),
            ],
            not_run: vec![("kernel-test.lock-loses-nothing".into(), "x".into())],
            ..Default::default()
        };
        score_reports(&mut sub);
        assert!(sub.not_run.is_empty());
        let verdict = |id: &str| {
            sub.observations
                .iter()
                .find(|o| o.id == id)
                .map(|o| o.verdict)
        };
        assert_eq!(
            verdict("kernel-test.race-report"),
            None,
            "data, not a clause"
        );
        assert_eq!(
            verdict("kernel-test.lock-loses-nothing"),
            Some(ClauseVerdict::Pass)
        );
        assert_eq!(
            verdict("kernel-test.fetch-add-loses-nothing"),
            Some(ClauseVerdict::Fail)
        );
        assert_eq!(
            verdict("kernel-test.reports-timings"),
            Some(ClauseVerdict::Pass)
        );
    }

    #[test]
    fn the_parts_rubric_parses_with_parts_1_and_5() {
        let r = parts_rubric().unwrap();
        assert!(r.clauses.iter().all(|c| matches!(c.part, Some(1 | 5))));
        assert!(r.clauses.iter().any(|c| c.group == "hello"));
        assert!(r.clauses.iter().any(|c| c.group == "kernel-test"));
    }

    fn race(rows: &[(&str, u64, u64)]) -> String {
        let rows: Vec<String> = rows
            .iter()
            .map(|(s, e, a)| {
                format!(r#"{{"strategy":"{s}","expected":{e},"actual":{a},"duration_ns":5}}"#)
            })
            .collect();
        format!(r#"{{"status":"complete","race":[{}]}}"#, rows.join(","))
    }

    #[test]
    fn race_reports_are_checked_per_strategy() {
        let w = WORKERS * ITERATIONS;
        let (c, l, f, t) = race_checks(&race(&[
            ("none", w, 7),
            ("lock", w, w),
            ("fetch-add", w, w),
        ]));
        assert!(c.is_ok() && l.is_ok() && f.is_ok() && t.is_ok());
        let (c, l, f, _) = race_checks(&race(&[
            ("none", w, 7),
            ("lock", w, w - 1),
            ("fetch-add", 3, 3),
        ]));
        assert!(c.unwrap_err().contains("fetch-add: 3 cycles done"));
        assert!(l.unwrap_err().contains("lock: counter"));
        assert!(f.is_err());
        let (c, ..) = race_checks(r#"{"status":"failed","errno":-38}"#);
        assert!(c.unwrap_err().contains("status \"failed\" (errno -38)"));
        assert!(race_checks("not json").0.unwrap_err().contains("no JSON"));
    }

    #[test]
    fn bench_reports_need_every_size_and_op() {
        let ok = r#"{"status":"complete","params":{"sizes":[1]},"bench":[
            {"size":1,"op":"write","median_ns":9,"errors":0},{"size":1,"op":"read","median_ns":8,"errors":0}]}"#;
        assert!(bench_checks(ok).is_ok());
        let no_read = r#"{"status":"complete","params":{"sizes":[1]},"bench":[
            {"size":1,"op":"write","median_ns":9,"errors":0}]}"#;
        assert!(bench_checks(no_read)
            .unwrap_err()
            .contains("no bench row for read"));
    }
}
