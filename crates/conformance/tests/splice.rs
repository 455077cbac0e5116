//! sendfile and splice in every direction, through the kernel's generic
//! helpers for read_iter/write_iter files, with the device's offset and
//! end-of-buffer rules.

use std::io::SeekFrom;
use std::os::fd::OwnedFd;

use conformance::{assert_errno, pos, random_bytes, read_region, setup, write_region, Errno};
use rustix::fs::{memfd_create, sendfile, MemfdFlags};
use rustix::pipe::{pipe, splice, SpliceFlags};

/// A tmpfs-backed file (memfd) holding `data`, at position 0.
fn memfd_with(data: &[u8]) -> OwnedFd {
    let fd = memfd_create("conformance", MemfdFlags::CLOEXEC).expect("memfd_create");
    assert_eq!(rustix::io::write(&fd, data).unwrap(), data.len());
    rustix::fs::seek(&fd, rustix::fs::SeekFrom::Start(0)).unwrap();
    fd
}

fn read_memfd(fd: &OwnedFd, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    assert_eq!(rustix::io::pread(fd, &mut v, 0).unwrap(), len);
    v
}

fn io<T>(r: rustix::io::Result<T>) -> std::io::Result<T> {
    r.map_err(std::io::Error::from)
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn sendfile_from_device() {
    let cx = setup();
    let dev = cx.open();
    let data = random_bytes(10_000);
    write_region(&dev, 4096, &data);
    // With an offset: the file position stays.
    let out = memfd_with(&[]);
    let mut off = 4096u64;
    assert_eq!(
        sendfile(&out, &dev, Some(&mut off), 10_000).unwrap(),
        10_000
    );
    assert_eq!(off, 4096 + 10_000, "offset advanced by the count");
    assert_eq!(
        pos(&dev),
        0,
        "file position moved by sendfile with an offset"
    );
    assert_eq!(read_memfd(&out, 10_000), data);
    // Without: from the file position, which advances.
    dev.seek(SeekFrom::Start(4096 + 5000)).unwrap();
    let out = memfd_with(&[]);
    assert_eq!(sendfile(&out, &dev, None, 5000).unwrap(), 5000);
    assert_eq!(pos(&dev), 4096 + 10_000);
    assert_eq!(read_memfd(&out, 5000), &data[5000..]);
    // At the end: nothing left.
    let size = cx.size();
    let mut off = size - 10;
    assert_eq!(
        sendfile(&out, &dev, Some(&mut off), 100).unwrap(),
        10,
        "short at the end"
    );
    assert_eq!(
        sendfile(&out, &dev, Some(&mut off), 100).unwrap(),
        0,
        "at the end"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn sendfile_to_device() {
    let cx = setup();
    let dev = cx.open();
    let data = random_bytes(10_000);
    let src = memfd_with(&data);
    dev.seek(SeekFrom::Start(777)).unwrap();
    assert_eq!(sendfile(&dev, &src, None, 10_000).unwrap(), 10_000);
    assert_eq!(pos(&dev), 777 + 10_000, "device position after sendfile");
    assert_eq!(read_region(&dev, 777, 10_000), data);
    // Past the end: short, then ENOSPC.
    let size = cx.size();
    dev.seek(SeekFrom::Start(size - 100)).unwrap();
    let mut off = 0u64;
    assert_eq!(
        sendfile(&dev, &src, Some(&mut off), 1000).unwrap(),
        100,
        "short at the end"
    );
    assert_eq!(read_region(&dev, size - 100, 100), &data[..100]);
    assert_errno(
        io(sendfile(&dev, &src, Some(&mut off), 1000)),
        Errno::NOSPC,
        "sendfile at the end",
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn splice_device_to_pipe_and_back() {
    let cx = setup();
    let dev = cx.open();
    let data = random_bytes(8192);
    write_region(&dev, 100, &data);
    let (r, w) = pipe().unwrap();
    let mut off = 100u64;
    assert_eq!(
        splice(&dev, Some(&mut off), &w, None, 8192, SpliceFlags::empty()).unwrap(),
        8192,
        "splice device -> pipe"
    );
    assert_eq!(off, 100 + 8192);
    let mut off = 300_000u64;
    assert_eq!(
        splice(&r, None, &dev, Some(&mut off), 8192, SpliceFlags::empty()).unwrap(),
        8192,
        "splice pipe -> device"
    );
    assert_eq!(off, 300_000 + 8192);
    assert_eq!(pos(&dev), 0, "file position moved by splice with offsets");
    assert_eq!(read_region(&dev, 300_000, 8192), data);

    // Without offsets: the file position, which advances.
    dev.seek(SeekFrom::Start(100)).unwrap();
    assert_eq!(
        splice(&dev, None, &w, None, 4096, SpliceFlags::empty()).unwrap(),
        4096
    );
    assert_eq!(pos(&dev), 100 + 4096);
    dev.seek(SeekFrom::Start(200_000)).unwrap();
    assert_eq!(
        splice(&r, None, &dev, None, 4096, SpliceFlags::empty()).unwrap(),
        4096
    );
    assert_eq!(pos(&dev), 200_000 + 4096);
    assert_eq!(read_region(&dev, 200_000, 4096), &data[..4096]);

    // End of the buffer: 0 from it, ENOSPC into it.
    let size = cx.size();
    let mut off = size;
    assert_eq!(
        splice(&dev, Some(&mut off), &w, None, 10, SpliceFlags::empty()).unwrap(),
        0,
        "splice from the end"
    );
    rustix::io::write(&w, b"x").unwrap();
    let mut off = size;
    assert_errno(
        io(splice(
            &r,
            None,
            &dev,
            Some(&mut off),
            1,
            SpliceFlags::empty(),
        )),
        Errno::NOSPC,
        "splice into the end",
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn copy_file_range_is_refused_by_the_vfs() {
    let cx = setup();
    let dev = cx.open();
    let file = memfd_with(&[1, 2, 3]);
    assert_errno(
        io(rustix::fs::copy_file_range(&dev, None, &file, None, 3)),
        Errno::INVAL,
        "copy_file_range device -> file",
    );
    assert_errno(
        io(rustix::fs::copy_file_range(&file, None, &dev, None, 3)),
        Errno::INVAL,
        "copy_file_range file -> device",
    );
}
