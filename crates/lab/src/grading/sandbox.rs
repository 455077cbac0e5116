//! Building untrusted code: every `make` of a submission runs in a
//! bubblewrap sandbox (Debian's `bubblewrap`, the tool Flatpak isolates apps
//! with), because Kbuild files and Makefiles are programs and so are the
//! compilers' `#include`, `.incbin` and `include_str!`.
//!
//! Inside the sandbox: the build copy (writable), its `include/` beside it,
//! the kernel's build directory and source tree, bindgen and `/usr`, all
//! read-only and at their host paths; a private `/tmp` (tmpfs, 256 MiB), a
//! minimal `/dev` and a `/proc` of the sandbox's own processes. Nothing else:
//! no home directory (`/root` holds only the kernel cache paths above), no
//! checkout, rubric or results, no other submission, no network, no host
//! processes. The build runs as uid/gid 65534 with no capabilities, in its
//! own session, under a time limit, a per-file size limit and a cap on its
//! output. What it needs from the host: bubblewrap and user namespaces.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::build::kernel::Kernel;
use crate::build::toolchain;
use crate::cmd;

/// The bubblewrap program.
pub const BWRAP: &str = "bwrap";
/// The uid and gid the build runs as inside the sandbox (`nobody`).
pub const SANDBOX_ID: &str = "65534";

/// What a sandboxed build may use.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall-clock time of the whole build.
    pub time: Duration,
    /// Bytes of output (stdout and stderr together) kept in the log; past it
    /// the build is stopped.
    pub output: u64,
    /// Bytes any one file written by the build may reach (RLIMIT_FSIZE).
    pub file_size: u64,
    /// Bytes of the sandbox's private /tmp.
    pub tmp: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(300),
            output: 4 << 20,
            file_size: 256 << 20,
            tmp: 256 << 20,
        }
    }
}

/// How a sandboxed command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Success,
    /// It exited with a failure (`exit status: 2`, `signal: 9`).
    Failed(String),
    /// It ran past [`Limits::time`] and was killed.
    TimedOut(Duration),
    /// Its output passed [`Limits::output`] bytes and it was killed.
    OutputCapped(u64),
}

impl Ended {
    /// One line for the build log and the grade, `None` on success.
    pub fn reason(&self) -> Option<String> {
        match self {
            Ended::Success => None,
            Ended::Failed(status) => Some(format!("the build failed ({status})")),
            Ended::TimedOut(t) => Some(format!(
                "the build was stopped after {} s (the sandbox's time limit)",
                t.as_secs()
            )),
            Ended::OutputCapped(n) => Some(format!(
                "the build was stopped: its output passed {} MiB (the sandbox's output limit)",
                n >> 20
            )),
        }
    }
}

/// A sandbox: `writable` is the only host path it can change; `read_only`
/// paths are visible at their host paths. Paths must be absolute.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub writable: PathBuf,
    pub read_only: Vec<PathBuf>,
    pub limits: Limits,
}

impl Sandbox {
    /// The paths a module build against `kernel` needs read-only: the
    /// kernel's build directory, its source tree and bindgen (`/usr` is
    /// always there).
    pub fn for_kernel(kernel: &Kernel, writable: &Path) -> Sandbox {
        let bindgen = toolchain::bindgen_path();
        let mut read_only = vec![kernel.build_dir.clone(), kernel.source.dir.clone()];
        // <cache>/bindgen-X/bin/bindgen: the whole install root.
        if let Some(root) = bindgen.parent().and_then(Path::parent) {
            read_only.push(root.to_path_buf());
        }
        Sandbox {
            writable: writable.to_path_buf(),
            read_only,
            limits: Limits::default(),
        }
    }

    /// `bwrap <options> -- program args...`, the environment cleared but for
    /// `env`, working directory `writable`.
    pub fn command(&self, program: &str, args: &[String], env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(BWRAP);
        c.args(self.options());
        for (k, v) in env {
            c.args(["--setenv", k, v]);
        }
        c.arg("--chdir").arg(&self.writable).arg("--").arg(program);
        c.args(args);
        let fsize = self.limits.file_size;
        // SAFETY: runs in the forked child before exec; setrlimit is one
        // async-signal-safe system call and nothing is allocated.
        unsafe {
            c.pre_exec(move || {
                let lim = rustix::process::Rlimit {
                    current: Some(fsize),
                    maximum: Some(fsize),
                };
                rustix::process::setrlimit(rustix::process::Resource::Fsize, lim)?;
                Ok(())
            });
        }
        c
    }

    fn options(&self) -> Vec<String> {
        let mut o: Vec<String> = [
            "--unshare-all",
            // --unshare-all may skip the user namespace when bwrap runs as root.
            "--unshare-user",
            "--uid",
            SANDBOX_ID,
            "--gid",
            SANDBOX_ID,
            "--cap-drop",
            "ALL",
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            "--setenv",
            "PATH",
            "/usr/bin:/bin",
            "--setenv",
            "HOME",
            "/tmp",
            "--setenv",
            "LC_ALL",
            "C",
            "--ro-bind",
            "/usr",
            "/usr",
            "--symlink",
            "usr/bin",
            "/bin",
            "--symlink",
            "usr/sbin",
            "/sbin",
            "--symlink",
            "usr/lib",
            "/lib",
            "--symlink",
            "usr/lib64",
            "/lib64",
            // cc, c++, ld.gold... are /etc/alternatives links.
            "--ro-bind-try",
            "/etc/alternatives",
            "/etc/alternatives",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        o.push(self.limits.tmp.to_string());
        o.extend(["--tmpfs".into(), "/tmp".into()]);
        for p in &self.read_only {
            let p = p.display().to_string();
            o.extend(["--ro-bind".into(), p.clone(), p]);
        }
        let w = self.writable.display().to_string();
        o.extend(["--bind".into(), w.clone(), w]);
        // The sandbox's own root (the directories made for the mounts) read-only too.
        o.extend(["--remount-ro".into(), "/".into()]);
        o
    }

    /// Runs `cmd` (from [`Sandbox::command`]) with its output in `log`,
    /// within the limits. `Err` only when the sandbox cannot start or the
    /// log cannot be written.
    pub fn run(&self, mut cmd: Command, what: &str, log: &Path) -> Result<Ended> {
        check_available()?;
        let started = Instant::now();
        let mut file = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        crate::reaper::prepare(&mut cmd, true);
        let (reader, writer) = std::io::pipe().context("cannot create a pipe")?;
        let writer2 = writer.try_clone()?;
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(writer2)
            .spawn()
            .with_context(|| format!("cannot run {BWRAP} (install the bubblewrap package)"))?;
        drop(cmd); // the parent's copies of the pipe's write end
        let pid = child.id();
        let guard = crate::reaper::register(pid, true);
        let bar = cmd::spinner(what);
        // The reader ends at EOF: when every process of the build is gone.
        let cap = self.limits.output;
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let reading = std::thread::spawn(move || {
            let mut reader = reader;
            let mut buf = vec![0u8; 64 << 10];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let mut written = 0u64;
        let mut ended = None;
        let kill = |pid: u32| {
            if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process_group(p, rustix::process::Signal::KILL);
            }
        };
        loop {
            let left = self.limits.time.saturating_sub(started.elapsed());
            match rx.recv_timeout(left.min(Duration::from_millis(500))) {
                Ok(chunk) => {
                    if ended.is_some() {
                        continue;
                    }
                    let room = cap.saturating_sub(written) as usize;
                    let keep = &chunk[..chunk.len().min(room)];
                    file.write_all(keep)?;
                    written += keep.len() as u64;
                    if let Some(line) = String::from_utf8_lossy(keep).lines().last() {
                        bar.set_message(line.chars().take(70).collect::<String>());
                    }
                    if keep.len() < chunk.len() {
                        ended = Some(Ended::OutputCapped(cap));
                        kill(pid);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if ended.is_none() && started.elapsed() >= self.limits.time {
                        ended = Some(Ended::TimedOut(self.limits.time));
                        kill(pid);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let _ = reading.join();
        let status = child.wait()?;
        guard.done();
        bar.finish_and_clear();
        let ended = ended.unwrap_or(if status.success() {
            Ended::Success
        } else {
            Ended::Failed(status.to_string())
        });
        if let Some(r) = ended.reason() {
            writeln!(file, "\nlab: {r}")?;
        }
        cmd::note(&format!(
            "{what}: {} in {:.1} s, sandboxed (log: {})",
            if ended == Ended::Success {
                "done"
            } else {
                "failed"
            },
            started.elapsed().as_secs_f64(),
            log.display()
        ));
        Ok(ended)
    }
}

/// Builds the module in `dir` (a build copy: the only path the build may
/// write) against `kernel` in a sandbox: `make -C <kernel build> M=<dir>
/// modules` with the toolchain variables and module debug info. `read_only`
/// adds paths the build may read (e.g. the `include/` beside the copy).
/// Every command that compiles a student's module goes through here.
///
/// `Ok(Ended)` says how the build ended (its output is in `log`); `Err` when
/// the sandbox cannot start (with what is missing) or the log cannot be written.
pub fn build_module(
    kernel: &Kernel,
    dir: &Path,
    read_only: &[PathBuf],
    what: &str,
    log: &Path,
) -> Result<Ended> {
    build_module_with(kernel, dir, read_only, &[], what, log)
}

/// [`build_module`] with `KBUILD_EXTRA_SYMBOLS` (other modules' `Module.symvers`, which must
/// also be in `read_only`): for a module that imports another's exports (a handout's part 5).
pub fn build_module_with(
    kernel: &Kernel,
    dir: &Path,
    read_only: &[PathBuf],
    extra_symbols: &[PathBuf],
    what: &str,
    log: &Path,
) -> Result<Ended> {
    let mut sb = Sandbox::for_kernel(kernel, dir);
    sb.read_only.extend(read_only.iter().cloned());
    let mut args: Vec<String> = vec!["-C".into(), kernel.build_dir.display().to_string()];
    args.extend(toolchain::make_vars());
    args.extend(kernel.profile.make_args());
    args.push(format!("M={}", dir.display()));
    args.extend(
        crate::build::modules::MODULE_DEBUG_INFO
            .iter()
            .map(|s| s.to_string()),
    );
    if !extra_symbols.is_empty() {
        let list: Vec<String> = extra_symbols
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        args.push(format!("KBUILD_EXTRA_SYMBOLS={}", list.join(" ")));
    }
    args.push("modules".into());
    let c = sb.command(
        "make",
        &args,
        &[("LIBCLANG_PATH", toolchain::LIBCLANG_PATH)],
    );
    sb.run(c, what, log)
}

/// Checks once per run that a sandbox starts here, else says what is needed.
pub fn check_available() -> Result<()> {
    static PROBE: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    PROBE
        .get_or_init(|| probe(BWRAP).map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Starts `/usr/bin/true` in the sandbox with `program` as bubblewrap.
fn probe(program: &str) -> Result<()> {
    let dir = std::env::temp_dir();
    let sb = Sandbox {
        writable: dir.clone(),
        read_only: vec![],
        limits: Limits::default(),
    };
    let c = sb.command("/usr/bin/true", &[], &[]);
    let c = Command::new(program).args(c.get_args()).output();
    let out = match c {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "cannot build submitted code: `{program}` is not installed. Student code is only \
             built inside a bubblewrap sandbox; install it with `apt-get install bubblewrap` \
             (`lab setup` does)"
        ),
        Err(e) => bail!("cannot run {program}: {e}"),
    };
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
    bail!(
        "cannot build submitted code: the bubblewrap sandbox does not start here ({program} \
         said: {said:?}). It needs user namespaces: check `sysctl user.max_user_namespaces` \
         (> 0) and `kernel.unprivileged_userns_clone` (1) where it exists; on Ubuntu 24.04 \
         `kernel.apparmor_restrict_unprivileged_userns=0`; in a container, one allowed to \
         create namespaces (e.g. `docker run --privileged`, or a seccomp profile that allows \
         unshare/clone with CLONE_NEWUSER)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        // Not under /tmp: the sandbox has a /tmp of its own.
        let dir =
            crate::paths::target_dir().join(format!("test-sandbox-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn sh(sb: &Sandbox, script: &str, log: &Path) -> Ended {
        let c = sb.command("sh", &["-c".into(), script.into()], &[]);
        sb.run(c, "test", log).unwrap()
    }

    /// What a build sees: its copy, read-only paths, and nothing of the host.
    #[test]
    fn a_build_sees_its_copy_and_nothing_of_the_host() {
        let dir = scratch("view");
        let ro = scratch("view-ro");
        std::fs::write(ro.join("header.h"), "visible").unwrap();
        let secret = crate::paths::repo_root().join("grading/rubric.toml");
        assert!(secret.is_file());
        let sb = Sandbox {
            writable: dir.join("copy"),
            read_only: vec![ro.clone()],
            limits: Limits::default(),
        };
        std::fs::create_dir_all(&sb.writable).unwrap();
        let log = dir.join("log");
        let script = format!(
            "id -u; id -g; cat {ro}/header.h; echo; \
             cat {secret} && echo READ-SECRET; \
             ls /root/.ssh && echo SAW-HOME; \
             echo x > {ro}/w && echo WROTE-RO; \
             echo x > {dir}/outside && echo WROTE-OUTSIDE; \
             echo x > /outside && echo WROTE-TOP; \
             echo x > /tmp/t && echo tmp-ok; \
             echo ok > built",
            ro = ro.display(),
            secret = secret.display(),
            dir = dir.display()
        );
        assert_eq!(sh(&sb, &script, &log), Ended::Success);
        let out = std::fs::read_to_string(&log).unwrap();
        assert!(out.starts_with("65534\n65534\nvisible\n"), "{out}");
        // WROTE-OUTSIDE is not among them: with the checkout under /tmp that write succeeds
        // inside the sandbox, into its own tmpfs /tmp (where bubblewrap made the bind mount's
        // parents), and never reaches the host, which the check after this loop asserts.
        for bad in ["READ-SECRET", "SAW-HOME", "WROTE-RO", "WROTE-TOP"] {
            assert!(!out.contains(bad), "{bad}: {out}");
        }
        assert!(out.contains("tmp-ok"), "{out}");
        assert!(!dir.join("outside").exists() && !ro.join("w").exists());
        assert_eq!(
            std::fs::read_to_string(sb.writable.join("built")).unwrap(),
            "ok\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&ro);
    }

    #[test]
    fn no_network_in_the_sandbox() {
        let dir = scratch("net");
        let sb = Sandbox {
            writable: dir.clone(),
            read_only: vec![],
            limits: Limits::default(),
        };
        let log = dir.join("log");
        // Only a loopback interface, and it is down.
        assert_eq!(
            sh(&sb, "ls /proc/sys/net/ipv4/conf/ | tr '\\n' ' '", &log),
            Ended::Success
        );
        let out = std::fs::read_to_string(&log).unwrap();
        assert_eq!(out.trim(), "all default lo", "{out}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn time_and_output_limits_stop_a_build() {
        let dir = scratch("limits");
        let mut sb = Sandbox {
            writable: dir.clone(),
            read_only: vec![],
            limits: Limits {
                time: Duration::from_secs(2),
                ..Limits::default()
            },
        };
        let log = dir.join("log");
        let t = Instant::now();
        assert_eq!(
            sh(&sb, "sleep 60 & sleep 60", &log),
            Ended::TimedOut(Duration::from_secs(2))
        );
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
        sb.limits.time = Duration::from_secs(60);
        sb.limits.output = 100_000;
        assert_eq!(sh(&sb, "yes", &log), Ended::OutputCapped(100_000));
        let len = std::fs::metadata(&log).unwrap().len();
        assert!((100_000..100_200).contains(&len), "{len}");
        sb.limits.file_size = 1 << 20;
        assert!(matches!(
            sh(&sb, "head -c 2000000 /dev/zero > big", &log),
            Ended::Failed(_)
        ));
        assert!(std::fs::metadata(dir.join("big")).unwrap().len() <= 1 << 20);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_bubblewrap_is_named_with_the_fix() {
        let e = format!("{:#}", probe("/nonexistent/bwrap").unwrap_err());
        assert!(e.contains("apt-get install bubblewrap"), "{e}");
    }

    #[test]
    fn a_sandbox_that_cannot_start_says_it_needs_user_namespaces() {
        // bwrap run where user namespaces are used up: inside a sandbox made
        // with --disable-userns, as on a host where they are turned off.
        let dir = scratch("nouserns");
        let wrapper = dir.join("bwrap");
        std::fs::write(
            &wrapper,
            "#!/bin/sh\nexec bwrap --unshare-user --disable-userns --ro-bind / / \
             --proc /proc --dev /dev -- bwrap \"$@\"\n",
        )
        .unwrap();
        std::fs::set_permissions(
            &wrapper,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let e = format!("{:#}", probe(wrapper.to_str().unwrap()).unwrap_err());
        assert!(e.contains("user namespaces"), "{e}");
        assert!(e.contains("Creating new namespace failed"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
