//! `<run>/run.json`: what the host runner built and booted for this run.

use serde::{Deserialize, Serialize};

use crate::Document;

pub const RUN_SCHEMA: &str = "mymem-run/1";

impl Document for RunInfo {
    const SCHEMA: &'static str = RUN_SCHEMA;
    fn schema(&self) -> &str {
        &self.schema
    }
}

/// Root of `run.json` (schema [`RUN_SCHEMA`]), written by the host runner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Always [`RUN_SCHEMA`].
    pub schema: String,
    /// Start of the run, RFC 3339 UTC (`2026-11-27T01:02:03Z`).
    pub date: String,
    /// `git describe`-style revision of the project tree.
    pub git_rev: String,
    /// `kvm` or `tcg`.
    pub accel: String,
    /// Why that accelerator was chosen (e.g. "/dev/kvm missing").
    pub accel_reason: String,
    /// Guest clock of the run's measurement boots: `wall`, `icount` (1 ns per executed guest
    /// instruction), or `wall+icount` (`lab run`: a wall boot and an icount boot); empty in
    /// runs written before the field existed (they were `wall`).
    #[serde(default)]
    pub clock: String,
    /// `uname -r` of the lab kernel.
    pub kernel_release: String,
    /// Where the kernel source came from (package and version).
    pub kernel_source: String,
    /// Cache key of the kernel build.
    pub kernel_key: String,
    /// SHA-256 of the kernel .config.
    pub config_sha256: String,
    /// Build profile of the lab (`lab`, ...).
    pub profile: String,
    /// `rustc --version` used for the kernel and modules.
    pub rustc: String,
    /// `bindgen --version`.
    pub bindgen: String,
    /// `cc --version` (first line).
    pub cc: String,
}
