//! The project tree the report refers to (question 9): the source tree this
//! crate was built from, where the runner and the modules live too.

use std::path::{Component, Path, PathBuf};

pub struct Project {
    root: Option<PathBuf>,
    /// Relative path from the run directory to the root, if the run lies inside it.
    up: Option<String>,
}

impl Project {
    /// The source tree this crate was built from.
    pub fn locate(run_dir: &Path) -> Self {
        Self::at(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."), run_dir)
    }

    /// The tree at `root` (used as is if it does not exist: no files, no links).
    pub fn at(root: PathBuf, run_dir: &Path) -> Self {
        let root = root.canonicalize().ok();
        let up = root.as_ref().and_then(|root| {
            let run = run_dir.canonicalize().ok()?;
            let inside = run.strip_prefix(root).ok()?;
            let depth = inside
                .components()
                .filter(|c| matches!(c, Component::Normal(_)))
                .count();
            Some("../".repeat(depth))
        });
        Self { root, up }
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.root.as_ref().is_some_and(|r| r.join(rel).exists())
    }

    /// Files of `dir` ending in `suffix`, sorted, as paths relative to the root.
    pub fn files(&self, dir: &str, suffix: &str) -> Vec<String> {
        let Some(root) = &self.root else {
            return Vec::new();
        };
        let mut out: Vec<String> = std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(suffix))
            .map(|n| format!("{dir}/{n}"))
            .collect();
        out.sort();
        out
    }

    /// Markdown for a project file: a relative link when the run is inside the tree.
    pub fn link(&self, rel: &str) -> String {
        match &self.up {
            Some(up) => format!("[`{rel}`]({up}{rel})"),
            None => format!("`{rel}`"),
        }
    }
}
