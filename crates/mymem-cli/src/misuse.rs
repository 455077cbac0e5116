//! `mymem misuse`: the lab's part 3 "other kinds of unsafe behaviour", each
//! demonstrated once per device with real calls: an fd closed by another
//! thread (before and during a call), accesses outside the buffer, several
//! processes at once, and (`--exclusive`) the module's exclusive open.

use std::io::Read;
use std::os::fd::RawFd;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use mymem::{uapi, Device};
use rawsys::Errno;
use results::{DeviceMisuse, MisuseReport, Probe, ProcessRace, MISUSE_SCHEMA};

use crate::cli::MisuseArgs;

const COUNTER: u64 = 0;

pub fn run(args: &MisuseArgs) -> Result<MisuseReport> {
    if let Some(strategy) = &args.child {
        child(&args.devices[0], args.iterations, strategy)?;
        std::process::exit(0);
    }
    let env = crate::env_stamp::collect();
    let mut devices = Vec::new();
    for path in &args.devices {
        let d = if args.exclusive {
            exclusive(path)
        } else {
            shared(path, args.iterations)
        };
        devices.push(d.with_context(|| format!("{}", path.display()))?);
    }
    Ok(MisuseReport {
        schema: MISUSE_SCHEMA.into(),
        env,
        exclusive: args.exclusive,
        devices,
    })
}

fn probe(name: &str, call: String, expected: &str, got: Result<u64, Errno>) -> Probe {
    Probe {
        name: name.into(),
        call,
        expected: expected.into(),
        got: outcome(got),
    }
}

fn outcome(r: Result<u64, Errno>) -> String {
    match r {
        Ok(n) => format!("returned {n}"),
        Err(e) => rawsys::errno::name(e),
    }
}

fn io_errno(e: std::io::Error) -> Errno {
    Errno::from_io_error(&e).unwrap_or(Errno::IO)
}

/// The module as loaded by default: every demonstration but the exclusive open.
fn shared(path: &Path, iterations: u64) -> Result<DeviceMisuse> {
    let dev = Device::open(path).context("open")?;
    let size = dev.size().context("MYMEM_IOC_SIZE")?;
    ensure!(size >= 16, "buffer of {size} bytes is too small");
    let end = size as i64;
    let mut buf = [0u8; 8];
    let p = buf.as_mut_ptr();
    let raw = &dev;
    // SAFETY (every pread/read below): `buf` is a local array no reference
    // covers during the call, of the length passed, or a NULL pointer.
    let mut probes = vec![
        probe(
            "pread-straddling-end",
            "pread(8 bytes at size - 4)".into(),
            "returned 4",
            unsafe { rawsys::pread(raw, p, 8u64, size - 4) },
        ),
        probe(
            "pread-at-end",
            "pread(8 bytes at size)".into(),
            "returned 0",
            unsafe { rawsys::pread(raw, p, 8u64, size) },
        ),
        probe(
            "pread-past-end",
            "pread(8 bytes at size + 1)".into(),
            "EINVAL",
            unsafe { rawsys::pread(raw, p, 8u64, size + 1) },
        ),
        probe(
            "pwrite-at-end",
            "pwrite(8 bytes at size)".into(),
            "ENOSPC",
            rawsys::pwrite(raw, buf.as_ptr(), 8u64, size),
        ),
        probe(
            "pwrite-past-end",
            "pwrite(8 bytes at size + 1)".into(),
            "EINVAL",
            rawsys::pwrite(raw, buf.as_ptr(), 8u64, size + 1),
        ),
        probe(
            "pwrite-negative",
            "pwrite(8 bytes at -8)".into(),
            "EINVAL",
            rawsys::pwrite(raw, buf.as_ptr(), 8u64, -8i64),
        ),
        probe(
            "lseek-past-end",
            "lseek(size + 1, SEEK_SET)".into(),
            "EINVAL",
            rawsys::lseek(raw, end + 1, libc::SEEK_SET),
        ),
        probe(
            "lseek-negative",
            "lseek(-1, SEEK_SET)".into(),
            "EINVAL",
            rawsys::lseek(raw, -1, libc::SEEK_SET),
        ),
        probe(
            "lseek-end",
            "lseek(0, SEEK_END)".into(),
            &format!("returned {size}"),
            rawsys::lseek(raw, 0, libc::SEEK_END),
        ),
        probe(
            "write-at-end",
            "write(8 bytes) at position size".into(),
            "ENOSPC",
            rawsys::write(raw, buf.as_ptr(), 8u64),
        ),
        probe(
            "read-null-buffer",
            "pread(NULL, 8 bytes at 0)".into(),
            "EFAULT",
            unsafe { rawsys::pread(raw, 0u64, 8u64, 0u64) },
        ),
        probe(
            "fetch-add-past-end",
            "MYMEM_IOC_FETCH_ADD at offset size".into(),
            "EINVAL",
            dev.fetch_add(size, 1).map_err(io_errno),
        ),
        probe(
            "second-open",
            "open() while another open file exists".into(),
            "returned 0",
            Device::open(path).map(|_| 0).map_err(io_errno),
        ),
    ];
    probes.push(closed_before_use(path)?);
    probes.extend(closed_during_call(path, &dev)?);
    let processes = ["none", "fetch-add"]
        .iter()
        .map(|s| processes(path, &dev, s, iterations))
        .collect::<Result<Vec<_>>>()?;
    Ok(DeviceMisuse {
        device: path.display().to_string(),
        size,
        probes,
        processes,
    })
}

/// A worker thread uses an fd that another thread already closed.
fn closed_before_use(path: &Path) -> Result<Probe> {
    let fd = rawsys::open(path).map_err(io_from)? as RawFd;
    // SAFETY: `fd` is owned by no Rust object; nothing uses it after this.
    thread::spawn(move || unsafe { rawsys::close(fd) })
        .join()
        .expect("closer thread")
        .map_err(io_from)?;
    let mut buf = [0u8; 8];
    let got = thread::spawn(move || {
        // SAFETY: `buf` is this thread's local array of 8 bytes.
        unsafe { rawsys::read(fd, buf.as_mut_ptr(), 8u64) }
    })
    .join()
    .expect("worker thread");
    Ok(probe(
        "closed-before-use",
        "read(fd) in a worker after another thread closed fd".into(),
        "EBADF",
        got,
    ))
}

/// A worker is inside a call (MYMEM_IOC_LOCK, waiting for the lock `holder`
/// has) when another thread closes its fd: the call completes on the file it
/// already holds; the fd's next use fails; the lock goes with the file.
fn closed_during_call(path: &Path, holder: &Device) -> Result<Vec<Probe>> {
    let held = holder.lock().context("MYMEM_IOC_LOCK")?;
    let fd = rawsys::open(path).map_err(io_from)? as RawFd;
    let (tx, rx) = mpsc::channel();
    let (tid_tx, tid_rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        // SAFETY: gettid has no preconditions.
        let _ = tid_tx.send(unsafe { libc::gettid() });
        // SAFETY: MYMEM_IOC_LOCK takes no argument.
        let locked = unsafe { rawsys::ioctl(fd, uapi::IOC_LOCK as u64, 0u64) };
        let mut buf = [0u8; 8];
        // SAFETY: `buf` is this thread's local array of 8 bytes.
        let after = unsafe { rawsys::read(fd, buf.as_mut_ptr(), 8u64) };
        let _ = tx.send(());
        (locked, after)
    });
    // Close its fd once the worker sleeps in the lock's wait queue.
    let tid = tid_rx.recv().context("worker thread")?;
    wait_until_sleeping(tid);
    // SAFETY: `fd` is owned by no Rust object; the worker only uses the number.
    let closed = unsafe { rawsys::close(fd) };
    thread::sleep(Duration::from_millis(100));
    let still_waiting = rx.try_recv().is_err();
    held.unlock().context("MYMEM_IOC_UNLOCK")?;
    let (locked, after) = worker.join().expect("worker thread");
    // The worker's file is gone with its lock: the holder can take it again.
    let relock = {
        let (tx, rx) = mpsc::channel();
        let p = path.to_path_buf();
        thread::spawn(move || {
            let r = Device::open(&p).and_then(|d| d.lock().map(|g| g.unlock()).map(|_| 0));
            let _ = tx.send(r.map_err(io_errno));
        });
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(r) => outcome(r),
            Err(_) => "still blocked after 5 s (the lock outlived the file)".into(),
        }
    };
    Ok(vec![
        Probe {
            name: "close-during-call".into(),
            call: "close(fd) in another thread while a worker waits in MYMEM_IOC_LOCK on fd".into(),
            expected: "returned 0, worker still waiting".into(),
            got: format!(
                "{}{}",
                outcome(closed),
                if still_waiting {
                    ", worker still waiting"
                } else {
                    ", worker not waiting"
                }
            ),
        },
        probe(
            "call-completes-after-close",
            "the worker's MYMEM_IOC_LOCK, once the lock is free".into(),
            "returned 0",
            locked,
        ),
        probe(
            "next-call-after-close",
            "the worker's next read(fd)".into(),
            "EBADF",
            after,
        ),
        Probe {
            name: "lock-released-with-file".into(),
            call: "MYMEM_IOC_LOCK from a new open file afterwards".into(),
            expected: "returned 0".into(),
            got: relock,
        },
    ])
}

/// Waits (up to 5 s) until thread `tid` of this process is asleep (state
/// `S` in /proc), then a little more so it is well inside the wait.
fn wait_until_sleeping(tid: libc::pid_t) {
    let stat = format!("/proc/self/task/{tid}/stat");
    for _ in 0..500 {
        let state = std::fs::read_to_string(&stat).ok().and_then(|s| {
            // The state follows the parenthesised command name.
            s.rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next())
        });
        if state == Some('S') {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(Duration::from_millis(50));
}

fn io_from(e: Errno) -> anyhow::Error {
    anyhow::Error::from(std::io::Error::from(e))
}

/// `processes` separate processes (this tool, `--child`) each do `iterations`
/// increments through their own open file, released together.
fn processes(path: &Path, dev: &Device, strategy: &str, iterations: u64) -> Result<ProcessRace> {
    const PROCESSES: u32 = 2;
    dev.write_all_at(&0u64.to_ne_bytes(), COUNTER)
        .context("resetting the counter")?;
    let exe = std::env::current_exe().context("current_exe")?;
    let mut children = (0..PROCESSES)
        .map(|_| {
            Command::new(&exe)
                .args(["misuse", "--child", strategy, "--iterations"])
                .arg(iterations.to_string())
                .arg("--device")
                .arg(path)
                .stdin(Stdio::piped())
                .spawn()
                .context("spawning a child")
        })
        .collect::<Result<Vec<_>>>()?;
    // Closing their stdin is the start signal.
    for c in &mut children {
        drop(c.stdin.take());
    }
    for mut c in children {
        let status = c.wait()?;
        ensure!(status.success(), "child ({strategy}) failed: {status}");
    }
    let mut buf = [0u8; 8];
    dev.read_exact_at(&mut buf, COUNTER)?;
    Ok(ProcessRace {
        strategy: strategy.into(),
        processes: PROCESSES,
        iterations,
        expected: u64::from(PROCESSES) * iterations,
        actual: u64::from_ne_bytes(buf),
    })
}

/// A child of [`processes`]: waits for stdin to close, then increments.
fn child(path: &Path, iterations: u64, strategy: &str) -> Result<()> {
    let dev = Device::open(path).context("child open")?;
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    for _ in 0..iterations {
        match strategy {
            "none" => crate::race::cycle(&dev)?,
            "fetch-add" => {
                dev.fetch_add(COUNTER, 1)?;
            }
            s => bail!("unknown child strategy {s}"),
        }
    }
    Ok(())
}

/// The module loaded with `exclusive=1`: a second open file is refused, a
/// dup of the first is not, and closing the first lets the next one in.
fn exclusive(path: &Path) -> Result<DeviceMisuse> {
    let first = Device::open(path).context("first open")?;
    let size = first.size().context("MYMEM_IOC_SIZE")?;
    let probes = vec![
        probe(
            "exclusive-second-open",
            "open() while another open file exists (exclusive=1)".into(),
            "EBUSY",
            Device::open(path).map(|_| 0).map_err(io_errno),
        ),
        probe(
            "exclusive-dup",
            "dup() of the open fd (same open file)".into(),
            "returned 0",
            rustix::io::dup(&first).map(|_| 0),
        ),
        {
            drop(first);
            probe(
                "exclusive-reopen",
                "open() after the first open file was closed".into(),
                "returned 0",
                Device::open(path).map(|_| 0).map_err(io_errno),
            )
        },
    ];
    Ok(DeviceMisuse {
        device: path.display().to_string(),
        size,
        probes,
        processes: Vec::new(),
    })
}

/// The stdout tables of a misuse report.
pub fn render(report: &MisuseReport) -> String {
    let mut out = String::new();
    for d in &report.devices {
        let mut t = crate::table::Table::new(["call", "expected", "got", ""]);
        for p in &d.probes {
            t.row(vec![
                p.call.clone(),
                p.expected.clone(),
                p.got.clone(),
                if p.ok() { "" } else { "UNEXPECTED" }.into(),
            ]);
        }
        out.push_str(&format!(
            "misuse of {} ({} bytes)\n{}",
            d.device,
            d.size,
            t.render()
        ));
        for r in &d.processes {
            out.push_str(&format!(
                "{} processes x {} increments, {}: counter {} of {} ({} lost)\n",
                r.processes,
                r.iterations,
                r.strategy,
                r.actual,
                r.expected,
                r.lost()
            ));
        }
    }
    out
}
