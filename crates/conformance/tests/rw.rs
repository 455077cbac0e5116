//! read/write/pread/pwrite: round trips, persistence, per-file positions and
//! every end-of-buffer rule.

use std::io::SeekFrom;

use conformance::{
    assert_errno, if_offered, pos, random_bytes, read_region, setup, write_region, Errno,
};
use mymem::uapi;

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn default_size() {
    let cx = setup();
    let dev = cx.open();
    // IOC_SIZE where the driver has it (its own clauses check it further).
    if let Some(size) = if_offered(dev.size(), "IOC_SIZE") {
        assert_eq!(size, uapi::SIZE_DEFAULT, "IOC_SIZE");
    }
    assert_eq!(
        dev.seek(SeekFrom::End(0)).unwrap(),
        uapi::SIZE_DEFAULT,
        "SEEK_END"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn new_file_starts_at_zero() {
    let cx = setup();
    let a = cx.open();
    a.seek(SeekFrom::Start(1000)).unwrap();
    let b = cx.open();
    assert_eq!(pos(&b), 0, "position of a fresh open file");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn round_trip_read_write() {
    let cx = setup();
    let size = cx.size();
    for len in [1usize, 64, 1024, 64 << 10, 512 << 10] {
        let mut offsets = vec![0u64, size - len as u64];
        if len as u64 + 3 <= size {
            offsets.push(3);
        }
        for off in offsets {
            let data = random_bytes(len);
            let w = cx.open();
            assert_eq!(w.seek(SeekFrom::Start(off)).unwrap(), off);
            assert_eq!(w.write(&data).unwrap(), len, "write {len} at {off}");
            assert_eq!(pos(&w), off + len as u64, "position after write");

            let r = cx.open();
            r.seek(SeekFrom::Start(off)).unwrap();
            let mut back = vec![0u8; len];
            assert_eq!(r.read(&mut back).unwrap(), len, "read {len} at {off}");
            assert_eq!(pos(&r), off + len as u64, "position after read");
            assert!(
                back == data,
                "data read back differs (len {len}, offset {off})"
            );
        }
    }
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn round_trip_pread_pwrite() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    dev.seek(SeekFrom::Start(17)).unwrap();
    for len in [1usize, 64, 1024, 64 << 10, 512 << 10] {
        for off in [0, size - len as u64, (size - len as u64) / 2] {
            let data = random_bytes(len);
            assert_eq!(
                dev.write_at(&data, off).unwrap(),
                len,
                "pwrite {len} at {off}"
            );
            let mut back = vec![0u8; len];
            assert_eq!(
                dev.read_at(&mut back, off).unwrap(),
                len,
                "pread {len} at {off}"
            );
            assert!(
                back == data,
                "pread differs from pwrite (len {len}, offset {off})"
            );
            // And through a different file, by position.
            let other = cx.open();
            other.seek(SeekFrom::Start(off)).unwrap();
            let mut back2 = vec![0u8; len];
            assert_eq!(other.read(&mut back2).unwrap(), len);
            assert!(
                back2 == data,
                "read differs from pwrite (len {len}, offset {off})"
            );
        }
    }
    assert_eq!(pos(&dev), 17, "pread/pwrite moved the position");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn persists_across_opens() {
    let cx = setup();
    let data = random_bytes(4096);
    {
        let dev = cx.open();
        dev.seek(SeekFrom::Start(12345)).unwrap();
        assert_eq!(dev.write(&data).unwrap(), data.len());
    }
    // No file is open in between.
    let dev = cx.open();
    assert!(
        read_region(&dev, 12345, data.len()) == data,
        "data lost after close"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn positions_are_independent() {
    let cx = setup();
    let data = random_bytes(256);
    let a = cx.open();
    let b = cx.open();
    write_region(&a, 0, &data);

    let mut buf = [0u8; 10];
    assert_eq!(a.read(&mut buf).unwrap(), 10);
    assert_eq!(&buf[..], &data[..10]);
    assert_eq!(pos(&a), 10);
    assert_eq!(pos(&b), 0, "reading on A moved B");

    assert_eq!(b.read(&mut buf[..4]).unwrap(), 4);
    assert_eq!(
        &buf[..4],
        &data[..4],
        "B did not read from its own position 0"
    );
    assert_eq!(pos(&b), 4);
    assert_eq!(pos(&a), 10, "reading on B moved A");

    assert_eq!(b.write(&[1, 2, 3]).unwrap(), 3);
    assert_eq!(pos(&b), 7);
    assert_eq!(pos(&a), 10, "writing on B moved A");
    assert_eq!(a.read(&mut buf[..3]).unwrap(), 3);
    assert_eq!(&buf[..3], &data[10..13]);

    b.seek(SeekFrom::End(-1)).unwrap();
    assert_eq!(pos(&a), 13, "seeking B moved A");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn read_at_end_returns_zero() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    assert_eq!(dev.seek(SeekFrom::End(0)).unwrap(), size);
    let mut buf = [0u8; 16];
    assert_eq!(dev.read(&mut buf).unwrap(), 0, "read at end");
    assert_eq!(dev.read(&mut buf).unwrap(), 0, "second read at end");
    assert_eq!(pos(&dev), size);
    assert_eq!(dev.read_at(&mut buf, size).unwrap(), 0, "pread at size");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn write_at_end_is_enospc() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    dev.seek(SeekFrom::End(0)).unwrap();
    assert_errno(dev.write(&[0xAA]), Errno::NOSPC, "write 1 byte at end");
    assert_errno(dev.write(&[0xAA; 4096]), Errno::NOSPC, "write 4 KiB at end");
    assert_eq!(pos(&dev), size, "failed write moved the position");
    assert_errno(dev.write_at(&[0xAA], size), Errno::NOSPC, "pwrite at size");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn transfers_straddling_the_end_are_short() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    let data = random_bytes(100);

    dev.seek(SeekFrom::Start(size - 10)).unwrap();
    assert_eq!(dev.write(&data).unwrap(), 10, "write straddling the end");
    assert_eq!(pos(&dev), size);
    assert_errno(
        dev.write(&data),
        Errno::NOSPC,
        "write right after short write",
    );

    dev.seek(SeekFrom::Start(size - 10)).unwrap();
    let mut buf = [0u8; 100];
    assert_eq!(dev.read(&mut buf).unwrap(), 10, "read straddling the end");
    assert_eq!(&buf[..10], &data[..10]);
    assert_eq!(pos(&dev), size);
    assert_eq!(dev.read(&mut buf).unwrap(), 0);

    let data2 = random_bytes(100);
    assert_eq!(
        dev.write_at(&data2, size - 7).unwrap(),
        7,
        "pwrite straddling"
    );
    let mut buf2 = [0u8; 100];
    assert_eq!(
        dev.read_at(&mut buf2, size - 7).unwrap(),
        7,
        "pread straddling"
    );
    assert_eq!(&buf2[..7], &data2[..7]);
    // The 3 bytes before were not touched by the second write.
    assert_eq!(read_region(&dev, size - 10, 3), data[..3].to_vec());
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn zero_length_calls_return_zero() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    for p in [0, 1, size / 2, size] {
        dev.seek(SeekFrom::Start(p)).unwrap();
        assert_eq!(dev.read(&mut []).unwrap(), 0, "read(0) at {p}");
        assert_eq!(dev.write(&[]).unwrap(), 0, "write(0) at {p}");
        assert_eq!(pos(&dev), p, "zero-length call moved the position");
        assert_eq!(dev.read_at(&mut [], p).unwrap(), 0, "pread(0) at {p}");
        assert_eq!(dev.write_at(&[], p).unwrap(), 0, "pwrite(0) at {p}");
    }
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn pread_pwrite_offset_rules() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    dev.seek(SeekFrom::Start(5)).unwrap();
    let mut buf = [0u8; 8];

    assert_eq!(dev.read_at(&mut buf, size).unwrap(), 0, "pread at size");
    assert_errno(dev.write_at(&buf, size), Errno::NOSPC, "pwrite at size");
    for off in [size + 1, size + 4096, 1 << 40, i64::MAX as u64] {
        assert_errno(
            dev.read_at(&mut buf, off),
            Errno::INVAL,
            &format!("pread at {off}"),
        );
        assert_errno(
            dev.write_at(&buf, off),
            Errno::INVAL,
            &format!("pwrite at {off}"),
        );
    }
    // Negative offsets (the VFS rejects these before the driver).
    assert_errno(dev.read_at(&mut buf, u64::MAX), Errno::INVAL, "pread at -1");
    assert_errno(dev.write_at(&buf, u64::MAX), Errno::INVAL, "pwrite at -1");
    assert_eq!(pos(&dev), 5, "pread/pwrite moved the position");

    // Last byte is fine.
    assert_eq!(dev.write_at(&[0x5A], size - 1).unwrap(), 1);
    assert_eq!(dev.read_at(&mut buf, size - 1).unwrap(), 1);
    assert_eq!(buf[0], 0x5A);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn operations_log_nothing() {
    let cx = setup();
    let mut log = conformance::kmsg::Kmsg::since_now();
    let size = cx.size();
    {
        let dev = cx.open();
        let mut buf = [0u8; 64];
        dev.write(&buf).unwrap();
        dev.read(&mut buf).unwrap();
        dev.write_at(&buf, 8).unwrap();
        dev.read_at(&mut buf, 8).unwrap();
        dev.seek(SeekFrom::End(0)).unwrap();
        let _ = dev.write(&buf);
        let _ = dev.seek(SeekFrom::End(1));
        let _ = dev.read_at(&mut buf, size + 1);
        // The ioctls' results are their own clauses' business; a driver
        // without them answers ENOTTY, which logs nothing either.
        let _ = dev.fetch_add(3, 1);
        let _ = dev.fetch_add(0, 1);
        let _ = dev.lock().map(|g| g.unlock());
        let _ = dev.unlock();
    }
    let lines = log.new_lines();
    assert!(
        lines.is_empty(),
        "the driver logged during operations: {lines:?}"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn device_node_is_a_world_writable_char_device() {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let cx = setup();
    let md = std::fs::metadata(&cx.cfg.device).unwrap();
    assert!(md.file_type().is_char_device(), "not a character device");
    assert_eq!(md.mode() & 0o777, 0o666, "device node mode");
}

/// A clause of its own: the assignment may ask for a cdev with a class
/// (`alloc_chrdev_region` + `cdev_add` + `device_create`) instead.
#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn device_node_is_a_misc_device() {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let cx = setup();
    let md = std::fs::metadata(&cx.cfg.device).unwrap();
    assert!(md.file_type().is_char_device(), "not a character device");
    assert_eq!(
        rustix::fs::major(md.rdev()),
        10,
        "misc devices have major 10 (MISC_MAJOR); this node is {}:{}",
        rustix::fs::major(md.rdev()),
        rustix::fs::minor(md.rdev())
    );
}
