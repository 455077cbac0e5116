//! Static userspace binaries for the guest: the `mymem` CLI and the test
//! suites, built with `+crt-static` in a target directory of their own (so the
//! flag never reaches host builds, build scripts or proc macros).

use crate::{cmd, paths};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::Command;

pub const TARGET: &str = "x86_64-unknown-linux-gnu";

#[derive(Debug, Clone)]
pub struct GuestBins {
    pub mymem: PathBuf,
    /// (test target name, executable), e.g. ("device", .../device-1a2b3c)
    pub tests: Vec<(String, PathBuf)>,
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(paths::repo_root())
        .env("CARGO_TARGET_DIR", paths::target_dir().join("guest"))
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env_remove("RUSTC_WRAPPER");
    c
}

pub fn build(with_tests: bool) -> Result<GuestBins> {
    cmd::step("Guest userspace (static Rust binaries)");
    let log = paths::target_dir().join("guest-build.log");
    std::fs::create_dir_all(paths::target_dir())?;
    cmd::logged(
        cargo().args(["build", "--release", "--target", TARGET, "-p", "mymem-cli"]),
        "cargo build mymem-cli",
        &log,
    )?;
    let mymem = paths::target_dir()
        .join("guest")
        .join(TARGET)
        .join("release/mymem");
    if !mymem.exists() {
        bail!("{} was not produced", mymem.display());
    }
    let tests = if with_tests {
        build_tests()?
    } else {
        Vec::new()
    };
    Ok(GuestBins { mymem, tests })
}

/// `cargo test --no-run` for the guest test crate; the executables are read
/// from cargo's JSON messages rather than guessed from hashed file names.
fn build_tests() -> Result<Vec<(String, PathBuf)>> {
    let log = paths::target_dir().join("guest-tests-build.log");
    cmd::logged(
        cargo().args([
            "test",
            "--release",
            "--no-run",
            "--target",
            TARGET,
            "-p",
            "conformance",
        ]),
        "cargo test --no-run conformance",
        &log,
    )?;
    let out = cmd::output(cargo().args([
        "test",
        "--release",
        "--no-run",
        "--target",
        TARGET,
        "-p",
        "conformance",
        "--message-format=json",
    ]))?;
    let mut tests = Vec::new();
    for line in out.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_test = msg["profile"]["test"].as_bool() == Some(true);
        let kind_test = msg["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|v| v == "test"));
        if let (true, true, Some(exe)) = (is_test, kind_test, msg["executable"].as_str()) {
            let name = msg["target"]["name"]
                .as_str()
                .context("target name")?
                .to_string();
            tests.push((name, PathBuf::from(exe)));
        }
    }
    if tests.is_empty() {
        bail!("cargo built no conformance test executables");
    }
    tests.sort();
    Ok(tests)
}
