//! `lab skeleton --lang rust|c DIR`: starter code derived from our drivers
//! with the device operations' bodies replaced by TODO markers. It builds and
//! loads; `lab grade DIR` scores the clauses it already satisfies (make
//! test-grade grades both skeletons against an exact expected score, so a
//! starter that stops building or starts giving answers away fails there).
//!
//! Derived, not copied: a starter file that shares most of a driver file (the
//! C driver's includes, parameters, open/release and module init; the Rust
//! module declaration) is that file with a patch applied when the skeleton is
//! written (`*.patch` under crates/lab/skeleton), so the shared part follows
//! the driver and a driver change that touches a stubbed body makes the patch
//! fail to apply: the unit test below (in `make test`) then names the file.
//! The student's Rust `device.rs` and `file.rs` share little with the
//! driver's and are kept whole; the glue the student does not write (for
//! what 7.3 lacks, the C helpers, the uapi header) is the driver's, verbatim.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// Languages a skeleton exists for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Lang {
    Rust,
    C,
}

/// Where a starter file's text comes from.
#[derive(Clone, Copy)]
enum Source {
    Text(&'static str),
    /// A driver file with a unified diff applied (see `variant::apply`).
    Patched {
        base: &'static str,
        patch: &'static str,
    },
}

impl Source {
    fn text(self, name: &str) -> Result<String> {
        match self {
            Source::Text(t) => Ok(t.to_string()),
            Source::Patched { base, patch } => {
                super::variant::apply(base, patch).with_context(|| {
                    format!("the starter's {name}: its patch no longer applies to the driver")
                })
            }
        }
    }
}

use Source::{Patched, Text};

const UAPI: (&str, Source) = (
    "include/uapi/linux/mymem.h",
    Text(include_str!(
        "../../../../kernel/include/uapi/linux/mymem.h"
    )),
);

const C_FILES: &[(&str, Source)] = &[
    ("Kbuild", Text(include_str!("../../skeleton/c/Kbuild"))),
    (
        "mymem_c.c",
        Patched {
            base: include_str!("../../../../kernel/mymem_c/mymem_c.c"),
            patch: include_str!("../../skeleton/c/mymem_c.c.patch"),
        },
    ),
    UAPI,
];

/// The Rust starter: the student's files, then the driver's glue as it is.
const RUST_FILES: &[(&str, Source)] = &[
    ("Kbuild", Text(include_str!("../../skeleton/rust/Kbuild"))),
    (
        "mymem_main.rs",
        Patched {
            base: include_str!("../../../../kernel/mymem/mymem_main.rs"),
            patch: include_str!("../../skeleton/rust/mymem_main.rs.patch"),
        },
    ),
    (
        "device.rs",
        Text(include_str!("../../skeleton/rust/device.rs")),
    ),
    ("file.rs", Text(include_str!("../../skeleton/rust/file.rs"))),
    (
        "global.rs",
        Text(include_str!("../../../../kernel/mymem/global.rs")),
    ),
    (
        "misc_iter.rs",
        Text(include_str!("../../../../kernel/mymem/misc_iter.rs")),
    ),
    (
        "misc_llseek.rs",
        Text(include_str!("../../../../kernel/mymem/misc_llseek.rs")),
    ),
    (
        "shared_buf.rs",
        Text(include_str!("../../../../kernel/mymem/shared_buf.rs")),
    ),
    (
        "uapi.rs",
        Text(include_str!("../../../../kernel/mymem/uapi.rs")),
    ),
    (
        "vfs.rs",
        Text(include_str!("../../../../kernel/mymem/vfs.rs")),
    ),
    (
        "mymem_helpers.c",
        Text(include_str!("../../../../kernel/mymem/mymem_helpers.c")),
    ),
    (
        "mymem_helpers.h",
        Text(include_str!("../../../../kernel/mymem/mymem_helpers.h")),
    ),
    UAPI,
];

fn files(lang: Lang) -> &'static [(&'static str, Source)] {
    match lang {
        Lang::Rust => RUST_FILES,
        Lang::C => C_FILES,
    }
}

/// Reference files handed to students whole, on purpose: the glue that Rust-for-Linux 7.3
/// lacks (lseek/splice/fsync registration, iterators, file flags and their C helpers, the
/// mappable buffer, the loaded device, the uapi mirror, the EXPORT_SYMBOL file) and the
/// plumbing of the in-kernel module that part 5 does not ask for (its device, command parser,
/// state, JSON report, buffers, statistics, workqueue and the C-ABI declarations of the
/// driver's API). This is the one list: `lab skeleton` and `lab handout` copy these files as
/// they are, and the no-answers check of a handout (handout/answers.rs) allows exactly these.
pub const GIVEN_FILES: &[&str] = &[
    "kernel/mymem/global.rs",
    "kernel/mymem/misc_iter.rs",
    "kernel/mymem/misc_llseek.rs",
    "kernel/mymem/shared_buf.rs",
    "kernel/mymem/uapi.rs",
    "kernel/mymem/vfs.rs",
    "kernel/mymem/mymem_helpers.c",
    "kernel/mymem/mymem_helpers.h",
    "kernel/mymem/mymem_exports.c",
    "kernel/mymem_test/mymem_api.rs",
    "kernel/mymem_test/mymem_test.rs",
    "kernel/mymem_test/buffers.rs",
    "kernel/mymem_test/config.rs",
    "kernel/mymem_test/control.rs",
    "kernel/mymem_test/report.rs",
    "kernel/mymem_test/shared.rs",
    "kernel/mymem_test/stats.rs",
    "kernel/mymem_test/wq.rs",
];

/// Functions of the other reference files that starters keep as they are (module load and
/// unload, parameters, registration, open and release, the size ioctl's helpers, the
/// part-5 module's declaration and the loops around the student's bodies), by file and name.
/// Every other function body of kernel/hello, kernel/mymem, kernel/mymem_c and
/// kernel/mymem_test is an answer: the no-answers check fails a handout that contains one.
pub const GIVEN_FUNCTIONS: &[(&str, &[&str])] = &[
    // The C starter (`lab skeleton --lang c`): load/unload, open/release, and the lock-owner
    // helpers LOCK and close use (the wait, EINTR/EAGAIN and UNLOCK's EPERM are the student's).
    (
        "kernel/mymem_c/mymem_c.c",
        &[
            "mymem_c_open",
            "mymem_c_release",
            "mymem_c_unlock",
            "mymem_c_trylock",
            "mymem_c_init",
            "mymem_c_exit",
        ],
    ),
    // The Rust starter: the module's init and its size check.
    ("kernel/mymem/mymem_main.rs", &["buffer_size", "init"]),
    // Part 5's module cannot load while the driver's size is 0.
    ("kernel/mymem/api.rs", &["mymem_size"]),
    // Part 5's starter: the bench's filler data and buffer set-up, and the loop over the race
    // strategies; the worker and timing bodies are the student's.
    (
        "kernel/mymem_test/bench.rs",
        &["new", "next", "fill", "run"],
    ),
    ("kernel/mymem_test/race.rs", &["name", "run"]),
];

/// The starter's files of `lang`: (path in the starter, text).
pub fn texts(lang: Lang) -> Result<Vec<(&'static str, String)>> {
    files(lang)
        .iter()
        .map(|(name, src)| Ok((*name, src.text(name)?)))
        .collect()
}

pub fn write(lang: Lang, dir: &Path) -> Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    // Every file first, so that a patch that does not apply leaves nothing half-written.
    let texts = texts(lang)?;
    for (name, text) in texts {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("in dir"))?;
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("{}", next_step(dir));
    Ok(())
}

/// The last line of `lab skeleton`: a command that works as printed after the README's setup
/// (`lab` itself is not on PATH; cargo runs it from the checkout).
fn next_step(dir: &Path) -> String {
    format!(
        "Starter module in {d}: fill in the TODOs, then: cargo run --release -p lab -- grade {d}",
        d = crate::vm::exec::sh_quote(&dir.display().to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_hint_is_a_command_that_runs_from_the_checkout() {
        let line = next_step(Path::new("/tmp/my starter"));
        let cmd = line.split_once("then: ").unwrap().1;
        assert_eq!(cmd, "cargo run --release -p lab -- grade '/tmp/my starter'");
        assert_eq!(
            next_step(Path::new("target/s"))
                .split_once("then: ")
                .unwrap()
                .1,
            "cargo run --release -p lab -- grade target/s"
        );
    }

    /// The starter's text of file `name`.
    fn text(lang: Lang, name: &str) -> String {
        let (_, src) = files(lang).iter().find(|(n, _)| *n == name).unwrap();
        src.text(name).unwrap()
    }

    #[test]
    fn every_patch_applies_to_today_s_drivers() {
        for lang in [Lang::C, Lang::Rust] {
            for (name, src) in files(lang) {
                if let Err(e) = src.text(name) {
                    panic!("{lang:?} skeleton: {e:#}");
                }
            }
        }
    }

    #[test]
    fn c_skeleton_has_todos_and_no_answers() {
        let c = text(Lang::C, "mymem_c.c");
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
        let student: String = ["mymem_main.rs", "device.rs", "file.rs"]
            .iter()
            .map(|n| text(Lang::Rust, n))
            .collect();
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
        let main = text(Lang::Rust, "mymem_main.rs");
        for line in main
            .lines()
            .filter_map(|l| l.trim_start_matches("pub ").strip_prefix("mod "))
        {
            let file = format!("{}.rs", line.trim_end_matches(';'));
            assert!(RUST_FILES.iter().any(|(n, _)| *n == file), "{file}");
        }
        let dir = std::env::temp_dir().join(format!("lab-skeleton-rs-{}", std::process::id()));
        write(Lang::Rust, &dir).unwrap();
        assert!(dir.join("misc_llseek.rs").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
