//! Serializable profile types. Field names follow `shared/fixtures/quality/expected.json`;
//! non-finite floats use the fixture encoding (see [`super::nonfinite`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::correlation::Correlations;
use super::infer::{InferDtype, InferredType, SemanticType};
use super::quality::QualityReport;
use super::stats::NumericStats;
use super::table::PandasDtype;

/// The whole data-quality profile of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Table-level figures.
    pub dataset: DatasetProfile,
    /// One entry per column, in file order.
    pub columns: Vec<ColumnProfile>,
    /// Correlation matrices (`None` when disabled in [`super::ProfileOptions`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlations: Option<Correlations>,
    /// Issues found and the overall score.
    pub quality: QualityReport,
}

impl Profile {
    /// The profile of the column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Table-level figures (pandas semantics, see the fixture README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetProfile {
    /// Data rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Column names in file order.
    pub column_names: Vec<String>,
    /// `df.duplicated().sum()`: rows equal to an earlier row in every column.
    pub duplicate_row_count: usize,
    /// `df.duplicated(keep=False).sum()`.
    pub duplicate_rows_all_occurrences: usize,
    /// `len(df.drop_duplicates())`.
    pub rows_after_drop_duplicates: usize,
    /// Columns with exactly one distinct non-missing value.
    pub constant_columns: Vec<String>,
    /// `rows * columns`.
    pub total_cells: usize,
    /// Missing cells.
    pub total_missing_cells: usize,
    /// `total_missing_cells / total_cells` (NaN for an empty table).
    #[serde(with = "super::nonfinite")]
    pub missing_cell_fraction: f64,
    /// Rows with at least one missing cell.
    pub rows_with_any_missing: usize,
    /// Rows without missing cells.
    pub complete_rows: usize,
    /// Columns with at least one missing cell.
    pub columns_with_missing: Vec<String>,
    /// int64/float64 columns (bool excluded).
    pub numeric_columns: Vec<String>,
    /// Non-numeric columns with `distinct / count >= 0.9`.
    pub high_cardinality_columns: Vec<String>,
    /// Columns whose raw text mixes numbers and non-numbers.
    pub mixed_type_columns: Vec<String>,
}

/// A frequent value and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopValue {
    /// The value (booleans as `True`/`False`).
    pub value: String,
    /// Occurrences.
    pub count: usize,
}

/// Extra figures of object (string) columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectStats {
    /// Distinct values after Python `str.strip()` (whitespace-only becomes `""`).
    pub distinct_count_after_strip: usize,
    /// Non-missing values accepted by Python `float()`.
    pub numeric_parsable_count: usize,
    /// Non-missing values rejected by Python `float()`.
    pub non_numeric_count: usize,
}

/// Profile of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// Column name.
    pub name: String,
    /// dtype pandas `read_csv` gives the column.
    pub pandas_dtype: PandasDtype,
    /// `pandas.api.types.infer_dtype(col, skipna=True)`.
    pub pandas_infer_dtype: InferDtype,
    /// Type of the raw text (the fixture README's rule).
    pub inferred_type: InferredType,
    /// RAIA's semantic type.
    pub semantic_type: SemanticType,
    /// Non-missing values.
    pub count: usize,
    /// Missing values.
    pub missing_count: usize,
    /// `missing_count / rows`.
    #[serde(with = "super::nonfinite")]
    pub missing_fraction: f64,
    /// Distinct non-missing values (`nunique()`).
    pub distinct_count: usize,
    /// `distinct_count / count` (NaN when `count == 0`).
    #[serde(with = "super::nonfinite")]
    pub unique_ratio: f64,
    /// Exactly one distinct non-missing value.
    pub is_constant: bool,
    /// Raw text -> fields with that text that became missing.
    pub raw_missing_tokens: BTreeMap<String, usize>,
    /// Non-missing fields that are only whitespace.
    pub raw_whitespace_only_count: usize,
    /// Non-missing fields with content and leading/trailing whitespace.
    pub raw_padded_count: usize,
    /// int64/float64 dtype.
    pub is_numeric: bool,
    /// Numeric statistics (numeric columns only).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub numeric: Option<NumericStats>,
    /// Most frequent values (non-numeric columns only), by count descending then value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_values: Option<Vec<TopValue>>,
    /// String-column figures (object dtype only).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectStats>,
}
