// SPDX-License-Identifier: GPL-2.0

//! Race (part 5): `workers` work items each increment the u64 at offset 0 `iterations` times
//! through mymem's exported API, with three strategies:
//!
//! - `none`: read, add one, write back (two separately atomic calls: racy);
//! - `lock`: the same cycle inside `mymem_lock`/`mymem_unlock`;
//! - `fetch-add`: one `mymem_fetch_add`.
//!
//! Given: the strategies, the loop over them and the report rows (`report.rs`). Yours: the
//! workers, in `run_one`. `make grade` (part 5) checks that every worker runs to completion
//! (`expected` = workers x iterations), that `lock` and `fetch-add` lose nothing (`actual` =
//! `expected`), and that the run is timed (`duration_ns` > 0).

use crate::{config::Params, report::RaceRow, shared::Shared};
use kernel::{prelude::*, sync::Arc};

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
}

/// Runs one strategy's workers and returns its row.
fn run_one(_shared: &Arc<Shared>, _params: &Params, strategy: Strategy) -> Result<RaceRow> {
    // TODO: reset the counter (the u64 at offset 0) with `mymem_api::write`; then spawn
    // `params.workers` work items on `shared.queue` (`try_spawn`), each doing
    // `params.iterations` cycles of `strategy`:
    //   - none: `mymem_api::read` the 8 bytes, add one, `mymem_api::write` them back;
    //   - lock: the same while holding `mymem_api::lock()` (its guard unlocks on drop);
    //   - fetch-add: `mymem_api::fetch_add(0, 1)`;
    // and stopping early when `shared.stopping()` (unload) or a call fails. With
    // `params.gate`, no worker starts its loop before all have started (`sync::Completion`).
    // Wait for the last one (a `Completion` it completes), timing the whole run with
    // `time::Instant::<Monotonic>::now()` and `elapsed()`, then read the counter back and
    // fill a `RaceRow`: `expected` = cycles done, `actual` = the counter, `max_concurrent` =
    // most workers inside their loop at once, `api_errors`/`errno` = failed calls.
    pr_info!("race {}: not written yet\n", strategy.name());
    Err(ENOSYS)
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
