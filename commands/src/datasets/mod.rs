//! Dataset commands (upload, delete, assess, rules, validation) and the work that
//! gathers their facts: reading a stored file as a table, inferring its schema,
//! profiling it, assessing its quality and evaluating rule sets.

pub use analysis::expr;
pub mod ingest;
pub mod quality;
pub mod rules;

use domain::{
    dataset::{
        Dataset, DatasetCommand, DatasetError, DatasetSpec, QualityAssessment, Rule,
        ValidationSummary,
    },
    ids::DatasetId,
    upcast::Upcasters,
    Metadata, StoredEvent,
};

use crate::{
    error::CommandError,
    handle::{load, Batch, Loaded},
    store::{EventStore, Until},
};

/// The result of a dataset command.
pub type DatasetResult<T> = Result<T, CommandError<DatasetError>>;

/// Loads a dataset's current state.
pub async fn get(
    store: &dyn EventStore,
    id: DatasetId,
    until: Until,
) -> DatasetResult<Loaded<Dataset>> {
    load::<Dataset>(store, &Upcasters::domain(), &id.to_string(), until).await
}

async fn run(
    store: &dyn EventStore,
    id: DatasetId,
    cmd: DatasetCommand,
    metadata: Metadata,
) -> DatasetResult<Vec<StoredEvent>> {
    let loaded = get(store, id, Until::Now).await?;
    let mut batch = Batch::new(metadata);
    batch.decide(&loaded, None, cmd)?;
    Ok(store.append(batch.into_events()).await?)
}

/// Records an upload whose facts the caller computed; `dataset_id` is new.
pub async fn upload(
    store: &dyn EventStore,
    dataset_id: DatasetId,
    spec: DatasetSpec,
    metadata: Metadata,
) -> DatasetResult<Vec<StoredEvent>> {
    let uploaded_by = metadata.actor_id.clone().unwrap_or_else(|| "system".into());
    let cmd = DatasetCommand::Upload {
        dataset_id,
        spec: Box::new(spec),
        uploaded_by,
    };
    run(store, dataset_id, cmd, metadata).await
}

/// Deletes a dataset (its history stays in the log).
pub async fn delete(
    store: &dyn EventStore,
    id: DatasetId,
    metadata: Metadata,
) -> DatasetResult<Vec<StoredEvent>> {
    run(store, id, DatasetCommand::Delete, metadata).await
}

/// Records a quality assessment.
pub async fn assess(
    store: &dyn EventStore,
    id: DatasetId,
    assessment: QualityAssessment,
    metadata: Metadata,
) -> DatasetResult<Vec<StoredEvent>> {
    run(
        store,
        id,
        DatasetCommand::Assess(Box::new(assessment)),
        metadata,
    )
    .await
}

/// Replaces the dataset's rule set.
pub async fn set_rules(
    store: &dyn EventStore,
    id: DatasetId,
    rules: Vec<Rule>,
    metadata: Metadata,
) -> DatasetResult<Vec<StoredEvent>> {
    run(store, id, DatasetCommand::SetRules(rules), metadata).await
}

/// Records a validation run.
pub async fn record_validation(
    store: &dyn EventStore,
    id: DatasetId,
    summary: ValidationSummary,
    metadata: Metadata,
) -> DatasetResult<Vec<StoredEvent>> {
    run(
        store,
        id,
        DatasetCommand::RecordValidation(summary),
        metadata,
    )
    .await
}
