//! The single error type of the profile module.

use thiserror::Error;

/// Everything that can go wrong while reading a delimited file into a [`super::Table`].
///
/// Line numbers are 1-based physical lines of the input (the header is line 1, blank lines
/// count), which is what pandas reports too; the API maps these to 400/422 responses.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProfileError {
    /// A record has a different number of fields than the header.
    #[error("line {line}: expected {expected} fields, found {found}")]
    RaggedRow {
        /// Line on which the offending record starts.
        line: u64,
        /// Field count of the header.
        expected: usize,
        /// Field count of the record.
        found: usize,
    },
    /// The input ends inside a quoted field.
    #[error("line {line}: quoted field is not closed before the end of the input")]
    UnterminatedQuote {
        /// Line on which the unterminated record starts.
        line: u64,
    },
    /// The input has no header row (empty, or only blank lines).
    #[error("no columns to parse: the input is empty")]
    EmptyInput,
    /// A field is not valid UTF-8.
    #[error("column `{column}`{}: value is not valid UTF-8", row.map(|r| format!(", data row {r}")).unwrap_or_default())]
    InvalidUtf8 {
        /// Column name (or `#index` for a header cell).
        column: String,
        /// 0-based data row of the first occurrence, `None` for the header.
        row: Option<usize>,
    },
    /// Reading from the underlying `std::io::Read` failed.
    #[error("reading the input failed: {0}")]
    Io(String),
    /// An option value is unusable (e.g. delimiter equal to the quote character).
    #[error("invalid option: {0}")]
    InvalidOption(String),
}

/// Shorthand for results of this module.
pub type Result<T> = std::result::Result<T, ProfileError>;
