//! Variants: a submission directory whose `variant.toml` names a base module
//! directory and a unified diff, graded as "the base + this patch". The
//! self-test variants under tests/grade are the reference C driver with one
//! seeded bug each, so they follow the driver instead of going stale as
//! copies of it. A patch that no longer applies is an error naming the
//! variant, never a submission that fails to build.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

pub const FILE: &str = "variant.toml";

/// A parsed `variant.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    /// The module directory patched, relative to the variant's directory.
    base: PathBuf,
    /// The unified diff (`--- a/FILE` / `+++ b/FILE`, one file), relative to
    /// the variant's directory.
    #[serde(default)]
    patch: Option<PathBuf>,
    /// A directory (relative to the variant's) whose files are added to the
    /// build copy after the patch, replacing files of the base.
    #[serde(default)]
    files: Option<PathBuf>,
    /// Files of the base left out of the build copy (e.g. `Kbuild`, to build
    /// from a `Makefile`).
    #[serde(default)]
    remove: Vec<PathBuf>,
}

/// A variant, resolved: where its sources come from.
#[derive(Debug)]
pub struct Variant {
    pub base: PathBuf,
    patch: Option<PathBuf>,
    /// See `Spec::files`.
    pub files: Option<PathBuf>,
    /// See `Spec::remove`.
    pub remove: Vec<PathBuf>,
}

/// The variant `dir` describes, or `None` when it is an ordinary module directory.
pub fn load(dir: &Path) -> Result<Option<Variant>> {
    let path = dir.join(FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let spec: Spec = toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
    Ok(Some(Variant {
        base: dir.join(spec.base),
        patch: spec.patch.map(|p| dir.join(p)),
        files: spec.files.map(|f| dir.join(f)),
        remove: spec.remove,
    }))
}

impl Variant {
    /// The files the patch changes, as (path relative to the base, patched text).
    ///
    /// Errors when the patch does not parse or does not apply to the base
    /// (hunks may have moved; their context must still match exactly).
    pub fn patched(&self) -> Result<Vec<(PathBuf, String)>> {
        let Some(patch_path) = &self.patch else {
            return Ok(vec![]);
        };
        let text = std::fs::read_to_string(patch_path)
            .with_context(|| format!("cannot read {}", patch_path.display()))?;
        let patch = parse(&text)
            .with_context(|| format!("{} is not a unified diff", patch_path.display()))?;
        let target = patch
            .modified()
            .or(patch.original())
            .context("the patch names no file")?;
        // `b/mymem_c.c` (diff -u --label, git diff): the leading component goes, as with patch -p1.
        let rel = PathBuf::from(target.split_once('/').map_or(target, |(_, rest)| rest));
        let file = self.base.join(&rel);
        let base = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let new = diffy::apply(&base, &patch).map_err(|e| {
            anyhow::anyhow!(
                "{} no longer applies to {} ({e}): the file changed under it; \
                 redo the bug on the current file and regenerate the patch with \
                 diff -u --label a/{r} --label b/{r}",
                patch_path.display(),
                file.display(),
                r = rel.display()
            )
        })?;
        Ok(vec![(rel, new)])
    }
}

/// Parses a one-file unified diff.
fn parse(text: &str) -> Result<diffy::Patch<'_, str>> {
    Ok(diffy::Patch::from_str(text)?)
}

/// `base` with the one-file unified diff `patch` applied; hunks may have
/// moved, but their context must match exactly.
#[cfg(feature = "kit")] // lab skeleton's patched starters
pub fn apply(base: &str, patch: &str) -> Result<String> {
    Ok(diffy::apply(base, &parse(patch)?)?)
}

/// Checks every variant among `dirs` up front, so that a stale patch stops
/// the run before anything boots, naming every stale variant.
pub fn check_all(dirs: &[PathBuf]) -> Result<()> {
    let mut stale = Vec::new();
    for dir in dirs {
        if let Some(v) = load(dir)? {
            if let Err(e) = v.patched() {
                stale.push(format!("variant {}: {e:#}", dir.display()));
            }
        }
    }
    if !stale.is_empty() {
        bail!("{}", stale.join("\n"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(tag: &str, base: &str, patch: &str) -> (PathBuf, Variant) {
        let dir = std::env::temp_dir().join(format!("lab-variant-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(dir.join("base")).unwrap();
        std::fs::write(dir.join("base/m.c"), base).unwrap();
        std::fs::write(dir.join("bug.patch"), patch).unwrap();
        std::fs::write(dir.join(FILE), "base = \"base\"\npatch = \"bug.patch\"\n").unwrap();
        let v = load(&dir).unwrap().unwrap();
        (dir, v)
    }

    const PATCH: &str = "--- a/m.c\n+++ b/m.c\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n";

    #[test]
    fn a_patch_applies_where_its_context_moved() {
        let (dir, v) = variant("moved", "new\na\nb\nc\nd\n", PATCH);
        let files = v.patched().unwrap();
        assert_eq!(files, [(PathBuf::from("m.c"), "new\na\nb\nC\nd\n".into())]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_stale_patch_is_an_error_naming_the_variant() {
        let (dir, _) = variant("stale", "a\nb\nchanged\nd\n", PATCH);
        let err = check_all(std::slice::from_ref(&dir)).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(&format!("variant {}", dir.display())), "{msg}");
        assert!(msg.contains("no longer applies"), "{msg}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    #[cfg(feature = "kit")] // a handout has no tests/grade
    fn the_self_test_variants_apply_to_today_s_driver() {
        let root = crate::paths::repo_root().join("tests/grade");
        let dirs: Vec<PathBuf> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join(FILE).is_file())
            .collect();
        assert!(dirs.len() >= 5, "{dirs:?}");
        check_all(&dirs).unwrap();
    }
}
