//! `lab ide` (`make ide`): rust-analyzer's project file for our kernel modules, from the
//! kernel's own `rust-analyzer` make target in external-module mode (`M=kernel/`), so an
//! editor resolves `kernel::` items in `kernel/*/` against the lab kernel's crates.

use crate::build::kernel::Kernel;
use crate::build::modules;
use crate::{cmd, paths};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;

/// Runs `make M=<repo>/kernel MO=target/ide rust-analyzer` and installs the result as
/// `kernel/rust-project.json` (ignored by git: it holds this machine's paths).
pub fn generate(kernel: &Kernel) -> Result<PathBuf> {
    cmd::step("rust-analyzer project for kernel/ (make rust-analyzer M=kernel)");
    let src = paths::repo_root().join("kernel");
    // The output directory keeps Kbuild's files out of the source tree.
    let out = paths::target_dir().join("ide");
    std::fs::create_dir_all(&out)?;
    let log = out.join("rust-analyzer.log");
    cmd::logged(
        kernel
            .make()
            .arg(format!("M={}", src.display()))
            .arg(format!("MO={}", out.display()))
            .arg("rust-analyzer"),
        "make rust-analyzer",
        &log,
    )?;
    let made = out.join("rust-project.json");
    if !made.exists() {
        bail!(
            "make rust-analyzer wrote no {} (see {})",
            made.display(),
            log.display()
        );
    }
    let dest = src.join("rust-project.json");
    std::fs::copy(&made, &dest).with_context(|| format!("cannot write {}", dest.display()))?;
    cmd::note(&format!(
        "{}: open kernel/ in your editor (or add it to rust-analyzer.linkedProjects)",
        dest.display()
    ));
    Ok(dest)
}

/// The Rust crate roots of our modules: `kernel/<module>/<file>.rs` whose `<file>.o` the
/// module's Kbuild names.
pub fn module_crate_roots() -> Result<Vec<PathBuf>> {
    let mut roots = Vec::new();
    for (name, _) in modules::MODULES {
        let dir = paths::repo_root().join("kernel").join(name);
        let kbuild = std::fs::read_to_string(dir.join("Kbuild"))
            .with_context(|| format!("kernel/{name}/Kbuild missing"))?;
        let objects: Vec<&str> = kbuild
            .split(|c: char| c.is_whitespace() || c == '=')
            .filter(|w| w.ends_with(".o"))
            .collect();
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let is_root = path.extension().is_some_and(|e| e == "rs")
                && path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .is_some_and(|s| objects.contains(&format!("{s}.o").as_str()));
            if is_root {
                roots.push(path);
            }
        }
    }
    roots.sort();
    Ok(roots)
}

#[cfg(all(test, feature = "kit"))]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "kit")] // the kit's own modules (a handout has its part directories)
    fn finds_the_rust_crate_roots_of_our_modules() {
        let roots = module_crate_roots().unwrap();
        let names: Vec<String> = roots
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for want in ["hello.rs", "mymem_main.rs", "lab_fault_rust.rs"] {
            assert!(names.iter().any(|n| n == want), "{names:?}");
        }
        assert!(!names.iter().any(|n| n == "file.rs"), "{names:?}");
    }
}
