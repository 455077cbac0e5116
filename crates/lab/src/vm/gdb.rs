//! `lab exec --gdb` / `lab shell --gdb`: QEMU's gdb stub on a free local port, and a gdb
//! command file that loads `vmlinux` and our modules' symbols at their load addresses.
//!
//! The lab kernel has no `CONFIG_GDB_SCRIPTS` (no `lx-symbols`), so the guest reports
//! `/sys/module/*/sections/*` on a third serial port (ttyS2, a Unix socket the runner
//! listens on) and the runner writes `add-symbol-file` lines for them into `modules.gdb`.
//! The same socket carries `go` back: with `--gdb-wait` the guest waits, after loading the
//! modules, until gdb's `lab-go` command.

use crate::vm::guest::{Lab, Scenario};
use crate::{cmd, paths};
use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashMap};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The gdb options of `lab exec` and `lab shell`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GdbArgs {
    /// Start QEMU's gdb stub on 127.0.0.1 (a free port, printed) and write a gdb command
    /// file (results/<run>/gdb/lab.gdb) with vmlinux and our modules at their addresses.
    #[arg(long)]
    pub gdb: bool,
    /// With --gdb: after loading the modules, wait until gdb runs `lab-go`.
    #[arg(long, requires = "gdb")]
    pub gdb_wait: bool,
}

/// Guest path of the section reporter (`crates/lab/guest/gdb-sections`).
const GUEST_SCRIPT: &str = "/lab/bin/lab-gdb-sections";

/// One gdb session's files, port and guest channel, before the boot.
pub struct Session {
    pub port: u16,
    /// Holds `lab.gdb`, `modules.gdb` and the `go` request file.
    pub dir: PathBuf,
    pub wait: bool,
    socket: PathBuf,
    listener: UnixListener,
}

impl Session {
    pub fn new(dir: &Path, wait: bool) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context("no free local TCP port for the gdb stub")?
            .port();
        // Short path: Unix socket names are limited to 108 bytes.
        let socket =
            std::env::temp_dir().join(format!("lab-gdb-{}-{port}.sock", std::process::id()));
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket)
            .with_context(|| format!("cannot listen on {}", socket.display()))?;
        listener.set_nonblocking(true)?;
        let _ = std::fs::remove_file(dir.join("modules.gdb"));
        Ok(Session {
            port,
            dir: dir.to_path_buf(),
            wait,
            socket,
            listener,
        })
    }

    pub fn lab_gdb(&self) -> PathBuf {
        self.dir.join("lab.gdb")
    }

    pub fn modules_gdb(&self) -> PathBuf {
        self.dir.join("modules.gdb")
    }

    /// QEMU's stub and the ttyS2 channel; the section report (and wait) before the script.
    pub fn apply(&self, scenario: &mut Scenario) {
        scenario.qemu_args.extend([
            "-gdb".into(),
            format!("tcp:127.0.0.1:{}", self.port),
            "-chardev".into(),
            format!("socket,id=labgdb,path={}", self.socket.display()),
            "-serial".into(),
            "chardev:labgdb".into(),
        ]);
        // Fixed addresses between boots (the lab kernel has no KASLR today; be sure).
        scenario.append = format!("{} nokaslr", scenario.append).trim().to_string();
        scenario.files.push((
            paths::repo_root().join("crates/lab/guest/gdb-sections"),
            GUEST_SCRIPT.into(),
        ));
        let wait = if self.wait { " --wait" } else { "" };
        scenario.script = format!("{GUEST_SCRIPT}{wait}\n{}", scenario.script);
    }

    /// Writes `lab.gdb` and starts listening for the guest's section reports.
    pub fn start(self, lab: &Lab) -> Result<Watcher> {
        let kos: HashMap<String, PathBuf> = lab
            .modules
            .modules
            .iter()
            .map(|(name, ko)| (name.clone(), ko.clone()))
            .collect();
        std::fs::write(
            self.lab_gdb(),
            lab_gdb(&lab.kernel.build_dir.join("vmlinux"), self.port, &self.dir),
        )?;
        std::fs::write(
            self.modules_gdb(),
            "# no module sections reported by the guest yet\n",
        )?;
        let stop = Arc::new(AtomicBool::new(false));
        let ready = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stop, ready) = (stop.clone(), ready.clone());
            let (dir, listener) = (self.dir.clone(), self.listener);
            std::thread::spawn(move || watch(listener, &dir, &kos, &stop, &ready))
        };
        Ok(Watcher {
            dir: self.dir,
            socket: self.socket,
            stop,
            ready,
            thread: Some(thread),
        })
    }
}

/// The running side of a session; dropping it stops the listener.
pub struct Watcher {
    dir: PathBuf,
    socket: PathBuf,
    stop: Arc<AtomicBool>,
    ready: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Waits until `modules.gdb` has the guest's sections; false on timeout.
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.ready.load(Ordering::SeqCst) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Lets a `--gdb-wait` guest go on (what gdb's `lab-go` does).
    pub fn release_guest(&self) {
        let _ = std::fs::write(self.dir.join("go"), "");
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// Accepts QEMU's connection, turns each section report into `modules.gdb`, and passes
/// `go` requests (files written by gdb's `lab-go`) to the guest.
fn watch(
    listener: UnixListener,
    dir: &Path,
    kos: &HashMap<String, PathBuf>,
    stop: &AtomicBool,
    ready: &AtomicBool,
) {
    let mut stream = loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => {
                cmd::note(&format!("gdb: guest channel failed: {e}"));
                return;
            }
        }
    };
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let go = dir.join("go");
    let mut pending = Vec::new();
    let mut sections: Vec<(String, String, u64)> = Vec::new();
    let mut chunk = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        if go.exists() {
            let _ = std::fs::remove_file(&go);
            let _ = stream.write_all(b"go\n");
        }
        match stream.read(&mut chunk) {
            Ok(0) => return, // QEMU exited
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => return,
        }
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["section", module, section, addr] => {
                    if let Ok(a) = u64::from_str_radix(addr.trim_start_matches("0x"), 16) {
                        sections.push((module.to_string(), section.to_string(), a));
                    }
                }
                ["end"] => {
                    let text = modules_gdb(&sections, kos);
                    if std::fs::write(dir.join("modules.gdb"), text).is_ok() {
                        ready.store(true, Ordering::SeqCst);
                    }
                    sections.clear();
                }
                _ => {}
            }
        }
    }
}

/// The entry file: vmlinux, the stub, our modules, and `lab-go`.
fn lab_gdb(vmlinux: &Path, port: u16, dir: &Path) -> String {
    let dir = dir.display();
    format!(
        "# Generated by `lab --gdb`: gdb -x {dir}/lab.gdb\n\
         set pagination off\n\
         set confirm off\n\
         set debuginfod enabled off\n\
         file {vmlinux}\n\
         target remote 127.0.0.1:{port}\n\
         source {dir}/modules.gdb\n\
         define lab-modules\n  source {dir}/modules.gdb\nend\n\
         document lab-modules\n\
         Reload our modules' symbols (after lab-gdb-sections ran again in the guest).\nend\n\
         define lab-go\n  shell touch {dir}/go\n  continue\nend\n\
         document lab-go\n\
         Let a --gdb-wait guest run its command, and continue.\nend\n",
        vmlinux = vmlinux.display()
    )
}

/// `add-symbol-file` per module with a `.ko` on the host and a `.text` in the report.
fn modules_gdb(sections: &[(String, String, u64)], kos: &HashMap<String, PathBuf>) -> String {
    let mut by_module: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
    for (m, s, a) in sections {
        by_module.entry(m).or_default().insert(s, *a);
    }
    let mut out = String::from("# Our modules at their load addresses, as the guest reported\n");
    for (module, secs) in by_module {
        let (Some(ko), Some(text)) = (kos.get(module), secs.get(".text")) else {
            continue;
        };
        out.push_str(&format!("add-symbol-file {} {text:#x}", ko.display()));
        // .symtab/.strtab are the kernel's copies for kallsyms, not sections of the .ko.
        let skip = [".text", ".symtab", ".strtab"];
        for (s, a) in secs.iter().filter(|(s, _)| !skip.contains(s)) {
            out.push_str(&format!(" -s {s} {a:#x}"));
        }
        out.push('\n');
    }
    out
}

/// For `lab exec` / `lab shell`: sets the session up, says how to attach, and returns
/// the watcher to keep alive during the boot (None without --gdb).
pub fn attach(lab: &Lab, scenario: &mut Scenario, args: &GdbArgs) -> Result<Option<Watcher>> {
    if !args.gdb {
        return Ok(None);
    }
    let session = Session::new(&lab.run_dir.join("gdb"), args.gdb_wait)?;
    session.apply(scenario);
    cmd::step(&format!(
        "gdb: QEMU's gdb stub on 127.0.0.1:{}",
        session.port
    ));
    cmd::note(&format!(
        "attach from another terminal: gdb -x {}",
        session.lab_gdb().display()
    ));
    if session.wait {
        cmd::note("the guest waits after loading the modules: set breakpoints, then `lab-go`");
    }
    Ok(Some(session.start(lab)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_file_has_sections_of_known_modules() {
        let kos = HashMap::from([("mymem".to_string(), PathBuf::from("/k/mymem.ko"))]);
        let sections = vec![
            ("mymem".into(), ".text".into(), 0xffffffffc0001000),
            ("mymem".into(), ".data".into(), 0xffffffffc0003000),
            ("mymem".into(), ".bss".into(), 0xffffffffc0004000),
            ("other".into(), ".text".into(), 0xffffffffc0100000),
            ("nodata".into(), ".data".into(), 0x1),
        ];
        let text = modules_gdb(&sections, &kos);
        assert!(text.contains(
            "add-symbol-file /k/mymem.ko 0xffffffffc0001000 -s .bss 0xffffffffc0004000 -s .data 0xffffffffc0003000\n"
        ), "{text}");
        assert!(!text.contains("other") && !text.contains("nodata"));
    }

    #[test]
    fn entry_file_connects_and_defines_lab_go() {
        let t = lab_gdb(Path::new("/k/vmlinux"), 1234, Path::new("/r/gdb"));
        assert!(t.contains(
            "file /k/vmlinux\ntarget remote 127.0.0.1:1234\nsource /r/gdb/modules.gdb\n"
        ));
        assert!(t.contains("define lab-go\n  shell touch /r/gdb/go\n  continue\nend"));
    }
}
