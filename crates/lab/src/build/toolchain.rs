//! Host toolchain: Debian packages, bindgen from crates.io, and the variables
//! every kernel `make` needs (see shared notes: the rustup `rustc` first in PATH
//! has no `core` source, and the kernel does not remember `RUSTC`).

use crate::cmd;
use crate::paths;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::Command;

/// bindgen-cli pinned: the kernel wants >= 0.71.1; this one is verified here.
pub const BINDGEN_VERSION: &str = "0.73.2";
pub const LIBCLANG_PATH: &str = "/usr/lib/llvm-19/lib";

/// Debian packages and why each is needed.
pub const PACKAGES: &[(&str, &str)] = &[
    (
        "rustc-web",
        "rustc 1.96 whose core/alloc source the kernel builds",
    ),
    ("rust-web-src", "the matching core/alloc source"),
    (
        "rust-web-clippy",
        "clippy for our kernel Rust (CLIPPY=1 in module builds)",
    ),
    ("clang-19", "bindgen parses kernel headers with libclang"),
    ("libclang-19-dev", "libclang for bindgen"),
    ("lld-19", "LLVM linker (debug profile)"),
    ("llvm-19", "LLVM tools (debug profile)"),
    ("gcc", "C compiler for the kernel and C modules"),
    ("libc6-dev", "static glibc for the seed's C test programs"),
    ("make", "kernel build"),
    ("flex", "kernel build (kconfig)"),
    ("bison", "kernel build (kconfig)"),
    ("bc", "kernel build"),
    ("libelf-dev", "kernel build (objtool)"),
    ("cpio", "kernel build"),
    ("xz-utils", "unpacking the kernel source"),
    ("qemu-system-x86", "boots the lab guest"),
    ("busybox-static", "the guest's userland"),
    (
        "binutils",
        "addr2line resolves module frames of kernel reports to file:line",
    ),
    (
        "gdb",
        "lab exec/shell --gdb and the gdb suite attach to QEMU's stub",
    ),
    (
        "bubblewrap",
        "lab grade builds submitted code in a sandbox (bwrap): no network, no view of the host",
    ),
    (
        "python3",
        "make ide runs the kernel's scripts/generate_rust_analyzer.py",
    ),
];

/// Installs the Debian packages that are missing, saying which and why.
pub fn ensure_packages() -> Result<()> {
    cmd::step("Host packages");
    let missing: Vec<_> = PACKAGES
        .iter()
        .filter(|(name, _)| !is_installed(name))
        .collect();
    if missing.is_empty() {
        cmd::note(&format!("all {} present", PACKAGES.len()));
        return Ok(());
    }
    for (name, why) in &missing {
        cmd::note(&format!("installing {name}: {why}"));
    }
    let log = log_dir()?.join("apt-install.log");
    cmd::logged(
        cmd::privileged("apt-get").args(["update", "-q"]),
        "apt-get update",
        &log.with_file_name("apt-update.log"),
    )?;
    cmd::logged(
        cmd::privileged("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(missing.iter().map(|(n, _)| *n)),
        "apt-get install",
        &log,
    )
}

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

pub fn log_dir() -> Result<PathBuf> {
    let dir = paths::cache_dir().join("logs");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

pub fn bindgen_path() -> PathBuf {
    paths::cache_dir()
        .join(format!("bindgen-{BINDGEN_VERSION}"))
        .join("bin/bindgen")
}

/// Installs the pinned bindgen-cli into the cache (Debian's 0.60 is too old).
pub fn ensure_bindgen() -> Result<()> {
    cmd::step(&format!("bindgen-cli {BINDGEN_VERSION}"));
    let bin = bindgen_path();
    if bin.exists() {
        cmd::note(&format!("present at {}", bin.display()));
        return Ok(());
    }
    let root = bin.parent().and_then(|p| p.parent()).expect("bin/bindgen");
    cmd::logged(
        Command::new("cargo")
            .args([
                "install",
                "--locked",
                "bindgen-cli",
                "--version",
                BINDGEN_VERSION,
            ])
            .arg("--root")
            .arg(root)
            .current_dir(paths::cache_dir()),
        "cargo install bindgen-cli (about a minute)",
        &log_dir()?.join("bindgen-install.log"),
    )
}

/// The `make` variables for the kernel and every `M=` build.
pub fn make_vars() -> Vec<String> {
    vec![
        "RUSTC=/usr/bin/rustc".into(),
        "HOSTRUSTC=/usr/bin/rustc".into(),
        "RUSTDOC=/usr/bin/rustdoc".into(),
        format!("BINDGEN={}", bindgen_path().display()),
    ]
}

/// Lints our Rust modules with the clippy matching /usr/bin/rustc (warnings
/// are errors through their Kbuild's -Dwarnings).
pub const MODULE_CLIPPY: [&str; 2] = ["CLIPPY=1", "CLIPPY_DRIVER=/usr/bin/clippy-driver"];

/// A `make` command with the toolchain variables and libclang set.
pub fn make() -> Command {
    let mut c = Command::new("make");
    c.args(make_vars()).env("LIBCLANG_PATH", LIBCLANG_PATH);
    c
}

/// Versions that go into the kernel cache key and the report's stamp.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Versions {
    pub rustc: String,
    pub bindgen: String,
    pub cc: String,
}

pub fn versions() -> Result<Versions> {
    let first = |s: String| s.lines().next().unwrap_or_default().trim().to_string();
    let rustc = first(cmd::output(
        Command::new("/usr/bin/rustc").arg("--version"),
    )?);
    let bindgen = first(cmd::output(Command::new(bindgen_path()).arg("--version"))?);
    let cc = first(cmd::output(Command::new("gcc").arg("--version"))?);
    Ok(Versions { rustc, bindgen, cc })
}
