//! Part 3: other unsafe behaviour (closed fds, bytes outside the region,
//! several programs), from `mymem misuse` in this run. The wording:
//! templates/answers/misuse.md.j2.

use std::collections::BTreeMap;

use results::layout::{MISUSE_EXCLUSIVE_JSON, MISUSE_JSON};
use results::{DeviceMisuse, MisuseReport};
use serde::Serialize;

use crate::ctx::Ctx;
use crate::inputs::rel;
use crate::md::Md;

/// Every probe of `mymem misuse` the prose quotes, by its JSON name.
const QUOTED: [&str; 17] = [
    "closed-before-use",
    "close-during-call",
    "call-completes-after-close",
    "next-call-after-close",
    "lock-released-with-file",
    "pread-straddling-end",
    "pread-at-end",
    "pwrite-at-end",
    "pread-past-end",
    "lseek-past-end",
    "lseek-negative",
    "fetch-add-past-end",
    "read-null-buffer",
    "second-open",
    "exclusive-second-open",
    "exclusive-dup",
    "exclusive-reopen",
];

/// "C driver" / "Rust driver" for the lab's two devices, else the path; in a run that names
/// its modules, the module behind the device ("driver `lab_renamed` (yours, C)").
pub fn driver(run: &results::RunInfo, device: &str) -> String {
    if let Some(m) = crate::modules::of_device(run, device) {
        return format!("driver {}", crate::modules::short(m));
    }
    if !run.modules.is_empty() {
        return format!("`{device}`");
    }
    match device {
        "/dev/mymem_c" => "C driver".into(),
        "/dev/mymem" => "Rust driver".into(),
        other => format!("`{other}`"),
    }
}

/// What the template reads.
#[derive(Serialize)]
struct Facts {
    /// The misuse reports read, as paths relative to the report; empty: nothing to say.
    files: Vec<String>,
    /// Table columns: each driver (as [`driver`] names it), in order of first appearance.
    drivers: Vec<String>,
    /// One row per probe of each report, in the tool's order.
    calls: Vec<Call>,
    /// Probes whose outcome broke the contract.
    unexpected: Vec<Unexpected>,
    /// Of those, the calls at a position or pointer outside the buffer: the paragraph on the
    /// region may claim the contract's guarantees only when there are none.
    outside: Vec<Outside>,
    /// What each quoted probe gave (by probe name): one text if every driver gave the same,
    /// else each driver's joined by ` / `; `not run` if none ran it.
    got: BTreeMap<&'static str, String>,
    /// Two-process races, every driver.
    races: Vec<Race>,
    /// Processes and increments each, of the first race.
    shape: Option<Shape>,
    /// How many `none` races ran, and the drivers whose `none` lost nothing.
    none_races: usize,
    none_unhit: Vec<String>,
}

#[derive(Serialize)]
struct Call {
    call: String,
    contract: String,
    /// One per driver; `None`: not run.
    outcomes: Vec<Option<Outcome>>,
}

#[derive(Serialize)]
struct Outcome {
    got: String,
    /// The outcome is what the contract says.
    ok: bool,
}

#[derive(Serialize)]
struct Unexpected {
    call: String,
    driver: String,
    got: String,
}

#[derive(Serialize)]
struct Outside {
    call: String,
    driver: String,
    got: String,
    /// What the contract says.
    contract: String,
}

#[derive(Serialize)]
struct Race {
    driver: String,
    /// `none` or `fetch-add`.
    strategy: String,
    lost: u64,
    expected: u64,
    /// lost / expected, percent.
    lost_pct: f64,
}

#[derive(Serialize)]
struct Shape {
    processes: u32,
    iterations: u64,
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(ctx, md, super::MISUSE);
    let i = ctx.inputs;
    crate::ctx::paras(
        md,
        [
            i.misuse.why_not(&rel(MISUSE_JSON)),
            i.misuse_exclusive.why_not(&rel(MISUSE_EXCLUSIVE_JSON)),
        ],
    );
    let reports: Vec<(&str, &MisuseReport)> = [
        (MISUSE_JSON, i.misuse.get()),
        (MISUSE_EXCLUSIVE_JSON, i.misuse_exclusive.get()),
    ]
    .into_iter()
    .filter_map(|(f, r)| Some((f, r?)))
    .collect();
    let facts = facts(&i.run, &reports);
    md.raw(&crate::templates::render(ctx, "answers/misuse.md", &facts));
}

fn facts(run: &results::RunInfo, reports: &[(&str, &MisuseReport)]) -> Facts {
    let devices: Vec<&DeviceMisuse> = reports.iter().flat_map(|(_, r)| &r.devices).collect();
    let mut devs: Vec<&str> = Vec::new();
    for d in &devices {
        if !devs.contains(&d.device.as_str()) {
            devs.push(&d.device);
        }
    }
    let mut calls = Vec::new();
    let mut unexpected = Vec::new();
    for (_, r) in reports {
        let Some(first) = r.devices.first() else {
            continue;
        };
        for p in &first.probes {
            let outcomes = devs
                .iter()
                .map(|dev| {
                    let q = r
                        .devices
                        .iter()
                        .find(|d| d.device == *dev)
                        .and_then(|d| d.probes.iter().find(|q| q.name == p.name))?;
                    if !q.ok() {
                        unexpected.push(Unexpected {
                            call: p.call.clone(),
                            driver: driver(run, dev),
                            got: q.got.clone(),
                        });
                    }
                    Some(Outcome {
                        got: q.got.clone(),
                        ok: q.ok(),
                    })
                })
                .collect();
            calls.push(Call {
                call: p.call.clone(),
                contract: p.expected.clone(),
                outcomes,
            });
        }
    }
    let got = |name: &str| -> String {
        let all: Vec<String> = devices
            .iter()
            .filter_map(|d| d.probes.iter().find(|p| p.name == name))
            .map(|p| p.got.clone())
            .collect();
        let mut uniq = all.clone();
        uniq.dedup();
        match uniq.len() {
            0 => "not run".into(),
            1 => uniq.remove(0),
            _ => all.join(" / "),
        }
    };
    let races: Vec<Race> = devices
        .iter()
        .flat_map(|d| {
            d.processes.iter().map(|r| Race {
                driver: driver(run, &d.device),
                strategy: r.strategy.clone(),
                lost: r.lost(),
                expected: r.expected,
                lost_pct: r.lost() as f64 / r.expected.max(1) as f64 * 100.0,
            })
        })
        .collect();
    let shape = devices
        .iter()
        .flat_map(|d| &d.processes)
        .next()
        .map(|r| Shape {
            processes: r.processes,
            iterations: r.iterations,
        });
    let outside = devices
        .iter()
        .flat_map(|d| {
            d.probes
                .iter()
                .filter(|p| OUTSIDE.contains(&p.name.as_str()) && !p.ok())
                .map(|p| Outside {
                    call: p.call.clone(),
                    driver: driver(run, &d.device),
                    got: p.got.clone(),
                    contract: p.expected.clone(),
                })
        })
        .collect();
    let none: Vec<&Race> = races.iter().filter(|r| r.strategy == "none").collect();
    Facts {
        files: reports.iter().map(|(f, _)| rel(f)).collect(),
        drivers: devs.iter().map(|d| driver(run, d)).collect(),
        calls,
        unexpected,
        outside,
        got: QUOTED.into_iter().map(|n| (n, got(n))).collect(),
        none_races: none.len(),
        none_unhit: none
            .iter()
            .filter(|r| r.lost == 0)
            .map(|r| r.driver.clone())
            .collect(),
        shape,
        races,
    }
}

/// `mymem misuse` probes of positions and pointers outside the buffer.
const OUTSIDE: &[&str] = &[
    "pread-straddling-end",
    "pread-at-end",
    "pread-past-end",
    "pwrite-at-end",
    "pwrite-past-end",
    "pwrite-negative",
    "lseek-past-end",
    "lseek-negative",
    "lseek-end",
    "write-at-end",
    "read-null-buffer",
    "fetch-add-past-end",
];
