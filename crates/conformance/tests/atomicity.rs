//! Every read and write is atomic with respect to every other one: readers
//! racing writers that store uniform patterns never see a mix.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use conformance::{setup, write_region, Ctx};

/// How long each race runs.
const RACE: Duration = Duration::from_secs(2);

/// Two writers store `len`-byte buffers filled with one byte value each
/// (alternating between their own values) at `off`; two readers read the
/// same range and check every read is filled with a single value that some
/// writer wrote.
fn race(cx: &Ctx, off: u64, len: usize) {
    let dev = cx.open();
    write_region(&dev, off, &vec![0x11; len]);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = [[0x11u8, 0xEE], [0x55, 0xAA]]
        .into_iter()
        .map(|patterns| {
            let d = cx.open();
            let stop = stop.clone();
            let bufs = patterns.map(|p| vec![p; len]);
            std::thread::spawn(move || {
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let w = d.write_at(&bufs[n % 2], off).expect("pwrite");
                    assert_eq!(w, len, "short pwrite");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let d = cx.open();
            std::thread::spawn(move || {
                let mut buf = vec![0u8; len];
                let mut reads = 0usize;
                let end = Instant::now() + RACE;
                while Instant::now() < end {
                    assert_eq!(d.read_at(&mut buf, off).expect("pread"), len);
                    let first = buf[0];
                    assert!(
                        [0x11, 0xEE, 0x55, 0xAA].contains(&first),
                        "read value {first:#x} nobody wrote ({len} bytes at {off})"
                    );
                    if let Some(i) = buf.iter().position(|&b| b != first) {
                        panic!(
                            "torn read of {len} bytes at {off}: byte 0 is {first:#x}, byte {i} is {:#x}",
                            buf[i]
                        );
                    }
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let mut reads = 0;
    let mut failure = None;
    for r in readers {
        match r.join() {
            Ok(n) => reads += n,
            Err(e) => failure = Some(e),
        }
    }
    stop.store(true, Ordering::Relaxed);
    let writes: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
    if let Some(e) = failure {
        std::panic::resume_unwind(e);
    }
    assert!(
        reads > 100 && writes > 100,
        "too little racing ({reads} reads, {writes} writes)"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn no_torn_u64() {
    let cx = setup();
    race(&cx, 16384, 8);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn no_torn_misaligned_u64() {
    let cx = setup();
    race(&cx, 16384 + 3, 8);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn no_torn_page_crossing_transfer() {
    let cx = setup();
    race(&cx, 32768 - 100, 4096);
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn no_torn_64k_transfer() {
    let cx = setup();
    race(&cx, 65536 + 1, 65536);
}

/// FETCH_ADD is atomic with respect to writes of the whole u64: the value is
/// always either a written pattern or a pattern plus some adds.
#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn fetch_add_vs_write() {
    let cx = setup();
    const OFF: u64 = 24576;
    let base = [0x1111_1111_0000_0000u64, 0x2222_2222_0000_0000];
    let dev = Arc::new(cx.open());
    write_region(&dev, OFF, &base[0].to_ne_bytes());
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let d = cx.open();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                d.write_at(&base[n % 2].to_ne_bytes(), OFF).unwrap();
                n += 1;
            }
        })
    };
    let end = Instant::now() + RACE;
    while Instant::now() < end {
        let old = dev.fetch_add(OFF, 1).unwrap();
        let hi = old & 0xFFFF_FFFF_0000_0000;
        assert!(
            base.contains(&hi) && old - hi < 1 << 31,
            "FETCH_ADD saw a torn value {old:#x}"
        );
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
}
