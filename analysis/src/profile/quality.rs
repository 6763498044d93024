//! Quality issues and a 0-100 score derived from the profile.
//!
//! The fixture README defines no score, so this is RAIA's own, kept simple and explainable:
//! four components in [0, 1], weighted into `score = 100 * (0.4 completeness +
//! 0.2 uniqueness + 0.2 validity + 0.2 consistency)`:
//! - completeness: `1 - missing_cell_fraction`;
//! - uniqueness: `rows_after_drop_duplicates / rows`;
//! - validity: `1 - suspect cells / total cells`, suspect = padded or whitespace-only
//!   values, plus the minority side (numbers or words) of mixed-type columns;
//! - consistency: `1 - inconsistent columns / columns`, inconsistent = constant, or with
//!   whitespace variants of one value, or with several spellings of "missing".
//!
//! An empty table scores 100 (nothing is wrong with no data).

use serde::{Deserialize, Serialize};

use super::infer::InferredType;
use super::report::{ColumnProfile, DatasetProfile};

/// Kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// Rows repeating an earlier row exactly.
    DuplicateRows,
    /// Column with a single distinct value.
    ConstantColumn,
    /// Missing values.
    MissingValues,
    /// Several spellings of missing (`NA`, `null`, empty...).
    MultipleMissingTokens,
    /// Numbers and words in one column.
    MixedTypes,
    /// Values with leading/trailing whitespace.
    PaddedValues,
    /// Values made only of whitespace (not missing for pandas).
    WhitespaceOnlyValues,
    /// Distinct values that collapse when stripped (`"Paris"` vs `" Paris"`).
    WhitespaceVariants,
    /// Values outside the IQR fences.
    IqrOutliers,
    /// Values more than z standard deviations from the mean.
    ZscoreOutliers,
    /// Non-numeric column with nearly all values distinct.
    HighCardinality,
}

/// How much an issue matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Likely to distort analysis.
    Warning,
    /// Makes the column or table unreliable.
    Critical,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityIssue {
    /// Kind.
    pub kind: IssueKind,
    /// Column concerned (`None` for table-level issues).
    pub column: Option<String>,
    /// Affected rows/values.
    pub count: usize,
    /// `count` relative to the rows (or values) it is counted among.
    #[serde(with = "super::nonfinite")]
    pub fraction: f64,
    /// Severity: `fraction >= 0.3` critical, `>= 0.05` warning, else info, except where
    /// the kind fixes it (constant and mixed columns warn, cardinality informs).
    pub severity: Severity,
}

/// Issues and score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Weighted score in [0, 100].
    pub score: f64,
    /// Share of non-missing cells.
    pub completeness: f64,
    /// Share of rows kept by `drop_duplicates`.
    pub uniqueness: f64,
    /// Share of cells without whitespace or mixed-type problems.
    pub validity: f64,
    /// Share of columns without consistency problems.
    pub consistency: f64,
    /// Findings, most severe first.
    pub issues: Vec<QualityIssue>,
}

fn severity(fraction: f64) -> Severity {
    if fraction >= 0.3 {
        Severity::Critical
    } else if fraction >= 0.05 {
        Severity::Warning
    } else {
        Severity::Info
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Derives issues and the score from a finished profile.
pub fn assess(dataset: &DatasetProfile, columns: &[ColumnProfile]) -> QualityReport {
    let mut issues = Vec::new();
    let mut push = |kind, column: Option<&str>, count: usize, of: usize, sev: Option<Severity>| {
        if count > 0 {
            let fraction = ratio(count, of);
            let severity = sev.unwrap_or_else(|| severity(fraction));
            issues.push(QualityIssue {
                kind,
                column: column.map(str::to_string),
                count,
                fraction,
                severity,
            });
        }
    };
    let rows = dataset.rows;
    push(
        IssueKind::DuplicateRows,
        None,
        dataset.duplicate_row_count,
        rows,
        None,
    );
    let (mut suspect, mut inconsistent) = (0usize, 0usize);
    for c in columns {
        let name = Some(c.name.as_str());
        let mixed_minority = match (&c.object, c.inferred_type) {
            (Some(o), InferredType::Mixed) => o.numeric_parsable_count.min(o.non_numeric_count),
            _ => 0,
        };
        let variants = c
            .object
            .as_ref()
            .map_or(0, |o| c.distinct_count - o.distinct_count_after_strip);
        let tokens = c.raw_missing_tokens.len();
        push(IssueKind::MissingValues, name, c.missing_count, rows, None);
        push(
            IssueKind::MultipleMissingTokens,
            name,
            if tokens > 1 { tokens } else { 0 },
            tokens,
            Some(Severity::Info),
        );
        push(
            IssueKind::ConstantColumn,
            name,
            usize::from(c.is_constant),
            1,
            Some(Severity::Warning),
        );
        push(
            IssueKind::MixedTypes,
            name,
            mixed_minority,
            c.count,
            Some(Severity::Warning),
        );
        push(
            IssueKind::PaddedValues,
            name,
            c.raw_padded_count,
            c.count,
            None,
        );
        push(
            IssueKind::WhitespaceOnlyValues,
            name,
            c.raw_whitespace_only_count,
            c.count,
            None,
        );
        push(
            IssueKind::WhitespaceVariants,
            name,
            variants,
            c.distinct_count,
            None,
        );
        if dataset.high_cardinality_columns.contains(&c.name) {
            push(
                IssueKind::HighCardinality,
                name,
                c.distinct_count,
                c.count,
                Some(Severity::Info),
            );
        }
        if let Some(n) = &c.numeric {
            push(
                IssueKind::IqrOutliers,
                name,
                n.iqr_outlier_count,
                c.count,
                None,
            );
            push(
                IssueKind::ZscoreOutliers,
                name,
                n.zscore_outlier_count,
                c.count,
                None,
            );
        }
        suspect += c.raw_padded_count + c.raw_whitespace_only_count + mixed_minority;
        inconsistent += usize::from(c.is_constant || variants > 0 || tokens > 1);
    }
    issues.sort_by_key(|i| std::cmp::Reverse(i.severity));
    let unit = |problem: usize, of: usize| {
        if of == 0 {
            1.0
        } else {
            1.0 - ratio(problem, of).min(1.0)
        }
    };
    let completeness = unit(dataset.total_missing_cells, dataset.total_cells);
    let uniqueness = unit(dataset.duplicate_row_count, rows);
    let validity = unit(suspect, dataset.total_cells);
    let consistency = unit(inconsistent, dataset.columns);
    let score =
        100.0 * (0.4 * completeness + 0.2 * uniqueness + 0.2 * validity + 0.2 * consistency);
    QualityReport {
        score,
        completeness,
        uniqueness,
        validity,
        consistency,
        issues,
    }
}
