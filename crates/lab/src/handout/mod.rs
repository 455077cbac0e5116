//! Course handouts: the kit without its answers.
//!
//! `lab handout DIR` (kit only, write.rs) writes a student repository: the runner and the
//! crates it needs, the guest tools, the test suites, docs/device.md and docs/modules.md, a
//! student README with the lab's questions, and a starter module per part in a fixed
//! directory. Its `handout.toml` says which parts it has and where they live (this file).
//! The handout ships none of the reference modules: its Makefile passes the part directories
//! to `make run`, `bench`, `shell` and `conformance` as anyone's modules go in
//! (`--driver`/`--test-module`/`--hello`, measure/drivers.rs); `lab grade .` (grade.rs) and
//! `lab parts` (parts.rs) read the layout.
//! answers.rs checks that no reference solution went into a handout.

#[cfg(feature = "kit")]
pub mod answers;
pub mod grade;
pub mod parts;
#[cfg(feature = "kit")]
pub mod write;

use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Rubric profiles: what counts in a grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Assignment {
    /// The seed lab's own assignment: read/write/llseek over 512 KiB, a world-writable node,
    /// the part-3 kernel-side fix (FETCH_ADD, LOCK); not mmap, splice, fsync or O_APPEND.
    Seed,
    /// The kit's full device contract (docs/device.md).
    Full,
}

impl Assignment {
    pub fn name(self) -> &'static str {
        match self {
            Assignment::Seed => "seed",
            Assignment::Full => "full",
        }
    }

    /// Its driver rubric, relative to the repository root.
    pub fn rubric(self) -> &'static str {
        match self {
            Assignment::Seed => "grading/rubric-seed.toml",
            Assignment::Full => "grading/rubric.toml",
        }
    }

    pub fn parse(name: &str) -> Result<Assignment> {
        <Assignment as clap::ValueEnum>::from_str(name, false)
            .map_err(|_| anyhow::anyhow!("unknown assignment {name:?} (seed, full)"))
    }
}

/// The layout file at the root of a handout.
pub const LAYOUT_FILE: &str = "handout.toml";

/// One part directory of a handout: which lab parts it answers and the module it builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// The kit's module of the same role (the name the student's module must keep).
    pub module: &'static str,
    /// Fixed directory name in the handout.
    pub dir: &'static str,
    /// Lab parts graded on this directory (part 3 lives in both drivers).
    pub parts: &'static [u8],
    pub about: &'static str,
}

pub const HELLO: Role = Role {
    module: "hello",
    dir: "part1-hello",
    parts: &[1],
    about: "part 1: the hello module (Rust)",
};
pub const DRIVER_C: Role = Role {
    module: "mymem_c",
    dir: "part2-driver-c",
    parts: &[2, 3],
    about: "parts 2 and 3: the C driver /dev/mymem_c and its kernel-side fix (the ioctls)",
};
pub const DRIVER_RUST: Role = Role {
    module: "mymem",
    dir: "part4-driver-rust",
    parts: &[3, 4],
    about: "parts 3 and 4: the Rust driver /dev/mymem, its ioctls and its exported API",
};
pub const KERNEL_TEST: Role = Role {
    module: "mymem_test",
    dir: "part5-kernel-test",
    parts: &[5],
    about: "part 5: the in-kernel module /dev/mymem_test, calling the Rust driver's API",
};

/// Every role, in part order.
pub const ROLES: [Role; 4] = [HELLO, DRIVER_C, DRIVER_RUST, KERNEL_TEST];

/// `handout.toml`: the part directories present (relative to the handout root) and the
/// rubric profile `make grade` uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Rubric profile: `seed` (the seed lab's own assignment) or `full` (the kit's contract).
    pub assignment: String,
    /// Module name -> part directory, for the parts handed out.
    pub parts: std::collections::BTreeMap<String, String>,
}

impl Layout {
    /// The layout of the handout at `root`, `None` when `root` is no handout (the kit).
    pub fn load(root: &Path) -> Result<Option<Layout>> {
        let path = root.join(LAYOUT_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let layout: Layout =
            toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))?;
        for module in layout.parts.keys() {
            anyhow::ensure!(
                ROLES.iter().any(|r| r.module == module),
                "{}: unknown module {module:?} (known: {})",
                path.display(),
                ROLES.map(|r| r.module).join(", ")
            );
        }
        Ok(Some(layout))
    }

    /// The roles handed out, in part order.
    pub fn roles(&self) -> Vec<Role> {
        ROLES
            .into_iter()
            .filter(|r| self.parts.contains_key(r.module))
            .collect()
    }
}

/// The layout of this checkout when it is a handout.
pub fn this() -> Result<Option<Layout>> {
    Layout::load(&crate::paths::repo_root())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "kit")]
    fn the_kit_is_no_handout() {
        assert_eq!(this().unwrap(), None);
    }

    #[test]
    fn layouts_parse_and_refuse_unknown_modules() {
        let dir = std::env::temp_dir().join(format!("lab-layout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(LAYOUT_FILE),
            "assignment = \"seed\"\n[parts]\nhello = \"part1-hello\"\n",
        )
        .unwrap();
        let l = Layout::load(&dir).unwrap().unwrap();
        assert_eq!(l.roles(), [HELLO]);
        std::fs::write(
            dir.join(LAYOUT_FILE),
            "assignment = \"seed\"\n[parts]\nnope = \"x\"\n",
        )
        .unwrap();
        assert!(Layout::load(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
