//! The guest test suites behind `lab test`, and the lab pipeline behind `lab run`.
//! Each suite boots the guest with a scenario and asserts on what came back.

use crate::cmd;
use crate::guest::{Lab, Outcome, Scenario};
use crate::kernel::Profile;
use anyhow::{bail, ensure, Context, Result};
use std::time::Instant;

pub struct Suite {
    pub name: &'static str,
    pub about: &'static str,
    /// Part of the default selection in the debug profile (`make test-debug`).
    pub debug: bool,
    run: fn(&Lab) -> Result<()>,
}

pub const SUITES: &[Suite] = &[
    Suite {
        name: "hello",
        about: "part 1: hello.ko load/unload log lines and modinfo",
        debug: false,
        run: hello,
    },
    Suite {
        name: "conformance-rust",
        about: "device contract suite against /dev/mymem (Rust driver)",
        debug: true,
        run: |lab| conformance(lab, "mymem"),
    },
    Suite {
        name: "conformance-c",
        about: "device contract suite against /dev/mymem_c (C driver)",
        debug: true,
        run: |lab| conformance(lab, "mymem_c"),
    },
    Suite {
        name: "seed-compat",
        about: "the seed lab's C programs (plain open/lseek/read/write) run unchanged on both drivers",
        debug: false,
        run: seed_compat,
    },
    Suite {
        name: "tools",
        about: "mymem bench and race with tiny settings: JSON complete and consistent",
        debug: false,
        run: tools,
    },
    Suite {
        name: "kernel-test",
        about: "mymem_test: symbol resolution and load order, quick in-kernel run, unload mid-run",
        debug: true,
        run: kernel_test,
    },
    Suite {
        name: "stress",
        about: "mymem stress: random operations from processes x threads, checked against the contract",
        debug: true,
        run: stress,
    },
    Suite {
        name: "cycling",
        about: "load/unload every module repeatedly, with files opened in between; rmmod refused while open",
        debug: true,
        run: cycling,
    },
    Suite {
        name: "failures",
        about: "the host catches a failing command, WARN, oops, panic and hang in the guest",
        debug: false,
        run: failures,
    },
];

pub fn select(names: &[String], profile: Profile) -> Result<Vec<&'static Suite>> {
    if names.is_empty() {
        return Ok(SUITES
            .iter()
            .filter(|s| profile == Profile::Lab || s.debug)
            .collect());
    }
    names
        .iter()
        .map(|n| {
            SUITES
                .iter()
                .find(|s| s.name == n)
                .with_context(|| format!("no suite {n:?} (see lab test --list)"))
        })
        .collect()
}

pub fn run_all(lab: &Lab, suites: &[&Suite]) -> Result<()> {
    let mut failed = Vec::new();
    for suite in suites {
        cmd::step(&format!("Suite {}: {}", suite.name, suite.about));
        let started = Instant::now();
        match (suite.run)(lab) {
            Ok(()) => eprintln!(
                "PASS {} ({:.0} s)",
                suite.name,
                started.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("FAIL {}: {e:#}", suite.name);
                failed.push(suite.name);
            }
        }
    }
    println!("results: {}", lab.run_dir.display());
    println!(
        "lab test: {} passed, {} failed",
        suites.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        bail!("failed suites: {}", failed.join(", "));
    }
    Ok(())
}

/// Settings of the measurement runs (`lab run`, `lab bench`).
#[derive(Debug, Clone, clap::Args)]
pub struct Measure {
    /// Trials per size for `mymem bench` (and the in-kernel benchmark).
    #[arg(long, default_value_t = 1000)]
    pub trials: u32,
    /// Iterations per worker in the userspace race sweep (the seed used
    /// 150000: about 3 h under TCG for the whole sweep).
    #[arg(long, default_value_t = 5000)]
    pub race_iterations: u64,
    /// Trials per (workers, strategy) in the race sweep (at least 3).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(3..))]
    pub race_trials: u32,
    /// Workers of the in-kernel race.
    #[arg(long, default_value_t = 50)]
    pub kernel_workers: u32,
    /// Iterations per worker of the in-kernel race.
    #[arg(long, default_value_t = 150000)]
    pub kernel_iterations: u64,
    /// Skip the in-kernel experiments.
    #[arg(long)]
    pub no_kernel: bool,
}

/// The lab's measurements, all in one boot so that every comparison is within it.
pub fn measure_scenario(m: &Measure, with_hello: bool) -> Scenario {
    let mut script = String::new();
    if with_hello {
        script.push_str(
            "echo '== part 1: hello'\n\
             insmod /lab/modules/hello.ko || exit 1\n\
             rmmod hello || exit 1\n\
             dmesg | grep ' hello: ' > /results/hello.txt\n",
        );
    }
    script.push_str(&format!(
        "echo '== parts 2/4: mymem bench (C and Rust drivers, interleaved)'\n\
         insmod /lab/modules/mymem.ko || exit 2\n\
         insmod /lab/modules/mymem_c.ko || exit 2\n\
         mymem bench --trials {trials} --json /results/bench.json || exit 3\n\
         echo '== part 3: mymem race sweep'\n\
         mymem race --sweep --iterations {ri} --trials {rt} --json /results/race.json || exit 4\n",
        trials = m.trials,
        ri = m.race_iterations,
        rt = m.race_trials,
    ));
    if !m.no_kernel {
        script.push_str(&format!(
            "echo '== part 5: in-kernel mymem_test (W={w}, N={n})'\n\
             insmod /lab/modules/mymem_test.ko || exit 5\n\
             echo 'all workers={w} iterations={n} trials={t}' > /dev/mymem_test || exit 6\n\
             cat /dev/mymem_test > /results/kernel.json || exit 7\n\
             rmmod mymem_test || exit 8\n",
            w = m.kernel_workers,
            n = m.kernel_iterations,
            t = m.trials,
        ));
    }
    // Generous: the userspace race sweep dominates and is emulated under TCG.
    Scenario::new("lab", &script).timeout(4 * 3600)
}

/// `lab run`: the whole lab in one boot, then the report.
pub fn run_lab(lab: &Lab, m: &Measure) -> Result<()> {
    let outcome = lab.run_clean(&measure_scenario(m, true))?;
    check_hello_lines(&read_result(&outcome, "hello.txt")?, 1)?;
    finish_run(lab)
}

/// `lab bench`: measurements only, JSON under the run directory.
pub fn run_bench(lab: &Lab, m: &Measure) -> Result<()> {
    lab.run_clean(&measure_scenario(m, false))?;
    finish_run(lab)
}

/// Writes run.json beside the guest results and renders the report.
fn finish_run(lab: &Lab) -> Result<()> {
    let info = crate::run_info::collect(lab)?;
    std::fs::write(
        lab.run_dir.join(report::RUN_JSON),
        serde_json::to_string_pretty(&info)?,
    )?;
    render_report(&lab.run_dir)
}

pub fn render_report(run_dir: &std::path::Path) -> Result<()> {
    cmd::step("Report");
    let rendered = report::render(run_dir)?;
    println!("results: {}", run_dir.display());
    println!("report:  {}", rendered.html.display());
    println!("         {}", rendered.markdown.display());
    Ok(())
}

/// The load and unload lines of hello.ko greeting `times` times.
fn check_hello_lines(log: &str, times: u32) -> Result<()> {
    for i in 1..=times {
        let want = format!("hello: Hello, kernel! (greeting {i} of {times})");
        ensure!(log.contains(&want), "guest kernel log lacks {want:?}");
    }
    let bye = format!("hello: Goodbye, kernel! (greeted {times} times)");
    ensure!(log.contains(&bye), "guest kernel log lacks {bye:?}");
    ensure!(
        log.matches("Hello, kernel!").count() == times as usize,
        "expected exactly {times} greetings in the kernel log"
    );
    Ok(())
}

fn read_result(outcome: &Outcome, name: &str) -> Result<String> {
    let path = outcome.results().join(name);
    std::fs::read_to_string(&path)
        .with_context(|| format!("guest result {} missing", path.display()))
}

fn hello_scenario() -> Scenario {
    Scenario::new(
        "hello",
        "insmod /lab/modules/hello.ko times=3 || exit 1\n\
         rmmod hello || exit 1\n\
         insmod /lab/modules/hello.ko times=0; echo $? > /results/hello-times0.rc\n\
         modinfo /lab/modules/hello.ko > /results/hello-modinfo.txt\n",
    )
    .timeout(120)
}

fn hello(lab: &Lab) -> Result<()> {
    check_hello(&lab.run_clean(&hello_scenario())?)
}

fn check_hello(outcome: &Outcome) -> Result<()> {
    let dmesg = read_result(outcome, "dmesg.txt")?;
    check_hello_lines(&dmesg, 3)?;
    ensure!(
        dmesg.contains("hello: times=0 is out of range 1-10"),
        "no error line for times=0"
    );
    let rc = read_result(outcome, "hello-times0.rc")?;
    ensure!(
        rc.trim() != "0",
        "insmod hello times=0 succeeded; it must fail"
    );
    let modinfo = read_result(outcome, "hello-modinfo.txt")?;
    let field = |key: &str| {
        modinfo
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_string())
            .collect::<Vec<_>>()
    };
    ensure!(
        field("license") == ["GPL"],
        "modinfo license: {:?}",
        field("license")
    );
    ensure!(
        field("parm")
            .iter()
            .any(|p| p.starts_with("times:How many greetings")),
        "modinfo parm: {:?}",
        field("parm")
    );
    ensure!(
        field("description") == ["Part 1 of the mymem lab: logs on load and unload"],
        "modinfo description: {:?}",
        field("description")
    );
    ensure!(
        field("vermagic").iter().any(|v| v.starts_with("7.")),
        "modinfo vermagic: {:?}",
        field("vermagic")
    );
    Ok(())
}

/// Runs every conformance test binary in the guest against one driver.
fn conformance(lab: &Lab, module: &str) -> Result<()> {
    let mut scenario = Scenario::new(
        &format!("conformance-{module}"),
        &format!(
            "export MYMEM_DEVICE=/dev/{module} MYMEM_MODULE={module}\n\
             rc=0\n\
             for t in /lab/tests/*; do\n\
             \techo \"== $t\"\n\
             \t\"$t\" --test-threads=1 || rc=1\n\
             done\n\
             exit $rc\n"
        ),
    )
    .load(&[module])
    .timeout(900);
    for (name, exe) in &lab.bins.tests {
        scenario
            .files
            .push((exe.clone(), format!("/lab/tests/{name}")));
    }
    let outcome = lab.boot(&scenario)?;
    let (passed, failed) = test_counts(&outcome.console);
    cmd::note(&format!("guest tests: {passed} passed, {failed} failed"));
    outcome.verdict()?;
    ensure!(passed > 0, "no guest test ran");
    Ok(())
}

/// Sums the "test result: ... N passed; M failed" lines of the standard harness.
fn test_counts(console: &str) -> (u64, u64) {
    let count = |line: &str, word: &str| -> u64 {
        line.split([';', ':', '.'])
            .filter_map(|part| part.trim().strip_suffix(word))
            .filter_map(|n| n.trim().parse::<u64>().ok())
            .sum()
    };
    console
        .lines()
        .filter(|l| l.contains("test result:"))
        .fold((0, 0), |(p, f), l| {
            (p + count(l, "passed"), f + count(l, "failed"))
        })
}

fn seed_compat(lab: &Lab) -> Result<()> {
    let mut scenario = Scenario::new(
        "seed-compat",
        "for d in /dev/mymem /dev/mymem_c; do\n\
         \tseed_timing $d 20 > /results/timing-${d#/dev/}.txt || exit 1\n\
         \tseed_counter $d 1 2000 > /results/counter1-${d#/dev/}.txt || exit 2\n\
         \tseed_counter $d 4 20000 > /results/counter4-${d#/dev/}.txt || exit 3\n\
         done\n",
    )
    .load(&["mymem", "mymem_c"])
    .timeout(600);
    for (name, exe) in &lab.bins.seed {
        scenario
            .files
            .push((exe.clone(), format!("/lab/bin/{name}")));
    }
    let outcome = lab.run_clean(&scenario)?;
    for dev in ["mymem", "mymem_c"] {
        let timing = read_result(&outcome, &format!("timing-{dev}.txt"))?;
        let sizes: Vec<&str> = timing
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        ensure!(
            sizes == ["1", "64", "1024", "65536", "524288"],
            "{dev} timing rows: {sizes:?}"
        );
        let one = read_result(&outcome, &format!("counter1-{dev}.txt"))?;
        ensure!(
            one.trim() == "expected 2000 actual 2000 error 0.000%",
            "{dev}: one thread must not lose updates: {one}"
        );
        let four = read_result(&outcome, &format!("counter4-{dev}.txt"))?;
        ensure!(four.starts_with("expected 80000 actual "), "{dev}: {four}");
        cmd::note(&format!("{dev}, 4 threads x 20000: {}", four.trim()));
    }
    Ok(())
}

fn tools(lab: &Lab) -> Result<()> {
    use mymem_cli::report_json::{BenchReport, Op, RaceReport, SeriesKind, Strategy};
    let outcome = lab.run_clean(
        &Scenario::new(
            "tools",
            "mymem bench --trials 20 --warmup 2 --sizes 1,64,4096 --json /results/bench.json || exit 1\n\
             mymem race --quick --json /results/race.json || exit 2\n",
        )
        .load(&["mymem", "mymem_c"])
        .timeout(600),
    )?;
    let bench: BenchReport = serde_json::from_str(&read_result(&outcome, "bench.json")?)?;
    ensure!(
        bench.schema == mymem_cli::report_json::BENCH_SCHEMA,
        "bench schema {}",
        bench.schema
    );
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
    let race: RaceReport = serde_json::from_str(&read_result(&outcome, "race.json")?)?;
    ensure!(
        race.schema == mymem_cli::report_json::RACE_SCHEMA,
        "race schema {}",
        race.schema
    );
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

fn kernel_test(lab: &Lab) -> Result<()> {
    let outcome = lab.run_clean(
        &Scenario::new(
            "kernel-test",
            "insmod /lab/modules/mymem_test.ko 2>/dev/null && { echo 'loaded without mymem'; exit 10; }\n\
             dmesg | grep -q 'mymem_test: Unknown symbol mymem_' || { echo 'no Unknown symbol line'; exit 11; }\n\
             insmod /lab/modules/mymem.ko || exit 12\n\
             insmod /lab/modules/mymem_test.ko || exit 13\n\
             rmmod mymem 2>/dev/null && { echo 'mymem unloaded under its user'; exit 14; }\n\
             echo 'all workers=8 iterations=20000 trials=20' > /dev/mymem_test || exit 15\n\
             cat /dev/mymem_test > /results/kernel.json || exit 16\n\
             echo 'race workers=8 iterations=100000000' > /dev/mymem_test || exit 17\n\
             sleep 1\n\
             rmmod mymem_test || { echo 'cannot unload mid-run'; exit 18; }\n\
             rmmod mymem || exit 19\n\
             lsmod | grep -q mymem && exit 20\n\
             exit 0\n",
        )
        .timeout(600),
    )?;
    let report: report::KernelReport =
        serde_json::from_str(&read_result(&outcome, "kernel.json")?)?;
    ensure!(
        report.schema == report::KERNEL_SCHEMA,
        "kernel schema {}",
        report.schema
    );
    ensure!(
        report.status == "complete",
        "in-kernel run status {}",
        report.status
    );
    ensure!(
        report.params.workers == 8
            && report.params.iterations == 20000
            && report.params.mem.as_deref() == Some("vmalloc"),
        "params {:?}",
        report.params
    );
    ensure!(
        report.bench.len() == report.params.sizes.len() * 2,
        "bench rows: {}",
        report.bench.len()
    );
    for row in &report.bench {
        ensure!(
            row.errors == 0 && row.n == 20,
            "bench row {} {}: {} errors, n={}",
            row.size,
            row.op,
            row.errors,
            row.n
        );
    }
    for strategy in ["none", "lock", "fetch-add"] {
        let row = report
            .race
            .iter()
            .find(|r| r.strategy == strategy)
            .with_context(|| format!("no in-kernel race row for {strategy}"))?;
        ensure!(
            row.api_errors == 0,
            "{strategy}: {} API errors",
            row.api_errors
        );
        ensure!(
            row.expected == 8 * 20000,
            "{strategy}: expected {}",
            row.expected
        );
        if strategy != "none" {
            ensure!(
                row.actual == row.expected,
                "{strategy} lost updates: {} of {}",
                row.actual,
                row.expected
            );
        }
    }
    Ok(())
}

/// The stress tool against both drivers: short in the lab profile, about a
/// million operations in the debug profile.
fn stress(lab: &Lab) -> Result<()> {
    let ops = match lab.kernel.profile {
        Profile::Lab => 20_000,
        Profile::Debug => 1_000_000,
    };
    let outcome = lab.run_clean(
        &Scenario::new(
            "stress",
            &format!("mymem stress --ops {ops} --json /results/stress.json\n"),
        )
        .load(&["mymem", "mymem_c"])
        .timeout(1800),
    )?;
    let report: serde_json::Value = serde_json::from_str(&read_result(&outcome, "stress.json")?)?;
    ensure!(
        report["schema"] == "mymem-stress/1",
        "stress schema {}",
        report["schema"]
    );
    let done = report["ops"].as_u64().unwrap_or(0);
    ensure!(done >= ops, "stress ran {done} of {ops} operations");
    // `deviations` lists the first ones only; the count is complete.
    let deviations = report["deviation_count"]
        .as_u64()
        .context("stress.json has no deviation_count")?;
    ensure!(
        deviations == 0,
        "stress found {deviations} deviations from the contract"
    );
    cmd::note(&format!(
        "stress: {done} operations, 0 deviations, {:.0} ops/s, seed {}",
        report["ops_per_s"].as_f64().unwrap_or(0.0),
        report["seed"]
    ));
    Ok(())
}

/// Guest script for `cycling`: every module loaded and unloaded `n` times,
/// odd rounds with files opened and closed in between.
fn cycling_script(n: u32) -> String {
    format!(
        r#"n={n}
i=0
while [ $i -lt $n ]; do
	insmod /lab/modules/hello.ko || exit 1
	insmod /lab/modules/mymem.ko || exit 2
	insmod /lab/modules/mymem_c.ko || exit 3
	insmod /lab/modules/mymem_test.ko || exit 4
	if [ $((i % 2)) -eq 1 ]; then
		echo round $i | dd of=/dev/mymem 2>/dev/null || exit 5
		echo round $i | dd of=/dev/mymem_c 2>/dev/null || exit 5
		head -c 8 /dev/mymem > /dev/null || exit 6
		head -c 8 /dev/mymem_c > /dev/null || exit 6
	fi
	rmmod mymem_test || exit 7
	rmmod mymem_c || exit 8
	rmmod mymem || exit 9
	rmmod hello || exit 10
	i=$((i + 1))
	[ $((i % 100)) -eq 0 ] && echo "cycling: $i of $n"
done
echo "cycling: $n rounds done"
for m in mymem mymem_c; do
	insmod /lab/modules/$m.ko || exit 11
	exec 3<>/dev/$m
	rmmod $m 2>/dev/null && {{ echo "rmmod $m succeeded with a file open"; exit 12; }}
	echo still-works | dd of=/dev/$m 2>/dev/null || exit 13
	[ "$(head -c 11 /dev/$m)" = still-works ] || {{ echo "/dev/$m broken after refused rmmod"; exit 14; }}
	exec 3<&-
	rmmod $m || exit 15
done
[ -s /proc/modules ] && {{ echo "modules left loaded:"; cat /proc/modules; exit 16; }}
exit 0
"#
    )
}

fn cycling(lab: &Lab) -> Result<()> {
    let n = match lab.kernel.profile {
        Profile::Lab => 50,
        Profile::Debug => 1000,
    };
    lab.run_clean(&Scenario::new("cycling", &cycling_script(n)).timeout(3600))?;
    Ok(())
}

/// Each deliberate failure must be reported by the host as that failure.
fn failures(lab: &Lab) -> Result<()> {
    let exit =
        lab.boot(&Scenario::new("fail-exit", "echo failing on purpose; exit 3").timeout(120))?;
    ensure!(
        exit.exit_code == Some(3),
        "exit status not carried back: {:?}",
        exit.exit_code
    );
    expect_error(&exit, "exited with status 3")?;

    let warn = lab.boot(
        &Scenario::new("fail-warn", "insmod /lab/modules/lab_fault.ko warn=1").timeout(120),
    )?;
    expect_error(&warn, "WARNING:")?;
    ensure!(
        warn.findings.iter().any(|f| f.pattern == "WARNING:"),
        "WARN not found"
    );

    let oops = lab.boot(
        &Scenario::new("fail-oops", "insmod /lab/modules/lab_fault.ko oops=1").timeout(120),
    )?;
    expect_error(&oops, "kernel reported a problem")?;

    let panic = lab.boot(
        &Scenario::new("fail-panic", "insmod /lab/modules/lab_fault.ko panic_now=1").timeout(120),
    )?;
    ensure!(
        !panic.timed_out,
        "a panic must end the guest at once, not by timeout"
    );
    ensure!(
        panic.exit_code.is_none(),
        "a panicked guest cannot have an exit status"
    );
    expect_error(&panic, "Kernel panic")?;

    let hang = lab
        .boot(&Scenario::new("fail-hang", "insmod /lab/modules/lab_fault.ko hang=1").timeout(40))?;
    ensure!(hang.timed_out, "a hung guest must be killed by the timeout");
    expect_error(&hang, "did not finish within 40 s")?;
    Ok(())
}

fn expect_error(outcome: &Outcome, needle: &str) -> Result<()> {
    match outcome.verdict() {
        Ok(()) => bail!(
            "guest '{}' failed on purpose but the host saw a clean run",
            outcome.dir.display()
        ),
        Err(e) => {
            let msg = format!("{e:#}");
            ensure!(
                msg.contains(needle),
                "the failure report lacks {needle:?}:\n{msg}"
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_harness_results() {
        let console = "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.0s\n\
                       noise\ntest result: FAILED. 3 passed; 2 failed; 0 ignored\n";
        assert_eq!(test_counts(console), (15, 2));
        assert_eq!(test_counts("nothing"), (0, 0));
    }

    #[test]
    fn suite_names_are_unique_and_selectable() {
        let mut names: Vec<_> = SUITES.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SUITES.len());
        assert_eq!(select(&["hello".into()], Profile::Lab).unwrap().len(), 1);
        assert!(select(&["nope".into()], Profile::Lab).is_err());
        assert_eq!(select(&[], Profile::Lab).unwrap().len(), SUITES.len());
        let debug = select(&[], Profile::Debug).unwrap();
        assert!(
            debug.iter().any(|s| s.name == "stress") && !debug.iter().any(|s| s.name == "failures")
        );
    }
}
