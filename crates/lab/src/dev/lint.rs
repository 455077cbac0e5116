//! `lab lint`: our kernel Rust (kernel/**/*.rs) formatted with the kernel's
//! own rustfmt configuration (`<kernel source>/.rustfmt.toml`), the check
//! `make rustfmtcheck` runs on in-tree code. `cargo fmt` covers the
//! userspace crates; this needs the kernel source, so it lives in the runner.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use crate::build::source::KernelSource;
use crate::{cmd, paths};

/// Checks (or with `fix`, rewrites) the formatting of every kernel crate.
pub fn kernel_rustfmt(source: &KernelSource, fix: bool) -> Result<()> {
    let config = source.dir.join(".rustfmt.toml");
    ensure!(
        config.is_file(),
        "{} is missing: not a kernel tree?",
        config.display()
    );
    let mut roots = crate_roots(&paths::repo_root().join("kernel"))?;
    // A handout's modules are its part directories.
    if let Some(layout) = crate::handout::this()? {
        for dir in layout.parts.values() {
            roots.extend(crate_roots(&paths::repo_root().join(dir))?);
        }
    }
    ensure!(!roots.is_empty(), "no kernel Rust files under kernel/");
    cmd::step(&format!(
        "Kernel Rust formatting ({} crates, {})",
        roots.len(),
        config.display()
    ));
    let mut rustfmt = Command::new("rustfmt");
    rustfmt.arg("--config-path").arg(&config);
    if !fix {
        rustfmt.arg("--check");
    }
    let status = rustfmt
        .args(&roots)
        .status()
        .context("cannot run rustfmt (install it with `rustup component add rustfmt`)")?;
    if !status.success() {
        bail!(
            "kernel Rust is not formatted as the kernel's .rustfmt.toml wants (diff above); \
             `cargo run -p lab -- lint --fix` rewrites it"
        );
    }
    Ok(())
}

/// The `.rs` files under `dir` that no sibling declares as a module: rustfmt
/// formats each root with the modules it declares, so each file once.
fn crate_roots(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    collect_rs(dir, &mut files)?;
    let mut children = BTreeSet::new();
    for f in &files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        let parent = f.parent().expect("a file has a parent");
        for name in declared_modules(&text) {
            children.insert(parent.join(format!("{name}.rs")));
        }
    }
    files.retain(|f| !children.contains(f));
    files.sort();
    Ok(files)
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Names of the out-of-line modules `text` declares (`mod x;`, `pub mod x;`).
fn declared_modules(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub(crate) ")
                .or(l.strip_prefix("pub "))
                .unwrap_or(l);
            rest.strip_prefix("mod ")?.strip_suffix(';')
        })
        .map(str::trim)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_declared_modules() {
        let text = "mod a;\npub mod b;\npub(crate) mod c;\nmod inline {\n}\n// mod d;\n";
        assert_eq!(declared_modules(text), ["a", "b", "c"]);
    }

    #[test]
    #[cfg(feature = "kit")] // the kit's own modules (a handout has its part directories)
    fn every_kernel_module_has_a_root() {
        let roots = crate_roots(&paths::repo_root().join("kernel")).unwrap();
        let names: Vec<_> = roots
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        for main in ["hello.rs", "mymem_main.rs", "mymem_test.rs"] {
            assert!(names.contains(&main), "{main} not a root: {names:?}");
        }
        assert!(!names.contains(&"file.rs"), "a child module is not a root");
    }
}
