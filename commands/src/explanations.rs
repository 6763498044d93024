//! Explanation commands: record a finished explainer run.

use domain::{
    explanation::{
        Explanation, ExplanationCommand, ExplanationError, ExplanationId, ExplanationRecord,
    },
    Metadata, StoredEvent,
};

use crate::{error::CommandError, handle::create, store::EventStore};

/// Records an explanation under a new id (`ExplanationGenerated`).
pub async fn record(
    store: &dyn EventStore,
    record: ExplanationRecord,
    metadata: Metadata,
) -> Result<(ExplanationId, Vec<StoredEvent>), CommandError<ExplanationError>> {
    let explanation_id = ExplanationId::from_uuid(uuid::Uuid::now_v7());
    let cmd = ExplanationCommand::Record {
        explanation_id,
        record: Box::new(record),
    };
    let events = create::<Explanation>(store, &explanation_id.to_string(), cmd, metadata).await?;
    Ok((explanation_id, events))
}
