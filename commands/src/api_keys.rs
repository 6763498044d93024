//! API keys: `rk1.<key id>.<secret>`, shown once at creation and kept only as
//! the secret's SHA-256.

use domain::{
    api_key::{ApiKey, ApiKeyCommand, ApiKeyError},
    ids::UserId,
    upcast::Upcasters,
    Metadata, Role, StoredEvent,
};

use crate::{
    error::{CommandError, StoreError},
    handle::{load, Batch},
    store::{sql_now, EventStore, Until},
    users::token_hash,
};

/// A new key: its id, the secret to show once, and the appended events.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    /// Key id.
    pub key_id: String,
    /// The full key (`rk1.<id>.<secret>`), never stored.
    pub key: String,
    /// Appended events.
    pub events: Vec<StoredEvent>,
}

/// The key id and the hash of the whole key, if it is well formed.
pub fn parse(key: &str) -> Option<(String, String)> {
    let mut parts = key.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("rk1"), Some(id), Some(secret), None)
            if uuid::Uuid::parse_str(id).is_ok() && secret.len() >= 32 =>
        {
            Some((id.to_owned(), token_hash(key)))
        }
        _ => None,
    }
}

/// Creates a key for `owner` acting as `role`.
pub async fn create(
    store: &dyn EventStore,
    owner: UserId,
    name: String,
    role: Role,
    expires_at: Option<i64>,
    meta: Metadata,
) -> Result<CreatedKey, CommandError<ApiKeyError>> {
    let key_id = uuid::Uuid::now_v7().to_string();
    let key = format!(
        "rk1.{key_id}.{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let loaded = load::<ApiKey>(store, &Upcasters::domain(), &key_id, Until::Now).await?;
    let mut batch = Batch::new(meta);
    batch.decide(
        &loaded,
        None,
        ApiKeyCommand::Create {
            owner,
            name,
            role,
            secret_hash: token_hash(&key),
            expires_at,
        },
    )?;
    let events = store.append(batch.into_events()).await?;
    Ok(CreatedKey {
        key_id,
        key,
        events,
    })
}

/// Runs a revoke or record-use command on a key.
pub async fn command(
    store: &dyn EventStore,
    key_id: &str,
    cmd: ApiKeyCommand,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, CommandError<ApiKeyError>> {
    let loaded = load::<ApiKey>(store, &Upcasters::domain(), key_id, Until::Now).await?;
    let mut batch = Batch::new(meta);
    batch.decide(&loaded, None, cmd)?;
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    match store.append(batch.into_events()).await {
        Ok(e) => Ok(e),
        // Two requests recorded a use at once: one record is enough.
        Err(StoreError::Conflict { .. }) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Records a use of the key now (at most once a minute).
pub async fn record_use(
    store: &dyn EventStore,
    key_id: &str,
    meta: Metadata,
) -> Result<Vec<StoredEvent>, CommandError<ApiKeyError>> {
    command(
        store,
        key_id,
        ApiKeyCommand::RecordUse { now: sql_now() },
        meta,
    )
    .await
}
