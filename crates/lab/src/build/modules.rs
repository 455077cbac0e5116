//! Our out-of-tree modules, built with Kbuild against the lab kernel. Sources
//! are mirrored into target/ so the repository stays free of build artefacts.

use crate::build::kernel::Kernel;
use crate::{cmd, paths};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Each module and the modules whose exported symbols it uses (built first;
/// their Module.symvers goes into KBUILD_EXTRA_SYMBOLS).
pub const MODULES: &[(&str, &[&str])] = &[
    ("hello", &[]),
    ("mymem", &[]),
    ("mymem_c", &[]),
    ("mymem_test", &["mymem"]),
    ("lab_fault", &[]),
];

/// `make` variables that give our modules full debug info without touching the kernel's
/// config (which has none): the top Makefile appends them to the C and Rust flags. The
/// host decodes kernel reports (vm/decode.rs) and gdb reads symbols from it.
pub const MODULE_DEBUG_INFO: [&str; 2] = ["KCFLAGS=-g", "KRUSTFLAGS=-Cdebuginfo=2"];

#[derive(Debug, Clone)]
pub struct Built {
    /// module name -> .ko, with debug info (for decoding traces and gdb on the host)
    pub modules: Vec<(String, PathBuf)>,
}

impl Built {
    /// module name -> the copy the guest gets: debug info stripped (about 20x smaller, so the
    /// initramfs stays small); symbols and sections are the same as the host's `.ko`.
    pub fn guest_copies(&self) -> impl Iterator<Item = (&str, PathBuf)> {
        self.modules
            .iter()
            .map(|(name, ko)| (name.as_str(), guest_copy(ko)))
    }
}

/// `<name>.guest.ko` beside `<name>.ko`.
fn guest_copy(ko: &Path) -> PathBuf {
    ko.with_extension("guest.ko")
}

/// Writes the stripped guest copy of `ko` unless it is newer than `ko`.
pub(crate) fn strip_for_guest(ko: &Path) -> Result<()> {
    let copy = guest_copy(ko);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&copy).is_some() && modified(&copy) >= modified(ko) {
        return Ok(());
    }
    cmd::output(
        std::process::Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(&copy)
            .arg(ko),
    )
    .with_context(|| format!("cannot strip {} for the guest", ko.display()))?;
    Ok(())
}

/// Where `kernel/` is mirrored and built for `kernel`: `target/kbuild/<profile>-<key>/`.
pub fn kbuild_dir(kernel: &Kernel) -> PathBuf {
    paths::target_dir()
        .join("kbuild")
        .join(format!("{}-{}", kernel.profile.name(), kernel.key))
}

pub fn build(kernel: &Kernel) -> Result<Built> {
    cmd::step("Kernel modules (out-of-tree Kbuild)");
    let src = paths::repo_root().join("kernel");
    let out = kbuild_dir(kernel);
    mirror(&src, &out)?;
    // A handout ships none of the reference modules: the student's part directories come
    // in through --driver/--test-module/--hello (measure/drivers.rs), as anyone's modules do.
    let handout = crate::handout::this()?.is_some();
    let mut built = Vec::new();
    let mut fresh = Vec::new();
    for (name, deps) in MODULES {
        let dir = out.join(name);
        if !dir.join("Kbuild").exists() {
            if handout && !src.join(name).exists() {
                continue;
            }
            bail!("kernel/{name}/Kbuild is missing");
        }
        let ko = dir.join(format!("{name}.ko"));
        // Kbuild takes seconds even with nothing to do (5-10 s per module
        // under load): skip it when the sources (and those of the modules it
        // uses) are what it last built. Per module, so that editing one does
        // not re-run Kbuild for all of them.
        let inputs = inputs_digest(kernel, &out, name, deps)?;
        let stamp = dir.join(".lab-built");
        if ko.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&inputs) {
            strip_for_guest(&ko)?;
            fresh.push(*name);
            built.push((name.to_string(), ko));
            continue;
        }
        let mut make = kernel.make();
        make.arg(format!("M={}", dir.display()))
            .args(crate::build::toolchain::MODULE_CLIPPY)
            .args(MODULE_DEBUG_INFO);
        let symvers: Vec<String> = deps
            .iter()
            .map(|d| out.join(d).join("Module.symvers").display().to_string())
            .collect();
        if !symvers.is_empty() {
            make.arg(format!("KBUILD_EXTRA_SYMBOLS={}", symvers.join(" ")));
        }
        make.arg("modules");
        cmd::logged(
            &mut make,
            &format!("build {name}.ko"),
            &dir.join("build.log"),
        )?;
        if !ko.exists() {
            bail!("{} was not produced", ko.display());
        }
        strip_for_guest(&ko)?;
        std::fs::write(&stamp, &inputs)
            .with_context(|| format!("cannot write {}", stamp.display()))?;
        built.push((name.to_string(), ko));
    }
    if !fresh.is_empty() {
        cmd::note(&format!("up to date: {}", fresh.join(", ")));
    }
    Ok(Built { modules: built })
}

/// Where the headers every module may include live, in the mirror.
const SHARED_DIRS: &[&str] = &["include"];

/// Digest of everything the build of module `name` reads that can change
/// between runs: the kernel build (its cache key), the flags, and the source
/// files of the module, of the modules it uses (`deps`) and of the shared
/// headers.
fn inputs_digest(kernel: &Kernel, out: &Path, name: &str, deps: &[&str]) -> Result<String> {
    let dirs: Vec<PathBuf> = std::iter::once(&name)
        .chain(deps)
        .chain(SHARED_DIRS)
        .map(|d| out.join(d))
        .collect();
    sources_digest(kernel, &dirs)
}

/// Digest of a Kbuild build of the sources under `dirs` against `kernel`
/// with our flags (see [`inputs_digest`]).
pub(crate) fn sources_digest(kernel: &Kernel, dirs: &[PathBuf]) -> Result<String> {
    let mut parts = vec![
        kernel.key.clone(),
        crate::build::toolchain::MODULE_CLIPPY.join(" "),
        MODULE_DEBUG_INFO.join(" "),
    ];
    let mut files = Vec::new();
    for dir in dirs {
        sources(dir, &mut files)?;
    }
    files.sort();
    for f in files {
        parts.push(f.display().to_string());
        parts.push(crate::build::cache_key::file_digest(&f)?);
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    Ok(crate::build::cache_key::digest(&parts))
}

fn sources(dir: &Path, into: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            sources(&path, into)?;
        } else if is_source(&path) {
            into.push(path);
        }
    }
    Ok(())
}

/// Copies source files whose contents changed (keeping mtimes of unchanged
/// ones, so Kbuild rebuilds only what changed) and removes stale ones.
fn mirror(src: &Path, dst: &Path) -> Result<()> {
    std::fs::create_dir_all(dst)?;
    for entry in std::fs::read_dir(src).with_context(|| format!("cannot read {}", src.display()))? {
        let entry = entry?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            mirror(&from, &to)?;
        } else if is_source(&from) {
            let new = std::fs::read(&from)?;
            if std::fs::read(&to).ok().as_deref() != Some(new.as_slice()) {
                std::fs::write(&to, new)?;
            }
        }
    }
    // A source deleted from the repository must not linger in the build.
    for entry in std::fs::read_dir(dst)? {
        let path = entry?.path();
        if path.is_file() && is_source(&path) && !src.join(path.file_name().expect("file")).exists()
        {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}

fn is_source(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name == "Kbuild"
        || name == "Makefile"
        || [".rs", ".c", ".h", ".config"]
            .iter()
            .any(|e| name.ends_with(e))
}
