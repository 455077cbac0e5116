//! Shared helpers for the mymem device-contract conformance suite.
//!
//! The tests (tests/*.rs) run inside the lab guest, once per driver,
//! configured by the environment:
//!
//! * `MYMEM_DEVICE`: device node, e.g. `/dev/mymem` or `/dev/mymem_c`.
//! * `MYMEM_MODULE`: module name (`mymem` or `mymem_c`); defaults to the
//!   device node's file name.
//! * `MYMEM_MODULES_DIR`: where `<module>.ko` lives (default `/lab/modules`),
//!   used by the lifecycle tests, which insmod/rmmod.
//!
//! Every test that needs a device is `#[ignore = "needs a mymem device..."]`:
//! off the guest (`cargo test --workspace`) they are counted as ignored, with
//! the reason. The lab runs them with `--include-ignored`; run so without a
//! device, they fail with that message.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod kmsg;
pub mod module;

/// Raw syscalls and guard-page mappings, shared with the stress fuzzer.
pub use rawsys as raw;
pub use rawsys::guard as mapping;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mymem::Device;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
pub use rawsys::Errno;

/// Test configuration, from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Device node under test.
    pub device: PathBuf,
    /// Name of the module providing it.
    pub module: String,
    /// Directory holding `<module>.ko`.
    pub modules_dir: PathBuf,
}

impl Config {
    /// Reads the configuration; `None` when no device is configured or
    /// present (not running in the lab guest).
    pub fn from_env() -> Option<Config> {
        let device = match std::env::var_os("MYMEM_DEVICE") {
            Some(d) => PathBuf::from(d),
            None if Path::new("/dev/mymem").exists() => PathBuf::from("/dev/mymem"),
            None => return None,
        };
        let module = std::env::var("MYMEM_MODULE").unwrap_or_else(|_| {
            device
                .file_name()
                .and_then(|n| n.to_str())
                .expect("MYMEM_DEVICE has no file name; set MYMEM_MODULE")
                .to_owned()
        });
        let modules_dir = std::env::var_os("MYMEM_MODULES_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/lab/modules"));
        Some(Config {
            device,
            module,
            modules_dir,
        })
    }

    /// Path of the module object.
    pub fn ko_path(&self) -> PathBuf {
        self.modules_dir.join(format!("{}.ko", self.module))
    }
}

/// Tests share one device buffer (and the lifecycle tests one module), so
/// each holds this for its whole run, whatever `--test-threads` says.
static SERIAL: Mutex<()> = Mutex::new(());

/// A running test: the configuration plus exclusive use of the device.
pub struct Ctx {
    /// The configuration.
    pub cfg: Config,
    _serial: MutexGuard<'static, ()>,
}

/// Starts a test on the configured device. Every test that calls this is
/// `#[ignore]`d with the reason, so a plain `cargo test` off the guest lists
/// them as ignored; the lab runs them with `--include-ignored`. Run that way
/// with no device, a test fails and says why: it never passes without having
/// checked anything.
#[track_caller]
pub fn setup() -> Ctx {
    let Some(cfg) = Config::from_env() else {
        panic!(
            "no mymem device: MYMEM_DEVICE is unset and /dev/mymem does not exist \
             (load the module, or run the suite in the guest: lab test conformance-rust)"
        );
    };
    // A failed test poisons the mutex; the next one must still run.
    let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    Ctx {
        cfg,
        _serial: serial,
    }
}

impl Ctx {
    /// Opens a new file on the device under test. Most tests hold several
    /// open files at once, so an `EBUSY` says that the driver is exclusive
    /// by default (the contract's default is `exclusive=0`).
    #[track_caller]
    pub fn open(&self) -> Device {
        Device::open(&self.cfg.device).unwrap_or_else(|e| {
            let hint = if e.raw_os_error() == Some(Errno::BUSY.raw_os_error()) {
                " (this test holds several open files at once: is the driver exclusive \
                 by default? The contract's default is exclusive=0)"
            } else {
                ""
            };
            panic!("open {}: {e}{hint}", self.cfg.device.display())
        })
    }

    /// The buffer size: what `MYMEM_IOC_SIZE` reports, or, for a driver
    /// without that ioctl (`ENOTTY`), the documented default
    /// ([`mymem::uapi::SIZE_DEFAULT`]: the suite runs the module with its
    /// default parameters). Not `lseek(SEEK_END)`, so that the seek tests
    /// check SEEK_END against a number it did not give.
    #[track_caller]
    pub fn size(&self) -> u64 {
        match self.open().size() {
            Err(e) if offers_not(&e) => mymem::uapi::SIZE_DEFAULT,
            r => r.expect("MYMEM_IOC_SIZE"),
        }
    }
}

/// Whether `e` is `ENOTTY`: the driver has no such ioctl. Tests whose
/// subject is not an ioctl skip the ioctl steps they answer `ENOTTY` to, so
/// a driver without ioctls loses the ioctl clauses only.
pub fn offers_not(e: &io::Error) -> bool {
    e.raw_os_error() == Some(Errno::NOTTY.raw_os_error())
}

/// `r`, or `None` where the driver has no such ioctl ([`offers_not`]);
/// panics with `what` on any other error.
#[track_caller]
pub fn if_offered<T>(r: io::Result<T>, what: &str) -> Option<T> {
    match r {
        Err(e) if offers_not(&e) => None,
        r => Some(r.unwrap_or_else(|e| panic!("{what}: {e}"))),
    }
}

/// Opens `path`, retrying briefly while the node does not exist yet (right
/// after insmod).
pub fn open_retry(path: &Path) -> io::Result<Device> {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match Device::open(path) {
            Err(e) if e.raw_os_error() == Some(Errno::NOENT.raw_os_error()) => {
                if Instant::now() > deadline {
                    return Err(e);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            r => return r,
        }
    }
}

/// `n` random bytes.
///
/// Seeded from the clock, not getrandom(2): early in the guest's life the
/// kernel's CRNG may not be ready, and getrandom would block.
pub fn random_bytes(n: usize) -> Vec<u8> {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let seed = nanos ^ CALLS.fetch_add(1, Ordering::Relaxed).rotate_left(32);
    let mut v = vec![0u8; n];
    StdRng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

/// Asserts that `r` failed with exactly `errno`.
#[track_caller]
pub fn assert_errno<T: std::fmt::Debug, E: Into<io::Error>>(
    r: Result<T, E>,
    errno: Errno,
    what: &str,
) {
    let want = errno.raw_os_error();
    match r.map_err(Into::into) {
        Err(e) if e.raw_os_error() == Some(want) => {}
        Err(e) => panic!(
            "{what}: expected {} but got error {e}",
            io::Error::from_raw_os_error(want)
        ),
        Ok(v) => panic!(
            "{what}: expected {} but it succeeded with {v:?}",
            io::Error::from_raw_os_error(want)
        ),
    }
}

/// The position of `dev`'s open file (`lseek(fd, 0, SEEK_CUR)`).
#[track_caller]
#[allow(clippy::seek_from_current)] // the lseek itself is what is tested
pub fn pos(dev: &Device) -> u64 {
    dev.seek(io::SeekFrom::Current(0))
        .expect("lseek SEEK_CUR 0")
}

/// Reads `len` bytes at `offset` with pread, asserting a full transfer.
#[track_caller]
pub fn read_region(dev: &Device, offset: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    dev.read_exact_at(&mut v, offset)
        .unwrap_or_else(|e| panic!("pread {len} bytes at {offset}: {e}"));
    v
}

/// Writes `data` at `offset` with pwrite, asserting a full transfer.
#[track_caller]
pub fn write_region(dev: &Device, offset: u64, data: &[u8]) {
    dev.write_all_at(data, offset)
        .unwrap_or_else(|e| panic!("pwrite {} bytes at {offset}: {e}", data.len()));
}

/// Runs `f` on a new thread and waits at most `timeout` for it; `None` if it
/// is still running then (the thread is left behind, blocked).
pub fn with_timeout<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(timeout).ok()
}
