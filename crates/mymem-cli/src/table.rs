//! Number formats of the stdout tables; the table itself is [`results::table::Table`], shared
//! with the host runner's tables.

pub use results::table::Table;

/// Nanoseconds as microseconds with 3 decimals.
pub fn us(ns: f64) -> String {
    format!("{:.3}", ns / 1000.0)
}

/// Signed percentage with 1 decimal: `+12.3%`.
pub fn pct(fraction: f64) -> String {
    format!("{:+.1}%", fraction * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(us(1234.5678), "1.235");
        assert_eq!(pct(0.1234), "+12.3%");
        assert_eq!(pct(-0.05), "-5.0%");
    }
}
