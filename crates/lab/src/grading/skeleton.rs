//! `lab skeleton --lang c DIR`: starter code derived from kernel/mymem_c with
//! the device operations' bodies replaced by TODO markers. It builds and
//! loads; `lab grade DIR` scores the clauses it already satisfies.

use std::path::Path;

use anyhow::{bail, Context, Result};

/// Languages a skeleton exists for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Lang {
    C,
}

const C_FILES: &[(&str, &str)] = &[
    ("Kbuild", include_str!("../../skeleton/c/Kbuild")),
    ("mymem_c.c", include_str!("../../skeleton/c/mymem_c.c")),
    (
        "include/uapi/linux/mymem.h",
        include_str!("../../../../kernel/include/uapi/linux/mymem.h"),
    ),
];

pub fn write(lang: Lang, dir: &Path) -> Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} exists and is not empty", dir.display());
    }
    let files = match lang {
        Lang::C => C_FILES,
    };
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("in dir"))?;
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!(
        "Starter module in {}: fill in the TODOs, then: lab grade {}",
        dir.display(),
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_skeleton_has_todos_and_no_answers() {
        let c = C_FILES[1].1;
        assert!(c.matches("TODO").count() >= 7);
        assert!(
            !c.contains("copy_to_iter(dev->buf"),
            "the read body is given away"
        );
        let dir = std::env::temp_dir().join(format!("lab-skeleton-{}", std::process::id()));
        write(Lang::C, &dir).unwrap();
        assert!(dir.join("include/uapi/linux/mymem.h").is_file());
        assert!(write(Lang::C, &dir).is_err(), "must not overwrite");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
