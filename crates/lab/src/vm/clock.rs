//! The guest's clock: wall time, or QEMU's deterministic instruction counter.

/// What guest time means in a boot (`--clock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Clock {
    /// Guest time follows the host's: fast, parallel vCPUs, confounded by host load.
    Wall,
    /// `-icount shift=0,align=off,sleep=off`: guest time advances 1 ns per executed guest
    /// instruction. Deterministic whatever the host load; single-threaded TCG (~3.5x slower);
    /// no cache or memory latency, and a `rep` string instruction counts once per iteration.
    Icount,
}

impl Clock {
    /// The value of `lab.clock=` on the guest's kernel command line.
    pub fn name(self) -> &'static str {
        match self {
            Clock::Wall => "wall",
            Clock::Icount => "icount",
        }
    }

    /// Whether QEMU gets `-icount` (see [`crate::vm::qemu::Machine::icount`]).
    pub fn icount(self) -> bool {
        self == Clock::Icount
    }
}
