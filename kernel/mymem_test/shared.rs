// SPDX-License-Identifier: GPL-2.0

//! State shared by /dev/mymem_test, the runner and the race workers: the
//! last report, whether a run is active, the stop flag, the workqueue and the
//! bench buffers, which every run of one module load reuses.
//!
//! A run executes on the workqueue, not in the writer's syscall: the device
//! file pins the module (fops owner) while open, so a blocking trigger would
//! make unload impossible until the run ends. Unload instead sets the stop
//! flag and drains the queue, which every loop checks between iterations.

use crate::{
    bench,
    buffers::{Buffers, Placement},
    config::{self, Experiment, Params},
    mymem_api as api, race,
    report::{BenchRow, RaceRow, Report, Status},
    wq::OwnedQueue,
};
use kernel::{
    new_condvar, new_mutex,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, CondVar, Mutex, MutexGuard,
    },
    time::{Instant, Monotonic},
};

struct State {
    running: bool,
    report: Report,
}

#[pin_data]
pub(crate) struct Shared {
    pub(crate) queue: OwnedQueue,
    /// Module load time; runs derive their pseudo-random seeds from the time since.
    pub(crate) loaded: Instant<Monotonic>,
    stop: Atomic<bool>,
    #[pin]
    state: Mutex<State>,
    /// Signalled when a run ends.
    #[pin]
    idle: CondVar,
    /// The bench's buffers, allocated by the first bench run; held by the running bench.
    #[pin]
    buffers: Mutex<Option<Buffers>>,
}

impl Shared {
    pub(crate) fn new() -> Result<Arc<Self>> {
        let queue = OwnedQueue::new()?;
        let device_size = api::size();
        let report = Report::new(None, Params::defaults(device_size), device_size);
        Arc::pin_init(
            try_pin_init!(Self {
                queue,
                loaded: Instant::now(),
                stop: Atomic::new(false),
                state <- new_mutex!(State { running: false, report }),
                idle <- new_condvar!(),
                buffers <- new_mutex!(None),
            }),
            GFP_KERNEL,
        )
    }

    /// Whether unload asked every experiment loop to end.
    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Relaxed)
    }

    /// Stops a running experiment and waits until all its work items have returned.
    pub(crate) fn shutdown(&self) {
        self.stop.store(true, Relaxed);
        self.queue.drain();
    }

    /// Parses `line` and starts that run in the background; `EBUSY` while one is active.
    pub(crate) fn start(self: &Arc<Self>, line: &str) -> Result {
        let device_size = api::size();
        let (experiment, params) = config::parse(line, Params::defaults(device_size))?;
        params.validate(device_size)?;
        {
            let mut state = self.state.lock();
            if state.running {
                return Err(EBUSY);
            }
            state.running = true;
            state.report = Report::new(Some(experiment), params, device_size);
        }
        let this = self.clone();
        let spawned = self.queue.try_spawn(GFP_KERNEL, move || {
            this.run(experiment, &params);
        });
        if spawned.is_err() {
            self.finish(Status::Failed(ENOMEM));
            return Err(ENOMEM);
        }
        pr_info!("started {} ({})\n", experiment.name(), line.trim());
        Ok(())
    }

    fn run(self: &Arc<Self>, experiment: Experiment, params: &Params) {
        let mut result = Ok(());
        if experiment.bench() {
            result = bench::run(self, params);
        }
        if result.is_ok() && experiment.race() {
            result = race::run(self, params);
        }
        let status = match result {
            Err(e) => Status::Failed(e),
            Ok(()) if self.stopping() => Status::Stopped,
            Ok(()) => Status::Complete,
        };
        pr_info!("{} {}\n", experiment.name(), status.name());
        self.finish(status);
    }

    fn finish(&self, status: Status) {
        let mut state = self.state.lock();
        state.report.status = status;
        state.running = false;
        drop(state);
        self.idle.notify_all();
    }

    /// The bench buffers of this module load, `None` before the first bench run.
    pub(crate) fn bench_buffers(&self) -> MutexGuard<'_, Option<Buffers>> {
        self.buffers.lock()
    }

    /// Records where this run's bench transfers start.
    pub(crate) fn set_placement(&self, placement: Placement) {
        self.state.lock().report.buffers = Some(placement);
    }

    pub(crate) fn push_bench(&self, row: BenchRow) -> Result {
        self.state.lock().report.bench.push(row, GFP_KERNEL)?;
        Ok(())
    }

    pub(crate) fn push_race(&self, row: RaceRow) -> Result {
        self.state.lock().report.race.push(row, GFP_KERNEL)?;
        Ok(())
    }

    /// Waits (interruptibly) until no run is active, then appends the report as JSON to `out`.
    pub(crate) fn render_when_idle(&self, out: &mut KVVec<u8>) -> Result {
        let mut state = self.state.lock();
        while state.running {
            if self.idle.wait_interruptible(&mut state) {
                return Err(ERESTARTSYS);
            }
        }
        state.report.render(out)
    }
}
