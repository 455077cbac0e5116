//! The kernel source: Debian's arch-independent `linux-source-7.3` package,
//! downloaded through a private apt configuration (the machine's own apt
//! sources stay untouched), or a tree / tarball the user names.

use crate::{cmd, paths};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const PACKAGE: &str = "linux-source-7.3";
const SUITE: &str = "trixie-backports";
const MIRROR: &str = "http://deb.debian.org/debian";

/// An extracted kernel tree and the version that identifies it in cache keys.
#[derive(Debug, Clone)]
pub struct KernelSource {
    pub dir: PathBuf,
    /// e.g. `linux-source-7.3 7.3.4-1~bpo13+1`, or the tarball's digest.
    pub id: String,
}

/// `KERNEL_SRC` (a tree), `KERNEL_TARBALL` (a .tar.xz / .tar.gz), or the Debian package.
pub fn ensure() -> Result<KernelSource> {
    cmd::step("Kernel source");
    if let Some(dir) = std::env::var_os("KERNEL_SRC") {
        let dir = PathBuf::from(dir);
        let version = make_kernelversion(&dir)?;
        cmd::note(&format!("using KERNEL_SRC={} ({version})", dir.display()));
        return Ok(KernelSource {
            id: format!("tree {} {version}", dir.display()),
            dir,
        });
    }
    if let Some(tarball) = std::env::var_os("KERNEL_TARBALL") {
        return from_tarball(Path::new(&tarball));
    }
    from_debian()
}

fn make_kernelversion(dir: &Path) -> Result<String> {
    if !dir.join("Makefile").exists() {
        bail!("{} is not a kernel tree (no Makefile)", dir.display());
    }
    Ok(cmd::output(
        Command::new("make")
            .arg("-s")
            .arg("-C")
            .arg(dir)
            .arg("kernelversion"),
    )?
    .trim()
    .to_string())
}

fn from_tarball(tarball: &Path) -> Result<KernelSource> {
    let digest = crate::build::cache_key::file_digest(tarball)?;
    let dest = paths::cache_dir()
        .join("src")
        .join(format!("tarball-{}", &digest[..16]));
    extract_once(tarball, &dest)?;
    let dir = single_subdir(&dest)?;
    let version = make_kernelversion(&dir)?;
    cmd::note(&format!(
        "using KERNEL_TARBALL={} ({version})",
        tarball.display()
    ));
    Ok(KernelSource {
        id: format!("tarball sha256:{digest} {version}"),
        dir,
    })
}

fn from_debian() -> Result<KernelSource> {
    let apt = paths::cache_dir().join("apt");
    let deb = download_package(&apt)?;
    let version = deb_version(&deb)?;
    let dest = paths::cache_dir()
        .join("src")
        .join(format!("{PACKAGE}_{version}"));
    if !dest.join(".extracted").exists() {
        let staging = dest.join("deb");
        cmd::logged(
            Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&staging),
            "unpacking the .deb",
            &dest_log(&dest, "dpkg-deb.log")?,
        )?;
        let tarball = staging.join(format!("usr/src/{PACKAGE}.tar.xz"));
        extract_once(&tarball, &dest.join("tree"))?;
        std::fs::remove_dir_all(&staging)?;
        std::fs::write(dest.join(".extracted"), &version)?;
    }
    let dir = single_subdir(&dest.join("tree"))?;
    cmd::note(&format!("{PACKAGE} {version} at {}", dir.display()));
    Ok(KernelSource {
        id: format!("{PACKAGE} {version}"),
        dir,
    })
}

fn dest_log(dest: &Path, name: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dest)?;
    Ok(dest.join(name))
}

/// Download-only apt for another suite: its own sources, lists and archives
/// under the cache; never an `install` from it.
fn download_package(apt: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(apt.join("lists/partial"))?;
    std::fs::create_dir_all(apt.join("archives/partial"))?;
    let sources = apt.join("extra.sources");
    std::fs::write(
        &sources,
        format!(
            "Types: deb\nURIs: {MIRROR}\nSuites: {SUITE}\nComponents: main\n\
             Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        ),
    )?;
    let opts = [
        format!("-oDir::Etc::sourcelist={}", sources.display()),
        "-oDir::Etc::sourceparts=-".into(),
        format!("-oDir::State::Lists={}", apt.join("lists").display()),
        format!("-oDir::Cache::archives={}", apt.join("archives").display()),
        "-oDir::Cache::pkgcache=".into(),
        "-oDir::Cache::srcpkgcache=".into(),
        // The download lands in our own directory, which _apt cannot write.
        "-oAPT::Sandbox::User=root".into(),
    ];
    let existing = find_deb(apt);
    let log = dest_log(apt, "apt.log")?;
    let updated = cmd::logged(
        Command::new("apt-get").args(&opts).args(["update", "-q"]),
        &format!("apt-get update ({SUITE}, private config)"),
        &log,
    );
    if let Err(e) = updated {
        // Offline but already downloaded: keep working with what we have.
        if let Some(deb) = existing {
            cmd::note(&format!(
                "could not refresh ({e:#}); using {}",
                deb.display()
            ));
            return Ok(deb);
        }
        return Err(e);
    }
    let candidate = cmd::output(
        Command::new("apt-cache")
            .args(&opts)
            .args(["policy", PACKAGE]),
    )?;
    let version = candidate
        .lines()
        .find_map(|l| l.trim().strip_prefix("Candidate:"))
        .map(str::trim)
        .filter(|v| *v != "(none)")
        .with_context(|| format!("{PACKAGE} is not offered by {SUITE}"))?
        .to_string();
    if let Some(deb) = existing.filter(|d| deb_version(d).ok().as_deref() == Some(&version)) {
        return Ok(deb);
    }
    cmd::logged(
        Command::new("apt-get")
            .args(&opts)
            .args(["download", "-q"])
            .arg(format!("{PACKAGE}={version}"))
            .current_dir(apt.join("archives")),
        &format!("downloading {PACKAGE} {version} (~170 MB, verified by apt)"),
        &apt.join("apt-download.log"),
    )?;
    find_deb(apt).context("apt-get download left no .deb")
}

fn find_deb(apt: &Path) -> Option<PathBuf> {
    let mut debs: Vec<PathBuf> = std::fs::read_dir(apt.join("archives"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PACKAGE) && n.ends_with(".deb"))
        })
        .collect();
    debs.sort();
    debs.pop()
}

fn deb_version(deb: &Path) -> Result<String> {
    Ok(cmd::output(
        Command::new("dpkg-deb")
            .args(["-f"])
            .arg(deb)
            .arg("Version"),
    )?
    .trim()
    .to_string())
}

/// Extracts `tarball` into `dest` once (a stamp marks completion; a half
/// extraction is redone).
fn extract_once(tarball: &Path, dest: &Path) -> Result<()> {
    let stamp = dest.join(".complete");
    if stamp.exists() {
        return Ok(());
    }
    if dest.exists() {
        std::fs::remove_dir_all(dest)?;
    }
    std::fs::create_dir_all(dest)?;
    cmd::logged(
        Command::new("tar")
            .arg("xf")
            .arg(tarball)
            .arg("-C")
            .arg(dest),
        "extracting the kernel source (~30 s)",
        &dest.with_extension("tar.log"),
    )?;
    std::fs::write(stamp, "")?;
    Ok(())
}

fn single_subdir(dir: &Path) -> Result<PathBuf> {
    let subdirs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .map(|e| e.path())
        .collect();
    match subdirs.as_slice() {
        [one] => Ok(one.clone()),
        _ => bail!(
            "expected one directory in {}, found {}",
            dir.display(),
            subdirs.len()
        ),
    }
}
