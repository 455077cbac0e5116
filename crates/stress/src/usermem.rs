//! The user memory a stress thread points its syscalls at: readable and
//! writable pages, read-only pages, an inaccessible page, and addresses that
//! are not user memory at all.
//!
//! ```text
//! base: [RO head page][RW pages (rw_len)][RO tail page][PROT_NONE page]
//! ```
//!
//! Copies that run off the end of the RW pages continue into the RO tail
//! when the kernel reads (a write syscall) and fault there when it writes (a
//! read syscall); both stop at the PROT_NONE page. The RO tail holds valid
//! words (see `layout::make_word`), so writes of whole words stay valid.

use std::io;

use rawsys::{page_size, Access, Mapping};

use super::layout::make_word;
use super::oracle::UserBuf;

pub const PAGE: u64 = 4096;

/// Where a syscall's pointer argument points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ptr {
    /// `n` bytes into the RW pages.
    Rw(u64),
    /// Into the RO page before them.
    RoHead(u64),
    /// Into the RO page after them.
    RoTail(u64),
    /// Into the PROT_NONE page.
    NoAccess(u64),
    /// A low address that is never mapped (below `mmap_min_addr`), or NULL.
    Unmapped(u64),
    /// Above user space: the kernel half, non-canonical addresses.
    Kernel(u64),
}

/// Addresses the kernel must refuse as user pointers, whatever the paging mode.
pub const KERNEL_ADDRS: [u64; 7] = [
    0xffff_8880_0000_0000,
    0xffff_ffff_8100_0000,
    0xffff_ffff_ffff_f000,
    0xffff_ffff_ffff_fff8,
    0x8000_0000_0000_0000,
    0xdead_beef_0000_0000,
    1 << 57,
];

/// The addresses of an arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub base: u64,
    /// Length of the RW pages (a multiple of the page size).
    pub rw_len: u64,
}

impl Geometry {
    pub fn rw_start(&self) -> u64 {
        self.base + PAGE
    }
    fn tail_start(&self) -> u64 {
        self.rw_start() + self.rw_len
    }
    fn none_start(&self) -> u64 {
        self.tail_start() + PAGE
    }

    pub fn addr(&self, p: Ptr) -> u64 {
        match p {
            Ptr::Rw(n) => self.rw_start() + n,
            Ptr::RoHead(n) => self.base + n,
            Ptr::RoTail(n) => self.tail_start() + n,
            Ptr::NoAccess(n) => self.none_start() + n,
            Ptr::Unmapped(a) | Ptr::Kernel(a) => a,
        }
    }

    /// Bytes the kernel can read and write from `addr` on before a fault.
    pub fn access(&self, addr: u64) -> (u64, u64) {
        if addr < self.base || addr >= self.none_start() {
            (0, 0)
        } else if (self.rw_start()..self.tail_start()).contains(&addr) {
            (self.none_start() - addr, self.tail_start() - addr)
        } else {
            (self.none_start() - addr, 0)
        }
    }

    pub fn user_buf(&self, p: Ptr) -> UserBuf {
        let addr = self.addr(p);
        let (readable, writable) = self.access(addr);
        UserBuf {
            addr,
            readable,
            writable,
        }
    }
}

/// A mapped arena, private to one thread.
pub struct Arena {
    map: Mapping,
    geo: Geometry,
}

/// Pages of the arena, in order.
const HEAD: usize = 0;

impl Arena {
    /// Maps an arena with `rw_len` (rounded up to pages) RW bytes.
    pub fn new(rw_len: u64) -> io::Result<Arena> {
        assert_eq!(page_size() as u64, PAGE, "the geometry assumes 4 KiB pages");
        let rw_len = rw_len.div_ceil(PAGE).max(1) * PAGE;
        let rw_pages = (rw_len / PAGE) as usize;
        let (tail, none) = (1 + rw_pages, 2 + rw_pages);
        let mut map = Mapping::with_access(&vec![Access::ReadWrite; none + 1])?;
        for (i, w) in map.page_mut(tail).chunks_exact_mut(8).enumerate() {
            w.copy_from_slice(&make_word(0x7a11_0000 ^ i as u32).to_ne_bytes());
        }
        map.protect(HEAD, Access::ReadOnly)?;
        map.protect(tail, Access::ReadOnly)?;
        map.protect(none, Access::None)?;
        let geo = Geometry {
            base: map.ptr(0) as u64,
            rw_len,
        };
        Ok(Arena { map, geo })
    }

    pub fn geometry(&self) -> Geometry {
        self.geo
    }

    /// The RW bytes `[off, off + len)`, clamped to the RW pages.
    pub fn rw_mut(&mut self, off: u64, len: u64) -> &mut [u8] {
        let off = off.min(self.geo.rw_len);
        let len = len.min(self.geo.rw_len - off);
        // SAFETY: in bounds of the RW pages; `&mut self` makes it unique, and
        // no syscall runs on this arena while the slice lives (single thread).
        unsafe {
            std::slice::from_raw_parts_mut((self.geo.rw_start() + off) as *mut u8, len as usize)
        }
    }

    /// A copy of `len` bytes at `addr`, if they are all readable.
    pub fn peek(&self, addr: u64, len: u64) -> Option<Vec<u8>> {
        if self.geo.access(addr).0 < len {
            return None;
        }
        // SAFETY: readable as checked; copied out at once.
        Some(unsafe { std::slice::from_raw_parts(addr as *const u8, len as usize) }.to_vec())
    }

    /// Stores `bytes` at `addr` where the arena lets this process: in the RW
    /// pages directly, in the RO head page by unprotecting it for the store.
    /// Bytes in the RO tail or outside the arena are left as they are.
    pub fn poke(&mut self, addr: u64, bytes: &[u8]) -> io::Result<()> {
        let g = self.geo;
        let mut head = false;
        for (i, &b) in bytes.iter().enumerate() {
            let a = addr.wrapping_add(i as u64);
            if (g.base..g.rw_start()).contains(&a) {
                if !head {
                    self.map.protect(HEAD, Access::ReadWrite)?;
                    head = true;
                }
            } else if !(g.rw_start()..g.tail_start()).contains(&a) {
                continue;
            }
            // SAFETY: `a` is in the RW pages or the (now writable) head page.
            unsafe { (a as *mut u8).write(b) };
        }
        if head {
            self.map.protect(HEAD, Access::ReadOnly)?;
        }
        Ok(())
    }
}

/// The largest address the kernel's `access_ok` accepts (`USER_PTR_MAX`),
/// found without touching any memory: write(2) to /dev/null checks
/// `access_ok(NULL, len)` (that is, `len <= USER_PTR_MAX`) and copies nothing.
pub fn probe_user_ptr_max() -> std::io::Result<u64> {
    let null = std::fs::File::options().write(true).open("/dev/null")?;
    let ok = |len: u64| rawsys::write(&null, 0u64, len).is_ok();
    if !ok(1 << 20) {
        return Err(std::io::Error::other(
            "write(/dev/null, NULL, 1 MiB) failed",
        ));
    }
    // Invariant: ok(lo), !ok(hi).
    let (mut lo, mut hi) = (1u64 << 20, u64::MAX);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: Geometry = Geometry {
        base: 0x10_0000,
        rw_len: 2 * PAGE,
    };

    #[test]
    fn access_by_class() {
        let rw = G.user_buf(Ptr::Rw(0));
        assert_eq!((rw.readable, rw.writable), (3 * PAGE, 2 * PAGE));
        let near = G.user_buf(Ptr::Rw(2 * PAGE - 5));
        assert_eq!((near.readable, near.writable), (PAGE + 5, 5));
        let head = G.user_buf(Ptr::RoHead(PAGE - 16));
        assert_eq!((head.readable, head.writable), (16 + 3 * PAGE, 0));
        let tail = G.user_buf(Ptr::RoTail(100));
        assert_eq!((tail.readable, tail.writable), (PAGE - 100, 0));
        for p in [
            Ptr::NoAccess(0),
            Ptr::NoAccess(PAGE - 1),
            Ptr::Unmapped(0),
            Ptr::Unmapped(0xff8),
            Ptr::Kernel(KERNEL_ADDRS[0]),
        ] {
            let b = G.user_buf(p);
            assert_eq!((b.readable, b.writable), (0, 0), "{p:?}");
        }
        // The `old` field of a struct in the last bytes of the head page.
        assert_eq!(G.access(G.addr(Ptr::RoHead(PAGE - 16)) + 16).1, 2 * PAGE);
    }

    #[test]
    fn kernel_addresses_fail_access_ok_in_both_paging_modes() {
        for a in KERNEL_ADDRS {
            for max in [(1u64 << 47) - 4096, (1 << 56) - 4096] {
                assert!(!super::super::oracle::access_ok(a, 0, max), "{a:#x}");
            }
        }
    }

    #[test]
    fn arena_protections_are_real() {
        use rawsys::Errno;
        let mut a = Arena::new(PAGE).unwrap();
        let g = a.geometry();
        let zero = std::fs::File::open("/dev/zero").unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&zero);
        // Reading /dev/zero writes user memory: RW ok, stops at the RO tail.
        // SAFETY: no reference into the arena is alive during the calls.
        unsafe {
            assert_eq!(rawsys::read(fd, g.addr(Ptr::Rw(PAGE - 8)), 64u64), Ok(8));
            assert_eq!(
                rawsys::read(fd, g.addr(Ptr::RoTail(0)), 8u64),
                Err(Errno::FAULT)
            );
            assert_eq!(
                rawsys::read(fd, g.addr(Ptr::RoHead(0)), 8u64),
                Err(Errno::FAULT)
            );
        }
        // A tmpfs file reads user memory and keeps a partial write's prefix.
        let path = std::env::temp_dir().join(format!("mymem-arena-{}", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let wfd = std::os::fd::AsRawFd::as_raw_fd(&file);
        assert_eq!(rawsys::write(wfd, g.addr(Ptr::RoTail(PAGE - 8)), 64), Ok(8));
        assert_eq!(
            rawsys::write(wfd, g.addr(Ptr::NoAccess(0)), 8),
            Err(Errno::FAULT)
        );
        // poke writes the head page through a temporary unprotect.
        a.poke(g.addr(Ptr::RoHead(PAGE - 4)), &[1, 2, 3, 4, 5, 6, 7, 8])
            .unwrap();
        assert_eq!(
            a.peek(g.addr(Ptr::RoHead(PAGE - 4)), 8).unwrap(),
            [1, 2, 3, 4, 5, 6, 7, 8]
        );
        // SAFETY: as above.
        let still_ro = unsafe { rawsys::read(fd, g.addr(Ptr::RoHead(0)), 8u64) };
        assert_eq!(still_ro, Err(Errno::FAULT), "still RO");
        assert!(a.peek(g.addr(Ptr::NoAccess(0)), 1).is_none());
        a.rw_mut(0, 4).copy_from_slice(&[9; 4]);
        assert_eq!(a.peek(g.addr(Ptr::Rw(0)), 4).unwrap(), [9; 4]);
    }

    #[test]
    fn user_ptr_max_is_the_top_of_user_space() {
        let max = probe_user_ptr_max().unwrap();
        // 4-level paging: 2^47 - 4096; 5-level: 2^56 - 4096.
        assert!(
            max == (1 << 47) - 4096 || max == (1 << 56) - 4096,
            "{max:#x}"
        );
    }
}
