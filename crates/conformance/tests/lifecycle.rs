//! Module lifecycle: parameters `exclusive` and `size`, rmmod while open,
//! a fresh (zeroed) buffer per load, and the load/unload log lines.
//!
//! These insmod/rmmod the module under test (busybox, MYMEM_MODULES_DIR);
//! every test leaves it loaded with default parameters, as it found it.

use std::path::Path;

use conformance::kmsg::{is_noise, Kmsg};
use conformance::module::{insmod, is_loaded, load, rmmod, unload, RestoreDefault};
use conformance::{
    assert_errno, if_offered, offers_not, open_retry, random_bytes, setup, Config, Errno,
};
use mymem::{uapi, Device};

fn open(cfg: &Config) -> Device {
    open_retry(&cfg.device).unwrap_or_else(|e| panic!("open {}: {e}", cfg.device.display()))
}

/// Drops records the kernel prints for reasons of its own.
fn own_lines(lines: Vec<String>) -> Vec<String> {
    lines.into_iter().filter(|l| !is_noise(l)).collect()
}

/// Checks the whole buffer reads back as `size` zero bytes.
fn assert_zeroed(dev: &Device, size: u64) {
    let mut buf = vec![0xFFu8; 1 << 20];
    let mut off = 0u64;
    loop {
        let n = dev.read_at(&mut buf, off).expect("pread");
        if n == 0 {
            break;
        }
        if let Some(i) = buf[..n].iter().position(|&b| b != 0) {
            panic!(
                "buffer not zeroed after load: byte {} is {:#x}",
                off + i as u64,
                buf[i]
            );
        }
        off += n as u64;
    }
    assert_eq!(off, size, "total bytes readable");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn exclusive_second_open_is_ebusy() {
    let cx = setup();
    let cfg = &cx.cfg;
    let restore = RestoreDefault::new(cfg);
    {
        let _a = open(cfg);
        let _b = Device::open(&cfg.device).expect("concurrent open without exclusive");
    }
    unload(cfg);
    load(cfg, &["exclusive=1"]);
    {
        let a = open(cfg);
        assert_errno(
            Device::open(&cfg.device),
            Errno::BUSY,
            "second open, exclusive=1",
        );
        assert_errno(
            Device::open(&cfg.device),
            Errno::BUSY,
            "third open, exclusive=1",
        );
        // The holder is unaffected.
        a.write_at(b"excl", 0).unwrap();
        let mut b = [0u8; 4];
        a.read_at(&mut b, 0).unwrap();
        assert_eq!(&b, b"excl");
        drop(a);
        let b = Device::open(&cfg.device).expect("open after the exclusive holder closed");
        assert_errno(
            Device::open(&cfg.device),
            Errno::BUSY,
            "open while the new holder is open",
        );
        drop(b);
        let _c = Device::open(&cfg.device).expect("open after close, exclusive=1");
    }
    // The refused opens took no module reference.
    unload(cfg);
    load(cfg, &[]);
    drop(restore);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn rmmod_refused_while_open() {
    let cx = setup();
    let cfg = &cx.cfg;
    let restore = RestoreDefault::new(cfg);
    let dev = open(cfg);
    let data = random_bytes(4096);
    dev.write_all_at(&data, 100).unwrap();
    let r = rmmod(&cfg.module);
    assert!(
        r.is_err(),
        "rmmod {} succeeded while a file was open",
        cfg.module
    );
    assert!(is_loaded(&cfg.module), "module gone after refused rmmod");
    // The open file still works.
    let mut back = vec![0u8; 4096];
    dev.read_exact_at(&mut back, 100).unwrap();
    assert!(back == data, "data changed by the refused rmmod");
    assert_eq!(dev.buffer_size().unwrap(), uapi::SIZE_DEFAULT);
    // The ioctls too, where the driver has them.
    if_offered(dev.fetch_add(0, 1), "FETCH_ADD");
    if let Some(g) = if_offered(dev.lock(), "LOCK") {
        g.unlock().unwrap();
    }
    // And new opens work too.
    let other = Device::open(&cfg.device).expect("open after refused rmmod");
    drop(other);
    drop(dev);
    unload(cfg);
    load(cfg, &[]);
    drop(restore);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn reload_gives_zeroed_buffer_and_logs_one_line_each() {
    let cx = setup();
    let cfg = &cx.cfg;
    let restore = RestoreDefault::new(cfg);
    {
        let dev = open(cfg);
        let size = dev.buffer_size().unwrap();
        let mut junk = random_bytes(size as usize);
        junk.iter_mut().filter(|b| **b == 0).for_each(|b| *b = 1);
        dev.write_all_at(&junk, 0).unwrap();
    }
    let mut log = Kmsg::since_now();
    unload(cfg);
    let unload_lines = own_lines(log.new_lines());
    assert!(
        !Path::new(&cfg.device).exists(),
        "{} still exists after rmmod",
        cfg.device.display()
    );
    load(cfg, &[]);
    let load_lines = own_lines(log.new_lines());
    let dev = open(cfg);
    assert_eq!(dev.buffer_size().unwrap(), uapi::SIZE_DEFAULT);
    assert_zeroed(&dev, uapi::SIZE_DEFAULT);

    assert_eq!(
        unload_lines.len(),
        1,
        "unload must log one line: {unload_lines:?}"
    );
    assert_eq!(
        load_lines.len(),
        1,
        "load must log one line: {load_lines:?}"
    );
    assert!(
        load_lines[0].contains("524288") || load_lines[0].contains("512"),
        "load line does not show the size: {:?}",
        load_lines[0]
    );
    drop(dev);
    drop(restore);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn bad_size_parameter_fails_insmod() {
    let cx = setup();
    let cfg = &cx.cfg;
    let _restore = RestoreDefault::new(cfg);
    unload(cfg);
    for bad in ["0".to_string(), (uapi::SIZE_MAX + 1).to_string()] {
        let mut log = Kmsg::since_now();
        let param = format!("size={bad}");
        let err = match insmod(cfg, &[&param]) {
            Ok(()) => panic!("insmod {} {param} succeeded", cfg.module),
            Err(e) => e,
        };
        assert!(
            err.contains("Invalid argument"),
            "insmod {param} must fail with EINVAL, insmod said: {err}"
        );
        assert!(!is_loaded(&cfg.module), "module loaded despite {param}");
        assert!(
            !Path::new(&cfg.device).exists(),
            "device node exists after failed insmod"
        );
        let lines = own_lines(log.new_lines());
        assert!(
            lines.iter().any(|l| l.to_lowercase().contains("size")),
            "no log line explains the rejected {param}: {lines:?}"
        );
    }
    load(cfg, &[]);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn size_parameter_edge_values() {
    let cx = setup();
    let cfg = &cx.cfg;
    let _restore = RestoreDefault::new(cfg);
    for size in [1u64, 8, 4097, uapi::SIZE_MAX] {
        unload(cfg);
        load(cfg, &[&format!("size={size}")]);
        let dev = open(cfg);
        if let Some(got) = if_offered(dev.size(), "IOC_SIZE") {
            assert_eq!(got, size, "IOC_SIZE with size={size}");
        }
        assert_eq!(
            dev.seek(std::io::SeekFrom::End(0)).unwrap(),
            size,
            "SEEK_END"
        );
        assert_errno(
            dev.seek(std::io::SeekFrom::Start(size + 1)),
            Errno::INVAL,
            &format!("SEEK_SET size+1 with size={size}"),
        );
        assert_zeroed(&dev, size);

        assert_eq!(
            dev.write_at(&[0xAB, 0xCD], size - 1).unwrap(),
            1,
            "pwrite at size-1"
        );
        assert_errno(dev.write_at(&[1], size), Errno::NOSPC, "pwrite at size");
        assert_errno(
            dev.read_at(&mut [0], size + 1),
            Errno::INVAL,
            "pread at size+1",
        );
        let mut last = [0u8; 4];
        assert_eq!(dev.read_at(&mut last, size - 1).unwrap(), 1);
        assert_eq!(last[0], 0xAB);
        dev.seek(std::io::SeekFrom::End(0)).unwrap();
        assert_errno(dev.write(&[1]), Errno::NOSPC, "write at end");

        // FETCH_ADD's bounds follow the size too, where the driver has it.
        let aligned_end = size & !7;
        // (A probe that adds 0: EINVAL for size < 8, ENOTTY without FETCH_ADD.)
        if !matches!(dev.fetch_add(0, 0), Err(e) if offers_not(&e)) {
            if size >= 8 {
                dev.write_at(&5u64.to_ne_bytes(), aligned_end - 8).unwrap();
                assert_eq!(
                    dev.fetch_add(aligned_end - 8, 1).unwrap(),
                    5,
                    "last u64 slot"
                );
            }
            assert_errno(
                dev.fetch_add(aligned_end, 1),
                Errno::INVAL,
                &format!("FETCH_ADD at {aligned_end} with size={size}"),
            );
        }
    }
    unload(cfg);
    load(cfg, &[]);
    assert_eq!(open(cfg).buffer_size().unwrap(), uapi::SIZE_DEFAULT);
}
