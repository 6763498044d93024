//! The `data_streams` table.

use async_trait::async_trait;
use domain::{
    decode::decode,
    stream::{DataStream, StreamEvent},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

/// Projects data-stream events.
#[derive(Debug, Clone, Copy)]
pub struct DataStreams;

async fn set(
    tx: &mut Transaction<'static, Any>,
    e: &StoredEvent,
    column_sql: &str,
) -> Result<(), ProjectionError> {
    sqlx::query(&format!(
        "UPDATE data_streams SET {column_sql}, updated_at = $1, stream_version = $2 WHERE id = $3"
    ))
    .bind(e.recorded_at)
    .bind(e.stream_version)
    .bind(e.stream_id.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl Projection for DataStreams {
    fn name(&self) -> &'static str {
        "data_streams"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["data_streams"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &["data_stream"]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != DataStream::STREAM_TYPE {
            return Ok(());
        }
        let event: StreamEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        match event {
            StreamEvent::DataStreamCreated { id, spec, .. } => {
                sqlx::query(
                    "INSERT INTO data_streams (id, name, spec, status, drift_alerts, degraded, created_by, \
                     created_at, updated_at, stream_version) VALUES ($1, $2, $3, 'stopped', 0, 0, $4, $5, $5, $6)",
                )
                .bind(id.to_string())
                .bind(spec.name.clone())
                .bind(serde_json::to_string(&spec).unwrap_or_else(|_| "null".into()))
                .bind(e.metadata().unwrap_or_default().actor_id)
                .bind(e.recorded_at)
                .bind(e.stream_version)
                .execute(&mut **tx)
                .await?;
            }
            StreamEvent::DataStreamUpdated { spec } => {
                sqlx::query(
                    "UPDATE data_streams SET name = $1, spec = $2, updated_at = $3, stream_version = $4 WHERE id = $5",
                )
                .bind(spec.name.clone())
                .bind(serde_json::to_string(&spec).unwrap_or_else(|_| "null".into()))
                .bind(e.recorded_at)
                .bind(e.stream_version)
                .bind(e.stream_id.clone())
                .execute(&mut **tx)
                .await?;
            }
            StreamEvent::DataStreamDeleted {} => {
                sqlx::query("DELETE FROM data_streams WHERE id = $1")
                    .bind(e.stream_id.clone())
                    .execute(&mut **tx)
                    .await?;
            }
            StreamEvent::DataStreamStarted {} => set(tx, e, "status = 'running'").await?,
            StreamEvent::DataStreamStopped {} => set(tx, e, "status = 'stopped'").await?,
            StreamEvent::DriftAlertRaised { .. } => {
                set(tx, e, "drift_alerts = drift_alerts + 1").await?
            }
            StreamEvent::StreamDegraded { .. } => set(tx, e, "degraded = degraded + 1").await?,
        }
        Ok(())
    }
}
