//! The build copy of a submission: only what a module build needs (sources,
//! headers, Kbuild/Makefile), regular files only, within size limits; every
//! file left out is named with why, so a student whose build fails sees that
//! their symlinked source was not followed, and a 4 GiB `core.dump` costs
//! nothing (it is never read).

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};

/// Size limits of a build copy.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of one file; a bigger one is skipped.
    pub file: u64,
    /// Bytes of the whole copy; past it the submission is refused.
    pub total: u64,
    /// Directory depth followed below the submission.
    pub depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file: 1 << 20,
            total: 16 << 20,
            depth: 6,
        }
    }
}

/// What was copied and what was not.
#[derive(Debug, Default)]
pub struct Copied {
    /// Bytes copied.
    pub bytes: u64,
    pub files: usize,
    /// One line per entry left out: `skipped core.dump (4.0 GiB: not a source or build file)`.
    pub skipped: Vec<String>,
}

/// Names the kernel's build reads besides sources.
const BUILD_FILES: &[&str] = &["Kbuild", "Makefile", "makefile", "GNUmakefile", "Kconfig"];
/// Extensions of sources and headers (C, assembler, Rust, linker scripts,
/// make fragments).
const SOURCE_EXTS: &[&str] = &["c", "h", "S", "s", "rs", "lds", "mk", "inc"];

/// Whether a build needs a file of this name.
pub fn wanted(name: &str) -> bool {
    // modpost's generated source, committed beside the sources by habit.
    if name.ends_with(".mod.c") {
        return false;
    }
    BUILD_FILES.contains(&name)
        || Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| SOURCE_EXTS.contains(&e))
}

/// `1.5 MiB`, `4.0 GiB`, `812 B`.
pub fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// Copies what a build needs from `from` into `to` (created). `Ok(Err(why))`
/// when the submission passes [`Limits::total`]; `Err` on a host I/O problem.
pub fn copy(from: &Path, to: &Path, limits: Limits) -> Result<std::result::Result<Copied, String>> {
    let mut c = Copied::default();
    match walk(from, to, Path::new(""), limits, &mut c)? {
        Ok(()) => Ok(Ok(c)),
        Err(why) => Ok(Err(why)),
    }
}

fn walk(
    from: &Path,
    to: &Path,
    rel: &Path,
    limits: Limits,
    c: &mut Copied,
) -> Result<std::result::Result<(), String>> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .with_context(|| format!("cannot read {}", from.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let shown = rel.join(&name).display().to_string();
        let path = entry.path();
        // Never follows a link: the metadata of the entry itself.
        let meta = std::fs::symlink_metadata(&path)?;
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(&path).unwrap_or_default();
            c.skipped.push(format!(
                "skipped symlink {shown} → {} (links are not followed)",
                target.display()
            ));
        } else if name.starts_with('.') {
            // .git, .mymem_c.o.cmd, editor swap files: never build inputs.
            if !name.ends_with(".cmd") {
                c.skipped.push(format!(
                    "skipped {shown}{} (hidden)",
                    if ft.is_dir() { "/" } else { "" }
                ));
            }
        } else if ft.is_dir() {
            if rel.components().count() + 1 >= limits.depth {
                c.skipped.push(format!(
                    "skipped {shown}/ (deeper than {} levels)",
                    limits.depth
                ));
                continue;
            }
            if let Err(why) = walk(&path, &to.join(&name), &rel.join(&name), limits, c)? {
                return Ok(Err(why));
            }
        } else if !ft.is_file() {
            c.skipped
                .push(format!("skipped {shown} (not a regular file)"));
        } else if !wanted(&name) {
            c.skipped.push(format!(
                "skipped {shown} ({}: not a source or build file)",
                human(meta.len())
            ));
        } else if meta.len() > limits.file {
            c.skipped.push(format!(
                "skipped {shown} ({}: over the {} limit per file)",
                human(meta.len()),
                human(limits.file)
            ));
        } else {
            if c.bytes + meta.len() > limits.total {
                return Ok(Err(format!(
                    "the submission's sources pass {} (the limit per submission) at {shown}; \
                     remove generated or copied files",
                    human(limits.total)
                )));
            }
            // Read at most the limit, whatever the file grows to meanwhile.
            let mut text = Vec::new();
            std::fs::File::open(&path)
                .with_context(|| format!("cannot read {}", path.display()))?
                .take(limits.file)
                .read_to_end(&mut text)?;
            std::fs::write(to.join(&name), &text)?;
            c.bytes += text.len() as u64;
            c.files += 1;
        }
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("lab-copy-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        dir
    }

    #[test]
    fn a_sparse_core_dump_is_listed_not_copied() {
        let dir = scratch("core");
        std::fs::write(dir.join("sub/Kbuild"), "obj-m := m.o\n").unwrap();
        std::fs::write(dir.join("sub/m.c"), "int x;\n").unwrap();
        let core = std::fs::File::create(dir.join("sub/core.dump")).unwrap();
        core.set_len(4 << 30).unwrap();
        let t = std::time::Instant::now();
        let c = copy(&dir.join("sub"), &dir.join("out"), Limits::default())
            .unwrap()
            .unwrap();
        assert!(t.elapsed().as_secs() < 2);
        assert_eq!((c.files, c.bytes), (2, 20));
        assert_eq!(
            c.skipped,
            ["skipped core.dump (4.0 GiB: not a source or build file)"]
        );
        assert!(!dir.join("out/core.dump").exists());
        assert!(dir.join("out/m.c").is_file());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_symlinked_source_is_named_with_its_target() {
        let dir = scratch("link");
        std::fs::write(dir.join("sub/Kbuild"), "obj-m := mymem_c.o\n").unwrap();
        std::os::unix::fs::symlink("../shared/mymem_c.c", dir.join("sub/mymem_c.c")).unwrap();
        let c = copy(&dir.join("sub"), &dir.join("out"), Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            c.skipped,
            ["skipped symlink mymem_c.c → ../shared/mymem_c.c (links are not followed)"]
        );
        assert!(std::fs::symlink_metadata(dir.join("out/mymem_c.c")).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn size_limits_per_file_and_per_submission() {
        let dir = scratch("size");
        std::fs::write(dir.join("sub/Kbuild"), "obj-m := m.o\n").unwrap();
        std::fs::write(dir.join("sub/big.h"), vec![b'x'; 2 << 20]).unwrap();
        std::fs::create_dir_all(dir.join("sub/gen")).unwrap();
        for i in 0..20 {
            std::fs::write(dir.join(format!("sub/gen/t{i:02}.h")), vec![b'y'; 1 << 20]).unwrap();
        }
        let why = copy(&dir.join("sub"), &dir.join("out"), Limits::default())
            .unwrap()
            .unwrap_err();
        assert_eq!(
            why,
            "the submission's sources pass 16.0 MiB (the limit per submission) at gen/t15.h; \
             remove generated or copied files"
        );
        std::fs::remove_dir_all(dir.join("sub/gen")).unwrap();
        let c = copy(&dir.join("sub"), &dir.join("out2"), Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            c.skipped,
            ["skipped big.h (2.0 MiB: over the 1.0 MiB limit per file)"]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn build_artefacts_and_notes_are_left_out() {
        assert!(wanted("Kbuild") && wanted("Makefile") && wanted("a.rs") && wanted("x.h"));
        assert!(!wanted("mymem.ko") && !wanted("mymem.o") && !wanted("notes.txt"));
        assert!(!wanted("mymem.mod.o") && !wanted("mymem.mod.c") && !wanted("Module.symvers"));
    }
}
