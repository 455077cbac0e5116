//! Run directories under `results/`: one per command, created atomically,
//! and the `latest-<kind>` links that point at the newest of each kind.

use anyhow::{Context, Result};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Commands whose run directory holds a report (`run.json`): `results/latest`
/// points only at these, so `lab report` after `lab test` renders a report.
const REPORTED: &[&str] = &["run", "bench"];

/// UTC `YYYYmmdd-HHMMSS`, the prefix of a run id.
pub fn stamp() -> String {
    jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string()
}

/// UTC ISO 8601 to the second, as recorded in `run.json`.
pub fn iso_now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Creates `<root>/<stamp>-<what>[-N]` and points `latest-<what>` (and, for
/// reported runs, `latest`) at it. Runs started in the same second get
/// distinct directories: the name is claimed by `mkdir`, never checked first.
pub fn create(root: &Path, stamp: &str, what: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
    let mut n = 1;
    let dir = loop {
        let name = match n {
            1 => format!("{stamp}-{what}"),
            _ => format!("{stamp}-{what}-{n}"),
        };
        let dir = root.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => break dir,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => n += 1,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    };
    let name = dir.file_name().expect("named");
    point(root, &format!("latest-{what}"), name)?;
    if REPORTED.contains(&what) {
        point(root, "latest", name)?;
    }
    Ok(dir)
}

/// Replaces `root/link` with a symlink to `target` in one rename, so that a
/// reader never sees it missing.
fn point(root: &Path, link: &str, target: &std::ffi::OsStr) -> Result<()> {
    // Unique per target: runs pointing links at the same time do not clash.
    let tmp = root.join(format!(".{link}.{}", target.to_string_lossy()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .and_then(|()| std::fs::rename(&tmp, root.join(link)))
        .with_context(|| format!("cannot point {} at {target:?}", root.join(link).display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lab-runs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn runs_started_in_the_same_second_get_their_own_directory() {
        let root = scratch("same-second");
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let root = root.clone();
                std::thread::spawn(move || create(&root, "20261129-204237", "exec").unwrap())
            })
            .collect();
        let mut dirs: Vec<PathBuf> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        dirs.sort();
        dirs.dedup();
        assert_eq!(dirs.len(), 16);
        assert!(dirs.contains(&root.join("20261129-204237-exec")));
        assert!(dirs.contains(&root.join("20261129-204237-exec-16")));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn latest_points_at_reported_runs_only() {
        let root = scratch("latest");
        let run = create(&root, "20261129-100000", "run").unwrap();
        let test = create(&root, "20261129-100500", "test").unwrap();
        let link = |l: &str| std::fs::read_link(root.join(l)).unwrap();
        assert_eq!(link("latest"), run.file_name().unwrap());
        assert_eq!(link("latest-run"), run.file_name().unwrap());
        assert_eq!(link("latest-test"), test.file_name().unwrap());
        let bench = create(&root, "20261129-101000", "bench").unwrap();
        assert_eq!(link("latest"), bench.file_name().unwrap());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn stamps_have_the_documented_shape() {
        let s = stamp();
        assert_eq!(s.len(), 15, "{s}");
        assert_eq!(&s[8..9], "-");
        assert!(iso_now().ends_with('Z') && iso_now().len() == 20);
    }
}
