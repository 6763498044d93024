//! Connector commands: create one (credentials arrive sealed) and record its imports.

use domain::{
    connector::{Connector, ConnectorCommand, ConnectorError, ConnectorSpec},
    ids::{ConnectorId, DatasetId},
    sealed::Sealed,
    upcast::Upcasters,
    Metadata, StoredEvent,
};

use crate::{
    error::CommandError,
    handle::{self, load, Batch, Loaded},
    store::{EventStore, Until},
};

/// The result of a connector command.
pub type ConnectorResult<T> = Result<T, CommandError<ConnectorError>>;

/// Subject under which a connector's credentials are sealed.
pub fn subject(id: ConnectorId) -> String {
    format!("connector:{id}")
}

/// Loads a connector (with its sealed credentials).
pub async fn get(store: &dyn EventStore, id: ConnectorId) -> ConnectorResult<Loaded<Connector>> {
    load::<Connector>(store, &Upcasters::domain(), &id.to_string(), Until::Now).await
}

/// Creates a connector.
pub async fn create(
    store: &dyn EventStore,
    id: ConnectorId,
    spec: ConnectorSpec,
    credentials: Option<Sealed>,
    metadata: Metadata,
) -> ConnectorResult<Vec<StoredEvent>> {
    let cmd = ConnectorCommand::Create {
        id,
        spec: Box::new(spec),
        credentials,
    };
    handle::create::<Connector>(store, &id.to_string(), cmd, metadata).await
}

/// Records that an import created `dataset_id`.
pub async fn record_import(
    store: &dyn EventStore,
    id: ConnectorId,
    dataset_id: DatasetId,
    rows: u64,
    metadata: Metadata,
) -> ConnectorResult<Vec<StoredEvent>> {
    let loaded = get(store, id).await?;
    let mut batch = Batch::new(metadata);
    batch.decide(
        &loaded,
        None,
        ConnectorCommand::RecordImport { dataset_id, rows },
    )?;
    Ok(store.append(batch.into_events()).await?)
}
