//! Publishing application events and subscribing webhooks to topics.

use domain::{
    subscription::{
        Subscription, SubscriptionCommand, SubscriptionError, Topic, TopicCommand, TopicError,
    },
    upcast::Upcasters,
    Metadata, StoredEvent,
};
use rand::RngCore;

use crate::{
    cipher::{Cipher, CipherError},
    error::{CommandError, StoreError},
    handle::{load, Batch},
    store::{EventStore, Until},
};

/// Publishes an application event on `topic`, retrying when another publisher
/// appended to the topic first.
pub async fn publish(
    store: &dyn EventStore,
    topic: &str,
    cmd: TopicCommand,
    metadata: Metadata,
) -> Result<Vec<StoredEvent>, CommandError<TopicError>> {
    let mut attempt = 0;
    loop {
        let loaded = load::<Topic>(store, &Upcasters::domain(), topic, Until::Now).await?;
        let mut batch = Batch::new(metadata.clone());
        batch.decide(&loaded, None, cmd.clone())?;
        match store.append(batch.into_events()).await {
            Err(StoreError::Conflict { .. }) if attempt < 10 => attempt += 1,
            other => return Ok(other?),
        }
    }
}

/// Why a subscription could not be created.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The command failed.
    #[error(transparent)]
    Command(#[from] CommandError<SubscriptionError>),
    /// The secret could not be sealed.
    #[error(transparent)]
    Cipher(#[from] CipherError),
}

/// The cipher subject a subscription's secret is sealed under.
pub fn subject(id: &str) -> String {
    format!("subscription:{id}")
}

/// Subscribes `url` to `topic` from the log's head on; returns the id, the
/// signing secret (shown once) and the events.
pub async fn subscribe(
    store: &dyn EventStore,
    cipher: &Cipher,
    topic: String,
    url: String,
    metadata: Metadata,
) -> Result<(String, String, Vec<StoredEvent>), SubscribeError> {
    let id = uuid::Uuid::now_v7().to_string();
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let sealed = cipher.seal(&subject(&id), &secret).await?;
    let after = store.head().await.map_err(CommandError::from)?.position;
    let loaded = load::<Subscription>(store, &Upcasters::domain(), &id, Until::Now).await?;
    let mut batch = Batch::new(metadata);
    batch.decide(
        &loaded,
        None,
        SubscriptionCommand::Create {
            topic,
            url,
            secret: sealed,
            after,
        },
    )?;
    let events = store
        .append(batch.into_events())
        .await
        .map_err(CommandError::from)?;
    Ok((id, secret, events))
}

/// Cancels a subscription.
pub async fn unsubscribe(
    store: &dyn EventStore,
    id: &str,
    metadata: Metadata,
) -> Result<Vec<StoredEvent>, CommandError<SubscriptionError>> {
    let loaded = load::<Subscription>(store, &Upcasters::domain(), id, Until::Now).await?;
    let mut batch = Batch::new(metadata);
    batch.decide(&loaded, None, SubscriptionCommand::Cancel)?;
    Ok(store.append(batch.into_events()).await?)
}
