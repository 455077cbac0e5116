//! `lab`: the host side of the mymem lab. Sets up the toolchain, builds the
//! kernel (cached) and our modules, boots QEMU, and brings results back.

mod build;
mod cmd;
mod dev;
mod grading;
mod handout;
mod measure;
mod paths;
mod suites;
mod vm;

use build::{kernel, modules, source, toolchain, userspace};
use dev::{ide, lint};
use measure::{compare, drivers, pipeline, runs};
use vm::{clock, exec, gdb, qemu, reaper};

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use vm::guest::{Lab, Scenario};

#[derive(Parser)]
#[command(
    name = "lab",
    about = "Build, boot and test the mymem Rust-for-Linux lab",
    long_about = "Build, boot and test the mymem Rust-for-Linux lab.\n\n\
        Every command first makes sure the toolchain (Debian packages, bindgen), the kernel \
        source, the kernel (cached in ~/.cache/mymem by a key of version, config and toolchain), \
        our modules and the static guest binaries are in place, then boots QEMU \
        (KVM when it works, else TCG). Results land in results/<run-id>/; results/latest-<command> \
        points at the newest of each command, results/latest at the newest run or bench."
)]
struct Cli {
    /// QEMU accelerator; `auto` uses KVM only where it can work. For the commands that boot
    /// (exec, shell, test, run, bench, grade).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        env = "LAB_ACCEL"
    )]
    accel: qemu::AccelRequest,
    /// Guest clock: `wall` follows the host (confounded by its load); `icount` advances 1 ns per
    /// executed guest instruction (deterministic, ~3.5x slower, TCG only; races need `wall`).
    /// Default `wall`, except `lab run`, which boots twice, once in each clock; there the
    /// option keeps only that clock's boot. For the commands that boot.
    #[arg(long, global = true, value_enum, env = "LAB_CLOCK")]
    clock: Option<clock::Clock>,
    /// Kernel profile: `debug` adds lockdep, KASAN, kmemleak (separate cached build). For the
    /// commands that build or boot the kernel.
    #[arg(long, global = true, value_enum, default_value = "lab")]
    profile: kernel::Profile,
    /// Show the guest's boot messages too, and every kernel log line (default: the first 200
    /// of a boot; console.log has them all).
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install and build everything, boot nothing.
    Setup,
    /// Run a command in the guest with our modules loaded; exits with its status.
    ///
    /// The words after `--` are the program and its arguments, passed to the guest
    /// as given: each word stays one argument, nothing is re-split or expanded.
    /// For a shell command line (pipes, redirections, $VARS) use --sh '<line>'
    /// (or -- sh -c '<line>').
    ///
    /// Examples:
    ///   lab exec --file ./probe -- /lab/bin/probe --flag
    ///   lab exec -- printf '[%s]\n' 'a b' c
    ///   lab exec --sh 'dd if=/dev/mymem bs=8 count=1 | hexdump -C'
    #[command(verbatim_doc_comment)]
    Exec {
        /// Host file to copy in, as HOST[:GUEST] (default guest path
        /// /lab/bin/<name>, with spaces in the name turned into `_`).
        #[arg(long = "file", short = 'f')]
        files: Vec<String>,
        /// Modules to load first, by module name, comma-separated, `.ko` optional ("" for
        /// none) [default: the two drivers: mymem,mymem_c, or those --driver puts in their
        /// place]. A --driver module keeps its own name (its Kbuild's obj-m, e.g. studmem).
        #[arg(long, value_name = "MODULES")]
        load: Option<String>,
        #[command(flatten)]
        modules: drivers::ModuleArgs,
        /// Seconds before the guest is killed.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        #[command(flatten)]
        gdb: gdb::GdbArgs,
        /// A shell command line for the guest's busybox sh, instead of a program.
        #[arg(long = "sh", value_name = "LINE", conflicts_with = "command")]
        sh: Option<String>,
        /// The program and its arguments, passed as given (run in /lab, with
        /// /lab/bin in PATH).
        #[arg(last = true, required_unless_present = "sh")]
        command: Vec<String>,
    },
    /// Interactive busybox shell in the guest with our modules loaded.
    ///
    /// With stdin not a terminal (`printf 'ls\n' | lab shell`), the shell reads it as typed,
    /// without prompts or echo; its end powers off as Ctrl-D does, and lab exits with the
    /// shell's status.
    Shell {
        /// Modules to load first, by module name, comma-separated, `.ko` optional ("" for
        /// none) [default: the two drivers: mymem,mymem_c, or those --driver puts in their
        /// place]. A --driver module keeps its own name (its Kbuild's obj-m, e.g. studmem).
        #[arg(long, value_name = "MODULES")]
        load: Option<String>,
        #[command(flatten)]
        modules: drivers::ModuleArgs,
        #[command(flatten)]
        gdb: gdb::GdbArgs,
        /// Seconds before the guest is killed, when stdin is not a terminal.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Run the guest test suites; prints "N passed, M failed" and fails on any failure.
    ///
    /// With --driver DIR: the conformance suite against that driver (built as `lab grade`
    /// builds it), instead of the suites on ours.
    Test {
        /// Only these suites (default: all); `lab test --list` names them.
        suites: Vec<String>,
        /// List the suites and exit.
        #[arg(long)]
        list: bool,
        /// Also write JUnit XML here: a test case per suite, and per libtest test inside them.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        #[command(flatten)]
        modules: drivers::ModuleArgs,
    },
    /// Run the whole lab and write results/<run-id>/ with report.html.
    ///
    /// Two boots: the wall-clock boot runs everything (hello, the C-vs-Rust bench in blocks
    /// with the modules reloaded between them, the race sweep, misuse, the matrix, three
    /// in-kernel bench rounds and the in-kernel race); the icount boot (under a minute) runs
    /// only the user-space and in-kernel benches, in deterministic instruction time, which
    /// the report states its verdicts from. `--clock wall` or `--clock icount` (or LAB_CLOCK)
    /// keeps only that boot; under KVM there is no icount boot. Races stay on the wall
    /// clock: with icount the vCPUs never run at the same time.
    Run {
        #[command(flatten)]
        measure: pipeline::Measure,
        #[command(flatten)]
        modules: drivers::ModuleArgs,
    },
    /// Only the measurements (bench, race, in-kernel), with the report: one boot, in the
    /// --clock chosen (default wall; with icount the bench runs --icount-trials in one block).
    Bench {
        #[command(flatten)]
        measure: pipeline::Measure,
        #[command(flatten)]
        modules: drivers::ModuleArgs,
    },
    /// Check our kernel Rust against the kernel's own rustfmt config (fetches
    /// the kernel source if needed; builds and boots nothing).
    Lint {
        /// Reformat the files instead of checking them.
        #[arg(long)]
        fix: bool,
    },
    /// Write kernel/rust-project.json for rust-analyzer (kernel's `make rust-analyzer M=`).
    Ide,
    /// Do two runs agree? Cell-by-cell Rust/C ratios and verdicts of their bench.json.
    ///
    /// The boots of the two runs are paired by clock (`lab run` has a wall and an icount
    /// boot). Exits non-zero when two verdicts contradict each other or, for icount boots,
    /// when any median (user-space series or in-kernel row; the tmpfs peer is shown but not
    /// held to it) differs by more than 0.5 %. icount verdicts come from the medians; wall
    /// verdicts from the 95 % CI over blocks, three-way with a ±5 % margin (slower, faster,
    /// within ±5 %, or undecided when the CI straddles a margin), or from the CI of the means
    /// in runs without blocks. "Undecided" claims nothing, so against a decided verdict it is
    /// listed but does not fail the comparison (--strict: it does). No VM.
    Compare {
        /// First run: a run directory (results/<run-id>), a boot's results directory, or a
        /// bench.json file.
        run_a: PathBuf,
        /// Second run, the same way.
        run_b: PathBuf,
        /// Also fail when a verdict is decided in one run and undecided in the other.
        #[arg(long)]
        strict: bool,
    },
    /// Score module sources against the device contract, clause by clause
    /// (rubric: grading/rubric.toml); writes grade.json, grade.md, junit.xml.
    Grade(grading::GradeArgs),
    /// Write a course handout into DIR: a student repository with a starter per part and no
    /// reference solution (`--check DIR`: look for reference solutions in one).
    #[cfg(feature = "kit")]
    Handout(handout::write::HandoutArgs),
    /// Write a starter module (one of our drivers with TODO bodies) into DIR; builds and loads as is.
    #[cfg(feature = "kit")]
    Skeleton {
        /// Language of the starter: `c` (from mymem_c) or `rust` (from mymem).
        #[arg(long, value_enum)]
        lang: grading::skeleton::Lang,
        /// Directory to write the module into (created if missing; must be empty).
        dir: PathBuf,
    },
    /// In a handout (handout.toml): load each part's module in the guest and show it at work
    /// (hello's lines, a write/read through each driver, one run of the part-5 module); fails
    /// when a part does not load or unload or the kernel reports a problem. No scoring
    /// (that is `lab grade .`).
    Parts {
        /// Only load and unload each part (what `make test` checks).
        #[arg(long)]
        load_only: bool,
    },
    /// Re-render the report of an existing run directory (no VM).
    Report {
        /// The run directory (default: results/latest, the newest `lab run` or `lab bench`).
        dir: Option<PathBuf>,
    },
}

impl Cli {
    /// The kernel profile this command runs on: `--profile`, or `debug` for `grade --debug`.
    fn profile(&self) -> kernel::Profile {
        match &self.command {
            Command::Grade(args) if args.debug => kernel::Profile::Debug,
            _ => self.profile,
        }
    }
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = reaper::install().and_then(|()| real_main(cli)) {
        fail(&e, 1);
    }
}

/// Prints `e` as every failure ends (README, Troubleshooting) and exits with `code`.
fn fail(e: &anyhow::Error, code: i32) -> ! {
    eprintln!("\n{}", failure_text(e));
    std::process::exit(code);
}

/// `lab: error: ...` and, last, `lab: to retry: <command>` (or `lab: instead: <command>`).
fn failure_text(e: &anyhow::Error) -> String {
    let (what, next) = cmd::after_error(e);
    format!("lab: error: {e:#}\nlab: {what}: {next}")
}

/// A boot's verdict as the process's end: its guest's status (1 when it has none) after a
/// failure, else nothing.
fn exit_with_verdict(outcome: &vm::guest::Outcome) {
    println!("results: {}", outcome.dir.display());
    if let Err(e) = outcome.verdict() {
        fail(&e, outcome.exit_code.filter(|c| *c != 0).unwrap_or(1));
    }
}

fn real_main(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Lint { fix } => {
            toolchain::ensure_packages()?;
            lint::kernel_rustfmt(&source::ensure()?, fix)
        }
        Command::Setup => {
            let lab = prepare(&cli, "setup", true)?;
            println!(
                "Ready: kernel {} at {}",
                lab.kernel.release,
                lab.kernel.build_dir.display()
            );
            Ok(())
        }
        Command::Exec {
            ref files,
            ref load,
            ref modules,
            timeout,
            ref gdb,
            ref sh,
            ref command,
        } => {
            let script = match sh {
                Some(line) => exec::Command::Shell(line.clone()),
                None => exec::Command::Argv(command.clone()),
            }
            .script()?;
            let files = files
                .iter()
                .map(|spec| exec::file_spec(spec))
                .collect::<Result<Vec<_>>>()?;
            let (lab, plan) = with_modules(prepare(&cli, "exec", false)?, modules)?;
            let load = load_list(load.as_deref(), &plan);
            let mut scenario = Scenario::new("exec", &script)
                .load(&split_list(&load))
                .timeout(timeout);
            scenario.files = files;
            let _gdb = gdb::attach(&lab, &mut scenario, gdb)?;
            exit_with_verdict(&lab.boot(&scenario)?);
            Ok(())
        }
        Command::Shell {
            ref load,
            ref modules,
            ref gdb,
            timeout,
        } => {
            let (lab, plan) = with_modules(prepare(&cli, "shell", false)?, modules)?;
            let load = load_list(load.as_deref(), &plan);
            let mut scenario = Scenario::new("shell", "")
                .load(&split_list(&load))
                .timeout(timeout);
            // A pipe is no terminal: busybox's line editing would query the cursor and eat
            // input, and its end would not power off. The host feeds it instead (guest/init).
            let piped = !std::io::IsTerminal::is_terminal(&std::io::stdin());
            if piped {
                scenario.piped = true;
            } else {
                scenario.interactive = true;
            }
            let _gdb = gdb::attach(&lab, &mut scenario, gdb)?;
            if piped {
                cmd::note("stdin is not a terminal: the shell reads it and powers off at its end");
                exit_with_verdict(&lab.boot(&scenario)?);
            } else {
                eprintln!("    (exit the shell to power off; Ctrl-A X kills QEMU)");
                lab.boot(&scenario)?;
            }
            Ok(())
        }
        Command::Test {
            ref suites,
            list,
            ref junit,
            ref modules,
        } => {
            if list {
                for s in suites::SUITES {
                    println!("{:<22} {}", s.name, s.about);
                }
                return Ok(());
            }
            if modules.any() {
                if !suites.is_empty() {
                    bail!(
                        "with --driver, lab test runs the conformance suite on it: name no suites"
                    );
                }
                let (lab, plan) = with_modules(prepare(&cli, "test", true)?, modules)?;
                return suites::conformance_on(&lab, &plan, junit.as_deref());
            }
            let selected = suites::select(suites, cli.profile)?;
            let lab = prepare(&cli, "test", true)?;
            suites::run_all(&lab, &selected, junit.as_deref())
        }
        Command::Run {
            ref measure,
            ref modules,
        } => {
            let mut clocks = pipeline::run_clocks(cli.clock);
            let (lab, plan) = with_modules(prepare(&cli, "run", false)?, modules)?;
            if cli.clock.is_none() && lab.accel == qemu::Accel::Kvm {
                cmd::note("no icount boot: QEMU counts instructions only under TCG (--accel tcg)");
                clocks = vec![clock::Clock::Wall];
            }
            pipeline::run_lab(&lab, measure, &clocks, plan)
        }
        Command::Bench {
            ref measure,
            ref modules,
        } => {
            let (lab, plan) = with_modules(prepare(&cli, "bench", false)?, modules)?;
            pipeline::run_bench(&lab, measure, plan)
        }
        Command::Grade(ref args) => {
            let lab = prepare(&cli, "grade", true)?;
            grading::run(&lab, args)
        }
        #[cfg(feature = "kit")]
        Command::Skeleton { lang, ref dir } => grading::skeleton::write(lang, dir),
        #[cfg(feature = "kit")]
        Command::Handout(ref args) => handout::write::run(args),
        Command::Parts { load_only } => {
            let Some(layout) = handout::this()? else {
                bail!(
                    "lab parts runs in a handout (a repository written by `lab handout`, with a {})",
                    handout::LAYOUT_FILE
                );
            };
            let args = handout::parts::module_args(&layout, &paths::repo_root());
            let (lab, plan) = with_modules(prepare(&cli, "parts", false)?, &args)?;
            handout::parts::run(&lab, &layout, &plan, load_only)
        }
        Command::Ide => {
            toolchain::ensure_packages()?;
            toolchain::ensure_bindgen()?;
            let source = source::ensure()?;
            let kernel = kernel::ensure(&source, cli.profile, &toolchain::versions()?)?;
            ide::generate(&kernel).map(|_| ())
        }
        Command::Compare {
            ref run_a,
            ref run_b,
            strict,
        } => compare::run(run_a, run_b, strict),
        Command::Report { ref dir } => {
            let dir = dir
                .clone()
                .unwrap_or_else(|| paths::results_root().join("latest"));
            if !dir.join(results::layout::RUN_JSON).exists() {
                return Err(not_a_run_dir(&dir).into());
            }
            pipeline::render_report(&dir)
        }
    }
}

/// Toolchain, source, kernel, modules and guest binaries; then the accelerator.
fn prepare(cli: &Cli, what: &str, with_tests: bool) -> Result<Lab> {
    paths::check_no_spaces()?;
    toolchain::ensure_packages()?;
    toolchain::ensure_bindgen()?;
    let source = source::ensure()?;
    let versions = toolchain::versions()?;
    let kernel = kernel::ensure(&source, cli.profile(), &versions)?;
    let modules = modules::build(&kernel)?;
    let bins = userspace::build(with_tests)?;
    let (accel, accel_reason) = qemu::detect(cli.accel);
    let clock = cli.clock.unwrap_or(clock::Clock::Wall);
    if clock.icount() && accel == qemu::Accel::Kvm {
        bail!("--clock icount needs TCG (QEMU counts instructions only when it emulates them): add --accel tcg");
    }
    cmd::step(&format!(
        "Accelerator: {} ({accel_reason}); clock: {}",
        accel.name(),
        if matches!(cli.command, Command::Run { .. }) {
            pipeline::run_clocks(cli.clock)
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(" + ")
        } else {
            clock.name().into()
        }
    ));
    let run_dir = runs::create(&paths::results_root(), &runs::stamp(), what)?;
    Ok(Lab {
        kernel,
        modules,
        bins,
        accel,
        accel_reason,
        clock,
        run_dir,
        verbose: cli.verbose,
    })
}

/// `lab report DIR` on a directory without run.json (an exec, test or grade run, or none):
/// what it is, and a command that does make a report.
fn not_a_run_dir(dir: &std::path::Path) -> cmd::NotRetryable {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let kind = ["exec", "shell", "test", "grade", "setup"]
        .into_iter()
        .find(|k| name.ends_with(&format!("-{k}")) || name.contains(&format!("-{k}-")));
    let what = match kind {
        Some(k) => format!(
            "{} holds a `lab {k}` run: only `lab run` and `lab bench` write the {} a report is made from",
            dir.display(),
            results::layout::RUN_JSON
        ),
        None if dir.exists() => format!(
            "{} is not a run directory (no {}): only `lab run` and `lab bench` make one",
            dir.display(),
            results::layout::RUN_JSON
        ),
        None => format!("{} does not exist", dir.display()),
    };
    let latest = paths::results_root().join("latest");
    let next = if latest.join(results::layout::RUN_JSON).exists() && latest != dir {
        format!(
            "cargo run --release -p lab -- report {} (the newest run or bench), or make run",
            latest.display()
        )
    } else {
        "make run (or cargo run --release -p lab -- run; --driver DIR for your module)".into()
    };
    cmd::NotRetryable {
        message: what,
        next,
    }
}

/// Builds the modules `args` names and puts them in the guest in place of ours.
fn with_modules(mut lab: Lab, args: &drivers::ModuleArgs) -> Result<(Lab, drivers::Plan)> {
    let plan = drivers::Plan::build(&lab.kernel, args, &lab.run_dir)?;
    plan.apply(&mut lab.modules)?;
    Ok((lab, plan))
}

/// `--load` as given, else the run's two drivers.
fn load_list(load: Option<&str>, plan: &drivers::Plan) -> String {
    load.map_or_else(|| plan.default_load().join(","), str::to_string)
}

/// `--load`'s module names: `a, b.ko` -> `[a, b]` (the guest holds /lab/modules/<name>.ko).
fn split_list(s: &str) -> Vec<&str> {
    s.split(',')
        .map(str::trim)
        .map(|m| m.strip_suffix(".ko").unwrap_or(m))
        .filter(|m| !m.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn grade_debug_boots_the_debug_kernel() {
        let profile = |args: &[&str]| Cli::try_parse_from(args).unwrap().profile();
        assert_eq!(
            profile(&["lab", "grade", "--debug", "d"]),
            kernel::Profile::Debug
        );
        assert_eq!(
            profile(&["lab", "--profile", "debug", "grade", "d"]),
            kernel::Profile::Debug
        );
        assert_eq!(profile(&["lab", "grade", "d"]), kernel::Profile::Lab);
        assert_eq!(profile(&["lab", "test"]), kernel::Profile::Lab);
    }

    #[test]
    fn exec_takes_files_and_a_command() {
        let cli =
            Cli::try_parse_from(["lab", "exec", "-f", "a:/x", "--load", "", "--", "ls", "-l"])
                .unwrap();
        match cli.command {
            Command::Exec {
                files,
                load,
                command,
                timeout,
                sh,
                ..
            } => {
                assert_eq!(files, ["a:/x"]);
                assert_eq!(load.as_deref(), Some(""));
                assert_eq!(split_list(""), Vec::<&str>::new());
                assert_eq!(command, ["ls", "-l"]);
                assert_eq!(timeout, 600);
                assert_eq!(sh, None);
            }
            _ => panic!("not exec"),
        }
        assert!(Cli::try_parse_from(["lab", "exec"]).is_err());
    }

    #[test]
    fn run_bench_test_exec_shell_take_modules() {
        for cmd in ["run", "bench", "test", "shell"] {
            let cli = Cli::try_parse_from([
                "lab",
                cmd,
                "--driver",
                "a",
                "--driver",
                "b",
                "--device",
                "/dev/x",
                "--test-module",
                "t",
                "--hello",
                "h",
            ])
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
            let m = match cli.command {
                Command::Run { modules, .. }
                | Command::Bench { modules, .. }
                | Command::Test { modules, .. }
                | Command::Shell { modules, .. } => modules,
                _ => panic!("{cmd}"),
            };
            assert_eq!(m.drivers, [PathBuf::from("a"), PathBuf::from("b")]);
            assert_eq!(m.devices, ["/dev/x"]);
            assert_eq!(m.test_module, Some(PathBuf::from("t")));
            assert_eq!(m.hello, Some(PathBuf::from("h")));
        }
        let cli = Cli::try_parse_from(["lab", "exec", "--driver", "d", "--", "true"]).unwrap();
        assert!(matches!(cli.command, Command::Exec { ref modules, .. } if modules.any()));
        // --device names a driver's node: without a driver it means nothing.
        assert!(Cli::try_parse_from(["lab", "run", "--device", "/dev/x"]).is_err());
        // Without --load: the two drivers of the run.
        assert_eq!(load_list(None, &drivers::Plan::default()), "mymem,mymem_c");
        assert_eq!(load_list(Some(""), &drivers::Plan::default()), "");
    }

    #[test]
    fn report_on_an_exec_run_says_what_it_is_and_what_to_run_instead() {
        let dir = std::env::temp_dir().join(format!("{}-20261201-101010-exec", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e: anyhow::Error = not_a_run_dir(&dir).into();
        let msg = format!("{e:#}");
        assert!(msg.contains("holds a `lab exec` run"), "{msg}");
        let (what, next) = cmd::after_error(&e);
        // Not the same command again: it would fail the same way.
        assert_eq!(what, "instead");
        assert!(!next.contains(&dir.display().to_string()), "{next}");
        assert!(
            next.contains("make run") || next.contains(" report "),
            "{next}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        let (what, _) = cmd::after_error(&anyhow::anyhow!("other"));
        assert_eq!(what, "to retry");
    }

    #[test]
    fn every_failure_ends_with_the_retry_line_the_readme_names() {
        // The finding: README says `lab: to retry: <command>`; a failed boot ended with
        // `retry:   cargo run ...` instead.
        let e = vm::guest::tests::outcome("ok\n@@MYMEM-EXIT 2@@\n", false)
            .verdict()
            .unwrap_err();
        let text = failure_text(&e);
        let last = text.lines().last().unwrap();
        assert!(
            last.starts_with("lab: to retry: cargo run --release -p lab -- "),
            "{text}"
        );
        assert_eq!(text.matches("retry").count(), 1, "{text}");
        let readme = std::fs::read_to_string(paths::repo_root().join("README.md")).unwrap();
        assert!(readme.contains("`lab: to retry: <command>`"));
    }

    #[test]
    fn load_takes_module_names_with_or_without_ko() {
        // The finding: `--load studmem.ko` made the guest look for studmem.ko.ko.
        assert_eq!(split_list("studmem.ko"), ["studmem"]);
        assert_eq!(split_list("mymem, studmem.ko,"), ["mymem", "studmem"]);
        assert_eq!(split_list("a.kobj"), ["a.kobj"]);
    }

    /// The long help of `lab <sub>`.
    fn help(sub: &str) -> String {
        let mut cli = Cli::command();
        cli.build();
        cli.find_subcommand_mut(sub)
            .unwrap_or_else(|| panic!("{sub}"))
            .render_long_help()
            .to_string()
    }

    #[test]
    fn help_says_what_load_takes_and_what_skeletons_dir_is() {
        for sub in ["exec", "shell"] {
            let h = help(sub);
            assert!(
                h.contains("by module name") && h.contains("`.ko` optional"),
                "{sub}: {h}"
            );
            assert!(h.contains("keeps its own name"), "{sub}: {h}");
        }
        let h = help("skeleton");
        assert!(h.contains("Directory to write the module into"), "{h}");
        assert!(h.contains("Language of the starter"), "{h}");
        // The global options say which commands they apply to.
        assert!(h.contains("For the commands that boot"), "{h}");
    }

    #[test]
    fn exec_takes_a_shell_line_with_sh() {
        let cli = Cli::try_parse_from(["lab", "exec", "--sh", "a | b"]).unwrap();
        assert!(
            matches!(cli.command, Command::Exec { sh: Some(ref l), ref command, .. }
            if l == "a | b" && command.is_empty())
        );
        assert!(Cli::try_parse_from(["lab", "exec", "--sh", "a", "--", "b"]).is_err());
    }
}
