//! Integrity of a cached kernel build: the sizes and SHA-256 of the files the
//! lab uses are recorded when the build completes and checked before every
//! use, so a damaged entry (a truncated bzImage, a half-copied cache) is
//! named and rebuilt instead of booted.

use crate::build::cache_key;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Written beside the build's completion stamp.
pub const MANIFEST: &str = ".mymem-manifest.json";

/// The build products the lab reads, relative to the build directory.
pub const VERIFIED: &[&str] = &[
    "arch/x86/boot/bzImage",
    "usr/gen_init_cpio",
    "Module.symvers",
    ".config",
];

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Entry {
    /// Bytes.
    size: u64,
    sha256: String,
}

/// Records the sizes and checksums of [`VERIFIED`] in `<dir>/MANIFEST`.
pub fn record(dir: &Path) -> Result<()> {
    let mut files = BTreeMap::new();
    for rel in VERIFIED {
        files.insert(rel.to_string(), entry(&dir.join(rel))?);
    }
    let path = dir.join(MANIFEST);
    std::fs::write(&path, serde_json::to_string_pretty(&files)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn entry(path: &Path) -> Result<Entry> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot stat {}", path.display()))?
        .len();
    Ok(Entry {
        size,
        sha256: cache_key::file_digest(path)?,
    })
}

/// What is wrong with the entry at `dir`, one line per damaged file (empty:
/// intact). None when it has no manifest (built before manifests existed).
pub fn damage(dir: &Path) -> Result<Option<Vec<String>>> {
    let path = dir.join(MANIFEST);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let Ok(files) = serde_json::from_str::<BTreeMap<String, Entry>>(&text) else {
        return Ok(Some(vec![format!("{MANIFEST} is unreadable")]));
    };
    let mut damaged = Vec::new();
    for rel in VERIFIED {
        let Some(want) = files.get(*rel) else {
            damaged.push(format!("{rel}: not in {MANIFEST}"));
            continue;
        };
        match entry(&dir.join(rel)) {
            Err(_) => damaged.push(format!("{rel}: missing")),
            Ok(got) if got.size != want.size => damaged.push(format!(
                "{rel}: {} bytes, {} when built",
                got.size, want.size
            )),
            Ok(got) if got.sha256 != want.sha256 => {
                damaged.push(format!("{rel}: checksum differs from the one recorded"))
            }
            Ok(_) => {}
        }
    }
    Ok(Some(damaged))
}

/// Removes the damaged products named by [`damage`] (all of them when the
/// manifest itself is bad) and the manifest, so that `make` rebuilds them.
pub fn discard(dir: &Path, damaged: &[String]) {
    for rel in VERIFIED {
        let named = damaged.iter().any(|l| l.starts_with(&format!("{rel}:")));
        let manifest_bad = damaged.iter().any(|l| l.starts_with(MANIFEST));
        if named || manifest_bad {
            let _ = std::fs::remove_file(dir.join(rel));
        }
    }
    let _ = std::fs::remove_file(dir.join(MANIFEST));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_build(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("lab-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for rel in VERIFIED {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, format!("contents of {rel}").repeat(100)).unwrap();
        }
        dir
    }

    #[test]
    fn an_intact_entry_passes() {
        let dir = fake_build("intact");
        assert_eq!(damage(&dir).unwrap(), None, "no manifest yet");
        record(&dir).unwrap();
        assert_eq!(damage(&dir).unwrap(), Some(vec![]));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_truncated_bzimage_is_named() {
        let dir = fake_build("truncated");
        record(&dir).unwrap();
        let bz = dir.join("arch/x86/boot/bzImage");
        let full = std::fs::metadata(&bz).unwrap().len();
        std::fs::File::options()
            .write(true)
            .open(&bz)
            .unwrap()
            .set_len(full / 2)
            .unwrap();
        let d = damage(&dir).unwrap().unwrap();
        assert_eq!(
            d,
            [format!(
                "arch/x86/boot/bzImage: {} bytes, {full} when built",
                full / 2
            )]
        );
        discard(&dir, &d);
        assert!(!bz.exists() && dir.join("Module.symvers").exists());
        assert!(!dir.join(MANIFEST).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn same_size_other_bytes_is_caught() {
        let dir = fake_build("flipped");
        record(&dir).unwrap();
        std::fs::write(dir.join("Module.symvers"), "X".repeat(2500)).unwrap();
        let mut want = "contents of Module.symvers".repeat(100);
        want.replace_range(0..1, "K");
        std::fs::write(dir.join("Module.symvers"), want).unwrap();
        let d = damage(&dir).unwrap().unwrap();
        assert_eq!(
            d,
            ["Module.symvers: checksum differs from the one recorded"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
