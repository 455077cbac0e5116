//! Building a submission: its directory is copied under
//! `target/grade/<kernel>/<name>/<name>/` beside a copy of our `kernel/include`
//! (so a Kbuild's `-I$(src)/../include` finds the uapi header, as in kernel/),
//! then built with Kbuild against the lab kernel. A variant (variant.rs) is
//! its base directory's sources with its patch applied. Student code is only
//! compiled here; it runs only in the guest.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::build::kernel::Kernel;
use crate::build::modules;
use crate::{cmd, paths};

/// A built submission.
#[derive(Debug, Clone)]
pub struct Built {
    pub ko: PathBuf,
    pub module: String,
}

/// Builds `dir`; `Ok(Err(log tail))` when the submission itself does not
/// build, `Err` when the grader could not even try.
pub fn build(
    kernel: &Kernel,
    dir: &Path,
    name: &str,
    module: Option<&str>,
    log: &Path,
) -> Result<std::result::Result<Built, String>> {
    let variant = super::variant::load(dir)?;
    let sources = variant.as_ref().map_or(dir, |v| v.base.as_path());
    if !sources.join("Kbuild").is_file() && !sources.join("Makefile").is_file() {
        bail!(
            "{} has no Kbuild (or Makefile): not a module source directory",
            sources.display()
        );
    }
    let root = paths::target_dir()
        .join("grade")
        .join(modules::kbuild_dir(kernel).file_name().expect("named"))
        .join(safe_name(name));
    if root.exists() {
        std::fs::remove_dir_all(&root)?;
    }
    let src = root.join(safe_name(name));
    copy_sources(sources, &src)?;
    if let Some(v) = &variant {
        for (rel, text) in v
            .patched()
            .with_context(|| format!("variant {}", dir.display()))?
        {
            std::fs::write(src.join(rel), text)?;
        }
    }
    copy_sources(
        &paths::repo_root().join("kernel/include"),
        &root.join("include"),
    )?;
    let mut make = kernel.make();
    make.arg(format!("M={}", src.display()))
        .args(modules::MODULE_DEBUG_INFO)
        .arg("modules");
    if let Err(e) = cmd::logged(&mut make, &format!("build submission {name}"), log) {
        cmd::note(&format!("{e:#}"));
        let text = std::fs::read_to_string(log).unwrap_or_default();
        return Ok(Err(tail(&text, 40)));
    }
    let kos: Vec<PathBuf> = std::fs::read_dir(&src)?
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ko"))
        .collect();
    let names: Vec<String> = kos
        .iter()
        .map(|p| {
            p.file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let pick = match module {
        Some(m) => names.iter().position(|n| n == m).with_context(|| {
            format!("{name}: no {m}.ko was built (built: {})", names.join(", "))
        })?,
        None if kos.len() == 1 => 0,
        None => bail!(
            "{name}: built {} modules ({}); say which one with --module",
            kos.len(),
            names.join(", ")
        ),
    };
    Ok(Ok(Built {
        ko: kos[pick].clone(),
        module: names[pick].clone(),
    }))
}

/// `name` with anything but [A-Za-z0-9_.-] replaced, so build paths have no spaces.
pub fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Copies the regular files of `from` (recursively), leaving out build
/// artefacts and hidden files.
fn copy_sources(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let artefact = name.starts_with('.')
            || [
                ".o", ".ko", ".mod", ".mod.c", ".cmd", ".symvers", ".order", ".rmeta",
            ]
            .iter()
            .any(|e| name.ends_with(e));
        if artefact {
            continue;
        }
        let ft = entry.file_type()?;
        if ft.is_dir() {
            copy_sources(&entry.path(), &to.join(&name))?;
        } else if ft.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_paths_have_no_spaces() {
        assert_eq!(safe_name("Jane Doe's lab 2"), "Jane_Doe_s_lab_2");
        assert_eq!(safe_name("mymem_c"), "mymem_c");
    }
}
