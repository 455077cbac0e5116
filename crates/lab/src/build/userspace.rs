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
    /// The seed lab's C programs (tests/seed), static: (name, executable).
    pub seed: Vec<(String, PathBuf)>,
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
    // The seed programs are cheap and `lab run` uses seed_counter too (the matrix).
    let seed = build_seed_programs()?;
    let tests = if with_tests {
        build_tests()?
    } else {
        Vec::new()
    };
    Ok(GuestBins { mymem, tests, seed })
}

/// The seed's plain-syscall C programs, built static with warnings as errors.
fn build_seed_programs() -> Result<Vec<(String, PathBuf)>> {
    let src = paths::repo_root().join("tests/seed");
    let out = paths::target_dir().join("seed");
    std::fs::create_dir_all(&out)?;
    let mut built = Vec::new();
    for name in ["seed_counter", "seed_timing"] {
        let exe = out.join(name);
        cmd::logged(
            Command::new("gcc")
                .args([
                    "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o",
                ])
                .arg(&exe)
                .arg(src.join(format!("{name}.c"))),
            &format!("gcc -static {name}.c"),
            &out.join(format!("{name}.log")),
        )?;
        built.push((name.to_string(), exe));
    }
    Ok(built)
}

/// `cargo test --no-run` for the guest test crate; the executables are read
/// from cargo's JSON messages (kept in the build log) rather than guessed from
/// hashed file names.
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
            "--message-format=json-render-diagnostics",
        ]),
        "cargo test --no-run conformance",
        &log,
    )?;
    let tests = test_executables(&std::fs::read_to_string(&log)?)?;
    if tests.is_empty() {
        bail!(
            "cargo built no conformance test executables (see {})",
            log.display()
        );
    }
    Ok(tests)
}

/// (test target name, executable) of every integration test in cargo's messages.
fn test_executables(messages: &str) -> Result<Vec<(String, PathBuf)>> {
    let mut tests = Vec::new();
    for line in messages.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_test = msg["profile"]["test"].as_bool() == Some(true);
        let kind_test = msg["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|v| v == "test"));
        if let (true, true, Some(exe)) = (is_test, kind_test, msg["executable"].as_str()) {
            let name = msg["target"]["name"].as_str().context("target name")?;
            tests.push((name.to_string(), PathBuf::from(exe)));
        }
    }
    tests.sort();
    Ok(tests)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_integration_test_executables_only() {
        let messages = r#"   Compiling conformance v0.1.0
{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"conformance"},"profile":{"test":false},"executable":null}
{"reason":"compiler-artifact","target":{"kind":["test"],"name":"seek"},"profile":{"test":true},"executable":"/t/seek-1"}
{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"conformance"},"profile":{"test":true},"executable":"/t/conformance-2"}
{"reason":"compiler-artifact","target":{"kind":["test"],"name":"rw"},"profile":{"test":true},"executable":"/t/rw-3"}
{"reason":"build-finished","success":true}"#;
        let found = test_executables(messages).unwrap();
        assert_eq!(
            found,
            vec![
                ("rw".to_string(), PathBuf::from("/t/rw-3")),
                ("seek".to_string(), PathBuf::from("/t/seek-1"))
            ]
        );
    }
}
