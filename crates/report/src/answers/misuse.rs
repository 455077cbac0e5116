//! Part 3: other unsafe behaviour (closed fds, bytes outside the region,
//! several programs), from `mymem misuse` in this run.

use results::layout::{MISUSE_EXCLUSIVE_JSON, MISUSE_JSON};
use results::{DeviceMisuse, MisuseReport, ProcessRace};

use crate::ctx::Ctx;
use crate::format::pct;
use crate::inputs::rel;
use crate::md::Md;

/// "C driver" / "Rust driver" for the lab's two devices, else the path; in a run that names
/// its modules, the module behind the device ("driver `lab_renamed` (yours, C)").
pub fn driver(run: &results::RunInfo, device: &str) -> String {
    if let Some(m) = crate::modules::of_device(run, device) {
        return format!("driver {}", crate::modules::short(m));
    }
    match device {
        "/dev/mymem_c" => "C driver".into(),
        "/dev/mymem" => "Rust driver".into(),
        other => format!("`{other}`"),
    }
}

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(md, super::MISUSE);
    let i = ctx.inputs;
    let run = &i.run;
    for note in [
        i.misuse.why_not(&rel(MISUSE_JSON)),
        i.misuse_exclusive.why_not(&rel(MISUSE_EXCLUSIVE_JSON)),
    ]
    .into_iter()
    .flatten()
    {
        md.para(&note);
    }
    let reports: Vec<(&str, &MisuseReport)> = [
        (MISUSE_JSON, i.misuse.get()),
        (MISUSE_EXCLUSIVE_JSON, i.misuse_exclusive.get()),
    ]
    .into_iter()
    .filter_map(|(f, r)| Some((f, r?)))
    .collect();
    if reports.is_empty() {
        md.para("Without these files this run cannot say what the drivers do when misused.");
        return;
    }
    let files = reports
        .iter()
        .map(|(f, _)| format!("[`{0}`]({0})", rel(f)))
        .collect::<Vec<_>>()
        .join(" and ");
    md.para(&format!(
        "Demonstrated in this run by `mymem misuse` on each driver ({files}; the second with \
         both modules reloaded with `exclusive=1`). Each call as made, what the device contract \
         (docs/device.md) says, and what each driver gave:"
    ));
    let devices: Vec<&DeviceMisuse> = reports.iter().flat_map(|(_, r)| &r.devices).collect();
    let mut drivers: Vec<&str> = Vec::new();
    for d in &devices {
        if !drivers.contains(&d.device.as_str()) {
            drivers.push(&d.device);
        }
    }
    let mut headers = vec!["Call".to_string(), "Contract".into()];
    headers.extend(drivers.iter().map(|d| driver(run, d)));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut unexpected = Vec::new();
    for (_, r) in &reports {
        let Some(first) = r.devices.first() else {
            continue;
        };
        for p in &first.probes {
            let mut row = vec![p.call.clone(), p.expected.clone()];
            for dev in &drivers {
                let got = r
                    .devices
                    .iter()
                    .find(|d| d.device == *dev)
                    .and_then(|d| d.probes.iter().find(|q| q.name == p.name));
                row.push(match got {
                    Some(q) if q.ok() => q.got.clone(),
                    Some(q) => {
                        unexpected.push(format!(
                            "{} on the {}: {}",
                            p.call,
                            driver(run, dev),
                            q.got
                        ));
                        format!("**{}**", q.got)
                    }
                    None => "not run".into(),
                });
            }
            rows.push(row);
        }
    }
    md.text_table(&headers, &rows);
    if unexpected.is_empty() {
        md.para("Every call gave what the contract says, on both drivers.");
    } else {
        md.para(&format!(
            "**Not what the contract says** (in bold above): {}.",
            unexpected.join("; ")
        ));
    }
    let got = |name: &str| -> String {
        let all: Vec<String> = devices
            .iter()
            .filter_map(|d| d.probes.iter().find(|p| p.name == name))
            .map(|p| p.got.clone())
            .collect();
        let mut uniq = all.clone();
        uniq.dedup();
        match uniq.len() {
            0 => "not run".into(),
            1 => uniq.remove(0),
            _ => all.join(" / "),
        }
    };
    md.para(&format!(
        "**Closing the fd while workers still use it.** A worker whose fd another thread had \
         already closed got {} from its next call: the descriptor is gone from the process's \
         table, so nothing reaches the driver. A worker already *inside* a call when its fd was \
         closed (waiting in `MYMEM_IOC_LOCK` for a lock another open file held; the close \
         itself {}) was not cut short: its call {} once the lock was free, because a system call \
         holds its own reference to the open file (the VFS's `fdget`), and the driver's \
         `release` runs only when the last reference is dropped. Its next call on the fd got \
         {}, and the lock went away with the file (a new open file's `LOCK` {}). So the driver \
         never sees a file freed under a running call; what it cannot protect is the fd \
         *number*: once closed, a later `open` in the same process may reuse it, and a worker \
         still holding the number then reads or writes a different file without any error. \
         Avoid it in the program: join every worker before closing (in Rust, workers that \
         borrow the `Device` inside `std::thread::scope` cannot outlive it: the compiler \
         refuses a `drop` of the file before the scope ends).",
        got("closed-before-use"),
        got("close-during-call"),
        got("call-completes-after-close"),
        got("next-call-after-close"),
        got("lock-released-with-file"),
    ));
    // "returned 4" reads as "4" inside a sentence; errno names stay as they are.
    let val = |name: &str| got(name).replace("returned ", "");
    // The calls outside the buffer that some driver answered against the contract: the
    // paragraph below may claim the contract's guarantees only when there are none.
    let outside: Vec<String> = devices
        .iter()
        .flat_map(|d| {
            d.probes
                .iter()
                .filter(|p| OUTSIDE.contains(&p.name.as_str()) && !p.ok())
                .map(|p| {
                    format!(
                        "`{}` on the {}: {} (the contract: {})",
                        p.call,
                        driver(run, &d.device),
                        p.got,
                        p.expected
                    )
                })
        })
        .collect();
    if !outside.is_empty() {
        md.para(&format!(
            "**A byte outside the region.** The contract has every position checked against the \
             buffer size before anything is copied. Not every driver of this run does: {}. \
             A position accepted past the end is where the next `read` or `write` of that file \
             starts, so the check that is missing there is the driver's to add; the program \
             cannot tell from the result. What the contract asks, as the other calls in the \
             table show: a read straddling the end cut short, at the end a read returning 0 and \
             a write ENOSPC, past the end (or before 0) EINVAL, a bad user pointer EFAULT.",
            outside.join("; ")
        ));
    } else {
        md.para(&format!(
        "**A byte outside the region.** The drivers check every position against the buffer \
         size before copying: a read that straddles the end is cut short (it returned {} of 8 \
         bytes), at the end a read returns {} and a write gives {}, past the end both give {} \
         and so does an `lseek` there ({}) or before 0 ({}); `FETCH_ADD` at the end gives {}; \
         a bad user pointer gives {} instead of an oops. No call can touch a byte outside the buffer. Left to the program: \
         checking the short counts and the errnos (the seed's program treats any short read as \
         fatal, which is right for an 8-byte counter).",
        val("pread-straddling-end"),
        val("pread-at-end"),
        got("pwrite-at-end"),
        got("pread-past-end"),
        got("lseek-past-end"),
        got("lseek-negative"),
        got("fetch-add-past-end"),
        got("read-null-buffer"),
    ));
    }
    let races: Vec<(String, &ProcessRace)> = devices
        .iter()
        .flat_map(|d| d.processes.iter().map(|r| (driver(run, &d.device), r)))
        .collect();
    let race_text = |strategy: &str| -> String {
        races
            .iter()
            .filter(|(_, r)| r.strategy == strategy)
            .map(|(d, r)| {
                format!(
                    "{d}: {} of {} lost ({})",
                    r.lost(),
                    r.expected,
                    pct(r.lost() as f64 / r.expected.max(1) as f64 * 100.0)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let shape = races.first().map_or(String::new(), |(_, r)| {
        format!("{} processes x {} increments", r.processes, r.iterations)
    });
    let none: Vec<&(String, &ProcessRace)> =
        races.iter().filter(|(_, r)| r.strategy == "none").collect();
    let unhit: Vec<&str> = none
        .iter()
        .filter(|(_, r)| r.lost() == 0)
        .map(|(d, _)| d.as_str())
        .collect();
    let overlap = if unhit.len() == none.len() {
        "No update was lost this time: the race window (another process's cycle between one \
         process's read and its write) was not hit here, which does not make the cycle safe \
         (see answer 2)."
            .to_string()
    } else if unhit.is_empty() {
        "Processes lose updates exactly like threads: the race is between system calls, \
         whoever makes them."
            .to_string()
    } else {
        format!(
            "Processes lose updates like threads: the race is between system calls, whoever \
             makes them. On the {} none was lost in this run: the race window was not hit that \
             time (timing), which does not make the cycle safe.",
            unhit.join(" and the ")
        )
    };
    let mut several = format!(
        "**Several programs at once.** By default any number of programs may open the device (a \
         second open returned {}): they share one buffer, and each call is atomic, but nothing \
         orders one program's calls against another's. ",
        val("second-open")
    );
    if races.is_empty() {
        several.push_str("This run has no two-process race. ");
    } else {
        several.push_str(&format!(
            "Two separate processes ({shape}, released together) doing the read-increment-write \
             cycle: {}. {} With one `MYMEM_IOC_FETCH_ADD` per increment instead: {}. ",
            race_text("none"),
            overlap,
            race_text("fetch-add"),
        ));
    }
    several.push_str(&format!(
        "The fixes of answer 3 work across processes too (FETCH_ADD, the LOCK ioctl; a \
         `std::sync::Mutex` does not: it lives in one process). Or refuse sharing: with \
         `exclusive=1` a second open file got {}, while a `dup` of the first was accepted ({}: \
         `exclusive` counts open files, so threads and forked children sharing one still race) \
         and the next open after closing it succeeded ({}).",
        got("exclusive-second-open"),
        got("exclusive-dup"),
        got("exclusive-reopen"),
    ));
    md.para(&several);
    let guarantees = "every call is atomic with respect to every other one (the data mutex), \
         stays inside the buffer, returns an errno for anything outside the contract, and \
         outlives any file a call still holds. What it leaves to the program: the order of calls \
         across threads and processes (use FETCH_ADD or LOCK), the lifetime of its fd numbers \
         (join before close), and checking every return value.";
    if unexpected.is_empty() {
        md.para(&format!("What the driver guarantees: {guarantees}"));
    } else {
        md.para(&format!(
            "What the contract guarantees, and a driver that keeps to it: {guarantees} A driver \
             of this run does not keep to all of it: see the calls in bold above."
        ));
    }
}

/// `mymem misuse` probes of positions and pointers outside the buffer.
const OUTSIDE: &[&str] = &[
    "pread-straddling-end",
    "pread-at-end",
    "pread-past-end",
    "pwrite-at-end",
    "pwrite-past-end",
    "pwrite-negative",
    "lseek-past-end",
    "lseek-negative",
    "lseek-end",
    "write-at-end",
    "read-null-buffer",
    "fetch-add-past-end",
];
