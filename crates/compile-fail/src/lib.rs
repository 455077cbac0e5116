//! Compile-fail evidence for the lab's part 4 question, "what difference does Rust make to the
//! data race of part 3?": programs that share the race counter the way a C program may, which
//! the compiler must refuse, each with a control twin (`--cfg control`) that differs only in
//! the synchronisation and must compile. The control rules out a program that fails for an
//! unrelated reason (a typo, an API change): the refusal is about the sharing, or the check fails.
//!
//! User-space programs live in `programs/user/` and are checked here with plain `rustc`; the
//! kernel ones live in `kernel/compile_fail/` and are built by the lab runner against the lab
//! kernel (they need its `kernel` crate). Both kinds produce an [`Evidence`] record.
//!
//! Why not `trybuild`: it compares the full stderr with a stored snapshot, which changes with
//! every rustc release, and cannot compile one source twice with different cfgs. We assert
//! the error code instead, and keep the compiler's own message as the evidence.

use anyhow::{Context, Result};
pub use results::compile_fail::{Evidence, Side};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One program that must not compile.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    /// File stem (user) or module directory (kernel).
    pub name: &'static str,
    pub side: Side,
    /// What the program tries, in one sentence.
    pub tries: &'static str,
    /// The rustc error code the refusal must carry, e.g. `E0499`.
    pub expected: &'static str,
    /// What the control twin (`--cfg control` / `CONTROL=y`) changes, in one sentence.
    pub control: &'static str,
}

/// Every program, user side first.
pub const PROGRAMS: &[Program] = &[
    Program {
        name: "shared_counter",
        side: Side::User,
        tries: "50 threads each increment one shared local u64 (the C program's counter) with no synchronisation",
        expected: "E0499",
        control: "the counter becomes an `AtomicU64` read with `load` and written with `store` (two steps, the device experiment's read-increment-write): no data race, still a race condition",
    },
    Program {
        name: "static_mut_counter",
        side: Side::User,
        tries: "50 threads increment a global `static mut` counter, the C idiom",
        expected: "E0133",
        control: "the global becomes an `AtomicU64` updated with `fetch_add`",
    },
    Program {
        name: "rc_counter",
        side: Side::User,
        tries: "threads share the counter through the single-threaded `Rc<RefCell<u64>>`",
        expected: "E0277",
        control: "`Rc<RefCell<u64>>` becomes the thread-safe `Arc<Mutex<u64>>`",
    },
    Program {
        name: "unlocked_mutex",
        side: Side::User,
        tries: "threads increment a counter kept in a `Mutex` without calling `lock()`",
        expected: "E0368",
        control: "the same update through `lock()`",
    },
    Program {
        name: "unlocked_buffer",
        side: Side::Kernel,
        tries: "a kernel function writes the device buffer (`Mutex<KVVec<u8>>`, as in kernel/mymem/device.rs) without taking the mutex",
        expected: "E0608",
        control: "the write goes through `data.lock()`, as kernel/mymem/device.rs does",
    },
    Program {
        name: "unsync_worker",
        side: Side::Kernel,
        tries: "workqueue workers share a `Cell<u64>` counter through an `Arc`, as C kernel threads may share a plain u64",
        expected: "E0277",
        control: "the counter becomes an `Atomic<u64>` read and written in two steps: no data race, still a race condition",
    },
];

/// Every `error[Exxxx]` code in rustc's human-readable output, in order.
pub fn error_codes(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("error["))
        .filter_map(|l| l.split_once(']'))
        .map(|(code, _)| code.to_string())
        .collect()
}

/// The first error block of rustc's output (from `error[` to the next blank line after its
/// notes, at most 30 lines), with build-machine paths left as rustc printed them.
pub fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_start().starts_with("error["))
    else {
        return String::new();
    };
    let mut block = Vec::new();
    for l in &lines[start..] {
        if block.len() >= 30
            || (!block.is_empty()
                && (l.starts_with("error") || l.starts_with("warning") || l.starts_with("make")))
        {
            break;
        }
        block.push(*l);
    }
    block.join("\n").trim_end().to_string()
}

/// `programs/user/<name>.rs` of this crate.
pub fn user_source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("programs/user")
        .join(format!("{name}.rs"))
}

/// `rustc --version` of `rustc`.
pub fn rustc_version(rustc: &Path) -> Result<String> {
    let out = Command::new(rustc)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run {}", rustc.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Type-checks a user program (and its control) with `rustc`, writing nothing but metadata
/// into `scratch`. Returns the record and the compiler's whole output for the program.
pub fn check_user(rustc: &Path, program: &Program, scratch: &Path) -> Result<(Evidence, String)> {
    let source = user_source(program.name);
    std::fs::create_dir_all(scratch)?;
    let build = |control: bool| -> Result<(bool, String)> {
        let mut cmd = Command::new(rustc);
        cmd.args([
            "--edition",
            "2021",
            "--crate-type",
            "bin",
            "--emit=metadata",
        ])
        .arg("-o")
        .arg(scratch.join(format!("{}-{control}.rmeta", program.name)))
        .arg(&source);
        if control {
            cmd.args(["--cfg", "control"]);
        }
        let out = cmd
            .output()
            .with_context(|| format!("cannot run {}", rustc.display()))?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    };
    let (compiled, stderr) = build(false)?;
    let (control_compiled, _) = build(true)?;
    let record = evidence(
        program,
        format!("crates/compile-fail/programs/user/{}.rs", program.name),
        compiled,
        control_compiled,
        &stderr,
        rustc_version(rustc)?,
    );
    Ok((record, stderr))
}

/// An [`Evidence`] from the outcome of two builds and the refused build's compiler output.
pub fn evidence(
    program: &Program,
    source: String,
    compiled: bool,
    control_compiled: bool,
    output: &str,
    rustc: String,
) -> Evidence {
    Evidence {
        name: program.name.into(),
        side: program.side,
        tries: program.tries.into(),
        source,
        expected: program.expected.into(),
        control: program.control.into(),
        compiled,
        control_compiled,
        codes: error_codes(output),
        message: first_error(output),
        rustc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "error[E0499]: cannot borrow `counter` as mutable more than once at a time\n  --> x.rs:9:21\n   |\n9  |             s.spawn(|| {\n\nerror: aborting due to 1 previous error\n\nSome errors: E0499.\n";

    #[test]
    fn finds_codes_and_first_error() {
        assert_eq!(error_codes(OUT), ["E0499"]);
        assert!(first_error(OUT).starts_with("error[E0499]: cannot borrow"));
        assert!(!first_error(OUT).contains("aborting"));
        assert_eq!(first_error("no errors"), "");
    }

    #[test]
    fn verdict_needs_refusal_code_and_control() {
        let p = &PROGRAMS[0];
        let ok = evidence(p, "s.rs".into(), false, true, OUT, "rustc".into());
        assert!(ok.verdict().is_ok());
        let compiled = evidence(p, "s.rs".into(), true, true, "", "rustc".into());
        assert!(compiled.verdict().is_err());
        let no_control = evidence(p, "s.rs".into(), false, false, OUT, "rustc".into());
        assert!(no_control.verdict().is_err());
        let wrong = evidence(
            p,
            "s.rs".into(),
            false,
            true,
            "error[E0425]: x",
            "rustc".into(),
        );
        assert!(wrong.verdict().is_err());
    }

    #[test]
    fn every_program_has_a_source() {
        for p in PROGRAMS.iter().filter(|p| p.side == Side::User) {
            assert!(user_source(p.name).is_file(), "{}", p.name);
        }
        let kernel = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kernel/compile_fail");
        for p in PROGRAMS.iter().filter(|p| p.side == Side::Kernel) {
            assert!(
                kernel.join(p.name).join(format!("{}.rs", p.name)).is_file(),
                "{}",
                p.name
            );
        }
    }
}
