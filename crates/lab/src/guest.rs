//! Running a scenario in the guest and judging how it ended: exit code, the
//! results sent back over the second serial port, and the kernel log.

use crate::clock::Clock;
use crate::cmd;
use crate::initramfs::Image;
use crate::kernel::Kernel;
use crate::logscan::{self, Finding};
use crate::modules::Built;
use crate::qemu::{self, Accel, Machine};
use crate::userspace::GuestBins;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Everything a guest boot needs, prepared once per command.
pub struct Lab {
    pub kernel: Kernel,
    pub modules: Built,
    pub bins: GuestBins,
    pub accel: Accel,
    pub accel_reason: String,
    pub clock: Clock,
    /// `results/<run-id>`: one subdirectory per boot.
    pub run_dir: PathBuf,
    pub verbose: bool,
}

/// What to do in one boot.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    /// Modules to insmod (in order) before the script; failure to load fails the run.
    pub load: Vec<String>,
    /// Shell script run by the guest's init in /lab (busybox sh).
    pub script: String,
    /// Extra host files: (host path, guest path).
    pub files: Vec<(PathBuf, String)>,
    pub timeout: Duration,
    pub interactive: bool,
    /// Extra kernel command line.
    pub append: String,
}

impl Scenario {
    pub fn new(name: &str, script: &str) -> Self {
        Scenario {
            name: name.into(),
            load: Vec::new(),
            script: script.into(),
            files: Vec::new(),
            timeout: Duration::from_secs(300),
            interactive: false,
            append: String::new(),
        }
    }

    pub fn load(mut self, modules: &[&str]) -> Self {
        self.load = modules.iter().map(|m| m.to_string()).collect();
        self
    }

    pub fn timeout(mut self, secs: u64) -> Self {
        self.timeout = Duration::from_secs(secs);
        self
    }
}

/// The outcome of one boot.
#[derive(Debug)]
pub struct Outcome {
    pub dir: PathBuf,
    pub console: String,
    pub timed_out: bool,
    pub timeout: Duration,
    /// From the init's exit marker; None if the guest never got there.
    pub exit_code: Option<i32>,
    pub findings: Vec<Finding>,
    pub elapsed: Duration,
}

impl Outcome {
    /// The guest's /results as unpacked on the host.
    pub fn results(&self) -> PathBuf {
        self.dir.join("results")
    }

    /// Ok only for a clean run: exited 0, no kernel problem, no timeout.
    pub fn verdict(&self) -> Result<()> {
        let mut problems = Vec::new();
        if self.timed_out {
            problems.push(format!(
                "the guest did not finish within {} s (hang?); last console lines:\n{}",
                self.timeout.as_secs(),
                tail(&self.console, 25)
            ));
        } else if self.exit_code.is_none() {
            problems.push(format!(
                "the guest stopped without finishing its scenario (panic or crash); last console lines:\n{}",
                tail(&self.console, 25)
            ));
        }
        for f in &self.findings {
            problems.push(format!(
                "kernel reported a problem ({}) at console line {}:\n{}",
                f.pattern,
                f.line,
                indent(&f.context.join("\n"))
            ));
        }
        if let Some(leaks) = std::fs::read_to_string(self.results().join("kmemleak.txt"))
            .ok()
            .filter(|l| !l.trim().is_empty())
        {
            problems.push(format!(
                "kmemleak reports unreferenced objects:\n{}",
                indent(&leaks.lines().take(40).collect::<Vec<_>>().join("\n"))
            ));
        }
        if let Some(code) = self.exit_code.filter(|c| *c != 0) {
            problems.push(format!("the guest scenario exited with status {code}"));
        }
        if problems.is_empty() {
            return Ok(());
        }
        bail!(
            "{}\n(console log: {})",
            problems.join("\n"),
            self.dir.join("console.log").display()
        )
    }
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    indent(&lines[lines.len().saturating_sub(n)..].join("\n"))
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The exit marker the guest init prints last.
pub fn exit_code(console: &str) -> Option<i32> {
    console.lines().rev().find_map(|l| {
        let l = l.trim_end_matches('\r');
        let start = l.find("@@MYMEM-EXIT ")?;
        l[start + 13..].strip_suffix("@@")?.trim().parse().ok()
    })
}

impl Lab {
    pub fn image(&self, scenario: &Scenario) -> Image {
        let mut img = Image::default();
        img.file("/bin/busybox", Path::new("/bin/busybox"), 0o755)
            .file(
                "/init",
                &crate::paths::repo_root().join("crates/lab/guest/init"),
                0o755,
            )
            .file("/lab/bin/mymem", &self.bins.mymem, 0o755);
        for (name, ko) in &self.modules.modules {
            img.file(&format!("/lab/modules/{name}.ko"), ko, 0o644);
        }
        for (host, guest) in &scenario.files {
            img.file(guest, host, 0o755);
        }
        img.text("/lab/scenario.sh", &self.script(scenario));
        img
    }

    fn script(&self, scenario: &Scenario) -> String {
        let mut s =
            String::from("# generated by the lab runner\nexport MYMEM_MODULES_DIR=/lab/modules\n");
        for m in &scenario.load {
            s.push_str(&format!(
                "insmod /lab/modules/{m}.ko || {{ echo \"lab: insmod {m} failed\"; exit 97; }}\n"
            ));
        }
        s.push_str(&scenario.script);
        s.push('\n');
        s
    }

    pub fn boot(&self, scenario: &Scenario) -> Result<Outcome> {
        let dir = self.run_dir.join(&scenario.name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let work = dir.join("image");
        std::fs::create_dir_all(&work)?;
        let initrd = self
            .image(scenario)
            .build(&self.kernel.gen_init_cpio(), &work)?;
        let channel = dir.join("results.tgz");
        let mut append = format!(
            "console=ttyS0 panic=-1 lab.accel={} lab.clock={} lab.profile={} {}",
            self.accel.name(),
            self.clock.name(),
            self.kernel.profile.name(),
            self.kernel.profile.cmdline()
        );
        if scenario.interactive {
            append.push_str(" lab.interactive");
        }
        if !scenario.append.is_empty() {
            append.push(' ');
            append.push_str(&scenario.append);
        }
        let machine = Machine {
            accel: self.accel,
            cpus: 2,
            memory_mb: 1024,
            kernel: self.kernel.bzimage(),
            initrd,
            append,
            results_channel: channel.clone(),
            interactive: scenario.interactive,
            icount: self.clock.icount(),
        };
        cmd::step(&format!(
            "Guest '{}' ({}, {} clock, timeout {} s)",
            scenario.name,
            self.accel.name(),
            self.clock.name(),
            scenario.timeout.as_secs()
        ));
        let verbose = self.verbose;
        let mut ready = false;
        let ended = qemu::run(
            &machine,
            scenario.timeout,
            &dir.join("console.log"),
            move |line| {
                if line.contains("@@MYMEM-READY@@") {
                    ready = true;
                } else if (ready || verbose) && !line.contains("@@MYMEM-EXIT") {
                    eprintln!("    guest| {line}");
                }
            },
        )?;
        let results = dir.join("results");
        std::fs::create_dir_all(&results)?;
        if channel.metadata().map(|m| m.len() > 0).unwrap_or(false) {
            if let Err(e) = unpack(&channel, &results) {
                cmd::note(&format!("results channel unreadable: {e:#}"));
            }
        }
        std::fs::remove_dir_all(&work).ok();
        let outcome = Outcome {
            exit_code: exit_code(&ended.console),
            findings: logscan::scan(&ended.console, 40),
            timed_out: ended.timed_out,
            timeout: scenario.timeout,
            console: ended.console,
            elapsed: ended.elapsed,
            dir,
        };
        cmd::note(&format!(
            "guest '{}' ended after {:.1} s: {}",
            scenario.name,
            outcome.elapsed.as_secs_f64(),
            match (outcome.timed_out, outcome.exit_code) {
                _ if scenario.interactive => "shell closed".to_string(),
                (true, _) => "timed out".to_string(),
                (false, None) => "no exit status (panic?)".to_string(),
                (false, Some(c)) =>
                    format!("exit {c}, {} kernel problem(s)", outcome.findings.len()),
            }
        ));
        Ok(outcome)
    }

    /// Boots and fails unless the run was clean.
    pub fn run_clean(&self, scenario: &Scenario) -> Result<Outcome> {
        let outcome = self.boot(scenario)?;
        outcome
            .verdict()
            .with_context(|| format!("guest scenario '{}' failed", scenario.name))?;
        Ok(outcome)
    }
}

fn unpack(tgz: &Path, dest: &Path) -> Result<()> {
    let file = std::fs::File::open(tgz)?;
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(dest)
        .with_context(|| format!("cannot unpack {}", tgz.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(console: &str, timed_out: bool) -> Outcome {
        Outcome {
            dir: "/r/x".into(),
            console: console.into(),
            timed_out,
            timeout: Duration::from_secs(9),
            exit_code: exit_code(console),
            findings: logscan::scan(console, 10),
            elapsed: Duration::from_secs(1),
        }
    }

    #[test]
    fn exit_marker_is_parsed() {
        assert_eq!(exit_code("a\n@@MYMEM-EXIT 0@@\r\n"), Some(0));
        assert_eq!(exit_code("a\n[ 1.0] x @@MYMEM-EXIT 3@@\n"), Some(3));
        assert_eq!(exit_code("echo @@MYMEM-EXIT $rc@@\n"), None);
        assert_eq!(exit_code("no marker\n"), None);
    }

    #[test]
    fn verdicts() {
        assert!(outcome("ok\n@@MYMEM-EXIT 0@@\n", false).verdict().is_ok());
        let e = outcome("ok\n@@MYMEM-EXIT 2@@\n", false)
            .verdict()
            .unwrap_err();
        assert!(format!("{e:#}").contains("exited with status 2"));
        let e = outcome("[    1.000000] Kernel panic - not syncing: x\n", false)
            .verdict()
            .unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("panic or crash") && msg.contains("Kernel panic"),
            "{msg}"
        );
        let e = outcome("booting\n", true).verdict().unwrap_err();
        assert!(format!("{e:#}").contains("within 9 s"));
        let e = outcome(
            "[    1.000000] WARNING: CPU: 0 at x\n@@MYMEM-EXIT 0@@\n",
            false,
        )
        .verdict()
        .unwrap_err();
        assert!(format!("{e:#}").contains("WARNING: CPU: 0 at x"));
    }
}
