//! Running a scenario in the guest and judging how it ended: exit code, the
//! results sent back over the second serial port, and the kernel log.

use crate::build::initramfs::Image;
use crate::build::kernel::Kernel;
use crate::build::modules::Built;
use crate::build::userspace::GuestBins;
use crate::cmd;
use crate::vm::clock::Clock;
use crate::vm::logscan::{self, Finding};
use crate::vm::qemu::{self, Accel, Machine};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

/// Everything a guest boot needs, prepared once per command.
#[derive(Clone)]
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
    /// A shell fed from the runner's stdin instead of a terminal (`lab shell` with stdin
    /// not a terminal): busybox sh reads it from the console and exits at its end.
    pub piped: bool,
    /// Extra kernel command line.
    pub append: String,
    /// Extra QEMU arguments (gdb stub, its guest channel: gdb.rs).
    pub qemu_args: Vec<String>,
    /// Boot this kernel image instead of the lab kernel's bzImage.
    pub kernel: Option<PathBuf>,
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
            piped: false,
            append: String::new(),
            qemu_args: Vec::new(),
            kernel: None,
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

/// What the guest init prints when a piped shell is ready to read the console (guest/init).
const INPUT_MARKER: &str = "@@MYMEM-STDIN@@";
const READY_MARKER: &str = "@@MYMEM-READY@@";

/// Kernel console lines a boot echoes to the terminal, unless --verbose: a driver that
/// printk's on every operation would flood it (58,018 lines in one `lab grade`); console.log
/// keeps them all. Results travel on their own serial port, so this loses none.
pub const KERNEL_LINES_SHOWN: usize = 200;

/// Which console lines reach the terminal: nothing before the guest's ready marker (the
/// boot) and the first [`KERNEL_LINES_SHOWN`] kernel lines after it; all with `verbose`.
#[derive(Debug, Default)]
struct Echo {
    verbose: bool,
    ready: bool,
    kernel_shown: usize,
    /// Kernel lines left out.
    hidden: usize,
}

impl Echo {
    /// The text of `line` to show, if any.
    fn show<'a>(&mut self, line: &'a str) -> Option<&'a str> {
        if line.contains(READY_MARKER) {
            self.ready = true;
            return None;
        }
        if !(self.ready || self.verbose) || line.contains(INPUT_MARKER) {
            return None;
        }
        let text = shown(line)?;
        if !self.verbose && logscan::kernel_message(text).is_some() {
            if self.kernel_shown == KERNEL_LINES_SHOWN {
                self.hidden += 1;
                return None;
            }
            self.kernel_shown += 1;
        }
        Some(text)
    }

    /// The line that says what was left out, if anything was.
    fn summary(&self, log: &Path) -> Option<String> {
        (self.hidden > 0).then(|| {
            format!(
                "{} more kernel log lines not shown (the first {KERNEL_LINES_SHOWN} were); \
                 all of them: less {} (or --verbose)",
                self.hidden,
                log.display()
            )
        })
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
    /// The kernel image QEMU was asked to boot.
    pub kernel: PathBuf,
    /// QEMU's own exit status and stderr.
    pub qemu_status: ExitStatus,
    pub qemu_stderr: String,
    /// What could not be stored on the host, and where (disk full...).
    pub storage: Vec<String>,
}

impl Outcome {
    /// The guest's /results as unpacked on the host.
    pub fn results(&self) -> PathBuf {
        results::layout::scenario_results(&self.dir)
    }

    /// Ok only for a clean run: exited 0, no kernel problem, no timeout,
    /// everything stored. The error names what failed and the logs (main adds
    /// the command to retry).
    pub fn verdict(&self) -> Result<()> {
        let mut problems: Vec<String> = self
            .storage
            .iter()
            .map(|s| format!("could not store {s}"))
            .collect();
        let booted = kernel_printed(&self.console);
        if self.timed_out {
            problems.push(format!(
                "the guest did not finish within {} s (hang?){}; last console lines:\n{}",
                self.timeout.as_secs(),
                if booted {
                    String::new()
                } else {
                    format!(
                        " and the kernel printed nothing: QEMU could not boot {}",
                        self.kernel.display()
                    )
                },
                tail(&self.console, 25)
            ));
        } else if self.exit_code.is_none() {
            problems.push(self.why_stopped(booted));
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
        let log = self.dir.join("console.log");
        bail!(
            "{}\n(console log: {}; QEMU stderr: {})\ninspect: less {}",
            problems.join("\n"),
            log.display(),
            self.dir.join(QEMU_STDERR).display(),
            log.display(),
        )
    }

    /// Why the guest ended without its exit marker: QEMU could not boot the
    /// kernel, QEMU itself died, or the guest kernel panicked or crashed.
    fn why_stopped(&self, booted: bool) -> String {
        use std::os::unix::process::ExitStatusExt;
        let stderr = if self.qemu_stderr.trim().is_empty() {
            "QEMU printed nothing on stderr".to_string()
        } else {
            format!("QEMU's stderr:\n{}", tail(&self.qemu_stderr, 15))
        };
        if let Some(sig) = self.qemu_status.signal() {
            return format!(
                "QEMU itself was killed by signal {sig} ({}) before the guest finished: \
                 not a guest crash; {stderr}; last console lines:\n{}",
                signal_name(sig),
                tail(&self.console, 10)
            );
        }
        if !booted {
            return format!(
                "QEMU could not boot {} (QEMU {}; the kernel printed nothing); {stderr}",
                self.kernel.display(),
                self.qemu_status
            );
        }
        format!(
            "the guest stopped without finishing its scenario (kernel panic or crash; QEMU {}); \
             last console lines:\n{}",
            self.qemu_status,
            tail(&self.console, 25)
        )
    }
}

/// QEMU's stderr, saved beside the console log.
pub const QEMU_STDERR: &str = "qemu-stderr.log";

/// Whether the guest printed anything at all (the kernel prints from its
/// first steps on; an image QEMU cannot load prints nothing).
fn kernel_printed(console: &str) -> bool {
    !console.trim().is_empty()
}

fn signal_name(sig: i32) -> &'static str {
    signal_hook::low_level::signal_name(sig).unwrap_or("?")
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

const EXIT_MARKER: &str = "@@MYMEM-EXIT ";

/// The part of a console line to show: the guest's output without the exit
/// marker, which is glued to the last line when that line has no newline.
pub fn shown(line: &str) -> Option<&str> {
    let before = line.find(EXIT_MARKER).map_or(line, |i| &line[..i]);
    (!before.is_empty() || !line.contains(EXIT_MARKER)).then_some(before)
}

/// The exit marker the guest init prints last (wherever it starts in its line).
pub fn exit_code(console: &str) -> Option<i32> {
    console.lines().rev().find_map(|l| {
        let l = l.trim_end_matches('\r');
        let start = l.find(EXIT_MARKER)?;
        l[start + EXIT_MARKER.len()..]
            .strip_suffix("@@")?
            .trim()
            .parse()
            .ok()
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
        for (name, ko) in self.modules.guest_copies() {
            img.file(&format!("/lab/modules/{name}.ko"), &ko, 0o644);
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
        let dir = results::layout::scenario_dir(&self.run_dir, &scenario.name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot remove {}", dir.display()))?;
        }
        let work = dir.join("image");
        std::fs::create_dir_all(&work)
            .with_context(|| format!("cannot create {}", work.display()))?;
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
        if scenario.piped {
            append.push_str(" lab.piped");
        }
        if !scenario.append.is_empty() {
            append.push(' ');
            append.push_str(&scenario.append);
        }
        let kernel = scenario
            .kernel
            .clone()
            .unwrap_or_else(|| self.kernel.bzimage());
        let machine = Machine {
            accel: self.accel,
            cpus: 2,
            memory_mb: 1024,
            kernel: kernel.clone(),
            initrd,
            append,
            results_channel: channel.clone(),
            interactive: scenario.interactive,
            extra_args: scenario.qemu_args.clone(),
            icount: self.clock.icount(),
        };
        cmd::step(&format!(
            "Guest '{}' ({}, {} clock, timeout {} s)",
            scenario.name,
            self.accel.name(),
            self.clock.name(),
            scenario.timeout.as_secs()
        ));
        let prefix = crate::cmd::prefix();
        let echo = std::sync::Arc::new(std::sync::Mutex::new(Echo {
            verbose: self.verbose,
            ..Echo::default()
        }));
        let echoing = echo.clone();
        let ended = qemu::run(
            &machine,
            scenario.timeout,
            &dir.join("console.log"),
            scenario.piped.then(|| qemu::Feed {
                from: Box::new(std::io::stdin()),
                after: INPUT_MARKER,
            }),
            move |line| {
                let mut echo = echoing.lock().expect("not poisoned");
                if let Some(text) = echo.show(line) {
                    eprintln!("{prefix}    guest| {text}");
                }
            },
        )?;
        if let Some(line) = echo
            .lock()
            .expect("not poisoned")
            .summary(&dir.join("console.log"))
        {
            cmd::note(&line);
        }
        let exit_code = exit_code(&ended.console);
        let mut storage = Vec::new();
        if let Some(e) = &ended.log_error {
            storage.push(format!(
                "the console log at {}: {e}",
                dir.join("console.log").display()
            ));
        }
        if let Some(e) = &ended.channel_error {
            storage.push(format!(
                "the guest's results archive at {}: {e}",
                channel.display()
            ));
        }
        if let Err(e) = std::fs::write(dir.join(QEMU_STDERR), &ended.stderr) {
            storage.push(format!(
                "QEMU's stderr at {}: {e}",
                dir.join(QEMU_STDERR).display()
            ));
        }
        std::fs::remove_dir_all(&work).ok();
        let results = results::layout::scenario_results(&dir);
        if let Err(e) = store_results(&channel, &results, exit_code.is_some()) {
            storage.push(format!(
                "the guest's /results in {}: {e:#}",
                results.display()
            ));
        }
        let mut outcome = Outcome {
            exit_code,
            findings: logscan::scan(&ended.console, 40),
            timed_out: ended.timed_out,
            timeout: scenario.timeout,
            console: ended.console,
            elapsed: ended.elapsed,
            kernel,
            qemu_status: ended.status,
            qemu_stderr: ended.stderr,
            storage,
            dir,
        };
        // Reports name file:line in our modules (issue 13); see decode.rs.
        crate::vm::decode::annotate(
            &mut outcome.findings,
            &outcome.console,
            &outcome.dir,
            crate::vm::decode::module_files(&self.modules, &scenario.files),
        );
        cmd::note(&format!(
            "guest '{}' ended after {:.1} s: {}",
            scenario.name,
            outcome.elapsed.as_secs_f64(),
            match (outcome.timed_out, outcome.exit_code) {
                _ if scenario.interactive => "shell closed".to_string(),
                (true, _) => "timed out".to_string(),
                (false, None) => format!("no exit status (QEMU {})", outcome.qemu_status),
                (false, Some(c)) => format!(
                    "exit {c}, {} kernel problem(s){}",
                    outcome.findings.len(),
                    if outcome.storage.is_empty() {
                        ""
                    } else {
                        ", results NOT stored"
                    }
                ),
            }
        ));
        Ok(outcome)
    }
}

/// Unpacks the guest's results archive into `dest`. A guest that finished
/// always sent one ending with `exit-code`: without it, something was lost.
fn store_results(tgz: &Path, dest: &Path, finished: bool) -> Result<()> {
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let sent = tgz.metadata().map(|m| m.len() > 0).unwrap_or(false);
    if !sent && !finished {
        return Ok(());
    }
    let file =
        std::fs::File::open(tgz).with_context(|| format!("cannot open {}", tgz.display()))?;
    let unpacked = tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(dest)
        .with_context(|| {
            format!(
                "cannot unpack {} (check free space: df -h {})",
                tgz.display(),
                dest.display()
            )
        });
    if finished && unpacked.is_ok() && !dest.join("exit-code").is_file() {
        bail!(
            "{} is incomplete (no exit-code; check free space: df -h {})",
            tgz.display(),
            dest.display()
        );
    }
    unpacked
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use std::os::unix::process::ExitStatusExt;

    /// An outcome of a boot that printed `console`, for tests here and in other modules.
    pub(crate) fn outcome(console: &str, timed_out: bool) -> Outcome {
        Outcome {
            dir: "/r/x".into(),
            console: console.into(),
            timed_out,
            timeout: Duration::from_secs(9),
            exit_code: exit_code(console),
            findings: logscan::scan(console, 10),
            elapsed: Duration::from_secs(1),
            kernel: "/k/bzImage".into(),
            qemu_status: ExitStatus::from_raw(0),
            qemu_stderr: String::new(),
            storage: Vec::new(),
        }
    }

    const BOOTED: &str = "[    0.000000] Linux version 7.3.4 (gcc)\n";

    #[test]
    fn a_last_line_without_newline_is_shown_and_its_marker_found() {
        // `printf hello` leaves the marker glued to the unfinished line.
        let console = "@@MYMEM-READY@@\nhello@@MYMEM-EXIT 0@@\r\n";
        assert_eq!(exit_code(console), Some(0));
        assert_eq!(shown("hello@@MYMEM-EXIT 0@@"), Some("hello"));
        assert_eq!(shown("@@MYMEM-EXIT 0@@"), None);
        assert_eq!(shown(""), Some(""));
        assert_eq!(shown("plain"), Some("plain"));
    }

    #[test]
    fn kernel_lines_echoed_are_capped_unless_verbose() {
        // The finding: a printk per operation echoed 58,018 lines to `lab grade`'s terminal.
        let mut console = vec!["[    0.100000] boot line".to_string(), READY_MARKER.into()];
        for i in 0..1000 {
            console.push(format!("[    1.{i:06}] studmem: open"));
            if i % 100 == 0 {
                console.push(format!("test {i} ... ok"));
            }
        }
        let run = |verbose| {
            let mut echo = Echo {
                verbose,
                ..Echo::default()
            };
            let shown: Vec<String> = console
                .iter()
                .filter_map(|l| echo.show(l).map(str::to_string))
                .collect();
            (shown, echo.summary(Path::new("/r/x/console.log")))
        };
        let (shown, summary) = run(false);
        let kernel = shown
            .iter()
            .filter(|l| logscan::kernel_message(l).is_some())
            .count();
        assert_eq!(kernel, KERNEL_LINES_SHOWN);
        // The guest's own output is never capped, and the boot stays hidden.
        assert_eq!(shown.iter().filter(|l| l.starts_with("test ")).count(), 10);
        assert!(!shown.iter().any(|l| l.contains("boot line")));
        let summary = summary.unwrap();
        assert!(
            summary.contains("800 more kernel log lines not shown")
                && summary.contains("/r/x/console.log"),
            "{summary}"
        );
        let (shown, summary) = run(true);
        assert_eq!(shown.len(), console.len() - 1);
        assert_eq!(summary, None);
    }

    #[test]
    fn qemu_failing_to_boot_is_not_a_guest_panic() {
        let mut o = outcome("", false);
        o.qemu_status = ExitStatus::from_raw(1 << 8);
        o.qemu_stderr = "qemu-system-x86_64: Error loading kernel\n".into();
        let msg = format!("{:#}", o.verdict().unwrap_err());
        assert!(msg.contains("QEMU could not boot /k/bzImage"), "{msg}");
        assert!(msg.contains("exit status: 1") && msg.contains("Error loading kernel"));
        assert!(!msg.contains("panic"), "{msg}");
        // The retry line comes once, last, from main (`lab: to retry: ...`).
        assert!(
            !msg.contains("retry") && msg.contains("inspect: less /r/x/console.log"),
            "{msg}"
        );
    }

    #[test]
    fn qemu_killed_is_not_a_guest_panic() {
        let mut o = outcome(BOOTED, false);
        o.qemu_status = ExitStatus::from_raw(9);
        let msg = format!("{:#}", o.verdict().unwrap_err());
        assert!(
            msg.contains("QEMU itself was killed by signal 9 (SIGKILL)"),
            "{msg}"
        );
        assert!(!msg.contains("panic or crash"), "{msg}");
    }

    #[test]
    fn results_not_stored_fail_the_run() {
        let mut o = outcome("ok\n@@MYMEM-EXIT 0@@\n", false);
        o.storage
            .push("the guest's /results in /r/x/results: No space left on device".into());
        let msg = format!("{:#}", o.verdict().unwrap_err());
        assert!(msg.contains("could not store the guest's /results in /r/x/results"));
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
        let e = outcome(
            &format!("{BOOTED}[    1.000000] Kernel panic - not syncing: x\n"),
            false,
        )
        .verdict()
        .unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("kernel panic or crash"), "{msg}");
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
