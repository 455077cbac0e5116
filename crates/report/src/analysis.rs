//! Lookups and derived numbers over the inputs, shared by the tables, the
//! plots and the answers so that all three show the same values.

use results::stats::{self, RelDiff, Summary};
use results::{BenchReport, Op, RaceReport, RaceSummary, Series, SeriesKind, Strategy};

use results::{KernelBenchRow, KernelReport};

/// Transfer direction, as named by the user-space and in-kernel benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Write,
    Read,
}

impl Dir {
    pub const ALL: [Dir; 2] = [Dir::Write, Dir::Read];

    pub fn name(self) -> &'static str {
        match self {
            Dir::Write => "write",
            Dir::Read => "read",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Dir::Write => "Write",
            Dir::Read => "Read",
        }
    }

    /// The user-space operation measured for this direction.
    pub fn user_op(self) -> Op {
        match self {
            Dir::Write => Op::Pwrite,
            Dir::Read => Op::Pread,
        }
    }
}

/// One line of latency data: a user-space target, the in-kernel path or memcpy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    User(String),
    InKernel,
    Memcpy,
}

impl Source {
    /// Its legend; `names`: the drivers' (see `modules::Names`).
    pub fn name(&self, names: &crate::modules::Names) -> String {
        match self {
            Source::User(label) => match label.as_str() {
                "C" => names.c_legend.clone(),
                "Rust" => names.rust_legend.clone(),
                other => other.into(),
            },
            Source::InKernel => "in-kernel (mymem_test)".into(),
            Source::Memcpy => "memcpy (user space)".into(),
        }
    }
}

/// The user-space and in-kernel benchmarks of one run, either may be absent.
#[derive(Clone, Copy)]
pub struct Bench<'a> {
    pub user: Option<&'a BenchReport>,
    pub kernel: Option<&'a KernelReport>,
}

impl<'a> Bench<'a> {
    /// Whether the user-space bench ran with `--clock icount`.
    pub fn is_icount(&self) -> bool {
        self.user.is_some_and(|u| u.env.clock == "icount")
    }

    /// The bench tool's Rust-vs-C comparison at one size (with its CI over blocks, if any).
    pub fn comparison(&self, dir: Dir, size: u64) -> Option<&'a results::Comparison> {
        self.user?.comparisons.iter().find(|c| {
            c.reference == "C" && c.target == "Rust" && c.op == dir.user_op() && c.size == size
        })
    }

    /// Median of a user-space series in ns.
    pub fn median(&self, label: &str, dir: Dir, size: u64) -> Option<f64> {
        self.user(label, dir, size).map(|s| s.stats.median_ns)
    }

    fn series(&self) -> &'a [Series] {
        self.user.map_or(&[], |r| r.series.as_slice())
    }

    /// Labels of the measured devices, in measurement order (reference first).
    pub fn device_labels(&self) -> Vec<&'a str> {
        let mut labels: Vec<&str> = Vec::new();
        for s in self.series() {
            if s.kind == SeriesKind::Device && !labels.contains(&s.label.as_str()) {
                labels.push(&s.label);
            }
        }
        labels
    }

    pub fn has_tmpfs(&self) -> bool {
        self.series().iter().any(|s| s.kind == SeriesKind::Tmpfs)
    }

    /// The pwrite/pread series of a device or tmpfs.
    pub fn user(&self, label: &str, dir: Dir, size: u64) -> Option<&'a Series> {
        self.series().iter().find(|s| {
            matches!(s.kind, SeriesKind::Device | SeriesKind::Tmpfs)
                && s.label == label
                && s.op == dir.user_op()
                && s.size == size
        })
    }

    pub fn memcpy(&self, size: u64) -> Option<&'a Series> {
        self.series()
            .iter()
            .find(|s| s.kind == SeriesKind::Memcpy && s.size == size)
    }

    /// The syscall floor (1-byte read of /dev/zero, write to /dev/null).
    pub fn floor(&self, dir: Dir) -> Option<&'a Series> {
        let op = match dir {
            Dir::Write => Op::Write,
            Dir::Read => Op::Read,
        };
        self.series()
            .iter()
            .find(|s| s.kind == SeriesKind::Syscall && s.op == op)
    }

    pub fn clock(&self) -> Option<&'a Series> {
        self.series().iter().find(|s| s.kind == SeriesKind::Clock)
    }

    /// The in-kernel row, if it summarized at least one trial.
    pub fn kernel(&self, dir: Dir, size: u64) -> Option<&'a KernelBenchRow> {
        self.kernel?
            .bench
            .iter()
            .find(|r| r.op == dir.name() && r.size == size && r.n > 0)
    }

    /// Every size measured by either benchmark, ascending.
    pub fn sizes(&self) -> Vec<u64> {
        let mut sizes: Vec<u64> = self
            .series()
            .iter()
            .filter(|s| matches!(s.kind, SeriesKind::Device | SeriesKind::Tmpfs))
            .map(|s| s.size)
            .chain(
                self.kernel
                    .iter()
                    .flat_map(|k| k.bench.iter().map(|r| r.size)),
            )
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        sizes
    }

    /// Mean time of one call in nanoseconds.
    pub fn mean_ns(&self, source: &Source, dir: Dir, size: u64) -> Option<f64> {
        match source {
            Source::User(label) => self.user(label, dir, size).map(|s| s.stats.mean_ns),
            Source::InKernel => self.kernel(dir, size).map(|r| r.mean_ns as f64),
            Source::Memcpy => self.memcpy(size).map(|s| s.stats.mean_ns),
        }
    }

    /// Every source with data, in the order the report shows them.
    pub fn sources(&self) -> Vec<Source> {
        let mut out: Vec<Source> = self
            .device_labels()
            .into_iter()
            .map(|l| Source::User(l.into()))
            .collect();
        if self.kernel.is_some_and(|k| k.bench.iter().any(|r| r.n > 0)) {
            out.push(Source::InKernel);
        }
        if self.has_tmpfs() {
            out.push(Source::User("tmpfs".into()));
        }
        if self.series().iter().any(|s| s.kind == SeriesKind::Memcpy) {
            out.push(Source::Memcpy);
        }
        out
    }

    /// Rust against C at one size: `ratio` = mean_Rust / mean_C.
    pub fn rust_vs_c(&self, dir: Dir, size: u64) -> Option<RelDiff> {
        compare(
            &self.user("C", dir, size)?.stats,
            &self.user("Rust", dir, size)?.stats,
        )
    }
}

/// (B - A) / A of two summaries with its 95% CI (the bench tool's method).
pub fn compare(a: &Summary, b: &Summary) -> Option<RelDiff> {
    stats::rel_diff(a, b)
}

/// The user-space race run.
#[derive(Clone, Copy)]
pub struct Race<'a>(pub &'a RaceReport);

impl<'a> Race<'a> {
    /// Worker counts with results, ascending.
    pub fn workers(&self) -> Vec<u32> {
        let mut w: Vec<u32> = self.0.summary.iter().map(|s| s.workers).collect();
        w.sort_unstable();
        w.dedup();
        w
    }

    /// Strategies with results, in the tool's order.
    pub fn strategies(&self) -> Vec<Strategy> {
        Strategy::ALL
            .into_iter()
            .filter(|s| self.0.summary.iter().any(|r| r.strategy == *s))
            .collect()
    }

    pub fn summary(&self, workers: u32, strategy: Strategy) -> Option<&'a RaceSummary> {
        self.0
            .summary
            .iter()
            .find(|s| s.workers == workers && s.strategy == strategy)
    }

    /// Smallest W at which some `none` trial lost updates.
    pub fn first_racy(&self) -> Option<&'a RaceSummary> {
        self.workers()
            .into_iter()
            .filter_map(|w| self.summary(w, Strategy::None))
            .find(|s| s.error_pct_max > 0.0)
    }

    /// Largest W at which every strategy ran: the most contended comparison.
    pub fn reference_workers(&self) -> Option<u32> {
        let strategies = self.strategies();
        self.workers()
            .into_iter()
            .rev()
            .find(|&w| strategies.iter().all(|&s| self.summary(w, s).is_some()))
    }

    /// Largest error of any trial of a strategy.
    pub fn max_error(&self, strategy: Strategy) -> Option<f64> {
        self.0
            .summary
            .iter()
            .filter(|s| s.strategy == strategy)
            .map(|s| s.error_pct_max)
            .reduce(f64::max)
    }

    /// Mean CPU nanoseconds per attempted increment of a (W, strategy) cell.
    pub fn cpu_ns_per_increment(&self, s: &RaceSummary) -> f64 {
        let increments = f64::from(s.workers) * self.0.config.iterations as f64;
        s.cpu_s_mean * 1e9 / increments
    }
}
