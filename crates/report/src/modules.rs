//! The modules a run measured (run.json's `modules`, written when someone's modules were named
//! with `lab run --driver`...): how the report names them. A run of only our modules has none,
//! and the report reads as it always did.

use results::{ModuleInfo, ModuleRole, RunInfo};

/// The driver behind a device node, when the run names its modules.
pub fn of_device<'a>(run: &'a RunInfo, device: &str) -> Option<&'a ModuleInfo> {
    run.modules
        .iter()
        .find(|m| !m.device.is_empty() && m.device == device)
}

/// "`lab_renamed` (yours, C)" or "`mymem` (ours, Rust: the baseline)".
pub fn short(m: &ModuleInfo) -> String {
    if m.kit {
        format!("`{}` (ours, {}: the baseline)", m.module, m.language)
    } else {
        format!("`{}` (yours, {})", m.module, m.language)
    }
}

/// What the C and Rust columns of the comparisons hold, as a sentence; `None` for a run of
/// only our drivers.
pub fn slots_sentence(run: &RunInfo) -> Option<String> {
    let (c, rust) = (run.module(ModuleRole::C)?, run.module(ModuleRole::Rust)?);
    let mut s = format!(
        "In this run **C** is {} and **Rust** is {}.",
        short(c),
        short(rust)
    );
    if c.language != "C" || rust.language != "Rust" {
        s.push_str(
            " The columns keep the lab's names for its two slots, the reference (C) and the \
             driver compared with it (Rust), whatever language each module is written in.",
        );
    }
    Some(s)
}

/// The environment table's rows for the modules: one per role.
pub fn env_rows(run: &RunInfo) -> Vec<Vec<String>> {
    run.modules
        .iter()
        .map(|m| {
            let role = match m.role {
                ModuleRole::C => "Module, C slot (reference)",
                ModuleRole::Rust => "Module, Rust slot",
                ModuleRole::Hello => "Module, part 1",
                ModuleRole::Test => "Module, part 5",
            };
            let mut v = format!(
                "`{}` ({}, {}) from `{}`",
                m.module,
                m.language,
                if m.kit { "ours" } else { "yours" },
                m.path
            );
            if !m.device.is_empty() {
                v.push_str(&format!(", device `{}`", m.device));
            }
            v.push_str(&format!(", sources SHA-256 `{}`", m.sources_sha256));
            if let Some(g) = &m.git_rev {
                v.push_str(&format!(", git `{g}`"));
            }
            if let Some(a) = &m.linked_against {
                v.push_str(&format!(", its in-kernel API from `{a}`"));
            }
            vec![role.into(), v]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(role: ModuleRole, module: &str, language: &str, kit: bool, device: &str) -> ModuleInfo {
        ModuleInfo {
            role,
            module: module.into(),
            language: language.into(),
            kit,
            path: format!("/p/{module}"),
            device: device.into(),
            sources_sha256: "ab".into(),
            git_rev: None,
            linked_against: None,
        }
    }

    fn run(modules: Vec<ModuleInfo>) -> RunInfo {
        let mut r: RunInfo = serde_json::from_str(
            r#"{"schema":"mymem-run/1","date":"","git_rev":"","accel":"","accel_reason":"",
               "kernel_release":"","kernel_source":"","kernel_key":"","config_sha256":"",
               "profile":"","rustc":"","bindgen":"","cc":""}"#,
        )
        .unwrap();
        r.modules = modules;
        r
    }

    #[test]
    fn names_the_modules_of_each_slot() {
        let r = run(vec![
            m(ModuleRole::C, "lab_renamed", "C", false, "/dev/lab_renamed"),
            m(ModuleRole::Rust, "mymem", "Rust", true, "/dev/mymem"),
        ]);
        let s = slots_sentence(&r).unwrap();
        assert!(s.contains("**C** is `lab_renamed` (yours, C)"), "{s}");
        assert!(s.contains("`mymem` (ours, Rust: the baseline)"), "{s}");
        assert!(!s.contains("whatever language"), "{s}");
        assert_eq!(
            of_device(&r, "/dev/lab_renamed").unwrap().module,
            "lab_renamed"
        );
        let rows = env_rows(&r);
        assert!(rows[0][1].contains("device `/dev/lab_renamed`"), "{rows:?}");
        // Our own run: nothing to say.
        assert_eq!(slots_sentence(&run(Vec::new())), None);
    }

    #[test]
    fn a_c_driver_in_the_rust_slot_is_called_what_it_is() {
        let r = run(vec![
            m(ModuleRole::C, "mymem_c", "C", true, "/dev/mymem_c"),
            m(ModuleRole::Rust, "mymem", "C", false, "/dev/mymem"),
        ]);
        let s = slots_sentence(&r).unwrap();
        assert!(
            s.contains("`mymem` (yours, C)") && s.contains("whatever language"),
            "{s}"
        );
    }
}
