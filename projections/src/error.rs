//! The read side's errors.

/// Why a projection could not advance.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored event did not decode.
    #[error("event at position {position} does not decode: {source}")]
    Decode {
        /// Where.
        position: i64,
        /// Why.
        source: domain::CodecError,
    },
    /// No projection has that name.
    #[error("no projection named {0}")]
    Unknown(String),
}
