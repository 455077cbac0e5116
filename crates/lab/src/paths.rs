//! Where things live: the repository, the per-user cache, the results.

use std::path::{Path, PathBuf};

/// The repository root (this crate lives at `crates/lab`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/lab is two levels below the repository root")
        .to_path_buf()
}

/// `$MYMEM_CACHE`, else `$XDG_CACHE_HOME/mymem`, else `~/.cache/mymem`: kept outside
/// the repository so that fresh clones and CI on the same machine share it.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MYMEM_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into())).join(".cache")
        });
    base.join("mymem")
}

/// Build products of this checkout that depend on the kernel (modules, guest binaries).
pub fn target_dir() -> PathBuf {
    repo_root().join("target")
}

/// `results/<run-id>` under the repository, unless `MYMEM_RESULTS` says otherwise.
pub fn results_root() -> PathBuf {
    std::env::var_os("MYMEM_RESULTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("results"))
}
