//! QEMU: choosing the accelerator, the command line, and running a guest with
//! a hard timeout while its console streams to the terminal and a log.

use crate::vm::reaper;
use anyhow::{Context, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The accelerator asked for on the command line (`--accel`, `LAB_ACCEL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AccelRequest {
    Auto,
    Kvm,
    Tcg,
}

/// The accelerator a boot uses: `auto` resolved by [`choose`], so a `Lab` cannot hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Accel {
    Kvm,
    Tcg,
}

impl Accel {
    pub fn name(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }
}

/// Resolves `auto`: KVM only when /dev/kvm is usable and the CPU exposes
/// vmx/svm. Here /dev/kvm exists inside a VM without nested virtualisation and
/// KVM guests hang, which the missing flag tells apart.
pub fn choose(requested: AccelRequest, kvm_usable: bool, cpuinfo: &str) -> (Accel, String) {
    let virt = cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags"))
        .any(|l| l.split_whitespace().any(|f| f == "vmx" || f == "svm"));
    match requested {
        AccelRequest::Kvm => (Accel::Kvm, "requested".into()),
        AccelRequest::Tcg => (Accel::Tcg, "requested".into()),
        AccelRequest::Auto if kvm_usable && virt => {
            (Accel::Kvm, "/dev/kvm usable and CPU has vmx/svm".into())
        }
        AccelRequest::Auto if !kvm_usable => (
            Accel::Tcg,
            "no usable /dev/kvm: software emulation, times are slow".into(),
        ),
        AccelRequest::Auto => (
            Accel::Tcg,
            "/dev/kvm present but the CPU has no vmx/svm (nested VM): software emulation".into(),
        ),
    }
}

pub fn detect(requested: AccelRequest) -> (Accel, String) {
    let kvm_usable = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    choose(requested, kvm_usable, &cpuinfo)
}

#[derive(Debug, Clone)]
pub struct Machine {
    pub accel: Accel,
    pub cpus: u32,
    pub memory_mb: u32,
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    pub append: String,
    /// Where the guest's second serial port (results tar) is stored. QEMU
    /// writes into a pipe that the runner drains into this file, so that a
    /// full disk is reported instead of blocking the guest's serial port.
    pub results_channel: PathBuf,
    /// Interactive: the console is the user's terminal (Ctrl-A X quits QEMU).
    pub interactive: bool,
    /// Appended last (gdb stub, a third serial port: gdb.rs).
    pub extra_args: Vec<String>,
    /// Deterministic guest time: 1 ns per executed instruction (TCG only).
    pub icount: bool,
}

impl Machine {
    /// The command line, with the results port writing to `results_channel`.
    #[cfg(test)]
    pub fn args(&self) -> Vec<String> {
        self.args_with(&self.results_channel)
    }

    /// The command line, with the results port writing to `channel`.
    fn args_with(&self, channel: &Path) -> Vec<String> {
        let accel = self.accel.name();
        let mut a: Vec<String> = vec![
            "-accel".into(),
            accel.into(),
            "-smp".into(),
            self.cpus.to_string(),
            "-m".into(),
            format!("{}M", self.memory_mb),
            "-no-reboot".into(),
            "-display".into(),
            "none".into(),
            "-kernel".into(),
            self.kernel.display().to_string(),
            "-initrd".into(),
            self.initrd.display().to_string(),
            "-append".into(),
            self.append.clone(),
        ];
        if self.accel == Accel::Kvm {
            a.extend(["-cpu".into(), "host".into()]);
        }
        if self.icount {
            a.extend(["-icount".into(), "shift=0,align=off,sleep=off".into()]);
        }
        if self.interactive {
            a.extend(["-serial".into(), "mon:stdio".into()]);
        } else {
            a.extend([
                "-monitor".into(),
                "none".into(),
                "-serial".into(),
                "stdio".into(),
            ]);
        }
        a.extend(["-serial".into(), format!("file:{}", channel.display())]);
        a.extend(self.extra_args.iter().cloned());
        a
    }
}

/// How a guest run ended, as seen from the host.
#[derive(Debug)]
pub struct Ended {
    pub timed_out: bool,
    pub elapsed: Duration,
    pub console: String,
    /// QEMU's own exit status (after our kill, when `timed_out`).
    pub status: ExitStatus,
    /// What QEMU printed on its stderr (empty for an interactive run).
    pub stderr: String,
    /// Set when the console log could not be written completely.
    pub log_error: Option<String>,
    /// Set when the results channel could not be stored completely.
    pub channel_error: Option<String>,
}

/// Input for the guest's console when the host's stdin is not a terminal (`lab shell`
/// fed by a pipe): sent once the console prints `after`, ended as Ctrl-D ends it (see [`feed`]).
pub struct Feed {
    pub from: Box<dyn Read + Send>,
    /// The console line (a marker the guest prints when its reader is in place) before
    /// which nothing is sent: bytes sent while nobody reads the port are lost.
    pub after: &'static str,
}

/// Copies `from` into `to` once `ready` fires, then ends the input as Ctrl-D does on a
/// terminal in canonical mode: ^D at the start of a line, so a last line without newline
/// gets one (busybox sh waits forever after a partial line and ^D ^D). Writes nothing when
/// `ready` never fires (the guest ended first).
pub fn feed(ready: &Receiver<()>, mut from: impl Read, to: &mut impl Write) -> std::io::Result<()> {
    if ready.recv().is_err() {
        return Ok(());
    }
    let mut buf = [0u8; 4096];
    let mut last = b'\n';
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
        to.flush()?;
        last = buf[n - 1];
    }
    to.write_all(if last == b'\n' { b"\x04" } else { b"\n\x04" })?;
    to.flush()
}

/// Streams console lines to `show` and the log; kills QEMU after `timeout`.
/// With `input`, the console's input comes from it (see [`Feed`]), else from nothing.
/// QEMU dies with the runner however the runner ends (see [`crate::vm::reaper`]).
pub fn run(
    machine: &Machine,
    timeout: Duration,
    console_log: &Path,
    input: Option<Feed>,
    mut show: impl FnMut(&str) + Send + 'static,
) -> Result<Ended> {
    let started = Instant::now();
    let (channel_in, channel_out) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .context("cannot create the results pipe")?;
    // QEMU opens the pipe's write end by its /proc path, so it must survive exec.
    rustix::io::fcntl_setfd(&channel_out, rustix::io::FdFlags::empty())?;
    let mut cmd = Command::new("qemu-system-x86_64");
    cmd.args(machine.args_with(&PathBuf::from(format!(
        "/proc/self/fd/{}",
        channel_out.as_raw_fd()
    ))));
    let dest = machine.results_channel.clone();
    let channel = std::thread::spawn(move || store_channel(std::fs::File::from(channel_in), &dest));
    if machine.interactive {
        // QEMU reads the terminal, so it stays in the foreground process group.
        reaper::prepare(&mut cmd, false);
        reaper::save_terminal();
        let mut child = cmd.spawn().context("cannot run qemu-system-x86_64")?;
        drop(channel_out);
        let guard = reaper::register(child.id(), false);
        let status = child.wait();
        guard.done();
        reaper::restore_terminal();
        let status = status.context("cannot wait for qemu-system-x86_64")?;
        if !status.success() {
            anyhow::bail!(
                "qemu-system-x86_64 failed ({status}) booting {}",
                machine.kernel.display()
            );
        }
        return Ok(Ended {
            timed_out: false,
            elapsed: started.elapsed(),
            console: String::new(),
            status,
            stderr: String::new(),
            log_error: None,
            channel_error: channel.join().unwrap_or(None),
        });
    }
    reaper::prepare(&mut cmd, true);
    let mut log = std::fs::File::create(console_log)
        .with_context(|| format!("cannot create {}", console_log.display()))?;
    let mut child = cmd
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run qemu-system-x86_64")?;
    drop(channel_out);
    let guard = reaper::register(child.id(), true);
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let mut ready_tx = input.as_ref().map(|f| (f.after, ready_tx));
    // The feeder keeps QEMU's stdin open after the input is sent: it is not joined, as it
    // may wait for a stdin that never ends.
    let feeder = input.map(|f| {
        let mut to = child.stdin.take().expect("piped");
        std::thread::spawn(move || {
            let _ = feed(&ready_rx, f.from, &mut to);
            to
        })
    });
    let errors = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        let mut log_error = None;
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        while reader
            .read_until(b'\n', &mut buf)
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            let line = String::from_utf8_lossy(&buf).into_owned();
            if let Some((after, tx)) = &ready_tx {
                if line.contains(after) {
                    let _ = tx.send(());
                    ready_tx = None;
                }
            }
            if log_error.is_none() {
                if let Err(e) = log.write_all(line.as_bytes()) {
                    log_error = Some(e.to_string());
                }
            }
            show(line.trim_end_matches(['\n', '\r']));
            all.push_str(&line);
            buf.clear();
        }
        if let (None, Err(e)) = (&log_error, log.sync_all()) {
            log_error = Some(e.to_string());
        }
        (all, log_error)
    });
    let waited = wait_or_kill(&mut child, timeout);
    guard.done();
    if let Some(f) = feeder.filter(|f| f.is_finished()) {
        drop(f.join());
    }
    let (timed_out, status) = waited?;
    let (console, log_error) = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the console reader thread panicked"))?;
    Ok(Ended {
        timed_out,
        elapsed: started.elapsed(),
        console,
        status,
        stderr: errors.join().unwrap_or_default(),
        log_error,
        channel_error: channel.join().unwrap_or(None),
    })
}

/// Copies the results channel into `dest` until QEMU closes it. After a write
/// error it keeps reading (and discarding), so the guest never blocks; the
/// error is returned.
fn store_channel(mut from: std::fs::File, dest: &Path) -> Option<String> {
    let mut out = std::fs::File::create(dest);
    let mut error = out.as_ref().err().map(|e| e.to_string());
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let (None, Ok(file)) = (&error, &mut out) {
            if let Err(e) = file.write_all(&buf[..n]) {
                error = Some(e.to_string());
            }
        }
    }
    if let (None, Ok(file)) = (&error, &out) {
        error = file.sync_all().err().map(|e| e.to_string());
    }
    error
}

fn wait_or_kill(child: &mut Child, timeout: Duration) -> Result<(bool, ExitStatus)> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((false, status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            return Ok((true, child.wait()?));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VMX: &str = "processor\t: 0\nflags\t\t: fpu vme vmx sse\n";
    const NOVIRT: &str = "processor\t: 0\nflags\t\t: fpu vme sse hypervisor\n";

    #[test]
    fn auto_uses_kvm_only_when_it_can_work() {
        assert_eq!(choose(AccelRequest::Auto, true, VMX).0, Accel::Kvm);
        assert_eq!(choose(AccelRequest::Auto, true, NOVIRT).0, Accel::Tcg);
        assert_eq!(choose(AccelRequest::Auto, false, VMX).0, Accel::Tcg);
        assert!(choose(AccelRequest::Auto, true, NOVIRT)
            .1
            .contains("vmx/svm"));
    }

    /// What [`feed`] writes for `input` once ready fires.
    fn fed(input: &[u8]) -> Vec<u8> {
        let (tx, rx) = std::sync::mpsc::channel();
        tx.send(()).unwrap();
        let mut out = Vec::new();
        feed(&rx, input, &mut out).unwrap();
        out
    }

    #[test]
    fn piped_input_is_sent_as_typed_and_ended_like_ctrl_d() {
        // The finding's input: both lines whole, then one ^D (end of input at a line start).
        assert_eq!(
            fed(b"echo first-line-1\necho second\n"),
            b"echo first-line-1\necho second\n\x04"
        );
        // A last line without newline is ended first: ^D ends input only at a line start.
        assert_eq!(fed(b"exit 3"), b"exit 3\n\x04");
        assert_eq!(fed(b""), b"\x04");
        // Larger than one read: nothing lost or reordered.
        let big: Vec<u8> = (0..20_000u32).map(|i| b"abc\n"[i as usize % 4]).collect();
        let out = fed(&big);
        assert_eq!(&out[..big.len()], &big[..]);
    }

    #[test]
    fn piped_input_waits_for_the_guest() {
        // Nothing is sent before the guest's reader is in place, nothing at all when the guest
        // ends first (the sender gone).
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            let mut out = Vec::new();
            feed(&rx, &b"echo x\n"[..], &mut out).unwrap();
            done_tx.send(()).unwrap();
            out
        });
        assert!(done_rx.recv_timeout(Duration::from_millis(200)).is_err());
        drop(tx);
        assert_eq!(t.join().unwrap(), b"");
    }

    #[test]
    fn explicit_choice_wins() {
        assert_eq!(choose(AccelRequest::Kvm, false, NOVIRT).0, Accel::Kvm);
        assert_eq!(choose(AccelRequest::Tcg, true, VMX).0, Accel::Tcg);
    }

    fn machine(accel: Accel, interactive: bool) -> Machine {
        Machine {
            accel,
            cpus: 2,
            memory_mb: 1024,
            kernel: "/k/bzImage".into(),
            initrd: "/w/initrd.gz".into(),
            append: "console=ttyS0 panic=-1".into(),
            results_channel: "/w/results.tgz".into(),
            interactive,
            extra_args: Vec::new(),
            icount: false,
        }
    }

    #[test]
    fn command_line_has_one_accel_two_serials_and_timeout_friendly_flags() {
        let a = machine(Accel::Tcg, false).args();
        let joined = a.join(" ");
        assert_eq!(a.iter().filter(|x| *x == "-accel").count(), 1);
        assert!(joined.contains("-accel tcg -smp 2 -m 1024M -no-reboot"));
        assert!(joined.contains("-serial stdio -serial file:/w/results.tgz"));
        assert!(joined.contains("-append console=ttyS0 panic=-1"));
        assert!(!joined.contains("-cpu host") && !joined.contains("-icount"));
        let icount = Machine {
            icount: true,
            ..machine(Accel::Tcg, false)
        };
        assert!(icount
            .args()
            .join(" ")
            .contains("-icount shift=0,align=off,sleep=off"));
        let k = machine(Accel::Kvm, true).args().join(" ");
        assert!(
            k.contains("-accel kvm") && k.contains("-cpu host") && k.contains("-serial mon:stdio")
        );
    }
}
