//! Nothing the runner starts outlives it. QEMU and long builds are registered
//! here while they run; SIGTERM, SIGHUP, SIGINT and a panic of the runner kill
//! them (and put the terminal back) before the runner ends. Each child also
//! gets PR_SET_PDEATHSIG, for the case no handler can see: SIGKILL.

use anyhow::{Context, Result};
use rustix::process::{Pid, Signal, WaitOptions};
use rustix::termios::{OptionalActions, Termios};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

struct State {
    /// (pid, whether it leads its own process group)
    children: Vec<(i32, bool)>,
    /// The terminal settings to restore after an interactive QEMU.
    terminal: Option<Termios>,
}

static STATE: Mutex<State> = Mutex::new(State {
    children: Vec::new(),
    terminal: None,
});

fn state() -> MutexGuard<'static, State> {
    // A panic while holding the lock must not stop the cleanup.
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Installs the signal handlers and the panic hook; call once, first thing.
pub fn install() -> Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])
        .context("cannot install signal handlers")?;
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let name = signal_hook::low_level::signal_name(sig).unwrap_or("a signal");
            // Keep the lock to the end: a thread that sees its child die
            // blocks on it instead of reporting the death and exiting first.
            let mut s = state();
            cleanup(&mut s, &format!("{name} received"));
            // Die of the signal itself, so the caller sees 128 + signal.
            let _ = signal_hook::low_level::emulate_default_handler(sig);
            std::process::exit(128 + sig);
        }
    });
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        cleanup(&mut state(), "the runner panicked");
    }));
    Ok(())
}

/// Makes `cmd`'s process die with the runner (PR_SET_PDEATHSIG) and, with
/// `own_group`, lead its own process group so that the whole tree can be
/// killed and a Ctrl-C in the terminal reaches only the runner.
///
/// Death signals follow the spawning thread: spawn from a thread that
/// outlives the child (the main thread, in this runner).
pub fn prepare(cmd: &mut Command, own_group: bool) {
    if own_group {
        cmd.process_group(0);
    }
    // SAFETY: the closure runs in the forked child before exec and only makes
    // async-signal-safe system calls (prctl, getppid); it allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
            // The runner may have died between fork and prctl.
            if rustix::process::getppid().is_none_or(|p| p.as_raw_nonzero().get() == 1) {
                return Err(std::io::Error::other("the lab runner is gone"));
            }
            Ok(())
        });
    }
}

/// Kills the child (and its group) on drop unless it was waited for.
pub struct Registered {
    pid: i32,
}

/// Records a child (prepared with [`prepare`]) for the cleanup.
pub fn register(pid: u32, own_group: bool) -> Registered {
    let pid = pid as i32;
    state().children.push((pid, own_group));
    Registered { pid }
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut s = state();
        if let Some(i) = s.children.iter().position(|(p, _)| *p == self.pid) {
            let (pid, group) = s.children.remove(i);
            drop(s);
            // Still running (an early return or an unwinding panic): kill it.
            kill(pid, group);
        }
    }
}

impl Registered {
    /// The child has been waited for: nothing to kill any more.
    pub fn done(self) {
        state().children.retain(|(p, _)| *p != self.pid);
        std::mem::forget(self);
    }
}

/// PIDs of the children registered now (for tests that watch them).
pub fn running() -> Vec<i32> {
    state().children.iter().map(|(p, _)| *p).collect()
}

/// Remembers the terminal's settings so that they come back however an
/// interactive QEMU ends (QEMU puts the terminal in raw mode).
pub fn save_terminal() {
    state().terminal = rustix::termios::tcgetattr(rustix::stdio::stdin()).ok();
}

/// Puts the saved terminal settings back (no-op without a saved terminal).
pub fn restore_terminal() {
    if let Some(t) = state().terminal.take() {
        let _ = rustix::termios::tcsetattr(rustix::stdio::stdin(), OptionalActions::Now, &t);
    }
}

fn cleanup(s: &mut State, why: &str) {
    for (pid, group) in std::mem::take(&mut s.children) {
        // Not eprintln!: stderr may be the broken pipe that caused the panic.
        let _ = writeln!(
            std::io::stderr(),
            "lab: {why}: stopping process {pid} (started by the runner)"
        );
        kill(pid, group);
    }
    if let Some(t) = s.terminal.take() {
        let _ = rustix::termios::tcsetattr(rustix::stdio::stdin(), OptionalActions::Now, &t);
    }
}

/// SIGKILL, then reap it so that no zombie is left either.
fn kill(pid: i32, group: bool) {
    let Some(p) = Pid::from_raw(pid) else { return };
    let _ = if group {
        rustix::process::kill_process_group(p, Signal::KILL)
    } else {
        rustix::process::kill_process(p, Signal::KILL)
    };
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        match rustix::process::waitpid(Some(p), WaitOptions::NOHANG) {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
