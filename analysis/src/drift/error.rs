//! The single error type of the drift module.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::evidently::{ColumnKind, StatTest};

/// Which of the two compared datasets a problem refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The baseline data.
    Reference,
    /// The data checked for drift.
    Current,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Reference => "reference",
            Side::Current => "current",
        })
    }
}

/// Everything that can go wrong when computing drift statistics.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DriftError {
    /// A side has no usable value left after dropping missing / non-finite values.
    #[error("the {0} sample is empty after dropping missing values")]
    EmptySample(Side),
    /// Same as [`DriftError::EmptySample`], for a named column (Evidently raises here too).
    #[error("column `{column}` has no non-missing value in the {side} data")]
    EmptyColumn {
        /// Column name.
        column: String,
        /// Side without values.
        side: Side,
    },
    /// Two per-bin count vectors have different lengths.
    #[error("reference has {reference} bins but current has {current}")]
    BinMismatch {
        /// Number of reference bins.
        reference: usize,
        /// Number of current bins.
        current: usize,
    },
    /// The caller asked for a test that cannot run on this kind of column.
    #[error("test `{test}` cannot be applied to {kind} column `{column}`")]
    TestNotApplicable {
        /// Column name.
        column: String,
        /// Requested test.
        test: StatTest,
        /// Kind of the column.
        kind: ColumnKind,
    },
    /// A threshold is NaN or infinite.
    #[error("threshold {threshold} for column `{column}` is not finite")]
    InvalidThreshold {
        /// Column name.
        column: String,
        /// Offending threshold.
        threshold: f64,
    },
    /// The dataset drift share is outside `[0, 1]` or NaN.
    #[error("drift share {0} must lie in [0, 1]")]
    InvalidDriftShare(f64),
    /// A dataset verdict was asked for zero columns.
    #[error("no columns given")]
    NoColumns,
    /// A worker thread of [`super::detect_all`] panicked.
    #[error("a drift worker thread panicked")]
    WorkerPanicked,
}
