//! The counter behind a mutex, updated without taking it: the data is reachable only
//! through the guard that `lock()` returns.
//!
//! Control (`--cfg control`): the same update through `lock()`.

use std::sync::{Arc, Mutex};

fn main() {
    let counter = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..50)
        .map(|_| {
            let counter = Arc::clone(&counter);
            #[cfg(not(control))]
            let update = move || *counter += 1;
            #[cfg(control)]
            let update = move || *counter.lock().unwrap() += 1;
            std::thread::spawn(update)
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
