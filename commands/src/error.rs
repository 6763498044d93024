//! The write side's errors.

/// What went wrong appending to or reading from the log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream was not at the expected version: someone else wrote first.
    #[error("version conflict on {stream_type}/{stream_id}: expected {expected}, found {actual}")]
    Conflict {
        /// Aggregate kind.
        stream_type: String,
        /// Aggregate id.
        stream_id: String,
        /// What the writer expected (`-1` = any, `0` = no stream).
        expected: i64,
        /// The stream's actual version.
        actual: i64,
    },
    /// Part of a batch was appended before under the same event ids, part not.
    #[error("event id {0} was already appended with a different batch")]
    DuplicateEventId(String),
    /// A batch with nothing in it.
    #[error("nothing to append")]
    Empty,
    /// A payload could not be serialised.
    #[error("encoding: {0}")]
    Encoding(#[from] serde_json::Error),
    /// The stored head is not a valid hash (the log is damaged).
    #[error("the log's head hash is malformed")]
    Chain(#[from] domain::chain::BadHash),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Why a command did not produce its events.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error> {
    /// The aggregate refused it (business reason).
    #[error(transparent)]
    Rejected(E),
    /// The caller's `If-Match` version is not the stream's version.
    #[error("stale version: expected {expected}, stream is at {actual}")]
    Stale {
        /// What the caller sent.
        expected: i64,
        /// The stream's version.
        actual: i64,
    },
    /// A stored event would not decode.
    #[error(transparent)]
    Codec(#[from] domain::CodecError),
    /// The store failed or another writer won.
    #[error(transparent)]
    Store(#[from] StoreError),
}
