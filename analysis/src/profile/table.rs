//! The typed column table produced by [`super::read_csv`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::record::Dialect;

/// The dtype pandas `read_csv` would give a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PandasDtype {
    /// All fields are integers and none is missing.
    Int64,
    /// All non-missing fields are numbers (or every field is missing).
    Float64,
    /// All fields are `True`/`False` literals and none is missing.
    Bool,
    /// Anything else: Python strings (or booleans with missing values).
    Object,
}

impl PandasDtype {
    /// pandas' name for the dtype (`"int64"`, `"float64"`, `"bool"`, `"object"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            PandasDtype::Int64 => "int64",
            PandasDtype::Float64 => "float64",
            PandasDtype::Bool => "bool",
            PandasDtype::Object => "object",
        }
    }

    /// int64 or float64 (pandas' `is_numeric_dtype` without bool).
    pub fn is_numeric(&self) -> bool {
        matches!(self, PandasDtype::Int64 | PandasDtype::Float64)
    }
}

/// Code stored for missing rows of a [`Strings`] column.
pub const MISSING_CODE: u32 = u32::MAX;

/// Dictionary-encoded strings: each row holds an index into `values`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Strings {
    /// Per row: index into `values`, or [`MISSING_CODE`].
    pub codes: Vec<u32>,
    /// Distinct values in order of first appearance.
    pub values: Vec<String>,
}

impl Strings {
    /// The value of `row`, `None` when missing.
    pub fn get(&self, row: usize) -> Option<&str> {
        let code = *self.codes.get(row)?;
        self.values.get(code as usize).map(String::as_str)
    }
}

/// Column values; rows flagged in [`Column::missing`] hold a placeholder (NaN, 0,
/// `false` or [`MISSING_CODE`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Integers (never missing: pandas would make the column float64).
    Int64(Vec<i64>),
    /// Floats, NaN where missing.
    Float64(Vec<f64>),
    /// Booleans; with missing rows the pandas dtype is object.
    Bool(Vec<bool>),
    /// Strings.
    Object(Strings),
}

/// Facts about the raw text of a column that parsing would otherwise lose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawStats {
    /// Raw text -> number of fields with that text that became missing. Rows padded by
    /// [`super::RaggedRows::PadShort`] count under `""`.
    pub missing_tokens: BTreeMap<String, usize>,
    /// Non-missing fields that are non-empty and only whitespace.
    pub whitespace_only: usize,
    /// Non-missing fields with content and leading or trailing whitespace.
    pub padded: usize,
    /// Non-missing fields accepted by Python `float()`.
    pub py_numeric: usize,
    /// Non-missing fields matching `^[+-]?\d+$`.
    pub int_pattern: usize,
    /// Non-missing fields that are exactly `True` or `False`.
    pub bool_literal: usize,
}

/// One parsed column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header name after pandas' de-duplication (`a`, `a.1`, `Unnamed: 3`).
    pub name: String,
    /// pandas dtype.
    pub dtype: PandasDtype,
    /// Values.
    pub data: ColumnData,
    /// Per row: whether the value is missing (NaN for pandas).
    pub missing: Vec<bool>,
    /// Raw-text facts.
    pub raw: RawStats,
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.missing.len()
    }

    /// True for a column without rows.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty()
    }

    /// Number of missing rows.
    pub fn missing_count(&self) -> usize {
        self.missing.iter().filter(|&&m| m).count()
    }

    /// The value of a numeric row as f64, `None` when missing or not numeric.
    pub fn f64_at(&self, row: usize) -> Option<f64> {
        if *self.missing.get(row)? {
            return None;
        }
        match &self.data {
            ColumnData::Int64(v) => Some(v[row] as f64),
            ColumnData::Float64(v) => Some(v[row]),
            _ => None,
        }
    }
}

/// A parsed delimited file: equally long columns in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Columns in file order.
    pub columns: Vec<Column>,
    /// Number of data rows (header excluded).
    pub rows: usize,
    /// Dialect used to tokenize (sniffed or given).
    pub dialect: Dialect,
}

impl Table {
    /// Column names in file order.
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}
