// SPDX-License-Identifier: GPL-2.0

//! Race: `workers` work items each increment the u64 at offset 0 `iterations`
//! times through the API, with three strategies:
//!
//! - `none`: read, add one, write back (two separately atomic calls: racy);
//! - `lock`: the same cycle inside `mymem_lock`/`mymem_unlock`;
//! - `fetch-add`: one `mymem_fetch_add`.
//!
//! The counter is reset before each strategy. With `gate` (default) every
//! worker waits until all have started, so that thread start-up latency
//! cannot serialize them; `max_concurrent` reports the overlap achieved.

use crate::{config::Params, mymem_api as api, report::RaceRow, shared::Shared};
use kernel::{
    prelude::*,
    sync::{
        atomic::{Atomic, Full, Relaxed},
        Arc, Completion,
    },
    time::{Instant, Monotonic},
};

/// The counter is the first u64 of the device.
const COUNTER: u64 = 0;

#[derive(Clone, Copy)]
enum Strategy {
    None,
    Lock,
    FetchAdd,
}

impl Strategy {
    const ALL: [Strategy; 3] = [Self::None, Self::Lock, Self::FetchAdd];

    fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Lock => "lock",
            Self::FetchAdd => "fetch-add",
        }
    }

    fn read_increment_write() -> Result {
        let mut bytes = [0u8; 8];
        api::read(&mut bytes, COUNTER)?;
        let next = u64::from_ne_bytes(bytes).wrapping_add(1);
        api::write(&next.to_ne_bytes(), COUNTER)?;
        Ok(())
    }

    fn cycle(self) -> Result {
        match self {
            Self::None => Self::read_increment_write(),
            Self::Lock => {
                let _guard = api::lock()?;
                Self::read_increment_write()
            }
            Self::FetchAdd => api::fetch_add(COUNTER, 1).map(|_| ()),
        }
    }
}

/// One strategy's workers and how they meet.
#[pin_data]
struct Round {
    shared: Arc<Shared>,
    strategy: Strategy,
    workers: u32,
    iterations: u64,
    gate: bool,
    /// Workers that have arrived at the start gate.
    arrived: Atomic<u32>,
    /// Workers that have not finished yet.
    remaining: Atomic<u32>,
    /// Workers currently inside their cycle loop, and the peak of that.
    running: Atomic<u32>,
    max_running: Atomic<u32>,
    cycles: Atomic<u64>,
    api_errors: Atomic<u64>,
    /// The first failed call's errno (negative), 0 if none failed.
    first_errno: Atomic<i32>,
    /// Opens the start gate once all workers have arrived.
    #[pin]
    go: Completion,
    /// Completed by the last worker to finish.
    #[pin]
    done: Completion,
}

impl Round {
    fn arrive(&self) {
        if self.arrived.fetch_add(1, Full) + 1 == self.workers {
            self.go.complete_all();
        }
    }

    fn finish(&self, cycles: u64) {
        self.cycles.fetch_add(cycles, Relaxed);
        if self.remaining.fetch_sub(1, Full) == 1 {
            self.done.complete_all();
        }
    }

    /// Plays the part of a worker that could not be spawned, so that the others are not
    /// left waiting at the gate and `done` still completes.
    fn stand_in(&self) {
        if self.gate {
            self.arrive();
        }
        self.finish(0);
    }

    fn enter_loop(&self) {
        let now = self.running.fetch_add(1, Relaxed) + 1;
        let mut max = self.max_running.load(Relaxed);
        while now > max {
            match self.max_running.cmpxchg(max, now, Relaxed) {
                Ok(_) => break,
                Err(current) => max = current,
            }
        }
    }

    fn worker(&self) {
        if self.gate {
            self.arrive();
            self.go.wait_for_completion();
        }
        self.enter_loop();
        let mut done = 0;
        while done < self.iterations && !self.shared.stopping() {
            if let Err(e) = self.strategy.cycle() {
                self.api_errors.fetch_add(1, Relaxed);
                let _ = self.first_errno.cmpxchg(0, e.to_errno(), Relaxed);
                break;
            }
            done += 1;
        }
        self.running.fetch_sub(1, Relaxed);
        self.finish(done);
    }
}

fn run_one(shared: &Arc<Shared>, params: &Params, strategy: Strategy) -> Result<RaceRow> {
    let round = Arc::pin_init(
        pin_init!(Round {
            shared: shared.clone(),
            strategy,
            workers: params.workers,
            iterations: params.iterations,
            gate: params.gate,
            arrived: Atomic::new(0),
            remaining: Atomic::new(params.workers),
            running: Atomic::new(0),
            max_running: Atomic::new(0),
            cycles: Atomic::new(0),
            api_errors: Atomic::new(0),
            first_errno: Atomic::new(0),
            go <- Completion::new(),
            done <- Completion::new(),
        }),
        GFP_KERNEL,
    )?;
    api::write(&0u64.to_ne_bytes(), COUNTER)?;

    let start = Instant::<Monotonic>::now();
    let mut spawn_error = None;
    for _ in 0..params.workers {
        let r = round.clone();
        let spawned = spawn_error.is_none()
            && shared
                .queue
                .try_spawn(GFP_KERNEL, move || r.worker())
                .is_ok();
        if !spawned {
            spawn_error = Some(ENOMEM);
            round.stand_in();
        }
    }
    round.done.wait_for_completion();
    let duration_ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(0);
    if let Some(e) = spawn_error {
        return Err(e);
    }

    let mut bytes = [0u8; 8];
    api::read(&mut bytes, COUNTER)?;
    Ok(RaceRow {
        strategy: strategy.name(),
        workers: params.workers,
        iterations: params.iterations,
        expected: round.cycles.load(Relaxed),
        actual: u64::from_ne_bytes(bytes),
        duration_ns,
        max_concurrent: round.max_running.load(Relaxed),
        api_errors: round.api_errors.load(Relaxed),
        errno: round.first_errno.load(Relaxed),
    })
}

pub(crate) fn run(shared: &Arc<Shared>, params: &Params) -> Result {
    for strategy in Strategy::ALL {
        if shared.stopping() {
            break;
        }
        let row = run_one(shared, params, strategy)?;
        pr_info!(
            "race {}: expected {} actual {} ({} lost) in {} ms, {} workers overlapped\n",
            row.strategy,
            row.expected,
            row.actual,
            row.expected.saturating_sub(row.actual),
            row.duration_ns / 1_000_000,
            row.max_concurrent
        );
        if row.api_errors > 0 {
            pr_warn!(
                "race {}: {} workers stopped early on a failed call (first errno {})\n",
                row.strategy,
                row.api_errors,
                row.errno
            );
        }
        shared.push_race(row)?;
    }
    Ok(())
}
