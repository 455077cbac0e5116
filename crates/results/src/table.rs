//! Plain-text tables for a terminal, the one style of every tool's stdout tables (`mymem`
//! in the guest, `lab compare` on the host): right-aligned columns separated by ` | `, a
//! `-+-` rule under the header, trailing blanks trimmed.

use std::fmt::Write as _;

pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Self {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, extra cells are an error in the caller.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert!(cells.len() <= self.headers.len(), "row wider than header");
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let cols = self.headers.len();
        let width = |i: usize| {
            self.rows
                .iter()
                .map(|r| cell(r, i).chars().count())
                .chain(std::iter::once(self.headers[i].chars().count()))
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..cols).map(width).collect();
        let mut out = String::new();
        let line = |out: &mut String, row: &Vec<String>| {
            let cells: Vec<String> = (0..cols)
                .map(|i| format!("{:>w$}", cell(row, i), w = widths[i]))
                .collect();
            let _ = writeln!(out, "{}", cells.join(" | ").trim_end());
        };
        line(&mut out, &self.headers);
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        let _ = writeln!(out, "{}", rule.join("-+-"));
        for row in &self.rows {
            line(&mut out, row);
        }
        out
    }
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map(String::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_aligned() {
        let mut t = Table::new(["size", "op"]);
        t.row(vec!["1".into(), "pwrite".into()]);
        t.row(vec!["65536".into()]);
        assert_eq!(
            t.render(),
            " size |     op\n------+-------\n    1 | pwrite\n65536 |\n"
        );
    }
}
