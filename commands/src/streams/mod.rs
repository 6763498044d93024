//! Data-stream commands: create (with a sealed ingest secret), update, delete,
//! start, stop, and the alerts the stream processor raises.

pub mod timeline;
pub mod topics;
pub mod window;

use domain::{
    stream::{DataStream, DataStreamId, StreamCommand, StreamError, StreamSpec},
    upcast::Upcasters,
    Metadata, StoredEvent,
};
use rand::RngCore;

use crate::{
    cipher::{Cipher, CipherError},
    error::CommandError,
    handle::{load, Batch, Loaded},
    store::{EventStore, Until},
};

/// The result of a data-stream command.
pub type StreamResult<T> = Result<T, CommandError<StreamError>>;

/// Loads a stream's current state.
pub async fn get(store: &dyn EventStore, id: &str) -> StreamResult<Loaded<DataStream>> {
    load::<DataStream>(store, &Upcasters::domain(), id, Until::Now).await
}

/// Runs one command on a loaded stream and appends its events.
pub async fn run(
    store: &dyn EventStore,
    loaded: &Loaded<DataStream>,
    if_match: Option<i64>,
    cmd: StreamCommand,
    metadata: Metadata,
) -> StreamResult<Vec<StoredEvent>> {
    let mut batch = Batch::new(metadata);
    batch.decide(loaded, if_match, cmd)?;
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    Ok(store.append(batch.into_events()).await?)
}

/// Why a stream could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The command failed.
    #[error(transparent)]
    Command(#[from] CommandError<StreamError>),
    /// The secret could not be sealed.
    #[error(transparent)]
    Cipher(#[from] CipherError),
}

/// Creates a stream; returns its id, the ingest secret (shown once) and the events.
pub async fn create(
    store: &dyn EventStore,
    cipher: &Cipher,
    spec: StreamSpec,
    metadata: Metadata,
) -> Result<(DataStreamId, String, Vec<StoredEvent>), CreateError> {
    let id = DataStreamId::from_uuid(uuid::Uuid::now_v7());
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let sealed = cipher.seal(&subject(&id.to_string()), &secret).await?;
    let loaded = get(store, &id.to_string()).await?;
    let events = run(
        store,
        &loaded,
        None,
        StreamCommand::Create {
            id,
            spec,
            secret: sealed,
        },
        metadata,
    )
    .await?;
    Ok((id, secret, events))
}

/// The cipher subject a stream's secret is sealed under.
pub fn subject(stream_id: &str) -> String {
    format!("data_stream:{stream_id}")
}
