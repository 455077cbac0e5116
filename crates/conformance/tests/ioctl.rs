//! ioctls: SIZE, FETCH_ADD (exactness under 100 threads, range/alignment,
//! wrapping), bad pointers, unknown commands.

use std::ffi::c_void;
use std::io::SeekFrom;
use std::sync::Arc;

use conformance::kmsg::Kmsg;
use conformance::mapping::{page_size, Mapping};
use conformance::{assert_errno, random_bytes, raw, read_region, setup, write_region, Errno};
use mymem::uapi::{self, FetchAdd};
use rustix::ioctl::opcode;

fn get_u64(dev: &mymem::Device, off: u64) -> u64 {
    u64::from_ne_bytes(read_region(dev, off, 8).try_into().unwrap())
}

fn set_u64(dev: &mymem::Device, off: u64, v: u64) {
    write_region(dev, off, &v.to_ne_bytes());
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn size_matches_seek_end() {
    let cx = setup();
    let dev = cx.open();
    let size = dev.size().unwrap();
    assert_eq!(dev.seek(SeekFrom::End(0)).unwrap(), size);
    assert_eq!(
        dev.size().unwrap(),
        size,
        "IOC_SIZE changed, or depends on position"
    );
    // The raw call writes exactly 8 bytes.
    let mut buf = [0xA5u8; 16];
    // SAFETY: 16 writable bytes, more than the 8 the command writes.
    unsafe { raw::ioctl(&dev, uapi::IOC_SIZE, buf.as_mut_ptr()) }.unwrap();
    assert_eq!(u64::from_ne_bytes(buf[..8].try_into().unwrap()), size);
    assert_eq!(&buf[8..], &[0xA5; 8], "IOC_SIZE wrote past its u64");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn fetch_add_semantics() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    let guard = random_bytes(32);
    write_region(&dev, 64, &guard);

    set_u64(&dev, 72, 0x0102_0304_0506_0708);
    assert_eq!(
        dev.fetch_add(72, 5).unwrap(),
        0x0102_0304_0506_0708,
        "old value"
    );
    assert_eq!(
        get_u64(&dev, 72),
        0x0102_0304_0506_070d,
        "new value (native endian)"
    );
    assert_eq!(
        dev.fetch_add(72, 0).unwrap(),
        0x0102_0304_0506_070d,
        "delta 0"
    );

    set_u64(&dev, 72, u64::MAX);
    assert_eq!(dev.fetch_add(72, 1).unwrap(), u64::MAX);
    assert_eq!(get_u64(&dev, 72), 0, "add must wrap");
    assert_eq!(dev.fetch_add(72, u64::MAX).unwrap(), 0);
    assert_eq!(
        get_u64(&dev, 72),
        u64::MAX,
        "adding u64::MAX is subtracting 1"
    );

    let after = read_region(&dev, 64, 32);
    assert_eq!(&after[..8], &guard[..8], "FETCH_ADD touched the u64 before");
    assert_eq!(
        &after[16..],
        &guard[16..],
        "FETCH_ADD touched the u64 after"
    );

    // First and last slots.
    set_u64(&dev, 0, 41);
    assert_eq!(dev.fetch_add(0, 1).unwrap(), 41);
    assert_eq!(get_u64(&dev, 0), 42);
    set_u64(&dev, size - 8, 7);
    assert_eq!(dev.fetch_add(size - 8, 3).unwrap(), 7);
    assert_eq!(get_u64(&dev, size - 8), 10);

    // The raw call fills `old` and leaves the inputs alone.
    let mut arg = FetchAdd {
        offset: 72,
        delta: 2,
        old: 0xdead,
    };
    // SAFETY: a valid FetchAdd for an IOWR command of its size.
    unsafe { raw::ioctl(&dev, uapi::IOC_FETCH_ADD, &mut arg as *mut FetchAdd) }.unwrap();
    assert_eq!(
        arg,
        FetchAdd {
            offset: 72,
            delta: 2,
            old: u64::MAX
        }
    );
    assert_eq!(get_u64(&dev, 72), 1);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn fetch_add_bad_offsets_are_einval() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    let tail = random_bytes(64);
    write_region(&dev, size - 64, &tail);
    let head = random_bytes(64);
    write_region(&dev, 0, &head);

    let mut bad = vec![
        size,
        size + 8,
        size - 4,
        size - 1,
        u64::MAX - 7,
        1 << 63,
        u64::MAX,
    ];
    bad.extend(1..8);
    bad.extend([9, 12, 15]);
    for off in bad {
        assert_errno(
            dev.fetch_add(off, 1),
            Errno::INVAL,
            &format!("FETCH_ADD at {off:#x}"),
        );
    }
    assert_eq!(
        read_region(&dev, size - 64, 64),
        tail,
        "failed FETCH_ADD changed the tail"
    );
    assert_eq!(
        read_region(&dev, 0, 64),
        head,
        "failed FETCH_ADD changed the head"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn fetch_add_is_exact_under_contention() {
    const THREADS: usize = 100;
    const ADDS: usize = 10_000;
    let cx = setup();
    let shared = Arc::new(cx.open());
    let start = 1u64 << 40;
    set_u64(&shared, 4096, start);
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            // Half share one open file, half have their own.
            let dev = if i % 2 == 0 {
                shared.clone()
            } else {
                Arc::new(cx.open())
            };
            std::thread::spawn(move || {
                (0..ADDS)
                    .map(|_| dev.fetch_add(4096, 1).expect("FETCH_ADD"))
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut olds: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let total = (THREADS * ADDS) as u64;
    assert_eq!(get_u64(&shared, 4096), start + total, "lost or extra adds");
    // Every add saw a distinct old value: each one was atomic.
    olds.sort_unstable();
    let expected: Vec<u64> = (start..start + total).collect();
    assert!(
        olds == expected,
        "returned old values are not start..start+N"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn bad_ioctl_pointers_are_efault() {
    let cx = setup();
    let mut log = Kmsg::since_now();
    let dev = cx.open();
    let page = page_size();
    // Page 0 read-write, page 1 PROT_NONE.
    let mut map = Mapping::new(&[true, false]);
    let none = map.ptr(page).cast::<c_void>();
    for (what, cmd) in [("SIZE", uapi::IOC_SIZE), ("FETCH_ADD", uapi::IOC_FETCH_ADD)] {
        // SAFETY: both pointers are inaccessible to the kernel.
        let r = unsafe { raw::ioctl(&dev, cmd, std::ptr::null_mut::<u8>()) };
        assert_errno(r, Errno::FAULT, &format!("{what} with NULL"));
        // SAFETY: as above.
        let r = unsafe { raw::ioctl(&dev, cmd, none) };
        assert_errno(r, Errno::FAULT, &format!("{what} with PROT_NONE pointer"));
    }
    // A FetchAdd straddling into the PROT_NONE page: `old` is not writable.
    let arg = map.ptr(page - 16);
    let fa = FetchAdd {
        offset: 8,
        delta: 1,
        old: 0,
    };
    // SAFETY: 16 writable bytes at `arg`, then the PROT_NONE page.
    unsafe { std::ptr::copy_nonoverlapping((&fa as *const FetchAdd).cast::<u8>(), arg, 16) };
    // SAFETY: the kernel writes `old` at arg+16, which is PROT_NONE.
    let r = unsafe { raw::ioctl(&dev, uapi::IOC_FETCH_ADD, arg) };
    assert_errno(
        r,
        Errno::FAULT,
        "FETCH_ADD argument straddling into PROT_NONE",
    );

    // A whole, readable FetchAdd in a read-only page: `old` cannot be stored.
    let arg = map.ptr(0);
    // SAFETY: page 0 is still read-write and 24 bytes fit.
    unsafe { std::ptr::copy_nonoverlapping((&fa as *const FetchAdd).cast::<u8>(), arg, 24) };
    map.make_read_only(0);
    // SAFETY: the kernel may only read page 0 now; a write faults.
    let r = unsafe { raw::ioctl(&dev, uapi::IOC_FETCH_ADD, arg) };
    assert_errno(r, Errno::FAULT, "FETCH_ADD with `old` in a read-only page");
    // SAFETY: as above.
    let r = unsafe { raw::ioctl(&dev, uapi::IOC_SIZE, arg) };
    assert_errno(r, Errno::FAULT, "SIZE into a read-only page");
    log.assert_clean("ioctl EFAULT");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn unknown_commands_are_enotty() {
    let cx = setup();
    let dev = cx.open();
    let m = uapi::MAGIC;
    let unknown = [
        ("_IO(M, 0)", opcode::none(m, 0)),
        ("_IO(M, 5)", opcode::none(m, 5)),
        ("_IO(M, 0xff)", opcode::none(m, 0xff)),
        ("_IO(M, 1) (SIZE without direction)", opcode::none(m, 1)),
        (
            "_IOR(M, 1, u32) (SIZE, wrong size)",
            opcode::read::<u32>(m, 1),
        ),
        (
            "_IOW(M, 2, FetchAdd) (wrong direction)",
            opcode::write::<FetchAdd>(m, 2),
        ),
        (
            "_IOWR(M, 3, u64) (LOCK with an argument)",
            opcode::read_write::<u64>(m, 3),
        ),
        ("_IO(M^1, 3) (other magic)", opcode::none(m ^ 1, 3)),
        (
            "_IOR(M^1, 1, u64) (other magic)",
            opcode::read::<u64>(m ^ 1, 1),
        ),
        ("TCGETS", 0x5401),
        ("0", 0),
    ];
    let mut buf = [0u8; 256];
    for (what, cmd) in unknown {
        // SAFETY: 256 writable bytes, more than any of these could write.
        let r = unsafe { raw::ioctl(&dev, cmd, buf.as_mut_ptr()) };
        assert_errno(r, Errno::NOTTY, what);
    }
    // An unknown command did not take the lock.
    assert_errno(dev.unlock(), Errno::PERM, "UNLOCK after unknown commands");
}
