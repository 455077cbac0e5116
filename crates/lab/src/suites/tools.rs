//! Suite `tools`: mymem bench and race with tiny settings; their JSON is
//! complete and consistent.

use anyhow::{ensure, Context, Result};
use results::{layout, BenchReport, Op, RaceReport, SeriesKind, Strategy};

use crate::guest::{Lab, Scenario};
use crate::guest_results::read_json;
use crate::script::{guest_script, Exit, Script};

const TOOLS: Script = guest_script!(
    "tools.sh",
    &[
        Exit::new("EXIT_BENCH", 1, "mymem bench failed"),
        Exit::new("EXIT_RACE", 2, "mymem race failed"),
    ]
);

fn script() -> String {
    TOOLS.with(&[
        ("BENCH_JSON", layout::guest_path(layout::BENCH_JSON)),
        ("RACE_JSON", layout::guest_path(layout::RACE_JSON)),
    ])
}

pub fn tools(lab: &Lab) -> Result<()> {
    let outcome = TOOLS.run_clean(
        lab,
        &Scenario::new("tools", &script())
            .load(&["mymem", "mymem_c"])
            .timeout(600),
    )?;
    let bench: BenchReport = read_json(&outcome, layout::BENCH_JSON)?;
    ensure!(
        bench.env.accel == lab.accel.name(),
        "bench env accel {:?}",
        bench.env.accel
    );
    ensure!(
        bench.env.clock == lab.clock.name(),
        "bench env clock {:?}, the lab booted with {}",
        bench.env.clock,
        lab.clock.name()
    );
    ensure!(
        bench.skipped.is_empty(),
        "bench skipped targets: {:?}",
        bench.skipped
    );
    for label in ["Rust", "C"] {
        for op in [Op::Pwrite, Op::Pread] {
            for size in [1u64, 64, 4096] {
                let s = bench
                    .series
                    .iter()
                    .find(|s| {
                        s.kind == SeriesKind::Device
                            && s.label == label
                            && s.op == op
                            && s.size == size
                    })
                    .with_context(|| format!("bench has no {label} {op:?} {size} B series"))?;
                ensure!(
                    s.samples_ns.len() == 20,
                    "{label} {op:?} {size}: {} samples",
                    s.samples_ns.len()
                );
                ensure!(
                    s.stats.min_ns > 0 && s.stats.min_ns <= s.stats.max_ns,
                    "{label} {op:?} {size}: bad stats"
                );
            }
        }
    }
    ensure!(
        bench
            .comparisons
            .iter()
            .filter(|c| c.target == "Rust")
            .count()
            == 6,
        "expected Rust-vs-C comparisons for 2 ops x 3 sizes"
    );
    let race: RaceReport = read_json(&outcome, layout::RACE_JSON)?;
    ensure!(!race.trials.is_empty(), "race ran no trial");
    for t in &race.trials {
        ensure!(
            t.expected == u64::from(t.workers) * race.config.iterations,
            "expected W*N: {t:?}"
        );
        let exact = t.strategy != Strategy::None || t.workers == 1;
        if exact {
            ensure!(
                t.actual == t.expected && t.error_pct == 0.0,
                "{:?} W={} lost updates: {t:?}",
                t.strategy,
                t.workers
            );
        }
    }
    for strategy in Strategy::ALL {
        ensure!(
            race.trials.iter().any(|t| t.strategy == strategy),
            "race lacks strategy {strategy:?}"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_is_complete() {
        crate::script::tests::check(&super::TOOLS, &super::script());
    }
}
