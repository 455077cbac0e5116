//! The C idiom for the same counter: a global that every thread updates.
//!
//! Control (`--cfg control`): a global `AtomicU64` updated with `fetch_add`.

#[cfg(not(control))]
static mut COUNTER: u64 = 0;

#[cfg(not(control))]
fn worker() {
    for _ in 0..150_000 {
        COUNTER += 1;
    }
}

#[cfg(control)]
static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

#[cfg(control)]
fn worker() {
    for _ in 0..150_000 {
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

fn main() {
    let threads: Vec<_> = (0..50).map(|_| std::thread::spawn(worker)).collect();
    for t in threads {
        t.join().unwrap();
    }
}
