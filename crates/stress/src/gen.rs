//! Random operations with random, often invalid, arguments.
//!
//! Generation is a pure function of the random stream and what the thread
//! knows (its file position, whether it holds the lock), so a seed replays
//! the same operations. Arguments are wild, but every write is aimed so that
//! it can only change bytes this worker may change (see `layout`): its own
//! region (with a length that ends inside it), the words area (whole valid
//! words), the free area at the end (any length), the lock area while
//! holding the lock, or nothing at all (offsets past the end).

use super::layout::Layout;
use super::op::{AppendVia, Ctx, Data, FileOp, LockView, Op, SpliceDir};
use super::oracle::{self, At, MAX_RW_COUNT, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET};
use super::rng::Rng;
use super::usermem::{Geometry, Ptr, KERNEL_ADDRS, PAGE};

/// An operation, with a seek that must run first to place the position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub pre: Option<Op>,
    pub op: Op,
}

impl Step {
    fn one(op: Op) -> Step {
        Step { pre: None, op }
    }
}

const HUGE_LENS: [u64; 13] = [
    MAX_RW_COUNT - 1,
    MAX_RW_COUNT,
    MAX_RW_COUNT + 1,
    1 << 31,
    1 << 32,
    1 << 40,
    1 << 46,
    (1 << 47) - 1,
    1 << 47,
    i64::MAX as u64,
    1 << 63,
    u64::MAX - 7,
    u64::MAX,
];

/// Any length, from 0 to huge; mostly small to keep the run fast.
pub fn any_len(rng: &mut Rng, size: u64) -> u64 {
    match rng.weighted(&[4, 34, 36, 14, 3, 9]) {
        0 => 0,
        1 => rng.range(1, 16),
        2 => rng.range(17, 512),
        3 => rng.range(513, 8192),
        4 => rng.range(8193, size.max(8193)),
        _ if rng.percent(85) => rng.pick(&HUGE_LENS),
        _ => rng.next_u64(),
    }
}

/// A length in `0..=max`, often small, sometimes exactly `max`.
fn len_up_to(rng: &mut Rng, max: u64) -> u64 {
    match rng.weighted(&[3, 45, 40, 12]) {
        0 => 0,
        1 => rng.range(0, max.min(16)),
        2 => rng.range(0, max),
        _ => max,
    }
}

/// Any pointer: mostly into the RW pages, the rest of every invalid kind.
pub fn any_ptr(rng: &mut Rng, geo: &Geometry) -> Ptr {
    match rng.weighted(&[78, 4, 4, 4, 4, 6]) {
        0 => Ptr::Rw(rw_offset(rng, geo, 1)),
        1 => Ptr::RoHead(rng.below(PAGE)),
        2 => Ptr::RoTail(rng.below(PAGE)),
        3 => Ptr::NoAccess(rng.below(PAGE)),
        4 => Ptr::Unmapped(if rng.percent(40) {
            0
        } else {
            rng.range(1, PAGE - 1)
        }),
        _ => Ptr::Kernel(rng.pick(&KERNEL_ADDRS)),
    }
}

/// An offset into the RW pages aligned to `align`: the start, anywhere, or
/// within 64 bytes of the end (so copies run into the RO tail).
fn rw_offset(rng: &mut Rng, geo: &Geometry, align: u64) -> u64 {
    let n = match rng.weighted(&[55, 30, 15]) {
        0 => 0,
        1 => rng.below(geo.rw_len),
        _ => geo.rw_len - rng.range(1, 64),
    };
    n / align * align
}

/// A pointer for an ioctl argument of `len` bytes: mostly whole in the RW
/// pages, sometimes straddling into the RO tail, read-only, or invalid.
fn arg_ptr(rng: &mut Rng, geo: &Geometry, len: u64) -> Ptr {
    match rng.weighted(&[78, 6, 6, 3, 7]) {
        0 => Ptr::Rw(8 * rng.below((geo.rw_len - len) / 8)),
        1 => Ptr::Rw(geo.rw_len - rng.range(1, len - 1)),
        2 => Ptr::RoHead(PAGE - rng.range(1, len + 8)),
        3 => Ptr::RoTail(rng.below(PAGE)),
        _ => match rng.below(3) {
            0 => Ptr::NoAccess(rng.below(PAGE)),
            1 => Ptr::Unmapped(rng.below(PAGE)),
            _ => Ptr::Kernel(rng.pick(&KERNEL_ADDRS)),
        },
    }
}

/// Offsets at and past the end of the buffer, and negative ones.
fn wild_offset(rng: &mut Rng, size: u64) -> i64 {
    let s = size as i64;
    match rng.below(10) {
        0 => s,
        1 => s + 1,
        2 => s + 8,
        3 => s + rng.range(1, 1 << 20) as i64,
        4 => -1,
        5 => -(rng.range(1, 1 << 40) as i64),
        6 => i64::MIN,
        7 => i64::MAX,
        8 => i64::MAX - rng.below(16) as i64,
        _ => rng.next_u64() as i64,
    }
}

/// The next operation for this thread on one device.
pub fn next(rng: &mut Rng, ctx: &Ctx) -> Step {
    let held = ctx.lock == LockView::Held;
    let o = &ctx.offers;
    let w = |offered: bool, w: u32| if offered { w } else { 0 };
    let weights = [
        22,
        10,
        20,
        8,
        12,
        w(o.size, 4),
        w(o.fetch_add, 14),
        w(o.lock, 5),
        4,
        if held { 16 } else { 0 },
        12,
    ];
    match rng.weighted(&weights) {
        0 => Step::one(pread(rng, ctx)),
        1 => Step::one(Op::Read {
            at: At::Pos(ctx.pos),
            len: any_len(rng, ctx.layout.size),
            buf: any_ptr(rng, &ctx.geo),
        }),
        2 => write(rng, ctx, false),
        3 => write(rng, ctx, true),
        4 => Step::one(seek(rng, ctx)),
        5 => Step::one(Op::Size {
            arg: arg_ptr(rng, &ctx.geo, 8),
        }),
        6 => Step::one(fetch_add(rng, ctx)),
        7 => Step::one(lock_op(rng, ctx)),
        8 => Step::one(other_ioctl(rng, &ctx.geo)),
        9 => lock_area_op(rng, ctx),
        _ => Step::one(next_file_op(rng, ctx)),
    }
}

fn pread(rng: &mut Rng, ctx: &Ctx) -> Op {
    let l = ctx.layout;
    let own = l.region(ctx.worker);
    let off = match rng.weighted(&[50, 22, 10, 18]) {
        0 => rng.range(0, l.size) as i64,
        1 => rng.range(own.start, own.end - 1) as i64,
        2 => l.counter(ctx.worker) as i64 - rng.below(16) as i64,
        _ => wild_offset(rng, l.size),
    };
    Op::Read {
        at: At::Off(off),
        len: any_len(rng, l.size),
        buf: any_ptr(rng, &ctx.geo),
    }
}

/// A write aimed at bytes this worker may change; `plain` prefers write(2)
/// at the position (seeking there first) over pwrite(2).
fn write(rng: &mut Rng, ctx: &Ctx, plain: bool) -> Step {
    let l = ctx.layout;
    let geo = &ctx.geo;
    let held = ctx.lock == LockView::Held;
    let (off, len, buf, data) = match rng.weighted(&[40, 22, 15, 10, if held { 13 } else { 0 }]) {
        0 => {
            let own = l.region(ctx.worker);
            let off = rng.range(own.start, own.end - 1);
            (
                off,
                len_up_to(rng, own.end - off),
                any_ptr(rng, geo),
                Data::Random,
            )
        }
        1 => {
            let off = rng.range(l.free.start, l.size - 1);
            (off, any_len(rng, l.size), any_ptr(rng, geo), Data::Random)
        }
        2 => {
            let first = l.words.start / 8 + rng.below((l.words.end - l.words.start) / 8);
            let room = (l.size - 8 * first) / 8;
            let most = if rng.percent(90) { 16 } else { 512 };
            let len = 8 * rng.range(0, room.min(most));
            (8 * first, len, Ptr::Rw(rw_offset(rng, geo, 8)), Data::Words)
        }
        3 => {
            let off = wild_offset(rng, l.size);
            let (len, buf) = (any_len(rng, l.size), any_ptr(rng, geo));
            if off == l.size as i64 && plain {
                // write(2) at the end: ENOSPC (or 0 for len 0).
                let op = Op::Write {
                    at: At::Pos(l.size),
                    len,
                    buf,
                    data: Data::Random,
                };
                return seek_then(l.size, op);
            }
            let op = Op::Write {
                at: At::Off(off),
                len,
                buf,
                data: Data::Random,
            };
            return Step::one(op);
        }
        _ => {
            let len = l.lock_area.end - l.lock_area.start;
            let buf = Ptr::Rw(8 * rng.below((geo.rw_len - len) / 8));
            (
                l.lock_area.start,
                len,
                buf,
                Data::LockPattern(rng.next_u64() | 1),
            )
        }
    };
    if plain {
        let op = Op::Write {
            at: At::Pos(off),
            len,
            buf,
            data,
        };
        seek_then(off, op)
    } else {
        Step::one(Op::Write {
            at: At::Off(off as i64),
            len,
            buf,
            data,
        })
    }
}

/// `op` at position `pos`, after an lseek there. Always seeking, even when
/// the file should be there already, means a write(2) can only land where
/// the kernel just said the position is, whatever the worker believes.
fn seek_then(pos: u64, op: Op) -> Step {
    let pre = Some(Op::Seek {
        off: pos as i64,
        whence: SEEK_SET,
    });
    Step { pre, op }
}

fn seek(rng: &mut Rng, ctx: &Ctx) -> Op {
    let s = ctx.layout.size as i64;
    let p = ctx.pos as i64;
    let (whence, off) = match rng.weighted(&[30, 25, 25, 6, 14]) {
        0 if rng.percent(60) => (SEEK_SET, rng.range(0, s as u64) as i64),
        0 => (SEEK_SET, wild_offset(rng, s as u64)),
        1 => {
            let off = match rng.below(6) {
                0 | 1 => rng.range(0, s as u64) as i64 - p,
                2 => -p - 1,
                3 => s - p + 1,
                4 => rng.range(0, 64) as i64 - 32,
                _ => wild_offset(rng, s as u64),
            };
            (SEEK_CUR, off)
        }
        2 if rng.percent(60) => (SEEK_END, -(rng.range(0, s as u64) as i64)),
        2 => (
            SEEK_END,
            match rng.below(4) {
                0 => 1,
                1 => -s - 1,
                _ => wild_offset(rng, s as u64),
            },
        ),
        3 => (
            rng.pick(&[SEEK_DATA, SEEK_HOLE]),
            rng.range(0, s as u64) as i64,
        ),
        _ => {
            let whence = match rng.below(3) {
                0 => rng.range(5, 8) as u32,
                1 => rng.pick(&[100, 0x8000_0000, u32::MAX]),
                _ => rng.range(5, u64::from(u32::MAX)) as u32,
            };
            (whence, rng.range(0, s as u64) as i64)
        }
    };
    Op::Seek { off, whence }
}

/// Whether this worker may change the aligned word at `offset`.
pub fn fetch_add_allowed(layout: &Layout, worker: u32, offset: u64) -> bool {
    let own = layout.region(worker);
    offset == layout.counter(worker)
        || own.contains(&offset)
        || (offset >= layout.free.start && offset < layout.size)
}

fn fetch_add(rng: &mut Rng, ctx: &Ctx) -> Op {
    let l = ctx.layout;
    let counter = l.counter(ctx.worker);
    let own = l.region(ctx.worker);
    let free_words = l.free.start.div_ceil(8)..l.size / 8;
    let mut offset = match rng.weighted(&[45, 20, 8, 12, 15]) {
        0 => counter,
        1 => 8 * rng.range(own.start / 8, own.end / 8 - 1),
        2 => 8 * rng.range(free_words.start, free_words.end - 1),
        3 => match rng.below(3) {
            0 => counter + rng.range(1, 7),
            1 => rng.next_u64() | 1,
            _ => rng.range(0, l.size) | rng.range(1, 7),
        },
        _ => match rng.below(8) {
            0 => l.size,
            1 => l.size - rng.range(1, 7),
            2 => (l.size & !7) + 8,
            3 => u64::MAX - 7,
            4 => u64::MAX,
            5 => 1 << 63,
            6 => 1 << 32,
            _ => rng.next_u64(),
        },
    };
    if oracle::fetch_add_offset_ok(l.size, offset) && !fetch_add_allowed(l, ctx.worker, offset) {
        // A "wild" offset that happens to be valid and someone else's word.
        offset = l.size + 8;
    }
    let delta = match rng.weighted(&[50, 25, 25]) {
        0 => rng.range(1, 16),
        1 => rng.next_u64(),
        _ => rng.pick(&[0, u64::MAX, 1 << 63]),
    };
    Op::FetchAdd {
        arg: arg_ptr(rng, &ctx.geo, oracle::FETCH_ADD_LEN),
        offset,
        delta,
    }
}

fn lock_op(rng: &mut Rng, ctx: &Ctx) -> Op {
    // LOCK and UNLOCK ignore their argument: make it anything.
    let arg = if rng.percent(70) { 0 } else { rng.next_u64() };
    match ctx.lock {
        LockView::Free if rng.percent(70) => Op::Lock { arg },
        LockView::Held if rng.percent(20) => Op::Unlock { arg },
        LockView::Held => Op::Lock { arg },
        _ => Op::Unlock { arg },
    }
}

/// Reads and whole-pattern writes of the lock area, for its holder.
fn lock_area_op(rng: &mut Rng, ctx: &Ctx) -> Step {
    let l = ctx.layout;
    let len = l.lock_area.end - l.lock_area.start;
    if rng.percent(50) {
        let buf = Ptr::Rw(8 * rng.below((ctx.geo.rw_len - len) / 8));
        let op = Op::Write {
            at: At::Off(l.lock_area.start as i64),
            len,
            buf,
            data: Data::LockPattern(rng.next_u64() | 1),
        };
        return Step::one(op);
    }
    let off = rng.range(l.lock_area.start, l.lock_area.end - 1);
    Step::one(Op::Read {
        at: At::Off(off as i64),
        len: rng.range(1, l.lock_area.end - off),
        buf: Ptr::Rw(0),
    })
}

/// The four mymem commands.
const KNOWN: [u32; 4] = [
    oracle::IOC_SIZE,
    oracle::IOC_FETCH_ADD,
    oracle::IOC_LOCK,
    oracle::IOC_UNLOCK,
];

fn ioc(dir: u32, ty: u32, nr: u32, size: u32) -> u32 {
    (dir << 30) | ((size & 0x3fff) << 16) | (ty << 8) | nr
}

/// A command number the driver must refuse with ENOTTY: our magic with an
/// unknown number, a known number with the wrong size or direction, or any
/// number of a type the VFS does not handle itself.
pub fn other_cmd(rng: &mut Rng) -> u32 {
    loop {
        let cmd = match rng.weighted(&[45, 25, 30]) {
            0 => {
                let nr = if rng.percent(20) {
                    0
                } else {
                    rng.range(5, 255) as u32
                };
                ioc(rng.below(4) as u32, 0xb5, nr, rng.below(1 << 14) as u32)
            }
            1 => {
                let known = rng.pick(&KNOWN);
                match rng.below(3) {
                    0 => known ^ (rng.range(1, 3) as u32) << 30,
                    1 => (known & !(0x3fff << 16)) | (rng.pick(&[0u32, 4, 16, 32, 4096]) << 16),
                    _ => known ^ (1 << rng.below(30)),
                }
            }
            _ => rng.next_u64() as u32,
        };
        if !KNOWN.contains(&cmd) && !oracle::vfs_ioctl(cmd) {
            return cmd;
        }
    }
}

fn other_ioctl(rng: &mut Rng, geo: &Geometry) -> Op {
    let arg = match rng.below(4) {
        0 => 0,
        1 => geo.addr(Ptr::Rw(0)),
        2 => rng.pick(&KERNEL_ADDRS),
        _ => rng.next_u64(),
    };
    Op::OtherIoctl {
        cmd: other_cmd(rng),
        arg,
    }
}

/// A file operation for this worker on one device.
fn next_file_op(rng: &mut Rng, ctx: &Ctx) -> Op {
    let l = ctx.layout;
    let own = l.region(ctx.worker);
    let in_own = |rng: &mut Rng| {
        let off = rng.range(own.start, own.end - 1);
        (off, rng.range(0, own.end - off))
    };
    let o = &ctx.offers;
    let w = |offered: bool, w: u32| if offered { w } else { 0 };
    let weights = [
        w(o.fsync, 10),
        14,
        w(o.lock, 12),
        w(o.splice, 20),
        w(o.mmap, 14),
        w(o.mmap, 14),
        w(o.mmap, 6),
        w(o.mmap, 10),
    ];
    let op = match rng.weighted(&weights) {
        0 => FileOp::Sync {
            data_only: rng.percent(50),
        },
        1 => {
            let (off, len) = in_own(rng);
            let via = match rng.below(if o.rwf_append { 3 } else { 2 }) {
                0 => AppendVia::Write,
                1 => AppendVia::Pwrite,
                _ => AppendVia::RwfAppend,
            };
            FileOp::Append { off, len, via }
        }
        2 => FileOp::TryLock {
            own_file: ctx.lock != LockView::Elsewhere && rng.percent(50),
        },
        3 => {
            let dir = match rng.below(3) {
                0 => SpliceDir::ToPipe,
                1 => SpliceDir::Sendfile,
                _ => SpliceDir::FromPipe,
            };
            let (off, len) = if rng.percent(85) {
                let (off, len) = in_own(rng);
                (off, len.max(1))
            } else {
                (l.size, rng.range(1, 64))
            };
            FileOp::Splice { off, len, dir }
        }
        4 if rng.percent(20) => FileOp::MapLoad {
            off: l.counter(ctx.worker),
            len: 8,
        },
        4 => {
            let (off, len) = in_own(rng);
            FileOp::MapLoad { off, len }
        }
        5 => {
            let (off, len) = in_own(rng);
            FileOp::MapStore { off, len }
        }
        6 => FileOp::MapFetchAdd {
            delta: if rng.percent(70) {
                rng.range(1, 16)
            } else {
                rng.next_u64()
            },
        },
        _ => {
            let pages = l.size.div_ceil(PAGE);
            let off = match rng.weighted(&[60, 25, 15]) {
                0 => PAGE * rng.range(0, pages - 1),
                1 => PAGE * rng.range(pages, pages + 3),
                _ => rng.range(1, pages * PAGE),
            };
            let len = match rng.weighted(&[50, 30, 20]) {
                0 => PAGE * rng.range(1, 2),
                1 => rng.range(0, (pages + 2) * PAGE),
                _ => pages.saturating_sub(off / PAGE) * PAGE,
            };
            FileOp::Map { off, len }
        }
    };
    Op::File(op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offers::Offers;
    use crate::oracle::{Env, Ret};

    const SIZE: u64 = 524_288;
    const GEO: Geometry = Geometry {
        base: 0x7f00_0000_0000,
        rw_len: SIZE + PAGE,
    };

    fn env() -> Env {
        Env {
            size: SIZE,
            user_ptr_max: (1 << 47) - 4096,
        }
    }

    /// The device bytes a write may change, per the oracle: `[start, start + attempted)`
    /// (a driver may at worst clobber what it attempted).
    fn write_span(op: &Op, pos: u64) -> Option<std::ops::Range<u64>> {
        let Op::Write { at, len, buf, .. } = *op else {
            return None;
        };
        let at = match at {
            At::Pos(_) => At::Pos(pos),
            a => a,
        };
        let t = oracle::write(&env(), at, len, &GEO.user_buf(buf));
        (t.attempted > 0).then(|| t.start..t.start + t.attempted)
    }

    /// A driver of read/write/llseek only gets no ioctl but the unknown
    /// ones (ENOTTY is right for those), no mmap, fsync, splice, LOCK or
    /// RWF_APPEND.
    #[test]
    fn nothing_generated_that_the_driver_does_not_offer() {
        let layout = Layout::new(SIZE, 8).unwrap();
        let none = Offers {
            size: false,
            fetch_add: false,
            lock: false,
            mmap: false,
            fsync: false,
            splice: false,
            rwf_append: false,
        };
        let mut rng = Rng::new(11, 2);
        let ctx = Ctx {
            layout: &layout,
            geo: GEO,
            worker: 2,
            pos: 0,
            lock: LockView::Free,
            offers: none,
        };
        let mut appends = 0;
        for _ in 0..20_000 {
            let step = next(&mut rng, &ctx);
            for op in step.pre.iter().chain(std::iter::once(&step.op)) {
                match op {
                    Op::Size { .. } | Op::FetchAdd { .. } | Op::Lock { .. } | Op::Unlock { .. } => {
                        panic!("ioctl generated: {op:?}")
                    }
                    Op::File(FileOp::Append { via, .. }) => {
                        assert_ne!(*via, AppendVia::RwfAppend);
                        appends += 1;
                    }
                    Op::File(f) => panic!("file op generated: {f:?}"),
                    _ => {}
                }
            }
        }
        assert!(appends > 100, "O_APPEND writes are still generated");
    }

    /// Runs the generator like a worker would, tracking the position.
    fn generate(worker: u32, lock: LockView, n: usize, mut f: impl FnMut(&Op, u64, &Layout)) {
        let layout = Layout::new(SIZE, 8).unwrap();
        let mut rng = Rng::new(7, u64::from(worker));
        let mut pos = 0;
        for _ in 0..n {
            let ctx = Ctx {
                layout: &layout,
                geo: GEO,
                worker,
                pos,
                lock,
                offers: crate::offers::Offers::ALL,
            };
            let step = next(&mut rng, &ctx);
            for op in step.pre.iter().chain(std::iter::once(&step.op)) {
                f(op, pos, &layout);
                let e = env();
                match *op {
                    Op::Seek { off, whence } => {
                        if let Ret::Val(p) = oracle::seek(&e, pos, off, whence) {
                            pos = p;
                        }
                    }
                    Op::Read {
                        at: At::Pos(_),
                        len,
                        buf,
                    } => {
                        pos = oracle::read(&e, At::Pos(pos), len, &GEO.user_buf(buf))
                            .new_pos
                            .unwrap_or(pos);
                    }
                    Op::Write {
                        at: At::Pos(_),
                        len,
                        buf,
                        ..
                    } => {
                        pos = oracle::write(&e, At::Pos(pos), len, &GEO.user_buf(buf))
                            .new_pos
                            .unwrap_or(pos);
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn writes_only_touch_what_the_worker_owns() {
        for (worker, lock) in [
            (0, LockView::Free),
            (3, LockView::Held),
            (7, LockView::Elsewhere),
        ] {
            let mut kinds = [0u32; 5];
            generate(worker, lock, 20_000, |op, pos, l| {
                let Some(span) = write_span(op, pos) else {
                    return;
                };
                let own = l.region(worker);
                let inside = |r: &std::ops::Range<u64>| r.start <= span.start && span.end <= r.end;
                let kind = if inside(&own) {
                    0
                } else if span.start >= l.free.start {
                    1
                } else if span.start >= l.words.start {
                    assert_eq!(span.start % 8, 0, "{op:?}");
                    assert!(
                        matches!(
                            op,
                            Op::Write {
                                data: Data::Words,
                                ..
                            }
                        ),
                        "{op:?}"
                    );
                    2
                } else if inside(&l.lock_area) {
                    assert_eq!(lock, LockView::Held, "{op:?}");
                    assert_eq!(span, l.lock_area, "whole lock area: {op:?}");
                    3
                } else {
                    panic!("write {op:?} at pos {pos} spans {span:?}, not this worker's");
                };
                kinds[kind] += 1;
            });
            assert!(kinds[0] > 0 && kinds[1] > 0 && kinds[2] > 0, "{kinds:?}");
            assert_eq!(kinds[3] > 0, lock == LockView::Held, "{kinds:?}");
        }
    }

    #[test]
    fn words_writes_keep_word_boundaries() {
        generate(1, LockView::Free, 20_000, |op, _, l| {
            if let Op::Write {
                data: Data::Words,
                len,
                buf,
                at,
            } = *op
            {
                assert_eq!(len % 8, 0);
                let Ptr::Rw(n) = buf else { panic!("{op:?}") };
                assert_eq!(n % 8, 0, "faults must cut at a word boundary");
                if let At::Off(o) = at {
                    assert!(o as u64 >= l.words.start && o as u64 + len <= l.size);
                }
            }
        });
    }

    #[test]
    fn fetch_add_only_on_own_or_invalid_words() {
        let mut own = 0;
        let mut invalid = 0;
        generate(5, LockView::Free, 20_000, |op, _, l| {
            if let Op::FetchAdd { offset, .. } = *op {
                if oracle::fetch_add_offset_ok(l.size, offset) {
                    assert!(fetch_add_allowed(l, 5, offset), "{offset:#x}");
                    own += 1;
                } else {
                    invalid += 1;
                }
            }
        });
        assert!(own > 100 && invalid > 50, "{own} {invalid}");
    }

    #[test]
    fn lock_ops_respect_the_lock_view() {
        for lock in [LockView::Free, LockView::Held, LockView::Elsewhere] {
            let mut locks = 0;
            generate(2, lock, 5_000, |op, _, _| {
                if matches!(op, Op::Lock { .. }) {
                    assert_ne!(
                        lock,
                        LockView::Elsewhere,
                        "no LOCK while holding another lock"
                    );
                    locks += 1;
                }
            });
            assert_eq!(locks > 0, lock != LockView::Elsewhere);
        }
    }

    #[test]
    fn every_kind_and_argument_class_occurs() {
        let mut seen = std::collections::BTreeSet::new();
        generate(4, LockView::Held, 50_000, |op, _, _| {
            let ptr = match *op {
                Op::Read { buf, .. } | Op::Write { buf, .. } => Some(buf),
                Op::Size { arg } | Op::FetchAdd { arg, .. } => Some(arg),
                _ => None,
            };
            if let Some(p) = ptr {
                seen.insert(format!("{p:?}").split('(').next().unwrap().to_string());
            }
            let kind = match op {
                Op::Read { at: At::Pos(_), .. } => "read",
                Op::Read { .. } => "pread",
                Op::Write { at: At::Pos(_), .. } => "write",
                Op::Write { .. } => "pwrite",
                Op::Seek { whence, .. } if *whence > 4 => "seek-invalid",
                Op::Seek { .. } => "seek",
                Op::Size { .. } => "size",
                Op::FetchAdd { .. } => "fetch_add",
                Op::Lock { .. } => "lock",
                Op::Unlock { .. } => "unlock",
                Op::OtherIoctl { .. } => "other",
                Op::File(f) => match f {
                    FileOp::Sync { .. } => "fsync",
                    FileOp::Append { .. } => "append",
                    FileOp::TryLock { .. } => "trylock",
                    FileOp::Splice { .. } => "splice",
                    FileOp::MapLoad { .. } | FileOp::MapStore { .. } => "map-access",
                    FileOp::MapFetchAdd { .. } => "map-fetch-add",
                    FileOp::Map { .. } => "mmap",
                },
            };
            seen.insert(kind.to_string());
            if let Op::Read { len, .. } | Op::Write { len, .. } = *op {
                if len > i64::MAX as u64 {
                    seen.insert("huge".into());
                }
                if len == 0 {
                    seen.insert("zero".into());
                }
            }
        });
        for k in [
            "read",
            "pread",
            "write",
            "pwrite",
            "seek",
            "seek-invalid",
            "size",
            "fetch_add",
            "lock",
            "unlock",
            "other",
            "fsync",
            "append",
            "trylock",
            "splice",
            "map-access",
            "map-fetch-add",
            "mmap",
            "Rw",
            "RoHead",
            "RoTail",
            "NoAccess",
            "Unmapped",
            "Kernel",
            "huge",
            "zero",
        ] {
            assert!(seen.contains(k), "{k} never generated: {seen:?}");
        }
    }

    #[test]
    fn other_cmds_never_hit_known_or_vfs_numbers() {
        let mut rng = Rng::new(3, 3);
        let mut magic = 0;
        for _ in 0..20_000 {
            let cmd = other_cmd(&mut rng);
            assert!(!KNOWN.contains(&cmd) && !oracle::vfs_ioctl(cmd), "{cmd:#x}");
            if (cmd >> 8) & 0xff == 0xb5 {
                magic += 1;
            }
        }
        assert!(magic > 10_000, "most share the mymem magic: {magic}");
    }

    #[test]
    fn lengths_cover_every_class() {
        let mut rng = Rng::new(12, 0);
        let mut classes = [0u32; 5];
        for _ in 0..10_000 {
            let len = any_len(&mut rng, SIZE);
            classes[match len {
                0 => 0,
                1..=512 => 1,
                513..=SIZE => 2,
                _ if len < i64::MAX as u64 => 3,
                _ => 4,
            }] += 1;
        }
        assert!(classes.iter().all(|&n| n > 0), "{classes:?}");
        assert!(classes[1] > 6000, "mostly small: {classes:?}");
    }

    #[test]
    fn arg_ptrs_stay_in_their_pages() {
        let mut rng = Rng::new(11, 0);
        for _ in 0..10_000 {
            for len in [8, 24] {
                match arg_ptr(&mut rng, &GEO, len) {
                    Ptr::Rw(n) => assert!(n < GEO.rw_len),
                    Ptr::RoHead(n) | Ptr::RoTail(n) | Ptr::NoAccess(n) => assert!(n < PAGE),
                    Ptr::Unmapped(a) => assert!(a < PAGE),
                    Ptr::Kernel(a) => assert!(KERNEL_ADDRS.contains(&a)),
                }
            }
        }
    }

    /// Everything that moves data stays in the worker's own region or
    /// counter (splices may also sit at the end, where nothing moves).
    #[test]
    fn data_ops_stay_in_the_own_region() {
        let layout = Layout::new(524_288, 8).unwrap();
        let mut rng = Rng::new(5, 3);
        let own = layout.region(3);
        let inside = |off: u64, len: u64| own.start <= off && off + len <= own.end;
        for lock in [LockView::Free, LockView::Held, LockView::Elsewhere] {
            let ctx = Ctx {
                layout: &layout,
                geo: Geometry {
                    base: 0x7f00_0000_0000,
                    rw_len: 2 * PAGE,
                },
                worker: 3,
                pos: 0,
                lock,
                offers: Offers::ALL,
            };
            for _ in 0..5_000 {
                let Op::File(f) = next_file_op(&mut rng, &ctx) else {
                    panic!("not a file op")
                };
                match f {
                    FileOp::Append { off, len, .. } | FileOp::MapStore { off, len } => {
                        assert!(inside(off, len), "{f:?}")
                    }
                    FileOp::MapLoad { off, len } => {
                        assert!(inside(off, len) || (off == layout.counter(3) && len == 8))
                    }
                    FileOp::Splice { off, len, .. } => {
                        assert!(len > 0 && (inside(off, len) || off == layout.size), "{f:?}")
                    }
                    FileOp::TryLock { own_file: true } => assert_ne!(lock, LockView::Elsewhere),
                    _ => {}
                }
            }
        }
    }
}
