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

/// Refuses, up front, a checkout or results path with whitespace: Kbuild's
/// `M=<dir>` splits at spaces ("building multiple external modules is not
/// supported"), and so does the guest image's file list.
pub fn check_no_spaces() -> anyhow::Result<()> {
    check_path_for_kbuild("checkout", &repo_root())?;
    check_path_for_kbuild("results directory (MYMEM_RESULTS)", &results_root())
}

fn check_path_for_kbuild(what: &str, path: &Path) -> anyhow::Result<()> {
    if path.to_string_lossy().contains(char::is_whitespace) {
        anyhow::bail!(
            "the {what} path {:?} contains whitespace, which the kernel's build system \
             cannot take (Kbuild's M=<dir> splits it into several module directories); \
             move or clone the checkout to a path without spaces, e.g. `git clone <repo> ~/mymem`",
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkout_path_with_a_space_is_refused_with_the_reason() {
        let e = check_path_for_kbuild("checkout", Path::new("/home/me/my lab"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"/home/me/my lab\"") && e.contains("M=<dir>"),
            "{e}"
        );
        assert!(check_path_for_kbuild("checkout", Path::new("/home/me/mylab")).is_ok());
    }
}
