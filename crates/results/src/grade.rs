//! `grade.json`: `lab grade` (schema [`GRADE_SCHEMA`]), one per submission,
//! in `results/<run-id>/<submission>/`.
//!
//! Every clause of the rubric (`grading/rubric.toml`) appears once, with the
//! points it earned and, when it did not pass, why.

use serde::{Deserialize, Serialize};

use crate::Document;

pub const GRADE_SCHEMA: &str = "mymem-grade/1";

impl Document for GradeReport {
    const SCHEMA: &'static str = GRADE_SCHEMA;
    fn schema(&self) -> &str {
        &self.schema
    }
}

/// Root of `grade.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeReport {
    /// Always [`GRADE_SCHEMA`].
    pub schema: String,
    /// The submission's directory name.
    pub submission: String,
    /// Module name (the `.ko` built from the submission) and its device node.
    pub module: String,
    pub device: String,
    /// Points earned by the clauses that are not bonus, and their sum in the rubric.
    pub score: u32,
    pub total: u32,
    /// Points earned by bonus clauses (not part of `total`).
    pub bonus: u32,
    /// `None` when the module built; else the end of the build log.
    pub build_error: Option<String>,
    /// Every rubric clause, in rubric order.
    pub clauses: Vec<ClauseResult>,
    /// Each crash (oops, panic, WARN, a refused reload) and the clause (or,
    /// at load, the groups) it cost.
    pub crashes: Vec<Crash>,
    /// Each check that ran out of its time, with where it was stuck.
    #[serde(default)]
    pub timeouts: Vec<Timeout>,
    /// The guest CPU of each boot (grading boots have SMAP and SMEP).
    #[serde(default)]
    pub boot_cpus: Vec<BootCpu>,
    /// Results the guest reported for ids the rubric does not know (not scored).
    #[serde(default)]
    pub unscored: Vec<String>,
    /// Guest boots used (one, plus one per crash that left groups to run).
    pub boots: u32,
    /// The rubric profile graded against (`seed`, `full`), when one was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment: Option<String>,
    /// Per lab part (a handout's grade, `lab grade` on a handout directory): its score.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartScore>,
    /// Wall time of the whole grade, build included, in seconds.
    pub elapsed_s: f64,
}

/// How one clause ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClauseStatus {
    Pass,
    Fail,
    /// The driver lacks the feature (an ioctl answered `ENOTTY`).
    NotImplemented,
    /// The kernel failed (oops, panic, WARN, a refused reload) during its
    /// check, or, at load, before any check.
    Crashed,
    /// Its check ran out of time (a hang): the clauses finished before it are scored.
    TimedOut,
    /// The module did not build or load, or grading stopped before this
    /// check (too many hangs or crashes: the detail says which).
    NotRun,
    /// Left out of this grade (`--groups`); counts for nothing.
    Skipped,
}

impl ClauseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClauseStatus::Pass => "pass",
            ClauseStatus::Fail => "fail",
            ClauseStatus::NotImplemented => "not-implemented",
            ClauseStatus::Crashed => "crashed",
            ClauseStatus::TimedOut => "timed-out",
            ClauseStatus::NotRun => "not-run",
            ClauseStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseResult {
    /// Clause id, as in docs/device.md ("Clause ids").
    pub id: String,
    pub group: String,
    pub points: u32,
    pub bonus: bool,
    pub earned: u32,
    pub status: ClauseStatus,
    /// For a clause that did not pass: the failure message (smallest failing
    /// input, expected vs actual where the check says so).
    pub detail: String,
    /// The lab part the clause belongs to, when the rubric or the handout grade says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u8>,
    /// What the assignment asked, as the rubric profile words it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub asked: String,
}

/// The score of one lab part: the clauses whose `part` it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartScore {
    /// 1-5.
    pub part: u8,
    /// What the part is ("the C driver", ...).
    pub title: String,
    /// The part directories graded for it (part 3: both drivers).
    pub dirs: Vec<String>,
    pub score: u32,
    pub total: u32,
    /// Bonus points earned on top of `total`.
    pub bonus: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crash {
    /// The clause group running when the kernel failed ("load" before any).
    pub group: String,
    /// The clause whose check was running; `None` at load (all groups lost).
    #[serde(default)]
    pub clause: Option<String>,
    /// What happened: the logscan pattern ("Oops", "BUG:", ...), "hang" or "died".
    pub kind: String,
    /// The kernel report, decoded to file:line in the module where possible (capped).
    pub report: Vec<String>,
    /// The boot's console log, relative to the submission's directory.
    pub console: String,
}

/// A check that did not end within its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeout {
    /// The clause whose check timed out ("load" for the first insmod).
    pub clause: String,
    pub group: String,
    /// The check's time limit, in seconds.
    pub seconds: u32,
    /// The command that ran out of time (`insmod ...`, `/lab/tests/rw --exact ...`).
    pub check: String,
    /// Where it was stuck: the kernel stacks of its threads, the hung-task
    /// report or sysrq-w's blocked tasks (decoded where possible; capped).
    pub report: Vec<String>,
    /// The boot's console log, relative to the submission's directory.
    pub console: String,
}

/// The CPU one grading boot ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootCpu {
    /// 1-based boot number.
    pub boot: u32,
    /// QEMU's CPU model and accelerator (`qemu64,+smep,+smap (tcg)`).
    pub model: String,
    /// Which of `smep`, `smap` the guest's /proc/cpuinfo shows.
    pub guest_flags: Vec<String>,
}
