//! report.md: every section, computed from the inputs.

use results::{EnvStamp, Strategy};

use crate::analysis::{verdict, Bench, Dir, Race, Verdict};
use crate::answers;
use crate::format::{self, pct, ratio, si, us, us_ci};
use crate::inputs::{rel, Input, Inputs, RUN_JSON};
use crate::md::Md;
use crate::plots::Plot;
use crate::project::Project;
use results::layout::{BENCH_JSON, HELLO_TXT, KERNEL_JSON, RACE_JSON};

pub const TITLE: &str = "mymem lab report";
const NONE: &str = "—";
const NO_LATENCY: &str = "No data for this part (see the notes above).";

/// What every section reads.
pub struct Ctx<'a> {
    pub inputs: &'a Inputs,
    pub bench: Bench<'a>,
    pub race: Option<Race<'a>>,
    pub plots: &'a [Plot],
    pub project: &'a Project,
}

impl Ctx<'_> {
    /// The guest's environment stamp, from whichever tool ran.
    pub fn env(&self) -> Option<&EnvStamp> {
        self.inputs
            .bench
            .get()
            .map(|b| &b.env)
            .or(self.inputs.race.get().map(|r| &r.env))
    }

    pub fn is_tcg(&self) -> bool {
        self.inputs.run.accel.eq_ignore_ascii_case("tcg")
            || self
                .env()
                .is_some_and(|e| e.accel.eq_ignore_ascii_case("tcg"))
    }

    fn plot_links(&self, md: &mut Md, files: &[&str]) {
        for p in self.plots.iter().filter(|p| files.contains(&p.file)) {
            md.para(&format!("![{}](plots/{})", p.title, p.file));
        }
    }
}

pub fn render(ctx: &Ctx) -> String {
    let mut md = Md::default();
    let run = &ctx.inputs.run;
    md.heading(1, TITLE);
    md.para(&format!(
        "Run of {}, git revision `{}`, profile `{}`. Every number below is computed from this \
         run's result files (see [Raw data](#raw-data)).",
        run.date, run.git_rev, run.profile
    ));
    if ctx.is_tcg() {
        md.alert(
            "WARNING",
            "This run used **TCG**: QEMU emulated the CPU in software (no KVM). Every time in \
             this report is an emulated time, often many times slower than real hardware and \
             with different relative costs. Only ratios between measurements of this run are \
             meaningful; do not compare absolute times with other machines.",
        );
    }
    environment(ctx, &mut md);
    hello(ctx, &mut md);
    latency(ctx, &mut md);
    races(ctx, &mut md);
    answers::render(ctx, &mut md);
    raw_data(ctx, &mut md);
    md.finish()
}

fn environment(ctx: &Ctx, md: &mut Md) {
    let run = &ctx.inputs.run;
    md.heading(2, "Environment");
    let env = ctx.env();
    let guest =
        |f: fn(&EnvStamp) -> String| env.map_or("unknown (no bench.json or race.json)".into(), f);
    let mut accel = format!("{} — {}", run.accel.to_uppercase(), run.accel_reason);
    if let Some(e) = env.filter(|e| !e.accel.eq_ignore_ascii_case(&run.accel)) {
        accel.push_str(&format!(" (the guest reported `{}`)", e.accel));
    }
    let rows = vec![
        vec!["Date".into(), run.date.clone()],
        vec!["Git revision".into(), format!("`{}`", run.git_rev)],
        vec!["Profile".into(), run.profile.clone()],
        vec![
            "Kernel".into(),
            format!("{} ({})", run.kernel_release, run.kernel_source),
        ],
        vec![
            "Kernel version (guest `uname -v`)".into(),
            guest(|e| e.kernel_version.clone()),
        ],
        vec!["Accelerator".into(), accel],
        vec!["CPU model".into(), guest(|e| e.cpu_model.clone())],
        vec!["vCPUs".into(), guest(|e| e.vcpus.to_string())],
        vec!["rustc (kernel, modules)".into(), run.rustc.clone()],
        vec!["bindgen".into(), run.bindgen.clone()],
        vec!["C compiler".into(), run.cc.clone()],
        vec![
            "Kernel config SHA-256".into(),
            format!("`{}`", run.config_sha256),
        ],
        vec!["Kernel build key".into(), format!("`{}`", run.kernel_key)],
        vec![
            "Guest tool".into(),
            guest(|e| {
                format!(
                    "{}, {}, {}",
                    e.tool_version,
                    e.rustc_version,
                    if e.optimized {
                        "optimized"
                    } else {
                        "NOT optimized (debug build)"
                    }
                )
            }),
        ],
    ];
    md.text_table(&["Item", "Value"], &rows);
}

fn hello(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Part 1: the hello module");
    match &ctx.inputs.hello {
        Input::Ok(text) if text.trim().is_empty() => md.para(&format!(
            "`{}` is empty: no kernel log lines were captured.",
            rel(HELLO_TXT)
        )),
        Input::Ok(text) => {
            md.para("Kernel log lines of loading and unloading `hello.ko`:");
            md.code("text", text);
        }
        other => md.para(&other.why_not(&rel(HELLO_TXT)).unwrap_or_default()),
    }
}

fn mean_ci(s: Option<&results::Series>) -> String {
    s.map_or(NONE.into(), |s| {
        format!("{} ({})", us(s.stats.mean_ns), us_ci(s.stats.ci95_ns))
    })
}

fn median(s: Option<&results::Series>) -> String {
    s.map_or(NONE.into(), |s| us(s.stats.median_ns))
}

/// Text of a Rust-vs-C (or B-vs-A) verdict, `who` being B.
pub fn verdict_text(d: &results::stats::RelDiff, who: &str) -> String {
    match verdict(d) {
        Verdict::Same => "no significant difference".into(),
        Verdict::Slower => format!("{who} {:.1} % slower", d.rel_diff * 100.0),
        Verdict::Faster => format!("{who} {:.1} % faster", -d.rel_diff * 100.0),
    }
}

pub fn ratio_ci(d: &results::stats::RelDiff) -> String {
    format!(
        "{} ({}–{})",
        ratio(d.ratio),
        ratio(1.0 + d.ci95[0]),
        ratio(1.0 + d.ci95[1])
    )
}

fn latency(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Parts 2 and 4: read and write latency");
    let bench = &ctx.bench;
    let inputs = ctx.inputs;
    for why in [
        inputs.bench.why_not(&rel(BENCH_JSON)),
        inputs.kernel.why_not(&rel(KERNEL_JSON)),
    ]
    .into_iter()
    .flatten()
    {
        md.para(&why);
    }
    if let Some(b) = inputs.bench.get() {
        md.para(&format!(
            "User space: `mymem bench`, {} counted trials per size after {} warmup trials. {} \
             Means with their 95% confidence interval ({}); all times in µs.",
            b.config.trials, b.config.warmup, b.config.timing, b.config.ci_method
        ));
    }
    if let Some(k) = inputs.kernel.get() {
        md.para(&format!(
            "In kernel: `mymem_test` calls `mymem_write`/`mymem_read` (the API the Rust \
             `mymem` module exports) directly, {} trials per size, no system call; it reports \
             mean and median only (no CI).",
            k.params.trials
        ));
        if k.status != "complete" {
            md.alert(
                "CAUTION",
                &format!(
                    "The in-kernel run did not complete: status `{}`{}.",
                    k.status,
                    k.errno.map_or(String::new(), |e| format!(", errno {e}"))
                ),
            );
        }
        let errors: u64 = k.bench.iter().map(|r| r.errors).sum();
        if errors > 0 {
            md.alert(
                "CAUTION",
                &format!("{errors} in-kernel bench trials failed or read back wrong data."),
            );
        }
    }
    let sizes = bench.sizes();
    let labels = bench.device_labels();
    let has_kernel = bench.kernel.is_some();
    for dir in Dir::ALL {
        md.heading(3, &format!("{} latency (µs)", dir.title()));
        if sizes.is_empty() {
            md.para(NO_LATENCY);
            continue;
        }
        let mut headers: Vec<String> = vec!["Size".into()];
        for l in &labels {
            headers.push(format!("{l} mean (95% CI)"));
            headers.push(format!("{l} median"));
        }
        if has_kernel {
            headers.push("in-kernel mean".into());
            headers.push("in-kernel median".into());
        }
        let rows: Vec<Vec<String>> = sizes
            .iter()
            .map(|&size| {
                let mut row = vec![format::size(size)];
                for l in &labels {
                    let s = bench.user(l, dir, size);
                    row.push(mean_ci(s));
                    row.push(median(s));
                }
                if has_kernel {
                    let k = bench.kernel(dir, size);
                    row.push(k.map_or(NONE.into(), |k| us(k.mean_ns as f64)));
                    row.push(k.map_or(NONE.into(), |k| us(k.median_ns as f64)));
                }
                row
            })
            .collect();
        md.table(&headers, &rows);
    }

    md.heading(3, "Rust driver vs C driver");
    if inputs.bench.get().is_none() {
        md.para(NO_LATENCY);
    } else if labels.contains(&"C") && labels.contains(&"Rust") {
        let method = inputs
            .bench
            .get()
            .map_or(String::new(), |b| b.config.comparison_method.clone());
        md.para(&format!(
            "Ratio = Rust mean / C mean (below 1: Rust faster), with its 95% CI: {method}. A CI \
             that contains 1 means no significant difference."
        ));
        let rows: Vec<Vec<String>> = sizes
            .iter()
            .map(|&size| {
                let mut row = vec![format::size(size)];
                for dir in Dir::ALL {
                    match bench.rust_vs_c(dir, size) {
                        Some(d) => {
                            row.push(ratio_ci(&d));
                            row.push(verdict_text(&d, "Rust"));
                        }
                        None => row.extend([NONE.into(), NONE.into()]),
                    }
                }
                row
            })
            .collect();
        md.table(
            &[
                "Size",
                "write Rust/C (95% CI)",
                "write verdict",
                "read Rust/C (95% CI)",
                "read verdict",
            ],
            &rows,
        );
    } else {
        md.para(&format!(
            "Needs series labelled `C` and `Rust`; this run measured: {}.",
            labels.join(", ")
        ));
    }

    md.heading(3, "Baselines");
    if inputs.bench.get().is_some() {
        let rows: Vec<Vec<String>> = sizes
            .iter()
            .map(|&size| {
                let mean_med = |s: Option<&results::Series>| {
                    s.map_or(NONE.into(), |s| {
                        format!("{} ({})", us(s.stats.mean_ns), us(s.stats.median_ns))
                    })
                };
                vec![
                    format::size(size),
                    mean_med(bench.user("tmpfs", Dir::Write, size)),
                    mean_med(bench.user("tmpfs", Dir::Read, size)),
                    mean_med(bench.memcpy(size)),
                ]
            })
            .collect();
        md.para("tmpfs: the same pwrite/pread on a tmpfs file (a peer in-memory file system); memcpy: the same copy in user space without the kernel. Mean (median), µs.");
        md.table(&["Size", "tmpfs pwrite", "tmpfs pread", "memcpy"], &rows);
        let mut items = Vec::new();
        for (dir, what) in [
            (Dir::Read, "1-byte `read(2)` of /dev/zero"),
            (Dir::Write, "1-byte `write(2)` to /dev/null"),
        ] {
            if let Some(s) = bench.floor(dir) {
                items.push(format!(
                    "Syscall floor, {what}: mean {} µs (95% CI {}), median {} µs.",
                    us(s.stats.mean_ns),
                    us_ci(s.stats.ci95_ns),
                    us(s.stats.median_ns)
                ));
            }
        }
        if let Some(s) = bench.clock() {
            items.push(format!(
                "Clock overhead (two back-to-back clock reads, inside every user-space \
                 sample): mean {} µs, median {} µs.",
                us(s.stats.mean_ns),
                us(s.stats.median_ns)
            ));
        }
        for s in inputs.bench.get().map_or(&[][..], |b| &b.skipped[..]) {
            items.push(format!("Not measured: `{}`: {}", s.target, s.reason));
        }
        md.bullets(&items);
    } else {
        md.para(NO_LATENCY);
    }

    md.heading(3, "Latency plots");
    if sizes.is_empty() {
        md.para(NO_LATENCY);
    }
    ctx.plot_links(
        md,
        &[
            "latency_log.svg",
            "latency_linear.svg",
            "throughput.svg",
            "relative_to_c.svg",
        ],
    );
}

fn races(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Parts 3 and 5: races");
    md.heading(3, "User-space race (`mymem race`)");
    match (&ctx.race, ctx.inputs.race.get()) {
        (Some(race), Some(report)) => user_race(race, report, md),
        _ => {
            md.para(&ctx.inputs.race.why_not(&rel(RACE_JSON)).unwrap_or_default());
            md.heading(3, "Cost of the fixes");
            md.para("No user-space race data.");
        }
    }

    md.heading(3, "In-kernel race (`mymem_test`)");
    match ctx.inputs.kernel.get() {
        Some(k) if k.race.is_empty() => md.para(&format!(
            "The in-kernel run (experiment `{}`, status `{}`) has no race results.",
            k.experiment.as_deref().unwrap_or("none"),
            k.status
        )),
        Some(k) => {
            md.para(&format!(
                "Work items on the kernel's workqueue increment the u64 at offset 0 through \
                 the exported API: `none` = `mymem_read` + `mymem_write`, `lock` = the same \
                 inside `mymem_lock`/`mymem_unlock`, `fetch-add` = `mymem_fetch_add`. Start \
                 gate {}.",
                if k.params.gate { "on" } else { "off" }
            ));
            let rows: Vec<Vec<String>> = k
                .race
                .iter()
                .map(|r| {
                    let secs = r.duration_ns as f64 / 1e9;
                    vec![
                        format!("`{}`", r.strategy),
                        r.workers.to_string(),
                        r.iterations.to_string(),
                        r.expected.to_string(),
                        r.actual.to_string(),
                        r.expected.abs_diff(r.actual).to_string(),
                        pct(r.percent_error),
                        format!("{:.1}", r.duration_ns as f64 / 1e6),
                        if secs > 0.0 {
                            si(r.expected as f64 / secs)
                        } else {
                            NONE.into()
                        },
                        r.max_concurrent.to_string(),
                        r.api_errors.to_string(),
                    ]
                })
                .collect();
            md.table(
                &[
                    "Strategy",
                    "Workers",
                    "Iterations",
                    "Expected",
                    "Actual",
                    "Lost",
                    "Error",
                    "Duration (ms)",
                    "Increments/s",
                    "Max concurrent",
                    "API errors",
                ],
                &rows,
            );
        }
        None => md.para(
            &ctx.inputs
                .kernel
                .why_not(&rel(KERNEL_JSON))
                .unwrap_or_default(),
        ),
    }

    md.heading(3, "Race plots");
    if ctx.race.is_none() {
        md.para("No user-space race data.");
    }
    ctx.plot_links(md, &["race_error.svg", "race_throughput.svg"]);
}

fn user_race(race: &Race, report: &results::RaceReport, md: &mut Md) {
    let c = &report.config;
    let workers = race.workers();
    let strategies = race.strategies();
    md.para(&format!(
        "W ∈ {{{}}} worker threads on `{}`, N = {} increments per worker, {} trials per (W, \
         strategy). One increment: {}",
        workers
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        c.device,
        c.iterations,
        c.trials,
        c.cycle
    ));
    md.para("Lost updates in % of the expected W × N increments: mean over trials (min–max).");
    let mut headers = vec!["W".to_owned()];
    headers.extend(strategies.iter().map(|s| format!("`{}`", s.as_str())));
    let rows: Vec<Vec<String>> = workers
        .iter()
        .map(|&w| {
            let mut row = vec![w.to_string()];
            row.extend(strategies.iter().map(|&s| {
                race.summary(w, s).map_or(NONE.into(), |r| {
                    format!(
                        "{} ({:.2}–{:.2})",
                        pct(r.error_pct_mean),
                        r.error_pct_min,
                        r.error_pct_max
                    )
                })
            }));
            row
        })
        .collect();
    md.table(&headers, &rows);

    md.para("Attempted increments per second (all workers together), mean over trials:");
    let rows: Vec<Vec<String>> = workers
        .iter()
        .map(|&w| {
            let mut row = vec![w.to_string()];
            row.extend(strategies.iter().map(|&s| {
                race.summary(w, s)
                    .map_or(NONE.into(), |r| si(r.incr_per_s_mean))
            }));
            row
        })
        .collect();
    md.table(&headers, &rows);

    md.heading(3, "Cost of the fixes");
    let Some(w) = race.reference_workers() else {
        md.para("No worker count ran every strategy: nothing to compare.");
        return;
    };
    md.para(&format!(
        "At W = {w} (the largest W that ran every strategy). CPU time is user + system time of \
         the whole process per trial. {}",
        c.timing
    ));
    let base = |s: Strategy| race.summary(w, s);
    let rows: Vec<Vec<String>> = strategies
        .iter()
        .filter_map(|&s| {
            let r = race.summary(w, s)?;
            let rel = |other: Strategy, f: fn(&results::RaceSummary) -> f64| {
                base(other).map_or(NONE.into(), |o| format!("{:.2}×", f(r) / f(o)))
            };
            Some(vec![
                format!("`{}`", s.as_str()),
                si(r.incr_per_s_mean),
                rel(Strategy::None, |x| x.incr_per_s_mean),
                rel(Strategy::FetchAdd, |x| x.incr_per_s_mean),
                format!("{:.3}", r.cpu_s_mean),
                format!("{:.0}", race.cpu_ns_per_increment(r)),
                rel(Strategy::None, |x| x.cpu_s_mean),
                pct(r.error_pct_mean),
            ])
        })
        .collect();
    md.table(
        &[
            "Strategy",
            "Increments/s",
            "vs `none`",
            "vs `fetch-add`",
            "CPU s per trial",
            "CPU ns per increment",
            "CPU vs `none`",
            "Lost updates",
        ],
        &rows,
    );
}

fn raw_data(ctx: &Ctx, md: &mut Md) {
    md.heading(2, "Raw data");
    let inputs = ctx.inputs;
    let mut items = vec![format!("[`{RUN_JSON}`]({RUN_JSON}): build and boot stamp")];
    for (path, present, what) in [
        (
            HELLO_TXT,
            !matches!(inputs.hello, Input::Missing),
            "part 1 log lines",
        ),
        (
            BENCH_JSON,
            !matches!(inputs.bench, Input::Missing),
            "`mymem bench --json`, every sample",
        ),
        (
            RACE_JSON,
            !matches!(inputs.race, Input::Missing),
            "`mymem race --json`, every trial",
        ),
        (
            KERNEL_JSON,
            !matches!(inputs.kernel, Input::Missing),
            "`mymem_test` results",
        ),
    ] {
        let path = rel(path);
        items.push(if present {
            format!("[`{path}`]({path}): {what}")
        } else {
            format!("`{path}`: missing")
        });
    }
    items.extend(
        ctx.plots
            .iter()
            .map(|p| format!("[`plots/{0}`](plots/{0}): {1}", p.file, p.title)),
    );
    md.bullets(&items);
}
