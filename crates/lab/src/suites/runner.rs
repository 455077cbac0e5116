//! Suite `runner`: the host runner survives every way a run can end. The CLI
//! cases run the real `lab` binary as a child (its results under this run's
//! directory) and check, by PID, that no QEMU it started is left; the others
//! boot in-process with a damaged kernel image, a killed QEMU, a full disk.

use crate::vm::guest::{Lab, Outcome, Scenario};
use crate::vm::reaper;
use anyhow::{bail, ensure, Context, Result};
use rustix::process::{Pid, Signal};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub fn runner(lab: &Lab) -> Result<()> {
    part("lab exec: argv, --file with a space, last line", || {
        exec_passes_argv_and_files(lab)
    })?;
    for sig in [Signal::TERM, Signal::HUP, Signal::INT] {
        part(&format!("runner killed by {sig:?}"), || {
            killed_runner_leaves_no_qemu(lab, sig)
        })?;
    }
    part("runner panicking", || panicking_runner_leaves_no_qemu(lab))?;
    part("lab shell with piped stdin", || {
        piped_shell_reads_all_and_ends(lab)
    })?;
    part("lab shell killed", || {
        killed_shell_restores_the_terminal(lab)
    })?;
    part("QEMU dying by itself", || qemu_dying_is_told_apart(lab))?;
    part("results on a full disk", || full_disk_is_an_error(lab))
}

fn part(what: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    let started = Instant::now();
    f().with_context(|| what.to_string())?;
    crate::cmd::note(&format!(
        "ok: {what} ({:.1} s)",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// `lab ...` as a child runner, with this run's accelerator and profile.
fn lab_cmd(lab: &Lab, args: &[&str]) -> Result<Command> {
    let mut c = Command::new(std::env::current_exe()?);
    c.args(["--accel", lab.accel.name()])
        .args(["--profile", lab.kernel.profile.name()])
        .args(args)
        .env("MYMEM_RESULTS", lab.run_dir.join("child-runs"))
        .stdin(Stdio::null());
    Ok(c)
}

/// The inputs in one boot: argv words with spaces, a host file whose
/// path has a space, and a last line without a newline.
fn exec_passes_argv_and_files(lab: &Lab) -> Result<()> {
    let dir = lab.run_dir.join("host files");
    std::fs::create_dir_all(&dir)?;
    let prog = dir.join("my prog");
    std::fs::write(
        &prog,
        "#!/bin/sh\nprintf '[%s]\\n' \"$@\"\necho \"$1\"\nprintf hello\n",
    )?;
    std::fs::set_permissions(&prog, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let out = lab_cmd(
        lab,
        &[
            "exec",
            "--load",
            "",
            "--timeout",
            "120",
            "--file",
            prog.to_str().context("utf-8 path")?,
            "--",
            "my_prog",
            "a   b",
            "c",
        ],
    )?
    .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(
        out.status.success(),
        "lab exec failed ({}):\n{stderr}",
        out.status
    );
    let shown: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.split_once("guest| ").map(|(_, t)| t))
        .collect();
    let want = ["[a   b]", "[c]", "a   b", "hello"];
    let mut at = 0;
    for w in want {
        // A kernel message may follow on the same line (the console is shared).
        at += shown[at..]
            .iter()
            .position(|l| l.starts_with(w))
            .with_context(|| format!("guest output lacks {w:?} (in order); shown: {shown:?}"))?
            + 1;
    }
    Ok(())
}

/// The finding: `printf ... | lab shell` lost its first bytes and hung at the end of input.
/// Every line arrives, in order; the end powers off; lab exits with the shell's status (a
/// last line without newline, `(exit 7)`, ends it).
fn piped_shell_reads_all_and_ends(lab: &Lab) -> Result<()> {
    let mut child = lab_cmd(lab, &["shell", "--load", "", "--timeout", "120"])?
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let log = drain(child.stderr.take().expect("piped"));
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(b"echo first-line-1\necho second\n(exit 7)")?;
    let status = wait_for(&mut child, Duration::from_secs(300))?;
    let stderr = log.join().unwrap_or_default();
    let shown: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.split_once("guest| ").map(|(_, t)| t))
        .collect();
    ensure!(
        shown.iter().any(|l| l.starts_with("first-line-1"))
            && shown.iter().any(|l| l.starts_with("second")),
        "lab shell lost input; shown: {shown:?}\n{stderr}"
    );
    ensure!(
        status.code() == Some(7),
        "lab shell exited {status}, not with the shell's status 7:\n{stderr}"
    );
    Ok(())
}

/// `lab exec -- sleep 300` killed by `sig` once its QEMU runs.
fn killed_runner_leaves_no_qemu(lab: &Lab, sig: Signal) -> Result<()> {
    let mut child = lab_cmd(
        lab,
        &[
            "exec",
            "--load",
            "",
            "--timeout",
            "120",
            "--",
            "sleep",
            "300",
        ],
    )?
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()?;
    let log = drain(child.stderr.take().expect("piped"));
    let qemu = qemu_of(&mut child)?;
    rustix::process::kill_process(pid(child.id()), sig)?;
    let status = wait_for(&mut child, Duration::from_secs(20))?;
    let log = log.join().unwrap_or_default();
    ensure!(
        status.signal() == Some(sig.as_raw()),
        "the runner did not end by {sig:?}: {status}\n{log}"
    );
    gone(qemu)
}

/// A runner whose stderr closes under it panics at its next message (as in
/// `lab exec ... 2>&1 | head`); its QEMU must end with it.
fn panicking_runner_leaves_no_qemu(lab: &Lab) -> Result<()> {
    let mut child = lab_cmd(
        lab,
        &[
            "exec",
            "--load",
            "",
            "--timeout",
            "120",
            "--sh",
            "while :; do echo tick; sleep 1; done",
        ],
    )?
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()?;
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let qemu = qemu_of(&mut child)?;
    let mut line = String::new();
    while !line.contains("guest| tick") {
        line.clear();
        ensure!(
            stderr.read_line(&mut line)? > 0,
            "the runner ended before the guest ran"
        );
    }
    drop(stderr);
    let status = wait_for(&mut child, Duration::from_secs(30))?;
    ensure!(!status.success(), "the runner ignored its broken stderr");
    gone(qemu)
}

/// `lab shell` on a pseudo-terminal, killed while QEMU holds the terminal in
/// raw mode: QEMU must end and the terminal's modes come back.
fn killed_shell_restores_the_terminal(lab: &Lab) -> Result<()> {
    use rustix::termios::{tcgetattr, LocalModes};
    let master =
        rustix::pty::openpt(rustix::pty::OpenptFlags::RDWR | rustix::pty::OpenptFlags::NOCTTY)?;
    rustix::pty::grantpt(&master)?;
    rustix::pty::unlockpt(&master)?;
    let name = rustix::pty::ptsname(&master, Vec::new())?;
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
        .open(name.to_str()?)?;
    let before = tcgetattr(&slave)?;
    ensure!(
        before
            .local_modes
            .contains(LocalModes::ICANON | LocalModes::ECHO),
        "a new pty should start in cooked mode"
    );
    let mut child = lab_cmd(lab, &["shell", "--load", ""])?
        .stdin(slave.try_clone()?)
        .stdout(slave.try_clone()?)
        .stderr(slave.try_clone()?)
        .spawn()?;
    let output = drain(std::fs::File::from(master));
    let qemu = qemu_of(&mut child)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while tcgetattr(&slave)?.local_modes.contains(LocalModes::ICANON) {
        ensure!(
            Instant::now() < deadline,
            "QEMU never put the terminal in raw mode"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    rustix::process::kill_process(pid(child.id()), Signal::TERM)?;
    wait_for(&mut child, Duration::from_secs(20))?;
    gone(qemu)?;
    let after = tcgetattr(&slave)?;
    drop(slave);
    let _ = output.join();
    ensure!(
        after.local_modes == before.local_modes && after.input_modes == before.input_modes,
        "the terminal was left changed: {:?} / {:?}, was {:?} / {:?}",
        after.local_modes,
        after.input_modes,
        before.local_modes,
        before.input_modes
    );
    Ok(())
}

/// A kernel image cut short is "QEMU could not boot <path>"; a QEMU killed
/// from outside is that, not a guest panic.
fn qemu_dying_is_told_apart(lab: &Lab) -> Result<()> {
    let bad = lab.run_dir.join("bzImage-cut-short");
    let image = std::fs::read(lab.kernel.bzimage())?;
    std::fs::write(&bad, &image[..image.len() / 2])?;
    let mut scenario = Scenario::new("qemu-bad-image", "true").timeout(60);
    scenario.kernel = Some(bad.clone());
    let o = lab.boot(&scenario)?;
    expect_error(&o, &format!("QEMU could not boot {}", bad.display()))?;

    let killer = std::thread::spawn(|| -> Result<i32> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let qemu = loop {
            if let Some(&p) = reaper::running().first() {
                break p;
            }
            ensure!(Instant::now() < deadline, "QEMU never started");
            std::thread::sleep(Duration::from_millis(50));
        };
        std::thread::sleep(Duration::from_secs(3));
        rustix::process::kill_process(pid(qemu as u32), Signal::KILL)?;
        Ok(qemu)
    });
    let o = lab.boot(&Scenario::new("qemu-killed", "sleep 120").timeout(100))?;
    killer
        .join()
        .map_err(|_| anyhow::anyhow!("killer thread panicked"))??;
    ensure!(
        !o.timed_out,
        "a killed QEMU was waited for until the timeout"
    );
    expect_error(&o, "QEMU itself was killed by signal 9 (SIGKILL)")
}

/// The input: 1500 KiB of results on a 3600 KiB tmpfs, which also
/// holds the guest image while QEMU runs. Never a success with results
/// missing: the run fails, naming what could not be stored and where.
fn full_disk_is_an_error(lab: &Lab) -> Result<()> {
    let mnt = Tmpfs::mount(&lab.run_dir.join("small-disk"), "3600k")?;
    let mut small = lab.clone();
    small.run_dir = mnt.0.join("run");
    std::fs::create_dir_all(&small.run_dir)?;
    let o = small.boot(
        &Scenario::new(
            "full-disk",
            "head -c 1500k /dev/urandom > /results/big && md5sum /results/big",
        )
        .timeout(120),
    )?;
    ensure!(
        !o.timed_out,
        "a full disk on the host must not hang the guest"
    );
    if o.verdict().is_ok() {
        let stored =
            std::fs::read(o.results().join("big")).context("the run passed without its results")?;
        bail!(
            "the run passed with {} of 1536000 bytes stored; the image and the archive \
             should not both fit in 3600 KiB",
            stored.len()
        );
    }
    expect_error(&o, "could not store the guest's results archive at")?;
    expect_error(&o, &o.dir.join("results.tgz").display().to_string())?;
    expect_error(&o, "No space left on device")
}

/// A tmpfs mounted for the test, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Result<Tmpfs> {
        std::fs::create_dir_all(at)?;
        crate::cmd::output(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
                .arg(at),
        )?;
        Ok(Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn expect_error(outcome: &Outcome, needle: &str) -> Result<()> {
    match outcome.verdict() {
        Ok(()) => bail!("{} passed but should have failed", outcome.dir.display()),
        Err(e) => {
            let msg = format!("{e:#}");
            ensure!(msg.contains(needle), "the report lacks {needle:?}:\n{msg}");
            Ok(())
        }
    }
}

fn pid(raw: u32) -> Pid {
    Pid::from_raw(raw as i32).expect("a child's pid is positive")
}

/// The QEMU the child runner started (waits up to 120 s for it).
fn qemu_of(runner: &mut Child) -> Result<i32> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(p) = children(runner.id() as i32)
            .into_iter()
            .find(|(_, comm)| comm.starts_with("qemu-system"))
        {
            return Ok(p.0);
        }
        if let Some(status) = runner.try_wait()? {
            bail!("the runner ended ({status}) before starting QEMU");
        }
        ensure!(Instant::now() < deadline, "no QEMU after 120 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// (pid, command name) of the processes whose parent is `parent`.
fn children(parent: i32) -> Vec<(i32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    dir.filter_map(|e| {
        let pid: i32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let (comm, ppid) = stat(pid)?;
        (ppid == parent).then_some((pid, comm))
    })
    .collect()
}

/// (command name, parent pid) from /proc/<pid>/stat.
fn stat(pid: i32) -> Option<(String, i32)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (comm, rest) = s.split_once(" (")?.1.rsplit_once(") ")?;
    let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
    Some((comm.to_string(), ppid))
}

/// Fails unless QEMU `qemu` is gone within 5 s.
fn gone(qemu: i32) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while let Some((comm, ppid)) = stat(qemu).filter(|(c, _)| c.starts_with("qemu-system")) {
        if Instant::now() >= deadline {
            let _ = rustix::process::kill_process(pid(qemu as u32), Signal::KILL);
            bail!(
                "QEMU {qemu} ({comm}) still exists 5 s after its runner ended (parent now {ppid})"
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn wait_for(child: &mut Child, limit: Duration) -> Result<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            bail!("the runner did not end within {} s", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reads `from` to its end in a thread (so the writer never blocks).
fn drain(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = from.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    })
}
