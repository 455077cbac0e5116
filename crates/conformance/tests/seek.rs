//! lseek: SEEK_SET/CUR/END inside and outside [0, size], bad whence, and the
//! position after a failed seek.

use std::io::SeekFrom;

use conformance::{assert_errno, pos, random_bytes, raw, setup, write_region, Errno};
use mymem::Device;

/// Checks the position is `want` both by lseek and by what a 1-byte read
/// returns (then moves back).
#[track_caller]
fn assert_pos(dev: &Device, want: u64, data: &[u8], what: &str) {
    assert_eq!(pos(dev), want, "{what}: position");
    let mut b = [0u8; 1];
    let n = dev.read(&mut b).unwrap();
    if (want as usize) < data.len() {
        assert_eq!(n, 1, "{what}: read after seek");
        assert_eq!(
            b[0], data[want as usize],
            "{what}: read came from another offset"
        );
        dev.seek(SeekFrom::Start(want)).unwrap();
    } else {
        assert_eq!(n, 0, "{what}: read at end");
    }
}

fn setup_data(dev: &Device, size: u64) -> Vec<u8> {
    let data = random_bytes(size as usize);
    write_region(dev, 0, &data);
    data
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn seek_set() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    let data = setup_data(&dev, size);
    for p in [0, 1, 4095, size / 2, size - 1, size] {
        assert_eq!(dev.seek(SeekFrom::Start(p)).unwrap(), p, "SEEK_SET {p}");
        assert_pos(&dev, p, &data, &format!("SEEK_SET {p}"));
    }
    dev.seek(SeekFrom::Start(100)).unwrap();
    for bad in [size + 1, size + 4096, 1 << 40, i64::MAX as u64] {
        assert_errno(
            dev.seek(SeekFrom::Start(bad)),
            Errno::INVAL,
            &format!("SEEK_SET {bad}"),
        );
        assert_pos(&dev, 100, &data, &format!("after failed SEEK_SET {bad}"));
    }
    for bad in [-1i64, -4096, i64::MIN] {
        assert_errno(
            raw::lseek(&dev, bad, libc::SEEK_SET),
            Errno::INVAL,
            &format!("SEEK_SET {bad}"),
        );
        assert_pos(&dev, 100, &data, &format!("after failed SEEK_SET {bad}"));
    }
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn seek_cur() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    let data = setup_data(&dev, size);
    dev.seek(SeekFrom::Start(100)).unwrap();
    assert_eq!(dev.seek(SeekFrom::Current(0)).unwrap(), 100);
    assert_eq!(dev.seek(SeekFrom::Current(-40)).unwrap(), 60);
    assert_eq!(dev.seek(SeekFrom::Current(40)).unwrap(), 100);
    assert_pos(&dev, 100, &data, "SEEK_CUR");
    assert_eq!(dev.seek(SeekFrom::Current(-100)).unwrap(), 0);
    assert_eq!(dev.seek(SeekFrom::Current(size as i64)).unwrap(), size);
    assert_pos(&dev, size, &data, "SEEK_CUR to size");
    assert_eq!(dev.seek(SeekFrom::Current(-(size as i64))).unwrap(), 0);

    dev.seek(SeekFrom::Start(100)).unwrap();
    let bad = [
        -101i64,
        -(size as i64),
        i64::MIN,
        size as i64 - 99,
        size as i64,
        i64::MAX, // 100 + i64::MAX overflows
    ];
    for d in bad {
        assert_errno(
            dev.seek(SeekFrom::Current(d)),
            Errno::INVAL,
            &format!("SEEK_CUR {d} from 100"),
        );
        assert_pos(&dev, 100, &data, &format!("after failed SEEK_CUR {d}"));
    }
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn seek_end() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    let data = setup_data(&dev, size);
    assert_eq!(dev.seek(SeekFrom::End(0)).unwrap(), size, "SEEK_END 0");
    assert_pos(&dev, size, &data, "SEEK_END 0");
    for back in [1i64, 8, 4096, size as i64] {
        let want = size - back as u64;
        assert_eq!(
            dev.seek(SeekFrom::End(-back)).unwrap(),
            want,
            "SEEK_END -{back}"
        );
        assert_pos(&dev, want, &data, &format!("SEEK_END -{back}"));
    }
    dev.seek(SeekFrom::Start(100)).unwrap();
    for d in [1i64, 4096, i64::MAX, -(size as i64) - 1, i64::MIN] {
        assert_errno(
            dev.seek(SeekFrom::End(d)),
            Errno::INVAL,
            &format!("SEEK_END {d}"),
        );
        assert_pos(&dev, 100, &data, &format!("after failed SEEK_END {d}"));
    }
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn bad_whence() {
    let cx = setup();
    let size = cx.size();
    let dev = cx.open();
    let data = setup_data(&dev, size);
    dev.seek(SeekFrom::Start(100)).unwrap();
    // SEEK_DATA and SEEK_HOLE reach the driver; 5 and up the VFS rejects.
    for whence in [libc::SEEK_DATA, libc::SEEK_HOLE, 5, 100, -1] {
        for off in [0i64, 10] {
            assert_errno(
                raw::lseek(&dev, off, whence),
                Errno::INVAL,
                &format!("lseek({off}, whence {whence})"),
            );
            assert_pos(&dev, 100, &data, &format!("after whence {whence}"));
        }
    }
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn seek_is_per_file() {
    let cx = setup();
    let a = cx.open();
    let b = cx.open();
    a.seek(SeekFrom::Start(77)).unwrap();
    b.seek(SeekFrom::End(-5)).unwrap();
    assert_eq!(pos(&a), 77);
    assert_errno(a.seek(SeekFrom::Current(-78)), Errno::INVAL, "SEEK_CUR -78");
    assert_eq!(pos(&b), cx.size() - 5);
}
