//! A minimal GitHub-flavoured markdown writer.

use std::fmt::Write as _;

use crate::format::cell;

#[derive(Default)]
pub struct Md(String);

impl Md {
    pub fn heading(&mut self, level: usize, text: &str) {
        let _ = writeln!(self.0, "{} {text}\n", "#".repeat(level));
    }

    /// A paragraph (or any block) followed by a blank line.
    pub fn para(&mut self, text: &str) {
        let _ = writeln!(self.0, "{}\n", text.trim_end());
    }

    pub fn bullets<S: AsRef<str>>(&mut self, items: &[S]) {
        for item in items {
            let _ = writeln!(self.0, "- {}", item.as_ref());
        }
        self.0.push('\n');
    }

    /// A GFM alert (`> [!WARNING]`), shown as a coloured box on GitHub.
    pub fn alert(&mut self, kind: &str, text: &str) {
        let _ = writeln!(self.0, "> [!{kind}]");
        for line in text.lines() {
            let _ = writeln!(self.0, "> {line}");
        }
        self.0.push('\n');
    }

    pub fn code(&mut self, lang: &str, text: &str) {
        let fence = fence(text);
        let _ = writeln!(self.0, "{fence}{lang}\n{}\n{fence}\n", text.trim_end());
    }

    /// A table of numbers: the first column left-aligned, the others right-aligned.
    pub fn table<S: AsRef<str>>(&mut self, headers: &[S], rows: &[Vec<String>]) {
        self.table_aligned(headers, rows, true);
    }

    /// A table of text: every column left-aligned.
    pub fn text_table<S: AsRef<str>>(&mut self, headers: &[S], rows: &[Vec<String>]) {
        self.table_aligned(headers, rows, false);
    }

    fn table_aligned<S: AsRef<str>>(&mut self, headers: &[S], rows: &[Vec<String>], numbers: bool) {
        let row = |cells: &mut dyn Iterator<Item = String>| {
            let cells: Vec<String> = cells.collect();
            format!("| {} |", cells.join(" | "))
        };
        let _ = writeln!(
            self.0,
            "{}",
            row(&mut headers.iter().map(|h| cell(h.as_ref())))
        );
        let align: Vec<&str> = (0..headers.len())
            .map(|i| if i == 0 || !numbers { ":---" } else { "---:" })
            .collect();
        let _ = writeln!(self.0, "| {} |", align.join(" | "));
        for r in rows {
            let _ = writeln!(self.0, "{}", row(&mut r.iter().map(|c| cell(c))));
        }
        self.0.push('\n');
    }

    /// Markdown written elsewhere (a template's output), as is.
    pub fn raw(&mut self, text: &str) {
        self.0.push_str(text);
    }

    pub fn finish(self) -> String {
        self.0
    }
}

/// A code fence for `text`: backticks, longer than any backtick run inside it (at least 3).
pub fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks() {
        let mut md = Md::default();
        md.heading(2, "T");
        md.table(&["a", "b"], &[vec!["x|y".into(), "1".into()]]);
        md.code("text", "has ``` inside");
        md.alert("WARNING", "one\ntwo");
        let s = md.finish();
        assert!(s.starts_with("## T\n\n| a | b |\n| :--- | ---: |\n| x\\|y | 1 |\n"));
        assert!(s.contains("````text\nhas ``` inside\n````"));
        assert!(s.contains("> [!WARNING]\n> one\n> two\n"));
    }
}
