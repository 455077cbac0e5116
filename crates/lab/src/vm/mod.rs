//! The guest: QEMU and its reaper, one boot of a scenario (`guest`), the scripts it runs,
//! what comes back (console scan, decoded reports, /results), `lab exec` and gdb.

pub mod clock;
pub mod decode;
pub mod exec;
pub mod gdb;
pub mod guest;
pub mod guest_results;
pub mod logscan;
pub mod qemu;
pub mod reaper;
pub mod script;
