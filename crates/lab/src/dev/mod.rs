//! Tools for working on a module: the rust-analyzer project file and kernel-style rustfmt.

pub mod ide;
pub mod lint;
