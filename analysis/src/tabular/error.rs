//! Why an upload could not be read as a table.

use crate::profile::ProfileError;

/// Everything that makes an upload unreadable; each maps to a precise API error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TabularError {
    /// No bytes (or only whitespace).
    #[error("the file is empty")]
    Empty,
    /// A header and no data row.
    #[error("the file has a header but no data rows")]
    HeaderOnly,
    /// A delimited-text problem (ragged row, bad UTF-8, open quote).
    #[error(transparent)]
    Csv(ProfileError),
    /// A JSON Lines line is not a JSON object.
    #[error("line {line}: {reason}")]
    Jsonl {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The Parquet reader refused the file (truncated, corrupt, unsupported).
    #[error("not a readable Parquet file: {0}")]
    Parquet(String),
    /// The workbook could not be read (not a zip, not a workbook, corrupt).
    #[error("not a readable Excel workbook: {0}")]
    Xlsx(String),
    /// The named worksheet is absent.
    #[error("worksheet `{name}` not found; the workbook has {available:?}")]
    UnknownSheet {
        /// Asked for.
        name: String,
        /// What exists.
        available: Vec<String>,
    },
    /// More columns than allowed.
    #[error("{found} columns exceed the limit of {max}")]
    TooManyColumns {
        /// Columns found (at least).
        found: usize,
        /// The limit.
        max: usize,
    },
    /// A field larger than allowed.
    #[error("a value of column `{column}` has {bytes} bytes, more than the limit of {max}")]
    FieldTooLarge {
        /// Column (or `(header)`).
        column: String,
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
}
