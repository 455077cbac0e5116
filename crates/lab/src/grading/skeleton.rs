//! `lab skeleton --lang rust|c DIR`: starter code derived from our drivers
//! with the device operations' bodies replaced by TODO markers. It builds and
//! loads; `lab grade DIR` scores the clauses it already satisfies (make
//! test-grade grades both skeletons against an exact expected score, so a
//! starter that stops building or starts giving answers away fails there).
//!
//! What is kept as a file and what is taken from the driver: the student's
//! part (the C driver's bodies; the Rust `device.rs`/`file.rs` and the module
//! declaration) is written by hand under crates/lab/skeleton, because turning
//! a working body into a useful TODO (what to do, which helper, which errno)
//! is not a mechanical transformation. Everything the student does not write
//! (the Rust glue for what 7.3 lacks, the C helpers, the uapi header) is
//! included verbatim from kernel/ at compile time, so it cannot go stale.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// Languages a skeleton exists for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Lang {
    Rust,
    C,
}

const UAPI: (&str, &str) = (
    "include/uapi/linux/mymem.h",
    include_str!("../../../../kernel/include/uapi/linux/mymem.h"),
);

const C_FILES: &[(&str, &str)] = &[
    ("Kbuild", include_str!("../../skeleton/c/Kbuild")),
    ("mymem_c.c", include_str!("../../skeleton/c/mymem_c.c")),
    UAPI,
];

/// The Rust starter: the student's files, then the driver's glue as it is.
const RUST_FILES: &[(&str, &str)] = &[
    ("Kbuild", include_str!("../../skeleton/rust/Kbuild")),
    (
        "mymem_main.rs",
        include_str!("../../skeleton/rust/mymem_main.rs"),
    ),
    ("device.rs", include_str!("../../skeleton/rust/device.rs")),
    ("file.rs", include_str!("../../skeleton/rust/file.rs")),
    (
        "global.rs",
        include_str!("../../../../kernel/mymem/global.rs"),
    ),
    (
        "misc_llseek.rs",
        include_str!("../../../../kernel/mymem/misc_llseek.rs"),
    ),
    (
        "shared_buf.rs",
        include_str!("../../../../kernel/mymem/shared_buf.rs"),
    ),
    ("uapi.rs", include_str!("../../../../kernel/mymem/uapi.rs")),
    ("vfs.rs", include_str!("../../../../kernel/mymem/vfs.rs")),
    (
        "mymem_helpers.c",
        include_str!("../../../../kernel/mymem/mymem_helpers.c"),
    ),
    (
        "mymem_helpers.h",
        include_str!("../../../../kernel/mymem/mymem_helpers.h"),
    ),
    UAPI,
];

pub fn write(lang: Lang, dir: &Path) -> Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    let files = match lang {
        Lang::Rust => RUST_FILES,
        Lang::C => C_FILES,
    };
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("in dir"))?;
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!(
        "Starter module in {}: fill in the TODOs, then: lab grade {}",
        dir.display(),
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_skeleton_has_todos_and_no_answers() {
        let c = C_FILES[1].1;
        assert!(c.matches("TODO").count() >= 7);
        assert!(
            !c.contains("copy_to_iter(dev->buf"),
            "the read body is given away"
        );
        let dir = std::env::temp_dir().join(format!("lab-skeleton-{}", std::process::id()));
        write(Lang::C, &dir).unwrap();
        assert!(dir.join("include/uapi/linux/mymem.h").is_file());
        assert!(write(Lang::C, &dir).is_err(), "must not overwrite");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rust_skeleton_has_todos_no_answers_and_no_panics() {
        let student: String = RUST_FILES[..4].iter().map(|(_, t)| *t).collect();
        assert!(student.matches("TODO").count() >= 7);
        assert!(
            !student.contains("copy_to_iter("),
            "the read body is given away"
        );
        // Kernel code must not panic: no todo!/unimplemented!/unwrap in the stubs.
        for bad in ["todo!", "unimplemented!", "unwrap()", "panic!"] {
            assert!(!student.contains(bad), "{bad} in the Rust starter");
        }
        // Every `mod` of the starter is one of its files.
        let main = RUST_FILES[1].1;
        for line in main.lines().filter_map(|l| l.strip_prefix("mod ")) {
            let file = format!("{}.rs", line.trim_end_matches(';'));
            assert!(RUST_FILES.iter().any(|(n, _)| *n == file), "{file}");
        }
        let dir = std::env::temp_dir().join(format!("lab-skeleton-rs-{}", std::process::id()));
        write(Lang::Rust, &dir).unwrap();
        assert!(dir.join("misc_llseek.rs").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
