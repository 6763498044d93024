//! The `export_schedules` table: each live schedule and its last run.

use async_trait::async_trait;
use domain::{
    decode::decode,
    export::schedule::{ExportSchedule, ScheduleEvent},
    upcast::Upcasters,
    Aggregate, StoredEvent,
};
use sqlx::{Any, Transaction};

use super::name;
use crate::{error::ProjectionError, Projection};

/// Projects export schedule events.
#[derive(Debug, Clone, Copy)]
pub struct ExportSchedules;

#[async_trait]
impl Projection for ExportSchedules {
    fn name(&self) -> &'static str {
        "export_schedules"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["export_schedules"]
    }

    fn stream_types(&self) -> &'static [&'static str] {
        &[ExportSchedule::STREAM_TYPE]
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Any>,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.stream_type != ExportSchedule::STREAM_TYPE {
            return Ok(());
        }
        let event: ScheduleEvent =
            decode(e, &Upcasters::domain()).map_err(|source| ProjectionError::Decode {
                position: e.position,
                source,
            })?;
        let q = match event {
            ScheduleEvent::ExportScheduleCreated(s) => sqlx::query(
                "INSERT INTO export_schedules (id, name, cron, format, content, subject_id, owner, starts_after, runs, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9)",
            )
            .bind(e.stream_id.clone())
            .bind(s.name)
            .bind(s.cron)
            .bind(name(&s.format))
            .bind(name(&s.content))
            .bind(s.subject_id)
            .bind(s.owner)
            .bind(s.starts_after)
            .bind(e.recorded_at),
            ScheduleEvent::ExportScheduleRan { due_at, export_id } => sqlx::query(
                "UPDATE export_schedules SET last_due_at = $2, last_export_id = $3, runs = runs + 1 WHERE id = $1",
            )
            .bind(e.stream_id.clone())
            .bind(due_at)
            .bind(export_id),
            ScheduleEvent::ExportScheduleDeleted {} => {
                sqlx::query("DELETE FROM export_schedules WHERE id = $1").bind(e.stream_id.clone())
            }
        };
        q.execute(&mut **tx).await?;
        Ok(())
    }
}
