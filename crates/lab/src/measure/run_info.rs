//! The host's part of a run's environment stamp (`run.json`).

use crate::build::cache_key;
use crate::vm::clock::Clock;
use crate::vm::guest::Lab;
use crate::{cmd, paths};
use anyhow::Result;
use results::{RunInfo, RUN_SCHEMA};
use std::process::Command;

/// The stamp of a run whose measurement boots used `clocks` (`wall+icount` for both).
pub fn collect(lab: &Lab, clocks: &[Clock]) -> Result<RunInfo> {
    let git_rev = cmd::output(
        Command::new("git")
            .args(["describe", "--always", "--dirty", "--abbrev=12"])
            .current_dir(paths::repo_root()),
    )
    .unwrap_or_else(|_| "unknown".into());
    Ok(RunInfo {
        schema: RUN_SCHEMA.into(),
        date: crate::measure::runs::iso_now(),
        git_rev: git_rev.trim().into(),
        accel: lab.accel.name().into(),
        accel_reason: lab.accel_reason.clone(),
        clock: clocks
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join("+"),
        kernel_release: lab.kernel.release.clone(),
        kernel_source: lab.kernel.source.id.clone(),
        kernel_key: lab.kernel.key.clone(),
        config_sha256: cache_key::file_digest(&lab.kernel.build_dir.join(".config"))?,
        profile: lab.kernel.profile.name().into(),
        rustc: lab.kernel.versions.rustc.clone(),
        bindgen: lab.kernel.versions.bindgen.clone(),
        cc: lab.kernel.versions.cc.clone(),
        modules: Vec::new(),
    })
}
