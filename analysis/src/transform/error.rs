//! Why a pipeline could not be fitted or applied.

/// A refused pipeline, with the step at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransformError {
    /// The pipeline itself is malformed.
    #[error("{0}")]
    Invalid(String),
    /// A step names a column the table does not have.
    #[error("step {step}: unknown column `{column}`")]
    UnknownColumn {
        /// Step index (0-based).
        step: usize,
        /// The name.
        column: String,
    },
    /// A value could not be converted.
    #[error("step {step}: cannot cast `{value}` in column `{column}` (row {row}) to {to}")]
    Cast {
        /// Step index.
        step: usize,
        /// Column.
        column: String,
        /// Row (0-based).
        row: usize,
        /// The value.
        value: String,
        /// Target type.
        to: String,
    },
    /// A step does not fit this data (non-numeric column, nothing to fit...).
    #[error("step {step}: {message}")]
    Unfit {
        /// Step index.
        step: usize,
        /// Why.
        message: String,
    },
}

impl TransformError {
    pub(crate) fn unknown(column: &str) -> Self {
        Self::UnknownColumn {
            step: 0,
            column: column.to_owned(),
        }
    }

    pub(crate) fn unfit(message: impl Into<String>) -> Self {
        Self::Unfit {
            step: 0,
            message: message.into(),
        }
    }

    /// The same error attributed to step `i`.
    pub(crate) fn at(self, i: usize) -> Self {
        match self {
            Self::Invalid(m) => Self::Invalid(format!("step {i}: {m}")),
            Self::UnknownColumn { column, .. } => Self::UnknownColumn { step: i, column },
            Self::Cast {
                column,
                row,
                value,
                to,
                ..
            } => Self::Cast {
                step: i,
                column,
                row,
                value,
                to,
            },
            Self::Unfit { message, .. } => Self::Unfit { step: i, message },
        }
    }
}
