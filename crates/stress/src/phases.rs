//! The phases besides the random one: a lock holder killed with SIGKILL,
//! descriptors closed while other threads use them, and opens up to the
//! descriptor limit.

use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{mpsc, Barrier};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use mymem::Device;
use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

use super::oracle::{self, Errno, Ret, SEEK_SET};
use super::report::{Kind, Log, Part};
use super::rng::Rng;
use super::usermem::{Arena, Ptr, PAGE};
use super::worker::DevInfo;

/// How long a LOCK that must succeed at once may take before it counts as
/// stuck (generous: TCG and debug kernels are slow).
const LOCK_PATIENCE: Duration = Duration::from_secs(10);

/// A LOCK running in its own thread on its own open file.
struct LockAttempt {
    handle: JoinHandle<(Ret, Device)>,
    thread: u64,
}

impl LockAttempt {
    fn start(path: &Path) -> Result<LockAttempt> {
        let dev = Device::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let (tx, rx) = mpsc::channel();
        let handle = thread::spawn(move || {
            let _ = tx.send(rawsys::signal::current_thread());
            // SAFETY: a NULL argument: the kernel writes nothing.
            let got = Ret::from(unsafe { rawsys::ioctl(dev.as_raw_fd(), oracle::IOC_LOCK, 0) });
            (got, dev)
        });
        let thread = rx.recv().context("LOCK thread did not start")?;
        Ok(LockAttempt { handle, thread })
    }

    /// Waits up to `patience` for LOCK to return by itself, then interrupts
    /// it with SIGUSR1 until it does. Returns its result, whether it had to be
    /// interrupted, and its file; None if not even signals end it (the
    /// thread is then left behind).
    fn finish(self, patience: Duration) -> Option<(Ret, bool, Device)> {
        let start = Instant::now();
        while start.elapsed() < patience {
            if self.handle.is_finished() {
                let (got, dev) = self.handle.join().ok()?;
                return Some((got, false, dev));
            }
            thread::sleep(Duration::from_millis(5));
        }
        for _ in 0..250 {
            // The handle is not joined yet, so the pthread id is still valid.
            rawsys::signal::wake(self.thread);
            thread::sleep(Duration::from_millis(20));
            if self.handle.is_finished() {
                let (got, dev) = self.handle.join().ok()?;
                return Some((got, true, dev));
            }
        }
        None
    }
}

/// Reads the first line of a child's stdout, waiting at most `timeout`.
fn first_line(child: &mut Child, timeout: Duration) -> Option<String> {
    let out = child.stdout.take()?;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    rx.recv_timeout(timeout).ok().map(|l| l.trim().to_string())
}

/// Child role: takes the lock of `path`, says so, and sleeps until killed
/// (at most `linger`, so it never outlives a failed run by long).
pub fn hold_lock(path: &Path, linger: Duration) -> Result<()> {
    let dev = Device::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    // SAFETY: a NULL argument: the kernel writes nothing.
    let got = Ret::from(unsafe { rawsys::ioctl(dev.as_raw_fd(), oracle::IOC_LOCK, 0) });
    if got != Ret::Val(0) {
        println!("LOCK returned {got}");
        return Ok(());
    }
    println!("locked");
    thread::sleep(linger);
    Ok(())
}

/// The lock-kill phase on one device: `rounds` times, a child process takes
/// the lock and is SIGKILLed; meanwhile another file must get EPERM from
/// UNLOCK and EINTR from an interrupted LOCK, and afterwards LOCK from
/// another file (asleep already in odd rounds) must succeed.
pub fn lock_kill(
    dev: &DevInfo,
    rounds: u32,
    mut spawn: impl FnMut() -> Result<Child>,
    log: &mut Log,
) {
    let name = dev.name();
    let mut seq = 0;
    let check = |log: &mut Log, seq: u64, what: &str, round: u32, want: Ret, got: Ret| {
        log.tally.add(Kind::LockKill, got, false);
        if got != want {
            log.deviation(
                &name,
                seq,
                what,
                format!("round {round}"),
                want.to_string(),
                got.to_string(),
            );
        }
    };
    for round in 0..rounds {
        let fail = |log: &mut Log, seq: u64, what: &str, expected: &str, got: String| {
            log.tally
                .add(Kind::LockKill, Ret::Err(Errno::from_raw_os_error(0)), false);
            log.deviation(
                &dev.name(),
                seq,
                what,
                format!("round {round}"),
                expected.into(),
                got,
            );
        };
        seq += 1;
        let mut child = match spawn() {
            Ok(c) => c,
            Err(e) => {
                fail(
                    log,
                    seq,
                    "spawn lock holder",
                    "a child process",
                    format!("{e:#}"),
                );
                return;
            }
        };
        let line = first_line(&mut child, Duration::from_secs(60));
        log.tally.add(Kind::LockKill, Ret::Val(0), false);
        if line.as_deref() != Some("locked") {
            fail(log, seq, "LOCK in the child", "locked", format!("{line:?}"));
            let _ = child.kill();
            let _ = child.wait();
            continue;
        }
        let Ok(other) = Device::open(&dev.path) else {
            fail(log, seq, "open", "an open file", "open failed".into());
            let _ = child.kill();
            let _ = child.wait();
            return;
        };
        seq += 1;
        // SAFETY: a NULL argument: the kernel writes nothing.
        let got = Ret::from(unsafe { rawsys::ioctl(other.as_raw_fd(), oracle::IOC_UNLOCK, 0) });
        check(
            log,
            seq,
            "UNLOCK by a file not holding the lock",
            round,
            Ret::Err(Errno::PERM),
            got,
        );
        drop(other);

        seq += 1;
        match LockAttempt::start(&dev.path)
            .ok()
            .and_then(|a| a.finish(Duration::from_millis(300)))
        {
            Some((got, true, _)) => check(
                log,
                seq,
                "LOCK while another process holds it, interrupted",
                round,
                Ret::Err(Errno::INTR),
                got,
            ),
            Some((got, false, _)) => fail(
                log,
                seq,
                "LOCK while another process holds it",
                "sleeps until a signal, then -EINTR",
                format!("returned {got} by itself"),
            ),
            None => fail(
                log,
                seq,
                "LOCK interrupted by signals",
                "-EINTR",
                "never returned".into(),
            ),
        }

        let waiter = if round % 2 == 1 {
            let w = LockAttempt::start(&dev.path).ok();
            thread::sleep(Duration::from_millis(50));
            w
        } else {
            None
        };
        let _ = child.kill();
        let _ = child.wait();

        seq += 1;
        let attempt = match waiter {
            Some(w) => Some(w),
            None => LockAttempt::start(&dev.path).ok(),
        };
        let what = if round % 2 == 1 {
            "LOCK asleep while the holder is SIGKILLed"
        } else {
            "LOCK after the holder was SIGKILLed"
        };
        match attempt.and_then(|a| a.finish(LOCK_PATIENCE)) {
            Some((got, false, file)) => {
                check(log, seq, what, round, Ret::Val(0), got);
                seq += 1;
                // SAFETY: a NULL argument: the kernel writes nothing.
                let got =
                    Ret::from(unsafe { rawsys::ioctl(file.as_raw_fd(), oracle::IOC_UNLOCK, 0) });
                check(
                    log,
                    seq,
                    "UNLOCK by the new holder",
                    round,
                    Ret::Val(0),
                    got,
                );
            }
            Some((got, true, _)) => fail(
                log,
                seq,
                what,
                "0: closing the holder's file released the lock",
                format!(
                    "still asleep after {} s; interrupted: {got}",
                    LOCK_PATIENCE.as_secs()
                ),
            ),
            None => fail(
                log,
                seq,
                what,
                "0",
                "never returned, not even on signals".into(),
            ),
        }
    }
}

/// The close-race phase on one device (a child process of its own, so the
/// only descriptors opened meanwhile are this device's): `threads` users run
/// `ops` operations each on whatever descriptor number is current while
/// another thread closes and reopens it. Every call must succeed as on a
/// stable file, or fail with EBADF; data stay exact, since every open file
/// shares the one buffer.
pub fn close_race(dev: &DevInfo, threads: u32, ops: u64, seed: u64, keep: usize) -> Result<Part> {
    let start = Instant::now();
    let first = rawsys::open(&dev.path).map_err(|e| anyhow::anyhow!("open: errno {e}"))?;
    let current = AtomicI32::new(first as i32);
    let stop = AtomicBool::new(false);
    let barrier = Barrier::new(threads as usize + 1);
    let mut all = Part::default();
    thread::scope(|s| -> Result<()> {
        let closer = s.spawn(|| {
            let mut log = Log::new("close-race", threads, keep);
            let mut rng = Rng::new(seed, u64::from(threads));
            barrier.wait();
            let mut seq = 0;
            while !stop.load(Ordering::Relaxed) {
                // Let the users work on a valid fd for a while, then close
                // it under them and reopen at once: the calls that race are
                // the ones in flight around the close.
                for _ in 0..rng.below(20_000) {
                    std::hint::spin_loop();
                }
                thread::yield_now();
                seq += 1;
                // SAFETY: a raw fd from rawsys::open, owned by no Rust object.
                let got = Ret::from(unsafe { rawsys::close(current.load(Ordering::Relaxed)) });
                log.tally.add(Kind::CloseRace, got, false);
                if got != Ret::Val(0) {
                    log.deviation(
                        &dev.name(),
                        seq,
                        "close by the only closer",
                        String::new(),
                        "0".into(),
                        got.to_string(),
                    );
                }
                match rawsys::open(&dev.path) {
                    Ok(fd) => current.store(fd as i32, Ordering::Relaxed),
                    Err(e) => {
                        log.deviation(
                            &dev.name(),
                            seq,
                            "reopen",
                            String::new(),
                            "an fd".into(),
                            format!("errno {e}"),
                        );
                        break;
                    }
                }
            }
            // SAFETY: a raw fd from rawsys::open, owned by no Rust object.
            let _ = unsafe { rawsys::close(current.load(Ordering::Relaxed)) };
            log
        });
        let users: Vec<_> = (0..threads)
            .map(|t| {
                let (current, barrier) = (&current, &barrier);
                s.spawn(move || close_race_user(dev, t, ops, seed, keep, current, barrier))
            })
            .collect();
        let mut error = None;
        for u in users {
            match u.join().expect("user thread panicked") {
                Ok(log) => all.merge(log.into_part(0.0), keep),
                Err(e) => error = Some(e),
            }
        }
        stop.store(true, Ordering::Relaxed);
        all.merge(closer.join().expect("closer panicked").into_part(0.0), keep);
        error.map_or(Ok(()), Err)
    })?;
    all.elapsed_s = start.elapsed().as_secs_f64();
    Ok(all)
}

fn close_race_user(
    dev: &DevInfo,
    t: u32,
    ops: u64,
    seed: u64,
    keep: usize,
    current: &AtomicI32,
    barrier: &Barrier,
) -> Result<Log> {
    let mut log = Log::new("close-race", t, keep);
    let mut rng = Rng::new(seed, u64::from(t));
    let l = &dev.layout;
    let own = l.region(t);
    let counter = l.counter(t);
    let size = dev.env.size;
    // A file nobody closes, opened before the race, for setup and checks.
    let stable = Device::open(&dev.path)?;
    let mut shadow = vec![0u8; (own.end - own.start) as usize];
    stable.read_exact_at(&mut shadow, own.start)?;
    let mut c = [0u8; 8];
    stable.read_exact_at(&mut c, counter)?;
    let mut count = u64::from_ne_bytes(c);
    let mut arena = Arena::new(PAGE)?;
    let geo = arena.geometry();
    let buf = geo.addr(Ptr::Rw(0));
    barrier.wait();
    for seq in 1..=ops {
        let fd = current.load(Ordering::Relaxed);
        // FETCH_ADD and SIZE only where the driver has them (else a pread).
        let pick = match rng.below(6) {
            2 if !dev.offers.fetch_add => 0,
            3 if !dev.offers.size => 0,
            n => n,
        };
        let (what, want, got, extra) = match pick {
            0 => {
                let off = rng.range(own.start, own.end - 1);
                let len = rng.range(1, own.end - off);
                // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
                let got = Ret::from(unsafe { rawsys::pread(fd, buf, len, off as i64) });
                let mut extra = None;
                if got == Ret::Val(len) {
                    let i = (off - own.start) as usize;
                    if arena.rw_mut(0, len) != &shadow[i..i + len as usize] {
                        extra = Some("data differ from the shadow".to_string());
                    }
                }
                ("pread own region", Ret::Val(len), got, extra)
            }
            1 => {
                let off = rng.range(own.start, own.end - 1);
                let len = rng.range(1, own.end - off);
                rng.fill(arena.rw_mut(0, len));
                let got = Ret::from(rawsys::pwrite(fd, buf, len, off as i64));
                if got == Ret::Val(len) {
                    let i = (off - own.start) as usize;
                    shadow[i..i + len as usize].copy_from_slice(arena.rw_mut(0, len));
                }
                ("pwrite own region", Ret::Val(len), got, None)
            }
            2 => {
                let delta = rng.next_u64();
                let mut arg = [0u8; 24];
                arg[..8].copy_from_slice(&counter.to_ne_bytes());
                arg[8..16].copy_from_slice(&delta.to_ne_bytes());
                arena.rw_mut(0, 24).copy_from_slice(&arg);
                // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
                let got = Ret::from(unsafe { rawsys::ioctl(fd, oracle::IOC_FETCH_ADD, buf) });
                let mut extra = None;
                if got == Ret::Val(0) {
                    let old = u64::from_ne_bytes(arena.rw_mut(16, 8).try_into().expect("8"));
                    if old != count {
                        extra = Some(format!("old {old:#x}, the shadow says {count:#x}"));
                    }
                    count = count.wrapping_add(delta);
                }
                ("FETCH_ADD own counter", Ret::Val(0), got, extra)
            }
            3 => {
                // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
                let got = Ret::from(unsafe { rawsys::ioctl(fd, oracle::IOC_SIZE, buf) });
                let v = u64::from_ne_bytes(arena.rw_mut(0, 8).try_into().expect("8"));
                let extra = (got == Ret::Val(0) && v != size).then(|| format!("size {v}"));
                ("SIZE", Ret::Val(0), got, extra)
            }
            4 => {
                let off = rng.range(0, size);
                let got = Ret::from(rawsys::lseek(fd, off as i64, SEEK_SET));
                ("lseek SEEK_SET", Ret::Val(off), got, None)
            }
            _ => {
                // SAFETY: a NULL argument: the kernel writes nothing.
                let got = Ret::from(unsafe { rawsys::pread(fd, 0, 16, 0) });
                ("pread into NULL", Ret::Err(Errno::FAULT), got, None)
            }
        };
        log.tally.add(Kind::CloseRace, got, false);
        if (got != want && got != Ret::Err(Errno::BADF)) || extra.is_some() {
            let args = format!("fd {fd}");
            let got = match extra {
                Some(x) => format!("{got}: {x}"),
                None => got.to_string(),
            };
            log.deviation(
                &dev.name(),
                seq,
                what,
                args,
                format!("{want} or -EBADF"),
                got,
            );
            stable.read_exact_at(&mut shadow, own.start)?;
            stable.read_exact_at(&mut c, counter)?;
            count = u64::from_ne_bytes(c);
        }
    }
    // What the device holds now must be exactly what this user wrote.
    let mut now = vec![0u8; (own.end - own.start) as usize];
    stable.read_exact_at(&mut now, own.start)?;
    stable.read_exact_at(&mut c, counter)?;
    log.tally.add(Kind::Verify, Ret::Val(0), false);
    if now != shadow || u64::from_ne_bytes(c) != count {
        log.deviation(
            &dev.name(),
            ops + 1,
            "final region and counter",
            String::new(),
            "the shadow".into(),
            "different".into(),
        );
    }
    Ok(log)
}

/// The fd-limit phase (a child process of its own): with RLIMIT_NOFILE
/// lowered to 256, opens of the devices succeed until every descriptor is
/// used, then fail with EMFILE; every file works; a lock held by one of them
/// goes away when all are closed.
pub fn fd_limit(devs: &[DevInfo], keep: usize) -> Result<Part> {
    let start = Instant::now();
    let mut log = Log::new("fd-limit", 0, keep);
    let name = devs.iter().map(|d| d.name()).collect::<Vec<_>>().join(",");
    let old = getrlimit(Resource::Nofile);
    let soft = old.maximum.map_or(256, |m| m.min(256));
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(soft),
            maximum: old.maximum,
        },
    )?;
    let already = (0..soft as i32)
        .filter(|&fd| rawsys::fd_is_open(fd))
        .count() as u64;
    let mut seq = 0;
    let check = |log: &mut Log, seq: u64, what: &str, want: Ret, got: Ret| {
        log.tally.add(Kind::FdLimit, got, false);
        if got != want {
            log.deviation(
                &name,
                seq,
                what,
                format!("RLIMIT_NOFILE {soft}"),
                want.to_string(),
                got.to_string(),
            );
        }
    };
    let mut fds: Vec<(i32, usize)> = Vec::new();
    let end = loop {
        let d = fds.len() % devs.len();
        match rawsys::open(&devs[d].path) {
            Ok(fd) => fds.push((fd as i32, d)),
            Err(e) => break Ret::Err(e),
        }
        if fds.len() as u64 > soft {
            break Ret::Val(fds.len() as u64);
        }
    };
    seq += 1;
    check(
        &mut log,
        seq,
        "open past the limit",
        Ret::Err(Errno::MFILE),
        end,
    );
    seq += 1;
    check(
        &mut log,
        seq,
        "opens before EMFILE",
        Ret::Val(soft - already),
        Ret::Val(fds.len() as u64),
    );
    for &(fd, d) in fds.iter().filter(|f| devs[f.1].offers.size) {
        seq += 1;
        let mut v = 0u64;
        // SAFETY: `v` is a local u64 the kernel may overwrite, borrowed by nothing else.
        let got =
            Ret::from(unsafe { rawsys::ioctl(fd, oracle::IOC_SIZE, &mut v as *mut u64 as u64) });
        check(
            &mut log,
            seq,
            "SIZE on each file",
            Ret::Val(devs[d].env.size),
            got.with_value(v),
        );
    }
    for d in (0..devs.len()).filter(|&d| devs[d].offers.lock) {
        let mine: Vec<i32> = fds.iter().filter(|f| f.1 == d).map(|f| f.0).collect();
        if mine.len() < 2 {
            continue;
        }
        seq += 1;
        check(
            &mut log,
            seq,
            "LOCK by one of many files",
            Ret::Val(0),
            // SAFETY: a NULL argument: the kernel writes nothing.
            unsafe { rawsys::ioctl(mine[0], oracle::IOC_LOCK, 0) }.into(),
        );
        seq += 1;
        check(
            &mut log,
            seq,
            "UNLOCK by another of them",
            Ret::Err(Errno::PERM),
            // SAFETY: a NULL argument: the kernel writes nothing.
            unsafe { rawsys::ioctl(mine[1], oracle::IOC_UNLOCK, 0) }.into(),
        );
    }
    seq += 1;
    let got = rawsys::open(&devs[0].path).inspect(|&fd| {
        // SAFETY: a raw fd from rawsys::open, owned by no Rust object.
        let _ = unsafe { rawsys::close(fd as i32) };
    });
    check(
        &mut log,
        seq,
        "open at the limit",
        Ret::Err(Errno::MFILE),
        got.into(),
    );
    for &(fd, _) in &fds {
        seq += 1;
        // SAFETY: a raw fd from rawsys::open, owned by no Rust object.
        check(
            &mut log,
            seq,
            "close",
            Ret::Val(0),
            unsafe { rawsys::close(fd) }.into(),
        );
    }
    for d in devs.iter().filter(|d| d.offers.lock) {
        seq += 1;
        match LockAttempt::start(&d.path)
            .ok()
            .and_then(|a| a.finish(LOCK_PATIENCE))
        {
            Some((got, false, file)) => {
                check(
                    &mut log,
                    seq,
                    "LOCK after the holder's file was closed",
                    Ret::Val(0),
                    got,
                );
                seq += 1;
                // SAFETY: a NULL argument: the kernel writes nothing.
                let got = unsafe { rawsys::ioctl(file.as_raw_fd(), oracle::IOC_UNLOCK, 0) }.into();
                check(&mut log, seq, "UNLOCK", Ret::Val(0), got);
            }
            other => {
                let got = other.map_or("never returned".to_string(), |o| {
                    format!("asleep, interrupted: {}", o.0)
                });
                log.tally
                    .add(Kind::FdLimit, Ret::Err(Errno::from_raw_os_error(0)), false);
                log.deviation(
                    &d.name(),
                    seq,
                    "LOCK after the holder's file was closed",
                    String::new(),
                    "0".into(),
                    got,
                );
            }
        }
    }
    setrlimit(Resource::Nofile, old)?;
    Ok(log.into_part(start.elapsed().as_secs_f64()))
}
