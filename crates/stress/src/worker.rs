//! The random phase: each thread opens every device, runs generated
//! operations on its own open files, and checks every result against the
//! oracle and its shadow of what it owns (see `layout`).
//!
//! After a deviation the thread reloads its shadow from the device, so one
//! driver bug is reported once rather than once per later operation.

use std::ops::Range;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use mymem::{Device, Mapping};
use rustix::fs::{Mode, OFlags};
use rustix::pipe::PipeFlags;

use super::gen;
use super::layout::{lock_stamp, make_word, valid_word, Layout};
use super::offers::Offers;
use super::op::{Ctx, Data, LockView, Op};
use super::oracle::{self, At, Env, Errno, Ret, SEEK_CUR};
use super::report::{Kind, Log, Part};
use super::rng::Rng;
use super::usermem::{Arena, Geometry, Ptr, PAGE};

/// A device as every worker sees it.
#[derive(Debug, Clone)]
pub struct DevInfo {
    pub path: PathBuf,
    pub env: Env,
    pub layout: Layout,
    /// What the driver implements besides read/write/lseek.
    pub offers: Offers,
}

impl DevInfo {
    pub fn name(&self) -> String {
        self.path.display().to_string()
    }
}

/// Largest RW arena per thread: reads of huge lengths copy at most this.
const ARENA_MAX: u64 = 1 << 20;

/// Interrupts LOCK calls that wait far longer than any holder holds the lock
/// (a lost wake-up), so the run ends with a deviation instead of hanging.
pub struct LockWatch {
    /// Per thread: (when its LOCK started, its pthread, whether it was woken).
    slots: Vec<Mutex<Option<(Instant, u64, bool)>>>,
    stop: AtomicBool,
    pub patience: Duration,
}

impl LockWatch {
    pub fn new(threads: usize, patience: Duration) -> LockWatch {
        LockWatch {
            slots: (0..threads).map(|_| Mutex::new(None)).collect(),
            stop: AtomicBool::new(false),
            patience,
        }
    }

    pub(super) fn begin(&self, slot: usize) {
        *self.slots[slot].lock().expect("not poisoned") =
            Some((Instant::now(), rawsys::signal::current_thread(), false));
    }

    /// Ends the wait; true if the watchdog had to interrupt it.
    pub(super) fn end(&self, slot: usize) -> bool {
        self.slots[slot]
            .lock()
            .expect("not poisoned")
            .take()
            .is_some_and(|s| s.2)
    }

    /// Runs until [`LockWatch::stop`]. A thread is only signalled while its
    /// slot says it waits, under the slot's mutex, so never after it left.
    pub fn run(&self) {
        while !self.stop.load(Ordering::Relaxed) {
            thread::sleep(Duration::from_millis(100));
            for slot in &self.slots {
                let mut s = slot.lock().expect("not poisoned");
                if let Some((since, thread, woken)) = s.as_mut() {
                    if since.elapsed() > self.patience {
                        *woken = true;
                        rawsys::signal::wake(*thread);
                    }
                }
            }
        }
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Runs workers `workers` (global indices) of the random phase in threads of
/// this process and merges what they found.
pub fn run_workers(
    devices: &[DevInfo],
    seed: u64,
    workers: Range<u32>,
    budget: impl Fn(u32) -> Option<u64>,
    deadline: Option<Instant>,
    keep: usize,
    patience: Duration,
) -> Result<Part> {
    rawsys::signal::install_wakeup_handler().context("installing the SIGUSR1 handler")?;
    let watch = LockWatch::new(workers.len(), patience);
    let first = workers.start;
    thread::scope(|s| {
        let watchdog = s.spawn(|| watch.run());
        let handles: Vec<_> = workers
            .map(|w| {
                let (watch, budget) = (&watch, budget(w));
                s.spawn(move || -> Result<Part> {
                    let t = Worker::new(devices, seed, w, (w - first) as usize, watch, keep)?;
                    Ok(t.run(budget, deadline))
                })
            })
            .collect();
        let mut all = Part::default();
        let mut error = None;
        for h in handles {
            match h.join() {
                Ok(Ok(p)) => all.merge(p, keep),
                Ok(Err(e)) => error = Some(e),
                Err(_) => error = Some(anyhow!("a worker thread panicked")),
            }
        }
        watch.stop();
        let _ = watchdog.join();
        match error {
            Some(e) => Err(e),
            None => Ok(all),
        }
    })
}

/// The advisory lock, held by this thread's file of a device.
pub(super) struct Hold {
    /// Operations left before UNLOCK.
    left: u32,
    /// Shadow of the lock area (valid while holding).
    shadow: Vec<u8>,
}

/// One device as this thread knows it.
pub(super) struct Dev {
    name: String,
    pub(super) file: Device,
    pub(super) env: Env,
    pub(super) layout: Layout,
    pub(super) pos: u64,
    /// Shadow of this worker's region.
    pub(super) own: Vec<u8>,
    pub(super) counter: u64,
    pub(super) hold: Option<Hold>,
    pub(super) offers: Offers,
}

impl Dev {
    pub(super) fn fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

pub(super) struct Worker<'a> {
    pub(super) worker: u32,
    pub(super) slot: usize,
    pub(super) rng: Rng,
    arena: Arena,
    geo: Geometry,
    pub(super) devs: Vec<Dev>,
    /// Per device: the other files, the mapping and the pipe (`fileops`).
    pub(super) handles: Vec<Handles>,
    pub(super) log: Log,
    /// Operations done, the index of the next one in this worker's stream.
    seq: u64,
    pub(super) watch: &'a LockWatch,
}

fn overlap(a: &Range<u64>, b: &Range<u64>) -> Range<u64> {
    a.start.max(b.start)..a.end.min(b.end)
}

fn first_diff(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x != y)
}

/// Checks bytes a read returned for device offsets `start..` against what
/// this worker knows; describes the first mismatch.
pub(super) fn check_content(dev: &Dev, worker: u32, start: u64, data: &[u8]) -> Option<String> {
    let l = &dev.layout;
    let span = start..start + data.len() as u64;
    let slice = |r: &Range<u64>| &data[(r.start - start) as usize..(r.end - start) as usize];
    let own = l.region(worker);
    let o = overlap(&span, &own);
    if !o.is_empty() {
        let want = &dev.own[(o.start - own.start) as usize..(o.end - own.start) as usize];
        if let Some(i) = first_diff(slice(&o), want) {
            return Some(format!(
                "own region: byte {} is {:#04x}, the shadow says {:#04x}",
                o.start + i as u64,
                slice(&o)[i],
                want[i]
            ));
        }
    }
    let c = l.counter(worker);
    if span.start <= c && c + 8 <= span.end {
        let v = u64::from_ne_bytes(slice(&(c..c + 8)).try_into().expect("8 bytes"));
        if v != dev.counter {
            return Some(format!(
                "own counter at {c} is {v:#x}, the shadow says {:#x}",
                dev.counter
            ));
        }
    }
    let w = overlap(&span, &l.words);
    let mut at = w.start.div_ceil(8) * 8;
    while at + 8 <= w.end {
        let v = u64::from_ne_bytes(slice(&(at..at + 8)).try_into().expect("8 bytes"));
        if !valid_word(v) {
            return Some(format!("torn or foreign word at {at}: {v:#018x}"));
        }
        at += 8;
    }
    if let Some(h) = &dev.hold {
        let o = overlap(&span, &l.lock_area);
        if !o.is_empty() {
            let want = &h.shadow
                [(o.start - l.lock_area.start) as usize..(o.end - l.lock_area.start) as usize];
            if let Some(i) = first_diff(slice(&o), want) {
                return Some(format!(
                    "lock area (held by this file): byte {} is {:#04x}, expected {:#04x}",
                    o.start + i as u64,
                    slice(&o)[i],
                    want[i]
                ));
            }
        }
    }
    None
}

impl<'a> Worker<'a> {
    fn new(
        devices: &[DevInfo],
        seed: u64,
        worker: u32,
        slot: usize,
        watch: &'a LockWatch,
        keep: usize,
    ) -> Result<Worker<'a>> {
        let max_size = devices.iter().map(|d| d.env.size).max().unwrap_or(0);
        let arena = Arena::new(max_size.min(ARENA_MAX) + PAGE).context("mapping the arena")?;
        let mut devs = Vec::new();
        let mut handles = Vec::new();
        for d in devices {
            let file =
                Device::open(&d.path).with_context(|| format!("cannot open {}", d.name()))?;
            handles.push(Handles::open(d, &file)?);
            devs.push(Dev {
                name: d.name(),
                file,
                env: d.env,
                layout: d.layout.clone(),
                pos: 0,
                own: vec![0; d.layout.region_len as usize],
                counter: 0,
                hold: None,
                offers: d.offers,
            });
        }
        let mut t = Worker {
            worker,
            slot,
            rng: Rng::new(seed, u64::from(worker)),
            geo: arena.geometry(),
            arena,
            devs,
            handles,
            log: Log::new("random", worker, keep),
            seq: 0,
            watch,
        };
        for d in 0..t.devs.len() {
            t.resync(d);
        }
        Ok(t)
    }

    fn run(mut self, budget: Option<u64>, deadline: Option<Instant>) -> Part {
        let start = Instant::now();
        for step in 0u64.. {
            if budget.is_some_and(|b| self.seq >= b) {
                break;
            }
            if step.is_multiple_of(16) && deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let d = self.rng.below(self.devs.len() as u64) as usize;
            let lock = if self.devs[d].hold.is_some() {
                LockView::Held
            } else if self.devs.iter().any(|x| x.hold.is_some()) {
                LockView::Elsewhere
            } else {
                LockView::Free
            };
            let ctx = Ctx {
                layout: &self.devs[d].layout,
                geo: self.geo,
                worker: self.worker,
                pos: self.devs[d].pos,
                lock,
                offers: self.devs[d].offers,
            };
            let step = gen::next(&mut self.rng, &ctx);
            let placed = step.pre.is_none_or(|pre| self.exec(d, pre));
            if placed {
                self.exec(d, step.op);
            } else {
                self.log.skipped += 1;
            }
            self.tick_lock();
        }
        for d in 0..self.devs.len() {
            if self.devs[d].hold.is_some() {
                self.exec(d, Op::Unlock { arg: 0 });
            }
        }
        self.log.into_part(start.elapsed().as_secs_f64())
    }

    /// Counts down the lock hold and releases the lock when it runs out.
    fn tick_lock(&mut self) {
        let Some(d) = self.devs.iter().position(|x| x.hold.is_some()) else {
            return;
        };
        let hold = self.devs[d].hold.as_mut().expect("held");
        hold.left = hold.left.saturating_sub(1);
        if hold.left == 0 {
            self.exec(d, Op::Unlock { arg: 0 });
        }
    }

    /// Runs one operation and checks it; false if it deviated or was skipped.
    fn exec(&mut self, d: usize, op: Op) -> bool {
        self.seq += 1;
        match op {
            Op::Read { at, len, buf } => self.read(d, op, at, len, buf),
            Op::Write { at, len, buf, data } => self.write(d, op, at, len, buf, data),
            Op::Seek { off, whence } => {
                let dev = &self.devs[d];
                let want = oracle::seek(&dev.env, dev.pos, off, whence);
                let got = Ret::from(rawsys::lseek(dev.fd(), off, whence));
                let ok = self.check_simple(d, Kind::Lseek, op, want, got);
                if let (true, Ret::Val(p)) = (ok, got) {
                    self.devs[d].pos = p;
                }
                ok
            }
            Op::Size { arg } => self.size(d, op, arg),
            Op::FetchAdd { arg, offset, delta } => self.fetch_add(d, op, arg, offset, delta),
            Op::Lock { arg } => self.lock(d, op, arg),
            Op::Unlock { arg } => {
                let dev = &self.devs[d];
                let want = oracle::unlock(dev.hold.is_some());
                // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
                let got = Ret::from(unsafe { rawsys::ioctl(dev.fd(), oracle::IOC_UNLOCK, arg) });
                self.log.tally.add(Kind::IoctlUnlock, got, false);
                if got != want {
                    self.deviate(d, "ioctl(UNLOCK)", op, want.to_string(), got.to_string());
                    self.forget_lock(d);
                    return false;
                }
                if got == Ret::Val(0) {
                    self.devs[d].hold = None;
                }
                true
            }
            Op::OtherIoctl { cmd, arg } => {
                let want = oracle::ioctl_other(cmd);
                // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
                let got = Ret::from(unsafe { rawsys::ioctl(self.devs[d].fd(), cmd, arg) });
                self.check_simple(d, Kind::IoctlOther, op, want, got)
            }
            Op::File(f) => self.file_op(d, f),
        }
    }

    /// Counts and compares a call without side effects on user memory;
    /// true if it matched.
    pub(super) fn check_simple(
        &mut self,
        d: usize,
        kind: Kind,
        op: Op,
        want: Ret,
        got: Ret,
    ) -> bool {
        self.log.tally.add(kind, got, false);
        if got != want {
            self.deviate(d, kind.name(), op, want.to_string(), got.to_string());
            self.resync(d);
            return false;
        }
        true
    }

    pub(super) fn deviate(&mut self, d: usize, what: &str, op: Op, expected: String, got: String) {
        let dev = &self.devs[d];
        let args = format!(
            "{op:?} | pos {} size {} lock {}",
            dev.pos,
            dev.env.size,
            if dev.hold.is_some() {
                "held"
            } else {
                "not held"
            }
        );
        let name = dev.name.clone();
        self.log
            .deviation(&name, self.seq, what, args, expected, got);
    }

    /// Tallies one read/write and compares it with the oracle's `t`; a
    /// deviation is recorded and the position resynchronised.
    fn judge_transfer(
        &mut self,
        d: usize,
        kind: Kind,
        op: Op,
        got: Ret,
        t: &oracle::Transfer,
    ) -> bool {
        let partial = got == t.ret && t.moved > 0 && t.moved < t.attempted;
        self.log.tally.add(kind, got, partial);
        if got != t.ret {
            self.deviate(d, kind.name(), op, t.ret.to_string(), got.to_string());
            self.resync(d);
            return false;
        }
        true
    }

    fn read(&mut self, d: usize, op: Op, at: At, len: u64, ptr: Ptr) -> bool {
        let dev = &self.devs[d];
        let at = match at {
            At::Pos(_) => At::Pos(dev.pos),
            a => a,
        };
        let ub = self.geo.user_buf(ptr);
        let t = oracle::read(&dev.env, at, len, &ub);
        // A canary where the copy must stop.
        let canary = match ptr {
            Ptr::Rw(n) if t.moved < ub.writable => {
                let c = self.arena.rw_mut(n + t.moved, 8);
                c.fill(0xc5);
                Some((n + t.moved, c.len() as u64))
            }
            _ => None,
        };
        let (kind, got) = match at {
            // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
            At::Pos(_) => (Kind::Read, unsafe { rawsys::read(dev.fd(), ub.addr, len) }),
            // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
            At::Off(o) => (Kind::Pread, unsafe {
                rawsys::pread(dev.fd(), ub.addr, len, o)
            }),
        };
        if !self.judge_transfer(d, kind, op, Ret::from(got), &t) {
            return false;
        }
        if let Some(p) = t.new_pos {
            self.devs[d].pos = p;
        }
        if t.moved > 0 {
            let Ptr::Rw(n) = ptr else {
                unreachable!("only the RW pages are writable")
            };
            let data = self.arena.rw_mut(n, t.moved);
            if let Some(msg) = check_content(&self.devs[d], self.worker, t.start, data) {
                self.deviate(d, kind.name(), op, "bytes as written".into(), msg);
                self.resync(d);
                return false;
            }
        }
        if let Some((off, n)) = canary {
            if self.arena.rw_mut(off, n).iter().any(|&b| b != 0xc5) {
                let msg = format!(
                    "user memory past the {} bytes returned was changed",
                    t.moved
                );
                self.deviate(d, kind.name(), op, t.ret.to_string(), msg);
                return false;
            }
        }
        true
    }

    fn write(&mut self, d: usize, op: Op, at: At, len: u64, ptr: Ptr, data: Data) -> bool {
        let dev = &self.devs[d];
        if matches!(at, At::Pos(p) if p != dev.pos) {
            // Generated for another position; it could land in foreign bytes.
            self.log.skipped += 1;
            return false;
        }
        let ub = self.geo.user_buf(ptr);
        let t = oracle::write(&dev.env, at, len, &ub);
        if let (Ptr::Rw(n), true) = (ptr, t.attempted > 0) {
            let buf = self.arena.rw_mut(n, t.attempted);
            match data {
                // Only the start needs fresh bytes; the shadow copies whatever is sent.
                Data::Random => {
                    let k = buf.len().min(4096);
                    self.rng.fill(&mut buf[..k]);
                }
                Data::Words => {
                    for w in buf.chunks_mut(8) {
                        let word = make_word(self.rng.next_u64() as u32).to_ne_bytes();
                        w.copy_from_slice(&word[..w.len()]);
                    }
                }
                Data::LockPattern(stamp) => {
                    let p = super::layout::lock_pattern(stamp, buf.len() as u64);
                    buf[..p.len()].copy_from_slice(&p);
                }
            }
        }
        let dev = &self.devs[d];
        let (kind, got) = match at {
            At::Pos(_) => (Kind::Write, rawsys::write(dev.fd(), ub.addr, len)),
            At::Off(o) => (Kind::Pwrite, rawsys::pwrite(dev.fd(), ub.addr, len, o)),
        };
        if !self.judge_transfer(d, kind, op, Ret::from(got), &t) {
            return false;
        }
        let dev = &mut self.devs[d];
        if let Some(p) = t.new_pos {
            dev.pos = p;
        }
        // What was sent, for the device bytes `r` of the copy.
        let arena = &self.arena;
        let sent = |r: &Range<u64>| {
            arena
                .peek(ub.addr + (r.start - t.start), r.end - r.start)
                .expect("readable per the geometry")
        };
        let span = t.start..t.start + t.moved;
        let own = dev.layout.region(self.worker);
        let o = overlap(&span, &own);
        if !o.is_empty() {
            dev.own[(o.start - own.start) as usize..(o.end - own.start) as usize]
                .copy_from_slice(&sent(&o));
        }
        let lock_area = dev.layout.lock_area.clone();
        if let Some(h) = dev.hold.as_mut() {
            let o = overlap(&span, &lock_area);
            if !o.is_empty() {
                h.shadow[(o.start - lock_area.start) as usize..(o.end - lock_area.start) as usize]
                    .copy_from_slice(&sent(&o));
            }
        }
        let untouched = t.start + t.moved..t.start + t.attempted;
        if !overlap(&untouched, &dev.layout.region(self.worker)).is_empty() {
            // The contract moves only the copied prefix: nothing after it may change.
            return self.verify_own(d, kind.name(), op, t.moved, t.attempted);
        }
        true
    }

    /// Re-reads the own region after a write that copied less than it tried.
    fn verify_own(&mut self, d: usize, what: &str, op: Op, moved: u64, attempted: u64) -> bool {
        let dev = &self.devs[d];
        let own = dev.layout.region(self.worker);
        let mut now = vec![0u8; (own.end - own.start) as usize];
        let r = dev.file.read_exact_at(&mut now, own.start);
        let got = match &r {
            Ok(()) => Ret::Val(0),
            Err(e) => Ret::Err(Errno::from_raw_os_error(e.raw_os_error().unwrap_or(0))),
        };
        self.log.tally.add(Kind::Verify, got, false);
        if let Err(e) = r {
            self.deviate(
                d,
                "verify",
                op,
                "the own region".into(),
                format!("pread failed: {e}"),
            );
            return false;
        }
        let changed: Vec<usize> = (0..now.len()).filter(|&i| now[i] != dev.own[i]).collect();
        if let Some(&i) = changed.first() {
            let zeroed = changed.iter().all(|&j| now[j] == 0);
            let msg =
                format!(
                "{} byte(s) changed that the call did not report as written, first at offset {} \
                 ({:#04x} -> {:#04x}){}",
                changed.len(),
                own.start + i as u64,
                dev.own[i],
                now[i],
                if zeroed { "; all of them are now zero" } else { "" }
            );
            let expected = format!(
                "only the {moved} copied byte(s) of the {attempted} attempted change; the rest stays"
            );
            self.deviate(d, what, op, expected, msg);
            self.devs[d].own = now;
            return false;
        }
        true
    }

    fn size(&mut self, d: usize, op: Op, arg: Ptr) -> bool {
        let ub = self.geo.user_buf(arg);
        if let Ptr::Rw(n) = arg {
            self.arena.rw_mut(n, 8).fill(0);
        }
        let dev = &self.devs[d];
        let want = oracle::ioctl_size(&dev.env, &ub);
        // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
        let got = Ret::from(unsafe { rawsys::ioctl(dev.fd(), oracle::IOC_SIZE, ub.addr) });
        if !self.check_simple(d, Kind::IoctlSize, op, want, got) {
            return false;
        }
        if got == Ret::Val(0) {
            let v = self.arena.peek(ub.addr, 8).expect("writable, so readable");
            let v = u64::from_ne_bytes(v.try_into().expect("8 bytes"));
            let size = self.devs[d].env.size;
            if v != size {
                self.deviate(
                    d,
                    "ioctl_size",
                    op,
                    format!("stores {size}"),
                    format!("stored {v}"),
                );
                return false;
            }
        }
        true
    }

    fn fetch_add(&mut self, d: usize, op: Op, arg: Ptr, offset: u64, delta: u64) -> bool {
        let ub = self.geo.user_buf(arg);
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&offset.to_ne_bytes());
        bytes[8..16].copy_from_slice(&delta.to_ne_bytes());
        bytes[16..].copy_from_slice(&0x0bad_0bad_0bad_0badu64.to_ne_bytes());
        if self.arena.poke(ub.addr, &bytes).is_err() {
            self.log.skipped += 1;
            return false;
        }
        // What the kernel will read: part of the struct may lie in the RO tail.
        let fields = self.arena.peek(ub.addr, 16).map(|b| {
            (
                u64::from_ne_bytes(b[..8].try_into().expect("8")),
                u64::from_ne_bytes(b[8..].try_into().expect("8")),
            )
        });
        let (koff, kdelta) = fields.unwrap_or((offset, delta));
        let dev = &self.devs[d];
        let l = &dev.layout;
        if fields.is_some()
            && oracle::fetch_add_offset_ok(l.size, koff)
            && !gen::fetch_add_allowed(l, self.worker, koff)
        {
            self.log.skipped += 1;
            return false;
        }
        let old_writable = self
            .geo
            .access(ub.addr.wrapping_add(oracle::FETCH_ADD_OLD))
            .1
            >= 8;
        let want = oracle::fetch_add(&dev.env, &ub, koff, old_writable);
        // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
        let got = Ret::from(unsafe { rawsys::ioctl(dev.fd(), oracle::IOC_FETCH_ADD, ub.addr) });
        self.log.tally.add(Kind::IoctlFetchAdd, got, false);
        if !want.accepts(got) {
            let expected = match want.or {
                Some(or) => format!("{} or {}", want.ret, or),
                None => want.ret.to_string(),
            };
            self.deviate(
                d,
                "ioctl_fetch_add",
                op,
                expected,
                format!("{got} (offset read {koff:#x})"),
            );
            self.resync(d);
            return false;
        }
        if want.or.is_some() {
            let note = format!(
                "{}: FETCH_ADD with read-only offset/delta but writable old returned {got}",
                self.devs[d].name
            );
            *self.log.notes.entry(note).or_default() += 1;
        }
        if !want.applied {
            return true;
        }
        let dev = &mut self.devs[d];
        let own = dev.layout.region(self.worker);
        let word = |own_shadow: &[u8]| {
            let i = (koff - own.start) as usize;
            u64::from_ne_bytes(own_shadow[i..i + 8].try_into().expect("8"))
        };
        let known_old = if koff == dev.layout.counter(self.worker) {
            Some(dev.counter)
        } else if own.contains(&koff) {
            Some(word(&dev.own))
        } else {
            None
        };
        let Some(old) = known_old else {
            return true;
        };
        let new = old.wrapping_add(kdelta);
        if koff == dev.layout.counter(self.worker) {
            dev.counter = new;
        } else {
            let i = (koff - own.start) as usize;
            dev.own[i..i + 8].copy_from_slice(&new.to_ne_bytes());
        }
        if got == Ret::Val(0) {
            let stored = self
                .arena
                .peek(ub.addr + oracle::FETCH_ADD_OLD, 8)
                .expect("writable");
            let stored = u64::from_ne_bytes(stored.try_into().expect("8"));
            if stored != old {
                self.deviate(
                    d,
                    "ioctl_fetch_add",
                    op,
                    format!("old = {old:#x}"),
                    format!("old = {stored:#x}"),
                );
                self.resync(d);
                return false;
            }
        }
        true
    }

    fn lock(&mut self, d: usize, op: Op, arg: u64) -> bool {
        let held = self.devs[d].hold.is_some();
        let want = oracle::lock(held);
        self.watch.begin(self.slot);
        // SAFETY: the pointer is into this thread's arena, which no Rust reference covers during the call, or at memory the kernel cannot write (see usermem).
        let got = Ret::from(unsafe { rawsys::ioctl(self.devs[d].fd(), oracle::IOC_LOCK, arg) });
        let woken = self.watch.end(self.slot);
        self.log.tally.add(Kind::IoctlLock, got, false);
        if woken && got == Ret::Err(Errno::INTR) {
            let expected = format!(
                "0 within {} s (every holder unlocks after a few operations)",
                self.watch.patience.as_secs()
            );
            self.deviate(
                d,
                "ioctl_lock",
                op,
                expected,
                "still asleep; woken by SIGUSR1: -EINTR".into(),
            );
            return false;
        }
        if got != want {
            self.deviate(d, "ioctl_lock", op, want.to_string(), got.to_string());
            self.forget_lock(d);
            return false;
        }
        if got != Ret::Val(0) {
            return true;
        }
        self.took_lock(d, op)
    }

    /// After a LOCK that returned 0: holds the lock for a few operations and
    /// checks the previous holder left the lock area whole.
    pub(super) fn took_lock(&mut self, d: usize, op: Op) -> bool {
        let left = self.rng.range(1, 12) as u32;
        let dev = &mut self.devs[d];
        let area = dev.layout.lock_area.clone();
        let mut now = vec![0u8; (area.end - area.start) as usize];
        let r = dev.file.read_exact_at(&mut now, area.start);
        self.log.tally.add(
            Kind::Verify,
            if r.is_ok() {
                Ret::Val(0)
            } else {
                Ret::Err(Errno::from_raw_os_error(0))
            },
            false,
        );
        let consistent = lock_stamp(&now).is_some();
        self.devs[d].hold = Some(Hold { left, shadow: now });
        if r.is_err() || !consistent {
            let got = match r {
                Err(e) => format!("pread failed: {e}"),
                Ok(()) => "a mix of patterns: someone wrote it without holding the lock".into(),
            };
            self.deviate(
                d,
                "ioctl_lock",
                op,
                "a lock area written whole by the previous holder".into(),
                got,
            );
            return false;
        }
        true
    }

    /// After a LOCK/UNLOCK deviation: make sure this file does not hold the lock.
    pub(super) fn forget_lock(&mut self, d: usize) {
        // SAFETY: a NULL argument: the kernel writes nothing.
        let _ = unsafe { rawsys::ioctl(self.devs[d].fd(), oracle::IOC_UNLOCK, 0) };
        self.devs[d].hold = None;
    }

    /// Reloads the position and the shadows from the device after a deviation.
    pub(super) fn resync(&mut self, d: usize) {
        let worker = self.worker;
        let dev = &mut self.devs[d];
        if let Ok(p) = rawsys::lseek(dev.fd(), 0, SEEK_CUR) {
            dev.pos = p;
        }
        let own = dev.layout.region(worker);
        let _ = dev.file.read_exact_at(&mut dev.own, own.start);
        let mut c = [0u8; 8];
        if dev
            .file
            .read_exact_at(&mut c, dev.layout.counter(worker))
            .is_ok()
        {
            dev.counter = u64::from_ne_bytes(c);
        }
        if let Some(h) = dev.hold.as_mut() {
            let _ = dev
                .file
                .read_exact_at(&mut h.shadow, dev.layout.lock_area.start);
        }
    }
}

/// The files a worker keeps per device besides its ordinary one.
pub struct Handles {
    /// Opened O_WRONLY | O_APPEND.
    pub(super) append: OwnedFd,
    /// Opened O_RDWR | O_NONBLOCK: a second lock owner that never sleeps.
    pub(super) nonblock: OwnedFd,
    /// The whole buffer, MAP_SHARED (`None` for a driver without mmap,
    /// where no mapping operation is generated).
    pub(super) map: Option<Mapping>,
    /// A non-blocking pipe for splice and sendfile.
    pub(super) pipe_r: OwnedFd,
    pub(super) pipe_w: OwnedFd,
}

impl Handles {
    pub fn open(dev: &DevInfo, file: &Device) -> Result<Handles> {
        let path = &dev.path;
        let flags = OFlags::CLOEXEC;
        let append = rustix::fs::open(path, flags | OFlags::WRONLY | OFlags::APPEND, Mode::empty())
            .with_context(|| format!("cannot open {} O_APPEND", dev.name()))?;
        let nonblock =
            rustix::fs::open(path, flags | OFlags::RDWR | OFlags::NONBLOCK, Mode::empty())
                .with_context(|| format!("cannot open {} O_NONBLOCK", dev.name()))?;
        let len = dev.env.size.div_ceil(PAGE) * PAGE;
        let map = dev
            .offers
            .mmap
            .then(|| file.map_shared(len as usize, 0))
            .transpose()
            .with_context(|| format!("{}: mmap MAP_SHARED of the buffer", dev.name()))?;
        let (pipe_r, pipe_w) =
            rustix::pipe::pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).context("pipe")?;
        Ok(Handles {
            append,
            nonblock,
            map,
            pipe_r,
            pipe_w,
        })
    }
}

impl Handles {
    /// The shared mapping; mapping operations are only generated when the
    /// driver offers mmap.
    pub(super) fn mapping(&self) -> &Mapping {
        self.map.as_ref().expect("a mapping op without mmap")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(layout: Layout) -> Dev {
        Dev {
            name: "/dev/test".into(),
            file: Device::from_fd(
                std::fs::File::open("/dev/null").unwrap().into(),
                "/dev/null",
            ),
            env: Env {
                size: layout.size,
                user_ptr_max: 1 << 47,
            },
            own: vec![7; layout.region_len as usize],
            counter: 42,
            hold: None,
            pos: 0,
            offers: Offers::ALL,
            layout,
        }
    }

    #[test]
    fn content_checks() {
        let l = Layout::new(524_288, 4).unwrap();
        let mut d = dev(l.clone());
        let r = l.region(2);
        // Own region: matches the shadow or not.
        assert_eq!(check_content(&d, 2, r.start, &[7; 16]), None);
        let msg = check_content(&d, 2, r.start - 4, &[0, 0, 0, 0, 7, 8]).unwrap();
        assert!(msg.contains(&format!("byte {}", r.start + 1)), "{msg}");
        // Another worker's region is not checked.
        assert_eq!(check_content(&d, 1, r.start, &[0; 16]), None);
        // Counter: only when the whole word was read.
        let c = l.counter(2);
        assert!(check_content(&d, 2, c, &0u64.to_ne_bytes()).is_some());
        assert_eq!(check_content(&d, 2, c, &42u64.to_ne_bytes()), None);
        assert_eq!(check_content(&d, 2, c + 1, &[0; 7]), None);
        // Words: every whole aligned word must be valid.
        let w = l.words.start;
        let mut data = make_word(5).to_ne_bytes().to_vec();
        data.extend(0u64.to_ne_bytes());
        assert_eq!(check_content(&d, 2, w, &data), None);
        data[9] = 1;
        assert!(check_content(&d, 2, w, &data).unwrap().contains("torn"));
        assert_eq!(
            check_content(&d, 2, w + 1, &data[1..15]),
            None,
            "no whole word"
        );
        // Lock area: only while held.
        assert_eq!(check_content(&d, 2, 0, &[1; 8]), None);
        d.hold = Some(Hold {
            left: 1,
            shadow: vec![1; 512],
        });
        assert_eq!(check_content(&d, 2, 8, &[1; 8]), None);
        assert!(check_content(&d, 2, 8, &[2; 8]).is_some());
    }
}
