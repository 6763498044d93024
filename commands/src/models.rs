//! Model commands: register, update (with optimistic concurrency), delete.

use domain::{
    ids::ModelId,
    model::{Model, ModelCommand, ModelError, ModelSpec},
    upcast::Upcasters,
    Metadata, StoredEvent,
};

use crate::{
    error::CommandError,
    handle::{load, Batch, Loaded},
    store::{EventStore, Until},
};

/// The result of a model command.
pub type ModelResult<T> = Result<T, CommandError<ModelError>>;

/// Loads a model's current state.
pub async fn get(store: &dyn EventStore, id: ModelId, until: Until) -> ModelResult<Loaded<Model>> {
    load::<Model>(store, &Upcasters::domain(), &id.to_string(), until).await
}

async fn run(
    store: &dyn EventStore,
    loaded: &Loaded<Model>,
    if_match: Option<i64>,
    cmd: ModelCommand,
    metadata: Metadata,
) -> ModelResult<Vec<StoredEvent>> {
    let mut batch = Batch::new(metadata);
    batch.decide(loaded, if_match, cmd)?;
    Ok(store.append(batch.into_events()).await?)
}

/// Registers a model under a new id.
pub async fn register(
    store: &dyn EventStore,
    spec: ModelSpec,
    metadata: Metadata,
) -> ModelResult<(ModelId, Vec<StoredEvent>)> {
    let model_id = ModelId::from_uuid(uuid::Uuid::now_v7());
    let loaded = get(store, model_id, Until::Now).await?;
    let created_by = metadata.actor_id.clone().unwrap_or_else(|| "system".into());
    let events = run(
        store,
        &loaded,
        None,
        ModelCommand::Register {
            model_id,
            spec,
            created_by,
        },
        metadata,
    )
    .await?;
    Ok((model_id, events))
}

/// Replaces a model's fields; `if_match` is the version the caller last saw.
pub async fn update(
    store: &dyn EventStore,
    id: ModelId,
    if_match: Option<i64>,
    patch: impl FnOnce(&ModelSpec) -> Result<ModelSpec, domain::model::InvalidSpec>,
    metadata: Metadata,
) -> Result<Vec<StoredEvent>, UpdateError> {
    let loaded = get(store, id, Until::Now).await?;
    let current = match (&loaded.state.spec, loaded.state.deleted) {
        (Some(s), false) => s,
        (Some(_), true) => return Err(CommandError::Rejected(ModelError::Deleted).into()),
        (None, _) => return Err(CommandError::Rejected(ModelError::NotFound).into()),
    };
    let spec = patch(current).map_err(UpdateError::Invalid)?;
    Ok(run(
        store,
        &loaded,
        if_match,
        ModelCommand::Update { spec },
        metadata,
    )
    .await?)
}

/// Why an update failed.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The merged fields are invalid.
    #[error(transparent)]
    Invalid(domain::model::InvalidSpec),
    /// The command failed.
    #[error(transparent)]
    Command(#[from] CommandError<ModelError>),
}

/// Deletes a model (its history stays in the log).
pub async fn delete(
    store: &dyn EventStore,
    id: ModelId,
    if_match: Option<i64>,
    metadata: Metadata,
) -> ModelResult<Vec<StoredEvent>> {
    let loaded = get(store, id, Until::Now).await?;
    run(store, &loaded, if_match, ModelCommand::Delete, metadata).await
}

/// Runs any command on an existing model (versions, lifecycle, aliases).
pub async fn execute(
    store: &dyn EventStore,
    id: ModelId,
    if_match: Option<i64>,
    cmd: ModelCommand,
    metadata: Metadata,
) -> ModelResult<Vec<StoredEvent>> {
    let loaded = get(store, id, Until::Now).await?;
    run(store, &loaded, if_match, cmd, metadata).await
}
