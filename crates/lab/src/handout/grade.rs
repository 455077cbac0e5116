//! `lab grade` on a handout directory: every part present, one grade with a score per part.
//!
//! The drivers (parts 2 and 4) are graded as any submission (grading::grade_one) with the
//! driver rubric of the profile; their part-3 clauses (the ioctls, the lock, the races) count
//! for part 3. Parts 1 and 5 are graded here, each in a boot of its own, with
//! grading/rubric-parts.toml: the hello module's load/unload and log lines, and the in-kernel
//! module against the handout's own Rust driver (refused without it, loaded after it, a race of
//! W = 50 workers and a bench through its API). Their clause groups (`hello`, `kernel-test`)
//! are separate from grade.sh's, so they are independent of how the driver groups report.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use grade::{ClauseVerdict, Observation, Rubric, Submission};
use results::{layout, ClauseResult, ClauseStatus, GradeReport, PartScore};

use super::{Layout, Role, DRIVER_C, DRIVER_RUST, HELLO, KERNEL_TEST};
use crate::grading::{build, GradeArgs};
use crate::vm::guest::{Lab, Outcome, Scenario};
use crate::vm::guest_results::read_result;
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

/// Grades the handout at `dir` (its `layout`, results under `key`) with the driver rubric of
/// the profile (`drivers`, named `assignment`).
pub fn grade(
    lab: &Lab,
    dir: &Path,
    key: &str,
    layout: &Layout,
    (drivers, assignment): (&Rubric, &str),
    args: &GradeArgs,
    groups: &[String],
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
    let mut boots = 0;
    let mut per_dir: Vec<(u8, String, Vec<ClauseResult>)> = Vec::new();
    for role in layout.roles() {
        let part_dir = dir.join(role.dir);
        let g = match role {
            DRIVER_C | DRIVER_RUST => {
                let driver_key = format!("{key}-{}", role.dir);
                let mut g =
                    crate::grading::grade_one(lab, drivers, &part_dir, &driver_key, args, groups)?;
                for c in &mut g.clauses {
                    let rubric_part = drivers.get(&c.id).and_then(|c| c.part);
                    c.part = Some(driver_part(&c.id, rubric_part, role));
                }
                g
            }
            HELLO => hello(lab, &part_dir, &parts_rubric, &out)?,
            KERNEL_TEST => kernel_test(
                lab,
                &part_dir,
                &dir.join(DRIVER_RUST.dir),
                &parts_rubric,
                &out,
            )?,
            _ => continue,
        };
        print!("{}", grade::render::summary(&g));
        boots += g.boots;
        for c in &g.crashes {
            let mut c = c.clone();
            c.group = format!("{}/{}", role.dir, c.group);
            c.console = match role {
                DRIVER_C | DRIVER_RUST => format!("../{key}-{}/{}", role.dir, c.console),
                _ => c.console,
            };
            crashes.push(c);
        }
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

/// Builds one part directory; `Err(log tail)` when it does not build.
fn build_part(
    lab: &Lab,
    dir: &Path,
    name: &str,
    out: &Path,
    extra_symbols: &[std::path::PathBuf],
) -> Result<std::result::Result<build::Built, String>> {
    let log = out.join(format!("{name}-build.log"));
    build::build_with(&lab.kernel, dir, name, None, &log, extra_symbols)
}

/// Boots `script` with `files` under `name`, the kernel set to stop at the first oops/WARN.
fn boot(
    lab: &Lab,
    out_name: &str,
    script: &str,
    files: Vec<(std::path::PathBuf, String)>,
) -> Result<Outcome> {
    let mut scenario = Scenario::new(out_name, script).timeout(240);
    scenario.append = "oops=panic panic_on_warn=1".into();
    scenario.files = files;
    lab.boot(&scenario)
}

/// The crash of a boot, if the kernel reported one or the guest did not finish.
fn crash(outcome: &Outcome, group: &str, console: &str) -> Option<results::Crash> {
    if let Some(f) = outcome.findings.first() {
        return Some(results::Crash {
            group: group.into(),
            kind: f.pattern.trim_end_matches(':').to_string(),
            report: f.context.iter().take(60).cloned().collect(),
            console: console.into(),
        });
    }
    if outcome.timed_out || outcome.exit_code.is_none() {
        return Some(results::Crash {
            group: group.into(),
            kind: if outcome.timed_out {
                format!("hang (no end within {} s)", outcome.timeout.as_secs())
            } else {
                "the guest died".into()
            },
            report: outcome
                .console
                .lines()
                .rev()
                .take(20)
                .map(str::to_string)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect(),
            console: console.into(),
        });
    }
    None
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

/// Part 1: hello.ko loads with times=3, greets three times, unloads, says goodbye, and
/// refuses times=0.
fn hello(lab: &Lab, dir: &Path, rubric: &Rubric, out: &Path) -> Result<GradeReport> {
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
        let ko = format!("/lab/grade/{}.ko", built.module);
        let script = format!(
            "set +e\ninsmod {ko} times=3; echo $? > {load}\n\
             rmmod {m}; echo $? > {unload}\n\
             if insmod {ko} times=0; then echo 0 > {bad}; rmmod {m}; else echo 1 > {bad}; fi\n\
             dmesg > {dmesg}\nexit 0\n",
            m = built.module,
            load = layout::guest_path("hello-load.rc"),
            unload = layout::guest_path("hello-unload.rc"),
            bad = layout::guest_path("hello-times0-refused"),
            dmesg = layout::guest_path("hello-dmesg.txt"),
        );
        let name = format!(
            "{}/{}",
            out.file_name().unwrap().to_string_lossy(),
            HELLO.dir
        );
        let outcome = boot(lab, &name, &script, vec![(built.ko.clone(), ko)])?;
        sub.boots = 1;
        if let Some(c) = crash(&outcome, "hello", &format!("{}/console.log", HELLO.dir)) {
            sub.crashes.push(c);
            return Ok(());
        }
        let rc = |f: &str| read_result(&outcome, f).map(|s| s.trim().to_string());
        let dmesg = read_result(&outcome, "hello-dmesg.txt")?;
        let greetings = |times: u32| -> std::result::Result<(), String> {
            for i in 1..=times {
                let want = format!("hello: Hello, kernel! (greeting {i} of {times})");
                if !dmesg.contains(&want) {
                    return Err(format!("the kernel log lacks {want:?}"));
                }
            }
            let n = dmesg.matches("Hello, kernel!").count();
            if n != times as usize {
                return Err(format!("{n} greetings in the kernel log, expected {times}"));
            }
            Ok(())
        };
        let load = rc("hello-load.rc")?;
        sub.observations.push(observation(
            "hello.loads",
            load == "0",
            format!("insmod hello.ko times=3 exited {load}"),
        ));
        let g = greetings(3);
        sub.observations.push(observation(
            "hello.greets",
            g.is_ok(),
            g.err().unwrap_or_default(),
        ));
        let unload = rc("hello-unload.rc")?;
        sub.observations.push(observation(
            "hello.unloads",
            unload == "0",
            format!("rmmod hello exited {unload}"),
        ));
        let bye = "hello: Goodbye, kernel! (greeted 3 times)";
        sub.observations.push(observation(
            "hello.says-goodbye",
            dmesg.contains(bye),
            format!("the kernel log lacks {bye:?}"),
        ));
        let refused = rc("hello-times0-refused")? == "1";
        let line = dmesg.contains("hello: times=0 is out of range 1-10");
        sub.observations.push(observation(
            "hello.refuses-bad-times",
            refused && line,
            if refused {
                "insmod times=0 failed, but the kernel log lacks \"hello: times=0 is out of range 1-10\"".into()
            } else {
                "insmod hello.ko times=0 succeeded; it must fail (EINVAL)".into()
            },
        ));
        Ok(())
    })
}

/// Part 5: the in-kernel module against the handout's Rust driver.
fn kernel_test(
    lab: &Lab,
    dir: &Path,
    driver_dir: &Path,
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
            let (m, d) = (&built.module, &driver.module);
            let script = format!(
                "set +e\n\
                 if insmod /lab/grade/{m}.ko 2>{alone}; then echo loaded >> {alone}; rmmod {m}; fi\n\
                 dmesg > {dmesg_alone}\n\
                 insmod /lab/grade/{d}.ko || {{ echo 'the driver did not load' > {loaded}; exit 0; }}\n\
                 if ! insmod /lab/grade/{m}.ko 2>{loaded}; then dmesg > {dmesg}; exit 0; fi\n\
                 echo ok > {loaded}\n\
                 echo 'race workers={WORKERS} iterations={ITERATIONS}' > /dev/{m} && cat /dev/{m} > {race}\n\
                 echo 'bench {BENCH}' > /dev/{m} && cat /dev/{m} > {bench}\n\
                 rmmod {m} && rmmod {d} && echo ok > {unloaded}\n\
                 dmesg > {dmesg}\nexit 0\n",
                alone = layout::guest_path("kt-alone.txt"),
                dmesg_alone = layout::guest_path("kt-dmesg-alone.txt"),
                loaded = layout::guest_path("kt-loaded.txt"),
                race = layout::guest_path("kt-race.json"),
                bench = layout::guest_path("kt-bench.json"),
                unloaded = layout::guest_path("kt-unloaded.txt"),
                dmesg = layout::guest_path("kt-dmesg.txt"),
            );
            let name = format!(
                "{}/{}",
                out.file_name().unwrap().to_string_lossy(),
                KERNEL_TEST.dir
            );
            let files = vec![
                (built.ko.clone(), format!("/lab/grade/{m}.ko")),
                (driver.ko.clone(), format!("/lab/grade/{d}.ko")),
            ];
            let outcome = boot(lab, &name, &script, files)?;
            sub.boots = 1;
            if let Some(c) = crash(
                &outcome,
                "kernel-test",
                &format!("{}/console.log", KERNEL_TEST.dir),
            ) {
                sub.crashes.push(c);
                return Ok(());
            }
            let file = |f: &str| read_result(&outcome, f).unwrap_or_default();
            let alone = file("kt-alone.txt");
            let dmesg_alone = file("kt-dmesg-alone.txt");
            sub.observations.push(observation(
                "kernel-test.refused-without-driver",
                !alone.contains("loaded") && dmesg_alone.contains("Unknown symbol"),
                if alone.contains("loaded") {
                    "insmod mymem_test.ko succeeded without the driver loaded".into()
                } else {
                    format!("refused, but not for an unknown symbol: {}", alone.trim())
                },
            ));
            let loaded = file("kt-loaded.txt");
            sub.observations.push(observation(
                "kernel-test.loads-after-driver",
                loaded.trim() == "ok",
                format!("insmod after the driver: {}", loaded.trim()),
            ));
            let (complete, lock, fetch, timed) = race_checks(&file("kt-race.json"));
            sub.observations.push(observation(
                "kernel-test.workers-complete",
                complete.is_ok(),
                complete.err().unwrap_or_default(),
            ));
            sub.observations.push(observation(
                "kernel-test.lock-loses-nothing",
                lock.is_ok(),
                lock.err().unwrap_or_default(),
            ));
            sub.observations.push(observation(
                "kernel-test.fetch-add-loses-nothing",
                fetch.is_ok(),
                fetch.err().unwrap_or_default(),
            ));
            let timings = timed.and_then(|()| bench_checks(&file("kt-bench.json")));
            sub.observations.push(observation(
                "kernel-test.reports-timings",
                timings.is_ok(),
                timings.err().unwrap_or_default(),
            ));
            let unloaded = file("kt-unloaded.txt");
            sub.observations.push(observation(
                "kernel-test.unloads",
                unloaded.trim() == "ok",
                "rmmod mymem_test, then rmmod mymem, failed".into(),
            ));
            Ok(())
        },
    )
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
