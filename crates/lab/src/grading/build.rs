//! Building a submission: what its build needs (copy.rs: sources, headers,
//! Kbuild/Makefile, within size limits; links and everything else listed as
//! skipped) is copied under `target/grade/<kernel>/<name>/<name>/` beside a
//! copy of our `kernel/include` (so a Kbuild's `-I$(src)/../include` finds
//! the uapi header, as in kernel/), then built with Kbuild against the lab
//! kernel inside a sandbox (sandbox.rs) that can write only that copy. A
//! variant (variant.rs) is its base directory's sources with its patch
//! applied. Nothing of the build copy goes to the results but the build log,
//! which the runner writes (capped); the `.ko` is taken only if it is a
//! regular file.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::copy;
use super::hints;
use super::sandbox;
use crate::build::kernel::Kernel;
use crate::build::modules;
use crate::{cmd, paths};

/// A built submission.
#[derive(Debug, Clone)]
pub struct Built {
    pub ko: PathBuf,
    pub module: String,
}

/// The progress label of a graded submission's build: `build submission <name>`.
pub fn submission_step(name: &str) -> String {
    format!("build submission {name}")
}

/// Builds `dir` as `name` (a name of the batch's own, distinct from every
/// other submission's: it names the build directory); `Ok(Err(why))` when
/// the submission itself does not build (no Kbuild, too big, a compiler
/// error: the first errors, the hints, the skipped files and the log's
/// path), `Err` when the grader could not even try. `what` labels the build
/// step on the terminal (`build submission NAME`, `build driver NAME (sandboxed)`).
pub fn build(
    kernel: &Kernel,
    dir: &Path,
    name: &str,
    module: Option<&str>,
    what: &str,
    log: &Path,
) -> Result<std::result::Result<Built, String>> {
    build_with(kernel, dir, name, module, what, log, &[])
}

/// [`build`], with other modules' `Module.symvers` for the symbols the submission imports
/// (`KBUILD_EXTRA_SYMBOLS`: a handout's part-5 module uses its Rust driver's exports).
pub fn build_with(
    kernel: &Kernel,
    dir: &Path,
    name: &str,
    module: Option<&str>,
    what: &str,
    log: &Path,
    extra_symbols: &[PathBuf],
) -> Result<std::result::Result<Built, String>> {
    let variant = super::variant::load(dir)?;
    let sources = variant.as_ref().map_or(dir, |v| v.base.as_path());
    let root = paths::target_dir()
        .join("grade")
        .join(modules::kbuild_dir(kernel).file_name().expect("named"))
        .join(safe_name(name));
    if root.exists() {
        std::fs::remove_dir_all(&root)?;
    }
    let src = root.join(safe_name(name));
    let copied = match copy::copy(sources, &src, copy::Limits::default())? {
        Ok(c) => c,
        Err(why) => return Ok(Err(why)),
    };
    let mut notes = copied.skipped.clone();
    if let Some(v) = &variant {
        for rel in &v.remove {
            let _ = std::fs::remove_file(src.join(rel));
        }
        for (rel, text) in v
            .patched()
            .with_context(|| format!("variant {}", dir.display()))?
        {
            std::fs::write(src.join(rel), text)?;
        }
        if let Some(files) = &v.files {
            match copy::copy(files, &src, copy::Limits::default())? {
                Ok(c) => notes.extend(c.skipped),
                Err(why) => return Ok(Err(why)),
            }
        }
    }
    let has =
        |f: &str| std::fs::symlink_metadata(src.join(f)).is_ok_and(|m| m.file_type().is_file());
    if !has("Kbuild") && !has("Makefile") {
        let mut why = vec![format!(
            "{} has no Kbuild (or Makefile): not a module source directory",
            dir.display()
        )];
        why.extend(notes);
        return Ok(Err(why.join("\n")));
    }
    for n in &notes {
        cmd::note(n);
    }
    copy_sources(
        &paths::repo_root().join("kernel/include"),
        &root.join("include"),
    )?;
    // The exporters' Module.symvers are read inside the sandbox too.
    let mut read_only = vec![root.join("include")];
    read_only.extend(extra_symbols.iter().cloned());
    let ended = if extra_symbols.is_empty() {
        sandbox::build_module(kernel, &src, &read_only, what, log)?
    } else {
        sandbox::build_module_with(kernel, &src, &read_only, extra_symbols, what, log)?
    };
    // The skipped files go first in the log: the student reads it top down.
    if !notes.is_empty() {
        let text = std::fs::read(log).unwrap_or_default();
        let mut head = notes.join("\n").into_bytes();
        head.extend_from_slice(b"\n\n");
        head.extend(text);
        std::fs::write(log, head)?;
    }
    if let Some(reason) = ended.reason() {
        let text = String::from_utf8_lossy(&std::fs::read(log).unwrap_or_default()).into_owned();
        let table = hints::load(&paths::repo_root().join(hints::FILE))?;
        let mut why = hints::explain(&text, &src, &table);
        if why.is_empty() {
            why.push(tail(&text, 20));
        }
        why.extend(notes);
        why.push(format!("{reason}; full log: {}", log.display()));
        return Ok(Err(why.join("\n")));
    }
    // Only regular files: a `.ko` symlink must not make the runner read (and
    // ship to the guest, whose console the student sees) a host file.
    let kos: Vec<PathBuf> = std::fs::read_dir(&src)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
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
        Some(m) => match names.iter().position(|n| n == m) {
            Some(i) => i,
            None => {
                return Ok(Err(format!(
                    "no {m}.ko was built (built: {})",
                    names.join(", ")
                )))
            }
        },
        None if kos.len() == 1 => 0,
        None if kos.is_empty() => {
            return Ok(Err(format!(
                "the build made no .ko (does the Kbuild or Makefile say obj-m?); full log: {}",
                log.display()
            )))
        }
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
