//! `lab handout DIR`: writes a student repository from this kit (see the module docs of
//! handout/mod.rs). What goes in is listed here: the kit's tree minus the reference solutions
//! and what is derived from them (EXCLUDED), plus one starter directory per part. The starters
//! of parts 2-4 are `lab skeleton`'s, the part-5 module keeps the kit's plumbing
//! (skeleton::GIVEN_FILES) around stubbed worker and timing bodies. answers.rs checks the
//! result; its test (in `make test`) writes a handout and fails on any reference body in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};
use clap::Args;

use super::{Assignment, Layout, Role, DRIVER_C, DRIVER_RUST, HELLO, KERNEL_TEST, LAYOUT_FILE};
use crate::grading::skeleton::{self, Lang, GIVEN_FILES};
use crate::paths;

#[derive(Debug, Args)]
pub struct HandoutArgs {
    /// The directory to write (must not exist or be empty).
    pub dir: PathBuf,
    /// Lab parts to hand out (comma list of 1-5; part 3 lives in the drivers, part 5 needs
    /// the Rust driver of part 4).
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4,5")]
    pub parts: Vec<u8>,
    /// Driver languages to hand out (c: part 2, rust: part 4).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "c,rust")]
    pub lang: Vec<Lang>,
    /// Rubric profile `make grade` uses in the handout: the seed lab's own assignment
    /// (read/write/llseek, a world-writable node, the ioctl fix) or the kit's full contract.
    #[arg(long, value_enum, default_value = "seed")]
    pub assignment: Assignment,
    /// Do not `git init` and commit the handout.
    #[arg(long)]
    pub no_git: bool,
    /// Only check an existing handout for reference solutions (no writing).
    #[arg(long)]
    pub check: bool,
}

/// Kit paths (relative to the repository root) that never go into a handout: the reference
/// solutions, the files derived from them (the skeleton patches carry their bodies, the
/// grader's variants patch them, the report's golden files and fixture run describe their runs,
/// docs/design.md's test reads a doc a handout does not ship) and the
/// kit's own entry points, replaced by the handout's.
pub const EXCLUDED: &[&str] = &[
    "kernel/hello",
    "kernel/mymem",
    "kernel/mymem_c",
    "kernel/mymem_test",
    "tests/grade",
    "tests/grade-skeleton-c.toml",
    "tests/grade-skeleton-rust.toml",
    "tests/handout-floor.toml",
    "crates/lab/skeleton",
    "crates/lab/handout",
    "crates/report/tests",
    "crates/lab/tests/design_graph.rs",
    "README.md",
    "Makefile",
    "docs",
    ".ci",
    ".git",
    "target",
    "results",
];

/// Hidden files a handout ships (the others, `.git` and editor files, stay out): the
/// repository's ignore list and the GitLab CI grading template (grading/ci/).
const SHIPPED_HIDDEN: &[&str] = &[".gitignore", ".gitlab-ci.yml"];

/// Kit paths copied despite an excluded parent.
const KEPT: &[&str] = &["docs/device.md", "docs/modules.md"];

const README: &str = include_str!("../../handout/README.md");
const MAKEFILE: &str = include_str!("../../handout/Makefile");

pub fn run(args: &HandoutArgs) -> Result<()> {
    if args.check {
        let leaks = super::answers::check(&args.dir)?;
        if !leaks.is_empty() {
            bail!(
                "{} holds reference solutions:\n{}",
                args.dir.display(),
                leaks.join("\n")
            );
        }
        println!("{}: no reference solution found", args.dir.display());
        return Ok(());
    }
    let roles = roles(&args.parts, &args.lang)?;
    write(&args.dir, &roles, args.assignment)?;
    if !args.no_git {
        git_commit(&args.dir)?;
    }
    let leaks = super::answers::check(&args.dir)?;
    ensure!(
        leaks.is_empty(),
        "the handout holds reference solutions (a bug in lab handout):\n{}",
        leaks.join("\n")
    );
    println!(
        "Handout in {} ({}); for the students: cd {} && make test",
        args.dir.display(),
        roles.iter().map(|r| r.dir).collect::<Vec<_>>().join(", "),
        args.dir.display()
    );
    Ok(())
}

/// The part directories for `parts` and `langs`.
pub fn roles(parts: &[u8], langs: &[Lang]) -> Result<Vec<Role>> {
    if let Some(p) = parts.iter().find(|p| !(1..=5).contains(*p)) {
        bail!("--parts: no part {p} (the lab has parts 1-5)");
    }
    let c = langs.iter().any(|l| matches!(l, Lang::C));
    let rust = langs.iter().any(|l| matches!(l, Lang::Rust));
    let has = |p: u8| parts.contains(&p);
    let mut roles = Vec::new();
    if has(1) {
        roles.push(HELLO);
    }
    if c && (has(2) || has(3)) {
        roles.push(DRIVER_C);
    }
    if rust && (has(4) || has(3) || has(5)) {
        roles.push(DRIVER_RUST);
    }
    if has(5) {
        ensure!(
            rust,
            "part 5's module calls the Rust driver's exported API: --lang must include rust"
        );
        roles.push(KERNEL_TEST);
    }
    ensure!(
        !roles.is_empty(),
        "nothing to hand out for these --parts and --lang"
    );
    Ok(roles)
}

/// Writes the handout with `roles` into `dir` (no git).
pub fn write(dir: &Path, roles: &[Role], assignment: Assignment) -> Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    let root = paths::repo_root();
    // Every starter first, so that a patch that no longer applies leaves nothing behind.
    let mut starters = Vec::new();
    for role in roles {
        for (rel, text) in starter(&root, *role)? {
            starters.push((PathBuf::from(role.dir).join(rel), text));
        }
    }
    std::fs::create_dir_all(dir)?;
    copy_tree(&root, &root, dir)?;
    for (rel, text) in starters {
        put(dir, &rel, &text)?;
    }
    // The handout's runner: without the kit's commands (they read the reference modules).
    let manifest = std::fs::read_to_string(root.join("crates/lab/Cargo.toml"))?;
    let kit_default = "default = [\"kit\"]";
    ensure!(
        manifest.contains(kit_default),
        "crates/lab/Cargo.toml lost its `{kit_default}` line"
    );
    put(
        dir,
        Path::new("crates/lab/Cargo.toml"),
        &manifest.replace(kit_default, "default = []"),
    )?;
    let layout = Layout {
        assignment: assignment.name().into(),
        parts: roles
            .iter()
            .map(|r| (r.module.to_string(), r.dir.to_string()))
            .collect::<BTreeMap<_, _>>(),
    };
    put(
        dir,
        Path::new(LAYOUT_FILE),
        &format!(
            "# Written by `lab handout`: the part directories of this repository (module name =\n\
             # directory) and the rubric profile of `make grade`. Keep the module names.\n{}",
            toml::to_string(&layout)?
        ),
    )?;
    put(dir, Path::new("README.md"), &readme(roles))?;
    put(dir, Path::new("Makefile"), &makefile(roles))?;
    Ok(())
}

/// The handout's Makefile: its part directories as the runner's module options.
pub fn makefile(roles: &[Role]) -> String {
    let dirs = |of: &[Role]| -> String {
        of.iter()
            .filter(|r| roles.contains(r))
            .map(|r| r.dir)
            .collect::<Vec<_>>()
            .join(" ")
    };
    MAKEFILE
        .replace("@DRIVER@", &dirs(&[DRIVER_C, DRIVER_RUST]))
        .replace("@TEST_MODULE@", &dirs(&[KERNEL_TEST]))
        .replace("@HELLO@", &dirs(&[HELLO]))
}

fn put(dir: &Path, rel: &Path, text: &str) -> Result<()> {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("in dir"))?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Copies `from` (a directory under the kit's `root`) into `to`, leaving out EXCLUDED paths
/// (but KEPT ones), build artefacts and hidden files but SHIPPED_HIDDEN.
fn copy_tree(root: &Path, from: &Path, to: &Path) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .with_context(|| format!("cannot read {}", from.display()))?
        .collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path.strip_prefix(root).expect("under root");
        let rel_s = rel.to_string_lossy();
        let name = entry.file_name().to_string_lossy().into_owned();
        let ft = entry.file_type()?;
        let kept = KEPT.contains(&rel_s.as_ref());
        let kept_below = KEPT.iter().any(|k| k.starts_with(&format!("{rel_s}/")));
        if !kept && EXCLUDED.contains(&rel_s.as_ref()) && !kept_below {
            continue;
        }
        if (name.starts_with('.') && !SHIPPED_HIDDEN.contains(&name.as_str())) || name == "target" {
            continue;
        }
        if ft.is_dir() {
            if EXCLUDED.contains(&rel_s.as_ref()) {
                // Only the KEPT files below it.
                for k in KEPT.iter().filter(|k| k.starts_with(&format!("{rel_s}/"))) {
                    let dst = to
                        .join(&name)
                        .join(Path::new(k).strip_prefix(rel).expect("below"));
                    std::fs::create_dir_all(dst.parent().expect("in dir"))?;
                    std::fs::copy(root.join(k), dst)?;
                }
                continue;
            }
            let dst = to.join(&name);
            std::fs::create_dir_all(&dst)?;
            copy_tree(root, &path, &dst)?;
        } else if ft.is_file() && !is_artefact(&name) {
            std::fs::copy(&path, to.join(&name))?;
        }
    }
    Ok(())
}

fn is_artefact(name: &str) -> bool {
    [
        ".o", ".ko", ".mod", ".mod.c", ".cmd", ".symvers", ".order", ".rmeta",
    ]
    .iter()
    .any(|e| name.ends_with(e))
        || name == "rust-project.json"
}

/// The starter files of one part directory: (path in it, text).
fn starter(root: &Path, role: Role) -> Result<Vec<(String, String)>> {
    let given = |rel: &str| -> Result<String> {
        ensure!(
            GIVEN_FILES.contains(&rel),
            "{rel} is not in skeleton::GIVEN_FILES"
        );
        std::fs::read_to_string(root.join(rel)).with_context(|| format!("cannot read {rel}"))
    };
    let owned = |v: Vec<(&str, String)>| -> Vec<(String, String)> {
        v.into_iter().map(|(n, t)| (n.to_string(), t)).collect()
    };
    let mut files = match role.module {
        "hello" => vec![
            (
                "Kbuild".into(),
                include_str!("../../handout/part1/Kbuild").into(),
            ),
            (
                "hello.rs".into(),
                include_str!("../../handout/part1/hello.rs").into(),
            ),
        ],
        "mymem_c" => owned(skeleton::texts(Lang::C)?),
        "mymem" => {
            let mut files = owned(skeleton::texts(Lang::Rust)?);
            // Part 5 calls the driver's exported API: the starter exports it (the bodies are
            // the student's, api.rs), with the header mymem_exports.c includes.
            for (name, text) in files.iter_mut() {
                match name.as_str() {
                    "Kbuild" => *text = include_str!("../../handout/part4/Kbuild").into(),
                    "mymem_main.rs" => {
                        ensure!(
                            text.contains("\nmod device;\n"),
                            "the Rust starter's mymem_main.rs lost its `mod device;`"
                        );
                        *text =
                            text.replacen("\nmod device;\n", "\npub mod api;\nmod device;\n", 1);
                    }
                    _ => {}
                }
            }
            files.push((
                "api.rs".into(),
                include_str!("../../handout/part4/api.rs").into(),
            ));
            files.push((
                "mymem_exports.c".into(),
                given("kernel/mymem/mymem_exports.c")?,
            ));
            files.push((
                "include/mymem_api.h".into(),
                std::fs::read_to_string(root.join("kernel/include/mymem_api.h"))?,
            ));
            files
        }
        "mymem_test" => {
            let mut files: Vec<(String, String)> = vec![
                (
                    "Kbuild".into(),
                    include_str!("../../handout/part5/Kbuild").into(),
                ),
                (
                    "race.rs".into(),
                    include_str!("../../handout/part5/race.rs").into(),
                ),
                (
                    "bench.rs".into(),
                    include_str!("../../handout/part5/bench.rs").into(),
                ),
            ];
            for rel in GIVEN_FILES
                .iter()
                .filter(|f| f.starts_with("kernel/mymem_test/") && !f.ends_with("/mymem_test.rs"))
            {
                let name = rel.rsplit('/').next().expect("a file name");
                files.push((name.into(), given(rel)?));
            }
            // The module declaration, with the given plumbing allowed to sit unused until the
            // student's bodies use it (the module builds with -Dwarnings).
            let main = given("kernel/mymem_test/mymem_test.rs")?;
            let at = "\nuse kernel::{";
            ensure!(
                main.contains(at),
                "kernel/mymem_test/mymem_test.rs lost its import line of the kernel crate (`kernel::{{`)"
            );
            files.push((
                "mymem_test.rs".into(),
                main.replacen(
                    at,
                    "\n// Starter (lab handout): the given plumbing is used as race.rs and bench.rs are filled in.\n\
                     #![allow(dead_code, reason = \"used as the TODOs are filled in\")]\n\
                     \nuse kernel::{",
                    1,
                ),
            ));
            files
        }
        other => bail!("no starter for module {other}"),
    };
    files.sort();
    Ok(files)
}

/// The student README: the kit's two commands, the parts, the lab's questions.
fn readme(roles: &[Role]) -> String {
    let parts: String = roles
        .iter()
        .map(|r| format!("| `{}/` | {} | `{}` |\n", r.dir, r.about, r.module))
        .collect();
    let questions: String = report::QUESTIONS
        .iter()
        .enumerate()
        .map(|(i, q)| format!("{}. (part {}) {}\n", i + 1, q.part, q.asks))
        .collect();
    README
        .replace("{{PARTS}}", &parts)
        .replace("{{QUESTIONS}}", &questions)
}

/// `git init` and one commit of everything, so that the handout can be pushed and cloned.
fn git_commit(dir: &Path) -> Result<()> {
    let git = |args: &[&str]| -> Result<()> {
        crate::cmd::output(
            Command::new("git")
                .arg("-C")
                .arg(dir)
                .args([
                    "-c",
                    "user.name=lab handout",
                    "-c",
                    "user.email=lab@localhost",
                ])
                .args(args),
        )
        .map(|_| ())
        .with_context(|| format!("git {} in {}", args.join(" "), dir.display()))
    };
    git(&["init", "--quiet", "--initial-branch=main"])?;
    git(&["add", "--all"])?;
    git(&[
        "commit",
        "--quiet",
        "--message",
        "The mymem lab: starter repository (lab handout)",
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_makefile_passes_the_part_directories_as_module_options() {
        let m = makefile(&super::super::ROLES);
        for line in [
            "DRIVER ?= part2-driver-c part4-driver-rust\n",
            "TEST_MODULE ?= part5-kernel-test\n",
            "HELLO ?= part1-hello\n",
            "\t$(LAB) run $(MODULE_ARGS) $(ARGS)\n",
            "\t$(LAB) shell $(MODULE_ARGS) $(ARGS)\n",
            "\t$(LAB) bench $(MODULE_ARGS) $(ARGS)\n",
        ] {
            assert!(m.contains(line), "{line:?} not in the handout's Makefile");
        }
        let c_only = makefile(&[DRIVER_C]);
        assert!(c_only.contains("DRIVER ?= part2-driver-c\nTEST_MODULE ?= \nHELLO ?= \n"));
        assert!(!c_only.contains("@DRIVER@") && !c_only.contains("@HELLO@"));
    }
}
