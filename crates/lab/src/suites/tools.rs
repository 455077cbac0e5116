//! Suite `tools`: mymem bench, race, misuse and matrix with tiny settings;
//! their JSON is complete and consistent.

use anyhow::{ensure, Context, Result};
use results::{
    layout, BenchReport, MatrixReport, MisuseReport, Op, RaceReport, SeriesKind, Strategy,
};

use crate::vm::guest::{Lab, Scenario};
use crate::vm::guest_results::read_json;
use crate::vm::script::{guest_script, Exit, Script};

const TOOLS: Script = guest_script!(
    "tools.sh",
    &[
        Exit::new("EXIT_BENCH", 11, "mymem bench failed"),
        Exit::new("EXIT_RACE", 12, "mymem race failed"),
        Exit::new("EXIT_MISUSE", 13, "mymem misuse failed"),
        Exit::new("EXIT_MATRIX", 14, "mymem matrix failed"),
        Exit::new(
            "EXIT_EXCLUSIVE",
            15,
            "reloading with exclusive=1 or mymem misuse --exclusive failed"
        ),
    ]
);

fn script() -> String {
    TOOLS.with(&[
        ("BENCH_JSON", layout::guest_path(layout::BENCH_JSON)),
        ("RACE_JSON", layout::guest_path(layout::RACE_JSON)),
        ("MISUSE_JSON", layout::guest_path(layout::MISUSE_JSON)),
        (
            "MISUSE_EXCLUSIVE_JSON",
            layout::guest_path(layout::MISUSE_EXCLUSIVE_JSON),
        ),
        ("MATRIX_JSON", layout::guest_path(layout::MATRIX_JSON)),
        ("SEED_COUNTER", SEED_COUNTER.into()),
        (
            "BENCH_UNLABELLED_JSON",
            layout::guest_path(BENCH_UNLABELLED_JSON),
        ),
    ])
}

/// `mymem bench` without labels: what it names the devices.
const BENCH_UNLABELLED_JSON: &str = "bench-unlabelled.json";

const SEED_COUNTER: &str = "/lab/bin/seed_counter";
const DEVICES: [&str; 2] = ["/dev/mymem_c", "/dev/mymem"];

/// Every call of `mymem misuse` gave what the contract says, on both
/// drivers; FETCH_ADD lost nothing across processes.
fn check_misuse(m: &MisuseReport, exclusive: bool) -> Result<()> {
    ensure!(
        m.exclusive == exclusive,
        "misuse exclusive = {}",
        m.exclusive
    );
    let devices: Vec<&str> = m.devices.iter().map(|d| d.device.as_str()).collect();
    ensure!(devices == DEVICES, "misuse devices {devices:?}");
    for d in &m.devices {
        ensure!(!d.probes.is_empty(), "{}: no probe", d.device);
        for p in &d.probes {
            ensure!(
                p.ok(),
                "{}: {} gave {}, the contract says {}",
                d.device,
                p.call,
                p.got,
                p.expected
            );
        }
        if exclusive {
            ensure!(d.processes.is_empty(), "{}: processes ran", d.device);
            continue;
        }
        let strategies: Vec<&str> = d.processes.iter().map(|r| r.strategy.as_str()).collect();
        ensure!(
            strategies == ["none", "fetch-add"],
            "{}: process races {strategies:?}",
            d.device
        );
        for r in &d.processes {
            ensure!(
                r.expected == u64::from(r.processes) * r.iterations
                    && r.actual <= r.expected
                    && (r.strategy != "fetch-add" || r.lost() == 0),
                "{}: {r:?}",
                d.device
            );
        }
    }
    Ok(())
}

/// One run per (program, device), each counter at most W*N.
fn check_matrix(m: &MatrixReport) -> Result<()> {
    for program in ["C", "Rust"] {
        for device in DEVICES {
            let runs: Vec<_> = m
                .runs
                .iter()
                .filter(|r| r.program == program && r.device == device)
                .collect();
            ensure!(
                runs.len() == 1,
                "matrix {program} on {device}: {} runs",
                runs.len()
            );
            let r = runs[0];
            ensure!(
                r.expected == u64::from(m.config.workers) * m.config.iterations
                    && r.actual > 0
                    && r.actual <= r.expected
                    && r.wall_ns > 0,
                "matrix {program} on {device}: {r:?}"
            );
        }
    }
    Ok(())
}

pub fn tools(lab: &Lab) -> Result<()> {
    let mut scenario = Scenario::new("tools", &script())
        .load(&["mymem", "mymem_c"])
        .timeout(600);
    let (_, exe) = lab
        .bins
        .seed
        .iter()
        .find(|(name, _)| name == "seed_counter")
        .context("seed_counter was not built")?;
    scenario.files.push((exe.clone(), SEED_COUNTER.into()));
    let outcome = TOOLS.run_clean(lab, &scenario)?;
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
    // Without labels, each device is named after the module that provides it (its node's
    // name says nothing about the driver behind it).
    let unlabelled: BenchReport = read_json(&outcome, BENCH_UNLABELLED_JSON)?;
    let mut labels: Vec<(&str, &str)> = unlabelled
        .series
        .iter()
        .filter(|s| s.kind == SeriesKind::Device)
        .map(|s| (s.target.as_str(), s.label.as_str()))
        .collect();
    labels.dedup();
    ensure!(
        labels == [("/dev/mymem_c", "mymem_c"), ("/dev/mymem", "mymem")],
        "unlabelled devices: {labels:?}"
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
    check_misuse(&read_json(&outcome, layout::MISUSE_JSON)?, false)?;
    check_misuse(&read_json(&outcome, layout::MISUSE_EXCLUSIVE_JSON)?, true)?;
    check_matrix(&read_json(&outcome, layout::MATRIX_JSON)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use results::{DeviceMisuse, Probe, ProcessRace};

    #[test]
    fn script_is_complete() {
        crate::vm::script::tests::check(&super::TOOLS, &super::script());
    }

    fn misuse(got: &str, fetch_add_actual: u64) -> MisuseReport {
        let device = |path: &str| DeviceMisuse {
            device: path.into(),
            size: 4096,
            probes: vec![Probe {
                name: "pread-past-end".into(),
                call: "pread(8 bytes at size + 1)".into(),
                expected: "EINVAL".into(),
                got: got.into(),
            }],
            processes: ["none", "fetch-add"]
                .map(|s| ProcessRace {
                    strategy: s.into(),
                    processes: 2,
                    iterations: 10,
                    expected: 20,
                    actual: if s == "none" { 15 } else { fetch_add_actual },
                })
                .to_vec(),
        };
        MisuseReport {
            schema: results::MISUSE_SCHEMA.into(),
            env: serde_json::from_str(
                r#"{"kernel_release":"","kernel_version":"","accel":"tcg","cpu_model":"",
                "vcpus":2,"rustc_version":"","tool_version":"","optimized":true,"unix_time_s":0}"#,
            )
            .unwrap(),
            exclusive: false,
            devices: DEVICES.map(device).to_vec(),
        }
    }

    #[test]
    fn misuse_check_fails_on_a_deviation_or_a_lost_fetch_add() {
        check_misuse(&misuse("EINVAL", 20), false).unwrap();
        let e = check_misuse(&misuse("returned 8", 20), false).unwrap_err();
        assert!(e.to_string().contains("gave returned 8"), "{e}");
        assert!(check_misuse(&misuse("EINVAL", 19), false).is_err());
        assert!(check_misuse(&misuse("EINVAL", 20), true).is_err());
    }
}
