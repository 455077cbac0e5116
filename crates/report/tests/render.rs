//! Renders the committed fixture run (tests/fixtures/run, written by
//! `examples/make_fixture.rs`) into a temporary directory and checks the
//! report's structure and that its numbers are the fixture's.

use std::fs;
use std::path::{Path, PathBuf};

use report::{render, Rendered};
use results::KernelReport;
use results::{BenchReport, Op, RaceReport, SeriesKind, Strategy};
use tempfile::TempDir;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// A copy of the fixture run in a fresh temporary directory.
fn run_dir() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    dir
}

struct Report {
    _dir: TempDir,
    rendered: Rendered,
    md: String,
    html: String,
}

fn rendered_with(edit: impl FnOnce(&Path)) -> Report {
    let dir = run_dir();
    edit(dir.path());
    let rendered = render(dir.path()).unwrap();
    Report {
        md: fs::read_to_string(&rendered.markdown).unwrap(),
        html: fs::read_to_string(&rendered.html).unwrap(),
        rendered,
        _dir: dir,
    }
}

fn rendered() -> Report {
    rendered_with(|_| {})
}

fn load<T: serde::de::DeserializeOwned>(rel: &str) -> T {
    serde_json::from_str(&fs::read_to_string(fixture().join(rel)).unwrap()).unwrap()
}

fn bench() -> BenchReport {
    load("lab/results/bench.json")
}

fn icount_bench() -> BenchReport {
    load("lab-icount/results/bench.json")
}

fn icount_kernel() -> KernelReport {
    load("lab-icount/results/kernel.json")
}

fn race() -> RaceReport {
    load("lab/results/race.json")
}

fn kernel() -> KernelReport {
    load("lab/results/kernel.json")
}

/// The text under `heading` up to the next heading of the same or a higher level.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let start = md
        .find(&format!("{heading}\n"))
        .unwrap_or_else(|| panic!("no heading {heading:?}"));
    let body = &md[start + heading.len()..];
    let end = body
        .lines()
        .filter(|l| {
            let hashes = l.chars().take_while(|&c| c == '#').count();
            hashes > 0 && hashes <= level && l[hashes..].starts_with(' ')
        })
        .map(|l| body.find(&format!("\n{l}\n")).unwrap())
        .next()
        .unwrap_or(body.len());
    &body[..end]
}

/// The table row whose first cell is `first`.
fn row<'a>(text: &'a str, first: &str) -> &'a str {
    let prefix = format!("| {first} |");
    text.lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no row {prefix:?} in:\n{text}"))
}

fn size_label(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} B"),
    }
}

/// The HTML with its tags removed and the few entities pulldown-cmark emits decoded.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

const HEADINGS: [&str; 24] = [
    "# mymem lab report",
    "## The lab's questions",
    "## Environment",
    "## Part 1: the hello module",
    "## Parts 2 and 4: read and write latency",
    "### Write latency (µs)",
    "### Read latency (µs)",
    "### Rust driver vs C driver",
    "### Baselines",
    "### Latency plots",
    "## Parts 3 and 5: races",
    "### User-space race (`mymem race`)",
    "### Cost of the fixes",
    "### In-kernel race (`mymem_test`)",
    "### Race plots",
    "## Answers to the lab's questions",
    "### 1. Is there a read/write throughput difference, and why?",
    "### 2. Where do races appear, and why?",
    "### 3. Pros and cons of each fix, with measured cost",
    "### 4. Other unsafe behaviour: closed fds, bytes outside the region, several programs",
    "### 5. C driver vs Rust driver",
    "### 6. What Rust changes about the data race of part 3",
    "### 7. Part 3 with the program and the driver in Rust",
    "## Raw data",
];

#[test]
fn every_section_is_present_in_order() {
    let r = rendered();
    let plain = text_of(&r.html);
    let mut last = 0;
    for h in HEADINGS
        .iter()
        .chain(&["### 8. User space vs in-kernel"])
        .chain(&["### 9. How Rust modules reach C kernel functions and other modules' symbols"])
    {
        let at =
            r.md.find(&format!("{h}\n"))
                .unwrap_or_else(|| panic!("missing heading {h:?}"));
        if !h.starts_with("### 8") && !h.starts_with("### 9") && *h != "## Raw data" {
            assert!(at >= last, "{h:?} out of order");
            last = at;
        }
        let text = h.trim_start_matches('#').trim().replace('`', "");
        assert!(plain.contains(&text), "html lacks heading {text:?}");
    }
}

/// Each plot with labels its axes and legend must show.
const PLOTS: [(&str, &[&str]); 6] = [
    (
        "latency_log.svg",
        &[
            "transfer size per call (bytes, log scale)",
            "mean time per call (µs, log scale)",
            "1 B",
            "64 B",
            "1 KiB",
            "64 KiB",
            "512 KiB",
            "C driver",
            "Rust driver",
            "in-kernel (mymem_test)",
            "tmpfs",
            "memcpy (user space)",
        ],
    ),
    (
        "latency_linear.svg",
        &[
            "transfer size per call (KiB, linear scale)",
            "mean time per call (µs)",
            "C driver",
        ],
    ),
    (
        "throughput.svg",
        &[
            "throughput (MB/s",
            "transfer size per call (bytes, log scale)",
            "512 KiB",
        ],
    ),
    (
        "relative_to_c.svg",
        &[
            "mean time / C driver&apos;s mean time (ratio)",
            "Rust driver / C (95% CI)",
            "in-kernel / C",
        ],
    ),
    (
        "race_error.svg",
        &[
            "worker threads W",
            "lost updates (% of expected increments)",
            "none",
            "user-mutex (0 in every trial)",
            "fetch-add (0 in every trial)",
        ],
    ),
    (
        "race_throughput.svg",
        &[
            "worker threads W",
            "attempted increments per second (log scale)",
            "kernel-lock",
        ],
    ),
];

#[test]
fn every_plot_exists_is_svg_and_is_labelled() {
    let r = rendered();
    let names: Vec<String> = r
        .rendered
        .plots
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, PLOTS.map(|p| p.0));
    for (path, (name, labels)) in r.rendered.plots.iter().zip(PLOTS) {
        assert_eq!(path.parent().unwrap().file_name().unwrap(), "plots");
        let svg = fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg"), "{name}");
        assert!(svg.trim_end().ends_with("</svg>"), "{name}");
        assert!(svg.contains("<text"), "{name}: no text");
        for label in labels {
            assert!(svg.contains(label), "{name} lacks {label:?}");
        }
        // Linked from the markdown, inlined in the HTML.
        assert!(
            r.md.contains(&format!("](plots/{name})")),
            "{name} not linked"
        );
        let body = svg.trim_end();
        assert!(r.html.contains(body), "{name} not inlined");
    }
}

#[test]
fn html_is_self_contained() {
    let r = rendered();
    assert!(r.html.starts_with("<!DOCTYPE html>"));
    assert_eq!(r.html.matches("<svg").count(), PLOTS.len());
    assert!(!r.html.contains("<img"));
    assert!(!r.html.contains("<script"));
    assert!(!r.html.contains("<link"));
    for attr in ["src=\"", "href=\""] {
        for (i, _) in r.html.match_indices(attr) {
            let target = &r.html[i + attr.len()..];
            assert!(
                !target.starts_with("http")
                    && !target.starts_with('/')
                    && !target.starts_with("file:"),
                "external reference: {}",
                &target[..target.find('"').unwrap()]
            );
        }
    }
    // Raw data links are relative.
    for rel in [
        "run.json",
        "lab/results/bench.json",
        "lab/results/race.json",
        "lab/results/kernel.json",
        "lab/results/hello.txt",
    ] {
        assert!(r.html.contains(&format!("href=\"{rel}\"")), "{rel}");
        assert!(r.md.contains(&format!("]({rel})")), "{rel}");
    }
}

#[test]
fn environment_and_tcg_warning() {
    let r = rendered();
    let b = bench();
    let env = section(&r.md, "## Environment");
    assert!(row(env, "CPU model").contains(&b.env.cpu_model));
    assert!(row(env, "vCPUs").contains(&b.env.vcpus.to_string()));
    assert!(row(env, "Kernel").contains("7.3.4"));
    assert!(row(env, "Accelerator").contains("TCG"));
    assert!(row(env, "bindgen").contains("bindgen 0.73.2"));
    assert!(row(env, "rustc (kernel, modules)").contains("rustc 1.96.0"));
    assert!(row(env, "Kernel config SHA-256").contains("9f86d081884c7d65"));
    assert!(row(env, "Git revision").contains("abc1234"));
    assert!(row(env, "Date").contains("2026-11-27T01:02:03Z"));
    assert!(r.md.contains("> [!WARNING]\n> This run used **TCG**"));
    assert!(r.html.contains("markdown-alert-warning"));
    assert!(r.md.contains("Only ratios"));
}

#[test]
fn hello_log_lines() {
    let r = rendered();
    let part1 = section(&r.md, "## Part 1: the hello module");
    for line in fs::read_to_string(fixture().join("lab/results/hello.txt"))
        .unwrap()
        .lines()
    {
        assert!(part1.contains(line), "{line}");
    }
}

#[test]
fn latency_tables_have_every_size_and_the_fixture_numbers() {
    let r = rendered();
    let b = bench();
    let k = kernel();
    let find = |label: &str, op: Op, size: u64| {
        b.series
            .iter()
            .find(|s| s.label == label && s.op == op && s.size == size)
            .unwrap()
    };
    let samples_mean_us = |label: &str, op: Op, size: u64| {
        let s = &find(label, op, size).samples_ns;
        s.iter().sum::<u64>() as f64 / s.len() as f64 / 1000.0
    };
    for (heading, op, kop) in [
        ("### Write latency (µs)", Op::Pwrite, "write"),
        ("### Read latency (µs)", Op::Pread, "read"),
    ] {
        let table = section(&r.md, heading);
        for &size in &b.config.sizes {
            let row = row(table, &size_label(size));
            for label in ["C", "Rust"] {
                assert!(
                    row.contains(&format!("{:.3}", samples_mean_us(label, op, size))),
                    "{label} {size}: {row}"
                );
                let median = find(label, op, size).stats.median_ns / 1000.0;
                assert!(row.contains(&format!("{median:.3}")), "{row}");
            }
            let kr = k
                .bench
                .iter()
                .find(|x| x.size == size && x.op == kop)
                .unwrap();
            assert!(
                row.contains(&format!("{:.3}", kr.mean_ns as f64 / 1000.0)),
                "{row}"
            );
        }
    }
    let base = section(&r.md, "### Baselines");
    for &size in &b.config.sizes {
        let row = row(base, &size_label(size));
        let memcpy = b
            .series
            .iter()
            .find(|s| s.kind == SeriesKind::Memcpy && s.size == size)
            .unwrap();
        assert!(
            row.contains(&format!("{:.3}", memcpy.stats.mean_ns / 1000.0)),
            "{row}"
        );
        assert!(row.contains(&format!(
            "{:.3}",
            samples_mean_us("tmpfs", Op::Pwrite, size)
        )));
    }
    let floor = b
        .series
        .iter()
        .find(|s| s.kind == SeriesKind::Syscall && s.op == Op::Read)
        .unwrap();
    assert!(base.contains(&format!(
        "/dev/zero: mean {:.3} µs",
        floor.stats.mean_ns / 1000.0
    )));
}

#[test]
fn rust_vs_c_states_icount_medians_with_the_wall_blocks_beside() {
    let r = rendered();
    let (b, i) = (bench(), icount_bench());
    let table = section(&r.md, "### Rust driver vs C driver");
    for &size in &b.config.sizes {
        for op in [Op::Pwrite, Op::Pread] {
            let dir = if op == Op::Pwrite { "write" } else { "read" };
            let row = row(table, &format!("{} | {dir}", size_label(size)));
            let median = |label: &str| {
                i.series
                    .iter()
                    .find(|s| s.label == label && s.op == op && s.size == size)
                    .unwrap()
                    .stats
                    .median_ns
            };
            let (c, rust) = (median("C"), median("Rust"));
            assert!(
                row.contains(&format!(
                    "| {c:.0} | {rust:.0} | Rust {:+.0} instruction-ns",
                    rust - c
                )),
                "{row}"
            );
            // Wall: the mean of the block ratios, the CI over blocks, the three-way verdict.
            let w = b
                .comparisons
                .iter()
                .find(|c| c.op == op && c.size == size && c.target == "Rust")
                .unwrap();
            let [lo, hi] = w.block_ratio_ci95.unwrap();
            let ratio = w.block_ratios.iter().sum::<f64>() / w.block_ratios.len() as f64;
            assert!(
                row.contains(&format!(
                    "{ratio:.3} ({lo:.3}–{hi:.3}) | {} |",
                    results::Verdict::wall(w).name()
                )),
                "{row}"
            );
        }
    }
}

#[test]
fn race_tables_have_every_w_and_strategy() {
    let r = rendered();
    let race = race();
    let user = section(&r.md, "### User-space race (`mymem race`)");
    let header = user.lines().find(|l| l.starts_with("| W |")).unwrap();
    // Every strategy the run measured (the fixture predates `mmap-atomic`).
    for s in &race.config.strategies {
        assert!(header.contains(&format!("`{}`", s.as_str())), "{header}");
    }
    for &w in &race.config.workers {
        let row = row(user, &w.to_string());
        assert_eq!(
            row.matches(" % (").count(),
            race.config.strategies.len(),
            "{row}"
        );
    }
    // Percent error at W = 50 for `none`, from the trials.
    let errors: Vec<f64> = race
        .trials
        .iter()
        .filter(|t| t.workers == 50 && t.strategy == Strategy::None)
        .map(|t| t.error_pct)
        .collect();
    assert_eq!(errors.len(), race.config.trials as usize);
    let min = errors.iter().copied().fold(f64::INFINITY, f64::min);
    let max = errors.iter().copied().fold(0.0, f64::max);
    let cell = format!("| 50 | {:.2} % ({min:.2}–{max:.2}) |", mean(&errors));
    assert!(user.contains(&cell), "{cell}");
    let q2 = section(&r.md, "### 2. Where do races appear, and why?");
    assert!(q2.contains(&format!(
        "At W = 50 the mean loss is {:.2} %",
        mean(&errors)
    )));

    let cost = section(&r.md, "### Cost of the fixes");
    for s in &race.config.strategies {
        row(cost, &format!("`{}`", s.as_str()));
    }
    let kernel_race = section(&r.md, "### In-kernel race (`mymem_test`)");
    for kr in &kernel().race {
        let row = row(kernel_race, &format!("`{}`", kr.strategy));
        assert!(
            row.contains(&format!("| {} | {} |", kr.expected, kr.actual)),
            "{row}"
        );
        assert!(
            row.contains(&format!("| {} |", kr.expected - kr.actual)),
            "{row}"
        );
    }
}

#[test]
fn answers_use_the_run_numbers() {
    let r = rendered();
    let race = race();
    // (2) Smallest W at which some `none` trial lost updates.
    let first = race
        .trials
        .iter()
        .filter(|t| t.strategy == Strategy::None && t.error_pct > 0.0)
        .map(|t| t.workers)
        .min()
        .unwrap();
    let q2 = section(&r.md, "### 2. Where do races appear, and why?");
    assert!(q2.contains(&format!("first appear at **W = {first}**")));
    assert!(q2.contains("this guest has 2"));
    assert!(q2.contains("`fetch-add`: no lost update in any trial at any W."));
    let none = kernel()
        .race
        .into_iter()
        .find(|x| x.strategy == "none")
        .unwrap();
    assert!(q2.contains(&format!(
        "lost {} of {} increments",
        none.expected - none.actual,
        none.expected
    )));

    // (3) Throughput of fetch-add relative to none at the largest W.
    let incr = |s: Strategy| {
        mean(
            &race
                .trials
                .iter()
                .filter(|t| t.workers == 50 && t.strategy == s)
                .map(|t| t.incr_per_s)
                .collect::<Vec<_>>(),
        )
    };
    let q3 = section(
        &r.md,
        "### 3. Pros and cons of each fix, with measured cost",
    );
    assert!(q3.contains("Measured at W = 50"));
    let rel = incr(Strategy::FetchAdd) / incr(Strategy::None);
    assert!(
        q3.contains(&format!("{rel:.2}× the throughput of `none`")),
        "{rel}"
    );

    // (5) In-kernel vs user space at 1 B write.
    let b = bench();
    let user = b
        .series
        .iter()
        .find(|s| s.label == "Rust" && s.op == Op::Pwrite && s.size == 1)
        .unwrap()
        .stats
        .mean_ns;
    let k = kernel()
        .bench
        .into_iter()
        .find(|x| x.size == 1 && x.op == "write")
        .unwrap();
    let q5 = section(&r.md, "### 8. User space vs in-kernel");
    assert!(q5.contains(&format!(
        "At 1 B a write costs {:.3} µs from user space and {:.3} µs in the kernel",
        user / 1000.0,
        k.mean_ns as f64 / 1000.0
    )));
    let wall = section(q5, "#### On the wall clock");
    let row_1b = row(wall, "1 B");
    assert!(row_1b.contains(&format!("{:.3}", (user - k.mean_ns as f64) / 1000.0)));
    // The icount table first: Rust driver medians against the in-kernel medians.
    let user_i = icount_bench()
        .series
        .iter()
        .find(|s| s.label == "Rust" && s.op == Op::Pwrite && s.size == 1)
        .unwrap()
        .stats
        .median_ns;
    let k_i = icount_kernel()
        .bench
        .into_iter()
        .find(|x| x.size == 1 && x.op == "write")
        .unwrap()
        .median_ns as f64;
    assert!(
        row(q5, "1 B | write")
            .contains(&format!("| {user_i:.0} | {k_i:.0} | {:+.0}", user_i - k_i)),
        "{q5}"
    );

    // (6) Every repository path it names exists (the wording is fixed text, so a renamed file
    // must fail here), the one it says calls `bindings` does, and it links docs/modules.md.
    let q6 = section(
        &r.md,
        "### 9. How Rust modules reach C kernel functions and other modules' symbols",
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let paths: Vec<&str> = q6
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.contains('/') && !c.contains(' ') && !c.starts_with("rust/"))
        .collect();
    assert!(paths.len() >= 6, "{paths:?}");
    for f in &paths {
        assert!(root.join(f).exists(), "{f} does not exist");
    }
    let llseek = std::fs::read_to_string(root.join("kernel/mymem/misc_llseek.rs")).unwrap();
    assert!(q6.contains("`bindings::misc_register`") && llseek.contains("bindings::misc_register"));
    assert!(q6.contains("](../../docs/modules.md)"), "{q6}");
    for word in [
        "EXPORT_SYMBOL_GPL",
        "KBUILD_EXTRA_SYMBOLS",
        "Module.symvers",
        "modpost",
        "kernel::bindings",
    ] {
        assert!(q6.contains(word), "{word}");
    }
}

#[test]
fn missing_inputs_are_reported_not_fatal() {
    let r = rendered_with(|dir| {
        for f in ["bench.json", "race.json", "kernel.json", "hello.txt"] {
            fs::remove_file(dir.join("lab/results").join(f)).unwrap();
        }
    });
    for h in HEADINGS {
        assert!(r.md.contains(&format!("{h}\n")), "{h}");
    }
    for f in ["bench.json", "race.json", "kernel.json", "hello.txt"] {
        assert!(
            r.md.contains(&format!("`lab/results/{f}` is missing")),
            "{f}"
        );
    }
    assert!(r.rendered.plots.is_empty());
    assert!(!r.html.contains("<svg"));
    // Without the measurement boot's stamp the icount boot's gives the CPU, and TCG still
    // warns.
    assert!(
        row(section(&r.md, "## Environment"), "CPU model").contains(&icount_bench().env.cpu_model)
    );
    assert!(r.md.contains("[!WARNING]"));
}

#[test]
fn only_kernel_results() {
    let r = rendered_with(|dir| {
        for f in ["bench.json", "race.json"] {
            fs::remove_file(dir.join("lab/results").join(f)).unwrap();
        }
    });
    let names: Vec<String> = r
        .rendered
        .plots
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["latency_log.svg", "latency_linear.svg", "throughput.svg"]
    );
    let table = section(&r.md, "### Write latency (µs)");
    row(table, "512 KiB");
}

#[test]
fn unreadable_inputs_are_reported() {
    let r = rendered_with(|dir| {
        let results = dir.join("lab/results");
        fs::write(results.join("race.json"), "{not json").unwrap();
        let bench = fs::read_to_string(results.join("bench.json")).unwrap();
        fs::write(
            results.join("bench.json"),
            bench.replace("mymem-bench/1", "mymem-bench/2"),
        )
        .unwrap();
    });
    assert!(r.md.contains("`lab/results/race.json` could not be read"));
    assert!(r
        .md
        .contains("`lab/results/bench.json` could not be read: schema"));
}

#[test]
fn kvm_runs_have_no_warning() {
    let r = rendered_with(|dir| {
        for f in [
            "run.json",
            "lab/results/bench.json",
            "lab/results/race.json",
        ] {
            let path = dir.join(f);
            let text = fs::read_to_string(&path).unwrap();
            let text = text
                .replace("\"accel\":\"tcg\"", "\"accel\":\"kvm\"")
                .replace("\"accel\": \"tcg\"", "\"accel\": \"kvm\"");
            fs::write(&path, text).unwrap();
        }
    });
    assert!(!r.md.contains("[!WARNING]"));
    assert!(row(section(&r.md, "## Environment"), "Accelerator").contains("KVM"));
    assert!(!r.md.contains("emulator (TCG)"));
}

#[test]
fn run_json_is_required() {
    let dir = run_dir();
    fs::remove_file(dir.path().join("run.json")).unwrap();
    let err = render(dir.path()).unwrap_err();
    assert!(format!("{err:#}").contains("run.json"), "{err:#}");
    fs::write(dir.path().join("run.json"), "{\"schema\":\"mymem-run/9\"}").unwrap();
    assert!(render(dir.path()).is_err());
}

#[test]
fn fixture_is_small() {
    fn size(p: &Path) -> u64 {
        fs::read_dir(p)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    size(&e.path())
                } else {
                    e.metadata().unwrap().len()
                }
            })
            .sum()
    }
    assert!(size(&fixture()) < 100 * 1024);
}

const Q4: &str =
    "### 4. Other unsafe behaviour: closed fds, bytes outside the region, several programs";
const Q6: &str = "### 6. What Rust changes about the data race of part 3";
const Q7: &str = "### 7. Part 3 with the program and the driver in Rust";

#[test]
fn contents_link_every_question_in_order() {
    let r = rendered();
    let toc = section(&r.md, "## The lab's questions");
    let links: Vec<&str> = toc
        .lines()
        .filter_map(|l| l.split("](#").nth(1))
        .map(|l| l.trim_end_matches(')'))
        .collect();
    assert_eq!(links.len(), 9, "{toc}");
    let mut last = 0;
    for (i, link) in links.iter().enumerate() {
        // The anchor is a heading's id in the HTML, in order.
        let at = r
            .html
            .find(&format!("id=\"{link}\""))
            .unwrap_or_else(|| panic!("no heading with id {link}"));
        assert!(at > last, "answer {} out of order", i + 1);
        last = at;
        assert!(link.starts_with(&format!("{}-", i + 1)), "{link}");
    }
    assert!(toc.contains("Part 3: What other kinds of unsafe behaviour"));
    assert!(toc.contains("Part 4: Repeat part 3 with a large N (> 100 000)"));
}

#[test]
fn misuse_answer_uses_the_run_results() {
    let r = rendered();
    let q = section(&r.md, Q4);
    let m: results::MisuseReport = load("lab/results/misuse.json");
    for d in &m.devices {
        for p in &d.processes {
            assert!(
                q.contains(&format!("{} of {} lost", p.lost(), p.expected)),
                "{}: {q}",
                p.strategy
            );
        }
    }
    assert!(q.contains("Every call gave what the contract says"));
    assert!(row(q, "read(fd) in a worker after another thread closed fd").contains("EBADF"));
    assert!(row(q, "open() while another open file exists (exclusive=1)").contains("EBUSY"));
    assert!(q.contains("[`lab/results/misuse-exclusive.json`]"));
}

#[test]
fn misuse_answer_shows_a_deviation() {
    let r = rendered_with(|dir| {
        let path = dir.join("lab/results/misuse.json");
        let mut m: results::MisuseReport =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let p = m.devices[1]
            .probes
            .iter_mut()
            .find(|p| p.name == "pread-past-end")
            .unwrap();
        p.got = "returned 8".into();
        fs::write(&path, serde_json::to_string(&m).unwrap()).unwrap();
    });
    let q = section(&r.md, Q4);
    assert!(q.contains("**returned 8**"), "{q}");
    assert!(q.contains("**Not what the contract says**"));
    assert!(q.contains("pread(8 bytes at size + 1) on the Rust driver: returned 8"));
    assert!(!q.contains("Every call gave what the contract says"));
}

#[test]
fn rust_race_answer_quotes_the_compiler_and_the_lost_updates() {
    let r = rendered();
    let q = section(&r.md, Q6);
    let cf: results::CompileFailReport = load("compile-fail/compile-fail.json");
    for e in &cf.programs {
        let first = e.message.lines().next().unwrap();
        assert!(q.contains(first), "{} not quoted", e.name);
        assert!(q.contains(&format!("refused with {}", e.codes.join(", "))));
        assert!(q.contains(&e.control), "{} control", e.name);
    }
    assert!(q.contains(&format!("{0} of {0} were refused", cf.programs.len())));
    let race = race();
    let w = *race.config.workers.iter().max().unwrap();
    let none = race
        .summary
        .iter()
        .find(|s| s.workers == w && s.strategy == Strategy::None)
        .unwrap();
    assert!(q.contains(&format!(
        "W = {w} lost {:.2} % of the increments",
        none.error_pct_mean
    )));
    assert!(q.contains("`shared_counter` control"));
}

#[test]
fn rust_race_answer_says_when_a_racy_program_compiled() {
    let r = rendered_with(|dir| {
        let path = dir.join("compile-fail/compile-fail.json");
        let mut cf: results::CompileFailReport =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        cf.programs[0].compiled = true;
        fs::write(&path, serde_json::to_string(&cf).unwrap()).unwrap();
    });
    let q = section(&r.md, Q6);
    assert!(q.contains("**compiled: the compiler did not refuse it.**"));
    assert!(q.contains("5 of 6 were refused"));
}

#[test]
fn matrix_answer_has_every_cell_and_its_n() {
    let r = rendered();
    let q = section(&r.md, Q7);
    let m: results::MatrixReport = load("lab/results/matrix.json");
    assert!(q.contains(&format!(
        "**N = {} per worker, not the seed's 150000**",
        m.config.iterations
    )));
    for (p, d) in [
        ("C program", "C driver"),
        ("C program", "Rust driver"),
        ("Rust program", "C driver"),
        ("Rust program", "Rust driver"),
    ] {
        let program = p.split(' ').next().unwrap();
        let device = if d == "C driver" {
            "/dev/mymem_c"
        } else {
            "/dev/mymem"
        };
        let mut wall: Vec<f64> = m
            .runs
            .iter()
            .filter(|x| x.program == program && x.device == device)
            .map(|x| x.wall_ns as f64 / 1e9)
            .collect();
        wall.sort_by(f64::total_cmp);
        let line = q
            .lines()
            .find(|l| l.starts_with(&format!("| {p} | {d} |")))
            .unwrap_or_else(|| panic!("no row {p} / {d}"));
        assert!(
            line.contains(&format!("{:.2} ({:.2}–{:.2})", wall[1], wall[0], wall[2])),
            "{line}"
        );
    }
    assert!(q.contains("All four combinations lose updates in every run"));
    // The why cites this run's per-call medians.
    let c = bench()
        .series
        .iter()
        .find(|s| s.label == "C" && s.op == Op::Pread && s.size == 1)
        .unwrap()
        .stats
        .median_ns;
    assert!(q.contains(&format!("C driver {:.3} µs", c / 1000.0)), "{q}");
}

#[test]
fn matrix_at_the_seed_n_says_so() {
    let r = rendered_with(|dir| {
        let path = dir.join("lab/results/matrix.json");
        let mut m: results::MatrixReport =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        m.config.iterations = 150_000;
        fs::write(&path, serde_json::to_string(&m).unwrap()).unwrap();
    });
    let q = section(&r.md, Q7);
    assert!(q.contains("the seed's N = 150000"));
    assert!(!q.contains("not the seed's"));
}

#[test]
fn new_answers_say_their_evidence_is_missing() {
    let r = rendered_with(|dir| {
        for f in ["misuse.json", "misuse-exclusive.json", "matrix.json"] {
            fs::remove_file(dir.join("lab/results").join(f)).unwrap();
        }
        fs::remove_dir_all(dir.join("compile-fail")).unwrap();
    });
    let q4 = section(&r.md, Q4);
    assert!(q4.contains("`lab/results/misuse.json` is missing"));
    assert!(q4.contains("`lab/results/misuse-exclusive.json` is missing"));
    assert!(!q4.contains("EBADF") && !q4.contains('|'), "{q4}");
    let q6 = section(&r.md, Q6);
    assert!(q6.contains("`compile-fail/compile-fail.json` is missing"));
    assert!(q6.contains("this run has no evidence of what the compiler refuses"));
    assert!(
        !q6.contains("refused with") && !q6.contains("error["),
        "{q6}"
    );
    // (b) still has race.json, and says so without inventing the matrix.
    assert!(q6.contains("lab/results/race.json"));
    assert!(!q6.contains("matrix"));
    let q7 = section(&r.md, Q7);
    assert!(q7.contains("`lab/results/matrix.json` is missing"));
    assert!(!q7.contains('|'), "{q7}");
    let raw = section(&r.md, "## Raw data");
    assert!(raw.contains("`lab/results/matrix.json`: missing"));
    assert!(raw.contains("`compile-fail/compile-fail.json`: missing"));
}

#[test]
fn misuse_answer_says_where_processes_lost_nothing() {
    let r = rendered_with(|dir| {
        let path = dir.join("lab/results/misuse.json");
        let mut m: results::MisuseReport =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let none = &mut m.devices[0].processes[0];
        assert_eq!(none.strategy, "none");
        none.actual = none.expected;
        fs::write(&path, serde_json::to_string(&m).unwrap()).unwrap();
    });
    let q = section(&r.md, Q4);
    assert!(q.contains("C driver: 0 of 40000 lost"), "{q}");
    assert!(
        q.contains("On the C driver none was lost in this run"),
        "{q}"
    );
}

/// A run with `mmap-atomic` (the fixture predates it): every race table and
/// the answer on the fixes show it.
#[test]
fn race_section_shows_mmap_atomic() {
    let r = rendered_with(|dir| {
        let path = dir.join("lab/results/race.json");
        let mut race: RaceReport =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let faster = |incr: f64| incr * 20.0;
        let extra: Vec<_> = race
            .trials
            .iter()
            .filter(|t| t.strategy == Strategy::FetchAdd)
            .map(|t| results::RaceTrial {
                strategy: Strategy::MmapAtomic,
                incr_per_s: faster(t.incr_per_s),
                wall_ns: t.wall_ns / 20,
                ..t.clone()
            })
            .collect();
        race.trials.extend(extra);
        let extra: Vec<_> = race
            .summary
            .iter()
            .filter(|s| s.strategy == Strategy::FetchAdd)
            .map(|s| results::RaceSummary {
                strategy: Strategy::MmapAtomic,
                incr_per_s_mean: faster(s.incr_per_s_mean),
                wall_s_mean: s.wall_s_mean / 20.0,
                cpu_s_mean: s.cpu_s_mean / 10.0,
                ..s.clone()
            })
            .collect();
        race.summary.extend(extra);
        race.config.strategies.push(Strategy::MmapAtomic);
        fs::write(&path, serde_json::to_string(&race).unwrap()).unwrap();
    });
    let user = section(&r.md, "### User-space race (`mymem race`)");
    let header = user.lines().find(|l| l.starts_with("| W |")).unwrap();
    assert!(header.contains("`mmap-atomic`"), "{header}");
    row(section(&r.md, "### Cost of the fixes"), "`mmap-atomic`");
    let q3 = section(
        &r.md,
        "### 3. Pros and cons of each fix, with measured cost",
    );
    assert!(q3.contains("**`mmap-atomic`** — measured:"), "{q3}");
    assert!(
        q3.contains("`mmap-atomic` does 20.00× the increments/s of `fetch-add`"),
        "{q3}"
    );
    assert!(q3.contains("`mmap-atomic` is the fastest"), "{q3}");
}

#[test]
fn how_sure_shows_half_widths_block_spread_and_kernel_rounds() {
    let r = rendered();
    let sure = section(&r.md, "## How sure are these numbers");
    let b = bench();
    // Half-width and between-block spread of each cell, from the block ratios.
    let c = b
        .comparisons
        .iter()
        .find(|c| c.op == Op::Pread && c.size == 524288 && c.target == "Rust")
        .unwrap();
    let [lo, hi] = c.block_ratio_ci95.unwrap();
    let mean = c.block_ratios.iter().sum::<f64>() / c.block_ratios.len() as f64;
    let min = c.block_ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = c.block_ratios.iter().copied().fold(0.0, f64::max);
    let cells = row(sure, "512 KiB | read");
    assert!(
        cells.contains(&format!("±{:.1} %", (hi - lo) / 2.0 / mean * 100.0))
            && cells.contains(&format!("{min:.3}–{max:.3}")),
        "{cells}"
    );
    // In-kernel rounds: the fixture's third round reads 512 KiB 14 % slower, in round 1's buffers.
    let rounds: Vec<u64> = ["kernel.json", "kernel-bench-2.json", "kernel-bench-3.json"]
        .iter()
        .map(|f| {
            load::<KernelReport>(&format!("lab/results/{f}"))
                .bench
                .into_iter()
                .find(|x| x.size == 524288 && x.op == "read")
                .unwrap()
                .median_ns
        })
        .collect();
    let spread = *rounds.iter().max().unwrap() as f64 / *rounds.iter().min().unwrap() as f64 - 1.0;
    let kernel_row = sure
        .lines()
        .rfind(|l| l.starts_with("| 512 KiB | read |"))
        .unwrap();
    assert!(
        kernel_row.contains(&format!("{:.1} %", spread * 100.0)),
        "{kernel_row}"
    );
    assert!(sure.contains(&format!(
        "Above 10 %: 512 KiB read ({:.0} %)",
        spread * 100.0
    )));
    // Placement per round, from the reports; the rounds share it, so the cause is drift.
    let placement = kernel().buffers.unwrap();
    assert!(!placement.reused);
    let src = format!("{:#x}", placement.src);
    let dst = format!("{:#x}", placement.dst);
    for (round, buffers) in [("1", "allocated"), ("2", "reused"), ("3", "reused")] {
        let line = sure
            .lines()
            .find(|l| l.starts_with(&format!("| {round} | `lab/results/")))
            .unwrap_or_else(|| panic!("no placement row {round} in:\n{sure}"));
        assert!(
            line.contains(&format!("| {src} | {dst} | {buffers} |")),
            "{line}"
        );
    }
    assert!(sure.contains("Rounds of one module load share their buffers"));
    assert!(sure.contains("The rounds shared their buffers, so no placement changed"));
    assert!(!sure.contains("software TLB thrashing"));
    assert!(sure.contains("counts once per iteration"));
    // The environment table names both boots' clocks.
    assert!(r.md.contains("| Clock | wall+icount (`lab/results/bench.json`: wall, `lab-icount/results/bench.json`: icount) |"));
}

#[test]
fn kernel_rounds_without_placement_name_both_causes() {
    // Reports of the older module: no `buffers`, round 3's 512 KiB read 4.9x round 1's.
    let r = rendered_with(|dir| {
        let results = dir.join("lab/results");
        let first: KernelReport = load("lab/results/kernel.json");
        for f in ["kernel.json", "kernel-bench-2.json", "kernel-bench-3.json"] {
            let mut k: KernelReport = load(&format!("lab/results/{f}"));
            k.buffers = None;
            if f == "kernel-bench-3.json" {
                let row = k
                    .bench
                    .iter_mut()
                    .find(|x| x.size == 524288 && x.op == "read")
                    .unwrap();
                let base = first
                    .bench
                    .iter()
                    .find(|x| x.size == 524288 && x.op == "read")
                    .unwrap();
                row.median_ns = base.median_ns * 49 / 10;
            }
            fs::write(results.join(f), serde_json::to_string(&k).unwrap()).unwrap();
        }
    });
    let sure = section(&r.md, "## How sure are these numbers");
    assert!(sure.contains("do not record where the bench buffers fell"));
    assert!(sure.contains("A factor of 4.9 is the signature of QEMU's software TLB thrashing"));
    assert!(!sure.contains("share their buffers"));
}

#[test]
fn without_icount_answer_5_uses_the_wall_blocks() {
    let r = rendered_with(|dir| fs::remove_dir_all(dir.join("lab-icount")).unwrap());
    let q = section(&r.md, "### 5. C driver vs Rust driver");
    let c = bench()
        .comparisons
        .into_iter()
        .find(|c| c.op == Op::Pwrite && c.size == 1 && c.target == "Rust")
        .unwrap();
    let [lo, hi] = c.block_ratio_ci95.unwrap();
    let mean = c.block_ratios.iter().sum::<f64>() / c.block_ratios.len() as f64;
    assert!(
        q.contains(&format!(
            "1 B write: Rust/C {mean:.3} ({lo:.3}–{hi:.3}) — {}",
            results::Verdict::wall(&c).name()
        )),
        "{q}"
    );
    assert!(!q.contains("Rust mean / C mean"));
}

/// run.json's `modules` as `lab run --driver DIR` writes them for a lone C driver
/// (`lab_renamed`, on the fixture's /dev/mymem, so every input has its numbers) against our
/// C twin, the baseline; `test`/`hello`: (module, kit) of parts 5 and 1.
fn name_modules(dir: &Path, test: (&str, bool), hello: (&str, bool)) {
    let path = dir.join("run.json");
    let mut run: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let m = |role: &str, module: &str, language: &str, kit: bool, device: &str| {
        serde_json::json!({
            "role": role, "module": module, "language": language, "kit": kit,
            "path": if kit { format!("kernel/{module}") } else { format!("/home/s/{module}") },
            "device": device, "sources_sha256": "ab", "git_rev": null, "linked_against": null,
        })
    };
    run["modules"] = serde_json::json!([
        m("c", "mymem_c", "C", true, "/dev/mymem_c"),
        m("rust", "lab_renamed", "C", false, "/dev/mymem"),
        m("hello", hello.0, "Rust", hello.1, ""),
        m("test", test.0, "C", test.1, ""),
    ]);
    fs::write(&path, serde_json::to_string(&run).unwrap()).unwrap();
}

#[test]
fn a_lone_driver_is_named_by_its_module_and_language_against_the_kit_s_c_twin() {
    let r = rendered_with(|d| name_modules(d, ("mymem_test", true), ("hello", true)));
    let versus = "Your C driver `lab_renamed` vs the kit's C twin `mymem_c` (baseline)";
    let table = section(&r.md, &format!("### {versus}"));
    assert!(table.contains("(baseline: the kit's C twin)"), "{table}");
    assert!(
        table.contains("icount baseline median") && table.contains("wall yours/baseline"),
        "{table}"
    );
    assert!(
        r.md.contains(&format!("### 5. {versus}")),
        "answer 5's heading"
    );
    let q5 = section(&r.md, &format!("### 5. {versus}"));
    assert!(
        q5.contains("your C driver `lab_renamed` executes") && !q5.contains("Rust −"),
        "{q5}"
    );
    // Every "Rust driver" left is the kit's (answer 6 on the compiler's guarantees).
    // Every "Rust driver" left is the kit's (answer 6 on the compiler's guarantees) or the
    // lab's own question.
    let md = r.md.replace("the C and the Rust driver? Why?", "");
    for (i, _) in md.match_indices("Rust driver") {
        let before: String = md[..i]
            .chars()
            .rev()
            .take(80)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert!(
            before.ends_with("kit's "),
            "a slot name as a module's: {before}"
        );
    }
    for slot in [
        "the C driver",
        "| C driver",
        "C driver (reference",
        "Rust/C",
        "Rust −",
    ] {
        assert!(
            !r.md.contains(slot),
            "the C slot is the kit's C twin: {slot:?}"
        );
    }
    let svg = fs::read_to_string(
        r.rendered
            .plots
            .iter()
            .find(|p| p.ends_with("relative_to_c.svg"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        svg.contains("lab_renamed (yours, C)") && !svg.contains("Rust driver"),
        "the plot's legend"
    );
}

#[test]
fn part5_says_why_our_mymem_test_could_not_run_quoting_the_kernel() {
    let r = rendered_with(|d| {
        name_modules(d, ("mymem_test", true), ("hello", true));
        for f in ["kernel.json", "kernel-bench-2.json", "kernel-bench-3.json"] {
            for boot in ["lab", "lab-icount"] {
                let _ = fs::remove_file(d.join(boot).join("results").join(f));
            }
        }
        fs::write(
            d.join("lab/results/kernel.json.hole"),
            "insmod mymem_test.ko failed: insmod: can't insert '/lab/modules/mymem_test.ko': \
             unknown symbol in module, or unknown parameter\n\
             kernel: [   12.1] mymem_test: Unknown symbol mymem_size (err -2)\n\
             [   12.1] mymem_test: Unknown symbol mymem_read (err -2)\n",
        )
        .unwrap();
    });
    let part5 = section(&r.md, "### In-kernel race (`mymem_test`)");
    assert!(
        part5.contains("Part 5 ran `mymem_test` (the kit's) against your C driver `lab_renamed`."),
        "{part5}"
    );
    assert!(
        part5.contains("[   12.1] mymem_test: Unknown symbol mymem_read (err -2)")
            && part5.contains("`lab_renamed` does not, so the in-kernel experiments")
            && part5.contains("docs/modules.md"),
        "{part5}"
    );
}

#[test]
fn a_given_test_module_and_hello_module_are_named_with_their_logs() {
    let r = rendered_with(|d| {
        name_modules(d, ("lab_selftest", false), ("lab_hello", false));
        fs::write(
            d.join("lab/results/kernel-test.log"),
            "[    9.0] lab_selftest: 3 of 3 in-kernel checks passed\n",
        )
        .unwrap();
        fs::write(
            d.join("lab/results/hello.txt"),
            "[    3.0] lab_hello: Hello, kernel! (greeting 1 of 1)\n",
        )
        .unwrap();
    });
    let part5 = section(&r.md, "### In-kernel race (`lab_selftest`, yours)");
    assert!(
        part5
            .contains("your in-kernel test module `lab_selftest` (C, from `/home/s/lab_selftest`)")
            && part5.contains("lab_selftest: 3 of 3 in-kernel checks passed"),
        "{part5}"
    );
    let part1 = section(&r.md, "## Part 1: the hello module");
    assert!(
        part1.contains("your module `lab_hello` (Rust, from `/home/s/lab_hello`)")
            && part1.contains("lab_hello: Hello, kernel!"),
        "{part1}"
    );
}

/// The lab's question `n`'s answer section (its heading starts with `### n.`).
fn answer(md: &str, n: u8) -> &str {
    let prefix = format!("### {n}. ");
    let line = md
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no answer {n}"));
    section(md, line)
}

#[test]
fn the_race_sweep_and_answers_2_and_3_name_the_driver_it_ran_on() {
    let r = rendered_with(|d| name_modules(d, ("mymem_test", true), ("hello", true)));
    let dev = race().config.device;
    assert_eq!(dev, "/dev/mymem", "the fixture's sweep device");
    let sweep = section(&r.md, "### User-space race (`mymem race`)");
    assert!(
        sweep.contains(&format!(
            "worker threads on `{dev}` (your C driver `lab_renamed`)"
        )),
        "{sweep}"
    );
    let ran_on = format!("The race sweep ran on your C driver `lab_renamed` (`{dev}`).");
    for n in [2, 3] {
        let a = answer(&r.md, n);
        assert!(a.contains(&ran_on), "answer {n}: {a}");
    }
    // What the kit's drivers do is said of them, not of the run's driver.
    assert!(
        answer(&r.md, 2).contains("as the kit's drivers do with a device mutex"),
        "{}",
        answer(&r.md, 2)
    );
    // A run of our drivers reads as it did.
    let ours = rendered();
    assert!(!answer(&ours.md, 2).contains("The race sweep ran on"));
}

#[test]
fn answers_1_and_5_claim_nothing_about_the_code_of_a_driver_not_the_kit_s() {
    let r = rendered_with(|d| name_modules(d, ("mymem_test", true), ("hello", true)));
    let q5 = answer(&r.md, 5);
    for claim in [
        "check_copy_size",
        "copy_to_iter",
        "Guard::new",
        "same kind of work",
        "both drivers do",
        "the C twin spends",
        "the same kernel routine for both",
    ] {
        assert!(!q5.contains(claim), "answer 5 claims {claim:?}: {q5}");
    }
    assert!(
        q5.contains("it does not read their code") && q5.contains("For the kit's drivers"),
        "{q5}"
    );
    let q1 = answer(&r.md, 1);
    assert!(
        !q1.contains("both drivers use") && q1.contains("in the kit's drivers both directions"),
        "{q1}"
    );
    // Our own run keeps its account of our two drivers.
    let ours = rendered();
    assert!(answer(&ours.md, 5).contains("check_copy_size"));
}

#[test]
fn answer_1_gives_the_largest_size_s_throughput_of_every_driver() {
    let b = bench();
    let largest = b.series.iter().map(|s| s.size).max().unwrap();
    let mb_s = |label: &str, op: Op| {
        let s = b
            .series
            .iter()
            .find(|s| {
                s.kind == SeriesKind::Device && s.label == label && s.op == op && s.size == largest
            })
            .unwrap();
        let v = results::stats::throughput_mb_s(largest, s.stats.mean_ns);
        if v >= 100.0 {
            format!("{v:.0}")
        } else if v >= 10.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        }
    };
    let r = rendered();
    let q1 = answer(&r.md, 1);
    for (name, label) in [("the Rust driver", "Rust"), ("the C driver", "C")] {
        let want = format!(
            "{name} writes at {} MB/s and reads at {} MB/s",
            mb_s(label, Op::Pwrite),
            mb_s(label, Op::Pread)
        );
        assert!(q1.contains(&want), "{want:?} not in: {q1}");
    }
    let named = rendered_with(|d| name_modules(d, ("mymem_test", true), ("hello", true)));
    let q1 = answer(&named.md, 1);
    for name in [
        "your C driver `lab_renamed` writes at",
        "the kit's C twin `mymem_c` (the baseline) writes at",
    ] {
        assert!(q1.contains(name), "{name:?} not in: {q1}");
    }
}

#[test]
fn the_environment_table_names_the_drivers_as_the_prose_does() {
    let r = rendered_with(|d| name_modules(d, ("mymem_test", true), ("hello", true)));
    let env = section(&r.md, "## Environment");
    assert!(row(env, "Driver, yours").contains("`lab_renamed` (C, yours)"));
    assert!(row(env, "Driver, the kit's baseline").contains("`mymem_c` (C, the kit's)"));
    for other in ["reference", "compared", "C slot", "Rust slot"] {
        assert!(!env.contains(other), "{other:?} in: {env}");
    }
}

/// The fixture as `lab run --clock icount` leaves it: no measurement boot (`lab/`).
fn icount_only(dir: &Path) {
    fs::remove_dir_all(dir.join("lab")).unwrap();
    let path = dir.join("run.json");
    let mut run: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    run["clock"] = "icount".into();
    fs::write(&path, serde_json::to_string(&run).unwrap()).unwrap();
}

#[test]
fn an_icount_only_run_takes_its_environment_from_the_icount_boot_and_says_once_why_files_are_missing(
) {
    let r = rendered_with(icount_only);
    let env_stamp = icount_bench().env;
    let env = section(&r.md, "## Environment");
    assert!(
        row(env, "Kernel version (guest `uname -v`)").contains(&env_stamp.kernel_version),
        "{env}"
    );
    assert!(row(env, "CPU model").contains(&env_stamp.cpu_model));
    assert!(row(env, "vCPUs").contains(&env_stamp.vcpus.to_string()));
    assert!(row(env, "Guest tool").contains(&env_stamp.tool_version));
    assert!(!r.md.contains("unknown (no bench.json"), "{env}");
    let why = section(env, "### No wall-clock boot");
    assert!(why.contains("`make run CLOCK=icount`"), "{why}");
    assert_eq!(r.md.matches("### No wall-clock boot").count(), 1);
    assert!(
        !r.md.contains("is missing: this run did not produce it"),
        "{}",
        r.md
    );
    assert!(!r.md.contains("#### On the wall clock"), "an empty heading");
    // Answers 5 and 8 are the icount boot's, with no note on the missing wall boot.
    for n in [5, 8] {
        let a = answer(&r.md, n);
        assert!(
            a.contains("icount medians") && !a.contains("Not measured"),
            "{a}"
        );
    }
    // Our mymem_test could not load in the icount boot: answer 8 says so, quoting the guest.
    let r8 = rendered_with(|d| {
        icount_only(d);
        fs::remove_file(d.join("lab-icount/results/kernel.json")).unwrap();
        fs::write(
            d.join("lab-icount/results/kernel.json.hole"),
            "mymem_test: Unknown symbol mymem_read (err -2)\n",
        )
        .unwrap();
    });
    let a8 = answer(&r8.md, 8);
    assert!(
        a8.contains("**Not measured** (`lab-icount/results/kernel.json`)")
            && a8.contains("Unknown symbol mymem_read"),
        "{a8}"
    );
    let raw = section(&r.md, "## Raw data");
    assert!(
        raw.contains("[`lab-icount/results/bench.json`](lab-icount/results/bench.json)")
            && raw.contains("[`lab-icount/results/kernel.json`](lab-icount/results/kernel.json)")
            && raw.contains("`lab/results/`: none, this run had no wall-clock boot")
            && !raw.contains("`lab/results/bench.json`"),
        "{raw}"
    );
}

#[test]
fn answer_8_says_first_that_a_negative_wall_clock_overhead_is_not_measurable() {
    let b = bench();
    let smallest = b
        .series
        .iter()
        .filter(|s| s.kind == SeriesKind::Device)
        .map(|s| s.size)
        .min()
        .unwrap();
    let user = b
        .series
        .iter()
        .find(|s| {
            s.kind == SeriesKind::Device
                && s.label == "Rust"
                && s.op == Op::Pwrite
                && s.size == smallest
        })
        .unwrap()
        .stats
        .mean_ns;
    let r = rendered_with(|d| {
        let path = d.join("lab/results/kernel.json");
        let mut k: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        for row in k["bench"].as_array_mut().unwrap() {
            if row["op"] == "write" && row["size"] == smallest {
                row["mean_ns"] = ((user + 9524.0) as u64).into();
            }
        }
        fs::write(&path, serde_json::to_string(&k).unwrap()).unwrap();
    });
    let q8 = answer(&r.md, 8);
    let wall = section(q8, "#### On the wall clock");
    assert!(
        wall.contains(
            "the cost of the path into the kernel cannot be measured this way in this run, \
             since the in-kernel mean is not below the user-space one. Both are wall-clock \
             means under TCG"
        ),
        "{wall}"
    );
    assert!(!wall.contains("the path into the kernel adds -"), "{wall}");
    // A clear overhead is still stated as one.
    assert!(answer(&rendered().md, 8).contains("the path into the kernel adds"));
}
