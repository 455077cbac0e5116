//! `lab grade`: scores module sources against the device contract, clause by
//! clause, with the rubric of `grading/rubric.toml` (crates/grade). Each
//! submission is built on the host (build.rs), then graded in as many boots
//! as its kernel failures need (boot.rs): a crash or hang costs the clause
//! whose check was running, and the next boot goes on with the next clause.
//! Hangs and boots are capped per submission ([`HANG_CAP`], [`BOOT_CAP`]);
//! what a cap leaves unrun is marked so.

pub(crate) mod boot;
pub mod build;
mod copy;
mod expect;
mod hints;
mod names;
pub mod sandbox;
#[cfg(feature = "kit")]
pub mod skeleton;
pub mod variant;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use grade::{Rubric, Submission, GROUPS};
use results::{layout, GradeReport};

use crate::handout::Assignment;
use crate::vm::guest::Lab;
use crate::{cmd, paths};

#[derive(Debug, Args)]
pub struct GradeArgs {
    /// Module source directories (a Kbuild file and Rust or C sources).
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Also grade every subdirectory of this directory (a class), with one summary table.
    #[arg(long, value_name = "DIR")]
    pub batch: Option<PathBuf>,
    /// Device node the module creates [default: /dev/<module>].
    #[arg(long, value_name = "/dev/NAME")]
    pub device: Option<String>,
    /// Module to load when the directory builds several .ko files.
    #[arg(long)]
    pub module: Option<String>,
    /// The rubric: clause ids, groups, points, bonus [default: the --assignment's file].
    #[arg(long, value_name = "FILE")]
    pub rubric: Option<PathBuf>,
    /// Rubric profile: `full` (grading/rubric.toml, the kit's whole contract; the default
    /// outside a handout) or `seed` (grading/rubric-seed.toml, the seed lab's own assignment:
    /// no mmap, splice, fsync or O_APPEND; the default of a handout, from its handout.toml).
    #[arg(long, value_enum)]
    pub assignment: Option<crate::handout::Assignment>,
    /// Only these clause groups (comma list); the others are skipped, not counted.
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(GROUPS))]
    pub groups: Vec<String>,
    /// Grade on the debug kernel (lockdep, KASAN, kmemleak; built once and cached, like
    /// `lab --profile debug`): the same groups, with each group's time budget tripled.
    #[arg(long)]
    pub debug: bool,
    /// Self-test: fail unless each submission loses exactly the clauses its
    /// `expect.toml` lists (none without one).
    #[arg(long)]
    pub expect: bool,
    /// Submissions graded at once, each in its own build and boot directories
    /// (every guest boot is one QEMU with 2 vCPUs, i.e. 2 TCG threads): about
    /// half the host's cores. With N > 1 each line is prefixed `[submission]`
    /// and the guest console is not shown unless --verbose (it is in each
    /// boot's console.log).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,
}

pub fn run(lab: &Lab, args: &GradeArgs) -> Result<()> {
    let rubric_path = |assignment: Assignment| {
        args.rubric
            .clone()
            .unwrap_or_else(|| paths::repo_root().join(assignment.rubric()))
    };
    let default = args.assignment.unwrap_or(Assignment::Full);
    let rubric = Rubric::load(&rubric_path(default))?;
    let mut dirs = args.dirs.clone();
    if let Some(batch) = &args.batch {
        let mut subs: Vec<PathBuf> = std::fs::read_dir(batch)
            .with_context(|| format!("cannot read {}", batch.display()))?
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| p.is_dir())
            .collect();
        subs.sort();
        dirs.extend(subs);
    }
    if dirs.is_empty() {
        bail!("nothing to grade: give module directories or --batch DIR");
    }
    variant::check_all(&dirs)?;
    let groups: Vec<String> = if args.groups.is_empty() {
        GROUPS.iter().map(|g| g.to_string()).collect()
    } else {
        GROUPS
            .iter()
            .filter(|g| args.groups.iter().any(|a| a == *g))
            .map(|g| g.to_string())
            .collect()
    };
    let jobs = (args.jobs as usize).min(dirs.len());
    if jobs > 1 {
        cmd::set_parallel();
    }
    // Workers take the next submission off a shared index; results land in
    // the submission's slot, so the summary keeps the order given.
    let names = names::distinct(&dirs);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<GradeReport>>>> =
        dirs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let stdout = std::sync::Mutex::new(());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(dir) = dirs.get(i) else { break };
                if jobs > 1 {
                    cmd::set_prefix(&names[i]);
                }
                // One broken entry (a stray notes directory) never stops a batch.
                let g = match grade_entry(lab, &rubric, dir, &names[i], args, &groups) {
                    Err(e) if dirs.len() > 1 => {
                        cmd::note(&format!("{}: {e:#}", dir.display()));
                        not_graded(
                            lab,
                            &rubric,
                            dir,
                            &names[i],
                            groups.clone(),
                            &format!("{e:#}"),
                        )
                    }
                    g => g,
                };
                if let Ok(g) = &g {
                    let _one_at_a_time = stdout.lock();
                    if g.parts.is_empty() {
                        print!("{}", grade::render::summary(g));
                    } else {
                        print!("{}", crate::handout::grade::summary(g));
                    }
                }
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(g);
            });
        }
    });
    let mut grades = Vec::new();
    let mut mismatches = Vec::new();
    for ((dir, key), slot) in dirs.iter().zip(&names).zip(slots) {
        let g = slot
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .context("a grading worker stopped early")??;
        if args.expect {
            if let Err(e) = expect::check(dir, &g) {
                eprintln!("lab grade: {e:#}");
                mismatches.push(g.submission.clone());
            }
        }
        grades.push((lab.run_dir.join(key), g));
    }
    if args.expect {
        // Each grade.json on disk is still the runner's own, whatever later builds did.
        for (out, g) in &grades {
            if let Err(e) = expect::check_on_disk(out, g) {
                eprintln!("lab grade: {e:#}");
                mismatches.push(g.submission.clone());
            }
        }
    }
    let grades: Vec<GradeReport> = grades.into_iter().map(|(_, g)| g).collect();
    if grades.len() > 1 {
        write(
            &lab.run_dir.join(layout::GRADE_SUMMARY_CSV),
            &grade::render::batch_csv(&grades),
        )?;
        write(
            &lab.run_dir.join(layout::GRADE_SUMMARY_JUNIT),
            &grade::render::batch_junit(&grades)?,
        )?;
        let md = grade::render::batch_markdown(&grades);
        write(&lab.run_dir.join(layout::GRADE_SUMMARY_MD), &md)?;
        println!("\n{md}");
    }
    println!("results: {}", lab.run_dir.display());
    if !mismatches.is_empty() {
        bail!("grades differ from expect.toml: {}", mismatches.join(", "));
    }
    Ok(())
}

/// Grades one entry of the command line: a handout (every part present, with its own
/// profile unless --assignment says) or one module directory.
fn grade_entry(
    lab: &Lab,
    rubric: &Rubric,
    dir: &Path,
    key: &str,
    args: &GradeArgs,
    groups: &[String],
) -> Result<GradeReport> {
    let rubric_path = |assignment: Assignment| {
        args.rubric
            .clone()
            .unwrap_or_else(|| paths::repo_root().join(assignment.rubric()))
    };
    if let Some(layout) = crate::handout::Layout::load(dir)? {
        let assignment = match args.assignment {
            Some(a) => a,
            None => Assignment::parse(&layout.assignment)?,
        };
        let drivers = Rubric::load(&rubric_path(assignment))?;
        let grade_driver =
            |rubric: &Rubric, dir: &Path, key: &str| grade_one(lab, rubric, dir, key, args, groups);
        return crate::handout::grade::grade(
            lab,
            dir,
            key,
            &layout,
            (&drivers, assignment.name()),
            &grade_driver,
        );
    }
    grade_one(lab, rubric, dir, key, args, groups)
}

/// Checks that may time out per submission; after that the rest is not run
/// (a driver that hangs three checks hangs the others too, and each hang
/// costs up to a check's timeout).
pub const HANG_CAP: u32 = 3;
/// Boots per submission: one, plus one per kernel failure that left clauses to run.
pub const BOOT_CAP: u32 = 16;

/// Grades a built submission in as many boots as it needs, filling `sub`.
fn grade_boots(
    lab: &Lab,
    rubric: &Rubric,
    target: &boot::Target,
    groups: &[String],
    sub: &mut Submission,
) -> Result<()> {
    let clauses: Vec<&str> = rubric
        .clauses
        .iter()
        .filter(|c| groups.contains(&c.group))
        .map(|c| c.id.as_str())
        .collect();
    let mut decided: BTreeSet<String> = BTreeSet::new();
    let mut hangs = 0;
    let stop = |sub: &mut Submission, decided: &BTreeSet<String>, why: String| {
        for id in clauses.iter().filter(|c| !decided.contains(**c)) {
            sub.not_run.push((id.to_string(), why.clone()));
        }
    };
    loop {
        if sub.boots == BOOT_CAP {
            let why = format!(
                "not run: grading stopped after {BOOT_CAP} boots (a kernel failure ended each)"
            );
            stop(sub, &decided, why);
            break;
        }
        sub.boots += 1;
        let skip: Vec<String> = decided.iter().cloned().collect();
        let pending = boot::Pending {
            groups,
            skip: &skip,
            hangs_left: HANG_CAP - hangs,
        };
        let b = boot::boot(lab, target, &pending, sub.boots)?;
        sub.boot_cpus.push(results::BootCpu {
            boot: sub.boots,
            model: format!("{} ({})", boot::cpu_model(lab.accel), lab.accel.name()),
            guest_flags: b.cpu_flags.clone(),
        });
        sub.observations.extend(b.observations);
        hangs += b.timeouts.len() as u32;
        for c in &b.crashes {
            let at = c.clause.as_deref().unwrap_or("loading the module");
            cmd::note(&format!("{}: {} in {at}", sub.name, c.kind));
        }
        for t in &b.timeouts {
            cmd::note(&format!(
                "{}: {} timed out after {} s ({})",
                sub.name, t.clause, t.seconds, t.check
            ));
        }
        sub.timeouts.extend(b.timeouts);
        let progress = !b.decided.is_empty();
        decided.extend(b.decided);
        if let Some(e) = b.load_error {
            if sub.boots == 1 {
                sub.load_error = Some(e);
            } else {
                let why = format!(
                    "not run: the module did not load in boot {}: {e}",
                    sub.boots
                );
                stop(sub, &decided, why);
            }
            break;
        }
        if b.load_crash {
            if sub.boots == 1 {
                // Loading itself fails the kernel: nothing can run.
                for g in groups {
                    let mut c = b.crashes[0].clone();
                    c.group = g.clone();
                    sub.crashes.push(c);
                }
            } else {
                sub.crashes.extend(b.crashes);
                let why = format!(
                    "not run: loading the module failed the kernel in boot {}",
                    sub.boots
                );
                stop(sub, &decided, why);
            }
            break;
        }
        sub.crashes.extend(b.crashes);
        if b.out_of_hangs || hangs >= HANG_CAP {
            let hung: Vec<&str> = sub.timeouts.iter().map(|t| t.clause.as_str()).collect();
            let why = format!(
                "not run: grading stopped after {hangs} checks timed out ({})",
                hung.join(", ")
            );
            stop(sub, &decided, why);
            break;
        }
        let left = clauses.iter().any(|c| !decided.contains(*c));
        if b.done || !left || !progress {
            break;
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The grade of a submission the grader could not grade: 0, with the reason.
fn not_graded(
    lab: &Lab,
    rubric: &Rubric,
    dir: &Path,
    key: &str,
    groups: Vec<String>,
    why: &str,
) -> Result<GradeReport> {
    let sub = Submission {
        name: names::display(dir),
        groups,
        build_error: Some(format!("not graded: {why}")),
        ..Default::default()
    };
    let g = grade::score(rubric, &sub);
    let out = lab.run_dir.join(key);
    std::fs::create_dir_all(&out)?;
    write(
        &out.join(layout::GRADE_JSON),
        &serde_json::to_string_pretty(&g)?,
    )?;
    write(&out.join(layout::GRADE_MD), &grade::render::markdown(&g))?;
    Ok(g)
}

/// Grades `dir`; `key` (from [`names::distinct`]) names its results and
/// build directories.
pub(crate) fn grade_one(
    lab: &Lab,
    rubric: &Rubric,
    dir: &Path,
    key: &str,
    args: &GradeArgs,
    groups: &[String],
) -> Result<GradeReport> {
    let started = Instant::now();
    let name = names::display(dir);
    if !dir.is_dir() {
        bail!("no directory {}", dir.display());
    }
    cmd::step(&format!("Grade {name} ({})", dir.display()));
    let out = lab.run_dir.join(key);
    std::fs::create_dir_all(&out)?;
    let log = out.join(layout::GRADE_BUILD_LOG);
    let mut sub = Submission {
        name: name.clone(),
        groups: groups.to_vec(),
        ..Default::default()
    };
    match build::build(
        &lab.kernel,
        dir,
        key,
        args.module.as_deref(),
        &build::submission_step(key),
        &log,
    )? {
        Err(tail) => sub.build_error = Some(tail),
        Ok(built) => {
            sub.module = built.module.clone();
            sub.device = args
                .device
                .clone()
                .unwrap_or_else(|| format!("/dev/{}", built.module));
            let device = sub.device.clone();
            let target = boot::Target {
                name: key,
                ko: &built.ko,
                module: &built.module,
                device: &device,
            };
            grade_boots(lab, rubric, &target, groups, &mut sub)?;
        }
    }
    sub.elapsed_s = started.elapsed().as_secs_f64();
    let mut g = grade::score(rubric, &sub);
    g.assignment = args.assignment.map(|a| a.name().into());
    std::fs::write(
        out.join(layout::GRADE_JSON),
        serde_json::to_string_pretty(&g)?,
    )?;
    write(&out.join(layout::GRADE_MD), &grade::render::markdown(&g))?;
    write(&out.join(layout::GRADE_JUNIT), &grade::render::junit(&g)?)?;
    if !g.unscored.is_empty() {
        cmd::note(&format!(
            "results the rubric does not know (not scored; add them to {}): {}",
            args.rubric
                .as_deref()
                .map_or_else(|| "the rubric".into(), |p| p.display().to_string()),
            g.unscored.join(", ")
        ));
    }
    Ok(g)
}
