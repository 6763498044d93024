//! The single error type of the fairness module.

use thiserror::Error;

/// Everything that can go wrong when computing fairness metrics.
///
/// Inputs are validated up front so the numeric kernels can run without checks.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FairnessError {
    /// No rows were given.
    #[error("no rows given")]
    Empty,
    /// Two per-row inputs have different lengths.
    #[error("{what} has {got} rows but {expected} were expected")]
    LengthMismatch {
        /// Which input is off.
        what: &'static str,
        /// Number of rows of the reference input (`y_true`).
        expected: usize,
        /// Number of rows of the offending input.
        got: usize,
    },
    /// A label or prediction is neither 0 nor 1.
    #[error("{what} must be 0 or 1, found {value} at row {row}")]
    NonBinary {
        /// `y_true` or `y_pred`.
        what: &'static str,
        /// Zero-based row index.
        row: usize,
        /// The offending value.
        value: u8,
    },
    /// A sample weight is negative, NaN or infinite.
    #[error("sample weight {value} at row {row} is not finite and >= 0")]
    InvalidWeight {
        /// Zero-based row index.
        row: usize,
        /// The offending weight.
        value: f64,
    },
    /// A score is NaN or infinite (it could not be thresholded like fairlearn does).
    #[error("score at row {row} is not finite")]
    InvalidScore {
        /// Zero-based row index.
        row: usize,
    },
    /// A group named by the caller does not occur in the data.
    #[error("group {0:?} does not occur in the data")]
    UnknownGroup(String),
    /// A group code is outside the list of group keys.
    #[error("group code {code} at row {row} but only {n_groups} groups exist")]
    InvalidGroupCode {
        /// Zero-based row index.
        row: usize,
        /// The offending code.
        code: u32,
        /// Number of known groups.
        n_groups: usize,
    },
    /// More distinct groups than fit the 32-bit group codes.
    #[error("too many distinct groups")]
    TooManyGroups,
    /// A group has only positive or only negative labels, so no trade-off curve exists
    /// (fairlearn raises "Degenerate labels for sensitive feature value").
    #[error("degenerate labels for group {0:?}: it needs both label values")]
    DegenerateLabels(String),
    /// A configuration value is out of range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why it was rejected.
        reason: String,
    },
}

/// Result alias of the fairness module.
pub type Result<T> = std::result::Result<T, FairnessError>;
