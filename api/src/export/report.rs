//! The document every export renders: a title, sections of typed tables (with
//! an optional bar chart) and the evidence hashes it rests on.

use serde::Serialize;

/// One typed cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// An integer.
    Int(i64),
    /// True or false.
    Bool(bool),
    /// Nothing.
    Empty,
}

impl Cell {
    /// The cell as display text.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => format!("{n:.4}"),
            Cell::Int(i) => i.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

impl From<i64> for Cell {
    fn from(i: i64) -> Self {
        Cell::Int(i)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        if n.is_finite() {
            Cell::Number(n)
        } else {
            Cell::Empty
        }
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}

/// A bar chart of labelled values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarChart {
    /// Caption.
    pub title: String,
    /// Label and value of each bar.
    pub bars: Vec<(String, f64)>,
    /// When set, the bars alternate between these two series (e.g. reference
    /// and current), drawn in two colours with a legend.
    pub series: Option<[String; 2]>,
}

/// A named table with an optional chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// Name (also the spreadsheet's sheet name).
    pub name: String,
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Cell>>,
    /// A chart drawn above the table.
    pub chart: Option<BarChart>,
}

impl Section {
    /// A section with these columns and no rows.
    pub fn new(name: &str, columns: &[&str]) -> Self {
        Self {
            name: name.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
            chart: None,
        }
    }
}

/// An event the report rests on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EvidenceRef {
    /// Log position.
    pub position: i64,
    /// Event type.
    pub event_type: String,
    /// Chain hash.
    pub hash: String,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Title.
    pub title: String,
    /// What it covers.
    pub subtitle: String,
    /// When it was generated (RFC 3339).
    pub generated_at: String,
    /// The log head it was read at.
    pub head_position: i64,
    /// Its sections.
    pub sections: Vec<Section>,
    /// Which section a CSV export holds.
    pub primary: usize,
    /// Evidence, by position, without duplicates.
    pub evidence: Vec<EvidenceRef>,
}
