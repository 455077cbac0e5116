//! `lab`: the host side of the mymem lab. Sets up the toolchain, builds the
//! kernel (cached) and our modules, boots QEMU, and brings results back.

mod cache_key;
mod cmd;
mod decode;
mod evidence;
mod gdb;
mod grading;
mod guest;
mod guest_results;
mod ide;
mod initramfs;
mod junit;
mod kconfig;
mod kernel;
mod lint;
mod logscan;
mod modules;
mod paths;
mod pipeline;
mod qemu;
mod run_info;
mod script;
mod source;
mod suites;
mod suites_debug;
mod toolchain;
mod userspace;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use guest::{Lab, Scenario};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "lab",
    about = "Build, boot and test the mymem Rust-for-Linux lab",
    long_about = "Build, boot and test the mymem Rust-for-Linux lab.\n\n\
        Every command first makes sure the toolchain (Debian packages, bindgen), the kernel \
        source, the kernel (cached in ~/.cache/mymem by a key of version, config and toolchain), \
        our modules and the static guest binaries are in place, then boots QEMU \
        (KVM when it works, else TCG). Results land in results/<run-id>/."
)]
struct Cli {
    /// QEMU accelerator; `auto` uses KVM only where it can work.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        env = "LAB_ACCEL"
    )]
    accel: qemu::Accel,
    /// Kernel profile: `debug` adds lockdep, KASAN, kmemleak (separate cached build).
    #[arg(long, global = true, value_enum, default_value = "lab")]
    profile: kernel::Profile,
    /// Show the guest's boot messages too.
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
    /// Example: lab exec --file ./probe -- /lab/bin/probe --flag
    Exec {
        /// Host file to copy in, as HOST[:GUEST] (default guest path /lab/bin/<name>).
        #[arg(long = "file", short = 'f')]
        files: Vec<String>,
        /// Modules to load first, comma-separated ("" for none).
        #[arg(long, default_value = "mymem,mymem_c")]
        load: String,
        /// Seconds before the guest is killed.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        #[command(flatten)]
        gdb: gdb::GdbArgs,
        /// The command and its arguments (run by busybox sh in /lab).
        #[arg(required = true, last = true)]
        command: Vec<String>,
    },
    /// Interactive busybox shell in the guest with our modules loaded.
    Shell {
        /// Modules to load first, comma-separated ("" for none).
        #[arg(long, default_value = "mymem,mymem_c")]
        load: String,
        #[command(flatten)]
        gdb: gdb::GdbArgs,
    },
    /// Run the guest test suites; prints "N passed, M failed" and fails on any failure.
    Test {
        /// Only these suites (default: all); `lab test --list` names them.
        suites: Vec<String>,
        /// List the suites and exit.
        #[arg(long)]
        list: bool,
        /// Also write JUnit XML here: a test case per suite, and per libtest test inside them.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
    },
    /// Run the whole lab in one boot and write results/<run-id>/ with report.html.
    Run {
        #[command(flatten)]
        measure: pipeline::Measure,
    },
    /// Only the measurements (bench, race, in-kernel), with the report.
    Bench {
        #[command(flatten)]
        measure: pipeline::Measure,
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
    /// Score module sources against the device contract, clause by clause
    /// (rubric: grading/rubric.toml); writes grade.json, grade.md, junit.xml.
    Grade(grading::GradeArgs),
    /// Write a starter module (the C driver with TODO bodies) into DIR; builds and loads as is.
    Skeleton {
        #[arg(long, value_enum)]
        lang: grading::skeleton::Lang,
        dir: PathBuf,
    },
    /// Re-render the report of an existing run directory (no VM).
    Report {
        /// The run directory (default: results/latest).
        dir: Option<PathBuf>,
    },
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = real_main(cli) {
        eprintln!("\nlab: error: {e:#}");
        std::process::exit(1);
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
            timeout,
            ref gdb,
            ref command,
        } => {
            let lab = prepare(&cli, "exec", false)?;
            let mut scenario = Scenario::new("exec", &command.join(" "))
                .load(&split_list(load))
                .timeout(timeout);
            for spec in files {
                scenario.files.push(file_spec(spec)?);
            }
            let _gdb = gdb::attach(&lab, &mut scenario, gdb)?;
            let outcome = lab.boot(&scenario)?;
            println!("results: {}", outcome.dir.display());
            let code = outcome.exit_code;
            if let Err(e) = outcome.verdict() {
                eprintln!("lab: {e:#}");
                std::process::exit(code.filter(|c| *c != 0).unwrap_or(1));
            }
            Ok(())
        }
        Command::Shell { ref load, ref gdb } => {
            let lab = prepare(&cli, "shell", false)?;
            let mut scenario = Scenario::new("shell", "").load(&split_list(load));
            scenario.interactive = true;
            let _gdb = gdb::attach(&lab, &mut scenario, gdb)?;
            eprintln!("    (exit the shell to power off; Ctrl-A X kills QEMU)");
            lab.boot(&scenario)?;
            Ok(())
        }
        Command::Test {
            ref suites,
            list,
            ref junit,
        } => {
            if list {
                for s in suites::SUITES {
                    println!("{:<22} {}", s.name, s.about);
                }
                return Ok(());
            }
            let selected = suites::select(suites, cli.profile)?;
            let lab = prepare(&cli, "test", true)?;
            suites::run_all(&lab, &selected, junit.as_deref())
        }
        Command::Run { ref measure } => {
            let lab = prepare(&cli, "run", false)?;
            pipeline::run_lab(&lab, measure)
        }
        Command::Bench { ref measure } => {
            let lab = prepare(&cli, "bench", false)?;
            pipeline::run_bench(&lab, measure)
        }
        Command::Grade(ref args) => {
            let lab = prepare(&cli, "grade", true)?;
            grading::run(&lab, args)
        }
        Command::Skeleton { lang, ref dir } => grading::skeleton::write(lang, dir),
        Command::Ide => {
            toolchain::ensure_packages()?;
            toolchain::ensure_bindgen()?;
            let source = source::ensure()?;
            let kernel = kernel::ensure(&source, cli.profile, &toolchain::versions()?)?;
            ide::generate(&kernel).map(|_| ())
        }
        Command::Report { ref dir } => {
            let dir = dir
                .clone()
                .unwrap_or_else(|| paths::results_root().join("latest"));
            if !dir.join(results::layout::RUN_JSON).exists() {
                bail!(
                    "{} is not a run directory (no {})",
                    dir.display(),
                    results::layout::RUN_JSON
                );
            }
            pipeline::render_report(&dir)
        }
    }
}

/// Toolchain, source, kernel, modules and guest binaries; then the accelerator.
fn prepare(cli: &Cli, what: &str, with_tests: bool) -> Result<Lab> {
    toolchain::ensure_packages()?;
    toolchain::ensure_bindgen()?;
    let source = source::ensure()?;
    let versions = toolchain::versions()?;
    let kernel = kernel::ensure(&source, cli.profile, &versions)?;
    let modules = modules::build(&kernel)?;
    let bins = userspace::build(with_tests)?;
    let (accel, accel_reason) = qemu::detect(cli.accel);
    cmd::step(&format!("Accelerator: {} ({accel_reason})", accel.name()));
    let run_dir = new_run_dir(what)?;
    Ok(Lab {
        kernel,
        modules,
        bins,
        accel,
        accel_reason,
        run_dir,
        verbose: cli.verbose,
    })
}

fn new_run_dir(what: &str) -> Result<PathBuf> {
    let stamp = cmd::output(std::process::Command::new("date").arg("+%Y%m%d-%H%M%S"))?;
    let root = paths::results_root();
    let mut dir = root.join(format!("{}-{what}", stamp.trim()));
    let mut n = 1;
    while dir.exists() {
        n += 1;
        dir = root.join(format!("{}-{what}-{n}", stamp.trim()));
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let latest = root.join("latest");
    let _ = std::fs::remove_file(&latest);
    let _ = std::os::unix::fs::symlink(dir.file_name().expect("named"), &latest);
    Ok(dir)
}

fn split_list(s: &str) -> Vec<&str> {
    s.split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect()
}

/// HOST[:GUEST]; the guest path defaults to /lab/bin/<file name>.
fn file_spec(spec: &str) -> Result<(PathBuf, String)> {
    let (host, guest) = match spec.split_once(':') {
        Some((h, g)) => (PathBuf::from(h), g.to_string()),
        None => {
            let host = PathBuf::from(spec);
            let name = host
                .file_name()
                .context("--file needs a file name")?
                .to_string_lossy()
                .into_owned();
            (host, format!("/lab/bin/{name}"))
        }
    };
    if !host.is_file() {
        bail!("--file {spec}: {} is not a file", host.display());
    }
    Ok((host, guest))
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
                ..
            } => {
                assert_eq!(files, ["a:/x"]);
                assert_eq!(split_list(&load), Vec::<&str>::new());
                assert_eq!(command, ["ls", "-l"]);
                assert_eq!(timeout, 600);
            }
            _ => panic!("not exec"),
        }
        assert!(Cli::try_parse_from(["lab", "exec"]).is_err());
    }

    #[test]
    fn file_spec_defaults_to_lab_bin() {
        let (h, g) = file_spec("/bin/sh").unwrap();
        assert_eq!((h, g.as_str()), (PathBuf::from("/bin/sh"), "/lab/bin/sh"));
        assert_eq!(file_spec("/bin/sh:/x/y").unwrap().1, "/x/y");
        assert!(file_spec("/nonexistent").is_err());
    }
}
