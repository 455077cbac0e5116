//! `lab grade`: scores module sources against the device contract, clause by
//! clause, with the rubric of `grading/rubric.toml` (crates/grade). Each
//! submission is built on the host (build.rs), then graded in as many boots
//! as its crashes need (boot.rs): a crash costs the group it happened in and
//! the next boot goes on with the groups after it.

mod boot;
pub mod build;
mod copy;
mod expect;
mod hints;
mod names;
pub mod sandbox;
pub mod skeleton;
pub mod variant;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use grade::{Rubric, Submission, GROUPS};
use results::{layout, GradeReport};

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
    /// The rubric: clause ids, groups, points, bonus.
    #[arg(long, value_name = "FILE", default_value_os_t = paths::repo_root().join("grading/rubric.toml"))]
    pub rubric: PathBuf,
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
}

pub fn run(lab: &Lab, args: &GradeArgs) -> Result<()> {
    let rubric = Rubric::load(&args.rubric)?;
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
    let mut grades = Vec::new();
    let mut mismatches = Vec::new();
    let names = names::distinct(&dirs);
    for (dir, key) in dirs.iter().zip(&names) {
        // One broken entry (a stray notes directory) never stops a batch.
        let g = match grade_one(lab, &rubric, dir, key, args, &groups) {
            Ok(g) => g,
            Err(e) if dirs.len() > 1 => {
                cmd::note(&format!("{}: {e:#}", dir.display()));
                not_graded(lab, &rubric, dir, key, groups.clone(), &format!("{e:#}"))?
            }
            Err(e) => return Err(e),
        };
        print!("{}", grade::render::summary(&g));
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
fn grade_one(
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
    match build::build(&lab.kernel, dir, key, args.module.as_deref(), &log)? {
        Err(tail) => sub.build_error = Some(tail),
        Ok(built) => {
            sub.module = built.module.clone();
            sub.device = args
                .device
                .clone()
                .unwrap_or_else(|| format!("/dev/{}", built.module));
            let target = boot::Target {
                name: key,
                ko: &built.ko,
                module: &built.module,
                device: &sub.device,
            };
            let mut pending = groups.to_vec();
            while !pending.is_empty() {
                sub.boots += 1;
                let b = boot::boot(lab, &target, &pending, sub.boots)?;
                sub.observations.extend(b.observations);
                if b.load_error.is_some() {
                    sub.load_error = b.load_error;
                    break;
                }
                pending.retain(|g| !b.finished.contains(g));
                let crash = match b.crash {
                    Some(crash) => crash,
                    None if pending.is_empty() => break,
                    // The guest ended cleanly but a group left no end marker
                    // (its output garbled it): that group scores nothing, loudly.
                    None => results::Crash {
                        group: pending[0].clone(),
                        kind: "no result: the group's end marker is missing from the console"
                            .into(),
                        report: Vec::new(),
                        console: format!("boot-{}/console.log", sub.boots),
                    },
                };
                cmd::note(&format!("{name}: {} in group {}", crash.kind, crash.group));
                if crash.group == "load" {
                    // Loading itself crashes: nothing can run.
                    for g in &pending {
                        let mut c = crash.clone();
                        c.group = g.clone();
                        sub.crashes.push(c);
                    }
                    break;
                }
                pending.retain(|g| *g != crash.group);
                sub.crashes.push(crash);
            }
        }
    }
    sub.elapsed_s = started.elapsed().as_secs_f64();
    let g = grade::score(rubric, &sub);
    std::fs::write(
        out.join(layout::GRADE_JSON),
        serde_json::to_string_pretty(&g)?,
    )?;
    write(&out.join(layout::GRADE_MD), &grade::render::markdown(&g))?;
    write(&out.join(layout::GRADE_JUNIT), &grade::render::junit(&g)?)?;
    if !g.unscored.is_empty() {
        cmd::note(&format!(
            "results the rubric does not know (not scored; add them to {}): {}",
            args.rubric.display(),
            g.unscored.join(", ")
        ));
    }
    Ok(g)
}
