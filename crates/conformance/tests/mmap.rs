//! mmap of the buffer: MAP_SHARED maps the buffer itself (stores through it
//! are seen by read(2) and the reverse), MAP_PRIVATE is copy-on-write, ranges
//! outside the buffer's pages are EINVAL, and a mapping keeps the module
//! loaded after its file is closed.

use std::ffi::c_void;
use std::os::fd::AsFd;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use conformance::mapping::page_size;
use conformance::module::{is_loaded, load, rmmod, unload, RestoreDefault};
use conformance::{
    assert_errno, open_retry, random_bytes, read_region, setup, write_region, Errno,
};
use rustix::fs::{Mode, OFlags};
use rustix::mm::{MapFlags, ProtFlags};

/// A mapping of a device file, unmapped on drop.
struct DevMap {
    base: *mut u8,
    len: usize,
}

impl DevMap {
    fn new(
        fd: impl AsFd,
        len: usize,
        offset: u64,
        prot: ProtFlags,
        flags: MapFlags,
    ) -> std::io::Result<DevMap> {
        // SAFETY: a new mapping at an address the kernel chooses; no existing
        // memory is affected.
        let base = unsafe { rustix::mm::mmap(ptr::null_mut(), len, prot, flags, fd, offset) }?;
        Ok(DevMap {
            base: base.cast(),
            len,
        })
    }

    /// A read-write shared mapping.
    fn shared(fd: impl AsFd, len: usize, offset: u64) -> std::io::Result<DevMap> {
        Self::new(
            fd,
            len,
            offset,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::SHARED,
        )
    }

    /// Copies `len` bytes at `off` out of the mapping.
    fn load(&self, off: usize, len: usize) -> Vec<u8> {
        assert!(off + len <= self.len);
        let mut v = vec![0u8; len];
        // SAFETY: in bounds of our mapping, which is readable; the kernel may
        // change the bytes, which a byte copy tolerates.
        unsafe { ptr::copy_nonoverlapping(self.base.add(off), v.as_mut_ptr(), len) };
        v
    }

    /// Stores `data` at `off` through the mapping.
    fn store(&self, off: usize, data: &[u8]) {
        assert!(off + data.len() <= self.len);
        // SAFETY: in bounds of our writable mapping; no Rust reference to
        // these bytes exists.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr(), self.base.add(off), data.len()) };
    }

    /// The naturally aligned u64 at `off`, as an atomic.
    fn word(&self, off: usize) -> &AtomicU64 {
        assert!(off.is_multiple_of(8) && off + 8 <= self.len);
        // SAFETY: aligned (page-aligned base), in bounds, and only ever
        // accessed atomically by this process while the borrow lives.
        unsafe { AtomicU64::from_ptr(self.base.add(off).cast()) }
    }
}

impl Drop for DevMap {
    fn drop(&mut self) {
        // SAFETY: we own the mapping and no borrow outlives `self`.
        let _ = unsafe { rustix::mm::munmap(self.base.cast::<c_void>(), self.len) };
    }
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn shared_mapping_is_the_buffer() {
    let cx = setup();
    let size = cx.size() as usize;
    let dev = cx.open();
    let map = DevMap::shared(&dev, size, 0).expect("mmap MAP_SHARED of the whole buffer");

    // write(2) -> mapping, at the start, in the middle and at the end.
    for off in [0, 4095, size / 2, size - 64] {
        let data = random_bytes(64);
        write_region(&dev, off as u64, &data);
        assert_eq!(
            map.load(off, 64),
            data,
            "pwrite at {off} not seen in the mapping"
        );
    }
    // mapping -> read(2).
    for off in [0, 100, size / 2 + 1, size - 64] {
        let data = random_bytes(64);
        map.store(off, &data);
        assert_eq!(
            read_region(&dev, off as u64, 64),
            data,
            "store at {off} not seen by pread"
        );
    }
    // Another file's mapping sees the same bytes.
    let other = cx.open();
    let map2 = DevMap::shared(&other, size, 0).expect("second mapping");
    let data = random_bytes(4096);
    map.store(8192, &data);
    assert_eq!(map2.load(8192, 4096), data, "second mapping differs");

    // FETCH_ADD and atomics in the mapping act on the same u64.
    map.word(64).store(41, Ordering::SeqCst);
    assert_eq!(dev.fetch_add(64, 1).unwrap(), 41, "FETCH_ADD old value");
    assert_eq!(
        map.word(64).load(Ordering::SeqCst),
        42,
        "FETCH_ADD result in the mapping"
    );

    // The mapping outlives the descriptor it was made from.
    drop(dev);
    map.store(0, b"after close");
    assert_eq!(read_region(&other, 0, 11), b"after close");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn mapping_at_an_offset() {
    let cx = setup();
    let page = page_size();
    let dev = cx.open();
    let data = random_bytes(page);
    write_region(&dev, 3 * page as u64, &data);
    let map = DevMap::shared(&dev, page, 3 * page as u64).expect("mmap one page at offset 3 pages");
    assert_eq!(map.load(0, page), data, "page 3 of the buffer");
    map.store(1, b"xyz");
    assert_eq!(read_region(&dev, 3 * page as u64 + 1, 3), b"xyz");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn out_of_range_is_einval() {
    let cx = setup();
    let size = cx.size() as usize;
    let page = page_size();
    let end = size.div_ceil(page) * page;
    let dev = cx.open();
    for (len, off, what) in [
        (end + page, 0, "one page longer than the buffer"),
        (page, end as u64, "offset at the end"),
        (
            end,
            page as u64,
            "in range length at an offset past the start",
        ),
        (page, 1 << 40, "offset far past the end"),
        (page, 1, "unaligned offset"),
        (0, 0, "zero length"),
    ] {
        assert_errno(
            DevMap::shared(&dev, len, off).map(|_| ()),
            Errno::INVAL,
            &format!("mmap {len} bytes at {off} ({what})"),
        );
    }
    // The edge itself is fine.
    DevMap::shared(&dev, page, (end - page) as u64).expect("mmap of the last page");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn mapping_cannot_grow() {
    let cx = setup();
    let page = page_size();
    let dev = cx.open();
    let map = DevMap::shared(&dev, page, 0).expect("mmap one page");
    // SAFETY: `map` is our mapping; a successful move would leave `map`
    // dangling, but the call must fail (and the test then panics).
    let r = unsafe {
        rustix::mm::mremap(
            map.base.cast(),
            page,
            2 * page,
            rustix::mm::MremapFlags::MAYMOVE,
        )
    };
    // The kernel refuses to grow a VM_DONTEXPAND mapping with EFAULT.
    assert_errno(
        r.map(|_| ()).map_err(std::io::Error::from),
        Errno::FAULT,
        "mremap growing a device mapping",
    );
    map.store(0, b"ok");
    assert_eq!(read_region(&dev, 0, 2), b"ok", "mapping broken by mremap");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn private_mapping_is_copy_on_write() {
    let cx = setup();
    let page = page_size();
    let dev = cx.open();
    let data = random_bytes(page);
    write_region(&dev, 0, &data);
    let map = DevMap::new(
        &dev,
        page,
        0,
        ProtFlags::READ | ProtFlags::WRITE,
        MapFlags::PRIVATE,
    )
    .expect("mmap MAP_PRIVATE");
    assert_eq!(map.load(0, page), data, "private mapping shows the buffer");
    map.store(0, b"private");
    assert_eq!(
        read_region(&dev, 0, page),
        data,
        "a private store reached the buffer"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn read_only_file_maps_read_only() {
    let cx = setup();
    let page = page_size();
    let fd = rustix::fs::open(
        &cx.cfg.device,
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .expect("open O_RDONLY");
    assert_errno(
        DevMap::shared(&fd, page, 0).map(|_| ()),
        Errno::ACCESS,
        "PROT_WRITE MAP_SHARED of an O_RDONLY file",
    );
    let dev = cx.open();
    write_region(&dev, 0, b"ro");
    let map =
        DevMap::new(&fd, page, 0, ProtFlags::READ, MapFlags::SHARED).expect("PROT_READ MAP_SHARED");
    assert_eq!(map.load(0, 2), b"ro");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn mapping_pins_the_module() {
    let cx = setup();
    let cfg = &cx.cfg;
    let restore = RestoreDefault::new(cfg);
    let page = page_size();
    {
        let dev = cx.open();
        let map = DevMap::shared(&dev, page, 0).expect("mmap");
        drop(dev);
        map.store(0, b"pinned");
        assert!(
            rmmod(&cfg.module).is_err(),
            "rmmod {} succeeded while mapped",
            cfg.module
        );
        assert!(is_loaded(&cfg.module), "module gone after refused rmmod");
        assert_eq!(
            map.load(0, 6),
            b"pinned",
            "mapping broken by the refused rmmod"
        );
    }
    // Unmapped and closed: unloading works.
    unload(cfg);

    // A size that is not a multiple of the page size: the tail of the last
    // page can be mapped (zeroed) but read(2) and write(2) never reach it.
    let size = page + 1;
    load(cfg, &[&format!("size={size}")]);
    let dev = open_retry(&cfg.device).expect("open after insmod");
    assert_errno(
        DevMap::shared(&dev, 3 * page, 0).map(|_| ()),
        Errno::INVAL,
        "mmap 3 pages of a 2-page buffer",
    );
    let map = DevMap::shared(&dev, 2 * page, 0).expect("mmap 2 pages, size = page + 1");
    assert_eq!(
        map.load(page, page),
        vec![0; page],
        "tail of the last page not zeroed"
    );
    map.store(page, b"ab");
    let mut all = vec![0u8; 3 * page];
    assert_eq!(
        dev.read_at(&mut all, 0).unwrap(),
        size,
        "read of the whole buffer"
    );
    assert_eq!(&all[page..size], b"a", "store in the buffer's last byte");
    drop(map);
    drop(dev);
    // Back to the default size.
    drop(restore);
}
