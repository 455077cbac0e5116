//! The contract oracle: what a syscall on a mymem device must return, as a
//! pure function of the call, the file position, the buffer size and what the
//! user memory behind the pointer allows.
//!
//! It models the driver contract (docs/device.md) and the VFS checks that run
//! before the driver sees a call (fs/read_write.c, fs/ioctl.c of Linux 7.3):
//!
//! - pread/pwrite with a negative offset: `EINVAL` (ksys_pread64);
//! - `access_ok(buf, len)` fails: `EFAULT`, even for `len == 0`, when
//!   `buf + len` wraps or passes the top of user space (vfs_read);
//! - `pos + len` overflowing `loff_t`: `EINVAL` (rw_verify_area);
//! - `len` is cut to `MAX_RW_COUNT` before the driver sees it;
//! - lseek `whence > SEEK_HOLE`: `EINVAL` (ksys_lseek);
//! - ioctl numbers of the VFS (FIOCLEX, FIONBIO, ...) never reach the driver,
//!   so the generator avoids them ([`vfs_ioctl`]).
//!
//! A copy that faults copies exactly the bytes before the faulting one (x86
//! `copy_user` falls back to byte copies to find it), so the result of a
//! transfer is fully determined by how many bytes are accessible.

use std::fmt;

/// `MAX_RW_COUNT` for 4 KiB pages: `INT_MAX & PAGE_MASK`.
pub const MAX_RW_COUNT: u64 = (i32::MAX as u64) & !0xfff;

/// The errnos the contract uses, and their names.
pub use rawsys::errno::{self, Errno};

/// A syscall result: a non-negative value or an errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    Val(u64),
    Err(Errno),
}

impl fmt::Display for Ret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ret::Val(v) => write!(f, "{v}"),
            Ret::Err(e) => write!(f, "-{}", errno::name(e)),
        }
    }
}

impl Ret {
    /// This result with its value replaced by `v` if it is a success (for
    /// calls whose real output is stored in memory).
    pub fn with_value(self, v: u64) -> Ret {
        match self {
            Ret::Val(_) => Ret::Val(v),
            e => e,
        }
    }
}

impl From<rawsys::SysResult> for Ret {
    fn from(r: rawsys::SysResult) -> Ret {
        match r {
            Ok(v) => Ret::Val(v),
            Err(e) => Ret::Err(e),
        }
    }
}

/// The facts of the system the oracle depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Env {
    /// Buffer size of the device.
    pub size: u64,
    /// Highest address `access_ok` accepts (x86: `USER_PTR_MAX`).
    pub user_ptr_max: u64,
}

/// What the user memory at a syscall's pointer allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserBuf {
    pub addr: u64,
    /// Bytes the kernel can read from `addr` on before faulting.
    pub readable: u64,
    /// Bytes the kernel can write from `addr` on before faulting.
    pub writable: u64,
}

/// x86-64 `access_ok(addr, len)` for a length that is not a compile-time
/// constant: the end must not wrap and must be at most `USER_PTR_MAX`.
pub fn access_ok(addr: u64, len: u64, user_ptr_max: u64) -> bool {
    let end = addr.wrapping_add(len);
    end >= addr && end <= user_ptr_max
}

/// Where a transfer happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// read/write at the file position (always in `[0, size]`).
    Pos(u64),
    /// pread/pwrite at an offset.
    Off(i64),
}

/// The expected effect of a read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub ret: Ret,
    /// Device offset of the first byte the driver copies.
    pub start: u64,
    /// Bytes the driver tries to copy, `min(len, size - start)`.
    pub attempted: u64,
    /// Bytes copied (`attempted` cut at the first fault); the device bytes
    /// `[start + moved, start + attempted)` must stay as they were.
    pub moved: u64,
    /// The file position afterwards, if the call moves it.
    pub new_pos: Option<u64>,
}

impl Transfer {
    fn fail(e: Errno) -> Transfer {
        Transfer {
            ret: Ret::Err(e),
            start: 0,
            attempted: 0,
            moved: 0,
            new_pos: None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Read,
    Write,
}

fn transfer(env: &Env, dir: Dir, at: At, len: u64, buf: &UserBuf) -> Transfer {
    // ksys_pread64/ksys_pwrite64, before even looking at the fd.
    let pos = match at {
        At::Off(off) if off < 0 => return Transfer::fail(Errno::INVAL),
        At::Off(off) => off as u64,
        At::Pos(pos) => pos,
    };
    // vfs_read/vfs_write.
    if !access_ok(buf.addr, len, env.user_ptr_max) {
        return Transfer::fail(Errno::FAULT);
    }
    // rw_verify_area.
    if len > i64::MAX as u64 || pos.checked_add(len).is_none_or(|end| end > i64::MAX as u64) {
        return Transfer::fail(Errno::INVAL);
    }
    let len = len.min(MAX_RW_COUNT);
    // The driver: offset first, then length.
    if pos > env.size {
        return Transfer::fail(Errno::INVAL);
    }
    if len == 0 {
        return Transfer {
            ret: Ret::Val(0),
            start: pos,
            attempted: 0,
            moved: 0,
            new_pos: Some(pos),
        };
    }
    if pos == env.size {
        return match dir {
            Dir::Read => Transfer {
                ret: Ret::Val(0),
                start: pos,
                attempted: 0,
                moved: 0,
                new_pos: Some(pos),
            },
            Dir::Write => Transfer::fail(Errno::NOSPC),
        };
    }
    let attempted = len.min(env.size - pos);
    let accessible = match dir {
        Dir::Read => buf.writable,
        Dir::Write => buf.readable,
    };
    let moved = attempted.min(accessible);
    if moved == 0 {
        return Transfer {
            ret: Ret::Err(Errno::FAULT),
            start: pos,
            attempted,
            moved: 0,
            new_pos: None,
        };
    }
    Transfer {
        ret: Ret::Val(moved),
        start: pos,
        attempted,
        moved,
        new_pos: Some(pos + moved),
    }
}

/// read(2) (`At::Pos`) or pread(2) (`At::Off`) of `len` bytes into `buf`.
pub fn read(env: &Env, at: At, len: u64, buf: &UserBuf) -> Transfer {
    with_pos_rule(transfer(env, Dir::Read, at, len, buf), at)
}

/// write(2) (`At::Pos`) or pwrite(2) (`At::Off`) of `len` bytes from `buf`.
pub fn write(env: &Env, at: At, len: u64, buf: &UserBuf) -> Transfer {
    with_pos_rule(transfer(env, Dir::Write, at, len, buf), at)
}

/// Only read/write move the file position; pread/pwrite never do.
fn with_pos_rule(mut t: Transfer, at: At) -> Transfer {
    if matches!(at, At::Off(_)) {
        t.new_pos = None;
    }
    t
}

pub const SEEK_SET: u32 = 0;
pub const SEEK_CUR: u32 = 1;
pub const SEEK_END: u32 = 2;
pub const SEEK_DATA: u32 = 3;
pub const SEEK_HOLE: u32 = 4;

/// lseek(2) from position `pos`; the value is the new position.
pub fn seek(env: &Env, pos: u64, off: i64, whence: u32) -> Ret {
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => pos as i64,
        SEEK_END => env.size as i64,
        // SEEK_DATA and SEEK_HOLE by the driver, larger values by ksys_lseek.
        _ => return Ret::Err(Errno::INVAL),
    };
    match base.checked_add(off) {
        Some(new) if (0..=env.size as i64).contains(&new) => Ret::Val(new as u64),
        _ => Ret::Err(Errno::INVAL),
    }
}

/// The ioctl numbers of the uapi header (x86-64 encoding).
pub const IOC_SIZE: u32 = 0x8008_b501;
pub const IOC_FETCH_ADD: u32 = 0xc018_b502;
pub const IOC_LOCK: u32 = 0x0000_b503;
pub const IOC_UNLOCK: u32 = 0x0000_b504;

/// `_IOC_TYPE`s of the commands fs/ioctl.c handles itself before the driver:
/// FIGETBSZ (0x00), FS_IOC_GETFSUUID/GETFSSYSFSPATH (0x15), FIOCLEX and
/// friends ('T'), FIFREEZE/FITHAW/FS_IOC_FS[GS]ETXATTR ('X'), FS_IOC_FIEMAP
/// and FS_IOC_[GS]ETFLAGS ('f'), FICLONE* and FIDEDUPERANGE (0x94).
pub const VFS_IOC_TYPES: [u8; 6] = [0x00, 0x15, b'T', b'X', b'f', 0x94];

/// Whether the VFS may answer `cmd` itself (its type is one the VFS uses).
pub fn vfs_ioctl(cmd: u32) -> bool {
    VFS_IOC_TYPES.contains(&((cmd >> 8) as u8))
}

/// MYMEM_IOC_SIZE with its argument at `arg`: stores 8 bytes.
pub fn ioctl_size(env: &Env, arg: &UserBuf) -> Ret {
    if arg.writable >= 8 && access_ok(arg.addr, 8, env.user_ptr_max) {
        Ret::Val(0)
    } else {
        Ret::Err(Errno::FAULT)
    }
}

/// The layout of `struct mymem_fetch_add`.
pub const FETCH_ADD_LEN: u64 = 24;
pub const FETCH_ADD_OLD: u64 = 16;

/// The expected effect of MYMEM_IOC_FETCH_ADD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchAdd {
    /// Acceptable results (the second, if any, is equally acceptable).
    pub ret: Ret,
    pub or: Option<Ret>,
    /// Whether the add happens.
    pub applied: bool,
}

impl FetchAdd {
    pub fn accepts(&self, got: Ret) -> bool {
        got == self.ret || Some(got) == self.or
    }
}

/// Whether FETCH_ADD accepts `offset`: a multiple of 8 with `offset + 8 <= size`.
pub fn fetch_add_offset_ok(size: u64, offset: u64) -> bool {
    offset.is_multiple_of(8) && offset.checked_add(8).is_some_and(|end| end <= size)
}

/// MYMEM_IOC_FETCH_ADD with its argument at `arg`. `offset` is the value the
/// kernel reads (when the struct is readable); `old_writable` whether the 8
/// bytes of `old` can be written.
///
/// The contract only says `old` is stored. If the `old` field is writable
/// but the input fields are not, a driver that writes the whole struct back
/// fails with `EFAULT` where one that stores only `old` succeeds; both are
/// accepted, and the add has happened either way.
pub fn fetch_add(env: &Env, arg: &UserBuf, offset: u64, old_writable: bool) -> FetchAdd {
    let fail = |e| FetchAdd {
        ret: Ret::Err(e),
        or: None,
        applied: false,
    };
    if arg.readable < FETCH_ADD_LEN || !access_ok(arg.addr, FETCH_ADD_LEN, env.user_ptr_max) {
        return fail(Errno::FAULT);
    }
    if !fetch_add_offset_ok(env.size, offset) {
        return fail(Errno::INVAL);
    }
    let (ret, or) = if arg.writable >= FETCH_ADD_LEN {
        (Ret::Val(0), None)
    } else if old_writable {
        (Ret::Val(0), Some(Ret::Err(Errno::FAULT)))
    } else {
        (Ret::Err(Errno::FAULT), None)
    };
    FetchAdd {
        ret,
        or,
        applied: true,
    }
}

/// MYMEM_IOC_LOCK through a file that does (`held`) or does not hold the
/// lock; `Val(0)` may first sleep until another holder unlocks.
pub fn lock(held: bool) -> Ret {
    if held {
        Ret::Err(Errno::DEADLK)
    } else {
        Ret::Val(0)
    }
}

/// MYMEM_IOC_UNLOCK through a file that does (`held`) or does not hold it.
pub fn unlock(held: bool) -> Ret {
    if held {
        Ret::Val(0)
    } else {
        Ret::Err(Errno::PERM)
    }
}

/// Any other ioctl number that reaches the driver (not [`vfs_ioctl`]).
pub fn ioctl_other(cmd: u32) -> Ret {
    debug_assert!(!vfs_ioctl(cmd));
    debug_assert!(![IOC_SIZE, IOC_FETCH_ADD, IOC_LOCK, IOC_UNLOCK].contains(&cmd));
    Ret::Err(Errno::NOTTY)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 524_288;
    /// USER_PTR_MAX with 4-level paging: TASK_SIZE_MAX = 2^47 - 4096.
    const UMAX: u64 = (1 << 47) - 4096;
    const ENV: Env = Env {
        size: S,
        user_ptr_max: UMAX,
    };
    const KERNEL: u64 = 0xffff_8880_0000_0000;

    fn good(n: u64) -> UserBuf {
        UserBuf {
            addr: 0x7f00_0000_0000,
            readable: n,
            writable: n,
        }
    }
    fn ro(n: u64) -> UserBuf {
        UserBuf {
            writable: 0,
            ..good(n)
        }
    }
    fn null() -> UserBuf {
        UserBuf {
            addr: 0,
            readable: 0,
            writable: 0,
        }
    }
    fn kernel() -> UserBuf {
        UserBuf {
            addr: KERNEL,
            ..null()
        }
    }
    const BIG: u64 = 1 << 30;

    fn r(at: At, len: u64, buf: UserBuf) -> (Ret, Option<u64>) {
        let t = read(&ENV, at, len, &buf);
        (t.ret, t.new_pos)
    }
    fn w(at: At, len: u64, buf: UserBuf) -> (Ret, Option<u64>) {
        let t = write(&ENV, at, len, &buf);
        (t.ret, t.new_pos)
    }
    use Ret::{Err as E, Val as V};

    #[test]
    fn read_basic() {
        assert_eq!(r(At::Pos(0), 16, good(BIG)), (V(16), Some(16)));
        assert_eq!(r(At::Pos(100), 16, good(BIG)), (V(16), Some(116)));
        assert_eq!(r(At::Pos(S - 4), 16, good(BIG)), (V(4), Some(S)));
        assert_eq!(r(At::Pos(S), 16, good(BIG)), (V(0), Some(S)));
        assert_eq!(r(At::Pos(0), 0, good(BIG)), (V(0), Some(0)));
        assert_eq!(r(At::Pos(0), S + 100, good(BIG)), (V(S), Some(S)));
        // pread: same rules, position untouched.
        assert_eq!(r(At::Off(8), 16, good(BIG)), (V(16), None));
        assert_eq!(r(At::Off(S as i64), 16, good(BIG)), (V(0), None));
        assert_eq!(r(At::Off(S as i64 - 1), 16, good(BIG)), (V(1), None));
    }

    #[test]
    fn out_of_range_offsets() {
        let s = S as i64;
        assert_eq!(r(At::Off(s + 1), 16, good(BIG)).0, E(Errno::INVAL));
        assert_eq!(w(At::Off(s + 1), 16, good(BIG)).0, E(Errno::INVAL));
        // The offset is checked before the length.
        assert_eq!(r(At::Off(s + 1), 0, good(BIG)).0, E(Errno::INVAL));
        assert_eq!(w(At::Off(s + 1), 0, good(BIG)).0, E(Errno::INVAL));
        assert_eq!(r(At::Off(-1), 16, good(BIG)).0, E(Errno::INVAL));
        assert_eq!(
            w(At::Off(i64::MIN), 0, kernel()).0,
            E(Errno::INVAL),
            "before access_ok"
        );
        assert_eq!(r(At::Off(i64::MAX), 1, good(BIG)).0, E(Errno::INVAL));
        assert_eq!(r(At::Off(i64::MAX), 0, good(BIG)).0, E(Errno::INVAL));
        // A bad pointer is found (by the VFS) before a bad offset.
        assert_eq!(r(At::Off(s + 1), 16, kernel()).0, E(Errno::FAULT));
    }

    #[test]
    fn write_basic() {
        assert_eq!(w(At::Pos(0), 16, good(BIG)), (V(16), Some(16)));
        assert_eq!(w(At::Pos(S - 3), 16, good(BIG)), (V(3), Some(S)));
        assert_eq!(w(At::Pos(S), 16, good(BIG)).0, E(Errno::NOSPC));
        assert_eq!(
            w(At::Pos(S), 0, good(BIG)),
            (V(0), Some(S)),
            "0, not ENOSPC"
        );
        assert_eq!(w(At::Off(S as i64), 1, good(BIG)), (E(Errno::NOSPC), None));
        assert_eq!(w(At::Off(S as i64), 0, good(BIG)), (V(0), None));
        let t = write(&ENV, At::Off(0), S + 1, &good(BIG));
        assert_eq!((t.ret, t.attempted, t.moved), (V(S), S, S));
    }

    #[test]
    fn faults() {
        // Partial copies return the prefix and move the position by it.
        assert_eq!(r(At::Pos(0), 100, good(40)), (V(40), Some(40)));
        assert_eq!(w(At::Pos(8), 100, good(40)), (V(40), Some(48)));
        let t = write(&ENV, At::Off(64), 100, &good(40));
        assert_eq!((t.start, t.attempted, t.moved), (64, 100, 40));
        // Nothing accessible: EFAULT, position unchanged.
        assert_eq!(r(At::Pos(0), 100, null()), (E(Errno::FAULT), None));
        assert_eq!(w(At::Pos(0), 100, null()), (E(Errno::FAULT), None));
        let t = write(&ENV, At::Off(64), 100, &null());
        assert_eq!((t.ret, t.attempted, t.moved), (E(Errno::FAULT), 100, 0));
        // Reading into read-only memory faults; writing from it works.
        assert_eq!(r(At::Pos(0), 10, ro(4096)).0, E(Errno::FAULT));
        assert_eq!(w(At::Pos(0), 10, ro(4096)).0, V(10));
        // The driver never touches the buffer at the end or for len 0.
        assert_eq!(r(At::Pos(S), 10, null()).0, V(0));
        assert_eq!(w(At::Pos(S), 10, null()).0, E(Errno::NOSPC));
        assert_eq!(r(At::Pos(0), 0, null()).0, V(0));
        // But the VFS rejects a kernel pointer first, even for len 0.
        assert_eq!(r(At::Pos(S), 10, kernel()).0, E(Errno::FAULT));
        assert_eq!(r(At::Pos(0), 0, kernel()).0, E(Errno::FAULT));
        assert_eq!(w(At::Pos(S), 0, kernel()).0, E(Errno::FAULT));
    }

    #[test]
    fn huge_lengths() {
        let b = good(BIG);
        // buf + len past the user address space: EFAULT from access_ok.
        for len in [u64::MAX, 1 << 63, (1 << 63) - 1, 1 << 47, UMAX] {
            assert_eq!(r(At::Pos(0), len, b).0, E(Errno::FAULT), "{len:#x}");
            assert_eq!(w(At::Pos(0), len, b).0, E(Errno::FAULT), "{len:#x}");
        }
        // Within it: cut to MAX_RW_COUNT, then to the buffer, then at the fault.
        let low = UserBuf {
            addr: 0x10000,
            readable: 5000,
            writable: 5000,
        };
        for len in [MAX_RW_COUNT, MAX_RW_COUNT + 1, 1 << 32, 1 << 40] {
            let t = read(&ENV, At::Pos(S - 100), len, &low);
            assert_eq!((t.ret, t.attempted), (V(100), 100));
            let t = write(&ENV, At::Pos(0), len, &low);
            assert_eq!((t.ret, t.attempted, t.moved), (V(5000), S, 5000));
        }
        // access_ok boundary: the end may equal USER_PTR_MAX, not pass it.
        assert!(access_ok(UMAX - 10, 10, UMAX));
        assert!(!access_ok(UMAX - 10, 11, UMAX));
        assert!(!access_ok(u64::MAX - 3, 8, UMAX), "wrap");
        assert!(access_ok(0, 0, UMAX));
        assert!(!access_ok(KERNEL, 0, UMAX));
    }

    #[test]
    fn odd_and_tiny_sizes() {
        let env = Env {
            size: 13,
            user_ptr_max: UMAX,
        };
        let t = read(&env, At::Pos(5), 100, &good(BIG));
        assert_eq!((t.ret, t.new_pos), (V(8), Some(13)));
        let t = write(&env, At::Off(12), 100, &good(BIG));
        assert_eq!((t.ret, t.attempted), (V(1), 1));
        assert_eq!(write(&env, At::Off(13), 1, &good(BIG)).ret, E(Errno::NOSPC));
        assert_eq!(read(&env, At::Off(14), 1, &good(BIG)).ret, E(Errno::INVAL));
        assert_eq!(seek(&env, 0, 0, SEEK_END), V(13));
        assert_eq!(seek(&env, 0, -14, SEEK_END), E(Errno::INVAL));
        // FETCH_ADD reaches offset 0 only: 8 + 8 > 13.
        assert!(fetch_add(&env, &good(24), 0, true).applied);
        assert!(!fetch_add(&env, &good(24), 8, true).applied);
        let one = Env {
            size: 1,
            user_ptr_max: UMAX,
        };
        assert_eq!(read(&one, At::Pos(0), 8, &good(BIG)).ret, V(1));
        assert!(!fetch_add(&one, &good(24), 0, true).applied);
    }

    #[test]
    fn max_rw_count_cut_matters_for_big_buffers() {
        let env = Env {
            size: 1 << 40,
            user_ptr_max: UMAX,
        };
        let t = read(&env, At::Pos(0), 1 << 33, &good(1 << 35));
        assert_eq!(t.ret, V(MAX_RW_COUNT));
        assert_eq!(MAX_RW_COUNT, 0x7fff_f000);
    }

    #[test]
    fn lseek() {
        let s = S as i64;
        assert_eq!(seek(&ENV, 5, 0, SEEK_SET), V(0));
        assert_eq!(seek(&ENV, 5, s, SEEK_SET), V(S));
        assert_eq!(seek(&ENV, 5, s + 1, SEEK_SET), E(Errno::INVAL));
        assert_eq!(seek(&ENV, 5, -1, SEEK_SET), E(Errno::INVAL));
        assert_eq!(seek(&ENV, 5, 0, SEEK_CUR), V(5));
        assert_eq!(seek(&ENV, 5, -5, SEEK_CUR), V(0));
        assert_eq!(seek(&ENV, 5, -6, SEEK_CUR), E(Errno::INVAL));
        assert_eq!(seek(&ENV, 5, s - 5, SEEK_CUR), V(S));
        assert_eq!(seek(&ENV, 5, s - 4, SEEK_CUR), E(Errno::INVAL));
        assert_eq!(
            seek(&ENV, 5, i64::MAX, SEEK_CUR),
            E(Errno::INVAL),
            "overflow"
        );
        assert_eq!(seek(&ENV, 0, i64::MAX, SEEK_CUR), E(Errno::INVAL));
        assert_eq!(seek(&ENV, 5, 0, SEEK_END), V(S));
        assert_eq!(seek(&ENV, 5, -s, SEEK_END), V(0));
        assert_eq!(seek(&ENV, 5, -s - 1, SEEK_END), E(Errno::INVAL));
        assert_eq!(seek(&ENV, 5, 1, SEEK_END), E(Errno::INVAL));
        assert_eq!(
            seek(&ENV, 5, i64::MAX, SEEK_END),
            E(Errno::INVAL),
            "overflow"
        );
        assert_eq!(seek(&ENV, 5, i64::MIN, SEEK_END), E(Errno::INVAL));
        for whence in [SEEK_DATA, SEEK_HOLE, 5, 100, u32::MAX] {
            assert_eq!(seek(&ENV, 5, 0, whence), E(Errno::INVAL), "{whence}");
        }
    }

    #[test]
    fn size_ioctl() {
        assert_eq!(ioctl_size(&ENV, &good(8)), V(0));
        assert_eq!(ioctl_size(&ENV, &good(7)), E(Errno::FAULT));
        assert_eq!(ioctl_size(&ENV, &ro(4096)), E(Errno::FAULT));
        assert_eq!(ioctl_size(&ENV, &null()), E(Errno::FAULT));
        assert_eq!(ioctl_size(&ENV, &kernel()), E(Errno::FAULT));
    }

    #[test]
    fn fetch_add_cases() {
        let ok = |off| fetch_add(&ENV, &good(24), off, true);
        let exact = |ret, applied| FetchAdd {
            ret,
            or: None,
            applied,
        };
        assert_eq!(ok(0), exact(V(0), true));
        assert_eq!(ok(S - 8), exact(V(0), true));
        for bad in [4, S - 7, S - 4, S, S + 8, u64::MAX - 7, u64::MAX, 1 << 63] {
            assert_eq!(ok(bad), exact(E(Errno::INVAL), false), "{bad:#x}");
        }
        // Struct not fully readable: EFAULT before anything else.
        assert_eq!(
            fetch_add(&ENV, &good(23), 0, true),
            exact(E(Errno::FAULT), false)
        );
        assert_eq!(
            fetch_add(&ENV, &good(23), 4, true),
            exact(E(Errno::FAULT), false)
        );
        assert_eq!(
            fetch_add(&ENV, &kernel(), 0, false),
            exact(E(Errno::FAULT), false)
        );
        // Readable but `old` not writable: the add is done, then EFAULT.
        assert_eq!(
            fetch_add(&ENV, &ro(4096), 0, false),
            exact(E(Errno::FAULT), true)
        );
        // EINVAL wins over an unwritable `old`.
        assert_eq!(
            fetch_add(&ENV, &ro(4096), 3, false),
            exact(E(Errno::INVAL), false)
        );
        // `old` writable, input fields read-only: either answer, add done.
        let f = fetch_add(&ENV, &ro(4096), 0, true);
        assert!(
            f.applied
                && f.accepts(V(0))
                && f.accepts(E(Errno::FAULT))
                && !f.accepts(E(Errno::INVAL))
        );
        // A size that is not a multiple of 8: the trailing bytes are unreachable.
        let env = Env {
            size: 100,
            user_ptr_max: UMAX,
        };
        assert!(fetch_add(&env, &good(24), 88, true).applied);
        assert!(!fetch_add(&env, &good(24), 96, true).applied);
    }

    #[test]
    fn lock_and_other_ioctls() {
        assert_eq!(lock(false), V(0));
        assert_eq!(lock(true), E(Errno::DEADLK));
        assert_eq!(unlock(true), V(0));
        assert_eq!(unlock(false), E(Errno::PERM));
        // The known numbers are not VFS ones; the VFS ones are recognised.
        for cmd in [IOC_SIZE, IOC_FETCH_ADD, IOC_LOCK, IOC_UNLOCK] {
            assert!(!vfs_ioctl(cmd));
        }
        for cmd in [
            0x5451,
            0x5450,
            0x5421,
            0x5452,
            0x5460,
            0xc004_5877,
            0x8008_6601,
            0x4004_9409,
            2,
        ] {
            assert!(vfs_ioctl(cmd), "{cmd:#x}");
        }
        assert_eq!(ioctl_other(0xb505), E(Errno::NOTTY));
        assert_eq!(
            ioctl_other(0x4008_b501),
            E(Errno::NOTTY),
            "SIZE with the wrong direction"
        );
    }

    #[test]
    fn uapi_numbers_agree_with_the_library() {
        assert_eq!(u64::from(IOC_SIZE), u64::from(mymem::uapi::IOC_SIZE));
        assert_eq!(
            u64::from(IOC_FETCH_ADD),
            u64::from(mymem::uapi::IOC_FETCH_ADD)
        );
        assert_eq!(u64::from(IOC_LOCK), u64::from(mymem::uapi::IOC_LOCK));
        assert_eq!(u64::from(IOC_UNLOCK), u64::from(mymem::uapi::IOC_UNLOCK));
    }

    #[test]
    fn with_value_keeps_errors() {
        assert_eq!(V(0).with_value(7), V(7));
        assert_eq!(E(Errno::FAULT).with_value(7), E(Errno::FAULT));
    }

    #[test]
    fn display() {
        assert_eq!(V(3).to_string(), "3");
        assert_eq!(E(Errno::NOSPC).to_string(), "-ENOSPC");
        assert_eq!(E(Errno::from_raw_os_error(99)).to_string(), "-errno 99");
    }
}
