//! Data-quality facts recorded on a dataset: assessments, rule sets, validations.

use serde::{Deserialize, Serialize};

use super::ColumnType;

/// One finding of an assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityFinding {
    /// Kind of problem (`missing_values`, `duplicate_rows`, `iqr_outliers`, ...).
    pub kind: String,
    /// Column concerned (`None` for table-level findings).
    pub column: Option<String>,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// Affected rows or values.
    pub count: u64,
    /// `count` relative to what it is counted among.
    pub fraction: f64,
    /// Up to five 0-based data-row numbers showing the problem.
    pub sample_rows: Vec<u64>,
    /// What to do about it.
    pub recommendation: String,
}

/// The outcome of `POST /data-quality/assess`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityAssessment {
    /// Score in [0, 1]: `0.4 completeness + 0.2 uniqueness + 0.2 validity + 0.2 consistency`.
    pub score: f64,
    /// Share of non-missing cells.
    pub completeness: f64,
    /// Share of rows that are not repeats.
    pub uniqueness: f64,
    /// Share of cells without whitespace or mixed-type problems.
    pub validity: f64,
    /// Share of columns without consistency problems.
    pub consistency: f64,
    /// Findings, most severe first.
    pub issues: Vec<QualityFinding>,
}

/// One declarative check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// No missing value.
    NotNull {
        /// Column.
        column: String,
    },
    /// No repeated non-missing value.
    Unique {
        /// Column.
        column: String,
    },
    /// Numeric values within `[min, max]` (either bound optional).
    Range {
        /// Column.
        column: String,
        /// Lower bound, inclusive.
        min: Option<f64>,
        /// Upper bound, inclusive.
        max: Option<f64>,
    },
    /// Every non-missing value matches the regular expression (whole value).
    Regex {
        /// Column.
        column: String,
        /// Pattern (Rust `regex` syntax, anchored).
        pattern: String,
    },
    /// Every non-missing value is one of `values`.
    AllowedValues {
        /// Column.
        column: String,
        /// Accepted values, as text.
        values: Vec<String>,
    },
    /// Every non-missing value has the given type.
    Type {
        /// Column.
        column: String,
        /// Expected type.
        #[serde(rename = "type")]
        column_type: ColumnType,
    },
    /// At most this share of the column is missing.
    MaxMissingFraction {
        /// Column.
        column: String,
        /// Largest accepted share in [0, 1].
        max: f64,
    },
    /// A boolean expression over the row's columns must hold (e.g. `age >= 0 and income < 1e6`).
    Expression {
        /// The expression.
        expression: String,
    },
}

impl Rule {
    /// The column a column rule checks (`None` for expressions).
    pub fn column(&self) -> Option<&str> {
        match self {
            Rule::NotNull { column }
            | Rule::Unique { column }
            | Rule::Range { column, .. }
            | Rule::Regex { column, .. }
            | Rule::AllowedValues { column, .. }
            | Rule::Type { column, .. }
            | Rule::MaxMissingFraction { column, .. } => Some(column),
            Rule::Expression { .. } => None,
        }
    }
}

/// A validation's outcome, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationSummary {
    /// Rule set version validated against.
    pub rules_version: u64,
    /// Rules checked.
    pub rules: u64,
    /// Rules that failed.
    pub failed: u64,
    /// Whether every rule held.
    pub passed: bool,
}
