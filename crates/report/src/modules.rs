//! The modules a run measured (run.json's `modules`, written when someone's modules were named
//! with `lab run --driver`...): how the report names them. A run of only our modules has none,
//! and the report reads as it always did.

use results::{ModuleInfo, ModuleRole, RunInfo};
use serde::Serialize;

/// The driver behind a device node, when the run names its modules.
pub fn of_device<'a>(run: &'a RunInfo, device: &str) -> Option<&'a ModuleInfo> {
    run.modules
        .iter()
        .find(|m| !m.device.is_empty() && m.device == device)
}

/// "`lab_renamed` (yours, C)" or "`mymem_c` (the kit's C twin: the baseline)".
pub fn short(m: &ModuleInfo) -> String {
    if m.kit {
        format!("`{}` ({}: the baseline)", m.module, kit_what(m))
    } else {
        format!("`{}` (yours, {})", m.module, m.language)
    }
}

/// "your C driver `studmem`" or "the kit's C twin `mymem_c` (the baseline)".
pub fn noun(m: &ModuleInfo) -> String {
    if m.kit {
        format!("{} `{}` (the baseline)", kit_what(m), m.module)
    } else {
        format!("your {} driver `{}`", m.language, m.module)
    }
}

/// Which driver a device node is, as a noun phrase, in a run that names its modules
/// (`None` in a run of only our drivers, whose report names devices as it always did).
pub fn device_noun(run: &RunInfo, device: &str) -> Option<String> {
    if run.modules.is_empty() {
        return None;
    }
    Some(match of_device(run, device) {
        Some(m) => noun(m),
        None => format!("`{device}`, none of this run's drivers"),
    })
}

/// "the kit's C twin" / "the kit's Rust driver".
fn kit_what(m: &ModuleInfo) -> String {
    if m.language == "C" {
        "the kit's C twin".into()
    } else {
        format!("the kit's {} driver", m.language)
    }
}

/// How the report names the two drivers it compares, the reference (slot and series label
/// `C`) and the driver compared with it (`Rust`). For a run of only our drivers: "the C
/// driver", "the Rust driver", `C`, `Rust`, as always. For a run that names its modules:
/// each module by name and by the language of its sources (run.json), the kit's marked as
/// the baseline; a lone driver's ratios are "yours/baseline".
#[derive(Debug, Clone, Serialize)]
pub struct Names {
    /// Noun phrases for prose: "the C driver", "your C driver `lab_renamed`", "the kit's C
    /// twin `mymem_c` (the baseline)".
    pub c: String,
    pub rust: String,
    /// Shorter, for headings ("Rust driver", "your C driver `lab_renamed`"); [`capitalise`]
    /// at a heading's start.
    pub c_title: String,
    pub rust_title: String,
    /// Short names in ratios and column heads: `C`/`Rust`, or `baseline`/`yours`.
    pub c_short: String,
    pub rust_short: String,
    /// Plot legends (plain text): "C driver", "lab_renamed (yours, C)".
    pub c_legend: String,
    pub rust_legend: String,
    /// The comparison's heading: "Rust driver vs C driver", "Your C driver `lab_renamed` vs
    /// the kit's C twin `mymem_c` (baseline)".
    pub versus: String,
    /// The run names its modules.
    pub named: bool,
    /// The drivers' device nodes.
    pub c_dev: String,
    pub rust_dev: String,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            c: "the C driver".into(),
            rust: "the Rust driver".into(),
            c_title: "C driver".into(),
            rust_title: "Rust driver".into(),
            c_short: "C".into(),
            rust_short: "Rust".into(),
            c_legend: "C driver".into(),
            rust_legend: "Rust driver".into(),
            versus: "Rust driver vs C driver".into(),
            named: false,
            c_dev: "/dev/mymem_c".into(),
            rust_dev: "/dev/mymem".into(),
        }
    }
}

impl Names {
    pub fn of(run: &RunInfo) -> Names {
        let (Some(c), Some(rust)) = (run.module(ModuleRole::C), run.module(ModuleRole::Rust))
        else {
            return Names::default();
        };
        let title = |m: &ModuleInfo| {
            if m.kit {
                format!("{} `{}` (baseline)", kit_what(m), m.module)
            } else {
                format!("your {} driver `{}`", m.language, m.module)
            }
        };
        let legend = |m: &ModuleInfo| {
            if m.kit {
                format!("{} ({}, baseline)", m.module, kit_what(m))
            } else {
                format!("{} (yours, {})", m.module, m.language)
            }
        };
        // Both slots someone's: their own languages name them; else yours vs the baseline.
        let (c_short, rust_short) = if !c.kit && !rust.kit {
            (c.language.clone(), rust.language.clone())
        } else {
            (short_of(c), short_of(rust))
        };
        Names {
            c: noun(c),
            rust: noun(rust),
            c_title: title(c),
            rust_title: title(rust),
            c_short,
            rust_short,
            c_legend: legend(c),
            rust_legend: legend(rust),
            versus: capitalise(&format!("{} vs {}", title(rust), title(c))),
            named: true,
            c_dev: c.device.clone(),
            rust_dev: rust.device.clone(),
        }
    }

    /// A bench series label (`C`, `Rust`, `tmpfs`) as a column head.
    pub fn label<'a>(&'a self, label: &'a str) -> &'a str {
        match label {
            "C" => &self.c_short,
            "Rust" => &self.rust_short,
            other => other,
        }
    }

    /// "Rust/C" or "yours/baseline".
    pub fn ratio(&self) -> String {
        format!("{}/{}", self.rust_short, self.c_short)
    }
}

fn short_of(m: &ModuleInfo) -> String {
    if m.kit { "baseline" } else { "yours" }.into()
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// What the two drivers compared are, as a sentence; `None` for a run of only our drivers.
pub fn slots_sentence(run: &RunInfo) -> Option<String> {
    let (c, rust) = (run.module(ModuleRole::C)?, run.module(ModuleRole::Rust)?);
    let names = Names::of(run);
    Some(if c.kit || rust.kit {
        let (base, mine) = if c.kit { (c, rust) } else { (rust, c) };
        let mine_noun = if c.kit { &names.rust } else { &names.c };
        format!(
            "In this run {} is compared with `{}` (baseline: {}): **{}** below is `{}`, \
             **{}** is `{}`, and {} is the ratio of their times.",
            mine_noun,
            base.module,
            kit_what(base),
            names.rust_short,
            mine.module,
            names.c_short,
            base.module,
            names.ratio()
        )
    } else {
        format!(
            "In this run {} is compared with {}: **{}** below is `{}`, **{}** is `{}`.",
            names.rust, names.c, names.rust_short, rust.module, names.c_short, c.module
        )
    })
}

/// The environment table's rows for the modules: one per role.
pub fn env_rows(run: &RunInfo) -> Vec<Vec<String>> {
    run.modules
        .iter()
        .map(|m| {
            // The prose's words: yours, or the kit's baseline (whichever slot it fills).
            let role = match m.role {
                ModuleRole::C | ModuleRole::Rust if m.kit => "Driver, the kit's baseline",
                ModuleRole::C | ModuleRole::Rust => "Driver, yours",
                ModuleRole::Hello => "Module, part 1",
                ModuleRole::Test => "Module, part 5",
            };
            let mut v = format!(
                "`{}` ({}, {}) from `{}`",
                m.module,
                m.language,
                if m.kit { "the kit's" } else { "yours" },
                m.path
            );
            if m.kit && !m.path.ends_with(&format!("/{}", m.module)) {
                v.push_str(", renamed (your driver takes its module or device name)");
            }
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
    fn a_lone_driver_is_named_against_the_kit_s_c_twin() {
        let r = run(vec![
            m(ModuleRole::C, "mymem_c", "C", true, "/dev/mymem_c"),
            m(
                ModuleRole::Rust,
                "lab_renamed",
                "C",
                false,
                "/dev/lab_renamed",
            ),
        ]);
        let s = slots_sentence(&r).unwrap();
        assert!(s.contains("your C driver `lab_renamed`"), "{s}");
        assert!(s.contains("baseline: the kit's C twin"), "{s}");
        assert!(!s.contains("Rust"), "{s}");
        let n = Names::of(&r);
        assert_eq!(
            (n.rust_title.as_str(), n.c_title.as_str()),
            (
                "your C driver `lab_renamed`",
                "the kit's C twin `mymem_c` (baseline)"
            )
        );
        assert_eq!(n.ratio(), "yours/baseline");
        assert_eq!(n.rust_legend, "lab_renamed (yours, C)");
        assert_eq!(
            of_device(&r, "/dev/lab_renamed").unwrap().module,
            "lab_renamed"
        );
        let rows = env_rows(&r);
        assert!(rows[1][1].contains("device `/dev/lab_renamed`"), "{rows:?}");
        assert_eq!(rows[0][0], "Driver, the kit's baseline");
        assert_eq!(rows[1][0], "Driver, yours");
        // Our own run: nothing to say, the names as they always were.
        assert_eq!(slots_sentence(&run(Vec::new())), None);
        assert_eq!(Names::of(&run(Vec::new())).rust, "the Rust driver");
    }

    #[test]
    fn two_drivers_are_named_by_their_languages() {
        let r = run(vec![
            m(ModuleRole::C, "c_one", "C", false, "/dev/c_one"),
            m(ModuleRole::Rust, "r_one", "Rust", false, "/dev/r_one"),
        ]);
        let n = Names::of(&r);
        assert_eq!(n.ratio(), "Rust/C");
        assert_eq!(n.rust, "your Rust driver `r_one`");
        let s = slots_sentence(&r).unwrap();
        assert!(
            s.contains("your C driver `c_one`") && !s.contains("baseline"),
            "{s}"
        );
    }
}
