//! Operations on the file interfaces beyond read/write/ioctl: fsync,
//! O_APPEND writes, non-blocking LOCK, splice/sendfile through a pipe and
//! the buffer mapped shared (docs/device.md).
//!
//! Every one is exact for the oracle: data move only through the worker's
//! own region and counter, which no other worker changes, so a store
//! through the mapping (which does not take the driver's data mutex) is
//! never concurrent with a read(2) or write(2) of the same bytes that the
//! oracle checks. Appends aim at the own region too, so an append that
//! wrongly lands at the file position is caught by the shadow.

use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::Ordering;

use rustix::fs::OFlags;
use rustix::io::ReadWriteFlags;
use rustix::pipe::SpliceFlags;

use super::op::{AppendVia, FileOp, Op, SpliceDir};
use super::oracle::{self, Errno, Ret, SEEK_CUR, SEEK_SET};
use super::report::Kind;
use super::usermem::PAGE;
use super::worker::{check_content, Worker};

/// The result mmap of `len` bytes at `off` must give: the mapping must lie
/// within the buffer's pages (the VFS refuses a length of 0 and an offset
/// that is not page-aligned).
pub fn map_result(size: u64, off: u64, len: u64) -> Ret {
    let end = size.div_ceil(PAGE) * PAGE;
    let len_pages = len.div_ceil(PAGE) * PAGE;
    if len == 0 || !off.is_multiple_of(PAGE) || off >= end || len_pages > end - off {
        Ret::Err(Errno::INVAL)
    } else {
        Ret::Val(0)
    }
}

fn ret<T: Into<u64>>(r: rustix::io::Result<T>) -> Ret {
    match r {
        Ok(v) => Ret::Val(v.into()),
        Err(e) => Ret::Err(e),
    }
}

fn ret_usize(r: rustix::io::Result<usize>) -> Ret {
    ret(r.map(|v| v as u64))
}

impl Worker<'_> {
    /// Runs one file operation and checks it; false if it deviated.
    pub(super) fn file_op(&mut self, d: usize, f: FileOp) -> bool {
        let op = Op::File(f);
        match f {
            FileOp::Sync { data_only } => {
                let fd = self.devs[d].file.as_fd();
                let got = ret(if data_only {
                    rustix::fs::fdatasync(fd).map(|()| 0u64)
                } else {
                    rustix::fs::fsync(fd).map(|()| 0u64)
                });
                self.check_simple(d, Kind::Fsync, op, Ret::Val(0), got)
            }
            FileOp::Append { off, len, via } => self.append(d, op, off, len, via),
            FileOp::TryLock { own_file } => self.try_lock(d, op, own_file),
            FileOp::Splice { off, len, dir } => self.splice(d, op, off, len, dir),
            FileOp::MapLoad { off, len } => {
                let mut buf = vec![0u8; len as usize];
                self.handles[d].mapping().load(off as usize, &mut buf);
                self.log.tally.add(Kind::MmapAccess, Ret::Val(len), false);
                if let Some(msg) = check_content(&self.devs[d], self.worker, off, &buf) {
                    self.deviate(d, "mmap load", op, "bytes as written".into(), msg);
                    self.resync(d);
                    return false;
                }
                true
            }
            FileOp::MapStore { off, len } => {
                let mut buf = vec![0u8; len as usize];
                self.rng.fill(&mut buf);
                self.handles[d].mapping().store(off as usize, &buf);
                self.log.tally.add(Kind::MmapAccess, Ret::Val(len), false);
                let dev = &mut self.devs[d];
                let i = (off - dev.layout.region(self.worker).start) as usize;
                dev.own[i..i + buf.len()].copy_from_slice(&buf);
                true
            }
            FileOp::MapFetchAdd { delta } => {
                let c = self.devs[d].layout.counter(self.worker) as usize;
                let old = self.handles[d]
                    .mapping()
                    .atomic_u64(c)
                    .fetch_add(delta, Ordering::SeqCst);
                self.log.tally.add(Kind::MmapAccess, Ret::Val(8), false);
                let dev = &mut self.devs[d];
                let want = dev.counter;
                dev.counter = want.wrapping_add(delta);
                if old != want {
                    self.deviate(
                        d,
                        "mmap fetch_add",
                        op,
                        format!("old = {want:#x}"),
                        format!("old = {old:#x}"),
                    );
                    self.resync(d);
                    return false;
                }
                true
            }
            FileOp::Map { off, len } => {
                let want = map_result(self.devs[d].env.size, off, len);
                let got = match self.devs[d].file.map_shared(len as usize, off) {
                    Ok(_unmapped_on_drop) => Ret::Val(0),
                    Err(e) => Ret::Err(Errno::from_io_error(&e).unwrap_or(Errno::IO)),
                };
                self.check_simple(d, Kind::Mmap, op, want, got)
            }
        }
    }

    fn append(&mut self, d: usize, op: Op, off: u64, len: u64, via: AppendVia) -> bool {
        let mut data = vec![0u8; len as usize];
        self.rng.fill(&mut data);
        let want = if len == 0 {
            Ret::Val(0)
        } else {
            Ret::Err(Errno::NOSPC)
        };
        let h = &self.handles[d];
        let dev = &self.devs[d];
        // Where the file position must still be afterwards, and of which file.
        let (got, pos_fd, pos_want) = match via {
            AppendVia::Write => {
                if rawsys::lseek(h.append.as_raw_fd(), off as i64, SEEK_SET) != Ok(off) {
                    self.log.skipped += 1;
                    return false;
                }
                let got = ret_usize(rustix::io::write(&h.append, &data));
                (got, h.append.as_raw_fd(), off)
            }
            AppendVia::Pwrite => {
                let pos = rawsys::lseek(h.append.as_raw_fd(), 0, SEEK_CUR).unwrap_or(0);
                let got = ret_usize(rustix::io::pwrite(&h.append, &data, off));
                (got, h.append.as_raw_fd(), pos)
            }
            AppendVia::RwfAppend => {
                let got = ret_usize(rustix::io::pwritev2(
                    dev.file.as_fd(),
                    &[std::io::IoSlice::new(&data)],
                    off,
                    ReadWriteFlags::APPEND,
                ));
                (got, dev.fd(), dev.pos)
            }
        };
        if !self.check_simple(d, Kind::AppendWrite, op, want, got) {
            return false;
        }
        let pos = rawsys::lseek(pos_fd, 0, SEEK_CUR);
        if pos != Ok(pos_want) {
            self.deviate(
                d,
                "append_write",
                op,
                format!("position unchanged at {pos_want}"),
                format!("position {pos:?}"),
            );
            self.resync(d);
            return false;
        }
        self.verify_span(d, op, "append_write", off, len)
    }

    /// Re-reads `len` bytes of the own region at `off`: they must still be
    /// what the shadow says.
    fn verify_span(&mut self, d: usize, op: Op, what: &str, off: u64, len: u64) -> bool {
        if len == 0 {
            return true;
        }
        let dev = &self.devs[d];
        let mut now = vec![0u8; len as usize];
        let r = dev.file.read_exact_at(&mut now, off);
        self.log.tally.add(Kind::Verify, Ret::Val(0), false);
        let msg = match r {
            Err(e) => Some(format!("pread failed: {e}")),
            Ok(()) => check_content(dev, self.worker, off, &now),
        };
        if let Some(msg) = msg {
            self.deviate(d, what, op, "nothing written".into(), msg);
            self.resync(d);
            return false;
        }
        true
    }

    fn try_lock(&mut self, d: usize, op: Op, own_file: bool) -> bool {
        let held = self.devs[d].hold.is_some();
        let fd = if own_file {
            self.devs[d].fd()
        } else {
            self.handles[d].nonblock.as_raw_fd()
        };
        // The ordinary file is made non-blocking for this one call.
        let restore = if own_file {
            let file = self.devs[d].file.as_fd();
            match rustix::fs::fcntl_getfl(file) {
                Ok(flags) if rustix::fs::fcntl_setfl(file, flags | OFlags::NONBLOCK).is_ok() => {
                    Some(flags)
                }
                _ => {
                    self.log.skipped += 1;
                    return false;
                }
            }
        } else {
            None
        };
        // A LOCK that sleeps despite O_NONBLOCK is interrupted, not waited for.
        self.watch.begin(self.slot);
        // SAFETY: a NULL argument: the kernel writes nothing.
        let got = Ret::from(unsafe { rawsys::ioctl(fd, oracle::IOC_LOCK, 0) });
        let woken = self.watch.end(self.slot);
        if let Some(flags) = restore {
            let _ = rustix::fs::fcntl_setfl(self.devs[d].file.as_fd(), flags);
        }
        self.log.tally.add(Kind::TryLock, got, false);
        // Held by this worker's ordinary file: that file gets EDEADLK, any
        // other EAGAIN. Otherwise another worker may hold it or not.
        let (want, either) = match (held, own_file) {
            (true, true) => (Ret::Err(Errno::DEADLK), None),
            (true, false) => (Ret::Err(Errno::AGAIN), None),
            (false, _) => (Ret::Val(0), Some(Ret::Err(Errno::AGAIN))),
        };
        if woken || (got != want && Some(got) != either) {
            let expected = match either {
                Some(e) => format!("{want} or {e}, at once"),
                None => format!("{want}, at once"),
            };
            let got = if woken {
                format!(
                    "slept {} s; woken by SIGUSR1: {got}",
                    self.watch.patience.as_secs()
                )
            } else {
                got.to_string()
            };
            self.deviate(d, "ioctl_trylock", op, expected, got);
            if !own_file {
                // SAFETY: a NULL argument: the kernel writes nothing.
                let _ = unsafe { rawsys::ioctl(fd, oracle::IOC_UNLOCK, 0) };
            } else if !held {
                self.forget_lock(d);
            }
            return false;
        }
        if got != Ret::Val(0) || held {
            return true;
        }
        if own_file {
            return self.took_lock(d, op);
        }
        // SAFETY: a NULL argument: the kernel writes nothing.
        let got = Ret::from(unsafe { rawsys::ioctl(fd, oracle::IOC_UNLOCK, 0) });
        self.check_simple(d, Kind::IoctlUnlock, op, Ret::Val(0), got)
    }

    fn splice(&mut self, d: usize, op: Op, off: u64, len: u64, dir: SpliceDir) -> bool {
        let size = self.devs[d].env.size;
        let h = &self.handles[d];
        let dev = &self.devs[d];
        let mut at = off;
        let mut data = Vec::new();
        let (want, got) = match dir {
            SpliceDir::ToPipe | SpliceDir::Sendfile => {
                let want = Ret::Val(len.min(size - off));
                let got = if dir == SpliceDir::ToPipe {
                    rustix::pipe::splice(
                        dev.file.as_fd(),
                        Some(&mut at),
                        &h.pipe_w,
                        None,
                        len as usize,
                        SpliceFlags::empty(),
                    )
                } else {
                    rustix::fs::sendfile(&h.pipe_w, dev.file.as_fd(), Some(&mut at), len as usize)
                };
                (want, ret_usize(got))
            }
            SpliceDir::FromPipe => {
                data = vec![0u8; len as usize];
                self.rng.fill(&mut data);
                if rustix::io::write(&h.pipe_w, &data) != Ok(data.len()) {
                    self.log.skipped += 1;
                    self.drain_pipe(d);
                    return false;
                }
                let want = if off == size {
                    Ret::Err(Errno::NOSPC)
                } else {
                    Ret::Val(len)
                };
                let got = rustix::pipe::splice(
                    &h.pipe_r,
                    None,
                    dev.file.as_fd(),
                    Some(&mut at),
                    len as usize,
                    SpliceFlags::empty(),
                );
                (want, ret_usize(got))
            }
        };
        self.log.tally.add(Kind::Splice, got, false);
        if got != want {
            self.deviate(d, "splice", op, want.to_string(), got.to_string());
            self.drain_pipe(d);
            self.resync(d);
            return false;
        }
        let Ret::Val(n) = got else {
            self.drain_pipe(d);
            return true;
        };
        if at != off + n {
            self.deviate(
                d,
                "splice",
                op,
                format!("offset advanced to {}", off + n),
                format!("offset {at}"),
            );
            self.drain_pipe(d);
            return false;
        }
        if dir == SpliceDir::FromPipe {
            let dev = &mut self.devs[d];
            let i = (off - dev.layout.region(self.worker).start) as usize;
            dev.own[i..i + data.len()].copy_from_slice(&data);
            return true;
        }
        let mut out = vec![0u8; n as usize];
        let r = rustix::io::read(&self.handles[d].pipe_r, &mut out);
        let msg = match r {
            Ok(k) if k as u64 == n => check_content(&self.devs[d], self.worker, off, &out),
            other => Some(format!("the pipe gave {other:?}, not {n} bytes")),
        };
        if let Some(msg) = msg {
            self.deviate(d, "splice", op, "bytes as written".into(), msg);
            self.drain_pipe(d);
            self.resync(d);
            return false;
        }
        true
    }

    /// Empties the pipe (non-blocking) after a failed or unexpected splice.
    fn drain_pipe(&mut self, d: usize) {
        let mut buf = [0u8; 4096];
        while matches!(rustix::io::read(&self.handles[d].pipe_r, &mut buf), Ok(n) if n > 0) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_results() {
        let size = 524_288;
        assert_eq!(map_result(size, 0, size), Ret::Val(0));
        assert_eq!(map_result(size, 0, 1), Ret::Val(0));
        assert_eq!(map_result(size, size - PAGE, PAGE), Ret::Val(0));
        assert_eq!(
            map_result(size, size - PAGE, PAGE + 1),
            Ret::Err(Errno::INVAL)
        );
        assert_eq!(map_result(size, size, PAGE), Ret::Err(Errno::INVAL));
        assert_eq!(map_result(size, 0, 0), Ret::Err(Errno::INVAL));
        assert_eq!(map_result(size, 1, PAGE), Ret::Err(Errno::INVAL));
        // The last page of an unaligned size maps whole.
        assert_eq!(map_result(PAGE + 1, PAGE, PAGE), Ret::Val(0));
        assert_eq!(map_result(PAGE + 1, 0, 3 * PAGE), Ret::Err(Errno::INVAL));
    }
}
