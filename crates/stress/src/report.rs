//! What a stress run counts: outcomes per kind, deviations and their
//! signatures (the report format, `mymem-stress/1`, is `results::stress`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::oracle::{errno, Errno, Ret};
use results::{Deviation, Outcomes};

/// Kinds of operations counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Pread,
    Write,
    Pwrite,
    Lseek,
    IoctlSize,
    IoctlFetchAdd,
    IoctlLock,
    IoctlUnlock,
    IoctlOther,
    Fsync,
    AppendWrite,
    TryLock,
    Splice,
    /// Loads, stores and atomics through the shared mapping.
    MmapAccess,
    Mmap,
    /// Extra reads that check what a call must not have changed.
    Verify,
    LockKill,
    CloseRace,
    FdLimit,
}

impl Kind {
    pub const ALL: [Kind; 20] = [
        Kind::Read,
        Kind::Pread,
        Kind::Write,
        Kind::Pwrite,
        Kind::Lseek,
        Kind::IoctlSize,
        Kind::IoctlFetchAdd,
        Kind::IoctlLock,
        Kind::IoctlUnlock,
        Kind::IoctlOther,
        Kind::Fsync,
        Kind::AppendWrite,
        Kind::TryLock,
        Kind::Splice,
        Kind::MmapAccess,
        Kind::Mmap,
        Kind::Verify,
        Kind::LockKill,
        Kind::CloseRace,
        Kind::FdLimit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Pread => "pread",
            Kind::Write => "write",
            Kind::Pwrite => "pwrite",
            Kind::Lseek => "lseek",
            Kind::IoctlSize => "ioctl_size",
            Kind::IoctlFetchAdd => "ioctl_fetch_add",
            Kind::IoctlLock => "ioctl_lock",
            Kind::IoctlUnlock => "ioctl_unlock",
            Kind::IoctlOther => "ioctl_other",
            Kind::Fsync => "fsync",
            Kind::AppendWrite => "append_write",
            Kind::TryLock => "ioctl_trylock",
            Kind::Splice => "splice",
            Kind::MmapAccess => "mmap_access",
            Kind::Mmap => "mmap",
            Kind::Verify => "verify",
            Kind::LockKill => "lock_kill",
            Kind::CloseRace => "close_race",
            Kind::FdLimit => "fd_limit",
        }
    }
}

/// Outcomes counted per kind: success, a short transfer, or an errno.
const ERRNOS: [Errno; 11] = [
    Errno::PERM,
    Errno::AGAIN,
    Errno::INTR,
    Errno::BADF,
    Errno::FAULT,
    Errno::BUSY,
    Errno::INVAL,
    Errno::MFILE,
    Errno::NOTTY,
    Errno::NOSPC,
    Errno::DEADLK,
];
const OUTCOMES: usize = ERRNOS.len() + 3;

fn outcome_name(i: usize) -> String {
    match i {
        0 => "ok".into(),
        1 => "short".into(),
        i if i - 2 < ERRNOS.len() => errno::name(ERRNOS[i - 2]),
        _ => "other".into(),
    }
}

/// Counts per kind and outcome, cheap to bump in the hot loop.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    counts: [[u64; OUTCOMES]; Kind::ALL.len()],
}

impl Tally {
    /// Counts one call; `short` marks a transfer cut by a fault.
    pub fn add(&mut self, kind: Kind, got: Ret, short: bool) {
        let i = match got {
            Ret::Val(_) if short => 1,
            Ret::Val(_) => 0,
            Ret::Err(e) => ERRNOS
                .iter()
                .position(|&x| x == e)
                .map_or(OUTCOMES - 1, |p| p + 2),
        };
        self.counts[kind as usize][i] += 1;
    }

    pub fn ops(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    pub fn to_outcomes(&self) -> Outcomes {
        let mut out = Outcomes::new();
        for kind in Kind::ALL {
            for (i, &n) in self.counts[kind as usize].iter().enumerate() {
                if n > 0 {
                    *out.entry(kind.name().into())
                        .or_default()
                        .entry(outcome_name(i))
                        .or_default() += n;
                }
            }
        }
        out
    }
}

/// What a thread, a process or a phase found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub ops: u64,
    pub outcomes: Outcomes,
    pub deviation_count: u64,
    /// The first deviations, up to the keep limit.
    pub deviations: Vec<Deviation>,
    /// Generated operations left out because their effect was unknowable.
    pub skipped: u64,
    /// Counts of results the contract leaves open (either answer accepted).
    #[serde(default)]
    pub notes: BTreeMap<String, u64>,
    /// Every deviation counted by its [`signature`].
    #[serde(default)]
    pub signatures: BTreeMap<String, u64>,
    pub elapsed_s: f64,
}

impl Part {
    /// Adds `other` (run at the same time: elapsed is the longer one).
    pub fn merge(&mut self, other: Part, keep: usize) {
        self.ops += other.ops;
        for (kind, outcomes) in other.outcomes {
            let mine = self.outcomes.entry(kind).or_default();
            for (o, n) in outcomes {
                *mine.entry(o).or_default() += n;
            }
        }
        self.deviation_count += other.deviation_count;
        let room = keep.saturating_sub(self.deviations.len());
        self.deviations
            .extend(other.deviations.into_iter().take(room));
        self.skipped += other.skipped;
        for (k, n) in other.notes {
            *self.notes.entry(k).or_default() += n;
        }
        for (k, n) in other.signatures {
            *self.signatures.entry(k).or_default() += n;
        }
        self.elapsed_s = self.elapsed_s.max(other.elapsed_s);
    }
}

/// A deviation with its numbers blanked out (`#`), to count deviations of
/// the same kind together.
pub fn signature(device: &str, op: &str, expected: &str, got: &str) -> String {
    fn blank(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_hexdigit() || *c == 'x')
                {
                    chars.next();
                }
                out.push('#');
            } else {
                out.push(c);
            }
        }
        out
    }
    format!(
        "{device} {op}: expected {}; got {}",
        blank(expected),
        blank(got)
    )
}

/// A thread's running record.
#[derive(Debug)]
pub struct Log {
    pub phase: &'static str,
    pub worker: u32,
    pub tally: Tally,
    pub deviation_count: u64,
    pub deviations: Vec<Deviation>,
    pub skipped: u64,
    pub notes: BTreeMap<String, u64>,
    pub signatures: BTreeMap<String, u64>,
    keep: usize,
}

impl Log {
    pub fn new(phase: &'static str, worker: u32, keep: usize) -> Log {
        Log {
            phase,
            worker,
            tally: Tally::default(),
            deviation_count: 0,
            deviations: Vec::new(),
            skipped: 0,
            notes: BTreeMap::new(),
            signatures: BTreeMap::new(),
            keep,
        }
    }

    pub fn deviation(
        &mut self,
        device: &str,
        seq: u64,
        op: &str,
        args: String,
        expected: String,
        got: String,
    ) {
        self.deviation_count += 1;
        *self
            .signatures
            .entry(signature(device, op, &expected, &got))
            .or_default() += 1;
        if self.deviations.len() < self.keep {
            self.deviations.push(Deviation {
                phase: self.phase.into(),
                device: device.into(),
                worker: self.worker,
                seq,
                op: op.into(),
                args,
                expected,
                got,
            });
        }
    }

    pub fn into_part(self, elapsed_s: f64) -> Part {
        Part {
            ops: self.tally.ops(),
            outcomes: self.tally.to_outcomes(),
            deviation_count: self.deviation_count,
            deviations: self.deviations,
            skipped: self.skipped,
            notes: self.notes,
            signatures: self.signatures,
            elapsed_s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_outcomes() {
        let mut t = Tally::default();
        t.add(Kind::Pread, Ret::Val(3), false);
        t.add(Kind::Pread, Ret::Val(3), true);
        t.add(Kind::Pread, Ret::Err(Errno::FAULT), false);
        t.add(Kind::Lseek, Ret::Err(Errno::from_raw_os_error(999)), false);
        assert_eq!(t.ops(), 4);
        let o = t.to_outcomes();
        assert_eq!(o["pread"]["ok"], 1);
        assert_eq!(o["pread"]["short"], 1);
        assert_eq!(o["pread"]["EFAULT"], 1);
        assert_eq!(o["lseek"]["other"], 1);
        assert!(!o.contains_key("write"));
    }

    #[test]
    fn signatures_blank_numbers() {
        assert_eq!(
            signature(
                "/dev/m",
                "pwrite",
                "only the 0 copied of 12",
                "3 bytes, first at 4 (0xab -> 0x00)"
            ),
            "/dev/m pwrite: expected only the # copied of #; got # bytes, first at # (# -> #)"
        );
        assert_eq!(
            signature("d", "lseek", "-EINVAL", "12"),
            "d lseek: expected -EINVAL; got #"
        );
    }

    #[test]
    fn merge_keeps_the_first_deviations() {
        let mut log = Log::new("random", 1, 2);
        for i in 0..3 {
            log.deviation("/dev/x", i, "pread", "a".into(), "1".into(), "2".into());
        }
        log.tally.add(Kind::Read, Ret::Val(1), false);
        let p = log.into_part(1.0);
        assert_eq!((p.deviation_count, p.deviations.len()), (3, 2));
        let mut all = Part::default();
        all.merge(p.clone(), 3);
        all.merge(p, 3);
        assert_eq!(
            (all.ops, all.deviation_count, all.deviations.len()),
            (2, 6, 3)
        );
        assert_eq!(all.outcomes["read"]["ok"], 2);
        assert_eq!(all.elapsed_s, 1.0);
        assert_eq!(all.signatures["/dev/x pread: expected #; got #"], 6);
        let json = serde_json::to_string(&all).unwrap();
        assert_eq!(serde_json::from_str::<Part>(&json).unwrap(), all);
    }
}
