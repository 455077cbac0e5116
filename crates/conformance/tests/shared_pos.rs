//! One open file shared by threads: every position update counts, as on a
//! regular file (the VFS serialises `f_pos` only for files marked
//! `FMODE_ATOMIC_POS`, which both drivers set at open).
//!
//! A lost update needs two threads inside the same short window, which the
//! scheduler of an emulated guest does not always give: each race runs up to
//! [`ROUNDS`] times. Measured on the old drivers (TCG), a single round missed
//! the loss about half the time; the three tests together caught it in
//! every run.

use std::io::SeekFrom;
use std::sync::{Arc, Barrier};

use conformance::{pos, setup};
use mymem::Device;

/// Rounds of each race; all must keep every update.
const ROUNDS: usize = 3;

/// Starts at position 0 and runs `ops[i]` `per_thread` times on thread `i`,
/// all threads sharing `dev` and released at once; returns the position.
fn race(dev: &Arc<Device>, per_thread: u64, ops: &[fn(&Device)]) -> u64 {
    dev.seek(SeekFrom::Start(0)).unwrap();
    let start = Arc::new(Barrier::new(ops.len()));
    let threads: Vec<_> = ops
        .iter()
        .map(|&op| {
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
    pos(dev)
}

fn seek_one(d: &Device) {
    d.seek(SeekFrom::Current(1))
        .expect("lseek(fd, 1, SEEK_CUR)");
}

fn read_one(d: &Device) {
    assert_eq!(d.read(&mut [0u8]).expect("read 1 byte"), 1);
}

/// Runs the race [`ROUNDS`] times on one shared file, asserting that the
/// position ends at `ops.len() * per_thread` each time.
fn check(what: &str, per_thread: u64, ops: &[fn(&Device)]) {
    let cx = setup();
    let want = ops.len() as u64 * per_thread;
    assert!(cx.size() >= want, "buffer too small for the test");
    let dev = Arc::new(cx.open());
    for round in 1..=ROUNDS {
        assert_eq!(
            race(&dev, per_thread, ops),
            want,
            "{what} on one open file, round {round}: position updates lost"
        );
    }
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn concurrent_seek_cur_loses_no_update() {
    check(
        "2 threads x 100000 lseek(fd, 1, SEEK_CUR)",
        100_000,
        &[seek_one, seek_one],
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn concurrent_reads_advance_by_every_byte() {
    check(
        "2 threads x 20000 one-byte reads",
        20_000,
        &[read_one, read_one],
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn seeks_racing_reads_lose_no_update() {
    // A read holds the position for its whole call, a much wider window than
    // an lseek's.
    check(
        "20000 lseek(fd, 1, SEEK_CUR) racing 20000 one-byte reads",
        20_000,
        &[seek_one, read_one],
    );
}
