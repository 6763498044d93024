//! Explanation commands: record a finished explainer run.

use domain::{
    explanation::{
        Explanation, ExplanationCommand, ExplanationError, ExplanationId, ExplanationRecord,
    },
    upcast::Upcasters,
    Metadata, StoredEvent,
};

use crate::{
    error::CommandError,
    handle::{load, Batch},
    store::{EventStore, Until},
};

/// Records an explanation under a new id (`ExplanationGenerated`).
pub async fn record(
    store: &dyn EventStore,
    record: ExplanationRecord,
    metadata: Metadata,
) -> Result<(ExplanationId, Vec<StoredEvent>), CommandError<ExplanationError>> {
    let explanation_id = ExplanationId::from_uuid(uuid::Uuid::now_v7());
    let loaded = load::<Explanation>(
        store,
        &Upcasters::domain(),
        &explanation_id.to_string(),
        Until::Now,
    )
    .await?;
    let mut batch = Batch::new(metadata);
    batch.decide(
        &loaded,
        None,
        ExplanationCommand::Record {
            explanation_id,
            record: Box::new(record),
        },
    )?;
    Ok((explanation_id, store.append(batch.into_events()).await?))
}
