//! A failed build, explained: the first error of each file (without the
//! `In file included from` chains before it), then a hint for each known API
//! change between the kernels courses used and 7.3 that the errors show
//! (`grading/api-hints.toml`: pattern, hint, kernel version, source).

use std::path::Path;

use anyhow::{Context, Result};
use regex::Regex;
use serde::Deserialize;

pub const FILE: &str = "grading/api-hints.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    hint: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    pattern: String,
    since: String,
    hint: String,
    source: String,
}

/// One hint of the table, its pattern compiled.
#[derive(Debug)]
pub struct Hint {
    pattern: Regex,
    since: String,
    hint: String,
    source: String,
}

/// The hint table of `path`.
pub fn load(path: &Path) -> Result<Vec<Hint>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let table: Table = toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
    table
        .hint
        .into_iter()
        .map(|e| {
            Ok(Hint {
                pattern: Regex::new(&e.pattern)
                    .with_context(|| format!("{}: pattern {:?}", path.display(), e.pattern))?,
                since: e.since,
                hint: e.hint,
                source: e.source,
            })
        })
        .collect()
}

/// An error found in a build log.
#[derive(Debug, PartialEq)]
struct Error {
    /// The file it is in, as the log names it (`-` when none).
    file: String,
    message: String,
    /// The error line and the source/caret lines after it.
    lines: Vec<String>,
}

fn errors(log: &str) -> Vec<Error> {
    let c = Regex::new(r"^(\S+?):\d+:(?:\d+:)? (?:fatal )?error: (.*)$").expect("valid");
    let rust = Regex::new(r"^error(?:\[E\d+\])?: (.*)$").expect("valid");
    let rust_at = Regex::new(r"^\s*--> (\S+?):\d+:\d+").expect("valid");
    let modpost = Regex::new(r"^ERROR: modpost: (.*)$").expect("valid");
    // gas: `/tmp/ccX.s:12: Error: file not found: ...`
    let gas = Regex::new(r"^(\S+?):\d+: Error: (.*)$").expect("valid");
    let lines: Vec<&str> = log.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(m) = c.captures(line) {
            let mut shown = vec![line.to_string()];
            // gcc's "  40 |   code" and "     |   ^~~~" lines.
            for l in lines[i + 1..].iter().take(4) {
                if !l
                    .trim_start()
                    .starts_with(|ch: char| ch.is_ascii_digit() || ch == '|')
                    || !l.contains('|')
                {
                    break;
                }
                shown.push(l.to_string());
            }
            found.push(Error {
                file: m[1].to_string(),
                message: m[2].to_string(),
                lines: shown,
            });
        } else if let Some(m) = rust.captures(line) {
            if m[1].starts_with("aborting due to") || m[1].contains("could not compile") {
                i += 1;
                continue;
            }
            let mut shown = vec![line.to_string()];
            let mut file = "-".to_string();
            for l in lines[i + 1..].iter().take(8) {
                if l.trim().is_empty() || l.starts_with("error") || l.starts_with("warning") {
                    break;
                }
                if let Some(at) = rust_at.captures(l) {
                    file = at[1].to_string();
                }
                shown.push(l.to_string());
            }
            found.push(Error {
                file,
                message: m[1].to_string(),
                lines: shown,
            });
        } else if let Some(m) = gas.captures(line) {
            found.push(Error {
                file: m[1].to_string(),
                message: m[2].to_string(),
                lines: vec![line.to_string()],
            });
        } else if let Some(m) = modpost.captures(line) {
            found.push(Error {
                file: "modpost".into(),
                message: m[1].to_string(),
                lines: vec![line.to_string()],
            });
        }
        i += 1;
    }
    found
}

/// The explanation of a failed build's `log`: the first error of each file,
/// then the hints the errors match, each `hint: ... (Linux X; source: ...)`.
/// `src` (the build copy) is cut from paths. Without compiler errors, the
/// first `make: ***` line (a missing rule, say) stands for them. Empty when
/// nothing in the log is recognised.
pub fn explain(log: &str, src: &Path, hints: &[Hint]) -> Vec<String> {
    let prefix = format!("{}/", src.display());
    let short = |l: &str| l.replace(&prefix, "");
    let all = errors(log);
    // An error gcc files under a kernel header (a macro's expansion, such as
    // THIS_MODULE) is shown only when the submission's own files have none.
    let own = |e: &Error| {
        e.file.starts_with(&prefix) || !(e.file.starts_with('/') || e.file.starts_with("./"))
    };
    let any_own = all.iter().any(|e| own(e) && e.file != "-");
    let mut out = Vec::new();
    let mut files: Vec<&str> = Vec::new();
    for e in &all {
        if any_own && !own(e) {
            continue;
        }
        if !files.contains(&e.file.as_str()) {
            files.push(&e.file);
            out.extend(e.lines.iter().map(|l| short(l)));
        }
    }
    if all.is_empty() {
        if let Some(l) = log.lines().find(|l| l.contains("*** ")) {
            out.push(short(l));
        }
    }
    let mut shown: Vec<usize> = Vec::new();
    for e in &all {
        // gcc quotes with ‘’ in a UTF-8 locale (the kernel's Makefile unexports
        // LC_ALL, so LANG decides); the patterns are written with '.
        let message = e.message.replace(['\u{2018}', '\u{2019}'], "'");
        for (i, h) in hints.iter().enumerate() {
            if !shown.contains(&i) && h.pattern.is_match(&message) {
                shown.push(i);
                out.push(format!("hint: {} (Linux {})", h.hint, h.since));
                out.push(format!("      source: {}", h.source));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<Hint> {
        load(&crate::paths::repo_root().join(FILE)).unwrap()
    }

    const LOG_61: &str = "\
make: Entering directory '/k'
In file included from ./include/linux/device.h:31,
                 from /b/chardrv/chardrv.c:4:
/b/chardrv/chardrv.c: In function 'chardrv_init':
/k/include/linux/init.h:174:22: error: passing argument 1 of 'class_create' from incompatible pointer type [-Werror=incompatible-pointer-types]
/b/chardrv/chardrv.c:52:28: error: passing argument 1 of 'class_create' from incompatible pointer type [-Werror=incompatible-pointer-types]
   52 |     cls = class_create(THIS_MODULE, \"chardrv\");
      |                        ^~~~~~~~~~~
      |                        |
In file included from ./include/linux/device.h:31:
./include/linux/device/class.h:226:54: note: expected 'const char *' but argument is of type 'struct module *'
/b/chardrv/chardrv.c:52:11: error: too many arguments to function 'class_create'
/b/chardrv/chardrv.c:56:23: error: assignment to 'char * (*)(const struct device *, umode_t *)' {aka 'char * (*)(const struct device *, short unsigned int *)'} from incompatible pointer type 'char * (*)(struct device *, umode_t *)' {aka 'char * (*)(struct device *, short unsigned int *)'} [-Werror=incompatible-pointer-types]
/b/chardrv/other.c:3:10: fatal error: /root/x.h: No such file or directory
cc1: some warnings being treated as errors
make[3]: *** [/k/scripts/Makefile.build:287: /b/chardrv/chardrv.o] Error 1
";

    #[test]
    fn first_error_of_each_file_then_the_hints() {
        let out = explain(LOG_61, Path::new("/b/chardrv"), &table());
        assert_eq!(
            out[0],
            "chardrv.c:52:28: error: passing argument 1 of 'class_create' from incompatible \
             pointer type [-Werror=incompatible-pointer-types]"
        );
        assert!(out[1].contains("class_create(THIS_MODULE"), "{out:#?}");
        assert_eq!(
            out[4],
            "other.c:3:10: fatal error: /root/x.h: No such file or directory"
        );
        assert!(out[5].starts_with("hint: class_create() takes only the class name"));
        assert!(out[5].ends_with("(Linux 6.4)"), "{}", out[5]);
        assert!(out[6].contains("remove module * from class_create()"));
        assert!(out[7].starts_with("hint: a class's devnode callback takes a const device"));
        assert!(out[7].ends_with("(Linux 6.2)"), "{}", out[7]);
        assert_eq!(out.len(), 9, "{out:#?}");
    }

    #[test]
    fn rust_errors_are_found_by_their_location() {
        // rustc 1.96's message for a pre-mainline import on 7.3 (no kernel::file).
        let log = "\
error[E0432]: unresolved import `kernel::file`
 --> /b/m/m.rs:3:13
  |
3 | use kernel::file::Operations;
  |             ^^^^ could not find `file` in `kernel`

error: aborting due to 1 previous error
";
        let out = explain(log, Path::new("/b/m"), &table());
        assert_eq!(out[0], "error[E0432]: unresolved import `kernel::file`");
        assert_eq!(out[1], " --> m.rs:3:13");
        assert!(out
            .iter()
            .any(|l| l.contains("kernel::miscdevice::MiscDevice")));
    }

    #[test]
    fn a_missing_rule_stands_in_for_errors() {
        let log =
            "make[3]: *** No rule to make target '/b/m/mymem_c.o', needed by '/b/m/'.  Stop.\n";
        assert_eq!(
            explain(log, Path::new("/b/m"), &table()),
            ["make[3]: *** No rule to make target 'mymem_c.o', needed by ''.  Stop."]
        );
    }

    #[test]
    fn every_hint_names_its_kernel_version_and_source() {
        let t = table();
        assert!(t.len() >= 8);
        // The commit's title, then its abbreviated hash: `commit "..." (1aaba11da9aa, ...`.
        let cited = Regex::new(r#"^commit ".+" \([0-9a-f]{12}, "#).expect("valid");
        for h in &t {
            assert!(h.since.starts_with(|c: char| c.is_ascii_digit()), "{h:?}");
            assert!(cited.is_match(&h.source), "{h:?}");
        }
    }

    /// The error messages (text after "error: ") that code written for older
    /// kernels gets on 7.3, each with the hint it must bring, and that one
    /// only: gcc 12.2's and rustc 1.96's, building an old-API C module and a
    /// pre-mainline Rust module against the lab's 7.3 kernel (M= build); the
    /// VERIFY_WRITE one from gcc 12.2 on a file of its own with 7.3's
    /// two-argument access_ok macro.
    #[test]
    fn each_old_api_error_brings_its_own_hint() {
        let cases = [
            ("passing argument 1 of 'class_create' from incompatible pointer type [-Werror=incompatible-pointer-types]", "class_create() takes only"),
            ("too many arguments to function 'class_create'", "class_create() takes only"),
            // As gcc prints it in a UTF-8 locale.
            ("assignment to ‘char * (*)(const struct device *, umode_t *)’ {aka ‘char * (*)(const struct device *, short unsigned int *)’} from incompatible pointer type ‘char * (*)(struct device *, umode_t *)’ {aka ‘char * (*)(struct device *, short unsigned int *)’} [-Werror=incompatible-pointer-types]", "a class's devnode callback"),
            ("initialization of 'char * (*)(const struct device *, umode_t *)' {aka 'char * (*)(const struct device *, short unsigned int *)'} from incompatible pointer type 'char * (*)(struct device *, umode_t *)' {aka 'char * (*)(struct device *, short unsigned int *)'} [-Werror=incompatible-pointer-types]", "a class's devnode callback"),
            ("assignment to 'int (*)(const struct device *, struct kobj_uevent_env *)' from incompatible pointer type 'int (*)(struct device *, struct kobj_uevent_env *)' [-Werror=incompatible-pointer-types]", "a class's dev_uevent callback"),
            ("'struct class' has no member named 'owner'", "struct class has no owner"),
            ("macro \"access_ok\" passed 3 arguments, but takes just 2", "access_ok() takes (addr, size)"),
            ("'VERIFY_WRITE' undeclared (first use in this function)", "access_ok() takes (addr, size)"),
            ("passing argument 4 of 'proc_create' from incompatible pointer type [-Werror=incompatible-pointer-types]", "/proc files take a struct proc_ops"),
            ("'no_llseek' undeclared here (not in a function); did you mean 'noop_llseek'?", "no_llseek is gone"),
            ("assignment of read-only member 'vm_flags'", "vma->vm_flags is read-only"),
            ("implicit declaration of function 'strlcpy'; did you mean 'strcpy'? [-Werror=implicit-function-declaration]", "strlcpy() is gone"),
            ("implicit declaration of function 'from_timer'; did you mean 'mod_timer'? [-Werror=implicit-function-declaration]", "from_timer() is now"),
            ("implicit declaration of function 'del_timer_sync' [-Werror=implicit-function-declaration]", "del_timer()/del_timer_sync()"),
            ("implicit declaration of function 'del_timer'; did you mean 'add_timer'? [-Werror=implicit-function-declaration]", "del_timer()/del_timer_sync()"),
            ("unresolved import `kernel::file`", "code for the Rust-for-Linux tree"),
            ("unresolved imports `kernel::file`, `kernel::io_buffer`, `kernel::miscdev`, `kernel::sync::Ref`, `kernel::sync::RefBorrow`", "code for the Rust-for-Linux tree"),
            ("unresolved import `kernel::sync::Ref`", "code for the Rust-for-Linux tree"),
            ("no associated function or constant named `spawn` found for struct `Task` in the current scope", "code for the Rust-for-Linux tree"),
        ];
        let t = table();
        let hints_for = |message: &str| -> Vec<String> {
            explain(
                &format!("/b/m/m.c:1:1: error: {message}\n"),
                Path::new("/b/m"),
                &t,
            )
            .into_iter()
            .filter_map(|l| l.strip_prefix("hint: ").map(str::to_string))
            .collect()
        };
        for (message, hint) in cases {
            let hits = hints_for(message);
            assert!(
                hits.len() == 1 && hits[0].starts_with(hint),
                "{message}: {hits:?}"
            );
        }
        // Today's names bring no hint.
        for message in [
            "unresolved import `kernel::fs::file::Operations`",
            "'class_create_file' undeclared (first use in this function)",
        ] {
            assert!(hints_for(message).is_empty(), "{message}");
        }
    }
}
