//! How numbers and names appear in the report. The tests format expected
//! values the same way, so these are the report's number conventions.

use results::stats::RelDiff;

use results::Verdict;

/// An empty table cell.
pub const NONE: &str = "—";

/// Nanoseconds as microseconds with three decimals (`3.142`).
pub fn us(ns: f64) -> String {
    format!("{:.3}", ns / 1000.0)
}

/// A 95% CI in nanoseconds as `low–high` in microseconds.
pub fn us_ci(ci: Option<[f64; 2]>) -> String {
    match ci {
        Some([lo, hi]) => format!("{}–{}", us(lo), us(hi)),
        None => "n/a".into(),
    }
}

/// A ratio of means (`1.052`).
pub fn ratio(r: f64) -> String {
    format!("{r:.3}")
}

/// A percentage with two decimals (`12.35 %`).
pub fn pct(p: f64) -> String {
    format!("{p:.2} %")
}

/// Throughput in MB/s: three significant digits, at least one decimal below 100.
pub fn mb_s(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A rate with an SI prefix (`812.3 k`, `1.25 M`).
pub fn si(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2} G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1} k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// A transfer size: `1 B`, `64 B`, `1 KiB`, `512 KiB`, `1 MiB`, else bytes.
pub fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} B")
    }
}

/// An axis tick: at most three significant digits, no trailing zeros.
pub fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').into()
    } else {
        s
    }
}

/// An axis tick with an SI prefix (`500`, `20k`, `1.5M`).
pub fn tick_si(v: f64) -> String {
    for (scale, prefix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] {
        if v.abs() >= scale {
            return format!("{}{prefix}", tick(v / scale));
        }
    }
    tick(v)
}

/// Text for a markdown table cell: pipes escaped, one line.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Text of a Rust-vs-C (or B-vs-A) verdict, `who` being B.
pub fn verdict_text(d: &RelDiff, who: &str) -> String {
    match Verdict::means(d.ci95) {
        Verdict::Slower => format!("{who} {:.1} % slower", d.rel_diff * 100.0),
        Verdict::Faster => format!("{who} {:.1} % faster", -d.rel_diff * 100.0),
        // `Verdict::means` gives only these three.
        v => v.name(),
    }
}

pub fn ratio_ci(d: &RelDiff) -> String {
    format!(
        "{} ({}–{})",
        ratio(d.ratio),
        ratio(1.0 + d.ci95[0]),
        ratio(1.0 + d.ci95[1])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(size(1), "1 B");
        assert_eq!(size(64), "64 B");
        assert_eq!(size(1024), "1 KiB");
        assert_eq!(size(65536), "64 KiB");
        assert_eq!(size(524288), "512 KiB");
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(1500), "1500 B");
    }

    #[test]
    fn numbers() {
        assert_eq!(us(3141.59), "3.142");
        assert_eq!(us_ci(Some([1000.0, 2500.0])), "1.000–2.500");
        assert_eq!(us_ci(None), "n/a");
        assert_eq!(ratio(1.05249), "1.052");
        assert_eq!(pct(12.345_6), "12.35 %");
        assert_eq!(si(812_345.0), "812.3 k");
        assert_eq!(si(1_254_000.0), "1.25 M");
        assert_eq!(mb_s(1234.5), "1234");
        assert_eq!(mb_s(0.3217), "0.32");
    }

    #[test]
    fn ticks() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(1000.0), "1000");
        assert_eq!(tick(0.02), "0.02");
        assert_eq!(tick(12.5), "12.5");
        assert_eq!(tick_si(20_000.0), "20k");
        assert_eq!(tick_si(1_500_000.0), "1.5M");
        assert_eq!(tick_si(500.0), "500");
    }

    #[test]
    fn cells() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
