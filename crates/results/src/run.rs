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
    /// The modules measured, one per role, when someone's modules were named (`lab run
    /// --driver DIR`...); empty when the run measured only the lab's own (and in runs
    /// written before the field existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<ModuleInfo>,
}

/// Role of a module in a run: which slot of the comparisons it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModuleRole {
    /// The C slot: the reference of every comparison (series label `C`).
    C,
    /// The Rust slot: the driver compared with the reference (series label `Rust`).
    Rust,
    /// Part 1's module.
    Hello,
    /// Part 5's in-kernel module.
    Test,
}

impl ModuleRole {
    /// The series label of a driver slot in bench.json (`C`, `Rust`), for the others `None`.
    pub fn label(self) -> Option<&'static str> {
        match self {
            ModuleRole::C => Some("C"),
            ModuleRole::Rust => Some("Rust"),
            ModuleRole::Hello | ModuleRole::Test => None,
        }
    }
}

/// One module of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleInfo {
    pub role: ModuleRole,
    /// Module name (`lsmod`).
    pub module: String,
    /// `C` or `Rust`: the language of its sources.
    pub language: String,
    /// True for the lab's own module (a baseline), false for one named on the command line.
    pub kit: bool,
    /// Its source directory as given (the lab's own: `kernel/<name>`).
    pub path: String,
    /// Device node it provided in the guest (found when it was loaded, or given); empty for
    /// modules without one or when it was never loaded.
    #[serde(default)]
    pub device: String,
    /// SHA-256 over its source files (relative path and contents, sorted by path).
    pub sources_sha256: String,
    /// `git describe --always --dirty` of the directory, when it is in a git checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_rev: Option<String>,
    /// Part 5 with the lab's mymem_test: the module whose in-kernel API it was linked
    /// against in the guest (the holder of its symbols), when it loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_against: Option<String>,
}

impl RunInfo {
    /// The module of `role`, when the run names its modules.
    pub fn module(&self, role: ModuleRole) -> Option<&ModuleInfo> {
        self.modules.iter().find(|m| m.role == role)
    }
}
