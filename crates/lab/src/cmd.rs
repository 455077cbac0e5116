//! Running host commands: quietly with a log file and a spinner for long steps,
//! or with captured output for version probes. Failures always show the tail.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

thread_local! {
    /// What this thread's lines start with: `[submission] ` while `lab grade
    /// --jobs N` grades several submissions at once, else nothing.
    static PREFIX: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Set while several threads report at once: spinners are hidden (they
/// would overwrite each other's line) and every line carries its prefix.
static PARALLEL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes this thread's lines start with `[name] `.
pub fn set_prefix(name: &str) {
    PREFIX.with(|p| *p.borrow_mut() = format!("[{name}] "));
}

/// This thread's line prefix (empty unless [`set_prefix`] was called), to
/// carry into threads that print on its behalf.
pub fn prefix() -> String {
    PREFIX.with(|p| p.borrow().clone())
}

/// Several threads report from now on (see [`PARALLEL`]).
pub fn set_parallel() {
    PARALLEL.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Prints a step header, so a user always sees what is happening and why.
pub fn step(what: &str) {
    eprintln!("{}==> {what}", prefix());
}

pub fn note(what: &str) {
    eprintln!("{}    {what}", prefix());
}

/// An error after which retrying the same command cannot help: `next` is what to run instead
/// (printed in place of the retry hint).
#[derive(Debug)]
pub struct NotRetryable {
    pub message: String,
    pub next: String,
}

impl std::fmt::Display for NotRetryable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NotRetryable {}

/// What to print after `e`: `("to retry", the same command)`, or for a [`NotRetryable`]
/// error `("instead", what to run)`.
pub fn after_error(e: &anyhow::Error) -> (&'static str, String) {
    match e.downcast_ref::<NotRetryable>() {
        Some(n) => ("instead", n.next.clone()),
        None => ("to retry", retry_hint()),
    }
}

/// The command that retries this run, as the user can paste it.
pub fn retry_hint() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .map(|a| crate::vm::exec::sh_quote(&a))
        .collect();
    format!("cargo run --release -p lab -- {}", args.join(" "))
}

/// Runs `cmd` and returns its stdout, failing with its stderr.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `cmd` with its output going to `log`, showing a spinner with the latest
/// line. On failure, prints the last lines of the log and names it.
pub fn logged(cmd: &mut Command, what: &str, log: &Path) -> Result<()> {
    let started = Instant::now();
    let mut file = File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    // A long build must not outlive the runner either.
    crate::vm::reaper::prepare(cmd, true);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    let guard = crate::vm::reaper::register(child.id(), true);
    let bar = spinner(what);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().expect("piped");
    let tx2 = tx.clone();
    let err_thread = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx2.send(line);
        }
    });
    let stdout = child.stdout.take().expect("piped");
    let out_thread = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut tail = std::collections::VecDeque::new();
    // Without a terminal the spinner draws nothing: say how far it is every PROGRESS_EVERY
    // instead, so a log of a 30-minute kernel build is not silent.
    let plain = !std::io::stderr().is_terminal();
    let mut reported = Instant::now();
    let mut lines = 0u64;
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => {
                writeln!(file, "{line}").with_context(|| {
                    format!("cannot write the log of {what} to {}", log.display())
                })?;
                bar.set_message(truncate(&line, 70));
                lines += 1;
                tail.push_back(line);
                if tail.len() > 40 {
                    tail.pop_front();
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if plain && reported.elapsed() >= PROGRESS_EVERY {
            reported = Instant::now();
            let last = tail.back().map_or("", String::as_str);
            note(&progress_line(what, started.elapsed(), lines, last, log));
        }
    }
    let _ = (out_thread.join(), err_thread.join());
    let status = child.wait()?;
    guard.done();
    bar.finish_and_clear();
    if !status.success() {
        let prefix = prefix();
        for line in &tail {
            eprintln!("{prefix}    | {line}");
        }
        bail!(
            "{what} failed ({status}); full log: {} (inspect: less {})",
            log.display(),
            log.display()
        );
    }
    note(&format!(
        "{what}: done in {:.0} s (log: {})",
        started.elapsed().as_secs_f64(),
        log.display()
    ));
    Ok(())
}

/// How often [`logged`] reports progress when stderr is not a terminal.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);

/// `build kernel: 3 min 30 s so far, 1234 lines in LOG, last: CC mm/slub.o`.
fn progress_line(what: &str, elapsed: Duration, lines: u64, last: &str, log: &Path) -> String {
    let s = elapsed.as_secs();
    format!(
        "{what}: {} min {} s so far, {lines} lines in {}, last: {}",
        s / 60,
        s % 60,
        log.display(),
        truncate(last.trim(), 100)
    )
}

pub fn spinner(what: &str) -> ProgressBar {
    if PARALLEL.load(std::sync::atomic::Ordering::Relaxed) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("    {spinner} {prefix} [{elapsed}] {wide_msg}")
            .expect("valid template"),
    );
    bar.set_prefix(what.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// `sudo` prefix when not root, so the same steps work for a user with sudo.
pub fn privileged(program: &str) -> Command {
    if is_root() {
        Command::new(program)
    } else {
        let mut c = Command::new("sudo");
        c.arg(program);
        c
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_names_the_step_the_time_and_the_latest_line() {
        let line = progress_line(
            "build kernel (debug)",
            Duration::from_secs(210),
            1234,
            "  CC      mm/slub.o",
            Path::new("/c/kernel-build.log"),
        );
        assert_eq!(
            line,
            "build kernel (debug): 3 min 30 s so far, 1234 lines in /c/kernel-build.log, last: CC      mm/slub.o"
        );
    }

    #[test]
    fn a_quiet_build_still_finishes_and_logs() {
        // The loop waits with a timeout now: a command silent for more than one wait must
        // still be logged in full and end.
        let log = std::env::temp_dir().join(format!("lab-logged-{}.log", std::process::id()));
        logged(
            Command::new("sh").args(["-c", "echo a; sleep 1.5; echo b"]),
            "quiet step",
            &log,
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "a\nb\n");
        std::fs::remove_file(&log).unwrap();
    }
}
