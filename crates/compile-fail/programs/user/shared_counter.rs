//! The seed's part 3 counter as plain shared memory: 50 threads each add 1 to one `u64`,
//! 150 000 times, with no synchronisation. In C this compiles and races.
//!
//! Control (`--cfg control`): the counter as an `AtomicU64` read and written in two steps, the
//! device experiment's read-increment-write. It compiles (no data race, no undefined
//! behaviour) and still loses updates: a race condition the compiler cannot see.

#[cfg(not(control))]
fn main() {
    let mut counter: u64 = 0;
    std::thread::scope(|s| {
        for _ in 0..50 {
            s.spawn(|| {
                for _ in 0..150_000 {
                    counter += 1;
                }
            });
        }
    });
    println!("{counter}");
}

#[cfg(control)]
fn main() {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    let counter = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..50 {
            s.spawn(|| {
                for _ in 0..150_000 {
                    let value = counter.load(Relaxed);
                    counter.store(value + 1, Relaxed);
                }
            });
        }
    });
    println!("{}", counter.load(Relaxed));
}
