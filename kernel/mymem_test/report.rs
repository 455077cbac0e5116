// SPDX-License-Identifier: GPL-2.0

//! Results of the last run and their JSON form (schema "mymem-kernel/1",
//! documented in docs/modules.md), which reading /dev/mymem_test returns.

use crate::{
    buffers::{Placement, PLACEMENT_MODULO},
    config::{Experiment, Params},
    stats::{percent, Summary},
};
use core::fmt::{self, Write};
use kernel::prelude::*;

pub(crate) enum Status {
    /// Nothing has run since load.
    Idle,
    Running,
    Complete,
    /// Cut short by module unload.
    Stopped,
    /// Aborted by an error (allocation, spawning a work item).
    Failed(Error),
}

impl Status {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Running => "running",
            Self::Complete => "complete",
            Self::Stopped => "stopped",
            Self::Failed(_) => "failed",
        }
    }
}

/// Timings of one operation at one size.
pub(crate) struct BenchRow {
    pub(crate) size: u64,
    pub(crate) op: &'static str,
    pub(crate) summary: Summary,
    /// Trials whose call failed or (for read) returned other bytes than were written.
    pub(crate) errors: u64,
}

/// One race strategy.
pub(crate) struct RaceRow {
    pub(crate) strategy: &'static str,
    pub(crate) workers: u32,
    pub(crate) iterations: u64,
    /// Cycles the workers completed (`workers * iterations` unless stopped).
    pub(crate) expected: u64,
    /// The counter afterwards.
    pub(crate) actual: u64,
    pub(crate) duration_ns: u64,
    /// Most workers inside their cycle loop at the same time.
    pub(crate) max_concurrent: u32,
    /// Workers that stopped early because an API call failed.
    pub(crate) api_errors: u64,
    /// The first such failure's errno (negative), 0 if none.
    pub(crate) errno: i32,
}

pub(crate) struct Report {
    pub(crate) status: Status,
    pub(crate) experiment: Option<Experiment>,
    pub(crate) params: Params,
    pub(crate) device_size: u64,
    /// Where the bench transfers started; `None` until the bench allocates or reuses buffers.
    pub(crate) buffers: Option<Placement>,
    pub(crate) bench: KVec<BenchRow>,
    pub(crate) race: KVec<RaceRow>,
}

impl Report {
    pub(crate) fn new(experiment: Option<Experiment>, params: Params, device_size: u64) -> Self {
        Self {
            status: if experiment.is_some() {
                Status::Running
            } else {
                Status::Idle
            },
            experiment,
            params,
            device_size,
            buffers: None,
            bench: KVec::new(),
            race: KVec::new(),
        }
    }

    /// Appends the report as one line of JSON to `out`.
    pub(crate) fn render(&self, out: &mut KVVec<u8>) -> Result {
        write!(VecWriter(out), "{}", Json(self)).map_err(|_| ENOMEM)
    }
}

/// `fmt::Write` into a growable kernel vector.
struct VecWriter<'a>(&'a mut KVVec<u8>);

impl Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0
            .extend_from_slice(s.as_bytes(), GFP_KERNEL)
            .map_err(|_| fmt::Error)
    }
}

struct Json<'a>(&'a Report);

impl fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        let p = &r.params;
        write!(
            f,
            "{{\"schema\":\"mymem-kernel/1\",\"status\":\"{}\"",
            r.status.name()
        )?;
        if let Status::Failed(e) = &r.status {
            write!(f, ",\"errno\":{}", e.to_errno())?;
        }
        match r.experiment {
            Some(e) => write!(f, ",\"experiment\":\"{}\"", e.name())?,
            None => f.write_str(",\"experiment\":null")?,
        }
        write!(
            f,
            ",\"params\":{{\"workers\":{},\"iterations\":{},\"trials\":{},\"gate\":{},\
             \"mem\":\"{}\",\"skew\":{},\"device_size\":{},\"sizes\":[",
            p.workers,
            p.iterations,
            p.trials,
            p.gate,
            p.mem.name(),
            p.skew,
            r.device_size
        )?;
        for (i, s) in p.sizes().iter().enumerate() {
            write!(f, "{}{s}", if i == 0 { "" } else { "," })?;
        }
        f.write_str("]}")?;
        if let Some(b) = &r.buffers {
            write!(
                f,
                ",\"buffers\":{{\"src\":{},\"dst\":{},\"modulo\":{},\"reused\":{}}}",
                b.src, b.dst, PLACEMENT_MODULO, b.reused
            )?;
        }
        f.write_str(",\"bench\":[")?;
        for (i, b) in r.bench.iter().enumerate() {
            let s = &b.summary;
            write!(
                f,
                "{}{{\"size\":{},\"op\":\"{}\",\"n\":{},\"mean_ns\":{},\"median_ns\":{},\
                 \"min_ns\":{},\"max_ns\":{},\"p99_ns\":{},\"errors\":{}}}",
                if i == 0 { "" } else { "," },
                b.size,
                b.op,
                s.n,
                s.mean,
                s.median,
                s.min,
                s.max,
                s.p99,
                b.errors
            )?;
        }
        f.write_str("],\"race\":[")?;
        for (i, x) in r.race.iter().enumerate() {
            let (pct, milli) = percent(x.expected.abs_diff(x.actual), x.expected);
            write!(
                f,
                "{}{{\"strategy\":\"{}\",\"workers\":{},\"iterations\":{},\"expected\":{},\
                 \"actual\":{},\"percent_error\":{pct}.{milli:03},\"duration_ns\":{},\
                 \"max_concurrent\":{},\"api_errors\":{},\"errno\":{}}}",
                if i == 0 { "" } else { "," },
                x.strategy,
                x.workers,
                x.iterations,
                x.expected,
                x.actual,
                x.duration_ns,
                x.max_concurrent,
                x.api_errors,
                x.errno
            )?;
        }
        f.write_str("]}\n")
    }
}
