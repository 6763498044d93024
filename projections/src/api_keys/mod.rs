//! The `api_keys` table: each key's owner, role, hash, expiry, revocation and
//! last recorded use.

use async_trait::async_trait;
use domain::{
    api_key::{ApiKey, ApiKeyEvent},
    decode::decode,
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects API key events into `api_keys`.
#[derive(Debug, Clone, Copy)]
pub struct ApiKeys;

#[async_trait]
impl Projection for ApiKeys {
    fn name(&self) -> &'static str {
        "api_keys"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["api_keys"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[ApiKey::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != ApiKey::STREAM_TYPE {
            return Ok(());
        }
        let event: ApiKeyEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let actor = serde_json::from_str::<domain::Metadata>(&e.metadata)
            .ok()
            .and_then(|m| m.actor_id);
        let q = match event {
            ApiKeyEvent::ApiKeyCreated {
                owner,
                name,
                role,
                secret_hash,
                expires_at,
            } => sqlx::query(
                "INSERT INTO api_keys (key_id, owner_id, name, role, secret_hash, created_by, created_at, \
                 expires_at, revoked_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)",
            )
            .bind(e.stream_id.clone())
            .bind(owner.to_string())
            .bind(name)
            .bind(role.as_str())
            .bind(secret_hash)
            .bind(actor)
            .bind(e.recorded_at)
            .bind(expires_at),
            ApiKeyEvent::ApiKeyRevoked {} => {
                sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE key_id = $2")
                    .bind(e.recorded_at)
                    .bind(e.stream_id.clone())
            }
            ApiKeyEvent::ApiKeyUsed { at } => {
                sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE key_id = $2")
                    .bind(at)
                    .bind(e.stream_id.clone())
            }
        };
        q.execute(&mut **tx).await?;
        Ok(())
    }
}
