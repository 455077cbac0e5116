//! Question 2 (part 3): where races appear, and why.

use results::Strategy;

use crate::ctx::Ctx;
use crate::format::pct;
use crate::md::Md;

pub fn render(ctx: &Ctx, md: &mut Md) {
    super::heading(md, super::WHERE_RACES);
    ctx.missing(md, false, true, false);
    if let Some(race) = &ctx.race {
        let vcpus = ctx.inputs.race.get().map_or(0, |r| r.env.vcpus);
        let workers = race.workers();
        let mut text = String::new();
        if let Some(one) = race.summary(1, Strategy::None) {
            text.push_str(&format!(
                "With W = 1 `none` lost {} (a single thread cannot race with itself). ",
                pct(one.error_pct_mean)
            ));
        }
        match race.first_racy() {
            Some(first) => {
                text.push_str(&format!(
                    "Lost updates first appear at **W = {}** for `none`: mean {} of the \
                     increments lost (min {:.2} %, max {:.2} % over {} trials). ",
                    first.workers,
                    pct(first.error_pct_mean),
                    first.error_pct_min,
                    first.error_pct_max,
                    first.trials
                ));
                if let Some(last) = workers
                    .last()
                    .and_then(|&w| race.summary(w, Strategy::None))
                    .filter(|l| l.workers != first.workers)
                {
                    text.push_str(&format!(
                        "At W = {} the mean loss is {}. ",
                        last.workers,
                        pct(last.error_pct_mean)
                    ));
                }
            }
            None => text.push_str(&format!(
                "`none` lost no update at any W up to {}: the race window (between the read \
                 and the write system calls) was never hit in this run, which does not make \
                 the cycle correct. ",
                workers.last().copied().unwrap_or(0)
            )),
        }
        md.para(&text);
        md.para(&format!(
            "Why: `none` increments with four system calls (lseek, read 8 bytes, lseek, write \
             8 bytes). Each call is atomic (the device mutex), but the read-increment-write \
             cycle is not: when another thread reads the counter after this thread's read and \
             before its write, both write back the same old value + 1 and one increment is \
             lost. Two threads get between each other's read and write either by running in \
             parallel on {} or by preemption: the kernel is built with PREEMPT, and a thread \
             can lose its CPU between its two system calls (time slice, interrupt) while \
             another one runs a whole cycle. More threads give more overlapping cycles, hence \
             the larger loss at larger W.",
            if vcpus > 1 {
                format!("different vCPUs (this guest has {vcpus})")
            } else {
                "different CPUs (this guest had only one vCPU, so preemption is the only way \
                 here)"
                    .into()
            }
        ));
        let fixes: Vec<String> = race
            .strategies()
            .into_iter()
            .filter(|&s| s != Strategy::None)
            .filter_map(|s| {
                let max = race.max_error(s)?;
                Some(if max == 0.0 {
                    format!("`{}`: no lost update in any trial at any W.", s.as_str())
                } else {
                    format!(
                        "`{}`: **lost updates (up to {}): this fix is broken.**",
                        s.as_str(),
                        pct(max)
                    )
                })
            })
            .collect();
        md.bullets(&fixes);
    }
    if let Some(k) = ctx.inputs.kernel.get() {
        if let Some(none) = k.race.iter().find(|r| r.strategy == "none") {
            md.para(&format!(
                "In the kernel (`mymem_test`, {} work items, at most {} running at once), `none` \
                 lost {} of {} increments ({}): the same read-increment-write race, between \
                 `mymem_read` and `mymem_write` calls instead of system calls.",
                none.workers,
                none.max_concurrent,
                none.expected.abs_diff(none.actual),
                none.expected,
                pct(none.percent_error)
            ));
        }
    }
}
