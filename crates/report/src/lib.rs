//! The lab report of one run directory: `report.md` (GitHub-flavoured
//! markdown, plots linked as `plots/*.svg`), `report.html` (the same content,
//! self-contained with the plots inlined as SVG) and `plots/*.svg`.
//!
//! Inputs, in the run directory as `results::layout` places them: `run.json`
//! (required, `results::RunInfo`), the measurement boot's `hello.txt`,
//! `bench.json`, `race.json`, `kernel.json` and in-kernel rounds
//! `kernel-bench-<n>.json` (`lab/results/*`), and the icount boot's
//! `bench.json` and `kernel.json` (`lab-icount/results/*`; formats in the
//! `results` crate). A missing optional input becomes a note in its section.

mod analysis;
mod answers;
mod certainty;
mod ctx;
mod document;
mod format;
pub mod html;
mod inputs;
mod latency;
mod md;
mod modules;
mod plots;
mod races;
mod templates;
mod verdicts;

/// The lab's nine questions (`lab handout` puts them in the student README).
pub use answers::{Question, QUESTIONS};

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Files written into the run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub markdown: PathBuf,
    pub html: PathBuf,
    pub plots: Vec<PathBuf>,
}

/// Renders the report of `run_dir` into it. Fails only if run.json is
/// missing or invalid, or a file cannot be written.
pub fn render(run_dir: &Path) -> Result<Rendered> {
    let inputs = inputs::Inputs::load(run_dir)?;
    let bench = analysis::Bench {
        user: inputs.bench.get(),
        kernel: inputs.kernel.get(),
    };
    let icount = match inputs.icount_bench.get() {
        Some(user) => Some(analysis::Bench {
            user: Some(user),
            kernel: inputs.icount_kernel.get(),
        }),
        None => bench.is_icount().then_some(bench),
    };
    let race = inputs.race.get().map(analysis::Race);
    let names = modules::Names::of(&inputs.run);
    let plots = plots::render(&bench, race.as_ref(), &names)?;
    let markdown = document::render(&ctx::Ctx {
        inputs: &inputs,
        bench,
        icount,
        race,
        plots: &plots,
        names,
    });
    let title = format!("{} — {}", document::TITLE, inputs.run.date);
    let html = html::render(&title, &markdown, &plots);

    let plot_dir = run_dir.join("plots");
    fs::create_dir_all(&plot_dir).with_context(|| format!("creating {}", plot_dir.display()))?;
    let mut plot_paths = Vec::new();
    for p in &plots {
        let path = plot_dir.join(p.file);
        write(&path, &p.svg)?;
        plot_paths.push(path);
    }
    let md_path = run_dir.join("report.md");
    write(&md_path, &markdown)?;
    let html_path = run_dir.join("report.html");
    write(&html_path, &html)?;
    Ok(Rendered {
        markdown: md_path,
        html: html_path,
        plots: plot_paths,
    })
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
