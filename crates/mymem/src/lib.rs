//! Userspace access to the mymem devices (`/dev/mymem`, the Rust driver, and
//! `/dev/mymem_c`, its C twin).
//!
//! Both are memory-backed misc character devices: one kernel buffer per
//! device, shared by every open file, each open file with its own position.
//! Besides read/write/lseek they implement four ioctls (see [`uapi`]): the
//! buffer size, an atomic fetch-and-add on a naturally aligned `u64`, and a
//! device-wide advisory lock owned by an open file. Like a memory file they
//! also take sendfile/splice, fsync and `mmap` (`MAP_SHARED` maps the buffer
//! itself) through the file descriptor ([`Device`] is `AsFd`); the contract is
//! `docs/device.md`.
//!
//! ```no_run
//! let dev = mymem::Device::open("/dev/mymem")?;
//! let size = dev.size()?;
//! dev.write_at(&7u64.to_ne_bytes(), 0)?;
//! assert_eq!(dev.fetch_add(0, 1)?, 7);
//! {
//!     let _guard = dev.lock()?; // other files' LOCK now sleeps until drop
//!     let mut buf = [0u8; 8];
//!     dev.read_at(&mut buf, 0)?;
//! }
//! # let _ = size;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Every error is a [`std::io::Error`] carrying the raw errno the driver
//! returned (`raw_os_error()`), so callers can match on `EINVAL`, `ENOSPC`,
//! `EDEADLK`, and so on.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod device;
mod mapping;
pub mod uapi;

pub use device::{Device, LockGuard};
pub use mapping::Mapping;
