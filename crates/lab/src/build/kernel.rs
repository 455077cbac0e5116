//! Configuring and building the lab kernel, cached outside the repository by a
//! key of everything that shapes the result.

use crate::build::source::KernelSource;
use crate::build::toolchain::{self, Versions};
use crate::build::{cache_entry, cache_key, kconfig};
use crate::{cmd, paths};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::Command;

/// Which kernel: the normal lab kernel, or the same plus debug options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    Lab,
    Debug,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Lab => "lab",
            Profile::Debug => "debug",
        }
    }

    /// Committed fragments, merged in this order onto tinyconfig.
    pub fn fragments(self) -> Vec<PathBuf> {
        let dir = paths::repo_root().join("kernel/config");
        match self {
            Profile::Lab => vec![dir.join("lab.config")],
            Profile::Debug => vec![dir.join("lab.config"), dir.join("debug.config")],
        }
    }

    /// Extra kernel command line: in the debug profile a WARN is fatal at once.
    pub fn cmdline(self) -> &'static str {
        match self {
            Profile::Lab => "",
            Profile::Debug => "panic_on_warn=1",
        }
    }

    /// Extra `make` arguments: KASAN with Rust needs the LLVM toolchain.
    pub fn make_args(self) -> Vec<String> {
        match self {
            Profile::Lab => vec![],
            Profile::Debug => vec!["LLVM=-19".into()],
        }
    }
}

/// A built kernel: what out-of-tree modules build against and QEMU boots.
#[derive(Debug, Clone)]
pub struct Kernel {
    pub build_dir: PathBuf,
    pub source: KernelSource,
    pub profile: Profile,
    pub release: String,
    pub key: String,
    pub versions: Versions,
}

impl Kernel {
    pub fn bzimage(&self) -> PathBuf {
        self.build_dir.join("arch/x86/boot/bzImage")
    }

    pub fn gen_init_cpio(&self) -> PathBuf {
        self.build_dir.join("usr/gen_init_cpio")
    }

    /// `make -C <build> <toolchain vars> <profile args>`.
    pub fn make(&self) -> Command {
        let mut c = toolchain::make();
        c.arg("-C")
            .arg(&self.build_dir)
            .args(self.profile.make_args());
        c
    }
}

pub fn ensure(source: &KernelSource, profile: Profile, versions: &Versions) -> Result<Kernel> {
    cmd::step(&format!("Kernel build ({} profile)", profile.name()));
    let fragments = profile
        .fragments()
        .iter()
        .map(|f| std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display())))
        .collect::<Result<Vec<_>>>()?;
    let profile_args = profile.make_args().join(" ");
    let key = cache_key::kernel_key(
        &source.id,
        &fragments,
        &[
            &versions.rustc,
            &versions.bindgen,
            &versions.cc,
            &profile_args,
        ],
    );
    let build_dir = paths::cache_dir()
        .join("kernel")
        .join(format!("{}-{key}", profile.name()));
    let stamp = build_dir.join(".mymem-complete");
    let mut kernel = Kernel {
        build_dir: build_dir.clone(),
        source: source.clone(),
        profile,
        release: String::new(),
        key,
        versions: versions.clone(),
    };
    if stamp.exists() {
        let (damaged, how) = match cache_entry::damage(&build_dir)? {
            Some(damaged) => (damaged, "checksums verified"),
            // Built before manifests existed: record what is there now.
            None => match cache_entry::record(&build_dir) {
                Ok(()) => (vec![], "checksums recorded"),
                Err(e) => (vec![format!("{e:#}")], ""),
            },
        };
        if damaged.is_empty() {
            if let Some(moved) = cache_entry::relocate(&build_dir, &source.dir)? {
                cmd::note(&moved);
            }
            kernel.release = std::fs::read_to_string(&stamp)?.trim().to_string();
            cmd::note(&format!(
                "cached: {} ({}) at {}, {how}",
                kernel.release,
                kernel.key,
                build_dir.display()
            ));
            return Ok(kernel);
        }
        cmd::note(&format!(
            "the cached kernel at {} is damaged, rebuilding it:\n      {}",
            build_dir.display(),
            damaged.join("\n      ")
        ));
        std::fs::remove_file(&stamp)?;
        cache_entry::discard(&build_dir, &damaged);
    }
    std::fs::create_dir_all(&build_dir)?;
    cmd::note(&format!(
        "building into {} (cache key {})",
        build_dir.display(),
        kernel.key
    ));
    // An interrupted build resumes: reconfiguring would only cost a full rebuild.
    if dropped_options(&build_dir, &fragments)?.is_none_or(|d| !d.is_empty()) {
        configure(&kernel, &fragments)?;
    } else {
        cmd::note("resuming an earlier build (configuration already checked)");
    }
    let log = build_dir.join("build.log");
    cmd::logged(
        source_make(&kernel)
            .arg(format!("-j{}", jobs()))
            .args(["bzImage", "modules"]),
        // `modules` (none are in-tree) writes Module.symvers, without which
        // modpost rejects every kernel symbol an out-of-tree module uses.
        "make bzImage modules (GCC ~4 min on 2 cores; LLVM longer)",
        &log,
    )?;
    kernel.release = cmd::output(source_make(&kernel).args(["-s", "kernelrelease"]))?
        .trim()
        .to_string();
    let symvers = build_dir.join("Module.symvers");
    if !kernel.bzimage().exists() || !kernel.gen_init_cpio().exists() || !symvers.exists() {
        bail!("the kernel build finished without bzImage, usr/gen_init_cpio or Module.symvers");
    }
    cache_entry::record(&build_dir)?;
    std::fs::write(&stamp, &kernel.release)?;
    Ok(kernel)
}

/// `make -C <source> O=<build>`: used before the build directory has its own Makefile.
fn source_make(kernel: &Kernel) -> Command {
    let mut c = toolchain::make();
    c.arg("-C")
        .arg(&kernel.source.dir)
        .arg(format!("O={}", kernel.build_dir.display()))
        .args(kernel.profile.make_args());
    c
}

fn configure(kernel: &Kernel, fragments: &[String]) -> Result<()> {
    let dir = &kernel.build_dir;
    let log = |name: &str| dir.join(name);
    let rust = cmd::output(source_make(kernel).arg("rustavailable"))
        .context("the kernel does not accept this Rust toolchain")?;
    if !rust.contains("Rust is available") {
        bail!("make rustavailable said:\n{rust}");
    }
    cmd::logged(
        source_make(kernel).arg("tinyconfig"),
        "make tinyconfig",
        &log("config.log"),
    )?;
    let mut merge = Command::new(kernel.source.dir.join("scripts/kconfig/merge_config.sh"));
    merge
        .arg("-m")
        .arg("-O")
        .arg(dir)
        .arg(dir.join(".config"))
        .args(kernel.profile.fragments())
        .current_dir(&kernel.source.dir);
    cmd::logged(&mut merge, "merge config fragments", &log("merge.log"))?;
    cmd::logged(
        source_make(kernel).arg("olddefconfig"),
        "make olddefconfig",
        &log("olddefconfig.log"),
    )?;
    let dropped = dropped_options(dir, fragments)?.unwrap_or_default();
    if !dropped.is_empty() {
        bail!(
            "olddefconfig dropped requested options (unmet dependencies?):\n  {}",
            dropped.join("\n  ")
        );
    }
    cmd::note("every requested config option survived olddefconfig");
    Ok(())
}

/// Requested options missing from `<dir>/.config`, or None without a `.config`.
fn dropped_options(dir: &std::path::Path, fragments: &[String]) -> Result<Option<Vec<String>>> {
    let Ok(config) = std::fs::read_to_string(dir.join(".config")) else {
        return Ok(None);
    };
    let mut dropped = Vec::new();
    for fragment in fragments {
        dropped.extend(kconfig::missing(&kconfig::parse(fragment)?, &config));
    }
    Ok(Some(dropped))
}

pub fn jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}
