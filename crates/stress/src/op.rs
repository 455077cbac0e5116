//! The operations a worker generates and runs: the leaf both `gen` (which makes them) and
//! `worker`/`fileops` (which run and check them) depend on.

use super::layout::Layout;
use super::offers::Offers;
use super::oracle::At;
use super::usermem::{Geometry, Ptr};

/// What the user bytes of a write hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    Random,
    /// Valid words (`layout::make_word`), for the words area.
    Words,
    /// The whole lock area with this stamp.
    LockPattern(u64),
}

/// One operation on the thread's open file of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read {
        at: At,
        len: u64,
        buf: Ptr,
    },
    Write {
        at: At,
        len: u64,
        buf: Ptr,
        data: Data,
    },
    Seek {
        off: i64,
        whence: u32,
    },
    Size {
        arg: Ptr,
    },
    FetchAdd {
        arg: Ptr,
        offset: u64,
        delta: u64,
    },
    Lock {
        arg: u64,
    },
    Unlock {
        arg: u64,
    },
    /// Any command number that reaches the driver but is not one of its four.
    OtherIoctl {
        cmd: u32,
        arg: u64,
    },
    /// fsync, O_APPEND, non-blocking LOCK, splice, mmap (see `fileops`).
    File(FileOp),
}

/// The lock as the generating thread sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockView {
    /// This file holds the device lock.
    Held,
    /// The thread holds no lock at all: LOCK may be tried.
    Free,
    /// The thread holds another device's lock: no LOCK here (it could wait
    /// for a thread that waits for ours).
    Elsewhere,
}

/// What the generator knows.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub layout: &'a Layout,
    pub geo: Geometry,
    pub worker: u32,
    /// The file position.
    pub pos: u64,
    pub lock: LockView,
    /// What the driver offers: operations it lacks are never generated.
    pub offers: Offers,
}

/// How an append is attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendVia {
    /// write(2) on the O_APPEND file, its position first set to `off`.
    Write,
    /// pwrite(2) at `off` on the O_APPEND file.
    Pwrite,
    /// pwritev2(RWF_APPEND) at `off` on the worker's ordinary file.
    RwfAppend,
}

/// Which way data go through the pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpliceDir {
    /// splice(device at `off` -> pipe).
    ToPipe,
    /// sendfile(pipe <- device at `off`).
    Sendfile,
    /// splice(pipe -> device at `off`), after writing the data into the pipe.
    FromPipe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOp {
    /// fsync(2), or fdatasync(2): 0.
    Sync { data_only: bool },
    /// An append of `len` bytes aimed at `off` in the own region: ENOSPC
    /// (0 for `len == 0`), nothing written, no position moved.
    Append { off: u64, len: u64, via: AppendVia },
    /// MYMEM_IOC_LOCK with O_NONBLOCK: on the worker's own file (the flag
    /// set for the call), or on its second, non-blocking file.
    TryLock { own_file: bool },
    /// `len` bytes at `off` (in the own region, or `size`) through the pipe.
    Splice { off: u64, len: u64, dir: SpliceDir },
    /// Copies out of the own region (or counter) through the mapping.
    MapLoad { off: u64, len: u64 },
    /// Stores into the own region through the mapping.
    MapStore { off: u64, len: u64 },
    /// An atomic fetch-add on the own counter through the mapping.
    MapFetchAdd { delta: u64 },
    /// mmap(MAP_SHARED) of `len` bytes at `off`, then munmap.
    Map { off: u64, len: u64 },
}
