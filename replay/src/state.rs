//! Time travel: any stream's state as it was at a time or position.

use commands::{open_store, Until};
use domain::{registry::fold_json, upcast::Upcasters};
use migrations::Db;

use crate::ReplayError;

/// A stream folded up to a point.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StateAt {
    /// Aggregate kind.
    pub stream_type: String,
    /// Aggregate id.
    pub stream_id: String,
    /// Version reached (0 = the stream did not exist yet).
    pub version: i64,
    /// Position of the last event folded.
    pub position: i64,
    /// The state.
    pub state: serde_json::Value,
}

/// Folds `stream_type/stream_id` up to `until`.
pub async fn state_at(
    db: &Db,
    stream_type: &str,
    stream_id: &str,
    until: Until,
) -> Result<StateAt, ReplayError> {
    let events = open_store(db.clone())
        .read_stream(stream_type, stream_id, until)
        .await?;
    let state = fold_json(stream_type, &events, &Upcasters::domain())?;
    Ok(StateAt {
        stream_type: stream_type.to_owned(),
        stream_id: stream_id.to_owned(),
        version: events.last().map_or(0, |e| e.stream_version),
        position: events.last().map_or(0, |e| e.position),
        state,
    })
}
