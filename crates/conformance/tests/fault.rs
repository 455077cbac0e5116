//! Faults in the user buffer: EFAULT when nothing could be copied, a short
//! count (and matching position) when the fault comes part-way, no oops.

use std::io::SeekFrom;

use conformance::kmsg::Kmsg;
use conformance::mapping::{page_size, Mapping};
use conformance::{assert_errno, pos, random_bytes, raw, read_region, setup, write_region, Errno};

/// Page 0 read-write, page 1 PROT_NONE.
fn half_mapped() -> Mapping {
    Mapping::new(&[true, false])
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn read_into_unmapped_buffer_is_efault() {
    let cx = setup();
    let mut log = Kmsg::since_now();
    let dev = cx.open();
    let map = half_mapped();
    let page = page_size();
    write_region(&dev, 0, &random_bytes(page));
    dev.seek(SeekFrom::Start(64)).unwrap();

    // SAFETY: PROT_NONE page; the kernel cannot write there.
    let r = unsafe { raw::read(&dev, map.ptr(page), 16) };
    assert_errno(r, Errno::FAULT, "read into PROT_NONE page");
    assert_eq!(pos(&dev), 64, "failed read moved the position");

    // SAFETY: address 0 is never mapped.
    let r = unsafe { raw::read(&dev, std::ptr::null_mut::<u8>(), 16) };
    assert_errno(r, Errno::FAULT, "read into NULL");
    // SAFETY: as above.
    let r = unsafe { raw::pread(&dev, map.ptr(page), page, 0) };
    assert_errno(r, Errno::FAULT, "pread into PROT_NONE page");
    assert_eq!(pos(&dev), 64);
    log.assert_clean("read EFAULT");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn write_from_unmapped_buffer_is_efault() {
    let cx = setup();
    let mut log = Kmsg::since_now();
    let dev = cx.open();
    let map = half_mapped();
    let page = page_size();
    let before = random_bytes(256);
    write_region(&dev, 0, &before);
    dev.seek(SeekFrom::Start(64)).unwrap();

    assert_errno(
        raw::write(&dev, map.ptr(page), 16),
        Errno::FAULT,
        "write from PROT_NONE page",
    );
    assert_eq!(pos(&dev), 64, "failed write moved the position");
    assert_errno(
        raw::write(&dev, std::ptr::null::<u8>(), 16),
        Errno::FAULT,
        "write from NULL",
    );
    assert_errno(
        raw::pwrite(&dev, map.ptr(page), 128, 0),
        Errno::FAULT,
        "pwrite from PROT_NONE page",
    );
    assert_eq!(pos(&dev), 64);
    assert!(
        read_region(&dev, 0, 256) == before,
        "a write that failed with EFAULT changed the buffer"
    );
    log.assert_clean("write EFAULT");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn read_partially_into_buffer_is_short() {
    let cx = setup();
    let mut log = Kmsg::since_now();
    let dev = cx.open();
    let mut map = half_mapped();
    let page = page_size();
    let data = random_bytes(1000);
    write_region(&dev, 500, &data);
    map.page_mut(0).fill(0xEE);

    // 100 accessible bytes, then the PROT_NONE page.
    dev.seek(SeekFrom::Start(500)).unwrap();
    // SAFETY: the first 100 bytes are ours and writable, the rest faults.
    let n = unsafe { raw::read(&dev, map.ptr(page - 100), 300) }.expect("partial read");
    assert_eq!(n, 100, "read must return the bytes copied before the fault");
    assert_eq!(pos(&dev), 600, "position must advance by the bytes copied");
    assert_eq!(&map.page_mut(0)[page - 100..], &data[..100]);

    // The next read continues where the short one stopped.
    let mut next = [0u8; 10];
    assert_eq!(dev.read(&mut next).unwrap(), 10);
    assert_eq!(&next[..], &data[100..110]);

    // Same through pread, 1 byte before the fault.
    // SAFETY: as above.
    let n = unsafe { raw::pread(&dev, map.ptr(page - 1), 64, 700) }.expect("partial pread");
    assert_eq!(n, 1, "pread must return the bytes copied before the fault");
    assert_eq!(map.page_mut(0)[page - 1], data[200]);
    assert_eq!(pos(&dev), 610, "pread moved the position");
    log.assert_clean("partial read");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn write_partially_from_buffer_is_short() {
    let cx = setup();
    let mut log = Kmsg::since_now();
    let dev = cx.open();
    let mut map = half_mapped();
    let page = page_size();
    let before = random_bytes(1000);
    write_region(&dev, 2000, &before);
    let src = random_bytes(100);
    map.page_mut(0)[page - 100..].copy_from_slice(&src);

    dev.seek(SeekFrom::Start(2000)).unwrap();
    let n = raw::write(&dev, map.ptr(page - 100), 300).expect("partial write");
    assert_eq!(
        n, 100,
        "write must return the bytes copied before the fault"
    );
    assert_eq!(pos(&dev), 2100, "position must advance by the bytes copied");
    let after = read_region(&dev, 2000, 1000);
    assert_eq!(
        &after[..100],
        &src[..],
        "bytes before the fault not written"
    );
    assert!(
        after[100..] == before[100..],
        "write returned {n} but changed bytes beyond them (first differing offset {:?})",
        after[100..]
            .iter()
            .zip(&before[100..])
            .position(|(a, b)| a != b)
            .map(|i| 2100 + i)
    );

    let n = raw::pwrite(&dev, map.ptr(page - 1), 64, 2500).expect("partial pwrite");
    assert_eq!(n, 1, "pwrite must return the bytes copied before the fault");
    let after = read_region(&dev, 2500, 64);
    assert_eq!(after[0], src[99]);
    assert!(
        after[1..] == before[501..564],
        "pwrite changed bytes beyond its count"
    );
    assert_eq!(pos(&dev), 2100, "pwrite moved the position");
    log.assert_clean("partial write");
}
