//! The `export_jobs` table: one row per export job and where it stands.

use async_trait::async_trait;
use domain::{
    decode::decode,
    export::{ExportEvent, ExportJob},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use crate::{error::ProjectionError, Projection};

pub mod schedules;

/// Projects export job events.
#[derive(Debug, Clone, Copy)]
pub struct Exports;

/// The snake_case name of a serializable unit variant.
pub(crate) fn name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[async_trait]
impl Projection for Exports {
    fn name(&self) -> &'static str {
        "exports"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["export_jobs"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[ExportJob::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != ExportJob::STREAM_TYPE {
            return Ok(());
        }
        let event: ExportEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let q = match event {
            ExportEvent::ExportRequested(r) => sqlx::query(
                "INSERT INTO export_jobs (id, format, content, subject_id, requested_by, status, downloads, created_at, updated_at, job_id, schedule_id) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $7, $8)",
            )
            .bind(e.stream_id.clone())
            .bind(name(&r.format))
            .bind(name(&r.content))
            .bind(r.subject_id)
            .bind(r.requested_by)
            .bind(e.recorded_at)
            .bind(r.job_id)
            .bind(r.schedule_id),
            ExportEvent::ExportCompleted(f) => sqlx::query(
                "UPDATE export_jobs SET status = 'completed', sha256 = $2, size = $3, filename = $4, updated_at = $5 WHERE id = $1",
            )
            .bind(e.stream_id.clone())
            .bind(f.sha256)
            .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
            .bind(f.filename)
            .bind(e.recorded_at),
            ExportEvent::ExportFailed { error } => sqlx::query(
                "UPDATE export_jobs SET status = 'failed', error = $2, updated_at = $3 WHERE id = $1",
            )
            .bind(e.stream_id.clone())
            .bind(error)
            .bind(e.recorded_at),
            ExportEvent::ExportDownloaded {} => sqlx::query(
                "UPDATE export_jobs SET downloads = downloads + 1, updated_at = $2 WHERE id = $1",
            )
            .bind(e.stream_id.clone())
            .bind(e.recorded_at),
            ExportEvent::ExportDeleted {} => {
                sqlx::query("DELETE FROM export_jobs WHERE id = $1").bind(e.stream_id.clone())
            }
        };
        q.execute(&mut **tx).await?;
        Ok(())
    }
}
