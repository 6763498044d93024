//! The one error type of the text metrics.

use thiserror::Error;

/// Everything that can make a retrieval or answer metric refuse its input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextMetricError {
    /// A cut-off of 0 was asked for: precision@0 and nDCG@0 divide by zero.
    #[error("cut-off k must be at least 1")]
    ZeroCutoff,
    /// The ranked list holds the same id twice, so ranks would be ambiguous.
    #[error("retrieved id at rank {rank} already appears earlier in the ranked list")]
    DuplicateRetrievedId {
        /// 1-based rank of the second occurrence.
        rank: usize,
    },
    /// Hypotheses and references of a corpus do not pair up.
    #[error("{hypotheses} hypotheses but {references} references")]
    LengthMismatch {
        /// Number of generated answers.
        hypotheses: usize,
        /// Number of reference answers.
        references: usize,
    },
    /// An aggregate was asked for over zero items (a mean of nothing).
    #[error("nothing to aggregate: no items")]
    NoItems,
    /// Items to aggregate were computed with different cut-off lists.
    #[error("item {index} was computed with other cut-offs than the first item")]
    MismatchedCutoffs {
        /// 0-based index of the first item whose cut-offs differ.
        index: usize,
    },
}
