//! Sharing the counter through a reference count that is not thread-safe (`Rc`, `RefCell`):
//! fine in one thread, refused across threads.
//!
//! Control (`--cfg control`): the thread-safe pair, `Arc<Mutex<u64>>`.

#[cfg(not(control))]
use std::{cell::RefCell as Cell, rc::Rc as Shared};
#[cfg(control)]
use std::sync::{Arc as Shared, Mutex};

#[cfg(not(control))]
fn increment(counter: &Cell<u64>) {
    *counter.borrow_mut() += 1;
}

#[cfg(control)]
type Cell<T> = Mutex<T>;

#[cfg(control)]
fn increment(counter: &Cell<u64>) {
    *counter.lock().unwrap() += 1;
}

fn main() {
    let counter = Shared::new(Cell::new(0u64));
    let threads: Vec<_> = (0..50)
        .map(|_| {
            let counter = Shared::clone(&counter);
            std::thread::spawn(move || increment(&counter))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
