//! The `connectors` table: each connector's settings (no secret) and its imports.

use async_trait::async_trait;
use domain::{
    connector::{Connector, ConnectorEvent},
    decode::decode,
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects connector events.
#[derive(Debug, Clone, Copy)]
pub struct Connectors;

#[async_trait]
impl Projection for Connectors {
    fn name(&self) -> &'static str {
        "connectors"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["connectors"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[Connector::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != Connector::STREAM_TYPE {
            return Ok(());
        }
        let event: ConnectorEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        match event {
            ConnectorEvent::ConnectorCreated {
                spec, credentials, ..
            } => {
                sqlx::query(
                    "INSERT INTO connectors (id, name, description, kind, source, max_rows, max_bytes, \
                     timeout_ms, has_credentials, imports, last_dataset_id, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, NULL, $10, $11, $11)",
                )
                .bind(e.stream_id.clone())
                .bind(spec.name.clone())
                .bind(spec.description.clone())
                .bind(spec.source.kind())
                .bind(serde_json::to_string(&spec.source).unwrap_or_else(|_| "null".into()))
                .bind(spec.max_rows as i64)
                .bind(spec.max_bytes as i64)
                .bind(spec.timeout_ms as i64)
                .bind(i64::from(credentials.is_some()))
                .bind(e.metadata().unwrap_or_default().actor_id)
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
            ConnectorEvent::ConnectorImported { dataset_id, .. } => {
                sqlx::query(
                    "UPDATE connectors SET imports = imports + 1, last_dataset_id = $2, updated_at = $3 WHERE id = $1",
                )
                .bind(e.stream_id.clone())
                .bind(dataset_id.to_string())
                .bind(e.recorded_at)
                .execute(&mut **tx)
                .await?;
            }
        }
        Ok(())
    }
}
