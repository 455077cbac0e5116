//! Loading and unloading the driver under test with busybox insmod/rmmod.

use std::process::Command;

use crate::Config;

/// Whether `name` is in /proc/modules.
pub fn is_loaded(name: &str) -> bool {
    std::fs::read_to_string("/proc/modules")
        .expect("read /proc/modules")
        .lines()
        .any(|l| l.split_whitespace().next() == Some(name))
}

/// The reference count of a loaded module and the modules using it, from
/// /proc/modules.
pub fn users(name: &str) -> Option<(u64, String)> {
    std::fs::read_to_string("/proc/modules")
        .expect("read /proc/modules")
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.first() == Some(&name))
        .map(|f| {
            (
                f.get(2).and_then(|c| c.parse().ok()).unwrap_or(0),
                f.get(3).unwrap_or(&"-").to_string(),
            )
        })
}

/// `insmod <ko> params...`; `Err` carries insmod's message.
pub fn insmod(cfg: &Config, params: &[&str]) -> Result<(), String> {
    let ko = cfg.ko_path();
    assert!(ko.is_file(), "module object {} not found", ko.display());
    status(Command::new("insmod").arg(&ko).args(params))
}

/// `rmmod <name>`; `Err` carries rmmod's message.
pub fn rmmod(name: &str) -> Result<(), String> {
    status(Command::new("rmmod").arg(name))
}

/// Runs `cmd`; `Err` carries its stdout and stderr (busybox prints its reason on either).
fn status(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("run {:?}: {e}", cmd.get_program()));
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Unloads the module, panicking if that fails.
#[track_caller]
pub fn unload(cfg: &Config) {
    rmmod(&cfg.module).unwrap_or_else(|e| panic!("rmmod {}: {e}", cfg.module));
    assert!(
        !is_loaded(&cfg.module),
        "{} still loaded after rmmod",
        cfg.module
    );
}

/// Loads the module with `params`, panicking if that fails.
#[track_caller]
pub fn load(cfg: &Config, params: &[&str]) {
    insmod(cfg, params).unwrap_or_else(|e| panic!("insmod {} {params:?}: {e}", cfg.module));
    assert!(
        is_loaded(&cfg.module),
        "{} not loaded after insmod",
        cfg.module
    );
}

/// Puts the module back as the suite expects it (loaded, default
/// parameters) when dropped, also when a test panics half-way. Create it
/// before any `Device`, so the devices are closed first.
pub struct RestoreDefault<'a> {
    cfg: &'a Config,
}

impl<'a> RestoreDefault<'a> {
    /// Checks the module is loaded now (the lifecycle tests' precondition).
    #[track_caller]
    pub fn new(cfg: &'a Config) -> Self {
        assert!(
            is_loaded(&cfg.module),
            "lifecycle tests expect {} loaded with default parameters",
            cfg.module
        );
        let (refs, used_by) = users(&cfg.module).unwrap_or_default();
        assert!(
            refs == 0,
            "lifecycle tests need {} unused, but its refcount is {refs} (used by {used_by})",
            cfg.module
        );
        RestoreDefault { cfg }
    }
}

impl Drop for RestoreDefault<'_> {
    fn drop(&mut self) {
        if is_loaded(&self.cfg.module) {
            if let Err(e) = rmmod(&self.cfg.module) {
                eprintln!("restore: rmmod {}: {e}", self.cfg.module);
                return;
            }
        }
        if let Err(e) = insmod(self.cfg, &[]) {
            eprintln!("restore: insmod {}: {e}", self.cfg.module);
            if !std::thread::panicking() {
                panic!(
                    "could not reload {} with default parameters: {e}",
                    self.cfg.module
                );
            }
        }
    }
}
