//! Names of submissions: the one shown (the directory's own name) and the
//! one that names its results and build directories, which is made of safe
//! characters (Kbuild's `M=` splits at spaces) and distinct within a run, so
//! that `Jane Doe/` and `Jane_Doe/` never share a `grade.json`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::build::safe_name;

/// The submission's name as the student wrote it: its directory's name
/// (of the canonical path, so `.` is named too).
pub fn display(dir: &Path) -> String {
    std::fs::canonicalize(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "submission".into())
}

/// One directory name per entry of `dirs`, in order: the safe form of its
/// name, with `-2`, `-3`... added where an earlier entry took it.
pub fn distinct(dirs: &[PathBuf]) -> Vec<String> {
    let mut taken = BTreeSet::new();
    dirs.iter()
        .map(|d| {
            let base = safe_name(&display(d));
            let mut name = base.clone();
            let mut n = 1;
            while !taken.insert(name.clone()) {
                n += 1;
                name = format!("{base}-{n}");
            }
            name
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_collide_after_sanitising_stay_apart() {
        let dirs: Vec<PathBuf> = [
            "class/Jane Doe",
            "class/Jane_Doe",
            "x/Jane Doe",
            "class/bob",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(
            distinct(&dirs),
            ["Jane_Doe", "Jane_Doe-2", "Jane_Doe-3", "bob"]
        );
        assert_eq!(display(Path::new("class/Jane Doe")), "Jane Doe");
    }

    #[test]
    fn a_taken_suffix_is_skipped() {
        let dirs: Vec<PathBuf> = ["a/m-2", "a/m", "b/m"].iter().map(PathBuf::from).collect();
        assert_eq!(distinct(&dirs), ["m-2", "m", "m-3"]);
    }
}
