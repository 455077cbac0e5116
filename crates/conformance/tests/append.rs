//! O_APPEND: a write goes to the end of the buffer, which cannot grow, so it
//! fails with ENOSPC and changes nothing (like a full fixed-size file). The
//! same holds for O_APPEND set later with fcntl and for pwritev2's
//! RWF_APPEND; pwrite on an O_APPEND file appends too, as on Linux files.

use std::io::{IoSlice, SeekFrom};

use conformance::{assert_errno, pos, random_bytes, read_region, setup, write_region, Ctx, Errno};
use mymem::Device;
use rustix::fs::{fcntl_getfl, fcntl_setfl, Mode, OFlags};
use rustix::io::{pwritev2, ReadWriteFlags};

/// Opens the device read-write with `O_APPEND`.
fn open_append(cx: &Ctx) -> Device {
    let fd = rustix::fs::open(
        &cx.cfg.device,
        OFlags::RDWR | OFlags::APPEND | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .expect("open O_RDWR|O_APPEND");
    Device::from_fd(fd, &cx.cfg.device)
}

/// Fills the start and the end of the buffer with known bytes.
fn known_contents(cx: &Ctx) -> (Vec<u8>, Vec<u8>) {
    let dev = cx.open();
    let size = cx.size();
    let (head, tail) = (random_bytes(64), random_bytes(64));
    write_region(&dev, 0, &head);
    write_region(&dev, size - 64, &tail);
    (head, tail)
}

#[track_caller]
fn assert_unchanged(cx: &Ctx, head: &[u8], tail: &[u8]) {
    let dev = cx.open();
    assert_eq!(
        read_region(&dev, 0, 64),
        head,
        "start of the buffer changed"
    );
    assert_eq!(
        read_region(&dev, cx.size() - 64, 64),
        tail,
        "end of the buffer changed"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn o_append_write_is_enospc() {
    let cx = setup();
    let (head, tail) = known_contents(&cx);
    let dev = open_append(&cx);
    assert_eq!(pos(&dev), 0);
    assert_errno(dev.write(b"AB"), Errno::NOSPC, "write \"AB\" with O_APPEND");
    assert_eq!(pos(&dev), 0, "position after the refused append");
    assert_errno(
        dev.write_at(b"AB", 0),
        Errno::NOSPC,
        "pwrite at 0 with O_APPEND",
    );
    assert_eq!(
        dev.write(b"").unwrap(),
        0,
        "zero-length write with O_APPEND"
    );
    assert_unchanged(&cx, &head, &tail);
    // Reading and seeking are unaffected.
    assert_eq!(read_region(&dev, 0, 64), head);
    assert_eq!(dev.seek(SeekFrom::Start(10)).unwrap(), 10);
    let mut b = [0u8; 4];
    assert_eq!(dev.read(&mut b).unwrap(), 4);
    assert_eq!(b, head[10..14]);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn o_append_set_by_fcntl_then_cleared() {
    let cx = setup();
    let (head, tail) = known_contents(&cx);
    let dev = cx.open();
    let flags = fcntl_getfl(&dev).unwrap();
    fcntl_setfl(&dev, flags | OFlags::APPEND).expect("F_SETFL O_APPEND");
    assert_errno(
        dev.write(b"AB"),
        Errno::NOSPC,
        "write after F_SETFL O_APPEND",
    );
    assert_unchanged(&cx, &head, &tail);
    fcntl_setfl(&dev, flags).expect("F_SETFL without O_APPEND");
    assert_eq!(
        dev.write(b"AB").unwrap(),
        2,
        "write after clearing O_APPEND"
    );
    assert_eq!(read_region(&dev, 0, 2), b"AB", "write went to the position");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn rwf_append_is_enospc() {
    let cx = setup();
    let (head, tail) = known_contents(&cx);
    let dev = cx.open();
    assert_errno(
        pwritev2(&dev, &[IoSlice::new(b"AB")], 0, ReadWriteFlags::APPEND)
            .map_err(std::io::Error::from),
        Errno::NOSPC,
        "pwritev2(RWF_APPEND)",
    );
    assert_unchanged(&cx, &head, &tail);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn splice_into_o_append_file_is_refused_by_the_vfs() {
    let cx = setup();
    let dev = open_append(&cx);
    let (r, w) = rustix::pipe::pipe().unwrap();
    rustix::io::write(&w, b"AB").unwrap();
    // The VFS refuses to splice into any O_APPEND file.
    assert_errno(
        rustix::pipe::splice(&r, None, &dev, None, 2, rustix::pipe::SpliceFlags::empty())
            .map_err(std::io::Error::from),
        Errno::INVAL,
        "splice pipe -> O_APPEND device",
    );
}
