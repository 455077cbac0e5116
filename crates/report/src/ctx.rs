//! What every section of the report reads: the inputs, their analysis, the
//! plots.

use results::layout::{BENCH_JSON, KERNEL_JSON, RACE_JSON};
use results::EnvStamp;

use crate::analysis::{Bench, Race};
use crate::inputs::{rel, Inputs};
use crate::md::Md;
use crate::plots::Plot;

/// What every section reads.
pub struct Ctx<'a> {
    pub inputs: &'a Inputs,
    /// The measurement boot's benches (wall clock in `lab run`).
    pub bench: Bench<'a>,
    /// The deterministic benches: the icount boot of `lab run`, or the measurement boot when
    /// it ran with `--clock icount`; `None` without an icount measurement.
    pub icount: Option<Bench<'a>>,
    pub race: Option<Race<'a>>,
    pub plots: &'a [Plot],
    /// How the report names the two drivers compared.
    pub names: crate::modules::Names,
}

impl<'a> Ctx<'a> {
    /// The measurement boot's benches when they ran on the wall clock.
    pub fn wall(&self) -> Option<Bench<'a>> {
        (!self.bench.is_icount() && self.bench.user.is_some()).then_some(self.bench)
    }

    /// The guest's environment stamp, from whichever tool ran.
    pub fn env(&self) -> Option<&EnvStamp> {
        self.inputs
            .bench
            .get()
            .map(|b| &b.env)
            .or(self.inputs.race.get().map(|r| &r.env))
            .or(self.inputs.icount_bench.get().map(|b| &b.env))
    }

    pub fn is_tcg(&self) -> bool {
        self.inputs.run.accel.eq_ignore_ascii_case("tcg")
            || self
                .env()
                .is_some_and(|e| e.accel.eq_ignore_ascii_case("tcg"))
    }

    pub fn plot_links(&self, md: &mut Md, files: &[&str]) {
        for p in self.plots.iter().filter(|p| files.contains(&p.file)) {
            md.para(&format!("![{}](plots/{})", p.title, p.file));
        }
    }

    /// In a run that names its modules: which driver the race sweep ran on, as a paragraph
    /// for answers 2 and 3 ("The sweep ran on your C driver `studmem` (`/dev/studmem`).").
    pub fn race_driver(&self, md: &mut Md) {
        let Some(r) = self.inputs.race.get() else {
            return;
        };
        if let Some(n) = crate::modules::device_noun(&self.inputs.run, &r.config.device) {
            md.para(&format!(
                "The race sweep ran on {n} (`{}`).",
                r.config.device
            ));
        }
    }

    /// The notes on the missing inputs among bench, race and kernel results.
    pub fn missing(&self, md: &mut Md, bench: bool, race: bool, kernel: bool) {
        let i = self.inputs;
        let notes = [
            bench.then(|| i.bench.why_not(&rel(BENCH_JSON))).flatten(),
            race.then(|| i.race.why_not(&rel(RACE_JSON))).flatten(),
            kernel
                .then(|| i.kernel.why_not(&rel(KERNEL_JSON)))
                .flatten(),
        ];
        paras(md, notes);
    }
}

/// Each note once (a run without its measurement boot gives the same note for every file).
pub fn paras(md: &mut Md, notes: impl IntoIterator<Item = Option<String>>) {
    let mut seen = Vec::new();
    for n in notes.into_iter().flatten() {
        if !seen.contains(&n) {
            md.para(&n);
            seen.push(n);
        }
    }
}
