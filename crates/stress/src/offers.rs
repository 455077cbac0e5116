//! What a driver offers besides read/write/lseek, probed once per process: operations it
//! lacks are left out of the run (and named in a note), so a driver of read/write/llseek only
//! is checked on what it has.

use std::os::fd::AsRawFd;

use mymem::Device;
use rustix::pipe::SpliceFlags;

use super::oracle::{self, Ret};
use super::usermem::PAGE;

/// The optional interfaces a driver offers, probed once per process
/// (`Offers::probe`) without changing what the oracle tracks. The run
/// leaves out what a driver does not offer and says so in a note, so a
/// driver of read/write/llseek only is checked on what it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offers {
    /// MYMEM_IOC_SIZE (else `ENOTTY`).
    pub size: bool,
    /// MYMEM_IOC_FETCH_ADD (else `ENOTTY`).
    pub fetch_add: bool,
    /// MYMEM_IOC_LOCK/UNLOCK (else `ENOTTY`).
    pub lock: bool,
    /// mmap (else `ENODEV`: no `mmap` file operation).
    pub mmap: bool,
    /// fsync/fdatasync (else `EINVAL`: no `fsync` file operation).
    pub fsync: bool,
    /// splice and sendfile (else `EINVAL`: no `splice_read`/`splice_write`).
    pub splice: bool,
    /// pwritev2(RWF_APPEND) (else `EOPNOTSUPP`: no `write_iter`).
    pub rwf_append: bool,
}

impl Offers {
    /// Everything: the contract's full set.
    #[cfg(test)]
    pub const ALL: Offers = Offers {
        size: true,
        fetch_add: true,
        lock: true,
        mmap: true,
        fsync: true,
        splice: true,
        rwf_append: true,
    };

    /// Probes `dev` (`size` bytes): an ioctl that answers `ENOTTY`, an mmap
    /// that answers `ENODEV`, an fsync or splice that answers `EINVAL`, an
    /// RWF_APPEND write that answers `EOPNOTSUPP` is not offered. The
    /// probes change nothing: UNLOCK by a non-holder, FETCH_ADD at an
    /// unaligned offset, a splice from the end, a 1-byte append aimed at
    /// the last byte (which no worker owns; ENOSPC when offered).
    pub fn probe(dev: &Device, size: u64) -> Offers {
        use rustix::io::Errno as E;
        let fd = dev.as_raw_fd();
        let not = |r: Ret, e: E| r != Ret::Err(e);
        let mut v = [0u8; 24];
        // SAFETY: `v` is a local buffer larger than either argument.
        let size_ok = not(
            unsafe { rawsys::ioctl(fd, oracle::IOC_SIZE, v.as_mut_ptr() as u64) }.into(),
            E::NOTTY,
        );
        v[..8].copy_from_slice(&1u64.to_ne_bytes());
        // SAFETY: as above; offset 1 is refused (EINVAL) by a driver that has FETCH_ADD.
        let fetch_add = not(
            unsafe { rawsys::ioctl(fd, oracle::IOC_FETCH_ADD, v.as_mut_ptr() as u64) }.into(),
            E::NOTTY,
        );
        // SAFETY: a NULL argument: the kernel writes nothing.
        let lock = not(
            unsafe { rawsys::ioctl(fd, oracle::IOC_UNLOCK, 0) }.into(),
            E::NOTTY,
        );
        let mmap = match dev.map_shared(PAGE as usize, 0) {
            Err(e) => e.raw_os_error() != Some(E::NODEV.raw_os_error()),
            Ok(_unmapped_on_drop) => true,
        };
        let fsync = rustix::fs::fsync(dev) != Err(E::INVAL);
        let splice = rustix::pipe::pipe()
            .map(|(_r, w)| {
                let mut off = size;
                rustix::pipe::splice(dev, Some(&mut off), &w, None, 1, SpliceFlags::empty())
                    != Err(E::INVAL)
            })
            .unwrap_or(true);
        let rwf_append = rustix::io::pwritev2(
            dev,
            &[std::io::IoSlice::new(&[0])],
            size.saturating_sub(1),
            rustix::io::ReadWriteFlags::APPEND,
        ) != Err(E::OPNOTSUPP);
        Offers {
            size: size_ok,
            fetch_add,
            lock,
            mmap,
            fsync,
            splice,
            rwf_append,
        }
    }

    /// What is missing, for the note: e.g. `["FETCH_ADD (ENOTTY)", "mmap (ENODEV)"]`.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            (
                self.size,
                "MYMEM_IOC_SIZE (ENOTTY; size from lseek SEEK_END)",
            ),
            (self.fetch_add, "MYMEM_IOC_FETCH_ADD (ENOTTY)"),
            (
                self.lock,
                "MYMEM_IOC_LOCK/UNLOCK (ENOTTY; no lock-kill phase)",
            ),
            (self.mmap, "mmap (ENODEV)"),
            (self.fsync, "fsync (EINVAL)"),
            (self.splice, "splice/sendfile (EINVAL)"),
            (self.rwf_append, "pwritev2 RWF_APPEND (EOPNOTSUPP)"),
        ]
        .into_iter()
        .filter(|(has, _)| !has)
        .map(|(_, what)| what)
        .collect()
    }
}
