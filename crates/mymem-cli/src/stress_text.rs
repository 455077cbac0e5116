//! The stdout summary of a `mymem stress` run.

use std::fmt::Write as _;

use results::StressReport;

use crate::table::Table;

/// The text summary: phases, outcomes per kind, the first deviations.
pub fn render(r: &StressReport, print_deviations: usize) -> String {
    let mut out = String::new();
    let mut t = Table::new(["phase", "ops", "seconds", "ops/s", "deviations", "skipped"]);
    for p in &r.phases {
        t.row(vec![
            p.name.clone(),
            p.ops.to_string(),
            format!("{:.1}", p.duration_s),
            format!("{:.0}", p.ops_per_s),
            p.deviation_count.to_string(),
            p.skipped.to_string(),
        ]);
    }
    out.push_str(&t.render());
    out.push('\n');
    let mut t = Table::new(["operation", "count", "outcomes"]);
    for (kind, outcomes) in &r.outcomes {
        let list: Vec<String> = outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
        t.row(vec![
            kind.clone(),
            r.ops_by_kind.get(kind).copied().unwrap_or(0).to_string(),
            list.join(", "),
        ]);
    }
    out.push_str(&t.render());
    out.push('\n');
    for (note, n) in &r.notes {
        let _ = writeln!(out, "note: {note}: {n}");
    }
    for (sig, n) in &r.deviation_summary {
        let _ = writeln!(out, "deviations: {n} x {sig}");
    }
    for d in r.deviations.iter().take(print_deviations) {
        let _ = writeln!(
            out,
            "DEVIATION [{} {} worker {} op #{}] {} {}\n    expected: {}\n    got:      {}",
            d.phase, d.device, d.worker, d.seq, d.op, d.args, d.expected, d.got
        );
    }
    if r.deviation_count as usize > print_deviations.min(r.deviations.len()) {
        let _ = writeln!(
            out,
            "... {} more deviation(s) not shown",
            r.deviation_count as usize - print_deviations.min(r.deviations.len())
        );
    }
    let _ = writeln!(
        out,
        "stress: seed {} | {} ops in {:.1} s | random phase {:.0} ops/s | {} deviation(s)",
        r.seed, r.ops, r.duration_s, r.ops_per_s, r.deviation_count
    );
    out
}
