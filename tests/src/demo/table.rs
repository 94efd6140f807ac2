//! Aligned text tables for the demo's summary: a title, a header row, columns as wide as their
//! widest cell, numbers right-aligned (with thousands separators), text left-aligned.

use std::fmt::Write as _;

/// One table of the summary.
#[derive(Debug, Clone, Default)]
pub struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// A cell: text (left-aligned) or a number (right-aligned).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// An integer.
    Int(u64),
    /// Seconds, one decimal.
    Secs(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Self::Int(n)
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Self::Int(n as u64)
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Self::Text(if b { "yes" } else { "NO" }.to_owned())
    }
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Int(n) => thousands(*n),
            Self::Secs(s) => format!("{s:.1} s"),
        }
    }

    fn right(&self) -> bool {
        !matches!(self, Self::Text(_))
    }
}

/// `12345` -> `12,345`.
#[must_use]
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Table {
    /// A table with a title and column names.
    #[must_use]
    pub fn new(title: &str, header: &[&str]) -> Self {
        Self {
            title: title.to_owned(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (as many cells as columns; missing ones are blank).
    pub fn row(&mut self, cells: Vec<Cell>) -> &mut Self {
        self.rows.push(cells);
        self
    }

    /// Whether the table has no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text: title, header, a rule, the rows; two spaces between columns.
    #[must_use]
    pub fn render(&self) -> String {
        let columns = self
            .header
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let texts: Vec<Vec<(String, bool)>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(|c| (c.text(), c.right())).collect())
            .collect();
        let width = |i: usize| {
            let cells = texts
                .iter()
                .filter_map(|r| r.get(i))
                .map(|(t, _)| t.chars().count());
            let head = self.header.get(i).map_or(0, |h| h.chars().count());
            cells.chain([head]).max().unwrap_or(0)
        };
        let widths: Vec<usize> = (0..columns).map(width).collect();
        let mut out = format!("{}\n", self.title);
        let line = |cells: Vec<(&str, bool)>| {
            let mut s = String::from(" ");
            for (i, w) in widths.iter().enumerate() {
                let (cell, right) = cells.get(i).copied().unwrap_or(("", false));
                if right {
                    let _ = write!(s, " {cell:>w$} ");
                } else {
                    let _ = write!(s, " {cell:<w$} ");
                }
            }
            s.trim_end().to_owned()
        };
        // A key/value table (blank column names) has no header.
        if self.header.iter().any(|h| !h.is_empty()) {
            out.push_str(&line(
                self.header.iter().map(|h| (h.as_str(), false)).collect(),
            ));
            out.push('\n');
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&line(rule.iter().map(|r| (r.as_str(), false)).collect()));
            out.push('\n');
        }
        for row in &texts {
            out.push_str(&line(row.iter().map(|(t, r)| (t.as_str(), *r)).collect()));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_numbers_go_right() {
        let mut t = Table::new("rows", &["table", "rows"]);
        t.row(vec!["Patient".into(), 100_u64.into()]);
        t.row(vec!["Observation".into(), 12_345_u64.into()]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "rows");
        assert_eq!(lines[1], "  table        rows");
        assert_eq!(lines[2], "  -----------  ------");
        assert_eq!(lines[3], "  Patient         100");
        assert_eq!(lines[4], "  Observation  12,345");
    }

    #[test]
    fn key_value_tables_have_no_header() {
        let mut t = Table::new("leak check", &["", ""]);
        t.row(vec!["values found".into(), 0_u64.into()]);
        assert_eq!(t.render(), "leak check\n  values found  0\n");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
