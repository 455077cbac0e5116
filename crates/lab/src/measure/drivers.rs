//! Someone's modules in a run: `--driver DIR` (one or two: C and/or Rust), `--test-module
//! DIR` (part 5) and `--hello DIR` (part 1) of `lab run`, `bench`, `test`, `exec` and `shell`.
//! Each is built against the lab kernel exactly as `lab grade` builds a submission
//! (grading/build.rs: Kbuild or a plain Makefile with obj-m, any module name, variants
//! included) and goes into the guest under its own module name, in place of the lab's module
//! of that name; the lab's module of the same role is then not loaded.
//!
//! The report compares a C slot (the reference, series label `C`) with a Rust slot (`Rust`,
//! the driver compared with it). Two drivers (one C, one Rust) fill the slots of their
//! languages. A lone driver, of either language, takes the Rust slot (the compared one) and
//! the C slot keeps the kit's C twin (`mymem_c`, /dev/mymem_c) as the labelled baseline; when
//! the lone driver would collide with it (module `mymem_c` or device /dev/mymem_c, as the
//! seeded-bug variants of our C twin do), the baseline is the C twin built under another name
//! ([`RENAMED_BASELINE`]), still ours. The report takes each module's language from run.json,
//! never from its slot.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use results::{ModuleInfo, ModuleRole};

use crate::build::cache_key;
use crate::build::kernel::Kernel;
use crate::build::modules::Built;
use crate::grading::build;
use crate::{cmd, paths};

/// The options naming someone's modules (shared by run, bench, test, exec, shell).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ModuleArgs {
    /// A driver's module source directory (Kbuild, or a Makefile with obj-m; any module
    /// name), built as `lab grade` builds it and measured in place of our drivers. Twice for
    /// a C and a Rust driver, compared with each other; once (C or Rust): compared with our C
    /// twin mymem_c, the baseline.
    #[arg(long = "driver", value_name = "DIR")]
    pub drivers: Vec<PathBuf>,
    /// Device node of the --driver of the same position, when it is not the character
    /// device that appears in /dev as the module loads.
    #[arg(long = "device", value_name = "PATH", requires = "drivers")]
    pub devices: Vec<String>,
    /// Part 5: an in-kernel test module's source directory, loaded (and unloaded) in place of
    /// our mymem_test; what it prints to the kernel log is its result.
    #[arg(long = "test-module", value_name = "DIR")]
    pub test_module: Option<PathBuf>,
    /// Part 1: a hello module's source directory, loaded and unloaded in place of ours.
    #[arg(long = "hello", value_name = "DIR")]
    pub hello: Option<PathBuf>,
}

impl ModuleArgs {
    pub fn any(&self) -> bool {
        !self.drivers.is_empty() || self.test_module.is_some() || self.hello.is_some()
    }
}

/// A module named on the command line, built.
#[derive(Debug, Clone)]
pub struct Given {
    pub dir: PathBuf,
    pub module: String,
    /// Host `.ko` (with debug info).
    pub ko: PathBuf,
    pub language: Language,
    /// Its device node, when given with --device.
    pub device: Option<String>,
    pub sources_sha256: String,
    pub git_rev: Option<String>,
    /// In a handout, a part module that does not build yet: the compiler's last lines (`ko`
    /// is then empty and the module is not in the guest; its measurements are holes).
    pub build_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    C,
    Rust,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::C => "C",
            Language::Rust => "Rust",
        }
    }
}

/// Who fills one role of a run.
#[derive(Debug, Clone)]
pub struct Slot {
    pub module: String,
    /// Device node, `None` until found in the guest.
    pub device: Option<String>,
    pub language: Language,
    /// Built from a directory: someone's module, or (with `kit`) our C twin renamed.
    pub given: Option<Given>,
    /// Ours (the kit's), built in place or renamed.
    pub kit: bool,
}

impl Slot {
    fn kit(module: &str, device: Option<&str>, language: Language) -> Self {
        Slot {
            module: module.into(),
            device: device.map(Into::into),
            language,
            given: None,
            kit: true,
        }
    }

    fn given(g: Given) -> Self {
        Slot {
            module: g.module.clone(),
            device: g.device.clone(),
            language: g.language,
            given: Some(g),
            kit: false,
        }
    }

    pub fn is_kit(&self) -> bool {
        self.kit
    }

    /// The module's path in the guest.
    pub fn guest_ko(&self) -> String {
        format!("/lab/modules/{}.ko", self.module)
    }
}

/// The modules of a run, by role.
#[derive(Debug, Clone)]
pub struct Plan {
    pub c: Slot,
    pub rust: Slot,
    pub hello: Slot,
    pub test: Slot,
}

/// Our drivers: module name and device node, per slot.
const KIT_C: (&str, &str) = ("mymem_c", "/dev/mymem_c");
const KIT_RUST: (&str, &str) = ("mymem", "/dev/mymem");
/// Module (and device) name of our C twin when a lone driver takes its names.
pub const RENAMED_BASELINE: &str = "mymem_c_kit";

impl Default for Plan {
    fn default() -> Self {
        Plan {
            c: Slot::kit(KIT_C.0, Some(KIT_C.1), Language::C),
            rust: Slot::kit(KIT_RUST.0, Some(KIT_RUST.1), Language::Rust),
            hello: Slot::kit("hello", None, Language::Rust),
            test: Slot::kit("mymem_test", None, Language::Rust),
        }
    }
}

impl Plan {
    /// Builds the modules `args` names (nothing for none) and places them.
    pub fn build(kernel: &Kernel, args: &ModuleArgs, log_dir: &Path) -> Result<Plan> {
        if args.devices.len() > args.drivers.len() {
            bail!(
                "{} --device for {} --driver: give one --device per --driver, in the same order",
                args.devices.len(),
                args.drivers.len()
            );
        }
        if args.drivers.len() > 2 {
            bail!(
                "{} drivers given: a run compares at most two (a C and a Rust one)",
                args.drivers.len()
            );
        }
        if !args.any() {
            return Ok(Plan::default());
        }
        cmd::step("Your modules (built as lab grade builds them)");
        // In a handout a part that does not build yet leaves holes, not a stopped run: its
        // starter is the student's work in progress (the drivers must build: both are measured).
        let handout = crate::handout::this()?.is_some();
        if handout && args.drivers.len() == 1 {
            // A lone driver is measured against ours, and a handout has none of ours.
            bail!(
                "a handout has no reference driver to compare one --driver with: give both \
                 drivers (make run/bench/shell pass DRIVER=\"part2-driver-c part4-driver-rust\")"
            );
        }
        let mut drivers = Vec::new();
        for (i, dir) in args.drivers.iter().enumerate() {
            let mut g = build_one(kernel, dir, log_dir, &[], None)?;
            g.device = args.devices.get(i).cloned();
            drivers.push(g);
        }
        let mut plan = Plan::default();
        if place_drivers(&mut plan, drivers)? {
            let dir = paths::target_dir().join("baseline").join(RENAMED_BASELINE);
            renamed_c_twin(RENAMED_BASELINE, &dir)?;
            let mut g = build_one(kernel, &dir, log_dir, &[], None)?;
            g.device = Some(format!("/dev/{RENAMED_BASELINE}"));
            plan.c = Slot {
                kit: true,
                ..Slot::given(g)
            };
        }
        if let Some(dir) = &args.hello {
            let kit_name = handout.then_some("hello");
            plan.hello = Slot::given(build_one(kernel, dir, log_dir, &[], kit_name)?);
        }
        if let Some(dir) = &args.test_module {
            // Part 5 calls the Rust slot's exported API: built against its Module.symvers.
            let symvers = match &plan.rust.given {
                Some(g) => g.ko.with_file_name("Module.symvers"),
                None => crate::build::modules::kbuild_dir(kernel)
                    .join(&plan.rust.module)
                    .join("Module.symvers"),
            };
            let extra: Vec<PathBuf> = symvers.exists().then_some(symvers).into_iter().collect();
            let kit_name = handout.then_some("mymem_test");
            plan.test = Slot::given(build_one(kernel, dir, log_dir, &extra, kit_name)?);
        }
        for s in [&plan.c, &plan.rust, &plan.hello, &plan.test] {
            cmd::note(&format!(
                "{:<8} {} ({}, {})",
                role_name(s, &plan),
                s.module,
                s.language.name(),
                match &s.given {
                    Some(g) if g.build_error.is_some() => format!(
                        "from {}: NOT BUILT, not measured (its part is a hole in the report)",
                        g.dir.display()
                    ),
                    Some(g) => format!("from {}", g.dir.display()),
                    None => "ours".into(),
                }
            ));
        }
        Ok(plan)
    }

    /// True when every module is ours: phases fail the boot as they always did.
    pub fn all_kit(&self) -> bool {
        self.slots().iter().all(|s| s.is_kit())
    }

    fn slots(&self) -> [&Slot; 4] {
        [&self.c, &self.rust, &self.hello, &self.test]
    }

    /// Puts the given modules into `built` under their names, in place of ours of the same
    /// name (which could not be loaded beside them anyway).
    pub fn apply(&self, built: &mut Built) -> Result<()> {
        for g in self.slots().iter().filter_map(|s| s.given.as_ref()) {
            built.modules.retain(|(name, _)| *name != g.module);
            if g.build_error.is_some() {
                continue;
            }
            crate::build::modules::strip_for_guest(&g.ko)?;
            built.modules.push((g.module.clone(), g.ko.clone()));
        }
        Ok(())
    }

    /// The modules `lab exec` and `lab shell` load by default: the two drivers, Rust slot
    /// first (as ours always were).
    pub fn default_load(&self) -> Vec<String> {
        vec![self.rust.module.clone(), self.c.module.clone()]
    }

    /// The variables of guest/scripts/modules.sh.
    pub fn script_vars(&self, modules_txt: &str) -> Vec<(&'static str, String)> {
        let flag = |on: bool| String::from(if on { "1" } else { "0" });
        let dev = |s: &Slot| s.device.clone().unwrap_or_default();
        vec![
            ("C_MOD", self.c.module.clone()),
            ("C_KO", self.c.guest_ko()),
            ("C_DEV", dev(&self.c)),
            ("RUST_MOD", self.rust.module.clone()),
            ("RUST_KO", self.rust.guest_ko()),
            ("RUST_DEV", dev(&self.rust)),
            ("HELLO_MOD", self.hello.module.clone()),
            ("HELLO_KO", self.hello.guest_ko()),
            ("HELLO_KIT", flag(self.hello.is_kit())),
            ("TEST_MOD", self.test.module.clone()),
            ("TEST_KO", self.test.guest_ko()),
            ("TEST_KIT", flag(self.test.is_kit())),
            ("STRICT", flag(self.all_kit())),
            ("MODULES_TXT", modules_txt.into()),
        ]
    }

    /// Fills in the devices the guest found (`modules.txt`: `ROLE MODULE DEVICE` lines, and
    /// `API PROVIDER` when our mymem_test loaded).
    pub fn record_guest(&mut self, text: &str) -> Option<String> {
        let mut api = None;
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["C", module, device] if *module == self.c.module => {
                    self.c.device = Some((*device).into());
                }
                ["RUST", module, device] if *module == self.rust.module => {
                    self.rust.device = Some((*device).into());
                }
                ["API", provider] => api = Some((*provider).to_string()),
                _ => {}
            }
        }
        api
    }

    /// run.json's `modules`: empty when every module is ours (the report stays as it was).
    pub fn infos(&self, linked_against: Option<String>) -> Result<Vec<ModuleInfo>> {
        if self.all_kit() {
            return Ok(Vec::new());
        }
        let repo = paths::repo_root();
        let mut out = Vec::new();
        for (role, s) in [
            (ModuleRole::C, &self.c),
            (ModuleRole::Rust, &self.rust),
            (ModuleRole::Hello, &self.hello),
            (ModuleRole::Test, &self.test),
        ] {
            let (path, sha, git) = match s.given.as_ref().filter(|_| !s.kit) {
                Some(g) => (
                    g.dir.display().to_string(),
                    g.sources_sha256.clone(),
                    g.git_rev.clone(),
                ),
                None => {
                    // Our module, or our C twin under another name.
                    let src = if s.given.is_some() {
                        KIT_C.0
                    } else {
                        &s.module
                    };
                    let dir = repo.join("kernel").join(src);
                    if !dir.is_dir() {
                        // Ours, in a handout (a part not handed out): not in the run either.
                        continue;
                    }
                    (
                        format!("kernel/{src}"),
                        sources_sha256(&dir)?,
                        git_rev(&dir),
                    )
                }
            };
            out.push(ModuleInfo {
                role,
                module: s.module.clone(),
                language: s.language.name().into(),
                kit: s.is_kit(),
                path,
                device: s.device.clone().unwrap_or_default(),
                sources_sha256: sha,
                git_rev: git,
                linked_against: (role == ModuleRole::Test && s.is_kit())
                    .then(|| linked_against.clone())
                    .flatten(),
            });
        }
        Ok(out)
    }
}

fn role_name(s: &Slot, plan: &Plan) -> &'static str {
    if std::ptr::eq(s, &plan.c) {
        "C slot"
    } else if std::ptr::eq(s, &plan.rust) {
        "Rust slot"
    } else if std::ptr::eq(s, &plan.hello) {
        "hello"
    } else {
        "part 5"
    }
}

/// Places one or two drivers into the slots (see the module docs); `true` when a lone driver
/// takes the names of our C twin, which must then be built as [`RENAMED_BASELINE`].
fn place_drivers(plan: &mut Plan, mut drivers: Vec<Given>) -> Result<bool> {
    match drivers.len() {
        0 => Ok(false),
        1 => {
            let g = drivers.remove(0);
            if g.module == RENAMED_BASELINE {
                bail!(
                    "{} is named {RENAMED_BASELINE}, the name the lab keeps for its baseline: \
                     rename its module (obj-m)",
                    g.dir.display()
                );
            }
            let rename = collides(&g, KIT_C);
            plan.rust = Slot::given(g);
            Ok(rename)
        }
        _ => {
            let (a, b) = (drivers.remove(0), drivers.remove(0));
            if a.language == b.language {
                bail!(
                    "both drivers are {} ({} and {}): give one C and one Rust driver",
                    a.language.name(),
                    a.dir.display(),
                    b.dir.display()
                );
            }
            if a.module == b.module {
                bail!(
                    "both drivers are named {} ({} and {}): one boot cannot load both; rename \
                     one (obj-m)",
                    a.module,
                    a.dir.display(),
                    b.dir.display()
                );
            }
            let (c, rust) = if a.language == Language::C {
                (a, b)
            } else {
                (b, a)
            };
            plan.c = Slot::given(c);
            plan.rust = Slot::given(rust);
            Ok(false)
        }
    }
}

/// Whether `g` cannot be loaded beside our driver `(module, device)`: the same module name,
/// or the same device node (given with --device, else a string literal of that node's name
/// in its sources, as in `.name = "mymem"` or `device_create(..., "mymem")`).
fn collides(g: &Given, (module, device): (&str, &str)) -> bool {
    if g.module == module {
        return true;
    }
    let node = device.trim_start_matches("/dev/");
    match &g.device {
        Some(d) => d == device,
        None => mentions(&g.dir, &format!("\"{node}\"")),
    }
}

/// Whether a source file under `dir` (a variant's base too) contains `needle`.
fn mentions(dir: &Path, needle: &str) -> bool {
    source_files(dir).unwrap_or_default().iter().any(|(_, p)| {
        std::fs::read_to_string(p)
            .map(|t| t.contains(needle))
            .unwrap_or(false)
    })
}

/// Writes into `dir` our C twin (kernel/mymem_c) with its module and device renamed to
/// `name`, built by a plain Makefile (`obj-m += NAME.o`), as students write them. Made afresh
/// each time, so it never goes stale.
pub fn renamed_c_twin(name: &str, dir: &Path) -> Result<()> {
    let src = paths::repo_root().join("kernel/mymem_c/mymem_c.c");
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let text = std::fs::read_to_string(&src).with_context(|| src.display().to_string())?;
    let renamed = text.replace("\"mymem_c\"", &format!("\"{name}\""));
    anyhow::ensure!(
        renamed != text,
        "{} names its device no longer as \"mymem_c\": update the renamed copy",
        src.display()
    );
    std::fs::write(dir.join(format!("{name}.c")), renamed)?;
    std::fs::write(
        dir.join("Makefile"),
        format!(
            "obj-m += {name}.o\nccflags-y += -I$(src)/../include/uapi\n\n\
             all:\n\tmake -C /lib/modules/$(shell uname -r)/build M=$(PWD) modules\n"
        ),
    )?;
    Ok(())
}

/// Builds `dir` as `lab grade` would (with other modules' `Module.symvers` for the symbols
/// it imports); a module that does not build stops the run with the compiler's last lines,
/// unless it has a `kit_name` (a handout's part module, which keeps the kit's name): then it
/// is returned with its `build_error`.
fn build_one(
    kernel: &Kernel,
    dir: &Path,
    log_dir: &Path,
    extra_symbols: &[PathBuf],
    kit_name: Option<&str>,
) -> Result<Given> {
    let dir = std::fs::canonicalize(dir).with_context(|| format!("--driver {}", dir.display()))?;
    let base = dir
        .file_name()
        .map_or("module".into(), |n| n.to_string_lossy().into_owned());
    let name = format!("run-{}", build::safe_name(&base));
    let log = log_dir.join(format!("build-{}.log", build::safe_name(&base)));
    let (built, build_error) = match build::build_with(
        kernel,
        &dir,
        &name,
        None,
        &driver_step(&base),
        &log,
        extra_symbols,
    )? {
        Ok(b) => (b, None),
        Err(tail) => match kit_name {
            Some(module) => {
                cmd::note(&format!(
                    "{} does not build yet (log: {}); the run goes on without it:\n{tail}",
                    dir.display(),
                    log.display()
                ));
                let unbuilt = build::Built {
                    module: module.into(),
                    ko: PathBuf::new(),
                };
                (unbuilt, Some(tail))
            }
            None => bail!(
                "{} does not build against the lab kernel (log: {}):\n{tail}",
                dir.display(),
                log.display()
            ),
        },
    };
    let files = source_files(&dir)?;
    let language = if files.iter().any(|(rel, _)| rel.ends_with(".rs")) {
        Language::Rust
    } else {
        Language::C
    };
    Ok(Given {
        sources_sha256: sources_sha256(&dir)?,
        git_rev: git_rev(&dir),
        dir,
        module: built.module,
        ko: built.ko,
        language,
        device: None,
        build_error,
    })
}

/// The terminal label of a --driver build: the driver's, not a graded submission's.
fn driver_step(dir_name: &str) -> String {
    format!("build driver {dir_name} (sandboxed)")
}

/// `(relative path, path)` of the source files of a module directory, sorted: what the
/// build copies (no hidden files, no build artefacts), and a variant's base with it.
fn source_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    if let Some(v) = crate::grading::variant::load(dir)? {
        walk(&v.base, "base/", &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || is_artefact(&name) {
            continue;
        }
        let rel = format!("{prefix}{name}");
        let ft = entry.file_type()?;
        if ft.is_dir() {
            walk(&entry.path(), &format!("{rel}/"), out)?;
        } else if ft.is_file() {
            out.push((rel, entry.path()));
        }
    }
    Ok(())
}

/// Build artefacts a module directory may hold beside its sources (the names grading's build
/// leaves out of its copy).
fn is_artefact(name: &str) -> bool {
    [
        ".o", ".ko", ".mod", ".mod.c", ".cmd", ".symvers", ".order", ".rmeta",
    ]
    .iter()
    .any(|e| name.ends_with(e))
}

/// SHA-256 over the sources' relative paths and contents (see [`source_files`]).
pub fn sources_sha256(dir: &Path) -> Result<String> {
    let mut parts = Vec::new();
    for (rel, path) in source_files(dir)? {
        parts.push(rel);
        parts.push(cache_key::file_digest(&path)?);
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    Ok(cache_key::digest(&parts))
}

/// `git describe --always --dirty` of the checkout `dir` is in, if any.
fn git_rev(dir: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=12"])
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_driver_build_is_labelled_as_the_drivers() {
        // The finding: `lab exec --driver student/mydrv` said "build submission run-mydrv".
        assert_eq!(driver_step("mydrv"), "build driver mydrv (sandboxed)");
    }

    fn given(module: &str, language: Language, dir: &str) -> Given {
        Given {
            dir: PathBuf::from(dir),
            module: module.into(),
            ko: PathBuf::from(format!("/x/{module}.ko")),
            language,
            device: None,
            sources_sha256: "0".into(),
            git_rev: None,
            build_error: None,
        }
    }

    /// The plan and whether our C twin must be renamed.
    fn placed_renamed(drivers: Vec<Given>) -> Result<(Plan, bool)> {
        let mut plan = Plan::default();
        let rename = place_drivers(&mut plan, drivers)?;
        Ok((plan, rename))
    }

    fn placed(drivers: Vec<Given>) -> Result<Plan> {
        Ok(placed_renamed(drivers)?.0)
    }

    #[test]
    fn a_lone_driver_of_either_language_is_compared_with_our_c_twin() {
        // The issue: "a single driver against the kit's C twin as the labelled baseline".
        for lang in [Language::C, Language::Rust] {
            let (p, rename) = placed_renamed(vec![given("foo", lang, "/nonexistent")]).unwrap();
            assert_eq!(
                (p.c.module.as_str(), p.rust.module.as_str()),
                ("mymem_c", "foo")
            );
            assert!(p.c.is_kit() && !p.rust.is_kit() && !p.all_kit() && !rename);
            assert_eq!(p.rust.language, lang);
            assert_eq!(p.default_load(), ["foo", "mymem_c"]);
        }
    }

    #[test]
    fn a_lone_driver_named_like_our_c_twin_gets_the_twin_renamed_as_baseline() {
        // The students' drivers are mostly `obj-m += mymem.o` on /dev/mymem: our Rust driver
        // is not loaded, so no collision.
        let (p, rename) = placed_renamed(vec![given("mymem", Language::C, "/x")]).unwrap();
        assert_eq!(p.rust.module, "mymem");
        assert!(!rename);
        // The seeded-bug variants are our C twin (mymem_c): the baseline is renamed.
        let (p, rename) = placed_renamed(vec![given("mymem_c", Language::C, "/x")]).unwrap();
        assert_eq!(p.rust.module, "mymem_c");
        assert!(rename);
        let mut g = given("foo", Language::Rust, "/x");
        g.device = Some("/dev/mymem_c".into());
        assert!(placed_renamed(vec![g]).unwrap().1);
        let e = placed(vec![given(RENAMED_BASELINE, Language::C, "/x")]);
        assert!(format!("{:#}", e.unwrap_err()).contains("keeps for its baseline"));
    }

    #[test]
    #[cfg(feature = "kit")] // our C twin's sources (a handout has none)
    fn the_renamed_twin_is_ours_in_run_json() {
        let dir = std::env::temp_dir().join(format!("lab-renamed-{}", std::process::id()));
        renamed_c_twin(RENAMED_BASELINE, &dir).unwrap();
        let text = std::fs::read_to_string(dir.join(format!("{RENAMED_BASELINE}.c"))).unwrap();
        assert!(text.contains(&format!("\"{RENAMED_BASELINE}\"")) && !text.contains("\"mymem_c\""));
        let mut p = placed(vec![given("mymem_c", Language::C, "/x")]).unwrap();
        let mut g = given(RENAMED_BASELINE, Language::C, dir.to_str().unwrap());
        g.device = Some(format!("/dev/{RENAMED_BASELINE}"));
        p.c = Slot {
            kit: true,
            ..Slot::given(g)
        };
        let infos = p.infos(None).unwrap();
        let c = infos.iter().find(|m| m.role == ModuleRole::C).unwrap();
        assert!(c.kit && c.path == "kernel/mymem_c" && c.module == RENAMED_BASELINE);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_device_name_in_the_sources_counts_as_a_collision() {
        let dir = std::env::temp_dir().join(format!("lab-drivers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("x.c"),
            "static struct miscdevice m = { .name = \"mymem\" };\n",
        )
        .unwrap();
        let g = given("x", Language::C, dir.to_str().unwrap());
        assert!(collides(&g, KIT_RUST));
        assert!(!collides(&g, KIT_C));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn two_drivers_are_one_c_and_one_rust_with_different_names() {
        let p = placed(vec![
            given("r", Language::Rust, "/a"),
            given("c", Language::C, "/b"),
        ])
        .unwrap();
        assert_eq!((p.c.module.as_str(), p.rust.module.as_str()), ("c", "r"));
        assert_eq!(p.default_load(), ["r", "c"]);
        let e = placed(vec![
            given("a", Language::C, "/a"),
            given("b", Language::C, "/b"),
        ]);
        assert!(format!("{:#}", e.unwrap_err()).contains("one C and one Rust"));
        let e = placed(vec![
            given("m", Language::C, "/a"),
            given("m", Language::Rust, "/b"),
        ]);
        assert!(format!("{:#}", e.unwrap_err()).contains("both drivers are named m"));
    }

    #[test]
    fn our_modules_keep_the_boot_strict_and_run_json_unchanged() {
        let p = Plan::default();
        assert!(p.all_kit());
        assert!(p.infos(None).unwrap().is_empty());
        let vars = p.script_vars("/results/modules.txt");
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).unwrap().1.clone();
        assert_eq!(get("STRICT"), "1");
        assert_eq!(get("C_KO"), "/lab/modules/mymem_c.ko");
        assert_eq!(get("RUST_DEV"), "/dev/mymem");
        assert_eq!(get("TEST_KIT"), "1");
    }

    #[test]
    #[cfg(feature = "kit")] // our modules' sources (a handout has none)
    fn the_guest_s_devices_are_recorded() {
        let mut p = placed(vec![given("foo", Language::C, "/nonexistent")]).unwrap();
        assert_eq!(p.rust.device, None);
        let api = p.record_guest("RUST foo /dev/foo\nC mymem_c /dev/mymem_c\nAPI foo\n");
        assert_eq!(p.rust.device.as_deref(), Some("/dev/foo"));
        assert_eq!(api.as_deref(), Some("foo"));
        let infos = p.infos(api).unwrap();
        let c = infos.iter().find(|m| m.role == ModuleRole::Rust).unwrap();
        assert_eq!(
            (c.module.as_str(), c.device.as_str(), c.kit),
            ("foo", "/dev/foo", false)
        );
        let t = infos.iter().find(|m| m.role == ModuleRole::Test).unwrap();
        assert_eq!(t.linked_against.as_deref(), Some("foo"));
        assert_eq!(t.path, "kernel/mymem_test");
        assert_eq!(t.sources_sha256.len(), 64);
    }
}
