//! What the device-contract tests need below the safe `mymem` API: system
//! calls with arguments that rustix's safe wrappers cannot carry by design
//! (NULL, unmapped or kernel addresses, an fd another thread may be closing,
//! an invalid `whence`), anonymous mappings with inaccessible pages to point
//! them at, and the names of the errnos a syscall returns.
//!
//! One layer for both users: `conformance` (tests/*.rs, fixed cases) and the
//! `mymem stress` fuzzer (random cases checked by an oracle).

#![deny(unsafe_op_in_unsafe_fn)]

pub mod errno;
pub mod guard;
pub mod signal;
pub mod sys;

pub use errno::Errno;
pub use guard::{page_size, Access, Mapping};
pub use sys::*;
