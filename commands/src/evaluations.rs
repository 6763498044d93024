//! Evaluation commands: create, start, score items, stop and finish.

use domain::{
    evaluation::{Evaluation, EvaluationCommand, EvaluationError, EvaluationSpec, ScoredItem},
    ids::EvaluationId,
    upcast::Upcasters,
    Metadata, StoredEvent,
};

use crate::{
    error::{CommandError, StoreError},
    handle::{create as create_stream, load, run_retrying, Batch, Loaded},
    store::{EventStore, Until},
};

/// Loads an evaluation's state.
pub async fn state(
    store: &dyn EventStore,
    id: EvaluationId,
) -> Result<Loaded<Evaluation>, CommandError<EvaluationError>> {
    load::<Evaluation>(store, &Upcasters::domain(), &id.to_string(), Until::Now).await
}

/// Records a new evaluation under a new id.
pub async fn create(
    store: &dyn EventStore,
    spec: EvaluationSpec,
    metadata: Metadata,
) -> Result<(EvaluationId, Vec<StoredEvent>), CommandError<EvaluationError>> {
    let id = EvaluationId::from_uuid(uuid::Uuid::now_v7());
    let cmd = EvaluationCommand::Create {
        id,
        spec: Box::new(spec),
    };
    let events = create_stream::<Evaluation>(store, &id.to_string(), cmd, metadata).await?;
    Ok((id, events))
}

/// Runs one command on an evaluation (retrying lost races with a stop request).
pub async fn run(
    store: &dyn EventStore,
    id: EvaluationId,
    cmd: EvaluationCommand,
    metadata: Metadata,
) -> Result<Vec<StoredEvent>, CommandError<EvaluationError>> {
    run_retrying::<Evaluation>(store, &id.to_string(), cmd, metadata).await
}

/// Records several scored items in one append (one stream version check for
/// the lot), retrying a lost race with a stop request.
pub async fn score_all(
    store: &dyn EventStore,
    id: EvaluationId,
    items: &[ScoredItem],
    metadata: Metadata,
) -> Result<Vec<StoredEvent>, CommandError<EvaluationError>> {
    let mut attempt = 0;
    loop {
        let loaded = state(store, id).await?;
        let mut batch = Batch::new(metadata.clone());
        let cmds = items
            .iter()
            .map(|i| EvaluationCommand::Score(Box::new(i.clone())))
            .collect();
        batch.decide_all(&loaded, cmds)?;
        match store.append(batch.into_events()).await {
            Err(StoreError::Conflict { .. }) if attempt < 5 => attempt += 1,
            other => return Ok(other?),
        }
    }
}
