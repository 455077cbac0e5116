//! Guest checks of the debugging tools (issue 13): decoded WARN and oops traces (part of the
//! `failures` suite), a scripted gdb session (`gdb`), and the rust-analyzer project (`ide`).

use crate::vm::decode::DECODED_LOG;
use crate::vm::gdb;
use crate::vm::guest::{Lab, Outcome, Scenario};
use crate::{cmd, paths};
use anyhow::{bail, ensure, Context, Result};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The 1-based line of `kernel/<file>` that contains `needle`.
fn source_line(file: &str, needle: &str) -> Result<usize> {
    let path = paths::repo_root().join("kernel").join(file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .with_context(|| format!("{needle:?} not in {}", path.display()))
}

/// The failure report and `console.decoded.log` both name `function at kernel/file:line`,
/// the line being the one with `needle`.
fn expect_decoded(outcome: &Outcome, function: &str, file: &str, needle: &str) -> Result<()> {
    let want = format!("{function} at kernel/{file}:{}", source_line(file, needle)?);
    let report = match outcome.verdict() {
        Ok(()) => bail!("the guest failed on purpose but the host saw a clean run"),
        Err(e) => format!("{e:#}"),
    };
    ensure!(
        report.contains(&want),
        "the failure report lacks the decoded frame {want:?}:\n{report}"
    );
    let decoded_log = outcome.dir.join(DECODED_LOG);
    let decoded = std::fs::read_to_string(&decoded_log)
        .with_context(|| format!("{} missing", decoded_log.display()))?;
    ensure!(
        decoded.contains(&want),
        "{} lacks {want:?}",
        decoded_log.display()
    );
    cmd::note(&format!("decoded: {want}"));
    Ok(())
}

/// The WARN of `failures` (`lab_fault warn=1`), decoded to the WARN() line.
pub fn check_warn(warn: &Outcome) -> Result<()> {
    expect_decoded(
        warn,
        "lab_fault_init",
        "lab_fault/lab_fault_main.c",
        "WARN(warn,",
    )
}

/// The C oops of `failures` (`lab_fault oops=1`), decoded to the faulting store.
pub fn check_c_oops(oops: &Outcome) -> Result<()> {
    expect_decoded(
        oops,
        "lab_fault_init",
        "lab_fault/lab_fault_main.c",
        "WRITE_ONCE(*p, 1);",
    )
}

/// A Rust oops (`lab_fault rust_oops=1`): the RIP line names the demangled Rust function
/// and the decoded frame its source line.
pub fn rust_oops(lab: &Lab) -> Result<()> {
    let oops = lab.boot(
        &Scenario::new(
            "fail-rust-oops",
            "insmod /lab/modules/lab_fault.ko rust_oops=1",
        )
        .timeout(120),
    )?;
    let function = "<lab_fault_rust::Regs>::write_control";
    expect_decoded(
        &oops,
        function,
        "lab_fault/lab_fault_rust.rs",
        "self.base.write_volatile(value)",
    )?;
    let report = format!("{:#}", oops.verdict().unwrap_err());
    ensure!(
        report.contains(&format!("RIP: 0010:{function}+0x")),
        "the RIP line does not name the demangled Rust function:\n{report}"
    );
    Ok(())
}

/// `gdb`: attaches to the guest, breaks in the Rust driver's write path, and checks that
/// the backtrace names the Rust function while the guest writes to /dev/mymem.
pub fn gdb_attach(lab: &Lab) -> Result<()> {
    let dir = lab.run_dir.join("gdb-attach.gdb");
    let session = gdb::Session::new(&dir, true)?;
    let mut scenario = Scenario::new(
        "gdb-attach",
        "echo through-gdb > /dev/mymem || exit 1\n\
         [ \"$(head -c 11 /dev/mymem)\" = through-gdb ] || exit 2\n",
    )
    .load(&["mymem"])
    .timeout(240);
    session.apply(&mut scenario);
    // The first statement of the Rust driver's write_iter.
    let line = source_line("mymem/file.rs", "fn write_iter(")? + 1;
    let script = dir.join("test.gdb");
    std::fs::write(
        &script,
        format!("break file.rs:{line}\nlab-go\nbt\ndelete\ndetach\n"),
    )?;
    let lab_gdb = session.lab_gdb();
    let log = dir.join("gdb.log");
    let watcher = session.start(lab)?;
    let (outcome, gdb) = std::thread::scope(|s| {
        let gdb = s.spawn(|| {
            let result = if watcher.wait_ready(Duration::from_secs(150)) {
                run_gdb(&[&lab_gdb, &script], &log, Duration::from_secs(120))
            } else {
                Err(anyhow::anyhow!(
                    "the guest never reported its module sections"
                ))
            };
            if result.is_err() {
                // Whatever went wrong, the waiting guest must not wait forever.
                watcher.release_guest();
            }
            result
        });
        let outcome = lab.boot(&scenario);
        (outcome, gdb.join())
    });
    let outcome = outcome?;
    let gdb_out = gdb
        .map_err(|_| anyhow::anyhow!("the gdb thread panicked"))?
        .context("gdb session")?;
    let bt: Vec<&str> = gdb_out.lines().filter(|l| l.starts_with('#')).collect();
    ensure!(
        bt.first().is_some_and(|f| f.contains("::file::")
            && f.contains("::write_iter")
            && f.contains(" at file.rs:")),
        "gdb's backtrace does not start in the driver's file::..::write_iter ({}):\n{gdb_out}",
        log.display()
    );
    cmd::note(&format!("gdb: {}", bt[0]));
    outcome
        .verdict()
        .context("the guest's write did not complete after gdb detached")?;
    Ok(())
}

/// `gdb -batch -x FILE...` with its output in `log`; killed after `timeout`.
fn run_gdb(files: &[&Path], log: &Path, timeout: Duration) -> Result<String> {
    let out = std::fs::File::create(log)?;
    let mut gdb = Command::new("gdb");
    gdb.args(["-batch", "-nx"]);
    for f in files {
        gdb.arg("-x").arg(f);
    }
    let mut child = gdb
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .context("cannot run gdb (Debian package gdb)")?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = std::fs::read_to_string(log).unwrap_or_default();
    match status {
        None => bail!("gdb did not finish within {} s:\n{text}", timeout.as_secs()),
        Some(s) if !s.success() => bail!("gdb failed ({s}):\n{text}"),
        Some(_) => Ok(text),
    }
}

/// `ide`: `make ide` writes kernel/rust-project.json naming the `kernel` crate and every
/// Rust crate root of our modules, each depending on `kernel`.
pub fn ide(lab: &Lab) -> Result<()> {
    let file = crate::dev::ide::generate(&lab.kernel)?;
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file)?)?;
    let crates = json["crates"]
        .as_array()
        .context("rust-project.json has no crates")?;
    let index = |name: &str| {
        crates
            .iter()
            .position(|c| c["display_name"] == name)
            .with_context(|| format!("rust-project.json has no crate {name:?}"))
    };
    let kernel = index("kernel")?;
    let roots = crate::dev::ide::module_crate_roots()?;
    ensure!(
        !roots.is_empty(),
        "no Rust module crates found under kernel/"
    );
    for root in &roots {
        let canon = std::fs::canonicalize(root)?;
        let c = crates
            .iter()
            .find(|c| {
                c["root_module"]
                    .as_str()
                    .and_then(|p| std::fs::canonicalize(p).ok())
                    .is_some_and(|p| p == canon)
            })
            .with_context(|| format!("rust-project.json lacks {}", root.display()))?;
        ensure!(
            c["deps"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["crate"] == kernel)),
            "{} does not depend on the kernel crate",
            root.display()
        );
    }
    cmd::note(&format!(
        "{}: kernel + {} module crates",
        file.display(),
        roots.len()
    ));
    Ok(())
}
