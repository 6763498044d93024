//! RAIA's audit tools over the log: verify the hash chain, sign and check
//! checkpoints, export verifiable extracts, rebuild projections, and show any
//! stream as it was at a time or position.

pub mod checkpoint;
pub mod export;
pub mod state;
pub mod tables;
pub mod verify;

/// Why an audit tool failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] commands::StoreError),
    /// Reading or writing a file failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// JSON failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// The checkpoint file is malformed or its signature is wrong.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A stream could not be folded.
    #[error(transparent)]
    Fold(#[from] domain::registry::FoldError),
    /// A projection failed.
    #[error(transparent)]
    Projection(#[from] projections::ProjectionError),
}
