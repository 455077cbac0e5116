//! MYMEM_IOC_LOCK on an O_NONBLOCK file never sleeps: EAGAIN at once while
//! another open file holds the lock, the lock when it is free, EDEADLK when
//! this file holds it. O_NONBLOCK may also be set and cleared with fcntl.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use conformance::{assert_errno, setup, with_timeout, Ctx, Errno};
use mymem::Device;
use rustix::fs::{fcntl_getfl, fcntl_setfl, Mode, OFlags};

/// How long a non-blocking LOCK may take before it counts as sleeping.
const AT_ONCE: Duration = Duration::from_secs(2);

fn open_nonblock(cx: &Ctx) -> Device {
    let fd = rustix::fs::open(
        &cx.cfg.device,
        OFlags::RDWR | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .expect("open O_RDWR|O_NONBLOCK");
    Device::from_fd(fd, &cx.cfg.device)
}

/// `dev.lock()` on another thread, forgetting the guard; panics if it does
/// not return within [`AT_ONCE`].
#[track_caller]
fn lock_at_once(dev: &Arc<Device>, what: &str) -> io::Result<()> {
    let dev = dev.clone();
    with_timeout(AT_ONCE, move || dev.lock().map(std::mem::forget))
        .unwrap_or_else(|| panic!("{what}: LOCK on an O_NONBLOCK file slept"))
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn nonblocking_lock_is_eagain_while_held() {
    let cx = setup();
    let holder = cx.open();
    let b = Arc::new(open_nonblock(&cx));
    let g = holder.lock().expect("LOCK by the holder");
    assert_errno(
        lock_at_once(&b, "held"),
        Errno::AGAIN,
        "LOCK, O_NONBLOCK, held",
    );
    assert_errno(b.unlock(), Errno::PERM, "UNLOCK after EAGAIN");
    g.unlock().expect("holder still holds the lock");

    lock_at_once(&b, "free").expect("LOCK, O_NONBLOCK, free");
    assert_errno(
        lock_at_once(&b, "own"),
        Errno::DEADLK,
        "second LOCK, O_NONBLOCK",
    );
    // Now the blocking file would wait; the non-blocking one holds it.
    assert_errno(holder.unlock(), Errno::PERM, "UNLOCK by the old holder");
    b.unlock().expect("UNLOCK by the non-blocking holder");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn nonblock_set_and_cleared_by_fcntl() {
    let cx = setup();
    let holder = cx.open();
    let b = Arc::new(cx.open());
    let g = holder.lock().expect("LOCK by the holder");
    let flags = fcntl_getfl(&*b).unwrap();
    fcntl_setfl(&*b, flags | OFlags::NONBLOCK).expect("F_SETFL O_NONBLOCK");
    assert_errno(
        lock_at_once(&b, "F_SETFL"),
        Errno::AGAIN,
        "LOCK after F_SETFL O_NONBLOCK",
    );
    fcntl_setfl(&*b, flags).expect("F_SETFL without O_NONBLOCK");
    // Blocking again: the LOCK waits until the holder lets go.
    let b2 = b.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(b2.lock().map(std::mem::forget));
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "LOCK did not block after O_NONBLOCK was cleared"
    );
    g.unlock().unwrap();
    rx.recv_timeout(Duration::from_secs(10))
        .expect("LOCK still blocked after UNLOCK")
        .expect("LOCK after UNLOCK");
    b.unlock().unwrap();
}
