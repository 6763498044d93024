//! The single error type of the explain module.

use thiserror::Error;

/// Everything that can go wrong while explaining a model.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ExplainError {
    /// The wrapped model failed to evaluate a batch (message from the model).
    #[error("the model failed to predict: {0}")]
    Predictor(String),
    /// The model returned a different number of outputs than rows it was given.
    #[error("the model returned {got} outputs for {expected} rows")]
    PredictionLength {
        /// Rows handed to the model.
        expected: usize,
        /// Outputs it returned.
        got: usize,
    },
    /// Two inputs disagree on the number of features.
    #[error("expected {expected} features, got {got}")]
    FeatureCount {
        /// Features the explainer was built for.
        expected: usize,
        /// Features in the offending input.
        got: usize,
    },
    /// The background (reference) data set has no row.
    #[error("the background data set is empty")]
    EmptyBackground,
    /// Background weights are negative, non-finite, of the wrong length or sum to zero.
    #[error("invalid background weights: {0}")]
    InvalidWeights(String),
    /// Exact enumeration was asked for more features than it can afford.
    #[error(
        "exact Shapley values need 2^{features} coalitions; at most {max} features are allowed"
    )]
    TooManyFeatures {
        /// Features requested.
        features: usize,
        /// Largest supported count.
        max: usize,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// A tree ensemble description is inconsistent (bad child index, cycle, ...).
    #[error("invalid tree model: {0}")]
    InvalidTree(String),
    /// A linear system could not be solved even with the least-squares fallback.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// A value was NaN or infinite where a finite number is required.
    #[error("non-finite value in {0}")]
    NonFinite(&'static str),
}

/// Result alias of the explain module.
pub type Result<T> = std::result::Result<T, ExplainError>;

/// Shorthand for [`ExplainError::InvalidParameter`].
pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> ExplainError {
    ExplainError::InvalidParameter {
        name,
        reason: reason.into(),
    }
}
