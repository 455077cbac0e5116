//! One open file shared by threads: every position update counts, as on a
//! regular file (the VFS serialises `f_pos` only for files marked
//! `FMODE_ATOMIC_POS`, which both drivers set at open).

use std::io::SeekFrom;
use std::sync::{Arc, Barrier};

use conformance::{pos, setup};
use mymem::Device;

const THREADS: u64 = 2;

/// Runs `op` `per_thread` times on each of `THREADS` threads sharing `dev`,
/// all released at once.
fn race(dev: &Arc<Device>, per_thread: u64, op: fn(&Device)) {
    let start = Arc::new(Barrier::new(THREADS as usize));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (dev, start) = (dev.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..per_thread {
                    op(&dev);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("worker thread panicked");
    }
}

#[test]
fn concurrent_seek_cur_loses_no_update() {
    const SEEKS: u64 = 100_000;
    let Some(cx) = setup() else { return };
    assert!(
        cx.size() >= THREADS * SEEKS,
        "buffer too small for the test"
    );
    let dev = Arc::new(cx.open());
    dev.seek(SeekFrom::Start(0)).unwrap();
    race(&dev, SEEKS, |d| {
        d.seek(SeekFrom::Current(1))
            .expect("lseek(fd, 1, SEEK_CUR)");
    });
    assert_eq!(
        pos(&dev),
        THREADS * SEEKS,
        "{THREADS} threads x {SEEKS} lseek(fd, 1, SEEK_CUR) on one file: position updates lost"
    );
}

#[test]
fn concurrent_reads_advance_by_every_byte() {
    const READS: u64 = 20_000;
    let Some(cx) = setup() else { return };
    assert!(
        cx.size() >= THREADS * READS,
        "buffer too small for the test"
    );
    let dev = Arc::new(cx.open());
    dev.seek(SeekFrom::Start(0)).unwrap();
    race(&dev, READS, |d| {
        assert_eq!(d.read(&mut [0u8]).expect("read 1 byte"), 1);
    });
    assert_eq!(
        pos(&dev),
        THREADS * READS,
        "{THREADS} threads x {READS} one-byte reads on one file: position updates lost"
    );
}

#[test]
fn seeks_racing_reads_lose_no_update() {
    // A read holds the position for its whole call, a much wider window than
    // an lseek's: an unserialised position loses seeks here reliably.
    const OPS: u64 = 20_000;
    let Some(cx) = setup() else { return };
    assert!(cx.size() >= 2 * OPS, "buffer too small for the test");
    let dev = Arc::new(cx.open());
    dev.seek(SeekFrom::Start(0)).unwrap();
    let start = Arc::new(Barrier::new(2));
    let (d, s) = (dev.clone(), start.clone());
    let seeker = std::thread::spawn(move || {
        s.wait();
        for _ in 0..OPS {
            d.seek(SeekFrom::Current(1))
                .expect("lseek(fd, 1, SEEK_CUR)");
        }
    });
    start.wait();
    for _ in 0..OPS {
        assert_eq!(dev.read(&mut [0u8]).expect("read 1 byte"), 1);
    }
    seeker.join().expect("seeker panicked");
    assert_eq!(
        pos(&dev),
        2 * OPS,
        "{OPS} lseek(fd, 1, SEEK_CUR) racing {OPS} one-byte reads on one file: position updates lost"
    );
}
