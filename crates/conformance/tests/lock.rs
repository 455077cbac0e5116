//! The advisory device lock: mutual exclusion, ownership by the open file,
//! EPERM/EDEADLK, release on close (also when the holder process dies), and
//! EINTR when a signal interrupts the wait.

use std::io::{self, BufRead, BufReader};
use std::os::unix::thread::JoinHandleExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use conformance::{assert_errno, offers_not, raw, read_region, setup, with_timeout, Ctx, Errno};
use mymem::Device;

/// How long a LOCK that should block is watched before calling it blocked.
const BLOCKED: Duration = Duration::from_millis(300);
/// How long a LOCK that should succeed may take.
const PROMPT: Duration = Duration::from_secs(10);

/// Starts `dev.lock()` (then unlock) on a thread; the receiver gets its
/// result.
fn lock_in_thread(dev: Arc<Device>) -> mpsc::Receiver<io::Result<()>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = dev.lock().and_then(|g| g.unlock());
        let _ = tx.send(r);
    });
    rx
}

/// Starts a test that needs the device lock free; a lock leaked by an
/// earlier failure makes it fail instead of hanging.
fn setup_free() -> Ctx {
    let cx = setup();
    let rx = lock_in_thread(Arc::new(cx.open()));
    match rx.recv_timeout(PROMPT) {
        Ok(Ok(())) => cx,
        Ok(Err(e)) => panic!("precondition: LOCK on a fresh file failed: {e}"),
        Err(_) => panic!("precondition: the device lock is held by someone (leaked?)"),
    }
}

#[track_caller]
fn assert_blocked(rx: &mpsc::Receiver<io::Result<()>>, what: &str) {
    match rx.recv_timeout(BLOCKED) {
        Err(RecvTimeoutError::Timeout) => {}
        other => panic!("{what}: LOCK should block while another file holds it, got {other:?}"),
    }
}

#[track_caller]
fn assert_acquired(rx: &mpsc::Receiver<io::Result<()>>, what: &str) {
    match rx.recv_timeout(PROMPT) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{what}: LOCK failed: {e}"),
        Err(_) => panic!("{what}: LOCK still blocked after {PROMPT:?}"),
    }
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn lock_unlock_and_eperm() {
    let cx = setup_free();
    let a = cx.open();
    let b = cx.open();
    assert_errno(a.unlock(), Errno::PERM, "UNLOCK without LOCK");
    let g = a.lock().expect("LOCK");
    assert_errno(b.unlock(), Errno::PERM, "UNLOCK by another file");
    g.unlock().expect("UNLOCK by the holder");
    assert_errno(a.unlock(), Errno::PERM, "second UNLOCK");
    // Free again: both can take it in turn.
    b.lock().unwrap().unlock().unwrap();
    a.lock().unwrap().unlock().unwrap();
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn lock_twice_is_edeadlk() {
    let cx = setup_free();
    let a = cx.open();
    let b = Arc::new(cx.open());
    let g = a.lock().expect("LOCK");
    assert_errno(
        a.lock().map(std::mem::forget),
        Errno::DEADLK,
        "second LOCK, same file",
    );
    // Still held by A, exactly once.
    let rx = lock_in_thread(b.clone());
    assert_blocked(&rx, "after EDEADLK");
    g.unlock().expect("UNLOCK after EDEADLK");
    assert_acquired(&rx, "after A's UNLOCK");
    assert_errno(a.unlock(), Errno::PERM, "UNLOCK after EDEADLK + UNLOCK");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn lock_blocks_until_unlock() {
    let cx = setup_free();
    let a = cx.open();
    let b = Arc::new(cx.open());
    let g = a.lock().unwrap();
    let rx = lock_in_thread(b.clone());
    assert_blocked(&rx, "A holds");
    assert_errno(b.unlock(), Errno::PERM, "waiter's UNLOCK");
    g.unlock().unwrap();
    assert_acquired(&rx, "after UNLOCK");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn lock_belongs_to_the_file_not_the_thread() {
    let cx = setup_free();
    let a = Arc::new(cx.open());
    let a2 = a.clone();
    std::thread::spawn(move || std::mem::forget(a2.lock().expect("LOCK in thread")))
        .join()
        .unwrap();
    let b = Arc::new(cx.open());
    let rx = lock_in_thread(b.clone());
    assert_blocked(&rx, "locked by a thread that has exited");
    a.unlock()
        .expect("UNLOCK from another thread on the same file");
    assert_acquired(&rx, "after UNLOCK");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn lock_is_advisory() {
    let cx = setup_free();
    let a = cx.open();
    let b = Arc::new(cx.open());
    let g = a.lock().unwrap();
    let b2 = b.clone();
    // FETCH_ADD and SIZE too, where the driver has them (ENOTTY: skipped).
    let r = with_timeout(PROMPT, move || -> io::Result<(Vec<u8>, bool)> {
        b2.write_at(&[1, 2, 3, 4, 5, 6, 7, 8], 0)?;
        let added = match b2.fetch_add(0, 1) {
            Err(e) if offers_not(&e) => false,
            r => r.map(|_| true)?,
        };
        match b2.size() {
            Err(e) if offers_not(&e) => 0,
            r => r?,
        };
        b2.seek(io::SeekFrom::Start(0))?;
        b2.write(&[9])?;
        let mut buf = vec![0u8; 8];
        b2.read_at(&mut buf, 0)?;
        Ok((buf, added))
    });
    let (data, added) = r
        .expect("I/O by another file blocked while the lock was held")
        .expect("I/O by another file failed while the lock was held");
    let mut want = 0x0807_0605_0403_0201u64
        .wrapping_add(u64::from(added))
        .to_ne_bytes();
    want[0] = 9;
    assert_eq!(data, want);
    g.unlock().unwrap();
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn close_releases_lock() {
    let cx = setup_free();
    let b = Arc::new(cx.open());
    {
        let a = cx.open();
        std::mem::forget(a.lock().unwrap());
    }
    let rx = lock_in_thread(b.clone());
    assert_acquired(&rx, "after the holder closed");

    // Also when someone is already waiting.
    let a = cx.open();
    std::mem::forget(a.lock().unwrap());
    let rx = lock_in_thread(b.clone());
    assert_blocked(&rx, "A holds");
    drop(a);
    assert_acquired(&rx, "waiter, after the holder closed");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn fifty_threads_read_increment_write() {
    const THREADS: usize = 50;
    const ITERS: usize = 200;
    const OFF: u64 = 8192;
    let cx = setup_free();
    let dev = cx.open();
    dev.write_at(&0u64.to_ne_bytes(), OFF).unwrap();
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let d = cx.open();
            std::thread::spawn(move || {
                for _ in 0..ITERS {
                    let g = d.lock().expect("LOCK");
                    let mut b = [0u8; 8];
                    assert_eq!(d.read_at(&mut b, OFF).unwrap(), 8);
                    // Widen the window a missing lock would let others in.
                    std::thread::yield_now();
                    let v = u64::from_ne_bytes(b) + 1;
                    assert_eq!(d.write_at(&v.to_ne_bytes(), OFF).unwrap(), 8);
                    g.unlock().expect("UNLOCK");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let v = u64::from_ne_bytes(read_region(&dev, OFF, 8).try_into().unwrap());
    assert_eq!(
        v,
        (THREADS * ITERS) as u64,
        "increments lost: the lock did not exclude"
    );
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn signal_interrupts_lock_wait() {
    let cx = setup_free();
    raw::signal::install_wakeup_handler().expect("SIGUSR1 handler");
    let a = cx.open();
    let b = Arc::new(cx.open());
    let g = a.lock().unwrap();

    let (tx, rx) = mpsc::channel();
    let b2 = b.clone();
    let waiter = std::thread::spawn(move || {
        let r = b2.lock().map(std::mem::forget);
        let _ = tx.send(r);
    });
    // The signal may land before the thread sleeps in LOCK: keep sending.
    let deadline = Instant::now() + PROMPT;
    let result = loop {
        raw::signal::wake(waiter.as_pthread_t());
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(r) => break Some(r),
            Err(_) if Instant::now() > deadline => break None,
            Err(_) => {}
        }
    };
    let Some(result) = result else {
        g.unlock().unwrap();
        let late = rx.recv_timeout(PROMPT);
        panic!("LOCK wait not interrupted by a signal (after UNLOCK it returned {late:?})");
    };
    assert_errno(result, Errno::INTR, "LOCK interrupted by a signal");
    waiter.join().unwrap();
    assert_errno(
        b.unlock(),
        Errno::PERM,
        "interrupted waiter must not hold the lock",
    );
    g.unlock().expect("holder still holds the lock");
}

/// A signal to a waiter must not strand the others: a driver that wakes one
/// waiter per UNLOCK must let a signalled one take the lock (or pass the
/// wake-up on) rather than leave with EINTR. UNLOCK then at once a signal to
/// the first waiter hits that window: the woken thread has not run yet (an
/// exclusive wake whose signalled waiter leaves fails this 3 times in 3).
#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn signalled_waiter_does_not_strand_the_others() {
    const ROUNDS: usize = 3;
    let cx = setup_free();
    raw::signal::install_wakeup_handler().expect("SIGUSR1 handler");
    for round in 0..ROUNDS {
        let a = cx.open();
        let g = a.lock().unwrap();
        // First waiter: signalled right after the UNLOCK; gives the lock
        // back if it got it.
        let (tx, first_rx) = mpsc::channel();
        let first_dev = Arc::new(cx.open());
        let first = std::thread::spawn(move || {
            let r = first_dev
                .lock()
                .map(|g| g.unlock().expect("first waiter's UNLOCK"));
            let _ = tx.send(r);
        });
        assert_blocked(&first_rx, "first waiter");
        // Second waiter, queued behind the first.
        let second_rx = lock_in_thread(Arc::new(cx.open()));
        assert_blocked(&second_rx, "second waiter");
        g.unlock().unwrap();
        raw::signal::wake(first.as_pthread_t());
        match first_rx.recv_timeout(PROMPT) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => assert_errno(
                Err::<(), _>(e),
                Errno::INTR,
                &format!("round {round}: first waiter, signalled"),
            ),
            Err(e) => panic!("round {round}: first waiter got neither the lock nor EINTR: {e}"),
        }
        first.join().unwrap();
        assert_acquired(
            &second_rx,
            &format!("round {round}: second waiter, after the first was signalled"),
        );
    }
}

const CHILD_ENV: &str = "MYMEM_CONFORMANCE_CHILD";
/// Printed by the child once it holds the lock (libtest may prefix it).
const LOCKED_MARKER: &str = "@@CHILD-HOLDS-LOCK@@";

/// Not a test on its own: run by the tests below in a child process, it
/// takes the lock and then sleeps or exits without unlocking.
#[test]
fn child_role() {
    let Ok(role) = std::env::var(CHILD_ENV) else {
        return;
    };
    let cfg = conformance::Config::from_env().expect("child without MYMEM_DEVICE");
    let dev = Device::open(&cfg.device).expect("child open");
    std::mem::forget(dev.lock().expect("child LOCK"));
    println!("{LOCKED_MARKER}");
    match role.as_str() {
        "exit" => std::process::exit(0),
        _ => loop {
            std::thread::sleep(Duration::from_secs(60));
        },
    }
}

/// Runs this binary's `child_role` as `role`; returns once it holds the lock.
fn spawn_locked_child(role: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_role", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, role)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.contains(LOCKED_MARKER) => break,
            Ok(line) => seen.push(line),
            Err(e) => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "child ({role}) did not report holding the lock ({e}, {status:?}): {seen:?}"
                );
            }
        }
    }
    child
}

fn child_death_releases(cx: &Ctx, role: &str) {
    let b = Arc::new(cx.open());
    let mut child = spawn_locked_child(role);
    let rx = lock_in_thread(b.clone());
    if role == "sleep" {
        assert_blocked(&rx, "child holds the lock");
        child.kill().unwrap();
    }
    let status = child.wait().unwrap();
    assert_acquired(&rx, &format!("after the holder process ended ({status})"));
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn killed_holder_process_releases_lock() {
    let cx = setup_free();
    child_death_releases(&cx, "sleep");
}

#[test]
#[ignore = "needs a mymem device: set MYMEM_DEVICE, or run it in the lab guest (lab test conformance-rust)"]
fn exiting_holder_process_releases_lock() {
    let cx = setup_free();
    child_death_releases(&cx, "exit");
}
