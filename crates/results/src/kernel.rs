//! `kernel.json`: what reading /dev/mymem_test returns after a run of the
//! in-kernel test module (schema "mymem-kernel/1", written by
//! kernel/mymem_test/report.rs; keys here must match that file).

use serde::{Deserialize, Serialize};

use crate::Document;

pub const KERNEL_SCHEMA: &str = "mymem-kernel/1";

impl Document for KernelReport {
    const SCHEMA: &'static str = KERNEL_SCHEMA;
    fn schema(&self) -> &str {
        &self.schema
    }
}

/// Root of `kernel.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelReport {
    /// Always [`KERNEL_SCHEMA`].
    pub schema: String,
    /// `idle`, `running`, `complete`, `stopped` or `failed`.
    pub status: String,
    /// Negative errno, only when `status` is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno: Option<i32>,
    /// `bench`, `race`, `all`, or null when nothing ran.
    pub experiment: Option<String>,
    pub params: KernelParams,
    /// Where this run's bench transfers started; absent when no bench ran, and in reports
    /// older than the module's shared buffers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffers: Option<KernelBuffers>,
    pub bench: Vec<KernelBenchRow>,
    pub race: Vec<KernelRaceRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelParams {
    pub workers: u32,
    pub iterations: u64,
    pub trials: u32,
    /// Race workers waited for each other before their first cycle.
    pub gate: bool,
    /// Memory of the bench buffers: `vmalloc` or `kmalloc`; absent in older reports
    /// (their buffers were `KVVec`: either, depending on fragmentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem: Option<String>,
    /// Pages into the buffers where the bench transfers start (a placement diagnostic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skew: Option<u32>,
    pub device_size: u64,
    pub sizes: Vec<u64>,
}

/// Placement of the bench's source and destination buffers in one run. Under TCG it moves a
/// wall-clock median by up to 5x (docs/measurement.md, anomaly 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelBuffers {
    /// Address where the source transfers start (buffer + skew), modulo `modulo`, bytes.
    pub src: u64,
    /// Same for the destination.
    pub dst: u64,
    /// The window, bytes (4 MiB): QEMU's direct-mapped software TLB repeats over it.
    pub modulo: u64,
    /// The buffers came from an earlier run of the same module load (same `mem`, `skew` and
    /// largest size), so both runs used this placement.
    pub reused: bool,
}

/// Timings of `mymem_write` or `mymem_read` at one size, integer nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelBenchRow {
    pub size: u64,
    /// `write` or `read`.
    pub op: String,
    /// Successful trials summarized.
    pub n: u64,
    pub mean_ns: u64,
    pub median_ns: u64,
    pub min_ns: u64,
    pub max_ns: u64,
    /// Nearest-rank 99th percentile.
    pub p99_ns: u64,
    /// Trials whose call failed or whose read-back differed.
    pub errors: u64,
}

/// One in-kernel race strategy (`none`, `lock`, `fetch-add`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelRaceRow {
    pub strategy: String,
    pub workers: u32,
    pub iterations: u64,
    /// Cycles the workers completed.
    pub expected: u64,
    /// The counter afterwards.
    pub actual: u64,
    /// |expected - actual| / expected * 100, three decimals (truncated).
    pub percent_error: f64,
    pub duration_ns: u64,
    /// Most workers inside their cycle loop at the same time.
    pub max_concurrent: u32,
    pub api_errors: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte for byte what kernel/mymem_test/report.rs writes (one line).
    const COMPLETE: &str = concat!(
        r#"{"schema":"mymem-kernel/1","status":"complete","experiment":"all","#,
        r#""params":{"workers":4,"iterations":1000,"trials":3,"gate":true,"#,
        r#""mem":"vmalloc","skew":0,"device_size":524288,"sizes":[1,64]},"#,
        r#""buffers":{"src":692224,"dst":2850816,"modulo":4194304,"reused":true},"bench":["#,
        r#"{"size":1,"op":"write","n":3,"mean_ns":410,"median_ns":400,"#,
        r#""min_ns":390,"max_ns":440,"p99_ns":440,"errors":0},"#,
        r#"{"size":1,"op":"read","n":0,"mean_ns":0,"median_ns":0,"#,
        r#""min_ns":0,"max_ns":0,"p99_ns":0,"errors":3}],"race":["#,
        r#"{"strategy":"none","workers":4,"iterations":1000,"expected":4000,"#,
        r#""actual":2913,"percent_error":27.175,"duration_ns":4120000,"#,
        r#""max_concurrent":4,"api_errors":0},"#,
        r#"{"strategy":"lock","workers":4,"iterations":1000,"expected":4000,"#,
        r#""actual":4000,"percent_error":0.000,"duration_ns":6550000,"#,
        r#""max_concurrent":4,"api_errors":0}]}"#,
        "\n"
    );

    #[test]
    fn parses_the_module_output() {
        let r: KernelReport = serde_json::from_str(COMPLETE).unwrap();
        assert_eq!(r.status, "complete");
        assert_eq!(r.errno, None);
        assert_eq!(r.experiment.as_deref(), Some("all"));
        assert!(r.params.gate);
        assert_eq!(r.params.mem.as_deref(), Some("vmalloc"));
        assert_eq!(r.params.skew, Some(0));
        assert_eq!(r.params.sizes, [1, 64]);
        assert_eq!(
            r.buffers,
            Some(KernelBuffers {
                src: 0xa9000,
                dst: 0x2b8000,
                modulo: 4 << 20,
                reused: true
            })
        );
        assert_eq!(r.bench[0].mean_ns, 410);
        assert_eq!(r.bench[1].errors, 3);
        assert_eq!(r.race[0].percent_error, 27.175);
        assert_eq!(r.race[1].percent_error, 0.0);
    }

    #[test]
    fn parses_idle_and_failed() {
        let idle = r#"{"schema":"mymem-kernel/1","status":"idle","experiment":null,"params":{"workers":4,"iterations":1,"trials":1,"gate":false,"device_size":8,"sizes":[]},"bench":[],"race":[]}"#;
        let r: KernelReport = serde_json::from_str(idle).unwrap();
        assert_eq!(r.experiment, None);
        assert_eq!(r.params.mem, None);
        assert_eq!(r.buffers, None);
        let failed = idle.replace(r#""status":"idle""#, r#""status":"failed","errno":-12"#);
        let r: KernelReport = serde_json::from_str(&failed).unwrap();
        assert_eq!(r.errno, Some(-12));
    }
}
